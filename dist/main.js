import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  DEFAULT_MAX_CLIENTS,
  requestId
} from "./chunk-XSTP326K.js";
import {
  createCredentialProvider,
  jobInfoFromEnv,
  makeRunDir,
  providerConfig,
  runPaths,
  saveProvider,
  saveRunDir,
  savedProvider,
  startGateway,
  writeDaemonConfig
} from "./chunk-MYJHPNKU.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-GNXYIVKR.js";
import {
  GitHubChannel
} from "./chunk-62QV74FA.js";
import "./chunk-H2IYXB7D.js";
import {
  compileMasking
} from "./chunk-R4QPFUJG.js";
import {
  UPSTREAM_SSL_MODES
} from "./chunk-PAFGMZGK.js";
import "./chunk-CP3RSTG4.js";
import "./chunk-BBBSTV4C.js";
import {
  core_exports,
  getInput,
  info,
  notice,
  setFailed,
  setSecret,
  warning
} from "./chunk-WS4WGG4Y.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-ZXLTHBZ6.js";
import {
  CheckBaseError,
  checkFiles
} from "./chunk-F2L3A436.js";
import "./chunk-D7GJ7SEI.js";
import {
  loadPolicy
} from "./chunk-CREFJWGC.js";
import {
  DEFAULT_POLICY_PATH,
  decide,
  defaultPolicy,
  parseDuration
} from "./chunk-NSA7BN2R.js";
import "./chunk-LKICGP52.js";
import "./chunk-AIHX2DPB.js";
import "./chunk-FTAKKE6A.js";
import "./chunk-7LIXXI5W.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";

// src/action/main.ts
import { tmpdir } from "node:os";
import { dirname, join as join2 } from "node:path";
import { fileURLToPath } from "node:url";

// src/action/base-ref.ts
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
function payloadBaseSha(path) {
  if (!path) return void 0;
  try {
    const sha = JSON.parse(readFileSync(path, "utf8"))?.pull_request?.base?.sha;
    return typeof sha === "string" && /^[0-9a-f]{40,64}$/i.test(sha) ? sha : void 0;
  } catch {
    return void 0;
  }
}
function hasCommit(cwd, ref) {
  return spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd }).status === 0;
}
function pullRequestBase(src) {
  const sha = payloadBaseSha(src.env.GITHUB_EVENT_PATH);
  const branch = src.env.GITHUB_BASE_REF || void 0;
  const candidates = [sha, branch && `origin/${branch}`].filter((r) => !!r);
  if (candidates.length === 0) return void 0;
  for (const ref of candidates) if (hasCommit(src.cwd, ref)) return ref;
  const wanted = sha ?? branch;
  const fetch = spawnSync("git", ["fetch", "--no-tags", "--depth=1", "origin", wanted], {
    cwd: src.cwd,
    encoding: "utf8",
    // Never wait for a password prompt, nor for long: without a base every file is judged.
    env: { ...src.env, GIT_TERMINAL_PROMPT: "0" },
    timeout: 6e4
  });
  if (fetch.status === 0 && hasCommit(src.cwd, "FETCH_HEAD")) {
    const head = spawnSync("git", ["rev-parse", "FETCH_HEAD"], {
      cwd: src.cwd,
      encoding: "utf8"
    }).stdout.trim();
    src.log.info(`migrations: fetched the pull request's base ${wanted} (${head})`);
    return head;
  }
  src.log.warning(
    `migrations: the pull request's base ${wanted} is not in the checkout and could not be fetched (${(fetch.stderr ?? "").trim()}); every migration file is judged`
  );
  return void 0;
}

// src/action/inputs.ts
import { existsSync, readFileSync as readFileSync2 } from "node:fs";
import { isAbsolute, resolve } from "node:path";
var MAX_APPROVAL_TIMEOUT_MS = 24 * 36e5;
function actionInputSource() {
  return {
    get: (name) => getInput(name),
    mask: (secret) => setSecret(secret),
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd()
  };
}
var InputError = class extends GuardrailError {
  constructor(problems) {
    super(`invalid inputs:
${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
  problems;
  static code = "ERR_ACTION_INPUT";
};
var SCHEMES = {
  postgres: ["postgres", "postgresql"],
  mysql: ["mysql", "mariadb"]
};
var DEFAULT_PORTS = { postgres: 5432, mysql: 3306 };
var CREDENTIAL_SETTINGS = {
  broker: ["broker-url", "broker-ca"],
  vault: ["vault-url", "vault-role", "vault-auth-path", "vault-mount", "vault-creds-role"],
  static: ["static-dsn"]
};
var ARTIFACT_NAME_FORBIDDEN = ['"', ":", "<", ">", "|", "*", "?", "\r", "\n", "\\", "/"];
var HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
function oneOf(name, value, allowed, problems) {
  if (allowed.includes(value)) return value;
  problems.push(`${name}: '${value}' is not one of ${allowed.join(", ")}`);
  return void 0;
}
function parsePort(text) {
  if (!/^\d{1,5}$/.test(text)) return void 0;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : void 0;
}
function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return void 0;
  }
}
function validHost(host) {
  if (host.startsWith("[") && host.endsWith("]")) return /^[0-9A-Fa-f:.]+$/.test(host.slice(1, -1));
  return HOSTNAME.test(host);
}
function parseUpstream(text, dialect) {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  let rest = text;
  if (scheme) {
    if (!SCHEMES[dialect].includes(scheme)) {
      return `the scheme ${scheme}:// does not match database ${dialect} (use ${SCHEMES[dialect].join(":// or ")}://)`;
    }
    rest = text.slice(scheme.length + 3);
  }
  if (rest.includes("@")) {
    return "must not contain a user or password: credentials come from the credentials input";
  }
  if (/[?#]/.test(rest)) return "query parameters and fragments are not supported";
  const slash = rest.indexOf("/");
  if (slash < 0 || slash === rest.length - 1) return "names no database: expected host:port/database";
  const hostPort = rest.slice(0, slash);
  const database = safeDecode(rest.slice(slash + 1));
  if (database === void 0) return "the database name has a malformed %-escape";
  if (database.includes("/")) return "database name must not contain /";
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(hostPort);
  const host = m?.[1] ?? "";
  if (!validHost(host)) return `'${host}' is not a host name or IP address`;
  const port = m?.[2] === void 0 ? DEFAULT_PORTS[dialect] : parsePort(m[2]);
  if (port === void 0) return `port '${m?.[2]}' is not a number between 1 and 65535`;
  return { host: host.toLowerCase(), port, database };
}
var LOOPBACK = /* @__PURE__ */ new Set(["127.0.0.1", "[::1]", "localhost"]);
function serviceUrl(name, text, problems) {
  let url;
  try {
    url = new URL(text);
  } catch {
    problems.push(`${name}: '${text}' is not a URL`);
    return void 0;
  }
  if (url.username || url.password) {
    problems.push(`${name}: must not contain a user or password`);
    return void 0;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    problems.push(`${name}: must use https:// (http:// only for localhost)`);
    return void 0;
  }
  return url.href.replace(/\/$/, "");
}
function parseBoolean(name, text, problems) {
  if (["true", "True", "TRUE"].includes(text)) return true;
  if (["false", "False", "FALSE"].includes(text)) return false;
  problems.push(`${name}: '${text}' is not true or false`);
  return void 0;
}
function readCaFile(text, workspace, problems) {
  const path = resolve(workspace, text);
  let pem;
  try {
    pem = readFileSync2(path, "utf8");
  } catch (err) {
    problems.push(`broker-ca: cannot read ${path}: ${err.code ?? "error"}`);
    return void 0;
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    problems.push(`broker-ca: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return void 0;
  }
  return path;
}
function readStaticDsn(dsn, dialect, upstream, problems) {
  let url;
  try {
    url = new URL(dsn);
  } catch {
    problems.push("static-dsn: is not a URL like postgres://user:password@host:port/database");
    return void 0;
  }
  const scheme = url.protocol.slice(0, -1);
  if (!SCHEMES[dialect].includes(scheme)) {
    problems.push(`static-dsn: the scheme ${scheme}:// does not match database ${dialect}`);
    return void 0;
  }
  if (!url.username || !url.password) {
    problems.push("static-dsn: must contain both a user and a password");
    return void 0;
  }
  const named = parseUpstream(`${url.host}${url.pathname}`, dialect);
  if (typeof named === "string") {
    problems.push(`static-dsn: host and database: ${named}`);
    return void 0;
  }
  if (upstream && (named.host !== upstream.host || named.port !== upstream.port || named.database !== upstream.database)) {
    problems.push("static-dsn: names a different host, port or database than upstream");
    return void 0;
  }
  return dsn;
}
function readCredentials(src, dialect, upstream, problems) {
  const kind = oneOf("credentials", src.get("credentials"), ["broker", "vault", "static"], problems);
  if (!kind) return void 0;
  for (const [other, settings] of Object.entries(CREDENTIAL_SETTINGS)) {
    if (other === kind) continue;
    for (const setting of settings) {
      if (src.get(setting) !== "")
        problems.push(`${setting}: is set, but credentials is ${kind}, not ${other}`);
    }
  }
  const required = (name) => {
    const v = src.get(name);
    if (v === "") problems.push(`${name}: required when credentials is ${kind}`);
    return v || void 0;
  };
  if (kind === "broker") {
    const raw = required("broker-url");
    const url = raw && serviceUrl("broker-url", raw, problems);
    const caText = src.get("broker-ca");
    const caFile = caText ? readCaFile(caText, src.workspace, problems) : void 0;
    return url ? { kind, url, ...caFile ? { caFile } : {} } : void 0;
  }
  if (kind === "vault") {
    const raw = required("vault-url");
    const url = raw && serviceUrl("vault-url", raw, problems);
    const role = required("vault-role");
    const path = (name, fallback) => {
      const v = (src.get(name) || fallback).replace(/^\/+|\/+$/g, "");
      if (/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/.test(v)) return v;
      problems.push(`${name}: '${v}' is not a Vault path (letters, digits, _ . - separated by /)`);
      return void 0;
    };
    const authPath = path("vault-auth-path", "jwt");
    const mount = path("vault-mount", "database");
    const credsRole = role ? path("vault-creds-role", role) : void 0;
    return url && role && authPath && mount && credsRole ? { kind, url, role, authPath, mount, credsRole } : void 0;
  }
  const dsn = required("static-dsn");
  if (!dsn) return void 0;
  src.mask(dsn);
  const password = URL.canParse(dsn) ? new URL(dsn).password : "";
  if (password) {
    src.mask(password);
    const decoded = safeDecode(password);
    if (decoded && decoded !== password) src.mask(decoded);
  }
  if (!dialect) return void 0;
  const checked = readStaticDsn(dsn, dialect, upstream, problems);
  return checked ? { kind, dsn: checked } : void 0;
}
function readInputs(src = actionInputSource()) {
  const problems = [];
  const token = src.get("github-token");
  if (token) src.mask(token);
  const database = oneOf("database", src.get("database"), ["postgres", "mysql"], problems);
  let upstream;
  const upstreamText = src.get("upstream");
  if (upstreamText === "") problems.push("upstream: required, e.g. db.internal:5432/app");
  else if (database) {
    const parsed = parseUpstream(upstreamText, database);
    if (typeof parsed === "string") problems.push(`upstream: ${parsed}`);
    else upstream = parsed;
  }
  const upstreamSslMode = oneOf(
    "upstream-sslmode",
    src.get("upstream-sslmode") || "prefer",
    UPSTREAM_SSL_MODES,
    problems
  );
  const credentials = readCredentials(src, database, upstream, problems);
  const target = src.get("target");
  if (target && credentials?.kind === "static") {
    problems.push("target: only used with credentials broker or vault");
  }
  let audience = src.get("audience");
  if (credentials?.kind === "static" && audience) {
    problems.push("audience: only used with credentials broker or vault");
  } else if (!audience && credentials && credentials.kind !== "static") {
    audience = new URL(credentials.url).origin;
  }
  const policyText = src.get("policy");
  const policyPath = resolve(src.workspace, policyText || DEFAULT_POLICY_PATH);
  const policy = { path: policyPath, exists: existsSync(policyPath), explicit: policyText !== "" };
  if (policy.explicit && !policy.exists) {
    problems.push(
      `policy: ${policyText} does not exist (leave the input empty to use ${DEFAULT_POLICY_PATH})`
    );
  }
  const modeText = src.get("mode");
  const mode = modeText ? oneOf("mode", modeText, ["enforce", "audit", "dry-run"], problems) : void 0;
  const migrations = src.get("migrations").split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  for (const glob of migrations) {
    if (isAbsolute(glob) || glob.split("/").includes("..")) {
      problems.push(`migrations: '${glob}' must be a path inside the workspace`);
    }
  }
  let approvalTimeoutMs;
  const timeoutText = src.get("approval-timeout");
  if (timeoutText) {
    approvalTimeoutMs = parseDuration(timeoutText);
    if (approvalTimeoutMs === void 0 || approvalTimeoutMs < 1e3 || approvalTimeoutMs > MAX_APPROVAL_TIMEOUT_MS) {
      problems.push(
        `approval-timeout: '${timeoutText}' is not a duration between 1s and 24h, like 90s, 30m, 2h, 1h30m`
      );
    }
  }
  const portText = src.get("listen-port") || "0";
  const listenPort = portText === "0" ? 0 : parsePort(portText);
  if (listenPort === void 0)
    problems.push(`listen-port: '${portText}' is not 0 or a port between 1 and 65535`);
  const capText = src.get("max-connections") || String(DEFAULT_MAX_CLIENTS);
  const maxConnections = /^\d{1,5}$/.test(capText) ? Number(capText) : 0;
  if (maxConnections < 1 || maxConnections > 1e4)
    problems.push(`max-connections: '${capText}' is not a number of connections between 1 and 10000`);
  const transcriptName = src.get("transcript-name") || void 0;
  const badChar = ARTIFACT_NAME_FORBIDDEN.find((c) => transcriptName?.includes(c));
  if (badChar) {
    problems.push(
      `transcript-name: must not contain ${JSON.stringify(badChar)} (artifact names exclude " : < > | * ? \\ / and line breaks)`
    );
  }
  const exportEnv = parseBoolean("export-env", src.get("export-env") || "false", problems);
  const attest = src.get("attest") || "auto";
  if (!["auto", "true", "false"].includes(attest))
    problems.push(`attest: '${attest}' is not auto, true or false`);
  if (problems.length > 0) throw new InputError(problems);
  return {
    database,
    upstream,
    upstreamSslMode,
    credentials,
    target: target || upstream.database,
    audience,
    policy,
    ...mode ? { mode } : {},
    ...token ? { githubToken: token } : {},
    migrations,
    ...approvalTimeoutMs ? { approvalTimeoutMs } : {},
    listenPort,
    maxConnections,
    ...transcriptName ? { transcriptName } : {},
    exportEnv
  };
}

// src/action/migrations.ts
import { existsSync as existsSync2, readdirSync, statSync } from "node:fs";
import { join, relative, resolve as resolve2, sep } from "node:path";
var GLOB_CHARS = /[*?[]/;
var SKIPPED_DIRS = /* @__PURE__ */ new Set([".git", "node_modules"]);
function globRegExp(glob) {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) walk(join(dir, e.name), out);
    } else if (e.isFile()) out.push(join(dir, e.name));
  }
}
function expandMigrations(globs, workspace) {
  const paths = [];
  const unmatched = [];
  for (const glob of globs) {
    if (!GLOB_CHARS.test(glob)) {
      const path = resolve2(workspace, glob);
      if (existsSync2(path)) paths.push(path);
      else unmatched.push(glob);
      continue;
    }
    const parts = glob.split("/");
    const fixed = parts.slice(
      0,
      parts.findIndex((p) => GLOB_CHARS.test(p))
    ).join("/");
    const base = resolve2(workspace, fixed);
    const files = [];
    if (existsSync2(base) && statSync(base).isDirectory()) walk(base, files);
    const re = globRegExp(glob);
    const matched = files.filter((f) => re.test(relative(workspace, f).split(sep).join("/"))).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    if (matched.length === 0) unmatched.push(glob);
    paths.push(...matched);
  }
  return { paths: [...new Set(paths)], unmatched };
}
var BatchNotApproved = class extends GuardrailError {
  static code = "ERR_BATCH_NOT_APPROVED";
};
async function checkAgainstBase(opts) {
  const common = { dialect: opts.dialect, policy: opts.policy };
  if (!opts.base) return checkFiles(opts.paths, common);
  try {
    return await checkFiles(opts.paths, { ...common, base: opts.base });
  } catch (err) {
    if (!(err instanceof CheckBaseError)) throw err;
    opts.log.warning(`migrations: cannot read the base ${opts.base} (${err.message}); every file is judged`);
    return checkFiles(opts.paths, common);
  }
}
async function preapprove(opts) {
  const check = await checkAgainstBase(opts);
  const where = (s) => `${s.file}:${s.line}`;
  for (const p of check.problems) opts.log.warning(`${p.file}:${p.line}: ${p.message}`);
  for (const s of check.statements.filter((x) => x.verdict.action === "deny")) {
    opts.log.warning(
      `${where(s)}: the policy denies this statement (${s.findings.map((f) => f.rule).join(", ")}); no approval can let it through`
    );
  }
  const masking = compileMasking(opts.policy.masking);
  const byHash = /* @__PURE__ */ new Map();
  for (const s of check.statements) {
    if (byHash.has(s.hash)) continue;
    const seen = new Set([...s.findings, ...s.suppressed].map((f) => `${f.rule}\0${f.message}`));
    const findings = [
      ...s.findings,
      ...s.suppressed.map(({ reason, ...f }) => ({
        ...f,
        message: `${f.message} (suppressed in the file: ${reason})`
      })),
      ...(s.gateway ?? []).filter((f) => !seen.has(`${f.rule}\0${f.message}`)).map((f) => ({ ...f, message: `${f.message} (as the gateway judges it alone)` }))
    ];
    const runtime = decide({ findings }, opts.policy);
    if (runtime.action !== "review") continue;
    byHash.set(s.hash, { text: masking.redactStatement(s.text, opts.dialect), hash: s.hash, findings });
  }
  opts.log.info(
    `checked ${check.files.length} migration files, ${check.statements.length} statements: ${byHash.size} need approval`
  );
  if (byHash.size === 0) return { check, hashes: [] };
  if (!opts.channel) {
    opts.log.warning(
      `${byHash.size} statements need approval, but there is no github-token to ask with: the gateway will refuse them`
    );
    return { check, hashes: [] };
  }
  const request = {
    id: requestId(),
    batch: true,
    statements: [...byHash.values()],
    database: opts.database,
    job: opts.job,
    deadline: new Date(Date.now() + opts.timeoutMs)
  };
  opts.log.info(
    `asking for approval of ${byHash.size} statements before the migration starts: ${request.id}`
  );
  const outcome = await opts.channel.request(request, opts.signal);
  if (outcome.decision !== "approved") {
    const by = outcome.by.length ? ` by ${outcome.by.join(", ")}` : "";
    throw new BatchNotApproved(
      `the migration's statements were not approved (${outcome.decision}${by}${outcome.reason ? `: ${outcome.reason}` : ""})${outcome.url ? `; see ${outcome.url}` : ""}`
    );
  }
  opts.log.info(`approved by ${outcome.by.join(", ")}${outcome.url ? ` (${outcome.url})` : ""}`);
  return { check, hashes: outcome.hashes ?? [], request };
}

// src/action/main.ts
function readPolicy(inputs) {
  if (inputs.policy.exists) return loadPolicy(inputs.policy.path);
  notice(`No policy file at ${DEFAULT_POLICY_PATH}: using the built-in default policy.`);
  return defaultPolicy();
}
function maskLease(lease) {
  setSecret(lease.password);
  const encoded = encodeURIComponent(lease.password);
  if (encoded !== lease.password) setSecret(encoded);
  for (const value of Object.values(lease.revocation ?? {})) {
    if (!/^https?:\/\//.test(value)) setSecret(value);
  }
}
async function run() {
  const inputs = readInputs();
  const policy = readPolicy(inputs);
  const job = jobInfoFromEnv();
  const runDir = makeRunDir(process.env.RUNNER_TEMP || tmpdir());
  saveRunDir(runDir);
  const paths = runPaths(runDir);
  const credentials = providerConfig(inputs);
  saveProvider(savedProvider(credentials));
  const lease = await createCredentialProvider(credentials).acquire({
    repository: job.repository,
    runId: job.runId,
    runAttempt: job.runAttempt,
    job: job.job,
    audience: inputs.audience,
    target: inputs.target
  });
  maskLease(lease);
  const started = Date.now();
  const config = {
    version: 1,
    dialect: inputs.database,
    mode: inputs.mode ?? policy.mode,
    listen: { host: "127.0.0.1", port: inputs.listenPort, maxClients: inputs.maxConnections },
    upstream: { ...inputs.upstream, sslmode: inputs.upstreamSslMode },
    lease,
    policyPath: inputs.policy.exists ? inputs.policy.path : null,
    ...inputs.approvalTimeoutMs ? { approvalTimeoutMs: inputs.approvalTimeoutMs } : {},
    ...inputs.githubToken ? { githubToken: inputs.githubToken } : {},
    preapproved: [],
    job,
    transcriptPath: paths.transcript,
    readyPath: paths.ready
  };
  writeDaemonConfig(runDir, config);
  let waitedMs = 0;
  if (inputs.migrations.length > 0) {
    const asked = Date.now();
    config.preapproved = await preapproveMigrations(inputs, policy, config);
    waitedMs = Date.now() - asked;
  }
  const launched = await startGateway(runDir, config, {
    script: join2(dirname(fileURLToPath(import.meta.url)), "daemon.js"),
    exportEnv: inputs.exportEnv
  });
  info(
    `guardrail ${inputs.database} gateway ready at ${launched.ready.host}:${launched.ready.port} (pid ${launched.pid}), ${Date.now() - started - waitedMs} ms after the credentials arrived`
  );
}
async function preapproveMigrations(inputs, policy, config) {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const { paths, unmatched } = expandMigrations(inputs.migrations, workspace);
  for (const glob of unmatched) warning(`migrations: '${glob}' matches no file`);
  if (paths.length === 0) return [];
  const cancel = new AbortController();
  const onSignal = (signal) => cancel.abort(new GuardrailError(`the step received ${signal}`, { code: "ERR_CANCELLED" }));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const base = pullRequestBase({ env: process.env, cwd: workspace, log: core_exports });
    const result = await preapprove({
      paths,
      ...base ? { base } : {},
      dialect: inputs.database,
      policy,
      ...inputs.githubToken ? {
        channel: new GitHubChannel({
          token: inputs.githubToken,
          policy: policy.approvals,
          log: info
        })
      } : {},
      job: config.job,
      database: {
        dialect: inputs.database,
        name: config.lease.database,
        host: `${config.lease.host}:${config.lease.port}`,
        role: config.lease.username
      },
      timeoutMs: inputs.approvalTimeoutMs ?? policy.approvals.timeoutMs,
      signal: cancel.signal,
      log: { info, warning }
    });
    return result.hashes;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
run().catch((err) => {
  setFailed(err instanceof Error ? err.message : String(err));
});
