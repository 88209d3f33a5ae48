import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/transcript/read.ts
function readTranscript(text) {
  const raw = text.split("\n");
  if (raw.at(-1) === "") raw.pop();
  const lines = [];
  for (const [i, line] of raw.entries()) {
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      if (i === raw.length - 1) return { lines, partialTail: true };
      throw new GuardrailError(`line ${i + 1} is not valid JSON: ${err.message}`, {
        code: "ERR_TRANSCRIPT_MALFORMED"
      });
    }
    if (parsed.type !== "seal") lines.push(parsed);
  }
  return { lines, partialTail: false };
}
function statementsOf(lines) {
  const byKey = /* @__PURE__ */ new Map();
  const key = (conn, id) => `${conn}/${id}`;
  for (const l of lines) {
    if (l.type === "statement") {
      const parent = l.preparedAs ? byKey.get(key(l.conn, l.preparedAs)) : void 0;
      if (parent) parent.executions = (parent.executions ?? 0) + 1;
      byKey.set(key(l.conn, l.id), {
        conn: l.conn,
        id: l.id,
        text: l.text,
        via: l.via,
        hash: l.hash,
        startedAt: l.ts,
        rules: parent?.rules ?? [],
        findings: parent?.findings ?? [],
        ...parent?.action ? { action: parent.action } : {},
        ...parent?.approval ? { approval: parent.approval } : {},
        ...l.params ? { params: l.params } : {},
        ...l.preparedAs ? { preparedAs: l.preparedAs } : {}
      });
      continue;
    }
    if (!("id" in l)) continue;
    const s = byKey.get(key(l.conn, l.id));
    if (!s) continue;
    switch (l.type) {
      case "verdict":
        s.action = l.action;
        s.rules = l.rules;
        s.findings = l.findings;
        break;
      case "approval.decided":
        s.approval = {
          requestId: l.requestId,
          outcome: l.outcome,
          by: l.by,
          decidedAt: l.ts,
          ...l.url ? { url: l.url } : {},
          ...l.reason ? { reason: l.reason } : {}
        };
        break;
      case "result":
        s.result = {
          durationMs: l.durationMs,
          endedAt: l.ts,
          ...l.tag !== void 0 ? { tag: l.tag } : {},
          ...l.rows !== void 0 ? { rows: l.rows } : {},
          ...l.error ? { error: l.error } : {}
        };
        break;
      case "rows":
        s.sample = { columns: l.columns, rows: l.sample, masked: l.masked, truncated: l.truncated };
        break;
      case "impact":
        s.impact = l.estimate;
        break;
    }
  }
  return [...byKey.values()];
}
var num = (v) => typeof v === "number" && Number.isFinite(v) ? v : void 0;
var str = (v) => typeof v === "string" ? v : void 0;
var strings = (v) => Array.isArray(v) ? v.filter((x) => typeof x === "string") : [];
function figureOf(key, value) {
  const d = value.dependents;
  const dependents = d && typeof d === "object" ? d : void 0;
  const unavailable = Array.isArray(value.unavailable) ? value.unavailable.flatMap((u) => {
    const part = str(u?.part);
    const reason = str(u?.reason);
    return part ? [{ part, reason: reason ?? "" }] : [];
  }) : [];
  const figure = { key, notes: strings(value.notes), unavailable };
  for (const k of ["kind", "table", "column", "lockLevel"]) {
    const v = str(value[k]);
    if (v !== void 0) figure[k] = v;
  }
  for (const k of ["rowsEstimated", "rowsExact", "tableRows", "nonNull", "bytes"]) {
    const v = num(value[k]);
    if (v !== void 0) figure[k] = v;
  }
  if (dependents) {
    figure.dependents = {
      views: strings(dependents.views),
      foreignKeys: strings(dependents.foreignKeys),
      functions: strings(dependents.functions),
      triggers: strings(dependents.triggers)
    };
  }
  return figure;
}
function impactOf(record) {
  if (!record) return void 0;
  const view = { figures: [] };
  for (const [key, value] of Object.entries(record)) {
    if (key === "error" && typeof value === "string") view.error = value;
    else if (value && typeof value === "object" && !Array.isArray(value))
      view.figures.push(figureOf(key, value));
  }
  return view;
}
var count = (n) => Math.round(n).toLocaleString("en-US");
function size(bytes) {
  const units = ["bytes", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[u]}`;
}
function rowsText(f) {
  const parts = [
    f.rowsEstimated !== void 0 ? `~${count(f.rowsEstimated)} estimated` : void 0,
    f.rowsExact !== void 0 ? `${count(f.rowsExact)} exact` : void 0
  ].filter(Boolean);
  if (parts.length > 0) return parts.join(", ");
  const missing = f.unavailable.find((u) => u.part === "rows" || u.part === "rowsExact");
  return missing ? `unavailable (${missing.reason})` : void 0;
}
function tableText(f) {
  const parts = [
    f.tableRows !== void 0 ? `~${count(f.tableRows)} rows` : void 0,
    f.nonNull !== void 0 ? `${count(f.nonNull)} non-null in ${f.column ?? "the column"}` : void 0,
    f.bytes !== void 0 ? size(f.bytes) : void 0
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : void 0;
}
function dependentsText(f) {
  const d = f.dependents;
  if (!d) return void 0;
  const groups = [
    ["views", d.views],
    ["foreign keys", d.foreignKeys],
    ["functions", d.functions],
    ["triggers", d.triggers]
  ];
  const parts = groups.filter(([, names]) => names.length > 0).map(([label, names]) => `${label} ${names.join(", ")}`);
  return parts.length > 0 ? parts.join("; ") : "none";
}
function impactLines(view) {
  if (view.error) return [`estimate failed: ${view.error}`];
  return view.figures.map((f) => {
    const rows = rowsText(f);
    const table = tableText(f);
    const deps = dependentsText(f);
    const gaps = f.unavailable.filter((u) => u.part !== "rows" && u.part !== "rowsExact").map((u) => `${u.part} unavailable (${u.reason})`);
    return [
      f.key,
      rows ? `rows ${rows}` : void 0,
      f.lockLevel ? `lock ${f.lockLevel}` : void 0,
      table ? `table ${table}` : void 0,
      deps ? `dependents: ${deps}` : void 0,
      ...gaps,
      ...f.notes
    ].filter(Boolean).join(" \xB7 ");
  });
}

// src/transcript/chain.ts
import { hash } from "node:crypto";

// src/transcript/json-bytes.ts
var UTF8_MAX = 3;
var DIGITS_MAX = 16;
var QUOTE = 34;
var BACKSLASH = 92;
var PRINTABLE_FIRST = 32;
var PRINTABLE_LAST = 126;
function omitted(v) {
  return v === void 0 || typeof v === "function" || typeof v === "symbol";
}
function plainObject(v) {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && v.toJSON === void 0;
}
function delegated(v) {
  if (typeof v === "bigint") return true;
  if (typeof v !== "object" || v === null) return false;
  return Array.isArray(v) ? v.toJSON !== void 0 : !plainObject(v);
}
var JsonBytes = class {
  /** The bytes written so far are buf[0, end). `buf` is replaced when it grows. */
  buf;
  end = 0;
  constructor(size2) {
    this.buf = Buffer.allocUnsafe(size2);
  }
  /** Room for `bytes` more at the end. */
  ensure(bytes) {
    if (this.end + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + bytes));
    this.buf.copy(bigger, 0, 0, this.end);
    this.buf = bigger;
  }
  /** Appends ASCII text. */
  ascii(text) {
    this.ensure(text.length);
    const buf = this.buf;
    let at = this.end;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.end = at;
  }
  /** Appends a non-negative safe integer in decimal. */
  decimal(n) {
    this.ensure(DIGITS_MAX);
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    const buf = this.buf;
    const end = this.end + digits;
    for (let i = end - 1, m = n; i >= this.end; i--, m = Math.floor(m / 10)) buf[i] = 48 + m % 10;
    this.end = end;
  }
  /** Appends `JSON.stringify(v)`; v is a value JSON.stringify writes (not undefined, a function or a symbol). */
  value(v) {
    if (typeof v === "string") this.string(v);
    else if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) this.decimal(v);
    else if (typeof v === "boolean") this.ascii(v ? "true" : "false");
    else if (v === null) this.ascii("null");
    else if (delegated(v)) this.utf8(JSON.stringify(v) ?? "null");
    else if (Array.isArray(v)) this.array(v);
    else if (typeof v === "object") {
      this.ascii("{");
      this.members(v, true);
      this.ascii("}");
    } else this.ascii(JSON.stringify(v));
  }
  /**
   * Appends an object's members as JSON.stringify writes them between its braces, each after a
   * comma but the first when `first` (so an object's members can follow others already written).
   */
  members(o, first = false) {
    for (const key in o) {
      if (!Object.hasOwn(o, key)) continue;
      const v = o[key];
      if (omitted(v)) continue;
      const text = delegated(v) ? JSON.stringify(v) : null;
      if (text === void 0) continue;
      if (!first) this.ascii(",");
      first = false;
      this.string(key);
      this.ascii(":");
      if (text === null) this.value(v);
      else this.utf8(text);
    }
  }
  array(a) {
    this.ascii("[");
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.ascii(",");
      const v = a[i];
      if (omitted(v)) this.ascii("null");
      else this.value(v);
    }
    this.ascii("]");
  }
  string(s) {
    this.ensure(s.length + 2);
    const buf = this.buf;
    const start = this.end;
    let at = start;
    buf[at++] = QUOTE;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < PRINTABLE_FIRST || c > PRINTABLE_LAST || c === QUOTE || c === BACKSLASH) {
        this.end = start;
        this.utf8(JSON.stringify(s));
        return;
      }
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    this.end = at;
  }
  utf8(text) {
    this.ensure(text.length * UTF8_MAX);
    this.end += this.buf.write(text, this.end, "utf8");
  }
};

// src/transcript/chain.ts
var GENESIS = "0".repeat(64);
var SEAL_END = '"}';
function lineHash(line) {
  return hash("sha256", line, "hex");
}
function sealChain(previous, batch, sealHead) {
  return hash("sha256", previous + batch + sealHead, "hex");
}
var FLOOR = 64 * 1024;
var LINES_AT = GENESIS.length;
var ChainEncoder = class {
  /** @param now the clock (tests pin it); the system clock by default. */
  constructor(now) {
    this.now = now;
  }
  now;
  seq = 0;
  chain = GENESIS;
  /** C_prev, then the open batch's lines (each with its "\n"). */
  out = fresh();
  lines = 0;
  /** Where the last encoded line starts (for lastLine). */
  lastAt = LINES_AT;
  /** The clock's last millisecond and its ISO form: most lines share it with the line before. */
  lastMs = Number.NaN;
  lastTs = "";
  /**
   * Adds the next line to the open batch. The event is turned into bytes now, so a caller may
   * reuse the object; nothing is hashed until the batch is sealed. The line is an object whose
   * keys are seq, ts and conn, then the event's own keys: what `JSON.stringify({ seq, ts, conn,
   * ...event })` gives, without building the merged object or its string (no event type has a
   * key of the envelope's, and an ISO time needs no escaping).
   */
  encode(conn, event) {
    const ts = this.timestamp();
    const out = this.out;
    this.lastAt = out.end;
    out.ascii('{"seq":');
    out.decimal(++this.seq);
    out.ascii(',"ts":"');
    out.ascii(ts);
    out.ascii('","conn":');
    out.value(conn);
    out.members(event);
    out.ascii("}\n");
    this.lines++;
  }
  /** The last encoded line's text, without its newline (until the batch is sealed). */
  lastLine() {
    return this.out.buf.toString("utf8", this.lastAt, this.out.end - 1);
  }
  /**
   * The open batch's bytes and its seal line, each line with its newline; empty when nothing is
   * open. A view of the encoder's buffer: write or copy it before the next encode or seal.
   */
  seal() {
    const k = this.lines;
    const out = this.out;
    if (k === 0) return out.buf.subarray(0, 0);
    out.buf.write(this.chain, 0, "latin1");
    out.ascii(
      `{"seq":${++this.seq},"ts":"${this.timestamp()}","conn":0,"type":"seal","lines":${k},"chain":"`
    );
    this.chain = hash("sha256", out.buf.subarray(0, out.end), "hex");
    out.ascii(`${this.chain}${SEAL_END}
`);
    const sealed = out.buf.subarray(LINES_AT, out.end);
    this.lines = 0;
    out.end = LINES_AT;
    this.lastAt = LINES_AT;
    if (out.buf.length > FLOOR * 16) this.out = fresh();
    return sealed;
  }
  /** The clock's millisecond when the last line was encoded (NaN before the first). */
  get lastMillis() {
    return this.lastMs;
  }
  timestamp() {
    if (this.now) {
      const at = this.now();
      this.lastMs = at.getTime();
      return at.toISOString();
    }
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = new Date(ms).toISOString();
    }
    return this.lastTs;
  }
};
function fresh() {
  const out = new JsonBytes(FLOOR);
  out.end = LINES_AT;
  return out;
}

export {
  readTranscript,
  statementsOf,
  impactOf,
  rowsText,
  impactLines,
  GENESIS,
  SEAL_END,
  lineHash,
  sealChain,
  ChainEncoder
};
