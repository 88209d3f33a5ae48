import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/sql/canonical.ts
import { hash } from "node:crypto";
function sha256(text) {
  return hash("sha256", text, "hex");
}
function firstTokenAtOrAfter(lexed, offset) {
  let lo = 0;
  let hi = lexed.starts.length;
  while (lo < hi) {
    const mid = lo + hi >>> 1;
    if (lexed.starts[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function tokenAt(lexed, offset) {
  return Math.max(0, firstTokenAtOrAfter(lexed, offset + 1) - 1);
}
function canonicalOf(scanned, from, to) {
  const starts = scanned.canonicalStarts;
  if (from >= to || from >= starts.length) return "";
  return scanned.canonical.slice(starts[from], canonicalEnd(scanned, to));
}
function canonicalEnd(scanned, to) {
  return to < scanned.canonicalStarts.length ? scanned.canonicalStarts[to] - 1 : scanned.canonical.length;
}
function locationOf(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

// src/sql/rules.ts
var rule = (category, severity, title) => ({
  category,
  severity,
  title
});
var RULES = {
  "destructive/drop-database": rule("destructive", "critical", "DROP DATABASE"),
  "destructive/drop-schema": rule("destructive", "critical", "DROP SCHEMA"),
  "destructive/drop-table": rule("destructive", "risk", "DROP TABLE (and foreign tables)"),
  "destructive/drop-view": rule("destructive", "risk", "DROP VIEW / MATERIALIZED VIEW"),
  "destructive/drop-function": rule("destructive", "risk", "DROP FUNCTION / PROCEDURE / AGGREGATE"),
  "destructive/drop-type": rule("destructive", "risk", "DROP TYPE / DOMAIN"),
  "destructive/drop-sequence": rule("destructive", "risk", "DROP SEQUENCE"),
  "destructive/drop-index": rule("destructive", "risk", "DROP INDEX"),
  "destructive/drop-other": rule(
    "destructive",
    "risk",
    "DROP of any other object, DROP OWNED, CREATE OR REPLACE RULE"
  ),
  "destructive/truncate": rule("destructive", "risk", "TRUNCATE"),
  "destructive/drop-column": rule("destructive", "risk", "ALTER TABLE \u2026 DROP COLUMN"),
  "destructive/rename": rule("destructive", "risk", "renaming an existing table, view or column"),
  "destructive/delete-without-where": rule("destructive", "risk", "DELETE without a (non-trivial) WHERE"),
  "destructive/update-without-where": rule("destructive", "risk", "UPDATE without a (non-trivial) WHERE"),
  "destructive/drop-constraint": rule("destructive", "risk", "ALTER TABLE \u2026 DROP CONSTRAINT"),
  "destructive/narrowing-type": rule(
    "destructive",
    "risk",
    "column type change that can truncate, round or reject existing values (old type known)"
  ),
  "destructive/drop-recreated": rule(
    "destructive",
    "warn",
    "DROP of a view, index, trigger, function or constraint the same migration recreates"
  ),
  "destructive/merge-delete": rule("destructive", "risk", "MERGE \u2026 WHEN MATCHED THEN DELETE"),
  "destructive/replace": rule("destructive", "risk", "MySQL REPLACE (deletes the conflicting row)"),
  "destructive/drop-partition": rule("destructive", "risk", "DROP / DETACH PARTITION, NO INHERIT"),
  "destructive/truncate-partition": rule("destructive", "risk", "MySQL ALTER TABLE \u2026 TRUNCATE PARTITION"),
  "destructive/disable-integrity": rule(
    "destructive",
    "risk",
    "foreign-key checks, triggers or WAL switched off (session_replication_role, DISABLE TRIGGER, SET UNLOGGED, FOREIGN_KEY_CHECKS=0, SET_VAR hints)"
  ),
  "destructive/sequence-reset": rule(
    "destructive",
    "risk",
    "ALTER SEQUENCE \u2026 RESTART, setval(), identity RESTART"
  ),
  "privilege/grant": rule("privilege", "risk", "GRANT of privileges or role membership"),
  "privilege/revoke": rule("privilege", "risk", "REVOKE of privileges or role membership"),
  "privilege/role-change": rule("privilege", "risk", "CREATE / ALTER / DROP ROLE or USER"),
  "privilege/set-role": rule("privilege", "risk", "SET ROLE, set_config(role)"),
  "privilege/session-authorization": rule("privilege", "critical", "SET SESSION AUTHORIZATION"),
  "privilege/default-privileges": rule("privilege", "risk", "ALTER DEFAULT PRIVILEGES"),
  "privilege/security-definer": rule("privilege", "risk", "function running with its owner\u2019s rights"),
  "privilege/owner-change": rule("privilege", "risk", "ALTER \u2026 OWNER TO, REASSIGN OWNED"),
  "privilege/row-security": rule(
    "privilege",
    "risk",
    "DISABLE / NO FORCE ROW LEVEL SECURITY, DROP / ALTER POLICY, always-true permissive policy"
  ),
  "privilege/search-path": rule("privilege", "risk", "search_path with a schema before pg_catalog"),
  "privilege/catalog-write": rule("privilege", "critical", "INSERT / UPDATE / DELETE on system catalogs"),
  "opaque/unparseable": rule("opaque", "risk", "statement the parser cannot parse"),
  "opaque/oversized": rule("opaque", "risk", "statement over the analysis size cap"),
  "opaque/dynamic-sql": rule("opaque", "risk", "SQL built at run time (EXECUTE of a computed string)"),
  "opaque/prepare-from-variable": rule("opaque", "risk", "MySQL PREPARE \u2026 FROM @variable"),
  "opaque/procedural-language": rule("opaque", "risk", "code in a language other than SQL or PL/pgSQL"),
  "exfiltration/copy-program": rule("exfiltration", "critical", "COPY \u2026 TO / FROM PROGRAM"),
  "exfiltration/server-file": rule("exfiltration", "critical", "reading or writing files on the server"),
  "exfiltration/large-object": rule("exfiltration", "critical", "lo_import / lo_export"),
  "exfiltration/remote-exec": rule("exfiltration", "critical", "dblink, foreign servers, remote execution"),
  "exfiltration/into-outfile": rule("exfiltration", "critical", "MySQL SELECT \u2026 INTO OUTFILE / DUMPFILE"),
  "exfiltration/load-data": rule("exfiltration", "critical", "MySQL LOAD DATA (LOCAL) INFILE"),
  "exfiltration/admin-function": rule("exfiltration", "critical", "server administration functions"),
  "exfiltration/masked-column-use": rule(
    "exfiltration",
    "risk",
    "masking strict mode: a masked column used other than selected as is"
  ),
  "lock-heavy/alter-column-type": rule("lock-heavy", "warn", "ALTER COLUMN \u2026 TYPE (table rewrite)"),
  "lock-heavy/blocking-index": rule("lock-heavy", "warn", "CREATE INDEX / REINDEX without CONCURRENTLY"),
  "lock-heavy/add-not-null": rule("lock-heavy", "warn", "SET NOT NULL (full scan under lock)"),
  "lock-heavy/add-unique": rule("lock-heavy", "warn", "ADD UNIQUE / PRIMARY KEY (index build under lock)"),
  "lock-heavy/add-foreign-key": rule("lock-heavy", "warn", "ADD FOREIGN KEY without NOT VALID"),
  "lock-heavy/add-check": rule("lock-heavy", "warn", "ADD CHECK without NOT VALID"),
  "lock-heavy/table-rewrite": rule("lock-heavy", "warn", "VACUUM FULL, CLUSTER, other table rewrites"),
  "mass-change/data-change": rule(
    "mass-change",
    "warn",
    "DELETE / UPDATE with a WHERE on an existing table in a migration (static check)"
  ),
  "mass-change/rows": rule("mass-change", "risk", "UPDATE / DELETE estimated above the row threshold")
};
var RULE_IDS = Object.keys(RULES);
function isRuleId(id) {
  return Object.hasOwn(RULES, id);
}
function finding(rule2, objects, message, location) {
  const info = RULES[rule2];
  return {
    rule: rule2,
    category: info.category,
    severity: info.severity,
    objects,
    message,
    ...location ? { location } : {}
  };
}

// src/sql/migration/column-types.ts
var INT_BYTES = {
  int2: 2,
  smallint: 2,
  smallserial: 2,
  serial2: 2,
  int4: 4,
  int: 4,
  integer: 4,
  serial: 4,
  serial4: 4,
  int8: 8,
  bigint: 8,
  bigserial: 8,
  serial8: 8,
  tinyint: 1,
  mediumint: 3
};
var SQL_NAMES = {
  int2: "smallint",
  int4: "integer",
  int8: "bigint",
  float4: "real",
  float8: "double precision",
  bool: "boolean",
  serial: "integer",
  serial4: "integer",
  bigserial: "bigint",
  serial8: "bigint",
  smallserial: "smallint",
  serial2: "smallint",
  bpchar: "char",
  varbit: "bit varying"
};
var SIZED_LOBS = {
  tinytext: ["string", 255],
  text: ["string", void 0],
  mediumtext: ["string", 16777215],
  longtext: ["string", void 0],
  tinyblob: ["binary", 255],
  blob: ["binary", 65535],
  mediumblob: ["binary", 16777215],
  longblob: ["binary", void 0],
  bytea: ["binary", void 0]
};
function columnType(name, mods, dialect, extra = {}) {
  const n = name.toLowerCase().replace(/^pg_catalog\./, "");
  const t = classify(n, mods, dialect, extra);
  if (t.family === "int") t.text = `${SQL_NAMES[n] ?? n}${extra.unsigned ? " unsigned" : ""}`;
  const named = ["string", "binary", "timestamp", "time", "json"].includes(t.family);
  const base = t.family === "other" ? t.text : named ? SAME_NAMES[n] ?? n : "";
  t.key = [
    t.family,
    base,
    t.size,
    t.precision,
    t.scale,
    t.unsigned ? "u" : "",
    t.labels?.join("")
  ].join("|");
  return t;
}
var SAME_NAMES = {
  "character varying": "varchar",
  nvarchar: "varchar",
  character: "char",
  bpchar: "char",
  nchar: "char"
};
function classify(n, mods, dialect, extra) {
  const text = `${SQL_NAMES[n] ?? n}${mods.length ? `(${mods.join(",")})` : ""}${extra.unsigned ? " unsigned" : ""}${extra.array ? "[]" : ""}`;
  if (extra.array) return { family: "other", text };
  const u = extra.unsigned ? { unsigned: true } : {};
  if (n in INT_BYTES) {
    return { family: "int", text, size: INT_BYTES[n], ...u };
  }
  if (n === "bool" || n === "boolean") return { family: dialect === "mysql" ? "int" : "bool", text, size: 1 };
  if (n === "varchar" || n === "character varying" || n === "bpchar" || n === "char" || n === "character" || n === "nvarchar" || n === "nchar")
    return {
      family: "string",
      text,
      ...mods[0] !== void 0 ? { size: mods[0] } : n === "char" || n === "bpchar" ? { size: 1 } : {}
    };
  if (n === "varbinary" || n === "binary")
    return { family: "binary", text, ...mods[0] !== void 0 ? { size: mods[0] } : { size: 1 } };
  if (n === "citext" || n === "name")
    return { family: "string", text, ...n === "name" ? { size: 63 } : {} };
  if (n === "text" && dialect === "mysql") return { family: "string", text, size: 65535 };
  if (n in SIZED_LOBS) {
    const [family, size] = SIZED_LOBS[n];
    return { family, text, ...size !== void 0 ? { size } : {} };
  }
  if (n === "numeric" || n === "decimal" || n === "dec" || n === "fixed") {
    const precision = mods[0] ?? (dialect === "mysql" ? 10 : void 0);
    const scale = mods[1] ?? 0;
    return { family: "decimal", text, ...precision !== void 0 ? { precision, scale } : {}, ...u };
  }
  if (n === "float4" || n === "real" || n === "float" && dialect === "mysql" && (mods[0] ?? 0) <= 24)
    return { family: "float", text, size: 4 };
  if (n === "float8" || n === "double" || n === "double precision" || n === "float")
    return { family: "float", text, size: (mods[0] ?? 53) <= 24 ? 4 : 8 };
  if (n === "date") return { family: "date", text };
  if (n === "timestamp" || n === "timestamptz" || n === "datetime")
    return { family: "timestamp", text, precision: mods[0] ?? (dialect === "mysql" ? 0 : 6) };
  if (n === "time" || n === "timetz")
    return { family: "time", text, precision: mods[0] ?? (dialect === "mysql" ? 0 : 6) };
  if (n === "json" || n === "jsonb") return { family: "json", text };
  if (n === "uuid") return { family: "uuid", text };
  if (n === "enum") {
    const labels = extra.labels;
    return labels ? { family: "enum", text: `enum(${labels.map((l) => `'${l}'`).join(",")})`, labels } : { family: "enum", text };
  }
  return { family: "other", text };
}
function textWidth(t) {
  switch (t.family) {
    case "int":
      return { 1: 4, 2: 6, 3: 8, 4: 11, 8: 20 }[t.size ?? 8];
    case "bool":
      return 5;
    case "date":
      return 10;
    case "uuid":
      return 36;
    case "decimal":
      return t.precision === void 0 ? void 0 : t.precision + 2;
    case "enum":
      return t.labels ? Math.max(0, ...t.labels.map((l) => l.length)) : void 0;
    default:
      return void 0;
  }
}
function intDigits(bytes) {
  return { 1: 3, 2: 5, 3: 8, 4: 10, 8: 19 }[bytes] ?? 19;
}
var lenLess = (a, b) => b !== void 0 && (a === void 0 || b < a);
function compareTypes(from, to) {
  if ((from.key ?? from.text) === (to.key ?? to.text)) return "same";
  const f = from.family;
  const t = to.family;
  if (f === "other" || t === "other") return "unknown";
  if (t === "string") {
    if (f === "string") return lenLess(from.size, to.size) ? "narrowing" : "widening";
    if (to.size === void 0) return "widening";
    const width = textWidth(from);
    if (width === void 0) return f === "binary" || f === "json" ? "narrowing" : "unknown";
    return to.size < width ? "narrowing" : "widening";
  }
  if (f === "string") return "narrowing";
  if (t === "binary") return f === "binary" && !lenLess(from.size, to.size) ? "widening" : "narrowing";
  if (t === "bool") return f === "bool" ? "same" : "narrowing";
  if (t === "enum") {
    if (f !== "enum" || !from.labels || !to.labels) return f === "enum" ? "unknown" : "narrowing";
    return from.labels.every((l) => to.labels.includes(l)) ? "widening" : "narrowing";
  }
  if (t === "int") {
    if (f === "bool") return "widening";
    if (f !== "int") return "narrowing";
    const fromBits = (from.size ?? 8) * 8 - (from.unsigned ? 0 : 1);
    const toBits = (to.size ?? 8) * 8 - (to.unsigned ? 0 : 1);
    return toBits < fromBits || to.unsigned && !from.unsigned ? "narrowing" : "widening";
  }
  if (t === "decimal") {
    if (f === "int" || f === "bool") {
      if (to.precision === void 0) return "widening";
      return to.precision - (to.scale ?? 0) < intDigits(from.size ?? 8) ? "narrowing" : "widening";
    }
    if (f !== "decimal") return "narrowing";
    if (to.precision === void 0) return "widening";
    if (from.precision === void 0) return "narrowing";
    const intPart = (d) => (d.precision ?? 0) - (d.scale ?? 0);
    return (to.scale ?? 0) < (from.scale ?? 0) || intPart(to) < intPart(from) ? "narrowing" : "widening";
  }
  if (t === "float") {
    if (f === "float") return (to.size ?? 8) < (from.size ?? 8) ? "narrowing" : "widening";
    if (f === "int" || f === "bool")
      return (from.size ?? 8) >= ((to.size ?? 8) === 4 ? 3 : 8) ? "narrowing" : "widening";
    return "narrowing";
  }
  if (t === "date") return f === "date" ? "same" : "narrowing";
  if (t === "timestamp") {
    if (f === "date") return "widening";
    if (f !== "timestamp") return "narrowing";
    return (to.precision ?? 6) < (from.precision ?? 6) ? "narrowing" : "widening";
  }
  if (t === "time") {
    if (f !== "time") return "narrowing";
    return (to.precision ?? 6) < (from.precision ?? 6) ? "narrowing" : "widening";
  }
  if (t === "json") return f === "json" ? "widening" : "unknown";
  if (t === "uuid") return "narrowing";
  return "unknown";
}

// src/sql/migration/events.ts
function bareName(name) {
  return (name.split(".").pop() ?? name).toLowerCase();
}
function objectKey(kind, name, table) {
  return `${kind}:${table ? `${bareName(table)}.` : ""}${bareName(name)}`;
}

// src/sql/chars.ts
function isDigit(c) {
  return c >= 48 && c <= 57;
}
function isIdentStart(c) {
  return c >= 97 && c <= 122 || c >= 65 && c <= 90 || c === 95 || c >= 128;
}
function isIdentChar(c) {
  return isIdentStart(c) || isDigit(c) || c === 36;
}

// src/sql/mysql/server.ts
function parseServerVersion(text) {
  const mariadb = /mariadb/i.test(text);
  const bare = mariadb ? text.replace(/^5\.5\.5-/, "") : text;
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{1,2})(?!\d)/.exec(bare);
  if (!m) return void 0;
  return { flavour: mariadb ? "mariadb" : "mysql", version: +m[1] * 1e4 + +m[2] * 100 + +m[3] };
}
function runsExecutable(server, mariaSyntax, version) {
  if (server.flavour === "mysql") {
    if (mariaSyntax) return false;
    return version === void 0 || version <= server.version;
  }
  if (version === void 0) return true;
  return version <= server.version && (version < 50700 || version > 99999 || mariaSyntax);
}
var VERSIONED = /\/\*(M?)!(\d{5})(\d?)/gi;
var OLDEST = { mysql: 50700, mariadb: 1e5 };
function readingServers(text, server) {
  return server ? [server] : executableReadings(text) ?? [void 0];
}
function executableReadings(text) {
  if (!text.includes("!")) return void 0;
  const named = /* @__PURE__ */ new Set();
  let maria = false;
  for (const m of text.matchAll(/\/\*(M?)!/gi)) if (m[1]) maria = true;
  for (const m of text.matchAll(VERSIONED)) {
    named.add(+m[2]);
    if (m[3]) named.add(+(m[2] + m[3]));
  }
  const out = [];
  for (const flavour of ["mariadb", "mysql"]) {
    const oldest = OLDEST[flavour];
    const versions = /* @__PURE__ */ new Set([oldest, ...[...named].filter((v) => v > oldest)]);
    for (const version of versions) out.push({ flavour, version });
  }
  const differ = maria || [...named].some((v) => v >= OLDEST.mysql);
  return differ ? out : void 0;
}

// src/sql/mysql/lexer.ts
var LexError = class extends GuardrailError {
  constructor(message, offset) {
    super(message);
    this.offset = offset;
  }
  offset;
  static code = "ERR_SQL_LEX";
};
var C_NL = 10;
var C_CR = 13;
function isSpace(c) {
  return c === 32 || c >= 9 && c <= 13;
}
function skipComment(s, p, start, nested) {
  for (; ; ) {
    const close = s.indexOf("*/", p);
    if (close < 0) throw new LexError("unterminated comment", start);
    const open = nested ? s.indexOf("/*", p) : -1;
    if (open < 0 || open >= close) return close + 2;
    const inner = s.indexOf("*/", open + 2);
    if (inner < 0) throw new LexError("unterminated comment", start);
    p = inner + 2;
  }
}
function isHex(c) {
  return isDigit(c) || c >= 97 && c <= 102 || c >= 65 && c <= 70;
}
var THREE_CHAR_OPS = ["<=>", "->>"];
var TWO_CHAR_OPS = [":=", "<=", ">=", "<>", "!=", "<<", ">>", "&&", "||", "->"];
var PUNCT = /* @__PURE__ */ new Set(["(", ")", ",", ";", "."]);
var BACKSLASH_ESCAPES = {
  "0": "\0",
  b: "\b",
  n: "\n",
  r: "\r",
  t: "	",
  Z: "",
  // \% and \_ keep their backslash (they matter to LIKE).
  "%": "\\%",
  _: "\\_"
};
var Lexer = class _Lexer {
  constructor(src, flags, state = { pos: 0, inExecutable: false }, delimiter) {
    this.src = src;
    this.flags = flags;
    this.delimiter = delimiter;
    this.pos = state.pos;
    this.inExecutable = state.inExecutable;
  }
  src;
  flags;
  delimiter;
  pos;
  inExecutable;
  sawGap = false;
  hint;
  /** Executable comments seen so far. */
  executableComments = 0;
  state() {
    return { pos: this.pos, inExecutable: this.inExecutable };
  }
  /** Skips whitespace and comments; returns false at end of input. */
  skipTrivia() {
    const s = this.src;
    for (; ; ) {
      const c = s.charCodeAt(this.pos);
      if (Number.isNaN(c)) return false;
      if (isSpace(c)) {
        this.pos++;
        this.sawGap = true;
        continue;
      }
      if (c === 35) {
        this.skipLine();
        continue;
      }
      if (c === 45 && s.charCodeAt(this.pos + 1) === 45) {
        const after = s.charCodeAt(this.pos + 2);
        if (Number.isNaN(after) || after <= 32) {
          this.skipLine();
          continue;
        }
        return true;
      }
      if (c === 47 && s.charCodeAt(this.pos + 1) === 42) {
        const start = this.pos;
        let p = this.pos + 2;
        let executable = false;
        let maria = false;
        if (s.charCodeAt(p) === 33) {
          executable = true;
          p++;
        } else if ((s.charCodeAt(p) === 77 || s.charCodeAt(p) === 109) && s.charCodeAt(p + 1) === 33) {
          executable = true;
          maria = true;
          p += 2;
        }
        if (executable) {
          if (this.inExecutable) throw new LexError("nested executable comment", start);
          let version;
          let digits = 0;
          while (digits < 5 && isDigit(s.charCodeAt(p + digits))) digits++;
          if (digits === 5) {
            const six = this.flags.server?.flavour !== "mysql" && isDigit(s.charCodeAt(p + 5));
            version = Number(s.slice(p, p + (six ? 6 : 5)));
            p += six ? 6 : 5;
          }
          const server = this.flags.server;
          if (server && !runsExecutable(server, maria, version)) {
            this.pos = skipComment(s, p, start, true);
            this.sawGap = true;
            continue;
          }
          this.pos = p;
          this.inExecutable = true;
          this.executableComments++;
          this.sawGap = true;
          continue;
        }
        const end = skipComment(s, p, start, false);
        if (s.charCodeAt(p) === 43) this.hintTokens(p + 1, end - 2);
        this.pos = end;
        this.sawGap = true;
        continue;
      }
      if (this.inExecutable && c === 42 && s.charCodeAt(this.pos + 1) === 47) {
        this.pos += 2;
        this.inExecutable = false;
        this.sawGap = true;
        continue;
      }
      return true;
    }
  }
  hintTokens(from, to) {
    const lx = new _Lexer(this.src.slice(0, to), this.flags, { pos: from, inExecutable: false });
    const tokens = this.hint ?? [];
    try {
      for (let t = lx.next(); t; t = lx.next()) tokens.push(t);
    } catch (err) {
      if (!(err instanceof LexError)) throw err;
    }
    this.hint = tokens;
  }
  skipLine() {
    const s = this.src;
    let p = this.pos;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === C_NL || c === C_CR) break;
      p++;
    }
    this.pos = p;
    this.sawGap = true;
  }
  /**
   * Index of the end of a quoted run starting at `start` (the opening character), and its
   * unescaped value. `quote` closes it (`]` for MSSQL `[…]`); doubled, it stands for itself.
   */
  quoted(start, quote, backslash, what) {
    const s = this.src;
    let p = start + 1;
    let value = "";
    let run = p;
    for (; ; ) {
      if (p >= s.length) throw new LexError(`unterminated ${what}`, start);
      const c = s.charCodeAt(p);
      if (c === quote) {
        if (s.charCodeAt(p + 1) === quote) {
          value += s.slice(run, p + 1);
          p += 2;
          run = p;
          continue;
        }
        value += s.slice(run, p);
        return { end: p + 1, value };
      }
      if (backslash && c === 92) {
        if (p + 1 >= s.length) throw new LexError(`unterminated ${what}`, start);
        value += s.slice(run, p);
        const e = s[p + 1];
        value += BACKSLASH_ESCAPES[e] ?? e;
        p += 2;
        run = p;
        continue;
      }
      p++;
    }
  }
  next() {
    this.sawGap = false;
    this.hint = void 0;
    if (!this.skipTrivia()) return void 0;
    const s = this.src;
    const start = this.pos;
    const spaced = this.sawGap;
    const executable = this.inExecutable || void 0;
    const hint = this.hint;
    const c = s.charCodeAt(start);
    const make = (kind, end, value, extra = {}) => {
      this.pos = end;
      const text = s.slice(start, end);
      return {
        kind,
        text,
        value,
        upper: kind === "word" ? value.toUpperCase() : "",
        start,
        end,
        spaced,
        ...executable ? { executable } : {},
        ...hint ? { hint } : {},
        ...extra
      };
    };
    if (this.delimiter && s.startsWith(this.delimiter, start)) {
      return make("punct", start + this.delimiter.length, ";");
    }
    if (c === 39 || c === 34 && !this.flags.ansiQuotes) {
      const q = this.quoted(start, c, !this.flags.noBackslashEscapes, "string");
      return make("string", q.end, q.value);
    }
    if (c === 96 || c === 34) {
      const q = this.quoted(start, c, false, "quoted identifier");
      return make("qident", q.end, q.value);
    }
    if (c === 91 && this.flags.brackets) {
      const q = this.quoted(start, 93, false, "quoted identifier");
      return make("qident", q.end, q.value);
    }
    if (c === 64) {
      if (s.charCodeAt(start + 1) === 64) {
        let p2 = start + 2;
        let value = "";
        for (; ; ) {
          if (s.charCodeAt(p2) === 96) {
            const q2 = this.quoted(p2, 96, false, "quoted identifier");
            value += q2.value;
            p2 = q2.end;
          } else {
            const from = p2;
            while (p2 < s.length && isIdentChar(s.charCodeAt(p2))) p2++;
            if (p2 === from) throw new LexError("malformed system variable", start);
            value += s.slice(from, p2);
          }
          const after = s.charCodeAt(p2 + 1);
          if (s.charCodeAt(p2) !== 46 || !(isIdentChar(after) || after === 96)) break;
          value += ".";
          p2++;
        }
        return make("sysvar", p2, value);
      }
      const q = s.charCodeAt(start + 1);
      if (q === 39 || q === 34 || q === 96) {
        const r = this.quoted(start + 1, q, q !== 96 && !this.flags.noBackslashEscapes, "variable name");
        return make("var", r.end, r.value);
      }
      let p = start + 1;
      while (p < s.length && (isIdentChar(s.charCodeAt(p)) || s.charCodeAt(p) === 46)) p++;
      return make("var", p, s.slice(start + 1, p));
    }
    if ((c === 88 || c === 120 || c === 66 || c === 98 || c === 78 || c === 110) && s.charCodeAt(start + 1) === 39) {
      const prefix = s[start].toUpperCase();
      const q = this.quoted(start + 1, 39, prefix === "N" && !this.flags.noBackslashEscapes, "string");
      return make("string", q.end, q.value, { prefix });
    }
    if (c === 46 && isDigit(s.charCodeAt(start + 1)) && !(this.prevWordLike(start) && !spaced)) {
      return make("number", this.numberEnd(start), s.slice(start, this.numberEnd(start)));
    }
    if (isIdentChar(c)) {
      let p = start;
      while (p < s.length && isIdentChar(s.charCodeAt(p))) p++;
      const word = s.slice(start, p);
      const num = this.numberLike(start, p);
      if (num !== void 0) return make("number", num, s.slice(start, num));
      return make("word", p, word);
    }
    if (c === 63) return make("param", start + 1, "?");
    const ch = s[start];
    if (PUNCT.has(ch)) return make("punct", start + 1, ch);
    for (const op of THREE_CHAR_OPS) if (s.startsWith(op, start)) return make("op", start + 3, op);
    for (const op of TWO_CHAR_OPS) if (s.startsWith(op, start)) return make("op", start + 2, op);
    const code = s.codePointAt(start);
    const len = code > 65535 ? 2 : 1;
    return make("op", start + len, s.slice(start, start + len));
  }
  prevWordLike(start) {
    const c = this.src.charCodeAt(start - 1);
    return isIdentChar(c) || c === 96 || c === 34;
  }
  /** `start..wordEnd` is an identifier-character run: is it a number (123, 1.5e3, 0x1F, 0b01)? */
  numberLike(start, wordEnd) {
    const s = this.src;
    let p = start;
    if (!isDigit(s.charCodeAt(p))) return void 0;
    if (s.charCodeAt(p) === 48 && (s.charCodeAt(p + 1) === 120 || s.charCodeAt(p + 1) === 98)) {
      const hex = s.charCodeAt(p + 1) === 120;
      let q = p + 2;
      while (q < wordEnd && (hex ? isHex(s.charCodeAt(q)) : s.charCodeAt(q) === 48 || s.charCodeAt(q) === 49))
        q++;
      if (q === wordEnd && q > p + 2) return q;
    }
    while (p < wordEnd && isDigit(s.charCodeAt(p))) p++;
    if (p === wordEnd) return this.numberEnd(start);
    if (s.charCodeAt(p) === 101 || s.charCodeAt(p) === 69) {
      const end = this.numberEnd(start);
      if (end >= wordEnd) return end;
    }
    return void 0;
  }
  /** End of a numeric literal starting at `start`: digits [. digits] [e [+-] digits]. */
  numberEnd(start) {
    const s = this.src;
    let p = start;
    while (isDigit(s.charCodeAt(p))) p++;
    if (s.charCodeAt(p) === 46) {
      p++;
      while (isDigit(s.charCodeAt(p))) p++;
    }
    const e = s.charCodeAt(p);
    if (e === 101 || e === 69) {
      let q = p + 1;
      if (s.charCodeAt(q) === 43 || s.charCodeAt(q) === 45) q++;
      if (isDigit(s.charCodeAt(q))) {
        while (isDigit(s.charCodeAt(q))) q++;
        p = q;
      }
    }
    return p;
  }
};
function tokenize(src, flags) {
  const lx = new Lexer(src, flags);
  const out = [];
  for (let t = lx.next(); t; t = lx.next()) out.push(t);
  return out;
}

// src/sql/mysql/keywords.ts
var RESERVED = new Set(
  `ACCESSIBLE ADD ALL ALTER ANALYZE AND AS ASC ASENSITIVE BEFORE BETWEEN BIGINT BINARY BLOB BOTH BY CALL
CASCADE CASE CHANGE CHAR CHARACTER CHECK COLLATE COLUMN CONDITION CONSTRAINT CONTINUE CONVERT CREATE CROSS
CUBE CUME_DIST CURRENT_DATE CURRENT_ROLE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DATABASES
DAY_HOUR DAY_MICROSECOND DAY_MINUTE DAY_SECOND DEC DECIMAL DECLARE DEFAULT DELAYED DELETE DELETE_DOMAIN_ID
DENSE_RANK DESC DESCRIBE DETERMINISTIC DISTINCT DISTINCTROW DIV DO_DOMAIN_IDS DOUBLE DROP DUAL EACH ELSE ELSEIF
EMPTY ENCLOSED ESCAPED EXCEPT EXISTS EXIT EXPLAIN FALSE FETCH FIRST_VALUE FLOAT FLOAT4 FLOAT8 FOR FORCE FOREIGN
FROM FULLTEXT FUNCTION GENERAL GENERATED GET GRANT GROUP GROUPING GROUPS HAVING HIGH_PRIORITY HOUR_MICROSECOND
HOUR_MINUTE HOUR_SECOND IF IGNORE IGNORE_DOMAIN_IDS IGNORE_SERVER_IDS IN INDEX INFILE INNER INOUT INSENSITIVE
INSERT INT INT1 INT2 INT3 INT4 INT8 INTEGER INTERSECT INTERVAL INTO IO_AFTER_GTIDS IO_BEFORE_GTIDS IS ITERATE
JOIN JSON_TABLE KEY KEYS KILL LAG LAST_VALUE LATERAL LEAD LEADING LEAVE LEFT LIKE LIMIT LINEAR LINES LOAD
LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB LONGTEXT LOOP LOW_PRIORITY MASTER_BIND MASTER_HEARTBEAT_PERIOD
MASTER_SSL_VERIFY_SERVER_CERT MATCH MAXVALUE MEDIUMBLOB MEDIUMINT MEDIUMTEXT MIDDLEINT MINUTE_MICROSECOND
MINUTE_SECOND MOD MODIFIES NATURAL NOT NO_WRITE_TO_BINLOG NTH_VALUE NTILE NULL NUMERIC OF OFFSET ON OPTIMIZE
OPTIMIZER_COSTS OPTION OPTIONALLY OR ORDER OUT OUTER OUTFILE OVER PAGE_CHECKSUM PARSE_VCOL_EXPR PARTITION
PERCENT_RANK PRECISION PRIMARY PROCEDURE PURGE RANGE RANK READ READS READ_WRITE REAL RECURSIVE REF_SYSTEM_ID
REFERENCES REGEXP RELEASE RENAME REPEAT REPLACE REQUIRE RESIGNAL RESTRICT RETURN RETURNING REVOKE RIGHT RLIKE
ROW ROWS ROW_NUMBER ROWNUM SCHEMA SCHEMAS SECOND_MICROSECOND SELECT SENSITIVE SEPARATOR SET SHOW SIGNAL SLOW
SMALLINT SPATIAL SPECIFIC SQL SQLEXCEPTION SQLSTATE SQLWARNING SQL_BIG_RESULT SQL_CALC_FOUND_ROWS
SQL_SMALL_RESULT SSL STARTING STATS_AUTO_RECALC STATS_PERSISTENT STATS_SAMPLE_PAGES STORED STRAIGHT_JOIN TABLE
TERMINATED THEN TINYBLOB TINYINT TINYTEXT TO TRAILING TRIGGER TRUE UNDO UNION UNIQUE UNLOCK UNSIGNED UPDATE
USAGE USE USING UTC_DATE UTC_TIME UTC_TIMESTAMP VALUES VARBINARY VARCHAR VARCHARACTER VARYING VIRTUAL WHEN
WHERE WHILE WINDOW WITH WRITE XOR YEAR_MONTH ZEROFILL`.split(/\s+/)
);

// src/sql/mysql/tokens.ts
function isWord(t, ...words) {
  return t !== void 0 && t.kind === "word" && words.includes(t.upper);
}
function isPunct(t, p) {
  return t !== void 0 && t.kind === "punct" && t.text === p;
}
function readName(tokens, i) {
  const parts = [];
  let j = i;
  for (; ; ) {
    const t = tokens[j];
    if (!t || t.kind !== "word" && t.kind !== "qident") break;
    parts.push(t.value);
    j++;
    if (!isPunct(tokens[j], ".")) break;
    j++;
  }
  return parts.length > 0 ? { name: parts.join("."), next: j } : void 0;
}
function readNameList(tokens, i) {
  const names = [];
  let j = i;
  for (; ; ) {
    const n = readName(tokens, j);
    if (!n) break;
    names.push(n.name);
    j = n.next;
    if (!isPunct(tokens[j], ",")) break;
    j++;
  }
  return names;
}
function readAccount(tokens, i) {
  const t = tokens[i];
  if (!t || !(t.kind === "word" || t.kind === "qident" || t.kind === "string")) return void 0;
  let name = t.value;
  let j = i + 1;
  const at = tokens[j];
  if (at?.kind === "var" && !at.spaced) {
    name += `@${at.value}`;
    j++;
  } else if (at?.kind === "op" && at.text === "@") {
    const host = tokens[j + 1];
    if (host) {
      name += `@${host.value}`;
      j += 2;
    }
  }
  return { name, next: j };
}
function skipIfExists(tokens, i) {
  if (isWord(tokens[i], "IF") && isWord(tokens[i + 1], "EXISTS")) return i + 2;
  if (isWord(tokens[i], "IF") && isWord(tokens[i + 1], "NOT") && isWord(tokens[i + 2], "EXISTS"))
    return i + 3;
  return i;
}
function splitTopLevel(tokens, sep = ",") {
  const out = [];
  let depth = 0;
  let cur = [];
  for (const t of tokens) {
    if (isPunct(t, "(")) depth++;
    else if (isPunct(t, ")")) depth--;
    if (depth === 0 && isPunct(t, sep)) {
      out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
function quoteString(value) {
  return `'${value.replace(/['\\]/g, "\\$&")}'`;
}
function quoteIdent(value) {
  return `\`${value.replaceAll("`", "``")}\``;
}
function isPlainName(v) {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = c >= 97 && c <= 122 || c >= 65 && c <= 90 || c >= 48 && c <= 57 || c === 95 || c === 36 || c === 46;
    if (!ok) return false;
  }
  return true;
}
function canonicalToken(t, prev, next, upper = false) {
  switch (t.kind) {
    case "word": {
      if (upper) return t.upper;
      const qualified = isPunct(prev, ".") || isPunct(next, ".");
      return !qualified && (RESERVED.has(t.upper) || prev === void 0) ? t.upper : t.value;
    }
    case "qident":
      return quoteIdent(t.value);
    case "string":
      return t.prefix === "X" || t.prefix === "B" ? `${t.prefix}'${t.value}'` : `${t.prefix ?? ""}${quoteString(t.value)}`;
    case "var":
      return isPlainName(t.value) ? `@${t.value}` : `@${quoteIdent(t.value)}`;
    case "sysvar":
      return `@@${t.value.toLowerCase()}`;
    default:
      return t.text;
  }
}
function canonicalText(tokens, upperWords = false) {
  const parts = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const prev = tokens[i - 1];
    if (t.kind === "var" && !t.spaced && prev && (prev.kind === "string" || prev.kind === "qident" || prev.kind === "word")) {
      parts[parts.length - 1] += `@${quoteString(t.value)}`;
      continue;
    }
    if (t.hint && !upperWords) parts.push(`/*+ ${canonicalText(t.hint)} */`);
    parts.push(canonicalToken(t, prev, tokens[i + 1], upperWords));
  }
  return parts.join(" ");
}
function accounts(tokens, i) {
  const out = [];
  let j = i;
  for (; ; ) {
    const a = readAccount(tokens, j);
    if (!a) break;
    out.push(a.name);
    j = a.next;
    while (j < tokens.length && !isPunct(tokens[j], ",")) j++;
    if (!isPunct(tokens[j], ",")) break;
    j++;
  }
  return out;
}

// src/sql/mysql/split.ts
var ROUTINE_KINDS = ["PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "PACKAGE"];
function startsCompound(tokens) {
  const t0 = tokens[0];
  if (t0?.kind !== "word") return false;
  if (t0.upper === "BEGIN") return isWord(tokens[1], "NOT") && isWord(tokens[2], "ATOMIC");
  if (["IF", "CASE", "WHILE", "LOOP", "REPEAT", "FOR"].includes(t0.upper)) return true;
  if (tokens[1]?.kind === "op" && tokens[1].text === ":") return true;
  if (t0.upper === "CREATE" || t0.upper === "ALTER") {
    for (let i = 1; i < tokens.length && i < 16; i++) {
      const t = tokens[i];
      if (isPunct(t, "(")) return false;
      if (isWord(t, ...ROUTINE_KINDS)) return true;
    }
  }
  return false;
}
var STATEMENT_OPENERS = ["IF", "WHILE", "LOOP", "REPEAT", "FOR"];
function atStatementStart(prev) {
  if (!prev) return true;
  if (isPunct(prev, ";")) return true;
  if (prev.kind === "op" && prev.text === ":") return true;
  return isWord(prev, "BEGIN", "THEN", "ELSE", "DO", "ATOMIC", "ROW");
}
function blockDelta(t, prev) {
  if (t.kind !== "word") return 0;
  if (t.upper === "BEGIN") return 1;
  if (t.upper === "END") return -1;
  if (isWord(prev, "END")) return 0;
  if (t.upper === "CASE") return 1;
  return STATEMENT_OPENERS.includes(t.upper) && atStatementStart(prev) ? 1 : 0;
}
function nextStatement(lexer) {
  let t = lexer.next();
  while (t && isPunct(t, ";")) t = lexer.next();
  if (!t) return void 0;
  const tokens = [];
  let depth = 0;
  let compound;
  for (; t; t = lexer.next()) {
    if (isPunct(t, ";")) {
      compound ??= startsCompound(tokens);
      if (!compound || depth <= 0) break;
    }
    depth += blockDelta(t, tokens[tokens.length - 1]);
    tokens.push(t);
  }
  return { tokens, start: tokens[0].start, end: tokens[tokens.length - 1].end };
}

// src/sql/mysql/sql-mode.ts
var UNKNOWN_SQL_MODE = "GUARDRAIL_UNKNOWN_SQL_MODE";
var IMPLIES_ANSI_QUOTES = /* @__PURE__ */ new Set(["ANSI_QUOTES", "ANSI", "DB2", "MAXDB", "MSSQL", "ORACLE", "POSTGRESQL"]);
function isUnknownMode(mode) {
  return mode === UNKNOWN_SQL_MODE;
}
var RECENT = 4;
var recent = [];
var nextSlot = 0;
function lexFlags(mode, server) {
  for (let i = 0; i < recent.length; i++) {
    const r = recent[i];
    if (r.mode === mode && r.server?.flavour === server?.flavour && r.server?.version === server?.version)
      return r.flags;
  }
  const flags = Object.freeze(parseLexFlags(mode, server));
  recent[nextSlot] = { mode, server, flags };
  nextSlot = (nextSlot + 1) % RECENT;
  return flags;
}
function parseLexFlags(mode, server) {
  const parts = (mode ?? "").toUpperCase().split(",");
  let ansiQuotes = false;
  let noBackslashEscapes = false;
  let brackets = false;
  for (const raw of parts) {
    const p = raw.trim();
    if (IMPLIES_ANSI_QUOTES.has(p)) ansiQuotes = true;
    if (p === "NO_BACKSLASH_ESCAPES") noBackslashEscapes = true;
    if (p === "MSSQL" && server?.flavour !== "mysql") brackets = true;
  }
  return { ansiQuotes, noBackslashEscapes, brackets, ...server ? { server } : {} };
}
function sessionLexings(text, mode, server) {
  const servers = readingServers(text, server);
  return (isUnknownMode(mode) ? ALL_LEX_MODES : [mode]).flatMap((m) => servers.map((s) => lexFlags(m, s)));
}
var ALL_LEX_MODES = [
  "",
  "ANSI_QUOTES",
  "NO_BACKSLASH_ESCAPES",
  "ANSI_QUOTES,NO_BACKSLASH_ESCAPES",
  "MSSQL",
  "MSSQL,NO_BACKSLASH_ESCAPES"
];
function isSqlModeVar(t) {
  if (!t) return void 0;
  if (t.kind === "word" && t.upper === "SQL_MODE") return { scope: "session" };
  if (t.kind === "sysvar") {
    const v = t.value.toLowerCase();
    if (v === "sql_mode" || v === "session.sql_mode" || v === "local.sql_mode") return { scope: "session" };
    if (v === "global.sql_mode") return { scope: "global" };
  }
  return void 0;
}
function mentionsSqlMode(tokens) {
  return tokens.some(
    (t) => (t.kind === "word" || t.kind === "qident") && t.value.toLowerCase() === "sql_mode" || t.kind === "sysvar" && t.value.toLowerCase().endsWith("sql_mode")
  );
}
function evalModeValue(tokens, current) {
  let i = 0;
  const expr = () => {
    const t = tokens[i];
    if (!t) return void 0;
    if (t.kind === "string") {
      i++;
      return t.value;
    }
    if (t.kind === "sysvar") {
      const v = t.value.toLowerCase();
      if (v !== "sql_mode" && v !== "session.sql_mode" && v !== "local.sql_mode") return void 0;
      if (current === void 0 || isUnknownMode(current)) return void 0;
      i++;
      return current;
    }
    if (t.kind === "word" && t.upper === "CONCAT" && tokens[i + 1]?.text === "(") {
      i += 2;
      let out = "";
      for (; ; ) {
        const part = expr();
        if (part === void 0) return void 0;
        out += part;
        const sep = tokens[i];
        if (sep?.text === ",") {
          i++;
          continue;
        }
        if (sep?.text === ")") {
          i++;
          return out;
        }
        return void 0;
      }
    }
    return void 0;
  };
  const value = expr();
  return i === tokens.length ? value : void 0;
}
function assignments(tokens) {
  const out = [];
  let depth = 0;
  let cur = [];
  for (const t of tokens) {
    if (t.text === "(") depth++;
    else if (t.text === ")") depth--;
    if (t.text === "," && depth === 0 && t.kind === "punct") {
      out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  out.push(cur);
  return out;
}
function normaliseMode(mode) {
  return mode.split(",").map((m) => m.trim().toUpperCase()).filter((m) => m.length > 0).join(",");
}
function sqlModeAfter(tokens, current) {
  if (!mentionsSqlMode(tokens)) return { kind: "unchanged" };
  const first = tokens[0];
  if (first?.kind === "word" && (first.upper === "SELECT" || first.upper === "SHOW")) {
    const writes = tokens.some((t) => t.kind === "op" && t.text === ":=");
    if (!writes) return { kind: "unchanged" };
  }
  if (first?.kind !== "word" || first.upper !== "SET") {
    return { kind: "unknown", reason: "sql_mode is referenced by a statement that is not a plain SET" };
  }
  let result = { kind: "unchanged" };
  let rest = tokens.slice(1);
  let defaultScope = "session";
  const scopeWord = rest[0];
  if (scopeWord?.kind === "word") {
    if (scopeWord.upper === "GLOBAL") defaultScope = "global";
    if (scopeWord.upper === "GLOBAL" || scopeWord.upper === "SESSION" || scopeWord.upper === "LOCAL")
      rest = rest.slice(1);
    if (scopeWord.upper === "STATEMENT")
      return { kind: "unknown", reason: "SET STATEMENT sql_mode \u2026 FOR is not tracked" };
  }
  for (const a of assignments(rest)) {
    let scope = defaultScope;
    let j = 0;
    const w = a[0];
    if (w?.kind === "word" && (w.upper === "GLOBAL" || w.upper === "SESSION" || w.upper === "LOCAL")) {
      scope = w.upper === "GLOBAL" ? "global" : "session";
      j = 1;
    }
    const target = isSqlModeVar(a[j]);
    if (!target) {
      if (mentionsSqlMode(a)) return { kind: "unknown", reason: "sql_mode used in an unrecognised SET" };
      continue;
    }
    if (a[j]?.kind === "sysvar") scope = target.scope;
    const eq = a[j + 1];
    if (!eq || eq.text !== "=" && eq.text !== ":=")
      return { kind: "unknown", reason: "malformed SET sql_mode" };
    if (scope === "global") continue;
    const before = result.kind === "set" ? result.mode : current;
    const value = evalModeValue(a.slice(j + 2), before);
    if (value === void 0)
      return { kind: "unknown", reason: "sql_mode is set to a value computed at run time" };
    result = { kind: "set", mode: normaliseMode(value) };
  }
  return result;
}

// src/sql/migration/mysql-events.ts
var NOT_COLUMNS = /* @__PURE__ */ new Set([
  "PRIMARY",
  "KEY",
  "INDEX",
  "UNIQUE",
  "CONSTRAINT",
  "FOREIGN",
  "CHECK",
  "FULLTEXT",
  "SPATIAL",
  "PERIOD",
  "SYSTEM"
]);
function readColumn(def, i) {
  const type = readType(def, i);
  if (!type) return void 0;
  const notNull = def.some(
    (t, k) => k > i && (isWord(t, "NOT") && isWord(def[k + 1], "NULL") || isWord(t, "PRIMARY") && isWord(def[k + 1], "KEY"))
  );
  return notNull ? { ...type, notNull } : type;
}
function readType(tokens, i) {
  const t = tokens[i];
  if (t?.kind !== "word") return void 0;
  let name = t.value.toLowerCase();
  let j = i + 1;
  if (name === "double" && isWord(tokens[j], "PRECISION")) j++;
  if ((name === "character" || name === "char") && isWord(tokens[j], "VARYING")) {
    name = "varchar";
    j++;
  }
  const mods = [];
  const labels = [];
  if (isPunct(tokens[j], "(")) {
    for (j++; j < tokens.length && !isPunct(tokens[j], ")"); j++) {
      const a = tokens[j];
      if (a.kind === "number") mods.push(Number(a.value));
      else if (a.kind === "string") labels.push(a.value);
    }
    j++;
  }
  const unsigned = isWord(tokens[j], "UNSIGNED");
  if (name === "enum") return columnType("enum", [], "mysql", { labels });
  if (name === "set") return columnType(`set(${labels.join(",")})`, [], "mysql");
  return columnType(name, mods, "mysql", unsigned ? { unsigned: true } : {});
}
function createTable(tokens, out) {
  const kindAt = tokens.findIndex((t) => isWord(t, "TABLE"));
  const name = readName(tokens, skipIfExists(tokens, kindAt + 1));
  if (!name || !isPunct(tokens[name.next], "(")) return;
  const table = bareName(name.name);
  let depth = 0;
  let end = name.next;
  for (; end < tokens.length; end++) {
    if (isPunct(tokens[end], "(")) depth++;
    else if (isPunct(tokens[end], ")") && --depth === 0) break;
  }
  const columns = [];
  for (const def of splitTopLevel(tokens.slice(name.next + 1, end))) {
    const d0 = def[0];
    if (!d0) continue;
    if (d0.kind === "word" && NOT_COLUMNS.has(d0.upper)) {
      indexOrConstraint(def, 0, table, out);
      continue;
    }
    const type = readColumn(def, 1);
    if (type) columns.push([d0.value.toLowerCase(), type]);
  }
  out.push({ kind: "table", table, columns });
}
function indexOrConstraint(spec, i, table, out) {
  if (isWord(spec[i], "CONSTRAINT")) {
    const n2 = readName(spec, skipIfExists(spec, i + 1));
    if (n2 && !isWord(spec[i + 1], "UNIQUE", "FOREIGN", "CHECK", "PRIMARY"))
      out.push({ kind: "create", object: objectKey("constraint", n2.name, table) });
    return;
  }
  let j = i;
  if (isWord(spec[j], "UNIQUE", "FULLTEXT", "SPATIAL")) j++;
  if (isWord(spec[j], "INDEX", "KEY")) j++;
  if (j === i || isWord(spec[i], "PRIMARY", "FOREIGN", "CHECK")) return;
  const n = readName(spec, skipIfExists(spec, j));
  if (n && !isPunct(spec[n.next - 1], "("))
    out.push({ kind: "create", object: objectKey("index", n.name, table) });
}
function alterTable(tokens, at, out) {
  const name = readName(tokens, skipIfExists(tokens, at));
  if (!name) return;
  const table = bareName(name.name);
  for (const spec of splitTopLevel(tokens.slice(name.next))) {
    const w = spec[0]?.kind === "word" ? spec[0].upper : "";
    const colAt = isWord(spec[1], "COLUMN") ? 2 : 1;
    if (w === "ADD") {
      if (isWord(
        spec[colAt],
        "CONSTRAINT",
        "INDEX",
        "KEY",
        "UNIQUE",
        "FULLTEXT",
        "SPATIAL",
        "PRIMARY",
        "FOREIGN",
        "CHECK"
      ))
        indexOrConstraint(spec, colAt, table, out);
      else {
        const col = readName(spec, skipIfExists(spec, colAt));
        const type = col && readColumn(spec, col.next);
        if (col && type) out.push({ kind: "column", table, column: col.name.toLowerCase(), type });
      }
    } else if (w === "MODIFY" || w === "CHANGE") {
      const col = readName(spec, skipIfExists(spec, colAt));
      if (!col) continue;
      const renamed = w === "CHANGE" ? readName(spec, col.next) : void 0;
      const type = readColumn(spec, renamed ? renamed.next : col.next);
      if (type)
        out.push({
          kind: "retype",
          table,
          column: col.name.toLowerCase(),
          ...renamed && renamed.name.toLowerCase() !== col.name.toLowerCase() ? { to: renamed.name.toLowerCase() } : {},
          type,
          using: false
        });
    } else if (w === "DROP") {
      const target = spec[colAt];
      if (isWord(target, "INDEX", "KEY")) {
        const n = readName(spec, skipIfExists(spec, colAt + 1));
        if (n) out.push({ kind: "drop", objects: [objectKey("index", n.name, table)], cascade: false });
      } else if (isWord(target, "CONSTRAINT", "CHECK") || isWord(target, "FOREIGN") && isWord(spec[colAt + 1], "KEY")) {
        const n = readName(spec, skipIfExists(spec, colAt + (isWord(target, "FOREIGN") ? 2 : 1)));
        if (n) out.push({ kind: "drop", objects: [objectKey("constraint", n.name, table)], cascade: false });
      } else if (!isWord(target, "PRIMARY", "PARTITION", "PERIOD", "SYSTEM")) {
        const n = readName(spec, skipIfExists(spec, colAt));
        if (n) out.push({ kind: "drop-column", table, column: n.name.toLowerCase() });
      }
    } else if (w === "RENAME") {
      if (isWord(spec[1], "COLUMN")) {
        const from = readName(spec, 2);
        const to = from && isWord(spec[from.next], "TO") ? readName(spec, from.next + 1) : void 0;
        if (from && to)
          out.push({
            kind: "rename-column",
            table,
            from: from.name.toLowerCase(),
            to: to.name.toLowerCase()
          });
      } else if (!isWord(spec[1], "INDEX", "KEY")) {
        const to = readName(spec, isWord(spec[1], "TO", "AS") ? 2 : 1);
        if (to) out.push({ kind: "rename-table", from: table, to: bareName(to.name) });
      }
    }
  }
}
function wordAt(tokens, from, ...words) {
  for (let i = from; i < tokens.length; i++) if (isWord(tokens[i], ...words)) return i;
  return -1;
}
function hasWhere(tokens) {
  let depth = 0;
  for (const t of tokens) {
    if (isPunct(t, "(")) depth++;
    else if (isPunct(t, ")")) depth--;
    else if (depth === 0 && isWord(t, "WHERE")) return true;
  }
  return false;
}
var DROPPED = {
  VIEW: "view",
  FUNCTION: "function",
  PROCEDURE: "function",
  TRIGGER: "trigger"
};
function tokenEvents(tokens, out) {
  const t0 = tokens[0];
  if (t0?.kind !== "word") return;
  const lead = t0.upper;
  if (lead === "CREATE") {
    const kindAt = wordAt(tokens, 1, "TABLE", "INDEX", "VIEW", "TRIGGER", "FUNCTION", "PROCEDURE");
    const kind = tokens[kindAt]?.upper;
    if (kind === "TABLE") createTable(tokens, out);
    else if (kind === "INDEX") {
      const n = readName(tokens, skipIfExists(tokens, kindAt + 1));
      const on = wordAt(tokens, kindAt, "ON");
      const table = on > 0 ? readName(tokens, on + 1) : void 0;
      if (n && table) out.push({ kind: "create", object: objectKey("index", n.name, table.name) });
    } else if (kind) {
      const n = readName(tokens, skipIfExists(tokens, kindAt + 1));
      const k = DROPPED[kind];
      if (n && k) out.push({ kind: "create", object: objectKey(k, n.name) });
    }
  } else if (lead === "ALTER") {
    const tableAt = wordAt(tokens, 1, "TABLE");
    if (tableAt > 0 && tableAt <= 2) alterTable(tokens, tableAt + 1, out);
  } else if (lead === "DROP") {
    const kind = tokens[1]?.upper ?? "";
    const nameAt = skipIfExists(tokens, 2);
    if (kind === "TABLE" || kind === "TABLES")
      for (const t of readNameList(tokens, nameAt)) out.push({ kind: "drop-table", table: bareName(t) });
    else if (kind === "INDEX") {
      const n = readName(tokens, nameAt);
      const table = n && isWord(tokens[n.next], "ON") ? readName(tokens, n.next + 1) : void 0;
      if (n && table)
        out.push({ kind: "drop", objects: [objectKey("index", n.name, table.name)], cascade: false });
    } else if (DROPPED[kind])
      out.push({
        kind: "drop",
        objects: readNameList(tokens, nameAt).map((n) => objectKey(DROPPED[kind], n)),
        cascade: isWord(tokens[tokens.length - 1], "CASCADE")
      });
  } else if (lead === "RENAME" && isWord(tokens[1], "TABLE")) {
    for (const pair of splitTopLevel(tokens.slice(2))) {
      const from = readName(pair, 0);
      const to = from && isWord(pair[from.next], "TO") ? readName(pair, from.next + 1) : void 0;
      if (from && to) out.push({ kind: "rename-table", from: bareName(from.name), to: bareName(to.name) });
    }
  } else if ((lead === "DELETE" || lead === "UPDATE") && hasWhere(tokens)) {
    let i = 1;
    while (isWord(tokens[i], "LOW_PRIORITY", "QUICK", "IGNORE")) i++;
    if (lead === "DELETE" && isWord(tokens[i], "FROM")) i++;
    const n = readName(tokens, i);
    if (n) out.push({ kind: "write", table: bareName(n.name), verb: lead });
  }
}
function mysqlEvents(sql, sqlMode) {
  let tokens;
  try {
    tokens = tokenize(sql, lexFlags(sqlMode));
  } catch {
    return [];
  }
  while (isPunct(tokens[tokens.length - 1], ";")) tokens.pop();
  const out = [];
  tokenEvents(tokens, out);
  return out;
}
function mysqlScriptEvents(text, sqlMode) {
  const out = [];
  try {
    const lexer = new Lexer(text, lexFlags(sqlMode));
    for (let st = nextStatement(lexer); st; st = nextStatement(lexer)) {
      const tokens = [...st.tokens];
      while (isPunct(tokens[tokens.length - 1], ";")) tokens.pop();
      tokenEvents(tokens, out);
    }
  } catch {
  }
  return out;
}

// src/sql/postgres/nodes.ts
function asNode(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : void 0;
}
function asList(v) {
  return Array.isArray(v) ? v : [];
}
function unwrap(v) {
  const n = asNode(v);
  if (!n) return void 0;
  const keys = Object.keys(n);
  if (keys.length !== 1) return void 0;
  const inner = asNode(n[keys[0]]);
  return inner ? [keys[0], inner] : void 0;
}
function str(v) {
  return typeof v === "string" ? v : void 0;
}
function nameList(v) {
  return asList(v).map((item) => str(asNode(asNode(item)?.String)?.sval) ?? "").filter((s) => s !== "").join(".");
}
function rangeVarName(v) {
  const n = asNode(v);
  const rv = asNode(n?.RangeVar) ?? n;
  if (!rv) return "";
  return [str(rv.catalogname), str(rv.schemaname), str(rv.relname)].filter(Boolean).join(".");
}
function objectName(v) {
  const u = unwrap(v);
  if (!u) return rangeVarName(v);
  const [type, n] = u;
  switch (type) {
    case "List":
      return nameList(n.items);
    case "String":
      return str(n.sval) ?? "";
    case "ObjectWithArgs":
      return nameList(n.objname);
    case "TypeName":
      return nameList(n.names);
    case "RangeVar":
      return rangeVarName(n);
    default:
      return "";
  }
}
function roleName(v) {
  const n = asNode(v);
  const rs = asNode(n?.RoleSpec) ?? n;
  if (!rs) return "";
  return str(rs.rolename) ?? String(rs.roletype ?? "").replace("ROLESPEC_", "").toLowerCase();
}
function defElems(v) {
  const out = /* @__PURE__ */ new Map();
  for (const item of asList(v)) {
    const d = asNode(asNode(item)?.DefElem);
    if (d && typeof d.defname === "string") out.set(d.defname, d.arg);
  }
  return out;
}
function defString(arg) {
  const u = unwrap(arg);
  if (!u) return void 0;
  if (u[0] === "String") return str(u[1].sval);
  if (u[0] === "List") return str(asNode(asNode(asList(u[1].items)[0])?.String)?.sval);
  return void 0;
}
function defFlag(opts, name) {
  if (!opts.has(name)) return false;
  const arg = opts.get(name);
  if (arg === void 0) return true;
  const u = unwrap(arg);
  if (u?.[0] === "Boolean") return u[1].boolval === true;
  if (u?.[0] === "Integer") return (u[1].ival ?? 0) !== 0;
  const s = defString(arg)?.toLowerCase();
  return !(s === "false" || s === "off" || s === "0" || s === "no");
}
function sameTree(a, b) {
  return JSON.stringify(a, dropLocation) === JSON.stringify(b, dropLocation);
}
function dropLocation(key, value) {
  return key === "location" ? void 0 : value;
}
function contains(v, type) {
  if (Array.isArray(v)) return v.some((x) => contains(x, type));
  if (v === null || typeof v !== "object") return false;
  for (const [k, x] of Object.entries(v)) if (k === type || contains(x, type)) return true;
  return false;
}
function dollarQuote(body) {
  let tag = "$gr$";
  for (let i = 0; body.includes(tag); i++) tag = `$gr${i}$`;
  return `${tag}${body}${tag}`;
}

// src/sql/postgres/parser.ts
var loaded;
var lib;
function loadPostgresParser() {
  loaded ??= import("./wasm-WVTEOHK2.js").then(async (m) => {
    const mod = "loadModule" in m ? m : m.default;
    await mod.loadModule();
    lib = mod;
  });
  return loaded;
}
function parser() {
  if (lib === void 0)
    throw new GuardrailError("the Postgres parser is not loaded: await loadPostgresParser() first", {
      code: "ERR_PARSER_NOT_LOADED"
    });
  return lib;
}
var PgSyntaxError = class extends GuardrailError {
  constructor(message, position) {
    super(message);
    this.position = position;
  }
  position;
  static code = "ERR_SQL_SYNTAX";
};
function parseSql(text) {
  const pg = parser();
  if (text.trim() === "") return [];
  try {
    return pg.parseSync(text).stmts ?? [];
  } catch (err) {
    const details = err.sqlDetails;
    throw new PgSyntaxError(err.message, details?.cursorPosition);
  }
}
function parseTree(text) {
  return parser().parseSync(text);
}
function scanTokens(text) {
  return parser().scanSync(text);
}
function parsePlpgsql(text) {
  const pg = parser();
  try {
    return pg.parsePlPgSQLSync(text);
  } catch (err) {
    throw new PgSyntaxError(err.message, void 0);
  }
}
function canonicalFromScan(text) {
  const pg = parser();
  if (text.trim() === "") return "";
  const bytes = Buffer.from(text, "utf8");
  const out = [];
  for (const t of pg.scanSync(text).tokens) {
    if (t.tokenName === "SQL_COMMENT" || t.tokenName === "C_COMMENT") continue;
    const raw = bytes.subarray(t.start, t.end).toString("utf8");
    const quotedIdent = t.tokenName === "IDENT" && (raw.startsWith('"') || /^[uU]&"/.test(raw));
    const word = t.keywordKind !== 0 || t.tokenName === "IDENT" && !quotedIdent;
    out.push(word ? raw.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : raw);
  }
  return out.join(" ");
}
function byteToCharMapper(text) {
  if (!/[^\x00-\x7f]/.test(text)) return (b) => b;
  const bytes = Buffer.from(text, "utf8");
  return (b) => bytes.subarray(0, Math.max(0, Math.min(b, bytes.length))).toString("utf8").length;
}

// src/sql/migration/postgres-events.ts
function typeOf(typeName, enums) {
  const tn = asNode(typeName) ?? {};
  const name = nameList(tn.names).toLowerCase();
  const mods = asList(tn.typmods).map((m) => asNode(asNode(asNode(m)?.A_Const)?.ival)).filter((v) => v !== void 0).map((v) => typeof v.ival === "number" ? v.ival : 0);
  const array = asList(tn.arrayBounds).length > 0;
  const labels = enums(bareName(name));
  if (labels && !array) return { ...columnType("enum", [], "postgres", { labels }), text: bareName(name) };
  return columnType(name, mods, "postgres", { array });
}
var DROP_KINDS = {
  OBJECT_VIEW: "view",
  OBJECT_MATVIEW: "view",
  OBJECT_INDEX: "index",
  OBJECT_FUNCTION: "function",
  OBJECT_PROCEDURE: "function",
  OBJECT_ROUTINE: "function",
  OBJECT_TRIGGER: "trigger"
};
function statementEvents(node, enums, out) {
  const u = unwrap(node);
  if (!u) return;
  const [type, n] = u;
  switch (type) {
    case "CreateStmt": {
      const table = bareName(rangeVarName(n.relation));
      const columns = [];
      for (const elt of asList(n.tableElts)) {
        const col = asNode(asNode(elt)?.ColumnDef);
        if (col) {
          columns.push([(str(col.colname) ?? "").toLowerCase(), typeOf(col.typeName, enums)]);
          for (const c of asList(col.constraints))
            constraintCreated(asNode(asNode(c)?.Constraint), table, out);
        } else constraintCreated(asNode(asNode(elt)?.Constraint), table, out);
      }
      out.push({ kind: "table", table, columns });
      break;
    }
    case "AlterTableStmt": {
      const table = bareName(rangeVarName(n.relation));
      for (const item of asList(n.cmds)) {
        const cmd = asNode(asNode(item)?.AlterTableCmd);
        if (!cmd) continue;
        const column = (str(cmd.name) ?? "").toLowerCase();
        const def = unwrap(cmd.def);
        if (cmd.subtype === "AT_AddColumn" && def?.[0] === "ColumnDef")
          out.push({
            kind: "column",
            table,
            column: (str(def[1].colname) ?? "").toLowerCase(),
            type: typeOf(def[1].typeName, enums)
          });
        else if (cmd.subtype === "AT_DropColumn") out.push({ kind: "drop-column", table, column });
        else if (cmd.subtype === "AT_AlterColumnType" && def?.[0] === "ColumnDef")
          out.push({
            kind: "retype",
            table,
            column,
            type: typeOf(def[1].typeName, enums),
            using: def[1].raw_default !== void 0
          });
        else if (cmd.subtype === "AT_AddConstraint" && def?.[0] === "Constraint")
          constraintCreated(def[1], table, out);
        else if (cmd.subtype === "AT_DropConstraint")
          out.push({
            kind: "drop",
            objects: [objectKey("constraint", column, table)],
            cascade: cmd.behavior === "DROP_CASCADE"
          });
      }
      break;
    }
    case "RenameStmt": {
      const table = bareName(rangeVarName(n.relation));
      if (n.renameType === "OBJECT_TABLE")
        out.push({ kind: "rename-table", from: table, to: bareName(str(n.newname) ?? "") });
      else if (n.renameType === "OBJECT_COLUMN")
        out.push({
          kind: "rename-column",
          table,
          from: (str(n.subname) ?? "").toLowerCase(),
          to: (str(n.newname) ?? "").toLowerCase()
        });
      break;
    }
    case "DropStmt": {
      const names = asList(n.objects).map(objectName);
      if (n.removeType === "OBJECT_TABLE")
        for (const t of names) out.push({ kind: "drop-table", table: bareName(t) });
      const kind = DROP_KINDS[String(n.removeType)];
      if (kind)
        out.push({
          kind: "drop",
          objects: names.map((name) => {
            const parts = name.split(".");
            return kind === "trigger" ? objectKey(kind, parts.pop() ?? "", parts.pop()) : objectKey(kind, name);
          }),
          cascade: n.behavior === "DROP_CASCADE"
        });
      break;
    }
    case "ViewStmt":
      out.push({ kind: "create", object: objectKey("view", rangeVarName(n.view)) });
      break;
    case "CreateTableAsStmt":
      if (n.objtype === "OBJECT_MATVIEW")
        out.push({ kind: "create", object: objectKey("view", rangeVarName(asNode(n.into)?.rel)) });
      break;
    case "IndexStmt":
      if (str(n.idxname)) out.push({ kind: "create", object: objectKey("index", str(n.idxname)) });
      break;
    case "CreateTrigStmt":
      out.push({
        kind: "create",
        object: objectKey("trigger", str(n.trigname) ?? "", rangeVarName(n.relation))
      });
      break;
    case "CreateFunctionStmt":
      out.push({ kind: "create", object: objectKey("function", nameList(n.funcname)) });
      break;
    case "CreateEnumStmt":
      out.push({
        kind: "enum",
        name: bareName(nameList(n.typeName)),
        labels: asList(n.vals).map((v) => str(asNode(asNode(v)?.String)?.sval) ?? "")
      });
      break;
    case "AlterEnumStmt":
      if (str(n.newVal))
        out.push({ kind: "enum-value", name: bareName(nameList(n.typeName)), label: str(n.newVal) });
      break;
    case "DeleteStmt":
    case "UpdateStmt":
      if (n.whereClause !== void 0)
        out.push({
          kind: "write",
          table: bareName(rangeVarName(n.relation)),
          verb: type === "DeleteStmt" ? "DELETE" : "UPDATE"
        });
      break;
    default:
      break;
  }
}
function constraintCreated(c, table, out) {
  const name = str(c?.conname);
  if (name) out.push({ kind: "create", object: objectKey("constraint", name, table) });
}
function postgresEvents(sql, enums) {
  let stmts;
  try {
    stmts = parseSql(sql);
  } catch {
    return [];
  }
  const out = [];
  for (const s of stmts) statementEvents(s.stmt, enums, out);
  return out;
}

// src/sql/migration/judge.ts
var RECREATABLE = /* @__PURE__ */ new Set([
  "destructive/drop-view",
  "destructive/drop-function",
  "destructive/drop-index",
  "destructive/drop-other",
  "destructive/drop-constraint"
]);
var MigrationJudge = class {
  constructor(opts) {
    this.opts = opts;
  }
  opts;
  /** table → column → type, for every table known (history and change). */
  columns = /* @__PURE__ */ new Map();
  enums = /* @__PURE__ */ new Map();
  /** Tables and objects the change itself created (not the applied history). */
  newTables = /* @__PURE__ */ new Set();
  newObjects = /* @__PURE__ */ new Set();
  events(text, sqlMode) {
    return this.opts.dialect === "postgres" ? postgresEvents(text, (name) => this.enums.get(name)) : mysqlEvents(text, sqlMode);
  }
  /** Applies an applied (history) file or statement: its tables and types become the schema. */
  history(text, sqlMode) {
    const events = this.opts.dialect === "postgres" ? this.events(text, sqlMode) : mysqlScriptEvents(text, sqlMode);
    for (const e of events) this.apply(e, false);
  }
  /** Starts a new change: what the change so far created becomes history (existing objects). */
  newChange() {
    this.newTables.clear();
    this.newObjects.clear();
  }
  /** Refines the findings of one input of the change, in order; returns new statement analyses. */
  judge(input) {
    const perStatement = input.statements.map((s) => this.events(s.text, input.sqlMode));
    return input.statements.map((s, i) => {
      const typed = perStatement[i].some(
        (e) => e.kind === "retype" || e.kind === "column" || e.kind === "table"
      );
      const events = typed && this.opts.dialect === "postgres" ? this.events(s.text, input.sqlMode) : perStatement[i];
      const findings = this.refine(s, events, input, perStatement, i);
      for (const e of events) this.apply(e, true);
      return findings === s.findings ? s : { ...s, findings };
    });
  }
  refine(s, events, input, all, index) {
    let findings = s.findings;
    const at = (f) => f?.location ?? locationOf(input.text, s.offset);
    const retypes = events.filter((e) => e.kind === "retype");
    if (retypes.length > 0 && this.opts.types !== false) {
      const lockFinding = findings.find((f) => f.rule === "lock-heavy/alter-column-type");
      findings = findings.filter((f) => f.rule !== "lock-heavy/alter-column-type");
      for (const e of retypes) {
        findings = [...findings, ...this.typeChange(e, at(lockFinding))];
        if (e.type.notNull && this.known(e.table, e.column)?.notNull) {
          const column = `${e.table}.${e.column}`;
          findings = findings.filter(
            (f) => f.rule !== "lock-heavy/add-not-null" || !f.objects.every((o) => o.toLowerCase().endsWith(column))
          );
        }
      }
    }
    const drop = events.find((e) => e.kind === "drop");
    if (drop && !drop.cascade && findings.some((f) => RECREATABLE.has(f.rule))) {
      const lines = [];
      const fresh = drop.objects.every((o) => this.newObjects.has(o));
      const recreated = drop.objects.every((o) => {
        if (this.newObjects.has(o)) return true;
        const j = all.findIndex(
          (ev, k) => k > index && ev.some((e) => e.kind === "create" && e.object === o)
        );
        if (j < 0) return false;
        lines.push(locationOf(input.text, input.statements[j].offset).line);
        return true;
      });
      if (fresh) findings = findings.filter((f) => !RECREATABLE.has(f.rule));
      else if (recreated)
        findings = findings.map(
          (f) => RECREATABLE.has(f.rule) ? finding(
            "destructive/drop-recreated",
            f.objects,
            `${f.message}: recreated under the same name on line ${[...new Set(lines)].join(", ")}`,
            at(f)
          ) : f
        );
    }
    if (this.opts.dialect === "mysql")
      findings = findings.filter(
        (f) => f.category !== "lock-heavy" || !f.objects.every((o) => this.isNewTable(o))
      );
    if (this.opts.dataChanges)
      for (const e of events) {
        if (e.kind !== "write" || this.newTables.has(e.table)) continue;
        if (findings.some(
          (f) => f.rule === "destructive/delete-without-where" || f.rule === "destructive/update-without-where"
        ))
          continue;
        findings = [
          ...findings,
          finding(
            "mass-change/data-change",
            [e.table],
            `${e.verb} ${e.verb === "DELETE" ? "FROM " : ""}${e.table} \u2026 WHERE changes existing rows of ${e.table}`,
            at(void 0)
          )
        ];
      }
    return findings;
  }
  /** The type a column has now: from the migration's own statements, else the catalog's. */
  known(table, column) {
    return this.columns.get(table)?.get(column) ?? this.opts.catalog?.columnsOf(table)?.get(column);
  }
  /** `t` or `t.column` names a table this change created. */
  isNewTable(object) {
    const parts = object.toLowerCase().split(".");
    return this.newTables.has(parts[parts.length - 1]) || parts.length > 1 && this.newTables.has(parts[parts.length - 2]);
  }
  typeChange(e, location) {
    if (this.newTables.has(e.table)) return [];
    const old = this.known(e.table, e.column);
    const column = `${e.table}.${e.column}`;
    const lock = (detail) => finding(
      "lock-heavy/alter-column-type",
      [column],
      `type change of ${column} ${detail} rewrites ${e.table} under lock`,
      location
    );
    if (!old)
      return [
        lock(
          `to ${e.type.text} (its old type is unknown here: if it was wider, values are truncated or rejected; check with the table's definition)`
        )
      ];
    const change = compareTypes(old, e.type);
    if (change === "same" && !e.using) return [];
    const arrow = `${old.text} \u2192 ${e.type.text}`;
    if (change === "narrowing")
      return [
        finding(
          "destructive/narrowing-type",
          [column],
          `type change of ${column}: ${arrow} can truncate, round or reject existing values`,
          location
        ),
        lock(`(${arrow})`)
      ];
    return [lock(`(${arrow}${change === "unknown" ? ": whether every value fits is not known" : ""})`)];
  }
  apply(e, change) {
    switch (e.kind) {
      case "table":
        this.columns.set(e.table, new Map(e.columns));
        if (change) this.newTables.add(e.table);
        break;
      case "drop-table":
        this.columns.delete(e.table);
        this.newTables.delete(e.table);
        break;
      case "rename-table": {
        const cols = this.columns.get(e.from);
        this.columns.delete(e.from);
        if (cols) this.columns.set(e.to, cols);
        if (this.newTables.delete(e.from)) this.newTables.add(e.to);
        break;
      }
      case "column":
        this.table(e.table).set(e.column, e.type);
        break;
      case "drop-column":
        this.columns.get(e.table)?.delete(e.column);
        break;
      case "rename-column": {
        const cols = this.columns.get(e.table);
        const type = cols?.get(e.from);
        cols?.delete(e.from);
        if (cols && type) cols.set(e.to, type);
        break;
      }
      case "retype": {
        const cols = this.table(e.table);
        cols.delete(e.column);
        cols.set(e.to ?? e.column, e.type);
        break;
      }
      case "create":
        if (change) this.newObjects.add(e.object);
        break;
      case "drop":
        for (const o of e.objects) this.newObjects.delete(o);
        break;
      case "enum":
        this.enums.set(e.name, e.labels);
        break;
      case "enum-value":
        this.enums.set(e.name, [...this.enums.get(e.name) ?? [], e.label]);
        break;
      case "write":
        break;
    }
  }
  table(name) {
    let cols = this.columns.get(bareName(name));
    if (!cols) {
      cols = /* @__PURE__ */ new Map();
      this.columns.set(bareName(name), cols);
    }
    return cols;
  }
};
function inputJudgementMatters(findings) {
  return findings.some((f) => RECREATABLE.has(f.rule) || f.category === "lock-heavy");
}
function retypedTables(text, ctx) {
  if (!/\balter\b/i.test(text) || !/\b(type|modify|change)\b/i.test(text)) return [];
  const events = ctx.dialect === "postgres" ? postgresEvents(text, () => void 0) : mysqlScriptEvents(text, ctx.sqlMode);
  return [...new Set(events.flatMap((e) => e.kind === "retype" ? [e.table] : []))];
}

// src/sql/digest.ts
var PG_OP = new Uint8Array(128);
for (const c of "~!@#^&|`?+-*/%<>=") PG_OP[c.charCodeAt(0)] = 1;
for (const c of "~!@#^&|`?%") PG_OP[c.charCodeAt(0)] = 2;
function isPgOp(c) {
  return c < 128 && PG_OP[c] !== 0;
}
function isSpace2(c) {
  return c === 32 || c >= 9 && c <= 13;
}
function isHexOrUnderscore(c) {
  return isDigit(c) || c >= 97 && c <= 102 || c >= 65 && c <= 70 || c === 95;
}
var QUESTION = 63;
var DOT = 46;
var SPACE = 32;
var Output = class {
  constructor(wide, chars) {
    this.wide = wide;
    this.canonical = wide ? new Uint16Array(chars) : new Uint8Array(chars);
    this.digest = wide ? new Uint16Array(chars) : new Uint8Array(chars);
    this.bytes = [Buffer.from(this.canonical.buffer), Buffer.from(this.digest.buffer)];
  }
  wide;
  canonical;
  digest;
  /** The same memory as bytes, to decode from. */
  bytes;
  canonicalString(length) {
    return this.decode(this.canonical, this.bytes[0], length);
  }
  digestString(length) {
    return this.decode(this.digest, this.bytes[1], length);
  }
  decode(codes, bytes, length) {
    if (!this.wide) return bytes.toString("latin1", 0, length);
    if (littleEndian) return bytes.toString("utf16le", 0, length * 2);
    let out = "";
    for (let i = 0; i < length; i += 4096) {
      out += String.fromCharCode.apply(null, Array.from(codes.subarray(i, Math.min(length, i + 4096))));
    }
    return out;
  }
};
var littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
var SCRATCH_CHARS = 64 * 1024;
var scratch = {};
function output(textLength, wide) {
  const need = 2 * textLength + 2;
  if (need > SCRATCH_CHARS) return new Output(wide, need);
  if (wide) return scratch.wide ??= new Output(true, SCRATCH_CHARS);
  return scratch.narrow ??= new Output(false, SCRATCH_CHARS);
}
var INT32_MAX = 2 ** 31 - 1;
function fitsInteger(s, start, end, radix) {
  let value = 0;
  for (let k = radix === 10 ? start : start + 2; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c === 95) continue;
    const digit = c <= 57 ? c - 48 : (c | 32) - 87;
    value = value * radix + digit;
    if (value > INT32_MAX) return false;
  }
  return true;
}
var Lexer2 = class {
  constructor(s, opts, wide) {
    this.s = s;
    this.n = s.length;
    this.out = output(s.length, wide);
    this.backslash = opts.standardConformingStrings === false;
  }
  s;
  i = 0;
  n;
  out;
  canonicalLength = 0;
  digestLength = 0;
  canonicalStarts = [];
  starts = [];
  ends = [];
  semicolons = [];
  literals = [];
  backslashInPlainString = false;
  /** The last word was UESCAPE: its string is part of the code, not a value (see `word`). */
  escapeNext = false;
  /** A token has a character beyond Latin-1 and the output is one byte a character. */
  beyondLatin1 = false;
  backslash;
  push(start, end, kind) {
    const { canonical, digest } = this.out;
    let c = this.canonicalLength;
    let d = this.digestLength;
    if (this.starts.length > 0) {
      canonical[c++] = SPACE;
      digest[d++] = SPACE;
    }
    this.canonicalStarts.push(c);
    const s = this.s;
    let bits = 0;
    if (kind === 2 /* Literal */ || kind === 3 /* FloatLiteral */) {
      for (let k = start; k < end; k++) {
        const code = s.charCodeAt(k);
        bits |= code;
        canonical[c++] = code;
      }
      digest[d++] = QUESTION;
      if (kind === 3 /* FloatLiteral */) digest[d++] = DOT;
      this.literals.push(this.starts.length);
    } else {
      const fold = kind === 1 /* Word */ ? 32 : 0;
      for (let k = start; k < end; k++) {
        const code = s.charCodeAt(k);
        bits |= code;
        const folded = code >= 65 && code <= 90 ? code + fold : code;
        canonical[c++] = folded;
        digest[d++] = folded;
      }
    }
    if (bits > 255 && !this.out.wide) this.beyondLatin1 = true;
    this.canonicalLength = c;
    this.digestLength = d;
    this.escapeNext = false;
    this.starts.push(start);
    this.ends.push(end);
  }
  get canonical() {
    return this.out.canonicalString(this.canonicalLength);
  }
  get digest() {
    return this.out.digestString(this.digestLength);
  }
  /** Returns false when the text cannot be lexed with certainty. */
  run() {
    const s = this.s;
    while (this.i < this.n) {
      const c = s.charCodeAt(this.i);
      if (isSpace2(c)) {
        this.i++;
        continue;
      }
      if (isIdentStart(c)) {
        if (!this.word()) return false;
        continue;
      }
      const next = this.i + 1 < this.n ? s.charCodeAt(this.i + 1) : 0;
      if (c === 45 && next === 45) {
        this.lineComment();
      } else if (c === 47 && next === 42) {
        if (!this.blockComment()) return false;
      } else if (c === 39) {
        if (!this.quoted(this.i, this.i, 39, this.backslash, true)) return false;
      } else if (c === 34) {
        if (!this.quotedIdent(this.i, 34)) return false;
      } else if (c === 36) {
        if (!this.dollar()) return false;
      } else if (isDigit(c) || c === 46 && isDigit(next)) {
        this.number();
      } else if (c === 59) {
        this.semicolons.push(this.starts.length);
        this.push(this.i, this.i + 1, 0 /* Verbatim */);
        this.i++;
      } else {
        this.operator();
      }
    }
    return true;
  }
  lineComment() {
    const nl = this.s.indexOf("\n", this.i);
    this.i = nl < 0 ? this.n : nl + 1;
  }
  blockComment() {
    const s = this.s;
    let depth = 1;
    let j = this.i + 2;
    while (j < this.n) {
      if (s.charCodeAt(j) === 42 && s.charCodeAt(j + 1) === 47) {
        depth--;
        j += 2;
        if (depth === 0) {
          this.i = j;
          return true;
        }
      } else if (s.charCodeAt(j) === 47 && s.charCodeAt(j + 1) === 42) {
        depth++;
        j += 2;
      } else j++;
    }
    return false;
  }
  /** A quoted literal starting at `open`; `start` includes any prefix (E, X, N, U&, _charset). */
  quoted(start, open, quote, backslash, plain, doubling = true) {
    const s = this.s;
    let j = open + 1;
    for (; ; ) {
      if (j >= this.n) return false;
      const c = s.charCodeAt(j);
      if (c === 92 && backslash) {
        if (plain) this.backslashInPlainString = true;
        j += 2;
      } else if (c === quote) {
        if (doubling && s.charCodeAt(j + 1) === quote) j += 2;
        else {
          const next = quote === 39 ? this.continuation(j + 1) : -1;
          if (next < 0) break;
          j = next + 1;
        }
      } else j++;
    }
    j++;
    this.push(start, j, this.escapeNext ? 0 /* Verbatim */ : 2 /* Literal */);
    this.i = j;
    return true;
  }
  /**
   * Postgres continues a string literal across whitespace that holds a newline:
   * 'a'<newline>'b' is the one literal 'ab'. Returns the offset of the continuing quote, or -1.
   */
  continuation(from) {
    const s = this.s;
    let k = from;
    let newline = false;
    while (k < this.n && isSpace2(s.charCodeAt(k))) {
      const c = s.charCodeAt(k);
      if (c === 10 || c === 13) newline = true;
      k++;
    }
    return newline && s.charCodeAt(k) === 39 ? k : -1;
  }
  quotedIdent(start, quote) {
    const s = this.s;
    let j = this.i + 1;
    for (; ; ) {
      if (j >= this.n) return false;
      if (s.charCodeAt(j) === quote) {
        if (s.charCodeAt(j + 1) === quote) j += 2;
        else break;
      } else j++;
    }
    j++;
    this.push(start, j, 0 /* Verbatim */);
    this.i = j;
    return true;
  }
  dollar() {
    const s = this.s;
    const start = this.i;
    let j = this.i + 1;
    if (isDigit(s.charCodeAt(j))) {
      while (j < this.n && isDigit(s.charCodeAt(j))) j++;
      this.push(start, j, 0 /* Verbatim */);
      this.i = j;
      return true;
    }
    if (s.charCodeAt(j) !== 36) {
      if (!isIdentStart(s.charCodeAt(j))) {
        this.operator();
        return true;
      }
      while (j < this.n && (isIdentStart(s.charCodeAt(j)) || isDigit(s.charCodeAt(j)))) j++;
      if (s.charCodeAt(j) !== 36) {
        this.operator();
        return true;
      }
    }
    const tag = s.slice(start, j + 1);
    const close = s.indexOf(tag, j + 1);
    if (close < 0) return false;
    const end = close + tag.length;
    this.push(start, end, 2 /* Literal */);
    this.i = end;
    return true;
  }
  number() {
    const s = this.s;
    const start = this.i;
    let j = this.i;
    let radix = 10;
    const c1 = s.charCodeAt(j + 1) | 32;
    if (s.charCodeAt(j) === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) {
      radix = c1 === 120 ? 16 : c1 === 111 ? 8 : 2;
      j += 2;
      while (j < this.n && isHexOrUnderscore(s.charCodeAt(j))) j++;
    } else {
      j = this.digits(j);
      if (s.charCodeAt(j) === 46 && s.charCodeAt(j + 1) !== 46) {
        j = this.digits(j + 1);
        radix = 0;
      }
      if ((s.charCodeAt(j) | 32) === 101) {
        const sign = s.charCodeAt(j + 1);
        const from = isDigit(sign) ? j + 1 : (sign === 43 || sign === 45) && isDigit(s.charCodeAt(j + 2)) ? j + 2 : -1;
        if (from > 0) {
          j = this.digits(from);
          radix = 0;
        }
      }
    }
    this.push(start, j, radix !== 0 && fitsInteger(s, start, j, radix) ? 2 /* Literal */ : 3 /* FloatLiteral */);
    this.i = j;
  }
  digits(from) {
    let j = from;
    while (j < this.n && (isDigit(this.s.charCodeAt(j)) || this.s.charCodeAt(j) === 95)) j++;
    return j;
  }
  word() {
    const s = this.s;
    const start = this.i;
    const c = s.charCodeAt(start);
    const lower = c | 32;
    const next = s.charCodeAt(start + 1);
    if (next === 39 && (lower === 101 || lower === 98 || lower === 120 || lower === 110)) {
      if (lower === 110) {
        this.push(start, start + 1, 1 /* Word */);
        return this.quoted(start + 1, start + 1, 39, this.backslash, true);
      }
      const escapeString = lower === 101;
      return this.quoted(start, start + 1, 39, escapeString, false, escapeString);
    }
    if (lower === 117 && next === 38) {
      const q = s.charCodeAt(start + 2);
      if (q === 39) return this.quoted(start, start + 2, 39, false, false);
      if (q === 34) {
        this.i += 2;
        return this.quotedIdent(start, 34);
      }
    }
    let j = start;
    while (j < this.n && isIdentChar(s.charCodeAt(j))) j++;
    this.push(start, j, 1 /* Word */);
    this.escapeNext = j - start === 7 && s.slice(start, j).toLowerCase() === "uescape";
    this.i = j;
    return true;
  }
  operator() {
    const s = this.s;
    const start = this.i;
    if (isPgOp(s.charCodeAt(start))) {
      let j = start;
      while (j < this.n && isPgOp(s.charCodeAt(j))) {
        const c = s.charCodeAt(j);
        const after = s.charCodeAt(j + 1);
        if (c === 47 && after === 42 || c === 45 && after === 45) break;
        j++;
      }
      let len2 = Math.max(j - start, 1);
      const last = s.charCodeAt(start + len2 - 1);
      if (len2 > 1 && (last === 43 || last === 45)) {
        let special = false;
        for (let k = start; k < start + len2 - 1; k++) if (PG_OP[s.charCodeAt(k)] === 2) special = true;
        if (!special) {
          let end = s.charCodeAt(start + len2 - 1);
          do {
            len2--;
            end = s.charCodeAt(start + len2 - 1);
          } while (len2 > 1 && (end === 43 || end === 45));
        }
      }
      this.push(start, start + len2, 0 /* Verbatim */);
      this.i = start + len2;
      return;
    }
    const len = this.punctuationLength(start);
    this.push(start, start + len, 0 /* Verbatim */);
    this.i = start + len;
  }
  /** `:=`, `::` and `..` are one token; any other punctuation is one character. */
  punctuationLength(start) {
    const c = this.s.charCodeAt(start);
    const next = this.s.charCodeAt(start + 1);
    return c === 58 && (next === 61 || next === 58) || c === 46 && next === 46 ? 2 : 1;
  }
};
function scan(text, opts) {
  let lexer = new Lexer2(text, opts, false);
  let lexable = lexer.run();
  if (lexer.beyondLatin1) {
    lexer = new Lexer2(text, opts, true);
    lexable = lexer.run();
  }
  if (!lexable) return void 0;
  return {
    digest: lexer.digest,
    canonical: lexer.canonical,
    canonicalStarts: lexer.canonicalStarts,
    starts: lexer.starts,
    ends: lexer.ends,
    semicolons: lexer.semicolons,
    literals: lexer.literals,
    backslashInPlainString: lexer.backslashInPlainString
  };
}
function withTokens(scanned) {
  const n = scanned.canonicalStarts.length;
  const tokens = new Array(n);
  for (let i = 0; i < n; i++) tokens[i] = canonicalOf(scanned, i, i + 1);
  return { ...scanned, tokens };
}
function lex(text, opts) {
  const scanned = scan(text, opts);
  return scanned && withTokens(scanned);
}

// src/sql/cache.ts
var Lru = class {
  /** Holds between `capacity` and `2 × capacity` entries. */
  constructor(capacity) {
    this.capacity = capacity;
  }
  capacity;
  young = /* @__PURE__ */ new Map();
  old = /* @__PURE__ */ new Map();
  get(key) {
    const hit = this.young.get(key);
    if (hit !== void 0) return hit;
    const aged = this.old.get(key);
    if (aged !== void 0) this.set(key, aged);
    return aged;
  }
  set(key, value) {
    if (this.young.size >= this.capacity && !this.young.has(key)) {
      this.old = this.young;
      this.young = /* @__PURE__ */ new Map();
    }
    this.young.set(key, value);
  }
  get size() {
    return this.young.size + this.old.size;
  }
  clear() {
    this.young.clear();
    this.old.clear();
  }
};

export {
  RULES,
  RULE_IDS,
  isRuleId,
  finding,
  Lru,
  sha256,
  firstTokenAtOrAfter,
  tokenAt,
  canonicalEnd,
  locationOf,
  columnType,
  isDigit,
  isIdentChar,
  parseServerVersion,
  executableReadings,
  LexError,
  Lexer,
  tokenize,
  RESERVED,
  isWord,
  isPunct,
  readName,
  readNameList,
  readAccount,
  skipIfExists,
  splitTopLevel,
  canonicalText,
  accounts,
  startsCompound,
  nextStatement,
  UNKNOWN_SQL_MODE,
  isUnknownMode,
  lexFlags,
  sessionLexings,
  ALL_LEX_MODES,
  sqlModeAfter,
  mysqlEvents,
  asNode,
  asList,
  unwrap,
  str,
  nameList,
  rangeVarName,
  objectName,
  roleName,
  defElems,
  defString,
  defFlag,
  sameTree,
  contains,
  dollarQuote,
  loadPostgresParser,
  PgSyntaxError,
  parseSql,
  parseTree,
  scanTokens,
  parsePlpgsql,
  canonicalFromScan,
  byteToCharMapper,
  postgresEvents,
  MigrationJudge,
  inputJudgementMatters,
  retypedTables,
  scan,
  withTokens,
  lex
};
