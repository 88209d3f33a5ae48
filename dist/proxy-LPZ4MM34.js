import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startMysqlGateway
} from "./chunk-NV5BZUGN.js";
import {
  createGatewayContext,
  mysqlSide,
  parseUpstreamUrl,
  parseUpstreamUrl2,
  postgresSide,
  startPostgresGateway
} from "./chunk-2QJEPSFG.js";
import "./chunk-R4FDCV5H.js";
import {
  renderPlain
} from "./chunk-ZCNM5CIL.js";
import {
  defaultPolicy,
  loadPolicy
} from "./chunk-E6F2STDG.js";
import {
  FileRecorder
} from "./chunk-UFPKOEU3.js";
import "./chunk-D7K4HSHE.js";
import "./chunk-IFOOGZBA.js";
import {
  UsageError,
  parse
} from "./chunk-5YNDTKBO.js";
import "./chunk-JYUWKEP5.js";

// src/cli/proxy.ts
import { tmpdir } from "node:os";
import { join } from "node:path";

// src/approvals/terminal.ts
import { openSync } from "node:fs";
import { userInfo } from "node:os";
import { createInterface } from "node:readline";
import { ReadStream, WriteStream } from "node:tty";
function openTerminal() {
  if (process.stdin.isTTY && process.stderr.isTTY) {
    return { input: process.stdin, output: process.stderr, close: () => {
    } };
  }
  try {
    const fd = openSync("/dev/tty", "r+");
    const input = new ReadStream(fd);
    const output = new WriteStream(fd);
    return {
      input,
      output,
      close: () => {
        input.destroy();
      }
    };
  } catch {
    return void 0;
  }
}
function localUser() {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "local user";
  }
}
function ask(terminal, prompt, waitMs, signal) {
  return new Promise((resolve) => {
    const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: false });
    let done = false;
    const finish = (answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      rl.close();
      resolve(answer);
    };
    const onAbort = () => finish({ ended: "aborted" });
    const timer = setTimeout(() => finish({ ended: "timeout" }), Math.max(0, waitMs));
    signal.addEventListener("abort", onAbort, { once: true });
    rl.once("line", (line) => finish({ line }));
    rl.once("close", () => finish({ ended: "closed" }));
    terminal.output.write(prompt);
  });
}
var TerminalChannel = class {
  constructor(options = {}) {
    this.options = options;
  }
  options;
  name = "terminal";
  /** One prompt at a time: concurrent sessions wait their turn instead of interleaving. */
  queue = Promise.resolve();
  request(request, signal) {
    const turn = this.queue.then(() => this.prompt(request, signal));
    this.queue = turn;
    return turn;
  }
  async prompt(request, signal) {
    const decidedAt = () => (/* @__PURE__ */ new Date()).toISOString();
    const user = this.options.user ?? localUser();
    const deadline = Math.min(
      request.deadline.getTime(),
      this.options.timeoutMs === void 0 ? Number.POSITIVE_INFINITY : Date.now() + this.options.timeoutMs
    );
    if (signal.aborted)
      return { decision: "denied", by: [], reason: "aborted", decidedAt: decidedAt(), hashes: [] };
    if (Date.now() >= deadline) {
      return {
        decision: "timeout",
        by: [],
        reason: "no decision before the deadline",
        decidedAt: decidedAt(),
        hashes: []
      };
    }
    let terminal;
    try {
      terminal = this.options.input && this.options.output ? { input: this.options.input, output: this.options.output, close: () => {
      } } : openTerminal();
      if (!terminal) {
        return {
          decision: "denied",
          by: [],
          reason: "no terminal to ask on",
          decidedAt: decidedAt(),
          hashes: []
        };
      }
      const prompt = `${renderPlain(request, /* @__PURE__ */ new Date())}Run it? Type "yes" to approve, anything else denies: `;
      const answer = await ask(terminal, prompt, deadline - Date.now(), signal);
      if ("ended" in answer) {
        terminal.output.write("\n");
        const outcome = answer.ended === "timeout" ? {
          decision: "timeout",
          by: [],
          reason: "no decision before the deadline",
          decidedAt: decidedAt()
        } : answer.ended === "aborted" ? { decision: "denied", by: [], reason: "aborted", decidedAt: decidedAt() } : {
          decision: "denied",
          by: [],
          reason: "the terminal closed without an answer",
          decidedAt: decidedAt()
        };
        return { ...outcome, hashes: [] };
      }
      const yes = /^\s*y(es)?\s*$/i.test(answer.line);
      return yes ? {
        decision: "approved",
        by: [user],
        decidedAt: decidedAt(),
        hashes: request.statements.map((s) => s.hash)
      } : {
        decision: "denied",
        by: [user],
        reason: "denied at the terminal",
        decidedAt: decidedAt(),
        hashes: []
      };
    } catch (err) {
      return {
        decision: "error",
        by: [],
        reason: `terminal prompt failed: ${err.message}`,
        decidedAt: decidedAt(),
        hashes: []
      };
    } finally {
      terminal?.close();
    }
  }
};

// src/cli/proxy.ts
var usage = "guardrail proxy --upstream postgres://\u2026|mysql://\u2026 [--listen host:port] [--socket-dir DIR] [--transcript FILE] [--policy FILE]";
function listenAddress(value) {
  if (!value) return { host: "127.0.0.1", port: 0 };
  const colon = value.lastIndexOf(":");
  const host = colon > 0 ? value.slice(0, colon).replace(/^\[|\]$/g, "") : "127.0.0.1";
  const port = Number(colon >= 0 ? value.slice(colon + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--listen: invalid port in ${value}`);
  return { host, port };
}
async function startProxy(argv) {
  const { values, positionals } = parse(
    argv,
    {
      upstream: { type: "string" },
      listen: { type: "string" },
      "socket-dir": { type: "string" },
      transcript: { type: "string" },
      policy: { type: "string" }
    },
    false
  );
  if (positionals.length > 0) throw new UsageError("proxy takes no positional arguments");
  if (!values.upstream) throw new UsageError("--upstream is required");
  const { host, port } = listenAddress(values.listen);
  const policy = values.policy ? loadPolicy(values.policy) : defaultPolicy();
  const transcript = values.transcript ?? join(tmpdir(), `guardrail-proxy-${process.pid}.jsonl`);
  const recorder = new FileRecorder(transcript);
  const common = { policy, recorder, approvals: new TerminalChannel() };
  const listen = { host, port, version: "guardrail-cli" };
  const isMysql = /^(mysql|mariadb):/i.test(values.upstream);
  if (isMysql && values["socket-dir"]) throw new UsageError("--socket-dir is for PostgreSQL upstreams");
  let started;
  try {
    if (isMysql) {
      const upstream = parseWith(parseUpstreamUrl, values.upstream);
      const side2 = mysqlSide(values.upstream);
      const context = await createGatewayContext({
        ...common,
        dialect: "mysql",
        side: { dialect: "mysql", connection: side2 },
        database: {
          name: upstream.database ?? "",
          host: `${upstream.host}:${upstream.port}`,
          role: upstream.user
        }
      });
      const gateway2 = await startMysqlGateway({
        upstream: values.upstream,
        context,
        catalog: side2,
        ...listen
      }).catch(async (err) => {
        await side2.close();
        throw err;
      });
      started = { gateway: gateway2, side: side2, target: `${upstream.host}:${upstream.port}/${upstream.database ?? ""}` };
    } else {
      const upstream = parseWith(parseUpstreamUrl2, values.upstream);
      const side2 = postgresSide(upstream);
      const context = await createGatewayContext({
        ...common,
        dialect: "postgres",
        side: { dialect: "postgres", connection: side2 },
        database: { name: upstream.database, host: `${upstream.host}:${upstream.port}`, role: upstream.user }
      });
      const gateway2 = await startPostgresGateway({
        upstream,
        context,
        ...listen,
        ...values["socket-dir"] ? { unixSocketDir: values["socket-dir"] } : {},
        masking: context.masking,
        catalog: side2
      }).catch(async (err) => {
        await side2.close();
        throw err;
      });
      started = { gateway: gateway2, side: side2, target: `${upstream.host}:${upstream.port}/${upstream.database}` };
    }
  } catch (err) {
    recorder.close();
    throw err;
  }
  const { gateway, side, target } = started;
  console.log(gateway.url);
  console.error(`guardrail proxy: forwarding to ${target}; transcript ${transcript}`);
  return {
    url: gateway.url,
    transcript,
    async stop(reason) {
      try {
        await gateway.close(reason);
      } finally {
        await side.close();
        recorder.close();
      }
    }
  };
}
function parseWith(parser, url) {
  try {
    return parser(url);
  } catch (err) {
    throw new UsageError(err.message);
  }
}
async function run(argv) {
  const proxy = await startProxy(argv);
  const signal = await new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  await proxy.stop(`${signal} received`);
  return 0;
}
export {
  run,
  startProxy,
  usage
};
