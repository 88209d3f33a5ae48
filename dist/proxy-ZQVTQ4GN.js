import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  postgresSide
} from "./chunk-YHMXINYS.js";
import {
  startPostgresGateway
} from "./chunk-YAWE5MAZ.js";
import {
  parseUpstreamUrl
} from "./chunk-MLIJVIMC.js";
import {
  startMysqlGateway
} from "./chunk-XITSFDKN.js";
import "./chunk-C4OC6SIN.js";
import {
  mysqlSide,
  parseUpstreamUrl as parseUpstreamUrl2
} from "./chunk-46AX6HLE.js";
import "./chunk-WTZSGNFV.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import {
  FileRecorder,
  createGatewayContext,
  privateTranscriptFile
} from "./chunk-47B6AIJ7.js";
import "./chunk-CCMQQIB6.js";
import {
  openSideEarly
} from "./chunk-V6SGTYVA.js";
import "./chunk-GOMVZPAY.js";
import "./chunk-H2IYXB7D.js";
import "./chunk-R4QPFUJG.js";
import {
  renderPlain
} from "./chunk-CP3RSTG4.js";
import "./chunk-BBBSTV4C.js";
import "./chunk-WLKLOQWD.js";
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
  UsageError,
  command,
  parse,
  selfCommand
} from "./chunk-7LIXXI5W.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";

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

// src/cli/proxy-log.ts
import { closeSync, openSync as openSync2 } from "node:fs";
var NoApprover = class {
  name = "none";
  /** Why, and what to do about it: the client's error carries it. */
  reason;
  /** @param self how the user starts guardrail where they are (`npx guardrail`, …). */
  constructor(self) {
    this.reason = `no approver is available to this proxy (it has no terminal to ask on). Run \`${self} proxy\` in a terminal to approve at its prompt, or allow the rule in a policy file (--policy FILE)`;
  }
  async request() {
    return {
      decision: "denied",
      by: [],
      reason: this.reason,
      decidedAt: (/* @__PURE__ */ new Date()).toISOString(),
      hashes: []
    };
  }
};
function terminalAvailable() {
  if (process.stdin.isTTY && process.stderr.isTTY) return true;
  try {
    closeSync(openSync2("/dev/tty", "r+"));
    return true;
  } catch {
    return false;
  }
}
var MAX_TEXT = 120;
function oneLine(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT - 1)}\u2026` : flat;
}
var LoggingRecorder = class {
  constructor(inner, log) {
    this.inner = inner;
    this.log = log;
  }
  inner;
  log;
  texts = /* @__PURE__ */ new Map();
  rules = /* @__PURE__ */ new Map();
  get failed() {
    return this.inner.failed;
  }
  record(conn, event) {
    this.inner.record(conn, event);
    const key = `${conn}/${"id" in event ? event.id : ""}`;
    switch (event.type) {
      case "statement":
        this.texts.set(key, oneLine(event.text));
        break;
      case "verdict": {
        const text = this.texts.get(key) ?? "";
        this.texts.delete(key);
        if (event.action === "allow" || !event.enforced) break;
        const rules = event.rules.join(", ");
        if (event.action === "deny") this.log(`[conn ${conn}] refused by policy (${rules}): ${text}`);
        else {
          this.rules.set(key, rules);
          this.log(`[conn ${conn}] held for review (${rules}): ${text}`);
        }
        break;
      }
      case "approval.decided": {
        const rules = this.rules.get(key) ?? "";
        this.rules.delete(key);
        const by = event.by.length ? ` by ${event.by.join(", ")}` : "";
        const reason = event.reason ? `: ${event.reason}` : "";
        this.log(`[conn ${conn}] ${event.requestId} (${rules}): ${event.outcome}${by}${reason}`);
        break;
      }
    }
  }
  flush() {
    this.inner.flush();
  }
  close() {
    this.inner.close();
  }
};

// src/cli/proxy.ts
var spec = command({
  name: "proxy",
  summary: "run the PostgreSQL or MySQL/MariaDB gateway in the foreground, with a terminal approver",
  description: [
    "Listens on --listen, prints its connection URL on stdout, and forwards to --upstream what the",
    "policy allows; the dialect follows the URL scheme. Statements that need review are asked on",
    "the terminal; without a terminal (in the background, in CI) nobody can approve, so every",
    "review is denied, as the start-up line says. Impact estimates (mass-change/rows) use a",
    "read-only side connection to the upstream. Every event goes to the transcript; refused and",
    "held statements are also logged on stderr. Stops on SIGINT or SIGTERM."
  ],
  options: {
    upstream: {
      type: "string",
      value: "URL",
      description: "the database: postgres://USER[:PASSWORD]@HOST:PORT/DB or mysql://\u2026 (required)"
    },
    listen: {
      type: "string",
      value: "HOST:PORT",
      default: "127.0.0.1:0",
      description: "where clients connect; port 0 picks a free one"
    },
    "socket-dir": {
      type: "string",
      value: "DIR",
      description: "also listen on a Unix socket in DIR, as PostgreSQL does (PostgreSQL upstreams only)"
    },
    transcript: {
      type: "string",
      value: "FILE",
      description: "where the transcript is written (default: transcript.jsonl in a new private directory under the temporary directory, printed at start-up)"
    },
    policy: { type: "string", value: "FILE", description: "policy file (default: the built-in policy)" },
    "max-connections": {
      type: "string",
      value: "N",
      default: "50",
      description: "most client connections at once; more are refused (FATAL 53300 / ERR 1040)"
    }
  },
  examples: [
    { args: "--upstream postgres://app@127.0.0.1:5432/app --listen 127.0.0.1:6432" },
    { args: "--upstream mysql://root@127.0.0.1:3306/shop --policy .github/guardrail.yml" }
  ]
});
function listenAddress(value) {
  if (!value) return { host: "127.0.0.1", port: 0 };
  const colon = value.lastIndexOf(":");
  const host = colon > 0 ? value.slice(0, colon).replace(/^\[|\]$/g, "") : "127.0.0.1";
  const port = Number(colon >= 0 ? value.slice(colon + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--listen: invalid port in ${value}`);
  return { host, port };
}
var warn = (message) => console.error(`guardrail proxy: ${message}`);
async function startProxy(argv) {
  const { values } = parse(argv, spec);
  if (!values.upstream) throw new UsageError("--upstream URL is required");
  const { host, port } = listenAddress(values.listen);
  const policy = values.policy ? loadPolicy(values.policy) : defaultPolicy();
  const transcript = values.transcript ?? privateTranscriptFile("guardrail-proxy-");
  const log = (line) => console.error(`guardrail proxy: ${line}`);
  const recorder = new LoggingRecorder(new FileRecorder(transcript), log);
  const terminal = terminalAvailable();
  const approvals = terminal ? new TerminalChannel() : new NoApprover(selfCommand());
  const common = { policy, recorder, approvals };
  const cap = values["max-connections"];
  if (cap !== void 0 && !/^[1-9]\d{0,4}$/.test(cap))
    throw new UsageError("--max-connections takes a number of client connections, 1 or more");
  const listen = { host, port, version: "guardrail-cli", ...cap ? { maxClients: Number(cap) } : {} };
  const isMysql = /^(mysql|mariadb):/i.test(values.upstream);
  if (isMysql && values["socket-dir"]) throw new UsageError("--socket-dir is for PostgreSQL upstreams");
  let started;
  try {
    if (isMysql) {
      const upstream = parseWith(parseUpstreamUrl2, values.upstream);
      const side2 = mysqlSide(values.upstream);
      await openSideEarly(side2, warn);
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
      const upstream = parseWith(parseUpstreamUrl, values.upstream);
      const side2 = postgresSide(upstream);
      await openSideEarly(side2, warn);
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
  log(`forwarding to ${target}; transcript ${transcript}`);
  log(
    terminal ? "reviews: statements held for review are asked on this terminal (type yes to approve)" : "reviews: no terminal to ask on, so nobody can approve; every statement held for review is denied"
  );
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
  spec,
  startProxy
};
