import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  require_promise
} from "./chunk-WTZSGNFV.js";
import {
  esm_default
} from "./chunk-GOMVZPAY.js";
import "./chunk-WLKLOQWD.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/cli/replay-against.ts
var import_promise = __toESM(require_promise(), 1);
var REDACTION = /\[masked\]|\[redacted(?::[^\]]*)?\]|\[param\]|\[binary \d+ bytes\]/;
function plan(lines) {
  const byKey = /* @__PURE__ */ new Map();
  const executed = /* @__PURE__ */ new Set();
  const key = (conn, id) => `${conn}/${id}`;
  for (const l of lines) {
    if (l.type === "statement") {
      const parent = l.preparedAs ? byKey.get(key(l.conn, l.preparedAs)) : void 0;
      if (parent) executed.add(parent);
      byKey.set(key(l.conn, l.id), {
        conn: l.conn,
        id: l.id,
        text: l.text,
        via: l.via,
        ...l.params ? { params: l.params } : {},
        releasedAt: parent?.forwarded ? l.seq : Number.POSITIVE_INFINITY,
        forwarded: parent?.forwarded ?? false
      });
      continue;
    }
    if (!("id" in l)) continue;
    const s = byKey.get(key(l.conn, l.id));
    if (!s) continue;
    if (l.type === "verdict" && (l.action === "allow" || !l.enforced)) {
      s.forwarded = true;
      s.releasedAt = l.seq;
    } else if (l.type === "verdict") {
      s.forwarded = false;
      s.releasedAt = Number.POSITIVE_INFINITY;
    } else if (l.type === "approval.decided" && l.outcome === "approved") {
      s.forwarded = true;
      s.releasedAt = l.seq;
    } else if (l.type === "result") {
      s.recorded = {
        ...l.tag !== void 0 ? { tag: l.tag } : {},
        ...l.rows !== void 0 ? { rows: l.rows } : {},
        ...l.error ? { error: l.error } : {}
      };
    }
  }
  const all = [...byKey.values()].filter((s) => !executed.has(s));
  const planned = all.filter((s) => s.forwarded).sort((a, b) => a.releasedAt - b.releasedAt).map(({ forwarded: _, ...s }) => s);
  return { planned, refused: all.length - planned.length };
}
function notReproducible(s) {
  if (REDACTION.test(s.text)) return "the recorded text contains a masked or redacted value";
  if (s.params?.some((p) => typeof p === "string" && REDACTION.test(p)))
    return "a recorded parameter is masked or redacted";
  if (s.via === "copy") return "COPY data is not recorded";
  if (s.via === "fast-path" && s.params?.length)
    return "a fast-path call's binary or bytea arguments are recorded by their length only";
  return void 0;
}
function tagRows(tag) {
  const m = tag?.match(/^(?:INSERT \d+|UPDATE|DELETE|SELECT|MERGE|COPY|FETCH|MOVE) (\d+)$/);
  return m ? Number(m[1]) : void 0;
}
function difference(recorded, replayed) {
  if (!recorded) return void 0;
  const rec = recorded.error;
  const now = replayed.error;
  if (rec || now) {
    if (rec && now && rec.code === now.code) return void 0;
    const show = (e) => e ? `error ${e.code}` : "no error";
    return `recorded ${show(rec)}, replayed ${show(now)}${now ? ` (${now.message})` : ""}`;
  }
  const a = recorded.rows ?? tagRows(recorded.tag);
  const b = replayed.rows ?? tagRows(replayed.tag);
  if (a !== void 0 && b !== void 0 && a !== b) return `rows: recorded ${a}, replayed ${b}`;
  return void 0;
}
var LOCK_WAIT_S = 5;
async function postgresConnection(url) {
  const client = new esm_default.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET lock_timeout = '${LOCK_WAIT_S}s'`);
  client.on("error", () => {
  });
  return {
    async run(s) {
      try {
        const r = await client.query(s.text, s.params?.length ? s.params : void 0);
        const last = Array.isArray(r) ? r.at(-1) : r;
        if (!last) return {};
        const rows = last.rowCount ?? void 0;
        const tag = last.command ? [
          last.command,
          ...last.command === "INSERT" ? ["0"] : [],
          ...rows !== void 0 ? [rows] : []
        ].join(" ") : void 0;
        return { ...tag ? { tag } : {}, ...rows !== void 0 ? { rows } : {} };
      } catch (err) {
        const e = err;
        return { error: { code: String(e.code ?? "unknown"), message: e.message } };
      }
    },
    close: () => client.end()
  };
}
async function mysqlConnection(url) {
  const conn = await import_promise.default.createConnection({ uri: url, multipleStatements: true });
  await conn.query(
    `SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_S}, lock_wait_timeout = ${LOCK_WAIT_S}`
  );
  conn.on("error", () => {
  });
  return {
    async run(s) {
      try {
        const [r] = s.via === "prepared" || s.params?.length ? await conn.execute(s.text, s.params ?? []) : await conn.query(s.text);
        const multi = Array.isArray(r) && r.some((x) => Array.isArray(x) || x?.constructor?.name === "ResultSetHeader");
        const last = multi ? r.at(-1) : r;
        if (Array.isArray(last) && last.length > 0) return { rows: last.length };
        return { rows: Number(last.affectedRows ?? 0) };
      } catch (err) {
        const e = err;
        return { error: { code: String(e.sqlState ?? e.code ?? "unknown"), message: e.message } };
      }
    },
    close: () => conn.end()
  };
}
function connector(url) {
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") return postgresConnection;
  if (scheme === "mysql" || scheme === "mariadb") return mysqlConnection;
  throw new GuardrailError(`--against needs a postgres:// or mysql:// URL, not ${scheme || "this"}`, {
    code: "ERR_REPLAY_TARGET"
  });
}
async function replayAgainst(lines, url) {
  const open = connector(url);
  const dialect = lines.find((l) => l.type === "gateway.start");
  const wanted = open === postgresConnection ? "postgres" : "mysql";
  if (dialect?.type === "gateway.start" && dialect.dialect !== wanted)
    throw new GuardrailError(
      `the transcript is of a ${dialect.dialect} session; --against is a ${wanted} URL`,
      { code: "ERR_REPLAY_TARGET" }
    );
  const { planned, refused } = plan(lines);
  const conns = /* @__PURE__ */ new Map();
  const outcomes = [];
  try {
    for (const s of planned) {
      const base = { conn: s.conn, id: s.id, text: s.text, ...s.recorded ? { recorded: s.recorded } : {} };
      const why = notReproducible(s);
      if (why) {
        outcomes.push({ ...base, status: "not-reproducible", detail: why });
        continue;
      }
      let c = conns.get(s.conn);
      if (!c) {
        c = await open(url);
        conns.set(s.conn, c);
      }
      const replayed = await c.run(s);
      const diff = difference(s.recorded, replayed);
      outcomes.push({
        ...base,
        replayed,
        status: diff ? "diverged" : "same",
        ...diff ? { detail: diff } : s.recorded ? {} : { detail: "no result was recorded" }
      });
    }
  } finally {
    await Promise.allSettled([...conns.values()].map((c) => c.close()));
  }
  return { outcomes, refused, divergences: outcomes.filter((o) => o.status === "diverged").length };
}
function displayUrl(url) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${u.username}@` : ""}${u.host}${u.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
function formatReport(r) {
  const out = [];
  const oneLine = (t) => t.length > 100 ? `${t.slice(0, 97).replace(/\s+/g, " ")}...` : t.replace(/\s+/g, " ");
  for (const o of r.outcomes) {
    if (o.status === "diverged")
      out.push(`DIVERGED conn ${o.conn} ${o.id}: ${o.detail}
    ${oneLine(o.text)}`);
    if (o.status === "not-reproducible")
      out.push(`NOT REPRODUCIBLE conn ${o.conn} ${o.id}: ${o.detail}
    ${oneLine(o.text)}`);
  }
  const count = (s) => r.outcomes.filter((o) => o.status === s).length;
  out.push(
    `${r.outcomes.length - count("not-reproducible")} replayed, ${count("same")} as recorded, ${r.divergences} diverged, ${count("not-reproducible")} not reproducible, ${r.refused} refused by the gateway (not run)`
  );
  return `${out.join("\n")}
`;
}
async function replayCommand(lines, url, file) {
  console.log(`replaying ${file} against ${displayUrl(url)}`);
  const report = await replayAgainst(lines, url);
  process.stdout.write(formatReport(report));
  return report.divergences === 0 ? 0 : 1;
}
export {
  difference,
  displayUrl,
  formatReport,
  notReproducible,
  plan,
  replayAgainst,
  replayCommand
};
