import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  FileRecorder,
  createGatewayContext
} from "./chunk-47B6AIJ7.js";
import "./chunk-CCMQQIB6.js";
import {
  openSideEarly
} from "./chunk-V6SGTYVA.js";
import "./chunk-GOMVZPAY.js";
import {
  GitHubChannel
} from "./chunk-62QV74FA.js";
import "./chunk-H2IYXB7D.js";
import "./chunk-R4QPFUJG.js";
import {
  RUN_FILES
} from "./chunk-PAFGMZGK.js";
import "./chunk-CP3RSTG4.js";
import "./chunk-BBBSTV4C.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-ZXLTHBZ6.js";
import {
  loadPolicy
} from "./chunk-CREFJWGC.js";
import {
  defaultPolicy
} from "./chunk-NSA7BN2R.js";
import "./chunk-LKICGP52.js";
import "./chunk-AIHX2DPB.js";
import "./chunk-FTAKKE6A.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";

// src/gateway/daemon.ts
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
var VERSION = "guardrail-daemon/1";
var secrets = [];
function scrub(text) {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    out = out.split(s).join("***").split(encodeURIComponent(s)).join("***");
  }
  return out;
}
function log(message) {
  process.stderr.write(`${(/* @__PURE__ */ new Date()).toISOString()} ${scrub(message)}
`);
}
function configPathFrom(argv) {
  const i = argv.indexOf("--config");
  const path = i >= 0 ? argv[i + 1] : void 0;
  if (!path)
    throw new GuardrailError("usage: daemon.js --config <run dir>/config.json", {
      code: "ERR_DAEMON_CONTRACT"
    });
  return path;
}
function readConfig(path) {
  const config = JSON.parse(readFileSync(path, "utf8"));
  if (config.version !== 1)
    throw new GuardrailError(`${path}: unsupported config version ${String(config.version)}`, {
      code: "ERR_DAEMON_CONTRACT"
    });
  if (config.dialect !== "postgres" && config.dialect !== "mysql") {
    throw new GuardrailError(`${path}: dialect must be postgres or mysql`, { code: "ERR_DAEMON_CONTRACT" });
  }
  for (const key of ["transcriptPath", "readyPath"]) {
    if (typeof config[key] !== "string" || !config[key])
      throw new GuardrailError(`${path}: ${key} is missing`, { code: "ERR_DAEMON_CONTRACT" });
  }
  if (!config.lease?.username || !config.lease.host)
    throw new GuardrailError(`${path}: the lease is incomplete`, { code: "ERR_DAEMON_CONTRACT" });
  return config;
}
function forgetUpstreamPassword(path, config) {
  const kept = { ...config, lease: { ...config.lease, password: "" } };
  writeFileSync(`${path}.tmp`, JSON.stringify(kept), { mode: 384 });
  renameSync(`${path}.tmp`, path);
}
function mysqlUpstreamUrl(config) {
  const { lease } = config;
  const host = lease.host.includes(":") ? `[${lease.host}]` : lease.host;
  const query = config.upstream.sslmode ? `?ssl-mode=${encodeURIComponent(config.upstream.sslmode)}` : "";
  return `mysql://${encodeURIComponent(lease.username)}:${encodeURIComponent(lease.password)}@${host}:${lease.port}/${encodeURIComponent(lease.database)}${query}`;
}
var warn = (message) => process.stderr.write(`guardrail: ${message}
`);
async function startGateway(config, policy, recorder) {
  const { lease } = config;
  const contextWith = (side) => createGatewayContext({
    side,
    dialect: config.dialect,
    policy,
    recorder,
    mode: config.mode,
    // Without a token there is no one to ask: review verdicts are refused (fail closed).
    ...config.githubToken ? {
      approvals: new GitHubChannel({
        token: config.githubToken,
        policy: policy.approvals,
        log: (m) => process.stderr.write(`${m}
`)
      })
    } : {},
    ...config.approvalTimeoutMs ? { approvalTimeoutMs: config.approvalTimeoutMs } : {},
    preapproved: config.preapproved,
    job: config.job,
    database: { name: lease.database, host: `${lease.host}:${lease.port}`, role: lease.username }
  });
  const listen = {
    host: config.listen.host,
    port: config.listen.port,
    ...config.listen.maxClients ? { maxClients: config.listen.maxClients } : {},
    version: VERSION
  };
  if (config.dialect === "postgres") {
    const upstream2 = {
      host: lease.host,
      port: lease.port,
      user: lease.username,
      password: lease.password,
      database: lease.database,
      ...config.upstream.sslmode ? { sslmode: config.upstream.sslmode } : {}
    };
    const { postgresSide } = await import("./side-connection-FI6BIVS3.js");
    const connection2 = postgresSide(upstream2);
    await openSideEarly(connection2, warn);
    const context2 = await contextWith({ dialect: "postgres", connection: connection2 });
    const { startPostgresGateway } = await import("./listener-SAYXGBLU.js");
    const gateway = await startPostgresGateway({
      upstream: upstream2,
      context: context2,
      masking: context2.masking,
      catalog: connection2,
      ...listen
    });
    return withSide(gateway, connection2);
  }
  const upstream = mysqlUpstreamUrl(config);
  const { mysqlSide } = await import("./side-connection-V7KUB7WX.js");
  const connection = mysqlSide(upstream);
  await openSideEarly(connection, warn);
  const context = await contextWith({ dialect: "mysql", connection });
  const { startMysqlGateway } = await import("./listener-ZFC3IAMY.js");
  return withSide(await startMysqlGateway({ upstream, context, catalog: connection, ...listen }), connection);
}
function withSide(gateway, side) {
  const close = gateway.close.bind(gateway);
  return Object.assign(gateway, {
    close: async (reason) => {
      await close(reason);
      await side.close();
    }
  });
}
function writeReady(path, ready) {
  writeFileSync(`${path}.tmp`, JSON.stringify(ready), { mode: 384 });
  renameSync(`${path}.tmp`, path);
}
async function main() {
  const configPath = configPathFrom(process.argv.slice(2));
  const config = readConfig(configPath);
  secrets.push(config.lease.password, config.githubToken ?? "");
  forgetUpstreamPassword(configPath, config);
  const policy = config.policyPath ? loadPolicy(config.policyPath) : defaultPolicy();
  const recorder = new FileRecorder(config.transcriptPath);
  let gateway;
  try {
    gateway = await startGateway(config, policy, recorder);
  } catch (err) {
    recorder.record(0, {
      type: "error",
      message: scrub(`the gateway did not start: ${err.message}`)
    });
    recorder.close();
    throw err;
  }
  secrets.push(gateway.password);
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    gateway.close(`${signal} from the post step`).then(() => {
      recorder.close();
      log(`stopped on ${signal}`);
      process.exit(0);
    }).catch((err) => {
      log(`error while stopping: ${err.message}`);
      process.exit(1);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  let caCert;
  if (gateway.certificate) {
    caCert = join(dirname(config.readyPath), RUN_FILES.caCert);
    writeFileSync(caCert, gateway.certificate, { mode: 420 });
  }
  writeReady(config.readyPath, {
    pid: process.pid,
    url: gateway.url,
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    database: gateway.database,
    ...caCert ? { caCert } : {}
  });
  log(`${config.dialect} gateway listening on ${gateway.host}:${gateway.port}, mode ${config.mode}`);
}
process.on("uncaughtException", (err) => {
  log(`crashed: ${err.stack ?? err.message}`);
  process.exit(1);
});
main().catch((err) => {
  log(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
