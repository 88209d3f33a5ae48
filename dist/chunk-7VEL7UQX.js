import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  esm_default,
  require_promise
} from "./chunk-IVUPHC63.js";
import {
  DEFAULT_MAX_CLIENTS,
  KnownSecrets,
  MaskingError,
  POSTGRES_REFUSALS,
  REDACTED_VALUE,
  SECRET_NAME,
  SessionApprovals,
  SettingTaint,
  compileMasking,
  copyFormat,
  maskCopyCsv,
  maskCopyText,
  maskDataRow,
  pgTextLike,
  refusal,
  rulesOf,
  tooManyClients
} from "./chunk-YJGG3OBQ.js";
import {
  SKIPPED_CODE,
  SKIPPED_TAG
} from "./chunk-4CFOMMYC.js";
import {
  ChainEncoder
} from "./chunk-GMUKHWYH.js";
import {
  require_lib
} from "./chunk-WLKLOQWD.js";
import {
  Lru,
  PURE_BUILTINS,
  PURE_EXTENSIONS,
  WRITE_NODES,
  analyze,
  asList,
  asNode,
  calledFunctions,
  columnType,
  contains,
  decide,
  finding,
  functionCalls,
  isPunct,
  isReadOnly,
  isWord,
  lexFlags,
  loadAnalyzers,
  loadPostgresParser,
  mysqlCalledFunctions,
  mysqlEvaluation,
  mysqlEvents,
  mysqlReached,
  nameList,
  parsePlpgsql,
  parseSql,
  plpgsqlSql,
  postgresEvents,
  reachedPostgres,
  readName,
  retypedTables,
  scanTokens,
  sessionBodies,
  str,
  tokenize
} from "./chunk-LCPQQLHH.js";
import {
  DeadlineReached,
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/impact/budget.ts
var Budget = class {
  constructor(totalMs, probeMaxMs) {
    this.probeMaxMs = probeMaxMs;
    this.deadline = Date.now() + totalMs;
  }
  probeMaxMs;
  deadline;
  /** Milliseconds the next probe may run; throws when nothing is left. */
  nextProbeMs() {
    const left = Math.floor(Math.min(this.deadline - Date.now(), this.probeMaxMs));
    if (left < 1) throw new DeadlineReached("time budget used up before this probe");
    return left;
  }
};
async function attempt(part, into, fn) {
  try {
    return await fn();
  } catch (err) {
    into.unavailable.push({ part, reason: probeFailure(err) });
    return void 0;
  }
}
function probeFailure(err) {
  if (err instanceof GuardrailError) return err.message;
  const e = err;
  const code = typeof e.code === "string" || typeof e.code === "number" ? `${e.code}: ` : "";
  return `${code}${String(e.message ?? err)}`;
}
var busy = /* @__PURE__ */ new WeakMap();
function exclusive(connection, fn) {
  const before = busy.get(connection) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  busy.set(
    connection,
    mine.catch(() => void 0)
  );
  return mine;
}

// src/impact/mass-change.ts
function touchedRows(e) {
  return e.rowsExact ?? e.rowsEstimated;
}
function massChange(e, threshold) {
  if (e.kind !== "delete" && e.kind !== "update") return false;
  if (threshold.rows === void 0 && threshold.percent === void 0) return false;
  const rows = touchedRows(e);
  if (rows === void 0) return true;
  if (threshold.rows !== void 0 && rows > threshold.rows) return true;
  if (threshold.percent !== void 0 && e.tableRows !== void 0) {
    const size = Math.max(e.tableRows, rows);
    if (size > (threshold.minTableRows ?? 0) && size > 0 && rows / size * 100 >= threshold.percent)
      return true;
  }
  return false;
}
function massChangeFinding(estimates, threshold) {
  const hits = estimates.filter((e) => massChange(e, threshold));
  if (hits.length === 0) return void 0;
  const what = hits.map((e) => {
    const rows = touchedRows(e);
    const how = e.rowsExact !== void 0 ? "counted" : "estimated";
    return `${e.kind.toUpperCase()} on ${e.table}: ${rows === void 0 ? "row count unavailable" : `${rows} rows ${how}`}`;
  }).join("; ");
  const limits = [
    threshold.rows !== void 0 ? `${threshold.rows} rows` : void 0,
    threshold.percent !== void 0 ? `${threshold.percent}% of a table over ${threshold.minTableRows ?? 0} rows` : void 0
  ].filter(Boolean).join(" or ");
  return {
    rule: "mass-change/rows",
    category: "mass-change",
    severity: "risk",
    objects: hits.map((e) => e.table),
    message: `${what} (threshold ${limits})`
  };
}
function impactRecord(estimates) {
  return Object.fromEntries(
    estimates.map((e) => [`${e.kind} ${e.table}${e.column ? `.${e.column}` : ""}`, e])
  );
}

// src/impact/catalog-cache.ts
var CatalogCache = class {
  constructor(ttlMs, now = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
  }
  ttlMs;
  now;
  byConnection = /* @__PURE__ */ new WeakMap();
  get(connection, key) {
    const hit = this.byConnection.get(connection)?.get(key);
    return hit && this.now() - hit.at < this.ttlMs ? hit.value : void 0;
  }
  set(connection, key, value2) {
    let entries = this.byConnection.get(connection);
    if (!entries) {
      entries = /* @__PURE__ */ new Map();
      this.byConnection.set(connection, entries);
    }
    for (const [k, e] of entries) if (this.now() - e.at >= this.ttlMs) entries.delete(k);
    entries.set(key, { at: this.now(), value: value2 });
  }
};
var UNIQUE_KEYS_TTL_MS = 1e3;
function oneRowEstimate(kind, table, lockLevel, key) {
  return {
    kind,
    table,
    notes: [`at most one row: the WHERE fixes every column of a unique key (${key.join(", ")})`],
    unavailable: [],
    lockLevel,
    rowsEstimated: 1
  };
}

// src/impact/mysql-cascades.ts
var MAX_CASCADE_DEPTH = 4;
var ACTIONS = ["CASCADE", "SET NULL", "SET DEFAULT"];
var quoteIdent = (s) => `\`${s.replace(/`/g, "``")}\``;
var qualified = (schema, table) => `${quoteIdent(schema)}.${quoteIdent(table)}`;
var display = (t) => `${t.schema}.${t.table}`;
async function edgesTo(rows, tables) {
  const found = await rows(
    `SELECT rc.CONSTRAINT_SCHEMA AS cs, rc.CONSTRAINT_NAME AS cn, rc.TABLE_NAME AS ct,
            rc.UNIQUE_CONSTRAINT_SCHEMA AS ps, rc.REFERENCED_TABLE_NAME AS pt,
            rc.DELETE_RULE AS dr, rc.UPDATE_RULE AS ur, k.COLUMN_NAME AS fc, k.REFERENCED_COLUMN_NAME AS pc
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
        AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
        AND k.REFERENCED_TABLE_NAME IS NOT NULL
      WHERE (rc.UNIQUE_CONSTRAINT_SCHEMA, rc.REFERENCED_TABLE_NAME) IN (${tables.map(() => "(?, ?)").join(", ")})
        AND (rc.DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT')
             OR rc.UPDATE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT'))
      ORDER BY rc.CONSTRAINT_SCHEMA, rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    tables.flatMap((t) => [t.schema, t.table])
  );
  const byKey = /* @__PURE__ */ new Map();
  for (const r of found) {
    const child = qualified(String(r.cs), String(r.ct));
    const key = `${child}\0${String(r.cn)}`;
    const edge = byKey.get(key) ?? {
      name: String(r.cn),
      parent: `${String(r.ps)}.${String(r.pt)}`,
      child,
      at: { schema: String(r.cs), table: String(r.ct) },
      fk: [],
      pk: [],
      onDelete: String(r.dr),
      onUpdate: String(r.ur)
    };
    edge.fk.push(quoteIdent(String(r.fc)));
    edge.pk.push(quoteIdent(String(r.pc)));
    byKey.set(key, edge);
  }
  return [...byKey.values()];
}
var rootEdges = new CatalogCache(UNIQUE_KEYS_TTL_MS);
function cachedRootEdges(conn, schema, table) {
  return rootEdges.get(conn, qualified(schema, table));
}
async function readRootEdges(rows, conn, schema, table) {
  const edges2 = await edgesTo(rows, [{ schema, table }]);
  rootEdges.set(conn, qualified(schema, table), edges2);
  return edges2;
}
async function replaceCascades(rows, conn, target, database) {
  const schema = target.schema ?? database;
  const table = target.name;
  const edges2 = schema === void 0 ? void 0 : cachedRootEdges(conn, schema, table) ?? await readRootEdges(rows, conn, schema, table).catch(() => void 0);
  if (!edges2) {
    const reason = "the foreign keys referencing the table could not be read";
    return [
      {
        kind: "delete",
        table: `tables referencing ${table}`,
        notes: [],
        unavailable: [{ part: "rows", reason }]
      }
    ];
  }
  return edges2.filter((e) => ACTIONS.includes(e.onDelete)).map((e) => ({
    kind: e.onDelete === "CASCADE" ? "delete" : "update",
    table: display(e.at),
    notes: [`cascaded from ${e.parent} by foreign key ${e.name} when REPLACE deletes a row`],
    unavailable: [
      { part: "rows", reason: "not counted: which rows REPLACE replaces shows only as it runs" }
    ]
  }));
}
function cascades(t, edges2) {
  if (t.kind === "delete") return edges2.some((e) => ACTIONS.includes(e.onDelete));
  const sets = (t.sets ?? []).map((c) => quoteIdent(c).toLowerCase());
  return edges2.some((e) => ACTIONS.includes(e.onUpdate) && e.pk.some((c) => sets.includes(c.toLowerCase())));
}
async function mysqlCascadeEstimates(rows, t, root, values, attempt2) {
  const out = [];
  const sel = t.select;
  const unknown = !t.single ? "a write to several tables" : sel?.limit !== void 0 ? "a LIMIT picks which rows" : !sel ? "statement shape not recognised" : void 0;
  const from = sel ? `${sel.from}${sel.where ? ` WHERE ${sel.where}` : ""}` : "";
  const sets = (t.sets ?? []).map((c) => quoteIdent(c).toLowerCase());
  const next = (edge, parentDoes, changed) => {
    if (parentDoes === "delete")
      return edge.onDelete === "CASCADE" ? "delete" : ACTIONS.includes(edge.onDelete) ? "update" : void 0;
    return ACTIONS.includes(edge.onUpdate) && edge.pk.some((c) => changed.includes(c.toLowerCase())) ? "update" : void 0;
  };
  let level = [];
  for (const edge of root) {
    const does = next(edge, t.kind, sets);
    if (does)
      level.push({
        edge,
        does,
        depth: 1,
        rows: `${edge.child} WHERE (${edge.fk.join(", ")}) IN (SELECT ${edge.pk.join(", ")} FROM ${from})`,
        changed: edge.fk.map((c) => c.toLowerCase())
      });
  }
  while (level.length > 0) {
    for (const step of level) {
      const e = {
        kind: step.does,
        table: display(step.edge.at),
        notes: [`cascaded from ${step.edge.parent} by foreign key ${step.edge.name}`],
        unavailable: [],
        lockLevel: "InnoDB row locks on the rows changed"
      };
      out.push(e);
      const why = unknown ?? (step.depth > MAX_CASCADE_DEPTH ? `cascades more than ${MAX_CASCADE_DEPTH} levels deep` : void 0);
      if (why) {
        e.unavailable.push({ part: "rows", reason: `not counted: ${why}` });
        continue;
      }
      const n = await attempt2(
        e,
        async () => Number((await rows(`SELECT count(*) AS n FROM ${step.rows}`, values))[0]?.n)
      );
      if (n !== void 0) e.rowsExact = n;
      step.counted = n;
    }
    const deeper = level.filter((s) => s.depth <= MAX_CASCADE_DEPTH && s.counted !== 0);
    if (deeper.length === 0) break;
    const children = [...new Map(deeper.map((s) => [s.edge.child, s.edge.at])).values()];
    const edges2 = await edgesTo(rows, children);
    level = deeper.flatMap(
      (s) => edges2.filter((edge) => edge.parent.toLowerCase() === display(s.edge.at).toLowerCase()).flatMap((edge) => {
        const does = next(edge, s.does, s.changed);
        return does ? [
          {
            edge,
            does,
            depth: s.depth + 1,
            rows: `${edge.child} WHERE (${edge.fk.join(", ")}) IN (SELECT ${edge.pk.join(", ")} FROM ${s.rows})`,
            changed: edge.fk.map((c) => c.toLowerCase())
          }
        ] : [];
      })
    );
  }
  return out;
}
async function withCascades(rows, conn, t, e, database, params2, attempt2) {
  const schema = t.table.schema ?? database;
  if (!schema || e.rowsExact === void 0 && e.rowsEstimated === void 0) return [e];
  const edges2 = cachedRootEdges(conn, schema, t.table.name) ?? await attempt2("rows", e, () => readRootEdges(rows, conn, schema, t.table.name));
  if (!edges2) {
    delete e.rowsExact;
    delete e.rowsEstimated;
    return [e];
  }
  if (!cascades(t, edges2)) return [e];
  const values = t.select && params2?.slice(t.select.params.from, t.select.params.to);
  return [
    e,
    ...await mysqlCascadeEstimates(rows, t, edges2, values, (into, fn) => attempt2("rowsExact", into, fn))
  ];
}

// src/impact/mysql-statements.ts
var isRowWise = (t) => t.kind === "delete" || t.kind === "update";
function myName(dotted) {
  const i = dotted.indexOf(".");
  return i < 0 ? { name: dotted } : { schema: dotted.slice(0, i), name: dotted.slice(i + 1) };
}
var myDisplay = (n) => n.schema ? `${n.schema}.${n.name}` : n.name;
function topLevel(tokens) {
  let depth = 0;
  const out = [];
  for (const t of tokens) {
    if (isPunct(t, "(")) depth++;
    else if (isPunct(t, ")")) depth--;
    else if (depth === 0) out.push(t);
  }
  return out;
}
var MYSQL_LOCKS = {
  "lock-heavy/alter-column-type": "SHARED (ALGORITHM=COPY: writes blocked while the table is copied)",
  "lock-heavy/table-rewrite": "SHARED (ALGORITHM=COPY: writes blocked while the table is copied)"
};
var MYSQL_DEFAULT_LOCK = "exclusive metadata lock at start and end; in between as the online DDL algorithm allows";
function alteredTable(tokens) {
  const at = tokens.findIndex((t) => isWord(t, "TABLE", "ON"));
  const n = at < 0 ? void 0 : readName(tokens, at + 1);
  return n ? myName(n.name) : void 0;
}
function mysqlTargets(text, findings, sqlMode) {
  const tokens = tokenize(text, lexFlags(sqlMode)).filter((t) => !isPunct(t, ";"));
  const out = [];
  const first = tokens[0]?.upper;
  const write = topLevel(tokens).find((t) => isWord(t, "DELETE", "UPDATE"));
  if (first === "DELETE" || first === "UPDATE" || first === "WITH" && write) {
    const kind = (first === "WITH" ? write?.upper : first) === "DELETE" ? "delete" : "update";
    const found = first === "WITH" ? void 0 : kind === "delete" ? deleteShape(text, tokens) : updateShape(text, tokens);
    out.push(
      found ? { kind, ...found } : { kind, table: { name: "(not recognised)" }, label: "", single: false }
    );
    return out;
  }
  const upsert2 = upsertTarget(text, tokens);
  if (upsert2) return [upsert2];
  const lockFindings = [];
  for (const f of findings) {
    if (f.rule === "destructive/drop-table" || f.rule === "destructive/truncate")
      for (const o of f.objects)
        out.push({ kind: f.rule === "destructive/truncate" ? "truncate" : "drop-table", table: myName(o) });
    else if (f.rule === "destructive/drop-column") {
      const table2 = alteredTable(tokens);
      const prefix = table2 ? `${myDisplay(table2)}.` : void 0;
      for (const o of f.objects)
        if (table2 && prefix && o.startsWith(prefix))
          out.push({ kind: "drop-column", table: table2, column: o.slice(prefix.length) });
    } else if (f.category === "lock-heavy") lockFindings.push(f.rule);
  }
  const table = lockFindings.length ? alteredTable(tokens) : void 0;
  if (table) {
    const lockLevel = lockFindings.map((r) => MYSQL_LOCKS[r]).find(Boolean) ?? MYSQL_DEFAULT_LOCK;
    out.push({ kind: "lock", table, lockLevel, columns: [] });
  }
  return out;
}
var params = (toks) => toks.filter((t) => t.kind === "param").length;
var NOT_ALIAS = /* @__PURE__ */ new Set([
  "ON",
  "USING",
  "JOIN",
  "INNER",
  "CROSS",
  "LEFT",
  "RIGHT",
  "NATURAL",
  "STRAIGHT_JOIN",
  "OUTER",
  "WHERE",
  "SET",
  "PARTITION",
  "USE",
  "FORCE",
  "IGNORE",
  "ORDER",
  "LIMIT",
  "RETURNING"
]);
function references(top, from, to) {
  const out = [];
  for (let i = from; i < to; i++) {
    if (i !== from && !isPunct(top[i - 1], ",") && !isWord(top[i - 1], "JOIN", "STRAIGHT_JOIN")) continue;
    const n = readName(top, i);
    if (!n) continue;
    let j = n.next;
    if (isWord(top[j], "PARTITION")) j++;
    if (isWord(top[j], "AS")) j++;
    const a = top[j];
    const alias = a && j < to && (a.kind === "qident" || a.kind === "word" && !NOT_ALIAS.has(a.upper)) ? a.value : void 0;
    const name = myName(n.name);
    out.push({ name, alias: alias ?? name.name });
  }
  return out;
}
function selectOf(text, tokens, top, from, to) {
  const whereAt = top.findIndex((t, i) => i >= to && isWord(t, "WHERE"));
  const stopAt = top.findIndex((t, i) => i >= to && isWord(t, "ORDER", "LIMIT", "RETURNING"));
  const stop = stopAt >= 0 ? top[stopAt].start : text.length;
  const limitAt = top.findIndex((t, i) => i >= to && isWord(t, "LIMIT"));
  const limitTok = limitAt >= 0 ? top[limitAt + 1] : void 0;
  const fromText = text.slice(top[from - 1].end, to < top.length ? top[to].start : text.length);
  const whereTok = whereAt >= 0 ? top[whereAt] : void 0;
  const whereText = whereTok ? text.slice(whereTok.end, stop) : void 0;
  const before = whereTok ? params(tokens.filter((t) => t.start < whereTok.start)) : 0;
  const inWhere = whereTok ? params(tokens.filter((t) => t.start > whereTok.start && t.start < stop)) : 0;
  return {
    from: fromText.trim(),
    ...whereText ? { where: whereText.trim().replace(/;\s*$/, "") } : {},
    params: { from: before, to: before + inWhere },
    ...limitTok?.kind === "number" ? { limit: Number(limitTok.text) } : {},
    pinned: whereTok ? pinnedColumns(
      tokens.filter((t) => t.start > whereTok.start && t.start < stop && !isPunct(t, ";")),
      before
    ) : []
  };
}
function pinnedColumns(where, paramsBefore) {
  const out = [];
  let param = paramsBefore;
  let i = 0;
  const value2 = (t) => t?.kind === "number" && /^\d+$/.test(t.text) ? "number" : t?.kind === "string" && !t.prefix ? "string" : t?.kind === "param" ? "param" : void 0;
  while (i < where.length) {
    const col = where[i];
    if (col?.kind !== "word" && col?.kind !== "qident") return [];
    let name = col.value;
    let j = i + 1;
    if (isPunct(where[j], ".")) {
      const c = where[j + 1];
      if (c?.kind !== "word" && c?.kind !== "qident") return [];
      name = c.value;
      j += 2;
    }
    if (where[j]?.kind !== "op" || where[j].text !== "=") return [];
    const v = value2(where[j + 1]);
    if (!v) return [];
    out.push(v === "param" ? { column: name, value: v, param: param++ } : { column: name, value: v });
    i = j + 2;
    if (i === where.length) return out;
    if (!isWord(where[i], "AND")) return [];
    i++;
  }
  return [];
}
var end = (top, from, ...words) => {
  const i = top.findIndex((t, j) => j >= from && isWord(t, ...words));
  return i < 0 ? top.length : i;
};
function deleteShape(text, tokens) {
  const top = topLevel(tokens);
  let i = 1;
  while (isWord(top[i], "LOW_PRIORITY", "QUICK", "IGNORE")) i++;
  const targetsAt = isWord(top[i], "FROM") ? i + 1 : i;
  const target = readName(top, targetsAt);
  if (!target) return void 0;
  const using = end(top, targetsAt, "USING");
  const fromKw = targetsAt === i ? end(top, targetsAt, "FROM") : top.length;
  const refsAt = using < top.length ? using + 1 : fromKw < top.length ? fromKw + 1 : targetsAt;
  const refsEnd = end(top, refsAt, "WHERE", "ORDER", "LIMIT", "RETURNING");
  const refs = references(top, refsAt, refsEnd);
  const single = refsAt === targetsAt && refs.length === 1 && !top.slice(refsAt, refsEnd).some((t) => isPunct(t, ","));
  return shape(text, tokens, top, refsAt, refsEnd, refs, myName(target.name), single);
}
function updateShape(text, tokens) {
  const top = topLevel(tokens);
  let i = 1;
  while (isWord(top[i], "LOW_PRIORITY", "IGNORE")) i++;
  const set = end(top, i, "SET");
  if (set === top.length) return void 0;
  const refs = references(top, i, set);
  const first = refs[0];
  if (!first) return void 0;
  const single = refs.length === 1 && !top.slice(i, set).some((t) => isWord(t, "JOIN") || isPunct(t, ","));
  const sets = [];
  const listEnd = end(top, set, "WHERE", "ORDER", "LIMIT", "RETURNING");
  for (let j = set + 1; j < listEnd; j++) {
    const t = top[j];
    const before = top[j - 1];
    if ((t.kind === "word" || t.kind === "qident") && top[j + 1]?.kind === "op" && top[j + 1].text === "=") {
      if (j === set + 1 || isPunct(before, ",") || isPunct(before, ".")) sets.push(t.value);
    }
  }
  return { ...shape(text, tokens, top, i, set, refs, first.name, single), sets };
}
function shape(text, tokens, top, from, to, refs, target, single) {
  const hit = refs.find((r) => r.alias === target.name && !target.schema) ?? refs.find((r) => myDisplay(r.name) === myDisplay(target));
  return {
    table: hit?.name ?? target,
    label: hit?.alias ?? target.name,
    select: selectOf(text, tokens, top, from, to),
    single
  };
}
function upsertTarget(text, tokens) {
  const top = topLevel(tokens);
  const replace = isWord(top[0], "REPLACE");
  const duplicate = top.some((t, i) => isWord(t, "DUPLICATE") && isWord(top[i - 1], "ON"));
  if (!replace && !(isWord(top[0], "INSERT") && duplicate)) return void 0;
  const into = top.findIndex((t) => isWord(t, "INTO"));
  const n = readName(top, into >= 0 ? into + 1 : 1);
  if (!n) return void 0;
  const table = myName(n.name);
  const params2 = tokens.filter((t) => t.kind === "param").length;
  const values = top.findIndex((t) => isWord(t, "VALUES", "VALUE"));
  if (values >= 0) {
    let rows = 0;
    let depth = 0;
    for (const t of tokens.filter((t2) => t2.start > top[values].start)) {
      if (isPunct(t, "(") && depth++ === 0) rows++;
      else if (isPunct(t, ")")) depth--;
      else if (depth === 0 && isWord(t, "ON", "AS")) break;
    }
    return { kind: "upsert", table, values: rows, params: params2, ...replace ? { replace } : {} };
  }
  const select = top.findIndex((t) => isWord(t, "SELECT"));
  if (select < 0) return { kind: "upsert", table, params: params2, ...replace ? { replace } : {} };
  const end2 = top.findIndex((t, i) => i > select && isWord(t, "ON") && isWord(top[i + 1], "DUPLICATE"));
  const source = text.slice(top[select].start, end2 >= 0 ? top[end2].start : text.length).trim();
  return {
    kind: "upsert",
    table,
    source: source.replace(/;\s*$/, ""),
    params: params2,
    ...replace ? { replace } : {}
  };
}

// src/impact/types.ts
var ValuesPending = class extends GuardrailError {
  static code = "ERR_VALUES_PENDING";
  constructor() {
    super("the statement has placeholders and no values for them yet");
  }
};

// src/impact/mysql.ts
var DEFAULT_EXACT_BELOW = 1e6;
var MyProbe = class {
  constructor(conn, budget, mariadb) {
    this.conn = conn;
    this.budget = budget;
    this.mariadb = mariadb;
  }
  conn;
  budget;
  mariadb;
  async rows(sql, values) {
    const ms = this.budget.nextProbeMs();
    const bounded = this.mariadb ? `SET STATEMENT max_statement_time = ${ms / 1e3} FOR ${sql}` : sql.replace(/^(?:EXPLAIN\s+)?SELECT\b/, (m) => `${m} /*+ MAX_EXECUTION_TIME(${ms}) */`);
    const [rows] = await this.conn.query(bounded, values);
    return rows;
  }
};
var quoteIdent2 = (s) => `\`${s.replace(/`/g, "``")}\``;
var likeEscape = (s) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
async function resolve(p, t, database) {
  const schema = t.schema ?? database;
  if (!schema) return void 0;
  const [r] = await p.rows(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, TABLE_ROWS AS r, DATA_LENGTH + INDEX_LENGTH AS b
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'`,
    [schema, t.name]
  );
  return r ? { schema: String(r.s), name: String(r.n), rows: Number(r.r ?? 0), bytes: Number(r.b ?? 0) } : void 0;
}
var NUMERIC = /* @__PURE__ */ new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "year"]);
var TEXTUAL = /* @__PURE__ */ new Set(["char", "varchar", "binary", "varbinary", "enum"]);
var uniqueIndexes = new CatalogCache(UNIQUE_KEYS_TTL_MS);
async function readUniqueIndexes(p, schema, name) {
  const rows = await p.rows(
    `SELECT s.INDEX_NAME AS i, s.COLUMN_NAME AS c, s.SUB_PART AS p,
            (SELECT DATA_TYPE FROM information_schema.COLUMNS
              WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = s.COLUMN_NAME) AS t
       FROM information_schema.STATISTICS s
      WHERE s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.NON_UNIQUE = 0
      ORDER BY s.INDEX_NAME, s.SEQ_IN_INDEX`,
    [schema, name, schema, name]
  );
  const indexes = /* @__PURE__ */ new Map();
  for (const r of rows) indexes.set(String(r.i), [...indexes.get(String(r.i)) ?? [], r]);
  return [...indexes.values()].filter((parts) => parts.every((r) => r.c !== null && r.p === null && r.t !== null)).map((parts) => parts.map((r) => ({ column: String(r.c), type: String(r.t).toLowerCase() })));
}
function pinnedKey(indexes, pinned, params2) {
  const kind = (pin) => {
    const v = pin.value === "param" ? params2?.[pin.param] : void 0;
    if (pin.value === "number" || Number.isSafeInteger(v)) return NUMERIC;
    if (pin.value === "string" || typeof v === "string") return TEXTUAL;
    return void 0;
  };
  const exact = ({ column, type }) => {
    const pin = pinned.find((x) => x.column.toLowerCase() === column.toLowerCase());
    return pin !== void 0 && kind(pin)?.has(type) === true;
  };
  return indexes.find((index) => index.every(exact))?.map((c) => c.column);
}
function pinnedWrite(t, database) {
  if (!isRowWise(t) || !t.single) return void 0;
  const pinned = t.select?.pinned;
  const schema = t.table.schema ?? database;
  return pinned?.length && schema ? { pinned, schema, table: `${schema}.${t.table.name}` } : void 0;
}
var ROW_LOCKS = "InnoDB row locks on the rows scanned";
function cachedOneRow(conn, t, database, params2) {
  const w = pinnedWrite(t, database);
  if (!w || !isRowWise(t)) return void 0;
  const indexes = uniqueIndexes.get(conn, w.table);
  const key = indexes && pinnedKey(indexes, w.pinned, params2);
  const edges2 = key && cachedRootEdges(conn, w.schema, t.table.name);
  return edges2 && !cascades(t, edges2) ? oneRowEstimate(t.kind, w.table, ROW_LOCKS, key) : void 0;
}
var qualified2 = (t) => `${quoteIdent2(t.schema)}.${quoteIdent2(t.name)}`;
function mentions(t) {
  const name = t.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`(^|[^A-Za-z0-9_$])\`?${name}\`?($|[^A-Za-z0-9_$])`, "i");
  return (text) => typeof text === "string" && re.test(text);
}
async function views(p, t, notes) {
  try {
    const rows2 = await p.rows(
      `SELECT VIEW_SCHEMA AS s, VIEW_NAME AS n FROM information_schema.VIEW_TABLE_USAGE
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY 1, 2`,
      [t.schema, t.name]
    );
    return rows2.map((r) => `${r.s}.${r.n}`);
  } catch (err) {
    if (err.errno !== 1109) throw err;
  }
  notes.push("views found by the table name in their definitions (no VIEW_TABLE_USAGE on this server)");
  const rows = await p.rows(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, VIEW_DEFINITION AS d FROM information_schema.VIEWS
      WHERE VIEW_DEFINITION LIKE ? ORDER BY 1, 2`,
    [`%${likeEscape(t.name)}%`]
  );
  const hit = mentions(t);
  return rows.filter((r) => hit(r.d)).map((r) => `${r.s}.${r.n}`);
}
async function dependents(p, t, notes) {
  const v = await views(p, t, notes);
  const fks = await p.rows(
    `SELECT CONSTRAINT_NAME AS c, CONSTRAINT_SCHEMA AS s, TABLE_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?
        AND NOT (CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?) ORDER BY 2, 3, 1`,
    [t.schema, t.name, t.schema, t.name]
  );
  const triggers = await p.rows(
    `SELECT TRIGGER_SCHEMA AS s, TRIGGER_NAME AS n FROM information_schema.TRIGGERS
      WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY 1, 2`,
    [t.schema, t.name]
  );
  const routines = await p.rows(
    `SELECT ROUTINE_SCHEMA AS s, ROUTINE_NAME AS n, ROUTINE_TYPE AS k, ROUTINE_DEFINITION AS d
       FROM information_schema.ROUTINES WHERE ROUTINE_DEFINITION LIKE ? ORDER BY 1, 2`,
    [`%${likeEscape(t.name)}%`]
  );
  const hit = mentions(t);
  notes.push("routines found by the table name in their bodies (only bodies this account may read)");
  return {
    views: v,
    foreignKeys: fks.map((r) => `${r.c} on ${r.s}.${r.n}`),
    functions: routines.filter((r) => hit(r.d)).map((r) => `${r.s}.${r.n} (${String(r.k).toLowerCase()})`),
    triggers: triggers.map((r) => `${r.s}.${r.n}`)
  };
}
async function exactCount(p, e, sql, values) {
  return attempt("rowsExact", e, async () => Number((await p.rows(sql, values))[0]?.n));
}
function blank(t) {
  return {
    kind: t.kind === "upsert" ? "update" : t.kind,
    table: myDisplay(t.table),
    notes: [],
    unavailable: []
  };
}
async function upsert(p, t, database, params2, sqlMode) {
  const e = blank(t);
  e.lockLevel = ROW_LOCKS;
  e.notes.push("REPLACE / ON DUPLICATE KEY UPDATE: at most the rows it writes are changed");
  const table = await attempt("table", e, () => resolve(p, t.table, database));
  if (table) {
    e.table = `${table.schema}.${table.name}`;
    e.bytes = table.bytes;
    e.tableRows = table.rows;
  }
  if (t.values !== void 0) {
    e.rowsExact = t.values;
    return e;
  }
  if (t.source === void 0) {
    e.unavailable.push({ part: "rows", reason: "statement shape not recognised" });
    return e;
  }
  const unsafe = await attempt("rows", e, () => notEvaluable(p, t.source, sqlMode));
  if (unsafe === void 0) return e;
  if (unsafe !== null) {
    e.unavailable.push({ part: "rows", reason: `not evaluated: ${unsafe}` });
    return e;
  }
  const n = await exactCount(p, e, `SELECT count(*) AS n FROM (${t.source}) AS guardrail_source`, params2);
  if (n !== void 0) e.rowsExact = n;
  return e;
}
async function tableWide(p, t, database, exactBelow) {
  const e = blank(t);
  const table = await attempt("table", e, () => resolve(p, t.table, database));
  if (!table) {
    if (!e.unavailable.length) e.unavailable.push({ part: "table", reason: "no such table (yet)" });
    return e;
  }
  e.table = `${table.schema}.${table.name}`;
  e.bytes = table.bytes;
  e.rowsEstimated = table.rows;
  e.notes.push(
    "row estimate from information_schema.TABLES (InnoDB samples: it can be off by tens of percent)"
  );
  if (t.kind === "lock") {
    e.lockLevel = t.lockLevel;
    return e;
  }
  if (t.kind === "drop-column") {
    e.column = t.column;
    const n = await attempt(
      "nonNull",
      e,
      async () => Number((await p.rows(`SELECT count(${quoteIdent2(t.column)}) AS n FROM ${qualified2(table)}`))[0]?.n)
    );
    if (n !== void 0) e.nonNull = n;
    return e;
  }
  e.lockLevel = "exclusive metadata lock";
  if (table.rows < exactBelow) {
    const n = await exactCount(p, e, `SELECT count(*) AS n FROM ${qualified2(table)}`);
    if (n !== void 0) e.rowsExact = n;
  } else e.notes.push(`not counted exactly: estimated ${table.rows} rows or more`);
  const deps = await attempt("dependents", e, () => dependents(p, table, e.notes));
  if (deps) e.dependents = deps;
  return e;
}
async function notEvaluable(p, sql, sqlMode) {
  const check = mysqlEvaluation(sql, sqlMode);
  if (check.unsafe) return check.unsafe;
  if (check.names.length === 0) return null;
  const [r] = await p.rows(
    `SELECT GROUP_CONCAT(DISTINCT TABLE_NAME) AS v FROM information_schema.TABLES
      WHERE TABLE_TYPE = 'VIEW' AND TABLE_NAME IN (${check.names.map(() => "?").join(", ")})
        AND TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema', 'mysql', 'sys')`,
    check.names
  );
  return r?.v ? `${String(r.v)} is a view (it evaluates its own expressions)` : null;
}
async function rowWise(p, t, database, params2, sqlMode) {
  const e = await ownRows(p, t, database, params2, sqlMode);
  return withCascades((sql, values) => p.rows(sql, values), p.conn, t, e, database, params2, attempt);
}
async function ownRows(p, t, database, params2, sqlMode) {
  const w = pinnedWrite(t, database);
  if (w) {
    let indexes = uniqueIndexes.get(p.conn, w.table);
    if (!indexes) {
      indexes = await readUniqueIndexes(p, w.schema, t.table.name).catch(() => void 0);
      if (indexes) uniqueIndexes.set(p.conn, w.table, indexes);
    }
    const key = indexes && pinnedKey(indexes, w.pinned, params2);
    const rows = (sql, values2) => p.rows(sql, values2);
    const edges2 = key && (cachedRootEdges(p.conn, w.schema, t.table.name) ?? await readRootEdges(rows, p.conn, w.schema, t.table.name).catch(() => void 0));
    if (key && edges2 && !cascades(t, edges2)) return oneRowEstimate(t.kind, w.table, ROW_LOCKS, key);
  }
  const e = blank(t);
  e.lockLevel = ROW_LOCKS;
  const table = await attempt("table", e, () => resolve(p, t.table, database));
  if (table) {
    e.table = `${table.schema}.${table.name}`;
    e.bytes = table.bytes;
    e.tableRows = table.rows;
  }
  const sel = t.select;
  if (!sel) {
    e.unavailable.push({ part: "rows", reason: "statement shape not recognised" });
    return e;
  }
  const where = sel.where ? ` WHERE ${sel.where}` : "";
  const unsafe = await attempt("rows", e, () => notEvaluable(p, `${sel.from}${where}`, sqlMode));
  if (unsafe === void 0) return e;
  if (unsafe !== null) {
    e.unavailable.push({ part: "rows", reason: `not evaluated: ${unsafe}` });
    return e;
  }
  const values = params2?.slice(sel.params.from, sel.params.to);
  const planned = await attempt("rows", e, async () => {
    const rows = await p.rows(`EXPLAIN SELECT 1 FROM ${sel.from}${where}`, values);
    const own = rows.find((r) => r.table === t.label) ?? rows[0];
    if (own?.rows === null || own?.rows === void 0) return void 0;
    const filtered = own.filtered === void 0 || own.filtered === null ? 100 : Number(own.filtered);
    return Math.round(Number(own.rows) * filtered / 100);
  });
  if (planned !== void 0)
    e.rowsEstimated = sel.limit !== void 0 ? Math.min(planned, sel.limit) : planned;
  if (!t.single) {
    e.unavailable.push({
      part: "rowsExact",
      reason: "multi-table statement: only the EXPLAIN estimate is made"
    });
    return e;
  }
  const n = await exactCount(p, e, `SELECT count(*) AS n FROM ${sel.from}${where}`, values);
  if (n !== void 0) e.rowsExact = sel.limit !== void 0 ? Math.min(n, sel.limit) : n;
  return e;
}
var sessions = /* @__PURE__ */ new WeakMap();
async function enterLimits(conn) {
  let limits = sessions.get(conn);
  if (!limits) {
    const [[r]] = await conn.query(
      "SELECT VERSION() AS v, DATABASE() AS d, @@SESSION.innodb_lock_wait_timeout AS ilw, @@SESSION.lock_wait_timeout AS lw"
    );
    limits = {
      mariadb: /mariadb/i.test(String(r?.v)),
      database: r?.d === null || r?.d === void 0 ? void 0 : String(r.d),
      restore: `SET SESSION innodb_lock_wait_timeout = ${Number(r?.ilw)}, lock_wait_timeout = ${Number(r?.lw)}`
    };
    sessions.set(conn, limits);
  }
  await conn.query("SET SESSION innodb_lock_wait_timeout = 1, lock_wait_timeout = 1");
  return limits;
}
async function estimateMysql(conn, statementText, analysis, opts) {
  const targets = mysqlTargets(statementText, analysis.findings, opts.sqlMode);
  if (targets.length === 0) return [];
  if (!opts.params && targets.some((t) => isRowWise(t) && t.select && t.select.params.to > t.select.params.from))
    throw new ValuesPending();
  const quick = targets.map((t) => cachedOneRow(conn, t, sessions.get(conn)?.database, opts.params));
  if (quick.every((e) => e !== void 0)) return quick;
  const budget = new Budget(opts.timeoutMs, opts.statementTimeoutMs ?? 2e3);
  return exclusive(conn, async () => {
    const limits = await enterLimits(conn);
    try {
      await conn.query("START TRANSACTION READ ONLY");
      try {
        const p = new MyProbe(conn, budget, limits.mariadb);
        const exactBelow = opts.exactBelow ?? DEFAULT_EXACT_BELOW;
        const out = [];
        for (const t of targets)
          if (isRowWise(t)) out.push(...await rowWise(p, t, limits.database, opts.params, opts.sqlMode));
          else if (t.kind === "upsert") {
            out.push(await upsert(p, t, limits.database, opts.params, opts.sqlMode));
            if (t.replace)
              out.push(...await replaceCascades((q, v) => p.rows(q, v), conn, t.table, limits.database));
          } else out.push(await tableWide(p, t, limits.database, exactBelow));
        return out;
      } finally {
        await conn.query("ROLLBACK");
      }
    } finally {
      await conn.query(limits.restore);
    }
  });
}

// src/impact/postgres.ts
import { createHash } from "node:crypto";

// src/sql/postgres/purity.ts
var MAX_DEPTH = 8;
var PURE_PLPGSQL = new Set(
  `block assign if case loop while fori fors foreach_a exit return return_next return_query raise
   assert execsql perform getdiag`.split(/\s+/).map((s) => `PLpgSQL_stmt_${s}`)
);
var quoteIdent3 = (s) => `"${s.replace(/"/g, '""')}"`;
var Check = class {
  constructor(bodies) {
    this.bodies = bodies;
  }
  bodies;
  operators = /* @__PURE__ */ new Set();
  types = /* @__PURE__ */ new Set();
  relations = /* @__PURE__ */ new Set();
  builtins = /* @__PURE__ */ new Set();
  unlisted = /* @__PURE__ */ new Set();
  proved = [];
  proving = /* @__PURE__ */ new Set();
  /** Throws `Unsafe` at the first thing that may not be evaluated. */
  statements(sql, depth, mustRead) {
    let stmts;
    try {
      stmts = parseSql(sql);
    } catch {
      throw new Unsafe("a statement could not be parsed");
    }
    for (const raw of stmts) {
      if (mustRead && !(raw.stmt.SelectStmt && isReadOnly(raw.stmt)))
        throw new Unsafe("a function it calls does more than read");
      this.node(raw.stmt, depth, ctes(raw.stmt));
    }
  }
  node(node, depth, ctes2) {
    if (Array.isArray(node)) {
      for (const item of node) this.node(item, depth, ctes2);
      return;
    }
    const n = asNode(node);
    if (!n) return;
    for (const [key, value2] of Object.entries(n)) {
      const v = asNode(value2);
      switch (key) {
        case "FuncCall":
          if (v) this.call(nameList(v.funcname), depth);
          break;
        case "A_Expr":
          if (v) this.operator(v.name, v.kind === "AEXPR_BETWEEN" || v.kind === "AEXPR_NOT_BETWEEN");
          break;
        case "SubLink":
          if (v?.operName) this.operator(v.operName, false);
          break;
        case "SortBy":
          if (v?.useOp) this.operator(v.useOp, false);
          break;
        case "TypeCast": {
          const names2 = asList(asNode(asNode(v?.typeName))?.names).map(
            (p) => str(asNode(asNode(p)?.String)?.sval)
          );
          if (names2.length === 1 || names2[0] !== "pg_catalog") this.types.add(names2[names2.length - 1] ?? "");
          break;
        }
        case "RangeVar":
          if (v) {
            const name = str(v.relname) ?? "";
            const schema = str(v.schemaname);
            if (schema !== void 0 || !ctes2.has(name))
              this.relations.add(schema ? `${quoteIdent3(schema)}.${quoteIdent3(name)}` : quoteIdent3(name));
          }
          break;
        case "ColumnRef": {
          const fields = asList(v?.fields);
          const last2 = str(asNode(asNode(fields[fields.length - 1])?.String)?.sval);
          if (fields.length > 1 && last2) this.attribute(last2, depth);
          break;
        }
        case "A_Indirection":
          for (const field of asList(v?.indirection)) {
            const name = str(asNode(asNode(field)?.String)?.sval);
            if (name) this.attribute(name, depth);
          }
          break;
        case "SetToDefault":
          throw new Unsafe("SET \u2026 = DEFAULT evaluates the column default");
        case "CurrentOfExpr":
          throw new Unsafe("WHERE CURRENT OF reads a cursor");
      }
      this.node(value2, depth, ctes2);
    }
  }
  operator(name, between) {
    const parts = asList(name).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? "");
    if (parts.length > 1 && parts[0] !== "pg_catalog")
      throw new Unsafe(`operator ${parts.join(".")} is not a built-in`);
    const op = parts[parts.length - 1] ?? "";
    if (between) for (const o of ["<", "<=", ">", ">="]) this.operators.add(o);
    else this.operators.add(op);
  }
  call(qualified3, depth) {
    const parts = qualified3.toLowerCase().split(".");
    const name = parts.pop() ?? "";
    const schema = parts.pop();
    const label = qualified3 || name;
    if (schema === "pg_catalog") {
      if (!PURE_BUILTINS.has(name)) throw new Unsafe(`${label}() is not known to be free of side effects`);
      return;
    }
    const user = this.bodies(name, schema);
    if (user.length === 0) {
      if (schema !== void 0 || !PURE_BUILTINS.has(name))
        throw new Unsafe(`${label}() is not known to be free of side effects`);
      this.builtins.add(name);
      return;
    }
    if (schema === void 0 && !PURE_BUILTINS.has(name)) this.unlisted.add(name);
    for (const fn of user) this.prove(fn, label, depth + 1);
  }
  /**
   * A field that may be a function of the row: user functions of that name are proved, and
   * without one, none may exist on the server either (the name is most likely a column's).
   */
  attribute(name, depth) {
    const user = this.bodies(name.toLowerCase(), void 0);
    if (user.length === 0) this.builtins.add(name.toLowerCase());
    for (const fn of user) this.prove(fn, name, depth + 1);
  }
  /** A user function: its body must only read and call what is proved in turn. */
  prove(fn, label, depth) {
    if (this.proving.has(fn)) return;
    if (depth > MAX_DEPTH) throw new Unsafe(`calls through ${label}() nest too deeply to prove`);
    this.proving.add(fn);
    this.proved.push({ name: fn.name.toLowerCase(), body: fn.body });
    try {
      const language = fn.language.toLowerCase();
      if (language === "sql") this.sql(fn, depth);
      else if (language === "plpgsql") this.plpgsql(fn, label, depth);
      else if (language === "c" || language === "internal") {
        if (!fn.extension || !PURE_EXTENSIONS.has(fn.extension))
          throw new Unsafe(`${label}() is native code outside the known extensions`);
      } else throw new Unsafe(`${label}() is written in ${language}`);
    } catch (err) {
      throw err instanceof Unsafe ? new Unsafe(`via ${label}(): ${err.message}`) : err;
    } finally {
      this.proving.delete(fn);
    }
  }
  /** A SQL function: its statements as text, or parsed already (BEGIN ATOMIC … END, RETURN …). */
  sql(fn, depth) {
    let atomic;
    try {
      atomic = fn.definition ? asNode(asNode(parseSql(fn.definition)[0]?.stmt)?.CreateFunctionStmt)?.sql_body : void 0;
    } catch {
      throw new Unsafe(`the definition of ${fn.name}() could not be parsed`);
    }
    if (atomic === void 0) {
      this.statements(fn.body, depth, true);
      return;
    }
    if (WRITE_NODES.some((w) => contains(atomic, w)))
      throw new Unsafe("a function it calls does more than read");
    this.node(atomic, depth, /* @__PURE__ */ new Set());
  }
  plpgsql(fn, label, depth) {
    let tree;
    try {
      tree = parsePlpgsql(
        fn.definition ?? `CREATE FUNCTION guardrail_body() RETURNS void LANGUAGE plpgsql AS $gr$${fn.body}$gr$`
      );
    } catch {
      throw new Unsafe(`the body of ${label}() could not be parsed`);
    }
    const walk = (node, parentType, key) => {
      if (Array.isArray(node)) {
        for (const item of node) walk(item, parentType, key);
        return;
      }
      const n = asNode(node);
      if (!n) return;
      for (const [k, v] of Object.entries(n)) {
        if (k === "PLpgSQL_expr") {
          const sql = plpgsqlSql(asNode(v) ?? {}, parentType, key);
          if (sql.dynamic) throw new Unsafe(`${label}() runs dynamic SQL`);
          this.statements(sql.text, depth, true);
        } else if (k.startsWith("PLpgSQL_stmt_")) {
          if (!PURE_PLPGSQL.has(k)) throw new Unsafe(`${label}() runs ${k.slice(13).toUpperCase()}`);
          walk(v, k, "");
        } else if (k.startsWith("PLpgSQL_")) walk(v, k, "");
        else walk(v, parentType, k);
      }
    };
    walk(asList(asNode(tree)?.plpgsql_funcs), "", "");
  }
};
var Unsafe = class extends GuardrailError {
  static code = "ERR_NOT_PROVABLY_PURE";
};
function ctes(stmt) {
  const out = /* @__PURE__ */ new Set();
  const walk = (node) => {
    if (Array.isArray(node)) for (const x of node) walk(x);
    else if (node !== null && typeof node === "object")
      for (const [k, v] of Object.entries(node)) {
        if (k === "CommonTableExpr") {
          const name = str(asNode(v)?.ctename);
          if (name) out.add(name);
        }
        walk(v);
      }
  };
  walk(stmt);
  return out;
}
function evaluation(sql, bodies) {
  const check = new Check(bodies);
  let unsafe;
  try {
    check.statements(sql, 0, false);
  } catch (err) {
    if (!(err instanceof Unsafe)) throw err;
    unsafe = err.message;
  }
  return {
    ...unsafe ? { unsafe } : {},
    operators: [...check.operators],
    types: [...check.types].filter(Boolean),
    relations: [...check.relations],
    builtins: [...check.builtins],
    unlisted: [...check.unlisted],
    proved: check.proved
  };
}

// src/impact/pg-statements.ts
var quoteIdent4 = (s) => `"${s.replace(/"/g, '""')}"`;
function pgQualified(n) {
  return n.schema ? `${quoteIdent4(n.schema)}.${quoteIdent4(n.name)}` : quoteIdent4(n.name);
}
var pgLiteral = (s) => `E'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
var pgTextArray = (items) => items.length ? `ARRAY[${items.map(pgLiteral).join(", ")}]::text[]` : "ARRAY[]::text[]";
function pgDisplay(n) {
  return n.schema ? `${n.schema}.${n.name}` : n.name;
}
var LOCKS = ["SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"];
var strongest = (a, b) => LOCKS.indexOf(a) >= LOCKS.indexOf(b) ? a : b;
var ALTER_LOCKS = {
  AT_SetStatistics: "SHARE UPDATE EXCLUSIVE",
  AT_SetOptions: "SHARE UPDATE EXCLUSIVE",
  AT_ResetOptions: "SHARE UPDATE EXCLUSIVE",
  AT_ValidateConstraint: "SHARE UPDATE EXCLUSIVE",
  AT_ClusterOn: "SHARE UPDATE EXCLUSIVE",
  AT_DropCluster: "SHARE UPDATE EXCLUSIVE",
  AT_SetRelOptions: "SHARE UPDATE EXCLUSIVE",
  AT_ResetRelOptions: "SHARE UPDATE EXCLUSIVE",
  AT_AttachPartition: "SHARE UPDATE EXCLUSIVE",
  AT_EnableTrig: "SHARE ROW EXCLUSIVE",
  AT_DisableTrig: "SHARE ROW EXCLUSIVE",
  AT_EnableTrigAll: "SHARE ROW EXCLUSIVE",
  AT_DisableTrigAll: "SHARE ROW EXCLUSIVE",
  AT_EnableTrigUser: "SHARE ROW EXCLUSIVE",
  AT_DisableTrigUser: "SHARE ROW EXCLUSIVE"
};
function alterLock(cmd) {
  if (cmd.subtype === "AT_AddConstraint") {
    const c = cmd.def?.Constraint;
    return c?.contype === "CONSTR_FOREIGN" ? "SHARE ROW EXCLUSIVE" : "ACCESS EXCLUSIVE";
  }
  if (cmd.subtype === "AT_DetachPartition" && cmd.def?.PartitionCmd)
    return cmd.def.PartitionCmd.concurrent ?? false ? "SHARE UPDATE EXCLUSIVE" : "ACCESS EXCLUSIVE";
  return ALTER_LOCKS[String(cmd.subtype)] ?? "ACCESS EXCLUSIVE";
}
var rangeVar = (rv) => ({
  ...typeof rv.schemaname === "string" ? { schema: rv.schemaname } : {},
  name: String(rv.relname)
});
function listName(node) {
  const items = (node.List?.items ?? []).map(
    (i) => i.String.sval
  );
  if (items.length === 1) return { name: items[0] };
  if (items.length === 2) return { schema: items[0], name: items[1] };
  return void 0;
}
function pgTargets(text, lockHeavy) {
  const bytes = Buffer.from(text, "utf8");
  const out = [];
  for (const [statement, raw] of parseSql(text).entries()) {
    const start = raw.stmt_location ?? 0;
    const end2 = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    const own = bytes.subarray(start, end2).toString("utf8").trim();
    const [type, node] = Object.entries(raw.stmt)[0];
    switch (type) {
      case "DropStmt":
        if (node.removeType !== "OBJECT_TABLE") break;
        for (const o of node.objects ?? []) {
          const table = listName(o);
          if (table) out.push({ statement, kind: "drop-table", table });
        }
        break;
      case "TruncateStmt":
        for (const r of node.relations ?? [])
          out.push({ statement, kind: "truncate", table: rangeVar(r.RangeVar) });
        break;
      case "DeleteStmt":
      case "UpdateStmt": {
        const kind = type === "DeleteStmt" ? "delete" : "update";
        let count;
        out.push({
          statement,
          kind,
          table: rangeVar(node.relation),
          text: own,
          // Built when asked for: a write that fixes a unique key is never counted.
          get count() {
            count ??= pgCountQuery(own, kind, node);
            return "sql" in count ? { sql: count.sql } : count;
          },
          get rows() {
            count ??= pgCountQuery(own, kind, node);
            return "sql" in count ? { from: count.from, extra: count.extra } : count;
          },
          params: highestParam(node),
          pinned: pinnedColumns2(node),
          sets: (node.targetList ?? []).flatMap((r) => {
            const name = r.ResTarget?.name;
            return typeof name === "string" ? [name] : [];
          }),
          only: node.relation.inh !== true
        });
        break;
      }
      case "InsertStmt":
      case "MergeStmt": {
        const clauses = (node.mergeWhenClauses ?? []).map(
          (c) => c.MergeWhenClause?.commandType
        );
        const upsert2 = node.onConflictClause?.action === "ONCONFLICT_UPDATE";
        if (!upsert2 && !clauses.some((c) => c === "CMD_UPDATE" || c === "CMD_DELETE")) break;
        out.push({
          statement,
          kind: clauses.includes("CMD_DELETE") ? "delete" : "update",
          table: rangeVar(node.relation),
          text: own,
          count: { reason: `${upsert2 ? "an upsert" : "MERGE"} is estimated by the planner only` },
          rows: { reason: `${upsert2 ? "an upsert" : "MERGE"} has no WHERE to select its rows by` },
          params: highestParam(node),
          pinned: [],
          sets: [],
          only: false
        });
        break;
      }
      case "AlterTableStmt": {
        if (node.objtype !== "OBJECT_TABLE") break;
        const table = rangeVar(node.relation);
        const cmds = (node.cmds ?? []).map((c) => c.AlterTableCmd);
        let lock;
        const columns = [];
        for (const cmd of cmds) {
          const using = cmd.def?.ColumnDef?.raw_default;
          if (cmd.subtype === "AT_AlterColumnType" && using && typeof cmd.name === "string")
            out.push({ statement, kind: "rewrite", table, column: cmd.name });
          if (cmd.subtype === "AT_DropColumn" && typeof cmd.name === "string") {
            out.push({
              statement,
              kind: "drop-column",
              table,
              column: cmd.name,
              lockLevel: "ACCESS EXCLUSIVE"
            });
            continue;
          }
          lock = lock ? strongest(lock, alterLock(cmd)) : alterLock(cmd);
          if (typeof cmd.name === "string") columns.push(cmd.name);
        }
        if (lock && lockHeavy(statement))
          out.push({ statement, kind: "lock", table, lockLevel: lock, columns });
        break;
      }
      case "IndexStmt":
        out.push({
          statement,
          kind: "lock",
          table: rangeVar(node.relation),
          lockLevel: node.concurrent ? "SHARE UPDATE EXCLUSIVE" : "SHARE",
          columns: []
        });
        break;
    }
  }
  return out;
}
function rowInvariant(node) {
  if (!node) return false;
  if (node.A_Const || node.ParamRef) return true;
  const cast = node.TypeCast;
  return cast !== void 0 && rowInvariant(cast.arg);
}
function pinnedColumns2(node) {
  if (node.withClause || node.fromClause?.length) return [];
  if (node.usingClause?.length) return [];
  const rel = node.relation;
  const names2 = /* @__PURE__ */ new Set([String(rel.relname), String(rel.alias?.aliasname ?? "")]);
  const where = node.whereClause;
  if (!where) return [];
  const and = where.BoolExpr;
  const conjuncts = (and?.boolop === "AND_EXPR" ? and.args : [where]).map(
    (c) => c.A_Expr
  );
  const column = (n) => {
    const fields = n?.ColumnRef?.fields?.map(
      (f) => f.String?.sval
    );
    if (!fields || fields.some((f) => f === void 0)) return void 0;
    if (fields.length === 1) return fields[0];
    return fields.length === 2 && names2.has(fields[0]) ? fields[1] : void 0;
  };
  const out = [];
  for (const e of conjuncts) {
    const op = e?.name?.map((n) => n.String.sval);
    if (e?.kind !== "AEXPR_OP" || op?.length !== 1 || op[0] !== "=") continue;
    const l = e.lexpr;
    const r = e.rexpr;
    const col = rowInvariant(r) ? column(l) : rowInvariant(l) ? column(r) : void 0;
    if (col !== void 0) out.push(col);
  }
  return out;
}
function paramNumbers(node, out) {
  if (node === null || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "ParamRef") out.add(Number(v.number ?? 0));
    paramNumbers(v, out);
  }
}
function highestParam(node) {
  const numbers = /* @__PURE__ */ new Set();
  paramNumbers(node, numbers);
  return Math.max(0, ...numbers);
}
function topLevel2(text) {
  const bytes = Buffer.from(text, "utf8");
  const toks = [];
  let depth = 0;
  for (const t of scanTokens(text).tokens) {
    if (t.tokenName === "SQL_COMMENT" || t.tokenName === "C_COMMENT") continue;
    if (t.text === "(" || t.text === "[") depth++;
    else if (t.text === ")" || t.text === "]") depth--;
    else if (depth === 0)
      toks.push({ start: t.start, end: t.end, word: t.keywordKind ? t.text.toUpperCase() : t.text });
  }
  return { toks, bytes };
}
function pgCountQuery(text, kind, node) {
  if (node.withClause) return { reason: "statement has a WITH clause: only the planner estimate is made" };
  if (node.whereClause?.CurrentOfExpr)
    return { reason: "WHERE CURRENT OF a cursor cannot be counted separately" };
  const { toks, bytes } = topLevel2(text);
  const slice = (from2, to) => bytes.subarray(from2, to).toString("utf8").trim();
  const find = (word, from2) => toks.findIndex((t, i) => i >= from2 && t.word === word);
  const head = kind === "delete" ? find("FROM", find("DELETE", 0)) : find("UPDATE", 0);
  if (head < 0) return { reason: "statement shape not recognised" };
  const stops = ["RETURNING", ";"].map((w) => find(w, head + 1)).filter((i) => i > 0);
  const end2 = stops.length ? Math.min(...stops) : toks.length;
  const at = (word, from2) => {
    const i = find(word, from2);
    return i > 0 && i < end2 ? i : -1;
  };
  const startOf = (i) => i < toks.length ? toks[i].start : bytes.length;
  const set = kind === "update" ? at("SET", head + 1) : -1;
  if (kind === "update" && set < 0) return { reason: "statement shape not recognised" };
  const where = at("WHERE", head + 1);
  const join5 = at(kind === "delete" ? "USING" : "FROM", kind === "update" ? set + 1 : head + 1);
  const joinBeforeWhere = join5 > 0 && (where < 0 || join5 < where) ? join5 : -1;
  const targetEnd = kind === "update" ? set : joinBeforeWhere > 0 ? joinBeforeWhere : where > 0 ? where : end2;
  const target = slice(toks[head].end, startOf(targetEnd));
  const whereText = where > 0 ? slice(toks[where].end, startOf(end2)) : void 0;
  const joined = joinBeforeWhere > 0 ? slice(toks[joinBeforeWhere].end, startOf(where > 0 ? where : end2)) : void 0;
  const from = joined ? `${target} WHERE EXISTS (SELECT 1 FROM ${joined}${whereText ? ` WHERE ${whereText}` : ""})` : `${target}${whereText ? ` WHERE ${whereText}` : ""}`;
  const failed2 = { reason: "the count query could not be built from the statement text" };
  try {
    const check = parseSql(`SELECT count(*) FROM ${from}`);
    if (check.length !== 1 || !check[0].stmt.SelectStmt) return failed2;
    const used = /* @__PURE__ */ new Set();
    paramNumbers(check[0].stmt, used);
    let unused = "";
    for (let n = 1; n <= highestParam(node); n++) if (!used.has(n)) unused += `, $${n}::text`;
    return { sql: `SELECT count(*)${unused} FROM ${from}`, from, extra: unused };
  } catch {
    return failed2;
  }
}

// src/impact/pg-cascades.ts
var MAX_CASCADE_DEPTH2 = 4;
var NOT_CLONE = `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint pc
                    WHERE pc.oid = co.conparentid AND pc.confrelid = co.confrelid)`;
var EDGES = (root, what, sets) => `
WITH RECURSIVE e(path, child, conname, parent, conkey, confkey, ops, does) AS (
  SELECT ARRAY[co.oid::int8], co.conrelid, co.conname::text, co.confrelid, co.conkey, co.confkey, co.conpfeqop,
         CASE WHEN '${what}' = 'd' AND co.confdeltype = 'c' THEN 'd' ELSE 'u' END
    FROM pg_catalog.pg_constraint co
   WHERE co.contype = 'f' AND co.confrelid = ${root} AND ${NOT_CLONE}
     AND CASE WHEN '${what}' = 'd' THEN co.confdeltype IN ('c', 'n', 'd')
              ELSE co.confupdtype IN ('c', 'n', 'd') AND EXISTS (
                SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = co.confrelid
                   AND a.attnum = ANY(co.confkey) AND a.attname = ANY(${sets})) END
  UNION ALL
  SELECT e.path || co.oid::int8, co.conrelid, co.conname::text, co.confrelid, co.conkey, co.confkey, co.conpfeqop,
         CASE WHEN e.does = 'd' AND co.confdeltype = 'c' THEN 'd' ELSE 'u' END
    FROM e JOIN pg_catalog.pg_constraint co ON co.contype = 'f' AND co.confrelid = e.child AND ${NOT_CLONE}
   WHERE cardinality(e.path) <= ${MAX_CASCADE_DEPTH2}
     AND CASE WHEN e.does = 'd' THEN co.confdeltype IN ('c', 'n', 'd')
              ELSE co.confupdtype IN ('c', 'n', 'd') AND co.confkey && e.conkey END
)
SELECT e.path, format('%I.%I', cn.nspname, c.relname) AS child, e.conname,
       format('%I.%I', pn.nspname, p.relname) AS parent, e.does,
       (SELECT array_agg(quote_ident(a.attname::text) ORDER BY k.i) FROM unnest(e.conkey) WITH ORDINALITY k(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = e.child AND a.attnum = k.n) AS fk,
       (SELECT array_agg(quote_ident(a.attname::text) ORDER BY k.i) FROM unnest(e.confkey) WITH ORDINALITY k(n, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid = e.parent AND a.attnum = k.n) AS pk,
       EXISTS (SELECT 1 FROM unnest(e.ops) o JOIN pg_catalog.pg_operator op ON op.oid = o
                WHERE op.oprnamespace <> 'pg_catalog'::regnamespace) AS user_ops
  FROM e JOIN pg_catalog.pg_class c ON c.oid = e.child JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_catalog.pg_class p ON p.oid = e.parent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
 ORDER BY cardinality(e.path), e.path`;
var list = (v) => Array.isArray(v) ? v.map(String) : String(v ?? "").replace(/^\{|\}$/g, "").split(",").filter(Boolean);
async function edges(rows, root, what, sets) {
  return (await rows(EDGES(root, what, pgTextArray(sets)))).map((r) => ({
    path: list(r.path).map(Number),
    child: String(r.child),
    conname: String(r.conname),
    parent: String(r.parent),
    fk: list(r.fk),
    pk: list(r.pk),
    does: r.does === "d" ? "d" : "u",
    userOps: r.user_ops === true
  }));
}
function rowsOf(edge, byPath, from) {
  const above = byPath.get(edge.path.slice(0, -1).join(","));
  const parentRows = above ? rowsOf(above, byPath, from) : from;
  return `${edge.child} WHERE (${edge.fk.join(", ")}) IN (SELECT ${edge.pk.join(", ")} FROM ${parentRows})`;
}
async function cascadeEstimates(rows, src, params2, attempt2) {
  const found = await edges(rows, src.oid, src.kind === "delete" ? "d" : "u", src.sets);
  const byPath = new Map(found.map((e) => [e.path.join(","), e]));
  const out = [];
  const counted = /* @__PURE__ */ new Map();
  for (const edge of found) {
    const kind = edge.does === "d" ? "delete" : "update";
    const e = {
      kind,
      table: edge.child,
      notes: [`cascaded from ${edge.parent} by foreign key ${edge.conname}`],
      unavailable: [],
      lockLevel: "ROW EXCLUSIVE"
    };
    out.push(e);
    const above = edge.path.length > 1 ? counted.get(edge.path.slice(0, -1).join(",")) : void 0;
    if (above === 0) {
      e.rowsExact = 0;
      counted.set(edge.path.join(","), 0);
      continue;
    }
    if (edge.path.length > MAX_CASCADE_DEPTH2) {
      e.unavailable.push({
        part: "rows",
        reason: `cascades more than ${MAX_CASCADE_DEPTH2} levels deep are not counted`
      });
      continue;
    }
    const chain = edge.path.map((_, i) => byPath.get(edge.path.slice(0, i + 1).join(",")));
    if (chain.some((c) => c?.userOps)) {
      e.unavailable.push({
        part: "rows",
        reason: "not counted: a key is compared by a user-defined operator"
      });
      continue;
    }
    if ("reason" in src.count) {
      e.unavailable.push({ part: "rows", reason: `not counted: ${src.count.reason}` });
      continue;
    }
    const sql = `SELECT count(*) AS count${src.count.extra} FROM ${rowsOf(edge, byPath, src.count.from)}`;
    const n = await attempt2(e, async () => Number((await rows(sql, params2))[0]?.count));
    if (n !== void 0) e.rowsExact = n;
    counted.set(edge.path.join(","), n);
  }
  return out;
}
function cascades2(kind, facts, sets) {
  return kind === "delete" ? facts.onDelete : facts.onUpdate.some((c) => sets.includes(c));
}
var CASCADE_COLUMNS = `
            EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.oid
                       AND f.confdeltype IN ('c', 'n', 'd')) AS cascade_delete,
            (SELECT json_agg(DISTINCT a.attname) FROM pg_constraint f
               JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = ANY(f.confkey)
              WHERE f.contype = 'f' AND f.confrelid = c.oid AND f.confupdtype IN ('c', 'n', 'd')) AS cascade_update`;
function cascadeFacts(r) {
  const json = (v) => typeof v === "string" ? JSON.parse(v) : v;
  return { onDelete: r.cascade_delete === true, onUpdate: json(r.cascade_update) ?? [] };
}

// src/impact/postgres.ts
var DEFAULT_EXACT_BELOW2 = 1e6;
var noBodies = () => [];
var keyFacts = new CatalogCache(UNIQUE_KEYS_TTL_MS);
var PgProbe = class {
  constructor(client, budget, lockTimeoutMs) {
    this.client = client;
    this.budget = budget;
    this.lockTimeoutMs = lockTimeoutMs;
  }
  client;
  budget;
  lockTimeoutMs;
  /**
   * One probe in one round trip: the transaction, its limits, the query and the rollback go as
   * one simple-protocol string, so catalog probes inline their literals. A failing query leaves
   * the transaction aborted, so it is rolled back on its own. With bound values (the extended
   * protocol takes one statement) it costs three round trips.
   */
  async rows(sql, values) {
    if (values) {
      await this.client.query(this.begin());
      try {
        return (await this.client.query(sql, values)).rows;
      } finally {
        await this.client.query("ROLLBACK");
      }
    }
    const results = await this.client.query(`${this.begin()}; ${sql}
; ROLLBACK`).catch(async (err) => {
      await this.client.query("ROLLBACK");
      throw err;
    });
    if (!Array.isArray(results) || results.length !== 6)
      throw new GuardrailError("the probe did not run as one statement between BEGIN and ROLLBACK", {
        code: "ERR_IMPACT_PROBE"
      });
    return results[4].rows;
  }
  begin() {
    const ms = this.budget.nextProbeMs();
    return `BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${Math.min(ms, this.lockTimeoutMs)}; SET LOCAL row_security = off`;
  }
};
function uniqueKeys(indexes, cols) {
  const out = [];
  for (const [keys, collations, nkey] of indexes) {
    const names2 = keys.slice(0, nkey).map((attnum, i) => {
      const col = cols[String(attnum)];
      return col && String(col[1]) === String(collations[i]) ? col[0] : void 0;
    });
    if (names2.every((n) => n !== void 0)) out.push(names2);
  }
  return out;
}
async function relation(p, t, keys = false) {
  const [r] = await p.rows(
    `SELECT c.oid::int8 AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relname, c.reltuples::float8 AS reltuples,
            pg_total_relation_size(c.oid)::int8 AS bytes, c.relkind = 'r' AND c.relhassubclass AS inherited,
            c.relkind IN ('r', 'p') AS plain,${CASCADE_COLUMNS}${keys ? `,
            (SELECT json_agg(json_build_array(i.indkey::int2[], i.indcollation::oid[], i.indnkeyatts)) FROM pg_index i
              WHERE i.indrelid = c.oid AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL
                AND i.indexprs IS NULL) AS indexes,
            (SELECT json_object_agg(a.attnum, json_build_array(a.attname, a.attcollation)) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS cols` : ""}
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass(${pgLiteral(pgQualified(t))})`
  );
  if (!r) return void 0;
  const json = (v) => typeof v === "string" ? JSON.parse(v) : v;
  return {
    oid: Number(r.oid),
    name: String(r.name),
    relname: String(r.relname),
    reltuples: Number(r.reltuples),
    bytes: Number(r.bytes),
    uniqueKeys: keys ? uniqueKeys(json(r.indexes) ?? [], json(r.cols) ?? {}) : [],
    inherited: r.inherited === true,
    plain: r.plain === true,
    cascade: cascadeFacts(r)
  };
}
async function dependents2(p, rel) {
  const col = (rows) => rows.map((r) => String(r.name));
  const views2 = await p.rows(
    `SELECT DISTINCT v.oid::regclass::text AS name
       FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.refobjid = ${rel.oid} AND v.oid <> ${rel.oid} ORDER BY 1`
  );
  const fks = await p.rows(
    `SELECT format('%I on %s', conname, conrelid::regclass::text) AS name FROM pg_constraint
      WHERE contype = 'f' AND confrelid = ${rel.oid} AND conrelid <> ${rel.oid} ORDER BY 1`
  );
  const triggers = await p.rows(
    `SELECT format('%I (%s)', tgname, tgfoid::regprocedure::text) AS name FROM pg_trigger
      WHERE tgrelid = ${rel.oid} AND NOT tgisinternal ORDER BY 1`
  );
  const word = `\\m${rel.relname.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`)}\\M`;
  const functions = await p.rows(
    `SELECT DISTINCT p.oid::regprocedure::text AS name
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND (p.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass
                          AND refclassid = 'pg_class'::regclass AND refobjid = ${rel.oid})
             OR p.prosrc ~* ${pgLiteral(word)})
      ORDER BY 1`
  );
  return { views: col(views2), foreignKeys: col(fks), functions: col(functions), triggers: col(triggers) };
}
function blank2(kind, table) {
  return { kind, table: pgDisplay(table), notes: [], unavailable: [] };
}
async function exactCount2(p, e, sql, values) {
  const n = await attempt("rowsExact", e, async () => Number((await p.rows(sql, values))[0]?.count));
  if (n !== void 0) e.rowsExact = n;
}
async function tableWide2(p, t, exactBelow) {
  const e = blank2(t.kind === "rewrite" ? "update" : t.kind, t.table);
  e.lockLevel = "ROW EXCLUSIVE";
  const rel = await attempt("table", e, () => relation(p, t.table));
  if (!rel) {
    if (!e.unavailable.length) e.unavailable.push({ part: "table", reason: "no such table (yet)" });
    return e;
  }
  e.table = rel.name;
  e.bytes = rel.bytes;
  if (rel.reltuples >= 0) e.rowsEstimated = Math.round(rel.reltuples);
  else e.notes.push("the table was never analyzed: no planner estimate");
  if (t.kind === "drop-column" && rel.plain) {
    e.column = t.column;
    e.lockLevel = t.lockLevel;
    const n = await attempt(
      "nonNull",
      e,
      async () => Number(
        (await p.rows(`SELECT count(${pgQualified({ name: t.column })}) AS count FROM ${rel.name}`))[0]?.count
      )
    );
    if (n !== void 0) e.nonNull = n;
    return e;
  }
  if (t.kind === "lock") {
    e.lockLevel = t.lockLevel;
    if (t.columns.length === 1) e.column = t.columns[0];
    return e;
  }
  if (t.kind === "rewrite") {
    e.column = t.column;
    e.lockLevel = "ACCESS EXCLUSIVE";
    if (e.rowsEstimated !== void 0) e.tableRows = e.rowsEstimated;
    e.notes.push(`ALTER COLUMN ${t.column} TYPE \u2026 USING computes every row's value again`);
    if (rel.plain && rel.reltuples < exactBelow)
      await exactCount2(p, e, `SELECT count(*) AS count FROM ${rel.name}`, void 0);
    return e;
  }
  e.lockLevel = "ACCESS EXCLUSIVE";
  if (!rel.plain) e.notes.push("not counted: not a plain table");
  else if (rel.reltuples < exactBelow)
    await exactCount2(p, e, `SELECT count(*) AS count FROM ${rel.name}`, void 0);
  else e.notes.push(`not counted exactly: estimated ${Math.round(rel.reltuples)} rows or more`);
  const deps = await attempt("dependents", e, () => dependents2(p, rel));
  if (deps) e.dependents = deps;
  return e;
}
function oneRow(t, facts) {
  if (facts.inherited && !t.only) return void 0;
  if (cascades2(t.kind, facts.cascade, t.sets)) return void 0;
  const key = facts.keys.find((k) => k.every((c) => t.pinned.includes(c)));
  return key && oneRowEstimate(t.kind, facts.name, "ROW EXCLUSIVE", key);
}
function modifiedRows(plan) {
  const node = plan;
  if (node["Node Type"] === "ModifyTable") {
    const child = node.Plans?.[0];
    return child?.["Plan Rows"];
  }
  for (const c of node.Plans ?? []) {
    const n = modifiedRows(c);
    if (n !== void 0) return n;
  }
  return void 0;
}
async function notEvaluable2(p, text, bodies) {
  const check = evaluation(text, bodies);
  if (check.unsafe) return check.unsafe;
  const named = (table, name, where, items) => items.length ? `(SELECT string_agg(DISTINCT ${name}::text, ', ') FROM pg_catalog.${table}
           WHERE ${name} = ANY(${pgTextArray(items)}) AND ${where})` : "NULL";
  const user = (table, name, ns, items) => named(
    table,
    name,
    `${ns} NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
    items
  );
  const names2 = [...new Set(check.proved.map((f) => f.name))];
  const hashes = check.proved.map((f) => createHash("md5").update(`${f.name}:${f.body}`).digest("hex"));
  const replaced = names2.length ? `(SELECT string_agg(DISTINCT p.proname::text, ', ') FROM pg_catalog.pg_proc p
         WHERE lower(p.proname) = ANY(${pgTextArray(names2)})
           AND p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
           AND md5(lower(p.proname) || ':' || p.prosrc) <> ALL(${pgTextArray(hashes)}))` : "NULL";
  const [r] = await p.rows(
    `SELECT ${replaced} AS replaced,
            ${user("pg_operator", "oprname", "oprnamespace", check.operators)} AS operators,
            ${user("pg_type", "typname", "typnamespace", check.types)} AS types,
            ${user("pg_proc", "proname", "pronamespace", check.builtins)} AS functions,
            ${named("pg_proc", "proname", "pronamespace = 'pg_catalog'::regnamespace", check.unlisted)} AS builtins,
            (SELECT string_agg(DISTINCT p.oid::regprocedure::text, ', ') FROM pg_catalog.pg_cast c
               JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc
              WHERE p.pronamespace <> 'pg_catalog'::regnamespace) AS casts,
            (SELECT string_agg(r, ', ') FROM unnest(${pgTextArray(check.relations)}) r
              WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                 WHERE c.oid = pg_catalog.to_regclass(r) AND c.relkind IN ('r', 'p', 'm'))) AS relations`
  );
  if (r?.replaced) return `${r.replaced} changed since its body was proved`;
  if (r?.operators) return `user-defined operators ${r.operators} are not proved free of side effects`;
  if (r?.types) return `user-defined types ${r.types} may run checks or functions`;
  if (r?.functions)
    return `user-defined functions named ${r.functions} may be called instead of the built-ins`;
  if (r?.builtins) return `built-in functions named ${r.builtins} may be called instead of the proved ones`;
  if (r?.casts) return `casts through user-defined functions ${r.casts} may run anything`;
  if (r?.relations) return `${r.relations} is not a plain table (a view or foreign table evaluates more)`;
  return null;
}
async function rowWise2(p, t, params2, bodies) {
  const e = blank2(t.kind, t.table);
  e.lockLevel = "ROW EXCLUSIVE";
  const cacheKey = pgQualified(t.table);
  const cached = t.pinned.length ? keyFacts.get(p.client, cacheKey) : void 0;
  const fromCache = cached && oneRow(t, cached);
  if (fromCache) return [fromCache];
  const withKeys = t.pinned.length > 0 && !cached;
  const rel = await attempt("table", e, () => relation(p, t.table, withKeys));
  if (rel && withKeys) {
    const facts = { name: rel.name, keys: rel.uniqueKeys, inherited: rel.inherited, cascade: rel.cascade };
    keyFacts.set(p.client, cacheKey, facts);
    const one = oneRow(t, facts);
    if (one) return [one];
  }
  if (t.params > 0 && params2 === void 0) throw new ValuesPending();
  if (rel) {
    e.table = rel.name;
    e.bytes = rel.bytes;
    if (rel.reltuples >= 0) e.tableRows = Math.round(rel.reltuples);
  }
  const unsafe = await attempt("rows", e, () => notEvaluable2(p, t.text, bodies));
  if (unsafe === void 0) return [e];
  if (unsafe !== null) {
    e.unavailable.push({ part: "rows", reason: `not evaluated: ${unsafe}` });
    return [e];
  }
  const planned = await attempt("rows", e, async () => {
    const [r] = await p.rows(`EXPLAIN (FORMAT JSON) ${t.text}`, params2);
    const doc = r?.["QUERY PLAN"];
    const json = typeof doc === "string" ? JSON.parse(doc) : doc;
    return modifiedRows(json[0]?.Plan);
  });
  if (planned !== void 0) e.rowsEstimated = planned;
  if ("reason" in t.count) e.unavailable.push({ part: "rowsExact", reason: t.count.reason });
  else await exactCount2(p, e, t.count.sql, params2);
  if (!rel || !cascades2(t.kind, rel.cascade, t.sets)) return [e];
  const cascaded = await attempt(
    "rows",
    e,
    () => cascadeEstimates(
      (sql, values) => p.rows(sql, values),
      { oid: rel.oid, kind: t.kind, sets: t.sets, count: t.rows },
      params2,
      (into, fn) => attempt("rowsExact", into, fn)
    )
  );
  if (cascaded) return [e, ...cascaded];
  const unknown = blank2(t.kind, { name: `tables cascaded from ${rel.name}` });
  unknown.unavailable.push(...e.unavailable.filter((u) => u.part === "rows"));
  return [e, unknown];
}
async function estimatePostgres(client, statementText, analysis, opts) {
  const lockHeavy = (i) => (analysis.statements[i]?.findings ?? analysis.findings).some((f) => f.category === "lock-heavy");
  await loadPostgresParser();
  const targets = pgTargets(statementText, lockHeavy);
  if (targets.length === 0) return [];
  const quick = targets.map((t) => {
    if (t.kind !== "delete" && t.kind !== "update" || !t.pinned.length) return void 0;
    const facts = keyFacts.get(client, pgQualified(t.table));
    return facts && oneRow(t, facts);
  });
  if (quick.every((e) => e !== void 0)) return quick;
  const budget = new Budget(opts.timeoutMs, opts.statementTimeoutMs ?? 2e3);
  return exclusive(client, async () => {
    const p = new PgProbe(client, budget, opts.lockTimeoutMs ?? 200);
    const exactBelow = opts.exactBelow ?? DEFAULT_EXACT_BELOW2;
    const out = [];
    for (const t of targets)
      if (t.kind === "delete" || t.kind === "update")
        out.push(...await rowWise2(p, t, opts.params, opts.bodies ?? noBodies));
      else out.push(await tableWide2(p, t, exactBelow));
    return out;
  });
}

// src/sql/migration/catalog-types.ts
function catalogColumns(dialect, columns) {
  const out = /* @__PURE__ */ new Map();
  for (const c of columns) {
    let type;
    if (c.labels) type = { ...columnType("enum", [], dialect, { labels: c.labels }), text: c.type };
    else {
      const probe = `CREATE TABLE guardrail_probe (c ${c.type})`;
      const events = dialect === "postgres" ? postgresEvents(probe, () => void 0) : mysqlEvents(probe, void 0);
      const table = events.find((e) => e.kind === "table");
      type = table?.kind === "table" ? table.columns[0]?.[1] : void 0;
    }
    if (type) out.set(c.name.toLowerCase(), c.notNull ? { ...type, notNull: true } : type);
  }
  return out;
}

// src/gateway/column-catalog.ts
var PG_QUERY = `
SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS "notNull",
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = a.atttypid) AS labels
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`;
var MYSQL_QUERY = `
SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE = 'NO' AS notNull
  FROM information_schema.COLUMNS
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`;
function postgresColumnQuery(side) {
  return async (table) => {
    const { rows } = await side.query(PG_QUERY, [table]);
    return rows.map((r) => ({
      name: String(r.name),
      type: String(r.type),
      notNull: r.notNull === true,
      ...Array.isArray(r.labels) ? { labels: r.labels.map(String) } : {}
    }));
  };
}
function mysqlColumnQuery(side) {
  return async (table) => {
    const [rows] = await side.query(MYSQL_QUERY, [table]);
    return rows.map((r) => ({
      name: String(r.name),
      type: String(r.type),
      notNull: Number(r.notNull) === 1
    }));
  };
}
var ColumnCatalog = class {
  constructor(dialect, query) {
    this.dialect = dialect;
    this.query = query;
  }
  dialect;
  query;
  tables = /* @__PURE__ */ new Map();
  needs(tables) {
    return tables.some((t) => !this.tables.has(t));
  }
  /** Reads the tables not read since the last invalidation; a failure leaves them unknown. */
  async prefetch(tables) {
    for (const t of tables) {
      if (this.tables.has(t)) continue;
      try {
        const cols = await this.query(t);
        this.tables.set(t, cols.length ? catalogColumns(this.dialect, cols) : void 0);
      } catch {
        this.tables.set(t, void 0);
      }
    }
  }
  columnsOf(table) {
    return this.tables.get(table);
  }
  invalidate() {
    this.tables.clear();
  }
};
var SessionColumns = class {
  constructor(catalog, dialect, ctx) {
    this.catalog = catalog;
    this.ctx = ctx;
    this.transactionalDdl = dialect === "postgres";
  }
  catalog;
  ctx;
  altered = /* @__PURE__ */ new Set();
  last;
  transactionalDdl;
  retyped(text) {
    if (this.last?.text !== text) this.last = { text, tables: retypedTables(text, this.ctx()) };
    return this.last.tables;
  }
  /** Tables to read from the catalog before `text` is analysed. */
  wanted(text) {
    const tables = this.retyped(text).filter((t) => !this.altered.has(t));
    return this.catalog.needs(tables) ? tables : [];
  }
  prefetch(tables) {
    return this.catalog.prefetch(tables);
  }
  columnsOf(table) {
    return this.altered.has(table) ? void 0 : this.catalog.columnsOf(table);
  }
  /** After `text` was judged; anything but a read may change the schema. */
  judged(text, readOnly, inTransaction) {
    if (!inTransaction) this.altered.clear();
    else if (this.transactionalDdl) for (const t of this.retyped(text)) this.altered.add(t);
    if (!readOnly) this.catalog.invalidate();
  }
};

// src/gateway/fired-catalog.ts
var MAX_TABLES_PER_READ = 500;
var FiredCatalog = class {
  /** `load(tables)`: what fires on each relation (named as statements name it); absent ones fire nothing. */
  constructor(load, opts = {}) {
    this.load = load;
    this.ttlMs = opts.ttlMs ?? 2e3;
    this.maxTables = opts.maxTables ?? 5e3;
    this.now = opts.now ?? Date.now;
  }
  load;
  entries = /* @__PURE__ */ new Map();
  ttlMs;
  maxTables;
  now;
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  generation = 0;
  /** Bumped whenever an answer changes (see FiredResolver.version). */
  version = 0;
  missing(tables) {
    const now = this.now();
    return tables.filter((t) => {
      const e = this.entries.get(t);
      return !e || now - e.at > this.ttlMs;
    });
  }
  needs(tables) {
    return this.missing(tables).length > 0;
  }
  /** Rejects when the catalog cannot be read: the statement is then refused. */
  async prefetch(tables) {
    const missing2 = this.missing(tables).slice(0, MAX_TABLES_PER_READ);
    if (missing2.length === 0) return;
    const generation = this.generation;
    const found = await this.load(missing2);
    if (generation !== this.generation) return;
    const at = this.now();
    for (const t of missing2) {
      const objects = found.get(t) ?? [];
      const before = this.entries.get(t);
      if (before ? JSON.stringify(before.objects) !== JSON.stringify(objects) : objects.length > 0)
        this.version++;
      this.entries.delete(t);
      this.entries.set(t, { objects, at });
    }
    while (this.entries.size > this.maxTables) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
  /** Served even when just expired: the statement being judged was read for a moment ago. */
  firedBy(table) {
    return this.entries.get(table)?.objects;
  }
  invalidate() {
    this.generation++;
    this.version++;
    this.entries.clear();
  }
};
var DATA_ONLY = /^(?:select|insert|update|delete|merge|copy|values|table|with|replace|load|explain|show|fetch|move|close|begin|start|commit|end|rollback|abort|savepoint|release|execute|deallocate|listen|unlisten|notify|lock|declare|checkpoint|analyze|vacuum|set\s+(?!search_path|schema|role|session))\b/i;
var CATALOG_WORDS = /\b(?:create|alter|drop|comment|grant|revoke|rename|import|execute|prepare)\b/i;
function mayChangeCatalog(analysis, text, reachedCode) {
  return analysis.opaque || analysis.statements.some((s) => !DATA_ONLY.test(s.canonical)) || CATALOG_WORDS.test(text) || reachedCode.some((c) => CATALOG_WORDS.test(c));
}

// src/gateway/mysql/fired-catalog.ts
var QUERY = `
SELECT 'trigger' AS k, EVENT_OBJECT_SCHEMA AS s, EVENT_OBJECT_TABLE AS t, TRIGGER_NAME AS n,
       EVENT_MANIPULATION AS e, ACTION_STATEMENT AS b
  FROM information_schema.TRIGGERS
 WHERE LOWER(EVENT_OBJECT_TABLE) IN (?)
UNION ALL
SELECT 'view', TABLE_SCHEMA, TABLE_NAME, TABLE_NAME, 'SELECT', VIEW_DEFINITION
  FROM information_schema.VIEWS
 WHERE LOWER(TABLE_NAME) IN (?)`;
var EVENTS = { INSERT: "i", UPDATE: "u", DELETE: "d", SELECT: "siud" };
function readings(name) {
  const parts = name.split(".");
  const out = [{ schema: void 0, table: name }];
  for (let k = 1; k < parts.length; k++)
    out.push({ schema: parts.slice(0, k).join("."), table: parts.slice(k).join(".") });
  return out;
}
async function loadMysqlFired(db, tables) {
  const wanted = tables.map(readings);
  const lower = [...new Set(wanted.flat().map((w) => w.table.toLowerCase()))];
  const [rows] = await db.query(QUERY, [lower, lower]);
  const out = /* @__PURE__ */ new Map();
  tables.forEach((name, i) => {
    const means = (r) => wanted[i].some(
      ({ schema, table }) => String(r.t).toLowerCase() === table.toLowerCase() && (schema === void 0 || String(r.s).toLowerCase() === schema.toLowerCase())
    );
    const objects = rows.filter(means).map(
      (r) => ({
        what: `${r.k} ${r.n}`,
        events: EVENTS[String(r.e).toUpperCase()] ?? "siud",
        // Empty or NULL: hidden from the side connection's account, code that cannot be read.
        ...r.b ? { sql: r.b } : { hidden: true },
        ...r.k === "view" ? { view: true } : {}
      })
    );
    if (objects.length > 0) out.set(name, objects);
  });
  return out;
}
var MysqlFiredCatalog = class extends FiredCatalog {
  constructor(db, opts = {}) {
    super((tables) => loadMysqlFired(db, tables), opts);
  }
};

// src/gateway/function-catalog.ts
var MAX_ROUNDS = 4;
var MAX_NAMES_PER_ROUND = 500;
var FunctionCatalogCache = class {
  /**
   * `load(names)`: every stored function or procedure with one of these lower-cased names.
   * `callsOf(fn)`: the names its body calls.
   */
  constructor(load, callsOf2, opts = {}) {
    this.load = load;
    this.callsOf = callsOf2;
    this.ttlMs = opts.ttlMs ?? 6e4;
    this.maxNames = opts.maxNames ?? 5e3;
    this.now = opts.now ?? Date.now;
  }
  load;
  callsOf;
  entries = /* @__PURE__ */ new Map();
  ttlMs;
  maxNames;
  now;
  fresh(name) {
    const e = this.entries.get(name);
    return e && this.now() - e.fetchedAt <= this.ttlMs ? e : void 0;
  }
  /**
   * Names reachable from `calls` through cached bodies that are not cached (fresh) themselves:
   * what the next round must fetch.
   */
  missing(calls) {
    const seen = /* @__PURE__ */ new Set();
    const out = [];
    const stack = calls.map((c) => c.name.toLowerCase());
    while (stack.length > 0) {
      const name = stack.pop();
      if (seen.has(name)) continue;
      seen.add(name);
      const e = this.fresh(name);
      if (e) stack.push(...e.calls);
      else out.push(name);
    }
    return out;
  }
  needs(calls) {
    return this.missing(calls).length > 0;
  }
  known(name) {
    return this.fresh(name.toLowerCase()) !== void 0;
  }
  /**
   * Loads the bodies of `calls` and of everything they call, to a fixed point within
   * MAX_ROUNDS round trips. Rejects when the catalog cannot be read: the caller must then refuse
   * the statement (a call it cannot see into is not judged). `rounds`: fewer round trips, when the
   * caller follows the fixed point itself (see ../resolve.ts).
   */
  async prefetch(calls, rounds = MAX_ROUNDS) {
    for (let round = 0; round < Math.min(rounds, MAX_ROUNDS); round++) {
      const missing2 = this.missing(calls).slice(0, MAX_NAMES_PER_ROUND);
      if (missing2.length === 0) return;
      await this.fetch(missing2);
    }
  }
  async fetch(missing2) {
    const rows = await this.load(missing2);
    const fetchedAt = this.now();
    const found = new Map(missing2.map((n) => [n, []]));
    for (const fn of rows) found.get(fn.name.toLowerCase())?.push(fn);
    for (const [name, bodies] of found) {
      const calls = [...new Set(bodies.flatMap((b) => this.callsOf(b).map((c) => c.toLowerCase())))];
      this.entries.delete(name);
      this.entries.set(name, { bodies, calls, fetchedAt });
    }
    while (this.entries.size > this.maxNames) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
  lookupAll(name, schema) {
    const bodies = this.entries.get(name.toLowerCase())?.bodies ?? [];
    return schema === void 0 ? bodies : bodies.filter((b) => b.schema === schema);
  }
  lookup(name, schema) {
    return this.lookupAll(name, schema)[0];
  }
  /** Forgets everything (after DDL that may have replaced functions). */
  invalidate() {
    this.entries.clear();
  }
};

// src/gateway/mysql/function-catalog.ts
var QUERY2 = `SELECT ROUTINE_SCHEMA AS s, ROUTINE_NAME AS n, ROUTINE_DEFINITION AS b
  FROM information_schema.ROUTINES WHERE LOWER(ROUTINE_NAME) IN (?)`;
var MysqlFunctionCatalog = class extends FunctionCatalogCache {
  constructor(db, opts = {}) {
    super(
      async (names2) => {
        const [rows] = await db.query(QUERY2, [names2]);
        return rows.map((r) => ({
          schema: String(r.s),
          name: String(r.n),
          language: r.b === null ? "hidden" : "sql",
          body: r.b ?? "",
          securityDefiner: false
        }));
      },
      (fn) => mysqlCalledFunctions(fn.body, { dialect: "mysql" }).map((c) => c.name),
      opts
    );
  }
};

// src/gateway/own-temporary.ts
var PERMANENT = `
SELECT DISTINCT c.relname AS name FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = ANY($1::text[]) AND c.relpersistence <> 't'`;
function temporaryName(table, temporary) {
  const parts = table.split(".");
  const bare = parts.at(-1);
  const named = parts.length === 1 || parts.length === 2 && parts[0] === "pg_temp";
  return named && temporary.has(bare) ? bare : void 0;
}
async function ownTemporaryEstimates(side, estimates, temporary) {
  const named = estimates.flatMap((e) => {
    const name = temporaryName(e.table, temporary);
    return name === void 0 ? [] : [{ e, name }];
  });
  if (named.length === 0) return /* @__PURE__ */ new Set();
  let permanent;
  try {
    const { rows } = await side.query(PERMANENT, [[...new Set(named.map((n) => n.name))]]);
    permanent = new Set(rows.map((r) => String(r.name)));
  } catch {
    return /* @__PURE__ */ new Set();
  }
  return new Set(named.filter((n) => !permanent.has(n.name)).map((n) => n.e));
}

// src/gateway/postgres/fired-catalog.ts
var MAX_DEPTH2 = 4;
var TREE = `rel(name, oid, m, skip, last, depth, seen) AS (
  SELECT named.name, named.oid, 'iudt'::text, false, 'self'::text, 0, ARRAY[named.oid::text || ':iudt']
    FROM named WHERE named.oid IS NOT NULL
  UNION ALL
  SELECT rel.name, e.child, e.m, rel.skip OR (rel.depth = 0 AND e.last = 'child'), e.last, rel.depth + 1,
         rel.seen || (e.child::text || ':' || e.m)
    FROM rel CROSS JOIN LATERAL (
      SELECT i.inhrelid AS child, CASE WHEN pc.relkind = 'p' THEN translate(rel.m, 'u', 'U') ELSE translate(rel.m, 'i', '-') END AS m,
             'child'::text AS last
        FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
       WHERE i.inhparent = rel.oid
      UNION ALL
      SELECT co.conrelid, translate(rel.m, 'iudtU', format('-%s%s-%1$s',
               CASE WHEN co.confupdtype IN ('c', 'n', 'd') THEN 'u' ELSE '-' END,
               CASE co.confdeltype WHEN 'c' THEN 'd' WHEN 'n' THEN 'u' WHEN 'd' THEN 'u' ELSE '-' END)),
             'fk'::text
        FROM pg_catalog.pg_constraint co WHERE co.contype = 'f' AND co.confrelid = rel.oid
    ) e
   WHERE rel.depth < ${MAX_DEPTH2} AND e.m <> '----' AND NOT (e.child::text || ':' || e.m) = ANY(rel.seen)
)`;
var LIMITS = "SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '10s'; ";
var QUOTE = "$guardrail_fired$";
var QUERY3 = `
WITH RECURSIVE req AS (
  SELECT r.name, r.schema, r.rel FROM jsonb_to_recordset($1) AS r(name text, schema text, rel text)
), named AS (
  SELECT DISTINCT req.name, c.oid FROM req
    JOIN pg_catalog.pg_class c ON c.relname = req.rel
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND CASE WHEN req.schema IS NULL THEN n.nspname NOT IN ('pg_catalog', 'information_schema')
              WHEN req.schema = 'pg_temp' THEN n.nspname LIKE 'pg\\_temp\\_%'
              ELSE n.nspname = req.schema END
),
${TREE},
dom AS (
  WITH RECURSIVE d(name, oid, col, typ, m, skip, last, depth) AS (
    SELECT rel.name, rel.oid, a.attname::text, a.atttypid, rel.m, rel.skip, rel.last, rel.depth
      FROM rel JOIN pg_catalog.pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT d.name, d.oid, d.col, t.typbasetype, d.m, d.skip, d.last, d.depth
      FROM d JOIN pg_catalog.pg_type t ON t.oid = d.typ AND t.typtype = 'd'
  ) SELECT * FROM d
)
SELECT rel.name AS rel, rel.m, rel.skip, rel.depth, rel.oid::regclass::text AS owner, 'trigger' AS kind, t.tgname::text AS label,
       concat(CASE WHEN t.tgtype & 4 <> 0 THEN 'i' END, CASE WHEN t.tgtype & 8 <> 0 THEN 'd' END,
              CASE WHEN t.tgtype & 16 <> 0 THEN 'u' END, CASE WHEN t.tgtype & 32 <> 0 THEN 't' END) AS events,
       n.nspname::text AS fn_schema, p.proname::text AS fn_name, NULL::text AS body
  FROM rel JOIN pg_catalog.pg_trigger t ON t.tgrelid = rel.oid
  JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND rel.depth < ${MAX_DEPTH2}
   -- A partition's clone of its parent's trigger is the parent's, judged there.
   AND NOT (rel.last = 'child' AND t.tgparentid <> 0)
UNION ALL
-- Rules apply to the relation a query names, not to its children; an RI query names the child.
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, CASE WHEN r.rulename = '_RETURN' THEN 'view' ELSE 'rule' END, r.rulename::text,
       CASE r.ev_type WHEN '1' THEN CASE WHEN r.rulename = '_RETURN' THEN 'siud' ELSE 's' END
                      WHEN '2' THEN 'u' WHEN '3' THEN 'i' ELSE 'd' END,
       NULL, NULL,
       CASE WHEN r.rulename = '_RETURN' THEN pg_catalog.pg_get_viewdef(rel.oid) ELSE pg_catalog.pg_get_ruledef(r.oid) END
  FROM rel JOIN pg_catalog.pg_rewrite r ON r.ev_class = rel.oid
 WHERE r.ev_enabled <> 'D' AND rel.last <> 'child' AND rel.depth < ${MAX_DEPTH2}
UNION ALL
-- Policies of the relation named only: children's are not applied, RI queries bypass them.
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, 'policy', pol.polname::text,
       CASE pol.polcmd WHEN 'a' THEN 'i' WHEN 'w' THEN 'u' WHEN 'd' THEN 'd' ELSE 'siud' END,
       NULL, NULL,
       concat_ws(' AND ', pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
                          pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid))
  FROM rel JOIN pg_catalog.pg_class c ON c.oid = rel.oid AND c.relrowsecurity
  JOIN pg_catalog.pg_policy pol ON pol.polrelid = rel.oid
 WHERE rel.depth = 0
UNION ALL
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, CASE WHEN a.attgenerated = '' THEN 'default' ELSE 'generated column' END, a.attname::text,
       'iu', NULL, NULL, pg_catalog.pg_get_expr(d.adbin, d.adrelid)
  FROM rel JOIN pg_catalog.pg_attrdef d ON d.adrelid = rel.oid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum AND NOT a.attisdropped
 WHERE rel.depth < ${MAX_DEPTH2}
UNION ALL
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, 'check', co.conname::text, 'iu', NULL, NULL, pg_catalog.pg_get_expr(co.conbin, co.conrelid)
  FROM rel JOIN pg_catalog.pg_constraint co ON co.conrelid = rel.oid AND co.contype = 'c'
 WHERE rel.depth < ${MAX_DEPTH2}
UNION ALL
SELECT dom.name, dom.m, dom.skip, dom.depth, dom.oid::regclass::text, 'domain check', format('%s (column %s)', co.conname, dom.col), 'iu', NULL, NULL,
       pg_catalog.pg_get_expr(co.conbin, 0)
  FROM dom JOIN pg_catalog.pg_constraint co ON co.contypid = dom.typ AND co.contype = 'c'
 WHERE dom.depth < ${MAX_DEPTH2}
UNION ALL
-- Relations the bound on depth left unread: what fires there is unknown.
SELECT DISTINCT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, 'unread', format('relations beyond %s (%s levels of child tables and cascades)', rel.oid::regclass, ${MAX_DEPTH2}),
       '', NULL, NULL, NULL
  FROM rel WHERE rel.depth = ${MAX_DEPTH2}`;
function readings2(name) {
  const parts = name.split(".");
  const out = [{ name, schema: null, rel: name }];
  for (let k = 1; k < parts.length; k++)
    for (let j = 0; j < k; j++)
      out.push({ name, schema: parts.slice(j, k).join("."), rel: parts.slice(k).join(".") });
  return out;
}
function objectOf(r, events) {
  const what = r.depth > 0 ? `${r.kind} ${r.label} on ${r.owner}` : `${r.kind} ${r.label}`;
  const base = { what, events, ...r.skip ? { descendant: true } : {} };
  if (r.kind === "unread") return { ...base, what: r.label, hidden: true };
  if (r.kind === "trigger")
    return { ...base, fn: { name: r.fn_name ?? "", ...r.fn_schema ? { schema: r.fn_schema } : {} } };
  if (r.kind === "view") return { ...base, sql: r.body ?? "", view: true };
  if (r.kind === "rule") return { ...base, sql: r.body ?? "" };
  return { ...base, expr: r.body ?? "NULL" };
}
function eventsThrough(r) {
  if (r.depth === 0) return r.events;
  let out = "";
  [..."iudt"].forEach((e, i) => {
    const there = r.m[i];
    const fires = [...there === "U" ? "uid" : there].some((c) => r.events.includes(c));
    if (there !== "-" && (r.kind === "unread" || fires)) out += e;
  });
  return out;
}
async function loadPostgresFired(db, tables) {
  const json = JSON.stringify(tables.flatMap(readings2));
  if (json.includes(QUOTE))
    throw new GuardrailError("a relation name in the statement cannot be looked up in the catalog", {
      code: "ERR_CATALOG_READ"
    });
  const results = await db.query(
    LIMITS + QUERY3.replace("$1", () => `${QUOTE}${json}${QUOTE}::jsonb`)
  );
  const { rows } = Array.isArray(results) ? results.at(-1) : results;
  const out = /* @__PURE__ */ new Map();
  for (const r of rows) {
    if (r.kind !== "trigger" && r.kind !== "unread" && !r.body) continue;
    const events = eventsThrough(r);
    if (!events) continue;
    const list2 = out.get(r.rel) ?? [];
    const object = objectOf(r, events);
    if (!list2.some((o) => JSON.stringify(o) === JSON.stringify(object))) list2.push(object);
    out.set(r.rel, list2);
  }
  return out;
}
var PostgresFiredCatalog = class extends FiredCatalog {
  constructor(db, opts = {}) {
    super((tables) => loadPostgresFired(db, tables), opts);
  }
};

// src/gateway/postgres/function-catalog.ts
var QUERY4 = `
SELECT n.nspname AS schema, p.proname AS name, l.lanname AS language,
       p.prosrc AS body, p.prosecdef AS secdef,
       CASE WHEN p.prokind IN ('f', 'p') AND l.lanname NOT IN ('internal', 'c')
            THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
           AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e' LIMIT 1) AS extension
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE lower(p.proname) = ANY($1::text[])
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;
var PostgresFunctionCatalog = class extends FunctionCatalogCache {
  constructor(db, opts = {}) {
    super(
      async (names2) => (await db.query(QUERY4, [names2])).rows.map((raw) => ({
        schema: raw.schema,
        name: raw.name,
        language: raw.language,
        body: raw.body ?? "",
        securityDefiner: raw.secdef,
        ...raw.definition ? { definition: raw.definition } : {},
        ...raw.extension ? { extension: raw.extension } : {}
      })),
      (fn) => functionCalls(fn).map((c) => c.name),
      opts
    );
  }
};

// src/sql/postgres/sequence-use.ts
var ANY_WRITE = "*";
var BODY_CALLS = /\b(?:nextval|setval)\s*\(/i;
var last;
function parse(text) {
  if (last?.text === text) return last.statements;
  let statements;
  try {
    statements = parseSql(text).map((s) => s.stmt);
  } catch {
    statements = [];
  }
  last = { text, statements };
  return statements;
}
function names(list2, key) {
  return asList(list2).map((item) => {
    const n = asNode(item);
    return str(asNode(n?.ResTarget)?.[key] ?? asNode(n?.String)?.[key]);
  }).filter((s) => s !== void 0);
}
function relname(v) {
  const n = asNode(v);
  return str((asNode(n?.RangeVar) ?? n)?.relname);
}
function visit(v, f) {
  if (Array.isArray(v)) for (const x of v) visit(x, f);
  else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) {
      const n = asNode(x);
      if (n && /^[A-Z]/.test(k)) f(k, n);
      visit(x, f);
    }
}
function insertLike(verb, table, cols, node) {
  return {
    verb,
    relname: table,
    inserts: true,
    ...cols.length > 0 ? { supplied: cols } : {},
    defaults: contains(node, "SetToDefault") || str(node.override) === "OVERRIDING_USER_VALUE"
  };
}
function changeOf(verb, table, node) {
  return { verb, relname: table, inserts: false, defaults: contains(node, "SetToDefault") };
}
function rowWrites(text) {
  const out = [];
  visit(parse(text), (type, n) => {
    const table = relname(n.relation);
    if (!table) return;
    if (type === "InsertStmt") out.push(insertLike("INSERT", table, names(n.cols, "name"), n));
    else if (type === "CopyStmt" && n.is_from === true)
      out.push(insertLike("COPY", table, names(n.attlist, "sval"), {}));
    else if (type === "UpdateStmt") out.push(changeOf("UPDATE", table, n));
    else if (type === "DeleteStmt") out.push(changeOf("DELETE", table, n));
    else if (type === "MergeStmt")
      for (const w of asList(n.mergeWhenClauses)) {
        const c = asNode(asNode(w)?.MergeWhenClause);
        if (!c) continue;
        out.push(
          str(c.commandType) === "CMD_INSERT" ? insertLike("MERGE", table, names(c.targetList, "name"), c) : changeOf("MERGE", table, c)
        );
      }
  });
  return out;
}
function movesSequence(w, columns) {
  const what = `${w.verb} ${w.relname}`;
  if (columns === void 0) return `${what}: its column defaults could not be read`;
  if (columns.includes(ANY_WRITE)) return `${what}: a trigger on it calls nextval() or setval()`;
  if (columns.length === 0) return void 0;
  if (w.defaults) return `${what}: writes DEFAULT, and ${columns.join(", ")} draws from a sequence`;
  if (!w.inserts) return void 0;
  const missing2 = w.supplied === void 0 ? columns : columns.filter((c) => !w.supplied.includes(c));
  return missing2.length > 0 ? `${what}: ${missing2.join(", ")} draws from a sequence` : void 0;
}
var PLAIN_DEFAULTS = /* @__PURE__ */ new Set([
  "now",
  "clock_timestamp",
  "statement_timestamp",
  "transaction_timestamp",
  "timeofday",
  "gen_random_uuid",
  "random"
]);
function callsBeyondPlain(node) {
  let found = false;
  visit(node, (type, n) => {
    if (type !== "FuncCall") return;
    const name = nameList(n.funcname).replace(/^pg_catalog\./, "");
    if (!PLAIN_DEFAULTS.has(name)) found = true;
  });
  return found;
}
function ownSequenceDdl(text) {
  const out = [];
  for (const stmt of parse(text)) {
    const create = asNode(stmt.CreateStmt);
    const alter = asNode(stmt.AlterTableStmt);
    const trigger = asNode(stmt.CreateTrigStmt);
    const node = create ?? alter ?? trigger;
    const table = relname(node?.relation);
    if (!node || !table) continue;
    const risky = trigger !== void 0 || callsBeyondPlain(node) || contains(node, "TableLikeClause") || asList(create?.inhRelations).length > 0 || create?.partbound !== void 0 || asList(alter?.cmds).some((c) => str(asNode(asNode(c)?.AlterTableCmd)?.subtype) === "AT_AddInherit");
    if (risky) out.push(table);
  }
  return out;
}
function callsSequenceFunction(node) {
  let found = false;
  visit(node, (type, n) => {
    if (type === "FuncCall" && /^(?:pg_catalog\.)?(?:nextval|setval)$/.test(nameList(n.funcname)))
      found = true;
  });
  return found;
}
function sequenceFunctionsDefined(text) {
  const out = [];
  for (const stmt of parse(text)) {
    const fn = asNode(stmt.CreateFunctionStmt);
    if (!fn) continue;
    const body2 = asList(fn.options).some((o) => {
      const d = asNode(asNode(o)?.DefElem);
      return str(d?.defname) === "as" && BODY_CALLS.test(JSON.stringify(d?.arg));
    });
    if (body2 || callsSequenceFunction(fn.sql_body))
      out.push((nameList(fn.funcname).split(".").pop() ?? "").toLowerCase());
  }
  return out;
}
function bodyMovesSequences(body2) {
  return BODY_CALLS.test(body2);
}

// src/gateway/postgres/sequence-catalog.ts
var TTL_MS = 3e4;
var MAX_FUNCTIONS = 200;
var QUERY5 = `
SELECT c.relname AS t, a.attname AS c
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relname = ANY($1::text[])
   AND (a.attidentity <> ''
        OR pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~* '(nextval|setval)\\s*\\('
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                    WHERE x.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND x.objid = d.oid
                      AND x.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass))
UNION ALL
SELECT c.relname, '${ANY_WRITE}'
  FROM pg_catalog.pg_trigger g
  JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
  JOIN pg_catalog.pg_proc p ON p.oid = g.tgfoid
 WHERE c.relname = ANY($1::text[]) AND NOT g.tgisinternal AND p.prosrc ~* '(nextval|setval)\\s*\\('`;
function callsOf(text, ctx) {
  try {
    return calledFunctions(text, ctx);
  } catch {
    return [];
  }
}
var SequenceCatalog = class {
  constructor(side) {
    this.side = side;
  }
  side;
  tables = /* @__PURE__ */ new Map();
  sessions = /* @__PURE__ */ new WeakMap();
  facts(ctx) {
    let f = this.sessions.get(ctx);
    if (!f) this.sessions.set(ctx, f = { marked: /* @__PURE__ */ new Set(), movers: /* @__PURE__ */ new Set() });
    return f;
  }
  /**
   * Before a statement is judged, once the bodies of the functions it calls are cached: notes
   * what it defines, follows its calls, and reads the tables it writes. A promise when the side
   * connection must be asked.
   */
  prefetch(text, ctx) {
    const f = this.facts(ctx);
    for (const t of ownSequenceDdl(text)) f.marked.add(t);
    for (const name of sequenceFunctionsDefined(text)) f.movers.add(name);
    this.follow(text, ctx, f);
    const now = Date.now();
    const wanted = [...new Set(rowWrites(text).map((w) => w.relname))].filter((t) => {
      const hit = this.tables.get(t);
      return !f.marked.has(t) && (hit === void 0 || now - hit.at > TTL_MS);
    });
    return wanted.length > 0 ? this.read(wanted) : void 0;
  }
  async read(tables) {
    const at = Date.now();
    try {
      const { rows } = await this.side.query(QUERY5, [tables]);
      const found = new Map(tables.map((t) => [t, []]));
      for (const r of rows) found.get(r.t)?.push(r.c);
      for (const [t, columns] of found) this.tables.set(t, { columns, at });
    } catch {
      for (const t of tables) this.tables.set(t, { columns: void 0, at });
    }
  }
  /** The user functions the text calls whose bodies, through their own calls, name a sequence function. */
  follow(text, ctx, f) {
    const bodiesOf = sessionBodies(ctx.memory, ctx.functions);
    for (const call of callsOf(text, ctx)) {
      const name = call.name.toLowerCase();
      if (f.movers.has(name)) continue;
      const seen = /* @__PURE__ */ new Set();
      const queue = [call];
      while (queue.length > 0) {
        const next = queue.shift();
        const key = `${next.schema ?? ""}.${next.name.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const bodies = bodiesOf(next.name.toLowerCase(), next.schema);
        if (seen.size > MAX_FUNCTIONS || f.movers.has(next.name.toLowerCase()) || bodies.some((b) => bodyMovesSequences(b.definition ?? b.body))) {
          f.movers.add(name);
          break;
        }
        for (const b of bodies) queue.push(...functionCalls(b));
      }
    }
  }
  /** Why running this statement (one of a judged input) would move a sequence, or undefined. */
  reason(text, ctx) {
    const f = this.facts(ctx);
    for (const w of rowWrites(text)) {
      if (f.marked.has(w.relname))
        return `${w.verb} ${w.relname}: this dry run gave it defaults or triggers that may draw from a sequence`;
      const why = movesSequence(w, this.tables.get(w.relname)?.columns);
      if (why) return why;
    }
    const mover = callsOf(text, ctx).find((c) => f.movers.has(c.name.toLowerCase()));
    return mover ? `calls ${mover.name}(), which calls nextval() or setval()` : void 0;
  }
};

// src/gateway/secret-recorder.ts
var MAX_SECRET_READS = 4096;
var SecretScrubbingRecorder = class {
  constructor(inner, secrets, secretColumns) {
    this.inner = inner;
    this.secrets = secrets;
    this.secretColumns = secretColumns;
  }
  inner;
  secrets;
  secretColumns;
  secretReads = /* @__PURE__ */ new Set();
  record(conn, event) {
    let e = event;
    if (e.type === "statement" && SECRET_NAME.test(e.text)) this.rememberSecretRead(e.id);
    if (e.type === "rows") {
      const sample = this.secretReads.has(e.id) ? e.sample.map((row) => row.map((v) => v === null ? null : REDACTED_VALUE)) : this.secretColumns(e.columns, e.sample);
      if (sample !== e.sample) e = { ...e, sample };
    }
    this.inner.record(conn, this.secrets.scrubDeep(e));
  }
  rememberSecretRead(id) {
    if (this.secretReads.size >= MAX_SECRET_READS) {
      const oldest = this.secretReads.values().next().value;
      if (oldest !== void 0) this.secretReads.delete(oldest);
    }
    this.secretReads.add(id);
  }
  flush() {
    this.inner.flush();
  }
  close() {
    this.inner.close();
  }
  get failed() {
    return this.inner.failed;
  }
};

// src/gateway/syntax-check.ts
function postgresSyntaxCheck(side) {
  return async (text, ctx) => {
    if (ctx.postgres?.standardConformingStrings === false) return void 0;
    try {
      await side.parse(text);
    } catch (err) {
      if (err instanceof esm_default.DatabaseError && err.code === "42601" && err.position)
        return { code: err.code, message: err.message, position: err.position };
    }
    return void 0;
  };
}
var ER_PARSE_ERROR = 1064;
var ER_SYNTAX_ERROR = 1149;
function mysqlSyntaxCheck(side) {
  return async (text, ctx) => {
    try {
      await side.prepare(text, ctx.sqlMode);
    } catch (err) {
      const e = err;
      if ((e.errno === ER_PARSE_ERROR || e.errno === ER_SYNTAX_ERROR) && e.sqlMessage)
        return { code: e.sqlState ?? "42000", errno: e.errno, message: e.sqlMessage };
    }
    return void 0;
  };
}

// src/gateway/context.ts
var IMPACT_TIMEOUT_MS = 3e3;
var TEXTS_CACHED = 512;
var CACHED_TEXT_MAX = 4096;
function byText(text, ctx, cache, compute) {
  if (text.length > CACHED_TEXT_MAX) return compute();
  const key = ctx?.sqlMode ? `${ctx.sqlMode}\0${text}` : text;
  let v = cache.get(key);
  if (v === void 0) {
    v = compute();
    cache.set(key, v);
  }
  return v;
}
function estimator(side, policy) {
  const threshold = {
    rows: policy.massChangeThreshold,
    ...policy.massChangeShare > 0 ? { percent: policy.massChangeShare, minTableRows: policy.massChangeMinTableRows } : {}
  };
  return async (text, analysis, ctx, values) => {
    if (analysis.temporaryTarget) return { record: { temporaryTable: analysis.temporaryTarget } };
    const opts = {
      timeoutMs: IMPACT_TIMEOUT_MS,
      ...ctx.sqlMode ? { sqlMode: ctx.sqlMode } : {},
      ...values ? { params: values } : {},
      bodies: sessionBodies(ctx.memory, ctx.functions)
    };
    let estimates;
    try {
      estimates = side.dialect === "postgres" ? await estimatePostgres(side.connection, text, analysis, opts) : await estimateMysql(side.connection, text, analysis, opts);
    } catch (err) {
      if (!(err instanceof ValuesPending)) throw err;
      return {
        record: { pending: "placeholders: estimated at each execution, with its values" },
        pending: true
      };
    }
    const temporary = ctx.memory?.temporaryTables;
    const own = temporary && side.dialect === "postgres" ? await ownTemporaryEstimates(side.connection, estimates, temporary) : void 0;
    const judged = own ? estimates.filter((e) => !own.has(e)) : estimates;
    const finding2 = massChangeFinding(judged, threshold);
    return { record: impactRecord(estimates), ...finding2 ? { finding: finding2 } : {} };
  };
}
function betweenEstimates(side, check) {
  return (text, ctx) => exclusive(side, () => check(text, ctx));
}
async function createGatewayContext(opts) {
  await loadAnalyzers();
  const { policy, dialect } = opts;
  const masking = compileMasking(policy.masking);
  const mode = opts.mode ?? policy.mode;
  const secrets = new KnownSecrets();
  const redactions = new Lru(TEXTS_CACHED);
  const secretPositions = new Lru(TEXTS_CACHED);
  const lexing = (ctx) => ctx?.sqlMode ? { sqlMode: ctx.sqlMode } : {};
  return {
    dialect,
    mode,
    analyze,
    decide: (analysis) => decide(analysis, policy),
    recorder: new SecretScrubbingRecorder(opts.recorder, secrets, masking.redactSecretColumns),
    ...opts.approvals ? { approvals: opts.approvals } : {},
    preapproved: new Set(opts.preapproved ?? []),
    approvalTimeoutMs: opts.approvalTimeoutMs ?? policy.approvals.timeoutMs,
    ...opts.job ? { job: opts.job } : {},
    database: opts.database,
    redact: (text, ctx) => byText(text, ctx, redactions, () => {
      const redacted = masking.redactStatement(text, dialect, lexing(ctx));
      if (redacted !== text)
        for (const v of masking.secretValues(text, dialect, lexing(ctx))) secrets.add(v);
      return redacted;
    }),
    redactParams: (params2, text, ctx) => {
      const secret = byText(
        text,
        ctx,
        secretPositions,
        () => masking.secretParams(text, dialect, lexing(ctx))
      );
      const redacted = masking.redactParams(params2, secret);
      redacted.forEach((r, i) => {
        const clear = masking.paramText(params2[i]);
        if (clear !== void 0 && r !== clear && r !== params2[i]) secrets.add(clear);
      });
      return redacted;
    },
    redactMessage: (text) => masking.redactMessage(text),
    masking,
    ...opts.side ? { impact: estimator(opts.side, policy) } : {},
    ...opts.side?.dialect === "postgres" ? {
      functions: new PostgresFunctionCatalog(opts.side.connection),
      fired: new PostgresFiredCatalog(opts.side.connection),
      reach: reachedPostgres,
      syntaxCheck: betweenEstimates(opts.side.connection, postgresSyntaxCheck(opts.side.connection)),
      ...mode === "dry-run" ? { sequences: new SequenceCatalog(opts.side.connection) } : {}
    } : opts.side?.dialect === "mysql" ? {
      functions: new MysqlFunctionCatalog(opts.side.connection),
      fired: new MysqlFiredCatalog(opts.side.connection),
      reach: mysqlReached,
      syntaxCheck: betweenEstimates(opts.side.connection, mysqlSyntaxCheck(opts.side.connection))
    } : {},
    ...opts.side ? {
      columns: new ColumnCatalog(
        dialect,
        opts.side.dialect === "postgres" ? postgresColumnQuery(opts.side.connection) : mysqlColumnQuery(opts.side.connection)
      )
    } : {}
  };
}

// src/gateway/mysql/upstream-options.ts
import { readFileSync } from "node:fs";
var MODES = {
  disable: "disable",
  disabled: "disable",
  prefer: "prefer",
  preferred: "prefer",
  require: "require",
  required: "require",
  "verify-ca": "verify-ca",
  verify_ca: "verify-ca",
  "verify-full": "verify-full",
  "verify-identity": "verify-full",
  verify_identity: "verify-full"
};
function parseUpstreamUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new GuardrailError("upstream is not a URL: expected mysql://user:password@host:port/database", {
      code: "ERR_UPSTREAM_CONFIG"
    });
  }
  if (url.protocol !== "mysql:" && url.protocol !== "mariadb:")
    throw new GuardrailError(`upstream URL scheme ${url.protocol} is not mysql: or mariadb:`, {
      code: "ERR_UPSTREAM_CONFIG"
    });
  if (!url.hostname) throw new GuardrailError("upstream URL has no host", { code: "ERR_UPSTREAM_CONFIG" });
  if (!url.username) throw new GuardrailError("upstream URL has no user", { code: "ERR_UPSTREAM_CONFIG" });
  const q = url.searchParams;
  const rawMode = (q.get("ssl-mode") ?? q.get("sslmode") ?? "prefer").toLowerCase();
  const sslMode = MODES[rawMode];
  if (!sslMode)
    throw new GuardrailError(
      `unknown ssl-mode ${rawMode}: use disable, prefer, require, verify-ca or verify-full`,
      { code: "ERR_UPSTREAM_CONFIG" }
    );
  const caPath = q.get("ssl-ca") ?? q.get("sslrootcert");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const config = {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    sslMode,
    ...database ? { database } : {}
  };
  if (caPath) config.ca = readFileSync(caPath, "utf8");
  if ((sslMode === "verify-ca" || sslMode === "verify-full") && !config.ca)
    throw new GuardrailError(`ssl-mode=${sslMode} needs ssl-ca=<file>`, { code: "ERR_UPSTREAM_CONFIG" });
  const keyPath = q.get("server-public-key-path");
  if (keyPath) config.serverPublicKey = readFileSync(keyPath, "utf8");
  return config;
}
function describeUpstream(c) {
  return `${c.host}:${c.port}/${c.database ?? ""}`;
}

// src/gateway/postgres/upstream-options.ts
import { readFileSync as readFileSync2 } from "node:fs";
var SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full"];
function parseUpstreamUrl2(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new GuardrailError("upstream is not a valid postgres:// URL", { code: "ERR_UPSTREAM_CONFIG" });
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:")
    throw new GuardrailError(`upstream URL must start with postgres://, not ${u.protocol}//`, {
      code: "ERR_UPSTREAM_CONFIG"
    });
  const q = u.searchParams;
  const hostParam = q.get("host");
  const sslmode = q.get("sslmode") ?? void 0;
  const opts = {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || q.get("user") || "postgres",
    database: decodeURIComponent(u.pathname.slice(1)) || q.get("dbname") || "postgres"
  };
  if (hostParam?.startsWith("/")) opts.socketDir = hostParam;
  const password = u.password ? decodeURIComponent(u.password) : q.get("password");
  if (password) opts.password = password;
  if (sslmode) opts.sslmode = sslmode;
  const rootcert = q.get("sslrootcert");
  if (rootcert) opts.sslrootcert = rootcert;
  return opts;
}
function upstreamConfig(input) {
  const o = typeof input === "string" ? parseUpstreamUrl2(input) : input;
  const sslmode = o.sslmode ?? "prefer";
  if (!SSL_MODES.includes(sslmode))
    throw new GuardrailError(`unknown sslmode ${sslmode}: use ${SSL_MODES.join(", ")}`, {
      code: "ERR_UPSTREAM_CONFIG"
    });
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
    throw new GuardrailError(`invalid upstream port ${o.port}`, { code: "ERR_UPSTREAM_CONFIG" });
  let ca;
  if (o.sslrootcert) {
    try {
      ca = readFileSync2(o.sslrootcert, "utf8");
    } catch (err) {
      throw new GuardrailError(`cannot read sslrootcert ${o.sslrootcert}: ${err.message}`, {
        code: "ERR_UPSTREAM_CONFIG"
      });
    }
  }
  return {
    host: o.host,
    port: o.port,
    user: o.user,
    database: o.database,
    sslmode,
    ...o.socketDir ? { socketDir: o.socketDir } : {},
    ...o.password !== void 0 ? { password: o.password } : {},
    ...ca ? { ca } : {}
  };
}
function describeUpstream2(c) {
  return `${c.socketDir ?? c.host}:${c.port}/${c.database}`;
}

// src/gateway/side-connection.ts
var import_promise = __toESM(require_promise(), 1);
function tlsFor(mode, ca) {
  switch (mode) {
    case "disable":
    case "prefer":
      return void 0;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      return { ...ca ? { ca } : {}, checkServerIdentity: () => void 0 };
    case "verify-full":
      return ca ? { ca } : {};
  }
}
var SIDE_RETRY_MS = { first: 100, max: 5e3 };
var Reconnecting = class {
  constructor(link) {
    this.link = link;
  }
  link;
  conn;
  failures = 0;
  retryAt = 0;
  lastError;
  async use(fn) {
    const pending = this.connection();
    const conn = await pending;
    try {
      return await fn(conn);
    } catch (err) {
      if (this.link.broken(err)) this.drop(pending);
      throw err;
    }
  }
  async close() {
    const pending = this.conn;
    this.conn = void 0;
    const conn = await pending?.catch(() => void 0);
    if (conn) await this.link.end(conn).catch(() => {
    });
  }
  connection() {
    if (this.conn) return this.conn;
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      return Promise.reject(
        new GuardrailError(
          `the side connection to the upstream is down (${this.lastError?.message}); the next attempt is in ${wait} ms`,
          { code: "ERR_SIDE_CONNECTION" }
        )
      );
    }
    const attempt2 = this.link.open(() => this.drop(attempt2)).then(
      (conn) => {
        this.failures = 0;
        return conn;
      },
      (err) => {
        this.failures++;
        this.lastError = err instanceof Error ? err : new GuardrailError(String(err), { code: "ERR_SIDE_CONNECTION" });
        this.retryAt = Date.now() + Math.min(SIDE_RETRY_MS.first * 2 ** (this.failures - 1), SIDE_RETRY_MS.max);
        this.drop(attempt2);
        throw err;
      }
    );
    this.conn = attempt2;
    return attempt2;
  }
  /** Forgets `which` if it is still the current connection (a newer one is left alone). */
  drop(which) {
    if (this.conn !== which) return;
    this.conn = void 0;
    which.then((c) => this.link.end(c)).catch(() => {
    });
  }
};
var ParseOnly = class {
  constructor(text, done) {
    this.text = text;
    this.done = done;
  }
  text;
  done;
  submit(connection) {
    connection.parse({ text: this.text, name: "", types: [] });
    connection.sync();
  }
  /** pg ends the query at the error (the ReadyForQuery after it goes to no query). */
  handleError(err) {
    this.done(err);
  }
  handleReadyForQuery() {
    this.done(void 0);
  }
};
function postgresSide(upstream) {
  const c = upstreamConfig(upstream);
  const side = new Reconnecting({
    async open(lost) {
      const ssl = tlsFor(c.sslmode, c.ca);
      const next = new esm_default.Client({
        host: c.socketDir ?? c.host,
        port: c.port,
        user: c.user,
        database: c.database,
        application_name: "guardrail side connection",
        ...c.password !== void 0 ? { password: c.password } : {},
        ...ssl ? { ssl } : {}
      });
      next.on("error", lost);
      next.on("end", lost);
      await next.connect();
      return next;
    },
    // A statement's own error leaves the connection usable; anything else, or a FATAL (the
    // backend was terminated), does not.
    broken: (err) => !(err instanceof esm_default.DatabaseError) || err.severity === "FATAL",
    end: (conn) => conn.end()
  });
  return {
    query: (text, values) => side.use((conn) => conn.query(text, values)),
    parse: (text) => side.use(
      (conn) => new Promise((resolve2, reject) => {
        conn.query(new ParseOnly(text, (err) => err ? reject(err) : resolve2()));
      })
    ),
    close: () => side.close()
  };
}
function mysqlSide(upstream) {
  const c = parseUpstreamUrl(upstream);
  const side = new Reconnecting({
    async open(lost) {
      const ssl = tlsFor(c.sslMode, c.ca);
      const next = await import_promise.default.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        ...c.database ? { database: c.database } : {},
        ...ssl ? { ssl } : {}
      });
      next.on("error", lost);
      next.on("end", lost);
      return next;
    },
    // mysql2 marks errors that end the connection (lost, killed) as fatal.
    broken: (err) => !("sqlState" in err) || err.fatal === true,
    end: (conn) => conn.end()
  });
  return {
    query: (sql, values) => side.use((conn) => conn.query(sql, values)),
    prepare: (sql, sqlMode) => side.use((conn) => prepareUnder(conn, sql, sqlMode)),
    close: () => side.close()
  };
}
async function prepareUnder(conn, sql, sqlMode) {
  if (sqlMode === void 0) return (await conn.prepare(sql)).close();
  const [set, prepared, reset] = await Promise.allSettled([
    conn.query("SET SESSION sql_mode = ?", [sqlMode]),
    conn.prepare(sql),
    conn.query("SET SESSION sql_mode = DEFAULT")
  ]);
  if (prepared.status === "fulfilled") prepared.value.close();
  if (reset.status === "rejected") throw reset.reason;
  if (set.status === "rejected") throw set.reason;
  if (prepared.status === "rejected") throw prepared.reason;
}
async function openSideEarly(side, report) {
  await side.query("SELECT 1").catch((err) => {
    report(`the side connection could not be opened yet: ${err.message}`);
  });
}

// src/gateway/postgres/listener.ts
import { randomBytes as randomBytes4 } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join as join3 } from "node:path";

// src/gateway/resolve.ts
var MAX_ROUNDS2 = 5;
function missing(c, r) {
  const reads = [];
  if (c.functions && r.calls.length > 0 && c.functions.needs(r.calls))
    reads.push(c.functions.prefetch(r.calls, 1));
  if (c.fired && r.relations.length > 0 && c.fired.needs(r.relations))
    reads.push(c.fired.prefetch(r.relations));
  return reads;
}
function resolveReached(c, text, ctx) {
  if (!c.reach) return { calls: [], relations: [], code: [] };
  const first = c.reach(text, ctx);
  const reads = missing(c, first);
  if (reads.length === 0) return first;
  return (async () => {
    await Promise.all(reads);
    let r = c.reach(text, ctx);
    for (let round = 1; round < MAX_ROUNDS2; round++) {
      const more = missing(c, r);
      if (more.length === 0) break;
      await Promise.all(more);
      r = c.reach(text, ctx);
    }
    return r;
  })();
}

// src/gateway/session-dry-run.ts
function dryRunMayRun(verdict) {
  return verdict.action !== "allow" && !verdict.reasons.some((f) => f.category === "opaque" || f.category === "exfiltration");
}
function dryRun(dialect, statement, verdict, analysis, preparing) {
  const runs = dialect !== "mysql" || preparing || analysis.readOnly && verdict.action === "allow";
  if (runs) return { forward: true, statement, verdict, analysis };
  return {
    forward: false,
    statement,
    verdict,
    analysis,
    skip: "guardrail dry run: not executed (MySQL commits DDL implicitly, so a dry run only analyses and estimates)"
  };
}

// src/gateway/session-events.ts
var NO_FINDINGS = [];
function verdictEvent(id, action, findings, enforced) {
  return {
    type: "verdict",
    id,
    action,
    rules: findings.map((f) => f.rule),
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      objects: f.objects
    })),
    enforced
  };
}
function recordedFindings(verdict) {
  const warnings = verdict.warnings ?? NO_FINDINGS;
  if (verdict.action === "allow") return warnings;
  return warnings.length === 0 ? verdict.reasons : [...verdict.reasons, ...warnings];
}
function statementEvent(gateway, ctx, statement, hash, params2, preparedAs) {
  const recorded = {
    type: "statement",
    id: statement.id,
    text: gateway.redact(statement.text, ctx),
    via: statement.via,
    hash,
    inTransaction: statement.inTransaction
  };
  if (preparedAs) recorded.preparedAs = preparedAs;
  if (params2)
    recorded.params = gateway.redactParams?.(params2, statement.text, ctx) ?? params2.map(() => "[param]");
  return recorded;
}

// src/gateway/session-impact.ts
var ROW_CHANGES = /^(?:with\b|update\b|delete\b|merge\b|replace\b|insert\b.*\bon (?:conflict\b.*\bdo update|duplicate key update)\b|alter table\b.*\busing\b)/is;
function writesRows(analysis) {
  return !analysis.readOnly && analysis.statements.some((s) => ROW_CHANGES.test(s.canonical));
}
async function estimateImpact(impact, text, analysis, ctx, values) {
  try {
    return await impact(text, analysis, ctx, values);
  } catch (err) {
    const message2 = `impact estimate failed: ${err.message}`;
    return writesRows(analysis) ? {
      record: { error: message2 },
      finding: finding("mass-change/rows", [], `rows affected unknown (${message2})`)
    } : { record: { error: message2 } };
  }
}
function massChangeOf(estimate) {
  return estimate.pending ? finding(
    "mass-change/rows",
    [],
    "rows affected unknown (the placeholder values could not be read exactly)"
  ) : estimate.finding;
}

// src/gateway/session.ts
var nextStatement = 0;
function statementId() {
  return `s${(++nextStatement).toString(36)}`;
}
var Session = class {
  constructor(gateway, info) {
    this.gateway = gateway;
    this.info = info;
    this.columns = gateway.columns && new SessionColumns(gateway.columns, gateway.dialect, () => this.analysisContext);
    this.analysisContext = {
      dialect: gateway.dialect,
      ...gateway.functions ? { functions: gateway.functions } : {},
      ...gateway.fired ? { fired: gateway.fired } : {},
      ...this.columns ? { columns: this.columns } : {}
    };
    this.approvals = new SessionApprovals(gateway, this.analysisContext, (e) => this.record(e));
    this.record({
      type: "session.start",
      user: info.user,
      database: info.database,
      client: info.client,
      ...info.application ? { application: info.application } : {}
    });
  }
  gateway;
  info;
  statements = 0;
  ended = false;
  approvals;
  analysisContext;
  columns;
  /** Code each statement reaches (function bodies, fired definitions), for cache invalidation. */
  reachedCode = /* @__PURE__ */ new WeakMap();
  record(event) {
    this.gateway.recorder.record(this.info.conn, event);
  }
  /**
   * Judges one statement. Returns synchronously when nothing has to be fetched and no human is
   * involved (the hot path), and a promise when function bodies must be read from the catalog,
   * an impact estimate is needed, or the statement waits for an approval. Never throws for bad
   * SQL: the analyzer reports it as opaque and the policy decides.
   */
  inspect(text, via, opts = {}) {
    const statement = {
      id: statementId(),
      dialect: this.gateway.dialect,
      text,
      via,
      session: this.info,
      inTransaction: opts.inTransaction ?? false
    };
    if (opts.params) statement.params = opts.params;
    this.statements++;
    const { recorder } = this.gateway;
    if (recorder.failed) {
      return this.refuse(
        statement,
        void 0,
        refusal("transcript-failure", `transcript unavailable: ${recorder.failed.message}`)
      );
    }
    let reached;
    try {
      reached = resolveReached(this.gateway, text, this.analysisContext);
    } catch (err) {
      return this.refuse(statement, void 0, unjudgeable(err));
    }
    if (reached instanceof Promise)
      return reached.then(
        (r) => {
          this.reachedCode.set(statement, r.code);
          return this.judgeWithColumns(statement, opts.params);
        },
        (err) => this.refuse(
          statement,
          void 0,
          refusal(
            "unjudgeable",
            `what it calls or fires could not be read from the catalog: ${err.message}`
          )
        )
      );
    this.reachedCode.set(statement, reached.code);
    return this.judgeWithColumns(statement, opts.params);
  }
  /** Reads the old column types a type change is judged by, then judges. */
  judgeWithColumns(statement, params2) {
    const sequences = this.gateway.sequences?.prefetch(statement.text, this.analysisContext);
    if (sequences) return sequences.then(() => this.judgeWithColumns(statement, params2));
    const tables = this.columns?.wanted(statement.text) ?? [];
    if (tables.length === 0) return this.judge(statement, params2);
    return this.columns.prefetch(tables).then(() => this.judge(statement, params2));
  }
  judge(statement, params2) {
    let analysis;
    let verdict;
    try {
      analysis = this.gateway.analyze(statement.text, this.analysisContext);
      verdict = this.gateway.decide(analysis, statement);
    } catch (err) {
      return this.refuse(statement, void 0, unjudgeable(err));
    }
    this.columns?.judged(statement.text, analysis.readOnly, statement.inTransaction);
    this.recordStatement(statement, analysis.hash, params2);
    const { syntaxCheck } = this.gateway;
    if (syntaxCheck && this.refusesUnparseable(analysis, verdict)) {
      return syntaxCheck(statement.text, this.analysisContext).then(
        (serverError) => serverError ? this.rejectedByServer(statement, analysis, verdict, serverError) : this.proceed(statement, analysis, verdict)
      );
    }
    return this.proceed(statement, analysis, verdict);
  }
  /**
   * Whether the statement would be held or refused because the parser could not read it. Only
   * then is the server asked: in audit mode it runs, and the server answers for itself.
   */
  refusesUnparseable(analysis, verdict) {
    const { mode, dialect } = this.gateway;
    return verdict.action !== "allow" && (mode === "enforce" || mode === "dry-run") && // A MySQL multi-statement text cannot be prepared as a whole: only a single one is asked about.
    (dialect === "postgres" || analysis.statements.length === 1) && analysis.findings.some((f) => f.rule === "opaque/unparseable");
  }
  /** The server cannot parse it either: the client gets the server's own error, as without the gateway. */
  rejectedByServer(statement, analysis, verdict, serverError) {
    const unparseable = analysis.findings.filter((f) => f.rule === "opaque/unparseable");
    this.record({ ...verdictEvent(statement.id, "deny", unparseable, true), rules: ["opaque/unparseable"] });
    const redacted = { ...serverError, message: this.redactMessage(serverError.message) };
    return {
      ...this.refuse(statement, analysis, refusal("unjudgeable", redacted.message), verdict),
      serverError: redacted
    };
  }
  proceed(statement, analysis, verdict) {
    const code = this.reachedCode.get(statement) ?? [];
    const invalidate = () => {
      if (mayChangeCatalog(analysis, statement.text, code)) {
        this.gateway.functions?.invalidate();
        this.gateway.fired?.invalidate();
      }
    };
    const { impact } = this.gateway;
    if (impact && verdict.action !== "deny" && (verdict.action === "review" || writesRows(analysis))) {
      const preparing = statement.via === "prepared" || statement.via === "extended";
      return this.estimate(impact, statement, analysis, void 0).then((estimate) => {
        invalidate();
        return this.concludeEstimated(statement, analysis, verdict, estimate, preparing);
      });
    }
    invalidate();
    return this.conclude(statement, analysis, verdict, void 0, statement.via === "prepared");
  }
  recordStatement(statement, hash, params2, preparedAs) {
    this.record(statementEvent(this.gateway, this.analysisContext, statement, hash, params2, preparedAs));
  }
  /** Concludes with the estimate's mass-change finding, if any, added to the analysis. */
  concludeEstimated(statement, analysis, verdict, estimate, preparing) {
    if (estimate.pending && preparing) {
      const mark = (j2) => j2.forward ? { ...j2, estimateEachExecution: true } : j2;
      const j = this.conclude(statement, analysis, verdict, estimate.record, true);
      return j instanceof Promise ? j.then(mark) : mark(j);
    }
    const massChange2 = massChangeOf(estimate);
    if (!massChange2) return this.conclude(statement, analysis, verdict, estimate.record, preparing);
    const findings = [...analysis.findings, massChange2];
    const widened = { ...analysis, findings, readOnly: false };
    let reverdict;
    try {
      reverdict = this.gateway.decide(widened, statement);
    } catch (err) {
      return this.refuse(statement, widened, unjudgeable(err));
    }
    return this.conclude(statement, widened, reverdict, estimate.record, preparing);
  }
  /** Runs the estimator and records what it found. */
  async estimate(impact, statement, analysis, values) {
    const result = await estimateImpact(impact, statement.text, analysis, this.analysisContext, values);
    this.record({ type: "impact", id: statement.id, estimate: result.record });
    return result;
  }
  /** `preparing`: a statement being prepared, whose executions come later (dry-run semantics). */
  conclude(statement, analysis, verdict, impact, preparing) {
    const enforced = this.gateway.mode === "enforce" || this.gateway.mode === "dry-run";
    this.record(verdictEvent(statement.id, verdict.action, recordedFindings(verdict), enforced));
    if (verdict.action === "allow" || !enforced) {
      return this.gateway.mode === "dry-run" ? dryRun(this.gateway.dialect, statement, verdict, analysis, preparing) : { forward: true, statement, verdict, analysis };
    }
    if (verdict.action === "deny") {
      return this.refuse(
        statement,
        analysis,
        refusal(
          "policy-deny",
          `denied by policy (${rulesOf(verdict.reasons)}): ${verdict.reasons[0]?.message ?? ""}`
        ),
        verdict
      );
    }
    if (this.gateway.mode === "dry-run" && (this.gateway.dialect === "mysql" || dryRunMayRun(verdict)))
      return dryRun(this.gateway.dialect, statement, verdict, analysis, preparing);
    if (this.approvals.preapproved(statement, analysis)) {
      this.record({
        type: "approval.decided",
        id: statement.id,
        requestId: "batch",
        outcome: "approved",
        by: ["batch pre-approval"]
      });
      return { forward: true, statement, verdict, analysis };
    }
    return this.approvals.await(statement, analysis, verdict, impact).then(
      (r) => r.approved ? { forward: true, statement, verdict, analysis } : this.refuse(statement, analysis, r.refusal, verdict)
    );
  }
  /**
   * A review found after the verdict, once masking has followed the statement (strict mode): the
   * statement is recorded as held for these reasons and goes the way of any review (approval,
   * batch pre-approval, dry run, audit mode). `preparing`: judged when prepared, not executed.
   */
  review(j, reasons, preparing) {
    const analysis = { ...j.analysis, findings: [...j.analysis.findings, ...reasons] };
    return this.conclude(j.statement, analysis, { action: "review", reasons }, void 0, preparing);
  }
  /**
   * Records one execution of a statement judged when it was prepared: the text cannot change
   * between prepare and execute, so it is not judged (or put to a reviewer) again; the
   * parameters are recorded. Refuses when the transcript can no longer be written, and goes
   * through the mass-change rule when the prepare-time estimate needed the values (then a
   * promise). `params`: as recorded; `exact`: whether the values are known exactly as bound;
   * `values`: those exact values, when `params` were shortened for the record.
   */
  execute(prepared, params2, exact = true, values = params2) {
    const statement = {
      ...prepared.statement,
      id: statementId(),
      ...params2 ? { params: params2 } : {}
    };
    this.statements++;
    const { recorder } = this.gateway;
    if (recorder.failed)
      return this.refuse(
        statement,
        void 0,
        refusal("transcript-failure", `transcript unavailable: ${recorder.failed.message}`)
      );
    this.recordStatement(statement, prepared.analysis.hash, params2, prepared.statement.id);
    const judged = () => this.gateway.mode === "dry-run" && prepared.forward ? dryRun(this.gateway.dialect, statement, prepared.verdict, prepared.analysis, false) : { ...prepared, statement };
    const { impact } = this.gateway;
    if (!prepared.estimateEachExecution || !impact) return judged();
    return this.estimate(impact, statement, prepared.analysis, exact ? values : void 0).then(
      (estimate) => (
        // The prepare's verdict stands (whoever approved it is not asked again) unless these values
        // cross the threshold, or cannot be judged: then this execution is decided on its own.
        estimate.finding || estimate.pending ? this.concludeEstimated(statement, prepared.analysis, prepared.verdict, estimate, false) : judged()
      )
    );
  }
  refuse(statement, analysis, why, verdict) {
    const findings = verdict && verdict.action !== "allow" ? verdict.reasons : [];
    return {
      forward: false,
      statement,
      verdict: verdict ?? { action: "deny", reasons: findings },
      analysis: analysis ?? {
        findings: [],
        readOnly: false,
        opaque: true,
        canonical: "",
        hash: "",
        statements: []
      },
      refusal: why
    };
  }
  /** Records how a forwarded (or refused) statement ended. */
  ran(id, result) {
    const { error } = result;
    const recorded = {
      type: "result",
      id,
      ...result,
      durationMs: Math.round(result.durationMs * 1e3) / 1e3
    };
    if (error) recorded.error = { code: error.code, message: this.redactMessage(error.message) };
    this.record(recorded);
  }
  /** Records a result set's sample (already masked by the engine's result masking). */
  rows(sample) {
    this.record({ type: "rows", ...sample });
  }
  /** Records a statement a dry run answered without running it. */
  skipped(id, message2) {
    this.notice("note", SKIPPED_CODE, message2);
    this.ran(id, { tag: SKIPPED_TAG, durationMs: 0 });
  }
  redactMessage(text) {
    return (this.gateway.redactMessage ?? this.gateway.redact)(text);
  }
  notice(severity, code, message2) {
    this.record({ type: "notice", severity, code, message: this.redactMessage(message2) });
  }
  end(reason) {
    if (this.ended) return;
    this.ended = true;
    this.approvals.abortAll(reason);
    this.record({ type: "session.end", reason, statements: this.statements });
  }
};
function unjudgeable(err) {
  return refusal("unjudgeable", `statement could not be judged: ${err.message}`);
}

// src/gateway/lifecycle.ts
function openSession(context, info) {
  return new Session(context, info);
}
function gatewayStarted(context, run) {
  const { dialect, upstream, version } = run;
  context.recorder.record(0, { type: "gateway.start", dialect, upstream, mode: context.mode, version });
}
function gatewayStopped(context, reason) {
  context.recorder.record(0, { type: "gateway.stop", reason });
  context.recorder.flush();
}

// src/gateway/tls-certificate.ts
import { execFile } from "node:child_process";
import { generateKeyPair } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { promisify } from "node:util";
async function generateKeys() {
  const { privateKey, publicKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  return {
    privateKey,
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString()
  };
}
async function selfSignedCertificate(privatePem) {
  const dir = await mkdtemp(join(tmpdir(), "guardrail-gw-"));
  try {
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    await writeFile(keyFile, privatePem, { mode: 384 });
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-new",
      "-key",
      keyFile,
      "-days",
      "2",
      "-subj",
      "/CN=guardrail gateway",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
      "-out",
      certFile
    ]);
    return await readFile(certFile, "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
async function clientTls(option, privatePem) {
  if (option) return { context: createSecureContext(option), certificate: option.cert };
  if (option === false) return { unavailable: "disabled by configuration" };
  try {
    const key = await privatePem();
    const certificate = await selfSignedCertificate(key);
    return { context: createSecureContext({ key, cert: certificate }), certificate };
  } catch (err) {
    return { unavailable: `no certificate: ${err.message}` };
  }
}

// src/gateway/postgres/cancel.ts
import { randomInt } from "node:crypto";
var CancelKeys = class {
  byPid = /* @__PURE__ */ new Map();
  register(upstreamPid, upstreamSecret) {
    const secret = randomInt(-2147483648, 2147483647);
    this.byPid.set(upstreamPid, { secret, upstreamSecret });
    return { pid: upstreamPid, secret };
  }
  /** Forgets a pair, unless a newer backend with the same pid has taken its place. */
  release(pid, secret) {
    if (this.byPid.get(pid)?.secret === secret) this.byPid.delete(pid);
  }
  /** The upstream backend's pid and secret for a gateway key pair, if it is one. */
  lookup(pid, secret) {
    const t = this.byPid.get(pid);
    return t && t.secret === secret ? { pid, secret: t.upstreamSecret } : void 0;
  }
};

// src/errors/wire-errors.ts
var ProtocolError = class extends GuardrailError {
  constructor(message2, sqlState = "08P01", options) {
    super(message2, options);
    this.sqlState = sqlState;
  }
  sqlState;
  static code = "ERR_PROTOCOL_MALFORMED";
};
var UpstreamError = class extends GuardrailError {
  constructor(message2, sqlState, errno) {
    super(message2);
    this.sqlState = sqlState;
    this.errno = errno;
  }
  sqlState;
  errno;
  static code = "ERR_UPSTREAM_FAILED";
};

// src/gateway/postgres/client-auth.ts
import { createHash as createHash3, randomBytes as randomBytes2, timingSafeEqual as timingSafeEqual2 } from "node:crypto";

// src/gateway/postgres/codec.ts
var PROTOCOL_3_0 = 196608;
var SSL_REQUEST = 80877103;
var GSSENC_REQUEST = 80877104;
var CANCEL_REQUEST = 80877102;
var T = {
  query: 81,
  // Q
  parse: 80,
  // P
  bind: 66,
  // B
  execute: 69,
  // E (frontend)
  describe: 68,
  // D (frontend)
  close: 67,
  // C (frontend)
  flush: 72,
  // H (frontend)
  sync: 83,
  // S (frontend)
  terminate: 88,
  // X
  functionCall: 70,
  // F
  functionCallResponse: 86,
  // V
  copyData: 100,
  // d
  copyDone: 99,
  // c
  copyOutResponse: 72,
  // H (backend)
  copyInResponse: 71,
  // G
  copyFail: 102,
  // f
  password: 112,
  // p
  auth: 82,
  // R
  parameterStatus: 83,
  // S (backend)
  backendKey: 75,
  // K
  ready: 90,
  // Z
  error: 69,
  // E (backend)
  notice: 78,
  // N
  commandComplete: 67,
  // C (backend)
  emptyQuery: 73,
  // I
  portalSuspended: 115,
  // s
  parseComplete: 49,
  // 1
  bindComplete: 50,
  // 2
  closeComplete: 51,
  // 3
  noData: 110,
  // n
  rowDescription: 84,
  // T
  dataRow: 68,
  // D (backend)
  negotiate: 118
  // v
};
function message(type, body2) {
  const out = Buffer.allocUnsafe(5 + body2.length);
  out[0] = type;
  out.writeInt32BE(body2.length + 4, 1);
  body2.copy(out, 5);
  return out;
}
function cstr(s) {
  return Buffer.from(`${s}\0`, "utf8");
}
function int32(n) {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}
function int16(n) {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n, 0);
  return b;
}
function errorResponse(code, text, severity = "ERROR", position) {
  return fieldsMessage(T.error, code, text, severity, position);
}
function noticeResponse(code, text, severity = "NOTICE") {
  return fieldsMessage(T.notice, code, text, severity);
}
function commandComplete(tag) {
  return message(T.commandComplete, cstr(tag));
}
function fieldsMessage(type, code, text, severity, position) {
  return message(
    type,
    Buffer.concat([
      cstr(`S${severity}`),
      cstr(`V${severity}`),
      cstr(`C${code}`),
      cstr(`M${text}`),
      ...position ? [cstr(`P${position}`)] : [],
      Buffer.from([0])
    ])
  );
}
function readyForQuery(status) {
  return message(T.ready, Buffer.from([status]));
}
function authRequest(code, extra = Buffer.alloc(0)) {
  return message(T.auth, Buffer.concat([int32(code), extra]));
}
function backendKeyData(pid, secret) {
  return message(T.backendKey, Buffer.concat([int32(pid), int32(secret)]));
}
function negotiateProtocolVersion(minor, unrecognized) {
  return message(
    T.negotiate,
    Buffer.concat([int32(PROTOCOL_3_0 + minor), int32(unrecognized.length), ...unrecognized.map(cstr)])
  );
}
var FAILING_SQL = "guardrail refused this statement";
function queryMessage(text) {
  return message(T.query, cstr(text));
}
function parseMessage(name, text) {
  return message(T.parse, Buffer.concat([cstr(name), cstr(text), int16(0)]));
}
function passwordMessage(data) {
  return message(T.password, typeof data === "string" ? cstr(data) : data);
}
function saslInitialResponse(mechanism, data) {
  return message(T.password, Buffer.concat([cstr(mechanism), int32(data.length), data]));
}
var terminateMessage = Buffer.from([T.terminate, 0, 0, 0, 4]);
function packet(body2) {
  return Buffer.concat([int32(body2.length + 4), body2]);
}
function sslRequest() {
  return packet(int32(SSL_REQUEST));
}
function cancelRequest(pid, secret) {
  return packet(Buffer.concat([int32(CANCEL_REQUEST), int32(pid), int32(secret)]));
}
function startupMessage(params2) {
  const parts = [int32(PROTOCOL_3_0)];
  for (const [k, v] of Object.entries(params2)) parts.push(cstr(k), cstr(v));
  parts.push(Buffer.from([0]));
  return packet(Buffer.concat(parts));
}
function readStartupCode(packet2) {
  return packet2.readInt32BE(4);
}
var STARTUP_PARAMS = 8;
function readCancelRequest(packet2) {
  if (packet2.length !== 16) return void 0;
  return { pid: packet2.readInt32BE(8), secret: packet2.readInt32BE(12) };
}
function readCString(buf, pos, end2) {
  const nul = buf.indexOf(0, pos);
  if (nul < 0 || nul >= end2) return { value: "", next: -1 };
  return { value: buf.toString("utf8", pos, nul), next: nul + 1 };
}
var BODY = 5;
function readErrorFields(buf, start, end2) {
  const fields = { severity: "", code: "", message: "" };
  let pos = start;
  while (pos < end2 && buf[pos] !== 0) {
    const key = buf[pos];
    const { value: value2, next } = readCString(buf, pos + 1, end2);
    if (next < 0) break;
    if (key === 86 || key === 83 && !fields.severity)
      fields.severity = value2;
    else if (key === 67)
      fields.code = value2;
    else if (key === 77)
      fields.message = value2;
    else if (key === 68) fields.detail = value2;
    pos = next;
  }
  return fields;
}
function rowsOfTag(tag) {
  const space = tag.lastIndexOf(" ");
  if (space < 0) return void 0;
  const n = Number(tag.slice(space + 1));
  return Number.isInteger(n) ? n : void 0;
}
function readFunctionCall(buf, start, end2) {
  let p = start + 5;
  const need = (n) => p + n <= end2;
  if (!need(6)) return void 0;
  const oid = buf.readUInt32BE(p);
  const nFormats = buf.readInt16BE(p + 4);
  p += 6;
  if (nFormats < 0 || !need(2 * nFormats + 2)) return void 0;
  const codes = [];
  for (let i = 0; i < nFormats; i++, p += 2) codes.push(buf.readInt16BE(p));
  const nArgs = buf.readInt16BE(p);
  p += 2;
  if (nArgs < 0 || nFormats > 1 && nFormats !== nArgs) return void 0;
  const formats = [];
  const args = [];
  for (let i = 0; i < nArgs; i++) {
    if (!need(4)) return void 0;
    const len = buf.readInt32BE(p);
    p += 4;
    formats.push(nFormats === 0 ? 0 : codes[nFormats === 1 ? 0 : i] ?? 0);
    if (len === -1) {
      args.push(null);
      continue;
    }
    if (len < 0 || !need(len)) return void 0;
    args.push(buf.subarray(p, p + len));
    p += len;
  }
  if (p + 2 !== end2) return void 0;
  const resultFormat = buf.readInt16BE(p);
  if (formats.some((f) => f !== 0 && f !== 1) || resultFormat !== 0 && resultFormat !== 1) return void 0;
  return { oid, formats, args, resultFormat };
}
function readFunctionResult(buf, start, end2) {
  if (start + 9 > end2) return void 0;
  const len = buf.readInt32BE(start + 5);
  if (len === -1) return null;
  if (len < 0 || start + 9 + len !== end2) return void 0;
  return buf.subarray(start + 9, end2);
}
function readQuery(buf, start, end2) {
  const from = start + BODY;
  const to = buf.indexOf(0, from);
  return to < 0 || to >= end2 ? void 0 : { from, to };
}
function readParse(buf, start, end2) {
  const name = readCString(buf, start + BODY, end2);
  if (name.next < 0) return void 0;
  const to = buf.indexOf(0, name.next);
  if (to < 0 || to >= end2) return void 0;
  return { name: name.value, from: name.next, to, types: to + 1 };
}
function parseParamTypes(buf, pos, end2) {
  if (pos + 2 > end2) return void 0;
  const n = buf.readInt16BE(pos);
  if (n < 0 || pos + 2 + n * 4 > end2) return void 0;
  const out = [];
  for (let i = 0; i < n; i++) out.push(buf.readUInt32BE(pos + 2 + i * 4));
  return out;
}
function readExecute(buf, start, end2) {
  const portal = readCString(buf, start + BODY, end2);
  return portal.next < 0 ? void 0 : portal.value;
}
function readTarget(buf, start, end2) {
  const name = readCString(buf, start + BODY + 1, end2);
  if (name.next < 0) return void 0;
  return { statement: buf[start + BODY] === 83, name: name.value };
}
function readBind(buf, start, end2) {
  const portal = readCString(buf, start + BODY, end2);
  const stmt = portal.next < 0 ? portal : readCString(buf, portal.next, end2);
  if (stmt.next < 0) return void 0;
  let p = stmt.next;
  const codes = () => {
    if (p + 2 > end2) return void 0;
    const n2 = buf.readInt16BE(p);
    if (p + 2 + Math.max(n2, 0) * 2 > end2) return void 0;
    const out = [];
    for (let i = 0; i < n2; i++) out.push(buf.readInt16BE(p + 2 + i * 2));
    p += 2 + Math.max(n2, 0) * 2;
    return out;
  };
  const formats = codes();
  if (!formats || p + 2 > end2) return void 0;
  const n = buf.readInt16BE(p);
  p += 2;
  const values = [];
  for (let i = 0; i < n; i++) {
    if (p + 4 > end2) return void 0;
    const len = buf.readInt32BE(p);
    p += 4;
    if (len === -1) {
      values.push({ at: p, len });
      continue;
    }
    if (len < 0 || p + len > end2) return void 0;
    values.push({ at: p, len });
    p += len;
  }
  const resultFormats = codes();
  if (!resultFormats) return void 0;
  return { portal: portal.value, statement: stmt.value, names: stmt.next, formats, values, resultFormats };
}
function refusedBind(buf, start, names2) {
  const tail = Buffer.from([0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  return message(T.bind, Buffer.concat([buf.subarray(start + BODY, names2), tail]));
}
function readCommandTag(buf, start, end2) {
  return readCString(buf, start + BODY, end2).value;
}
function readReadyStatus(buf, start) {
  return buf[start + BODY];
}
function readParameterStatus(buf, start, end2) {
  const name = readCString(buf, start + BODY, end2);
  if (name.next < 0) return void 0;
  return { name: name.value, value: readCString(buf, name.next, end2).value };
}
function readError(buf, start, end2) {
  return readErrorFields(buf, start + BODY, end2);
}
var SEVERITY_UNLOCALIZED = 86;
var SEVERITY = 83;
function readSeverity(buf, start, end2) {
  let severity;
  let pos = start + BODY;
  while (pos < end2 && buf[pos] !== 0) {
    const field = buf[pos];
    const stop = buf.indexOf(0, pos + 1);
    if (stop < 0 || stop >= end2) return void 0;
    if (field === SEVERITY_UNLOCALIZED) return buf.toString("utf8", pos + 1, stop);
    if (field === SEVERITY) severity = buf.toString("utf8", pos + 1, stop);
    pos = stop + 1;
  }
  return severity;
}
function readColumnCount(row) {
  return row.readInt16BE(BODY);
}
function onlyColumn(buf, start, end2) {
  if (start + 11 > end2 || buf.readInt16BE(start + BODY) !== 1) return void 0;
  const len = buf.readInt32BE(start + 7);
  if (len < 0 || start + 11 + len !== end2) return void 0;
  return buf.subarray(start + 11, end2);
}
function readCopyResponse(buf, start) {
  return { binary: buf[start + BODY] === 1, columns: buf.readInt16BE(start + BODY + 1) };
}
function readCopyData(buf, start, end2) {
  return buf.subarray(start + BODY, end2);
}

// src/gateway/postgres/scram.ts
import { createHash as createHash2, createHmac, pbkdf2Sync } from "node:crypto";
var MECHANISM = "SCRAM-SHA-256";
function hmac(key, text) {
  return createHmac("sha256", key).update(text).digest();
}
function sha256(data) {
  return createHash2("sha256").update(data).digest();
}
function xor(a, b) {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ (b[i] ?? 0);
  return out;
}
function saltedPassword(password, salt, iterations) {
  return pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
}
function keysOf(salted) {
  const clientKey = hmac(salted, "Client Key");
  return { clientKey, storedKey: sha256(clientKey), serverKey: hmac(salted, "Server Key") };
}
function attributes(text) {
  const out = /* @__PURE__ */ new Map();
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) out.set(part[0], part.slice(2));
  }
  return out;
}

// src/gateway/postgres/scram-server.ts
import { randomBytes, timingSafeEqual } from "node:crypto";
function scramVerifier(password, iterations = 4096) {
  const salt = randomBytes(16);
  const { storedKey, serverKey } = keysOf(saltedPassword(password, salt, iterations));
  return { salt, iterations, storedKey, serverKey };
}
var ScramServer = class {
  constructor(verifier) {
    this.verifier = verifier;
  }
  verifier;
  clientFirstBare = "";
  serverFirst = "";
  nonce = "";
  gs2Header = "";
  /** Takes client-first-message, returns server-first-message. */
  first(clientFirst) {
    const gs2 = clientFirst.match(/^([nyp])(=[^,]*)?,[^,]*,/);
    if (!gs2) throw new ProtocolError("malformed SCRAM client-first-message", "28000");
    if (gs2[1] === "p")
      throw new ProtocolError("SCRAM channel binding is not supported by the gateway", "28000");
    this.gs2Header = gs2[0];
    this.clientFirstBare = clientFirst.slice(gs2[0].length);
    const clientNonce = attributes(this.clientFirstBare).get("r");
    if (!clientNonce || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce))
      throw new ProtocolError("malformed SCRAM nonce", "28000");
    this.nonce = clientNonce + randomBytes(18).toString("base64");
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString("base64")},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }
  /** Takes client-final-message; returns server-final-message, or undefined when the proof is wrong. */
  final(clientFinal) {
    const attrs = attributes(clientFinal);
    const proof = attrs.get("p");
    if (attrs.get("r") !== this.nonce || !proof)
      throw new ProtocolError("malformed SCRAM client-final-message", "28000");
    if (attrs.get("c") !== Buffer.from(this.gs2Header).toString("base64"))
      throw new ProtocolError(
        "SCRAM channel-binding attribute does not match the client-first-message",
        "28000"
      );
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(",p="));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const proofBytes = Buffer.from(proof, "base64");
    if (proofBytes.length !== signature.length) return void 0;
    const clientKey = xor(proofBytes, signature);
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return void 0;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString("base64")}`;
  }
};

// src/gateway/postgres/client-auth.ts
function failed(user) {
  return new ProtocolError(`password authentication failed for user "${user}"`, "28P01");
}
function same(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual2(x, y);
}
async function passwordReply(reader) {
  const { type, body: body2 } = await reader.message();
  if (type !== T.password) throw new ProtocolError(`expected a password message, got 0x${type.toString(16)}`);
  return body2;
}
async function authenticateClient(reader, socket, method, creds, user) {
  const userOk = same(user, creds.user);
  if (method === "password") {
    socket.write(authRequest(3));
    const given = readCString(await passwordReply(reader), 0, Number.MAX_SAFE_INTEGER).value;
    if (!same(given, creds.password) || !userOk) throw failed(user);
  } else if (method === "md5") {
    const salt = randomBytes2(4);
    socket.write(authRequest(5, salt));
    const given = readCString(await passwordReply(reader), 0, Number.MAX_SAFE_INTEGER).value;
    const inner = createHash3("md5").update(creds.password + user).digest("hex");
    const want = `md5${createHash3("md5").update(Buffer.concat([Buffer.from(inner), salt])).digest("hex")}`;
    if (!same(given, want) || !userOk) throw failed(user);
  } else {
    socket.write(authRequest(10, Buffer.from(`${MECHANISM}\0\0`)));
    const initial = await passwordReply(reader);
    const mech = readCString(initial, 0, initial.length);
    if (mech.next < 0 || mech.value !== MECHANISM || mech.next + 4 > initial.length)
      throw new ProtocolError("expected SASLInitialResponse for SCRAM-SHA-256", "28000");
    const server = new ScramServer(creds.verifier);
    let serverFirst;
    try {
      serverFirst = server.first(initial.toString("utf8", mech.next + 4));
    } catch (err) {
      throw new ProtocolError(err.message, "28000");
    }
    socket.write(authRequest(11, Buffer.from(serverFirst)));
    const final = (await passwordReply(reader)).toString("utf8");
    let serverFinal;
    try {
      serverFinal = server.final(final);
    } catch (err) {
      throw new ProtocolError(err.message, "28000");
    }
    if (!serverFinal || !userOk) throw failed(user);
    socket.write(authRequest(12, Buffer.from(serverFinal)));
  }
  socket.write(authRequest(0));
}

// src/sql/postgres/encoding.ts
var import_iconv_lite = __toESM(require_lib(), 1);
import { isAscii as asciiOnly, isUtf8 } from "node:buffer";
var BAD_BYTES = "22021";
var UNSUPPORTED = "0A000";
var ASCII_SAFE = {
  LATIN1: "iso-8859-1",
  LATIN2: "iso-8859-2",
  LATIN3: "iso-8859-3",
  LATIN4: "iso-8859-4",
  LATIN5: "iso-8859-9",
  LATIN6: "iso-8859-10",
  LATIN7: "iso-8859-13",
  LATIN8: "iso-8859-14",
  LATIN9: "iso-8859-15",
  LATIN10: "iso-8859-16",
  ISO_8859_5: "iso-8859-5",
  ISO_8859_6: "iso-8859-6",
  ISO_8859_7: "iso-8859-7",
  ISO_8859_8: "iso-8859-8",
  WIN866: "cp866",
  WIN874: "windows-874",
  WIN1250: "windows-1250",
  WIN1251: "windows-1251",
  WIN1252: "windows-1252",
  WIN1253: "windows-1253",
  WIN1254: "windows-1254",
  WIN1255: "windows-1255",
  WIN1256: "windows-1256",
  WIN1257: "windows-1257",
  WIN1258: "windows-1258",
  KOI8R: "koi8-r",
  KOI8U: "koi8-u"
};
var MULTIBYTE = {
  SJIS: { iconv: "cp932", length: sjisLength, asciiUnsafe: true },
  BIG5: { iconv: "cp950", length: twoByteLength, asciiUnsafe: true },
  GBK: { iconv: "cp936", length: twoByteLength, asciiUnsafe: true },
  UHC: { iconv: "cp949", length: twoByteLength, asciiUnsafe: true },
  GB18030: { iconv: "gb18030", length: gb18030Length, asciiUnsafe: true },
  EUC_JP: { iconv: "eucjp", length: eucJpLength, asciiUnsafe: false },
  EUC_KR: { iconv: "euc-kr", length: eucLength, asciiUnsafe: false },
  EUC_CN: { iconv: "gb2312", length: eucLength, asciiUnsafe: false }
};
var UNEXACT = {
  // Postgres' BIG5 table is plain Big5 (some entries even map to U+FFFD); iconv-lite's is CP950.
  BIG5: /* @__PURE__ */ new Set([
    41285,
    41294,
    41306,
    41410,
    41411,
    41413,
    41443,
    41458,
    41459,
    41470,
    41536,
    41537,
    41538,
    41540,
    41542,
    41543,
    41676,
    41678
  ]),
  // GB18030-2005 (Postgres 15–18) against iconv-lite's GB18030-2022 swaps.
  GB18030: /* @__PURE__ */ new Set([41888, 43196, 2167796791]),
  EUC_CN: /* @__PURE__ */ new Set([41380, 41386]),
  EUC_JP: /* @__PURE__ */ new Set([9413315])
};
var eucByte = (c) => c !== void 0 && c >= 161 && c <= 254;
function eucLength(b, i, end2) {
  return i + 1 < end2 && eucByte(b[i]) && eucByte(b[i + 1]) ? 2 : -1;
}
function eucJpLength(b, i, end2) {
  const c1 = b[i];
  if (c1 === 142) return i + 1 < end2 && b[i + 1] >= 161 && b[i + 1] <= 223 ? 2 : -1;
  if (c1 === 143) return i + 2 < end2 && eucByte(b[i + 1]) && eucByte(b[i + 2]) ? 3 : -1;
  return eucLength(b, i, end2);
}
function sjisLength(b, i, end2) {
  const c1 = b[i];
  if (c1 >= 161 && c1 <= 223) return 1;
  if (i + 1 >= end2) return -1;
  const c2 = b[i + 1];
  const head = c1 >= 129 && c1 <= 159 || c1 >= 224 && c1 <= 252;
  const tail = c2 >= 64 && c2 <= 126 || c2 >= 128 && c2 <= 252;
  return head && tail ? 2 : -1;
}
function twoByteLength(b, i, end2) {
  return i + 1 < end2 && b[i + 1] !== 0 ? 2 : -1;
}
function gb18030Length(b, i, end2) {
  const c1 = b[i];
  const c2 = b[i + 1];
  if (c2 === void 0 || i + 1 >= end2) return -1;
  if (i + 3 < end2 && c2 >= 48 && c2 <= 57) {
    const c3 = b[i + 2];
    const c4 = b[i + 3];
    return c1 >= 129 && c1 <= 254 && c3 >= 129 && c3 <= 254 && c4 >= 48 && c4 <= 57 ? 4 : -1;
  }
  if (c1 >= 129 && c1 <= 254 && (c2 >= 64 && c2 <= 126 || c2 >= 128 && c2 <= 254)) return 2;
  return -1;
}
function isAscii(b, start, end2) {
  return asciiOnly(b.subarray(start, end2));
}
function readingDependsOnState(b, start, end2) {
  const slash = b.indexOf(92, start);
  return slash >= 0 && slash < end2 || highBytes(b, start, end2);
}
function highBytes(b, start, end2) {
  return !isAscii(b, start, end2);
}
function hex(b, at, len) {
  return [...b.subarray(at, at + len)].map((x) => `0x${x.toString(16).padStart(2, "0")}`).join(" ");
}
function badBytes(b, at, encoding) {
  return { error: `invalid byte sequence for encoding "${encoding}": ${hex(b, at, 4)}`, code: BAD_BYTES };
}
function unsupported(client, server) {
  return {
    error: `client_encoding "${client}" (server encoding "${server}") cannot be read exactly by the gateway; use UTF8`,
    code: UNSUPPORTED
  };
}
function decodeSafe(b, start, end2, name, encoding) {
  if (name === "utf8") {
    return isUtf8(b.subarray(start, end2)) ? { text: b.toString("utf8", start, end2) } : { error: `invalid byte sequence for encoding "${encoding}"`, code: BAD_BYTES };
  }
  const text = import_iconv_lite.default.decode(b.subarray(start, end2), name);
  const bad = text.indexOf("\uFFFD");
  if (bad >= 0) return badBytes(b, start + bad, encoding);
  return { text };
}
var charCache = /* @__PURE__ */ new Map();
function decodeChar(b, at, len, encoding, name) {
  let code = 0;
  for (let k = 0; k < len; k++) code = code * 256 + b[at + k];
  let cache = charCache.get(encoding);
  if (!cache) charCache.set(encoding, cache = /* @__PURE__ */ new Map());
  const hit = cache.get(code);
  if (hit !== void 0) return hit || void 0;
  let ch = import_iconv_lite.default.decode(b.subarray(at, at + len), name);
  const exact = ch.length > 0 && !ch.includes("\uFFFD") && [...ch].length === 1 && ch.codePointAt(0) >= 128 && !UNEXACT[encoding]?.has(code);
  if (!exact) ch = "";
  if (cache.size < 1e5) cache.set(code, ch);
  return ch || void 0;
}
function decodeMultibyte(b, start, end2, encoding) {
  const spec = MULTIBYTE[encoding];
  let out = "";
  let from = start;
  let i = start;
  while (i < end2) {
    if (b[i] < 128) {
      i++;
      continue;
    }
    if (i > from) out += b.toString("latin1", from, i);
    const len = spec.length(b, i, end2);
    if (len < 0) return badBytes(b, i, encoding);
    const ch = decodeChar(b, i, len, encoding, spec.iconv);
    if (ch === void 0)
      return {
        error: `the character ${hex(b, i, len)} of encoding "${encoding}" has no reading the gateway knows to be the server's`,
        code: UNSUPPORTED
      };
    out += ch;
    i += len;
    from = i;
  }
  if (end2 > from) out += b.toString("latin1", from, end2);
  return { text: out };
}
function decode(b, start, end2, client, server) {
  if (isAscii(b, start, end2)) return { text: b.toString("latin1", start, end2) };
  if (server === "SQL_ASCII") {
    if (client === "SQL_ASCII") return { text: b.toString("latin1", start, end2) };
    if (MULTIBYTE[client]?.asciiUnsafe) return badBytes(b, start, client);
    const checked = decodeAs(b, start, end2, client);
    if (!checked) return unsupported(client, server);
    return "error" in checked ? checked : { text: b.toString("latin1", start, end2) };
  }
  const reading = client === server || client === "SQL_ASCII" ? server : client;
  if (MULTIBYTE[reading]?.asciiUnsafe && server !== "UTF8") return unsupported(client, server);
  return decodeAs(b, start, end2, reading) ?? unsupported(client, server);
}
function decodeAs(b, start, end2, encoding) {
  if (encoding === "UTF8") return decodeSafe(b, start, end2, "utf8", encoding);
  const safe = ASCII_SAFE[encoding];
  if (safe) return decodeSafe(b, start, end2, safe, encoding);
  return MULTIBYTE[encoding] ? decodeMultibyte(b, start, end2, encoding) : void 0;
}

// src/gateway/postgres/dry-run.ts
var NO_OP = "DO $guardrail$BEGIN END$guardrail$";
var BEGIN = /^(?:begin|start\s+transaction)\b/i;
var COMMIT = /^(?:commit|end)\b(?!\s+prepared)/i;
var ROLLBACK = /^(?:rollback|abort)\b(?!\s+(?:to|prepared)\b)/i;
var OUTSIDE_TRANSACTION = [
  [/^create\s+(?:unique\s+)?index\s+concurrently\b/i, "CREATE INDEX"],
  [/^drop\s+index\s+concurrently\b/i, "DROP INDEX"],
  [
    /^reindex\b(?:\s*\([^)]*\bconcurrently\b|[\s\S]*\bconcurrently\b|\s+(?:\([^)]*\)\s*)?(?:schema|database|system)\b)/i,
    "REINDEX"
  ],
  [/^vacuum\b/i, "VACUUM"],
  [/^create\s+database\b/i, "CREATE DATABASE"],
  [/^drop\s+database\b/i, "DROP DATABASE"],
  [/^alter\s+database\b[\s\S]*\bset\s+tablespace\b/i, "ALTER DATABASE"],
  [/^create\s+tablespace\b/i, "CREATE TABLESPACE"],
  [/^drop\s+tablespace\b/i, "DROP TABLESPACE"],
  [/^alter\s+system\b/i, "ALTER SYSTEM"],
  [/^create\s+subscription\b/i, "CREATE SUBSCRIPTION"],
  [/^alter\s+subscription\b/i, "ALTER SUBSCRIPTION"],
  [/^drop\s+subscription\b/i, "DROP SUBSCRIPTION"],
  [/^cluster\s*(?:\(\s*verbose\s*\)\s*|verbose\s*)?;?\s*$/i, "CLUSTER"],
  [/^alter\s+table\b[\s\S]*\bdetach\s+partition\b[\s\S]*\bconcurrently\b/i, "ALTER TABLE"],
  [/^prepare\s+transaction\b/i, "PREPARE TRANSACTION"],
  [/^commit\s+prepared\b/i, "COMMIT PREPARED"],
  [/^rollback\s+prepared\b/i, "ROLLBACK PREPARED"],
  [/^discard\s+all\b/i, "DISCARD ALL"]
];
var RUNS_EXPRESSIONS = /^(?:select|with|values|table|insert|update|delete|merge|do|call|copy|explain|execute|prepare|declare|create\b[^;]*?\bas\s*\(?\s*(?:select|with|values|table|execute)\b)/i;
var SEQUENCE_CALL = /\b(?:nextval|setval)\s*\(/i;
var SEQUENCE_REFUSAL = `DO $guardrail$BEGIN RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'guardrail dry run: not executed: the statement calls nextval() or setval(), which change a sequence for good (the rollback of the dry run does not undo them)'; END$guardrail$`;
var SEQUENCE_USE_REFUSAL = `DO $guardrail$BEGIN RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'guardrail dry run: not executed: the statement moves a sequence through a column default, identity, trigger or function, which the rollback of the dry run does not undo'; END$guardrail$`;
var WRITE_TAGS = {
  insert: "INSERT 0 0",
  update: "UPDATE 0",
  delete: "DELETE 0",
  merge: "MERGE 0"
};
function body(text) {
  return text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "");
}
function firstLine(text) {
  const line = body(text).split("\n")[0].trim();
  return line.length > 120 ? `${line.slice(0, 120)}\u2026` : line;
}
var DryRun = class {
  /**
   * `movesSequence`: why a statement reaches a sequence without naming nextval() / setval()
   * (undefined: it does not); absent, only statements that name them are held back.
   */
  constructor(movesSequence2) {
    this.movesSequence = movesSequence2;
  }
  movesSequence;
  /** The client's transaction depth (it has one level: BEGIN … COMMIT). */
  depth = 0;
  /** Depth as planned so far in the current batch (statements are planned before they run). */
  planned = 0;
  /** The client's block has failed (it sees E until it rolls back). */
  failed = false;
  opened = false;
  /** How the previous batch outside a block ended: its savepoint is released or rolled back. */
  autoPending;
  batchOpen = false;
  /**
   * Called before each client message that starts or continues a batch: at the start of one,
   * the SQL the gateway must run first (its own, unseen by the client), or undefined.
   */
  batchPrefix() {
    if (this.batchOpen) return void 0;
    this.batchOpen = true;
    this.planned = this.depth;
    const sql = [];
    if (!this.opened) {
      sql.push("BEGIN");
      this.opened = true;
    }
    if (this.autoPending === "failed") sql.push("ROLLBACK TO SAVEPOINT guardrail_auto");
    if (this.autoPending) sql.push("RELEASE SAVEPOINT guardrail_auto");
    this.autoPending = void 0;
    if (this.depth === 0) sql.push("SAVEPOINT guardrail_auto");
    return sql.length ? queryMessage(sql.join("; ")) : void 0;
  }
  /** Plans one client statement of the current batch. */
  step(text) {
    const b = body(text);
    if (BEGIN.test(b)) {
      if (this.planned === 1)
        return {
          sql: NO_OP,
          tag: "BEGIN",
          notice: {
            severity: "WARNING",
            code: "25001",
            message: "there is already a transaction in progress"
          }
        };
      this.planned = 1;
      return { sql: "SAVEPOINT guardrail_tx", tag: "BEGIN", depth: 1 };
    }
    const commit = COMMIT.test(b);
    if (commit || ROLLBACK.test(b)) {
      const tag = commit ? "COMMIT" : "ROLLBACK";
      if (this.planned === 0)
        return {
          sql: NO_OP,
          tag,
          notice: { severity: "WARNING", code: "25P01", message: "there is no transaction in progress" }
        };
      this.planned = 0;
      if (commit && !this.failed) return { sql: "RELEASE SAVEPOINT guardrail_tx", tag, depth: 0 };
      return { sql: "ROLLBACK TO SAVEPOINT guardrail_tx", tag: "ROLLBACK", depth: 0 };
    }
    for (const [pattern, tag] of OUTSIDE_TRANSACTION) {
      if (pattern.test(b)) {
        return {
          sql: NO_OP,
          tag,
          skipped: true,
          notice: {
            severity: "NOTICE",
            code: "01000",
            message: `guardrail dry run: skipped ${firstLine(text)} (it cannot run inside the dry run's transaction)`
          }
        };
      }
    }
    if (RUNS_EXPRESSIONS.test(b) && SEQUENCE_CALL.test(b)) {
      return { sql: SEQUENCE_REFUSAL };
    }
    const why = RUNS_EXPRESSIONS.test(b) ? this.movesSequence?.(text) : void 0;
    return why ? sequenceUse(b, why) : {};
  }
  /** A step completed on the server. */
  completed(step) {
    if (step?.depth !== void 0) {
      this.depth = step.depth;
      if (step.depth === 0) this.failed = false;
    }
  }
  /**
   * The batch ended with the upstream's ReadyForQuery status (T or E): returns the status the
   * client sees, and notes what the next batch must do first.
   */
  batchEnded(upstream) {
    if (!this.batchOpen) return upstream;
    this.batchOpen = false;
    if (this.depth === 0) {
      this.autoPending = upstream === 69 ? "failed" : "ok";
      return 73;
    }
    this.failed = upstream === 69;
    return upstream;
  }
  /** The statements of a client Query, rewritten; undefined when all run as written. */
  rewrite(texts) {
    const steps = texts.map((t) => this.step(t));
    const changed = steps.some((s) => s.sql !== void 0);
    return {
      sql: changed ? texts.map((t, i) => steps[i].sql ?? t).join(";\n") : void 0,
      steps
    };
  }
};
function sequenceUse(b, why) {
  const tag = WRITE_TAGS[/^\w+/.exec(b)?.[0]?.toLowerCase() ?? ""];
  if (!tag) return { sql: SEQUENCE_USE_REFUSAL };
  const message2 = `guardrail dry run: not executed: ${why} (a sequence is not rolled back)`;
  return { sql: NO_OP, tag, skipped: true, notice: { severity: "NOTICE", code: "01000", message: message2 } };
}
var DRY_RUN_ROLLBACK = queryMessage("ROLLBACK");

// src/gateway/postgres/result-messages.ts
function readRowDescription(buf, start, end2) {
  const n = buf.readInt16BE(start + 5);
  let pos = start + 7;
  const out = { names: [], fields: [], formats: [] };
  for (let i = 0; i < n; i++) {
    const name = readCString(buf, pos, end2);
    if (name.next < 0 || name.next + 18 > end2) throw new MaskingError("malformed RowDescription");
    pos = name.next;
    out.names.push(name.value);
    out.fields.push({
      tableOid: buf.readUInt32BE(pos),
      attnum: buf.readInt16BE(pos + 4),
      typeOid: buf.readUInt32BE(pos + 6)
    });
    out.formats.push(buf.readInt16BE(pos + 16));
    pos += 18;
  }
  return out;
}
function formatOf(formats, i) {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i] ?? 0;
}
var SAMPLE_CHARS = 256;
function sampleValues(row, fields, n) {
  const values = [];
  let pos = 7;
  for (let i = 0; i < n; i++) {
    const len = row.readInt32BE(pos);
    pos += 4;
    if (len < 0) {
      values.push(null);
      continue;
    }
    const binary2 = fields ? formatOf(fields.formats, i) === 1 : false;
    const type = fields?.fields[i]?.typeOid ?? 0;
    values.push(
      binary2 && !pgTextLike(type) ? binaryValue(row, pos, len, type) : row.toString("utf8", pos, pos + len)
    );
    pos += len;
  }
  return values;
}
function binaryValue(row, pos, len, type) {
  if (type === 16 && len === 1) return row[pos] === 1;
  if (type === 21 && len === 2) return row.readInt16BE(pos);
  if (type === 23 && len === 4) return row.readInt32BE(pos);
  if (type === 20 && len === 8) return row.readBigInt64BE(pos).toString();
  return `<binary ${len} bytes>`;
}
function cutSample(values) {
  return values.map(
    (v) => typeof v === "string" && v.length > SAMPLE_CHARS ? `${v.slice(0, SAMPLE_CHARS)}\u2026` : v
  );
}
var VALUE_FIELDS = /* @__PURE__ */ new Set([77, 68, 72, 87]);
function redactFields(buf, start, end2, masking) {
  const fields = [];
  let pos = start + 5;
  while (pos < end2 && buf[pos] !== 0) {
    const { value: value2, next } = readCString(buf, pos + 1, end2);
    if (next < 0) throw new MaskingError("malformed error fields");
    fields.push([buf[pos], value2]);
    pos = next;
  }
  const schema = fields.find(([k]) => k === 115)?.[1];
  const table = fields.find(([k]) => k === 116)?.[1];
  const ctx = { ...schema ? { schema } : {}, ...table ? { table } : {} };
  const body2 = Buffer.concat([
    ...fields.map(
      ([k, v]) => Buffer.concat([
        Buffer.from([k]),
        Buffer.from(`${VALUE_FIELDS.has(k) ? masking.redactMessage(v, ctx) : v}\0`)
      ])
    ),
    Buffer.from([0])
  ]);
  return message(buf[start], body2);
}
function copyData(data) {
  return message(T.copyData, data);
}

// src/gateway/postgres/type-oids.ts
var BOOL = 16;
var BYTEA = 17;
var INT8 = 20;
var INT2 = 21;
var INT4 = 23;
var OID = 26;
var FLOAT8 = 701;
var TEXTUAL2 = /* @__PURE__ */ new Set([18, 19, 25, 1042, 1043]);

// src/gateway/postgres/executions.ts
var PARAM_PREVIEW = 1024;
function readBind2(buf, start, end2, state, statements) {
  const m = readBind(buf, start, end2);
  if (!m) return void 0;
  const declared = statements.get(m.statement)?.paramTypes;
  const shown = [];
  const exact = [];
  let isExact = true;
  for (let i = 0; i < m.values.length; i++) {
    const { at, len } = m.values[i];
    if (len === -1) {
      shown.push(null);
      exact.push(null);
      continue;
    }
    const v = value(buf, at, at + len, formatOf(m.formats, i), declared?.[i] ?? 0, state);
    shown.push(v.shown);
    if (v.exact === void 0) isExact = false;
    else exact.push(v.exact);
  }
  return {
    portal: m.portal,
    statement: m.statement,
    shown,
    exact: isExact ? exact : void 0,
    resultFormats: m.resultFormats,
    names: m.names
  };
}
function value(buf, from, to, format, type, state) {
  const len = to - from;
  const described2 = { shown: `[binary ${len} bytes]` };
  if (format === 0 || format === 1 && TEXTUAL2.has(type)) {
    const d = state.decode(buf, from, to);
    if (!("text" in d)) return described2;
    const shown = d.text.length > PARAM_PREVIEW ? `${d.text.slice(0, PARAM_PREVIEW)}\u2026` : d.text;
    return { shown, exact: d.text };
  }
  if (format !== 1) return described2;
  const exact = binary(buf, from, len, type);
  if (exact === void 0) return described2;
  return { shown: typeof exact === "string" ? exact : described2.shown, exact };
}
function binary(buf, at, len, type) {
  switch (type) {
    case BOOL:
      return len === 1 ? buf[at] ? "true" : "false" : void 0;
    case INT2:
      return len === 2 ? String(buf.readInt16BE(at)) : void 0;
    case INT4:
      return len === 4 ? String(buf.readInt32BE(at)) : void 0;
    case OID:
      return len === 4 ? String(buf.readUInt32BE(at)) : void 0;
    case INT8:
      return len === 8 ? buf.readBigInt64BE(at).toString() : void 0;
    case FLOAT8: {
      if (len !== 8) return void 0;
      const f = buf.readDoubleBE(at);
      if (Number.isNaN(f)) return "NaN";
      if (!Number.isFinite(f)) return f > 0 ? "Infinity" : "-Infinity";
      return Object.is(f, -0) ? "-0" : String(f);
    }
    case BYTEA:
      return Buffer.from(buf.subarray(at, at + len));
    default:
      return void 0;
  }
}
var ANY_NAME = "\0";
var PREPARE = /^prepare\s+(?:"((?:[^"]|"")*)"|([^\s("]+))/;
function notePrepares(analysis, names2) {
  for (const s of analysis.statements) {
    if (!s.canonical.startsWith("prepare")) continue;
    const m = PREPARE.exec(s.canonical);
    names2.add(m ? m[1]?.replace(/""/g, '"') ?? m[2] : ANY_NAME);
  }
}
function preparedBySql(names2, name) {
  if (name === "" || !(names2.has(name) || names2.has(ANY_NAME))) return void 0;
  return `guardrail: prepared statement "${name}" was made by SQL PREPARE: run it with EXECUTE, which is judged`;
}

// src/gateway/postgres/framer.ts
var FORWARD = 0;
var DROP = 1;
var STOP = 2;
var STREAM = 0;
var MUST_WHOLE = 1;
var PREFER_WHOLE = 2;
var Framer = class {
  constructor(hooks) {
    this.hooks = hooks;
  }
  hooks;
  head = Buffer.alloc(5);
  headLen = 0;
  body = null;
  bodyLen = 0;
  passLeft = 0;
  backlog = [];
  stopped = false;
  dead = false;
  get held() {
    return this.stopped;
  }
  push(chunk) {
    if (this.dead) return;
    if (this.stopped) this.backlog.push(chunk);
    else this.scan(chunk);
  }
  /** Stops after the message being handled (its disposition still applies) until `resume()`. */
  pause() {
    this.stopped = true;
  }
  resume() {
    this.stopped = false;
    while (!this.stopped && !this.dead && this.backlog.length > 0) this.scan(this.backlog.shift());
  }
  /** Bytes waiting behind a held message, for bounding what a paused client may queue. */
  get backlogBytes() {
    let n = 0;
    for (const b of this.backlog) n += b.length;
    return n;
  }
  die(message2, code = "08P01") {
    this.dead = true;
    this.backlog = [];
    this.hooks.fail(message2, code);
  }
  emit(chunk, from, to) {
    if (to > from) this.hooks.out(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
  }
  /** Applies a disposition; returns false when the framer must stop. */
  apply(d) {
    if (typeof d !== "number") this.hooks.out(d);
    else if (d === STOP) this.stopped = true;
    return !this.stopped && !this.dead;
  }
  scan(chunk) {
    const { hooks } = this;
    const len = chunk.length;
    let pos = 0;
    let from = 0;
    while (pos < len) {
      if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, len - pos);
        this.passLeft -= n;
        pos += n;
        continue;
      }
      if (this.body) {
        const n = Math.min(this.body.length - this.bodyLen, len - pos);
        chunk.copy(this.body, this.bodyLen, pos, pos + n);
        this.bodyLen += n;
        pos += n;
        from = pos;
        if (this.bodyLen < this.body.length) return;
        if (!this.finishBody()) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      if (this.headLen > 0 || len - pos < 5) {
        this.emit(chunk, from, pos);
        const n = Math.min(5 - this.headLen, len - pos);
        chunk.copy(this.head, this.headLen, pos, pos + n);
        this.headLen += n;
        pos += n;
        from = pos;
        if (this.headLen < 5) return;
        this.headLen = 0;
        if (!this.begin()) return;
        const assembling = this.body;
        if (assembling && this.bodyLen === assembling.length && !this.finishBody()) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      const type = chunk[pos];
      const length = chunk.readInt32BE(pos + 1);
      if (length < 4) {
        this.die(`invalid message length ${length} for message type 0x${type.toString(16)}`);
        return;
      }
      const total = length + 1;
      if (hooks.whole[type] === 0) {
        const n = Math.min(total, len - pos);
        pos += n;
        this.passLeft = total - n;
        continue;
      }
      if (total > hooks.maxMessageBytes) {
        if (hooks.whole[type] !== PREFER_WHOLE) {
          this.tooBig(total);
          return;
        }
        const n = Math.min(total, len - pos);
        pos += n;
        this.passLeft = total - n;
        continue;
      }
      if (len - pos >= total) {
        const d = hooks.message(type, chunk, pos, pos + total);
        if (d === FORWARD) {
          pos += total;
          continue;
        }
        this.emit(chunk, from, pos);
        pos += total;
        from = pos;
        if (!this.apply(d)) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      this.emit(chunk, from, pos);
      this.body = Buffer.allocUnsafe(total);
      chunk.copy(this.body, 0, pos, len);
      this.bodyLen = len - pos;
      return;
    }
    this.emit(chunk, from, pos);
  }
  /** Interprets the header assembled in `head`: streams the message or starts assembling it. */
  begin() {
    const { head } = this;
    const type = head[0];
    const length = head.readInt32BE(1);
    if (length < 4) {
      this.die(`invalid message length ${length} for message type 0x${type.toString(16)}`);
      return false;
    }
    const total = length + 1;
    if (this.hooks.whole[type] === 0) {
      this.hooks.out(Buffer.from(head));
      this.passLeft = total - 5;
      return true;
    }
    if (total > this.hooks.maxMessageBytes) {
      if (this.hooks.whole[type] !== PREFER_WHOLE) {
        this.tooBig(total);
        return false;
      }
      this.hooks.out(Buffer.from(head));
      this.passLeft = total - 5;
      return true;
    }
    this.body = Buffer.allocUnsafe(total);
    head.copy(this.body, 0);
    this.bodyLen = 5;
    return true;
  }
  /** Hands over the assembled message; returns false when the framer must stop. */
  finishBody() {
    const msg = this.body;
    this.body = null;
    const d = this.hooks.message(msg[0], msg, 0, msg.length);
    return this.apply(d === FORWARD ? msg : d);
  }
  tooBig(total) {
    this.die(
      `message of ${total} bytes exceeds the gateway's limit of ${this.hooks.maxMessageBytes} bytes`,
      "54000"
    );
  }
  park(chunk, pos) {
    if (this.dead) return;
    if (pos < chunk.length) this.backlog.unshift(chunk.subarray(pos));
  }
};

// src/gateway/postgres/large-objects.ts
var CREATORS = /* @__PURE__ */ new Set(["lo_creat", "lo_create", "lo_import", "lo_from_bytea"]);
var ARG = String.raw`(?:[^()'"$\\/*-]|-(?!-)|\$[0-9]+|'[^'()$\\]*')`;
var SQL_CREATOR = new RegExp(
  String.raw`^\s*select\s+(?:pg_catalog\s*\.\s*)?(?:lo_creat|lo_create|lo_import|lo_from_bytea)\s*\((?:${ARG}|\(${ARG}*\))*\)\s*(?:as\s+[a-z_][a-z0-9_]*\s*)?;?\s*$`,
  "i"
);
function createsLargeObject(schema, name) {
  return schema === "pg_catalog" && CREATORS.has(name);
}
function sqlCreatesLargeObject(texts) {
  if (texts?.length !== 1) return false;
  const text = texts[0];
  return (text.includes("lo_") || text.includes("LO_")) && SQL_CREATOR.test(text);
}
function oidOf(value2, binary2) {
  if (binary2) return value2.length === 4 ? value2.readUInt32BE(0) : void 0;
  const text = value2.toString("latin1");
  return /^[0-9]{1,10}$/.test(text) && Number(text) <= 4294967295 ? Number(text) : void 0;
}
var OwnLargeObjects = class {
  constructor(ctx) {
    this.ctx = ctx;
  }
  ctx;
  /** Created since the session was last idle outside a transaction block. */
  pending = [];
  undone = false;
  /** A creating call returned `value` (a FunctionCallResponse's, or a one-column DataRow's). */
  created(value2, binary2) {
    if (!value2) return;
    const oid = oidOf(value2, binary2);
    if (oid === void 0 || oid === 0) return;
    (this.ctx.largeObjects ??= /* @__PURE__ */ new Set()).add(oid);
    this.pending.push(oid);
  }
  /**
   * An error, a ROLLBACK (to a savepoint too) or a PREPARE TRANSACTION: what was created since may
   * be gone (a prepared transaction is settled later, by any session's ROLLBACK PREPARED).
   */
  undo() {
    if (this.pending.length > 0) this.undone = true;
  }
  /** A ReadyForQuery: `idle` outside a transaction block, where what is pending is settled. */
  ready(idle) {
    if (!idle || this.pending.length === 0) return;
    if (this.undone) for (const oid of this.pending) this.ctx.largeObjects?.delete(oid);
    this.pending = [];
    this.undone = false;
  }
};

// src/gateway/postgres/refusals.ts
function refusalResponse(r) {
  return errorResponse(POSTGRES_REFUSALS[r.kind].sqlState, r.message);
}

// src/gateway/postgres/replies.ts
import { performance } from "node:perf_hooks";

// src/sql/postgres/state.ts
var PostgresSessionState = class {
  /** client_encoding as reported (Postgres' canonical name). Every server reports it at start-up. */
  clientEncoding = "UTF8";
  serverEncoding = "UTF8";
  scs = true;
  /** search_path, when the server reports it (PostgreSQL 18 and later). */
  searchPath;
  /**
   * The message being judged follows others whose effect on these settings is not yet
   * confirmed: the analyzer reads it under every value they could have left (the strictest).
   */
  unsettled = false;
  /** standard_conforming_strings as the analyzer must assume it: off while unsettled. */
  get standardConformingStrings() {
    return this.scs && !this.unsettled;
  }
  /** A ParameterStatus from the server. */
  parameter(name, value2) {
    switch (name) {
      case "client_encoding":
        this.clientEncoding = value2.toUpperCase();
        break;
      case "server_encoding":
        this.serverEncoding = value2.toUpperCase();
        break;
      case "standard_conforming_strings":
        this.scs = value2 === "on";
        break;
      case "search_path":
        this.searchPath = value2;
        break;
    }
  }
  /** The text of a Query or Parse, as the server will read these bytes now. */
  decode(b, start, end2) {
    return decode(b, start, end2, this.clientEncoding, this.serverEncoding);
  }
};

// src/gateway/postgres/result-masking.ts
var SAMPLE_ROWS = 5;
var WITHHELD_TEXT = "guardrail: masking withheld the text of this message (the statement reads a masked column)";
function taintedNow(e) {
  return e?.lineage?.[e.index ?? 0]?.tainted === true;
}
var ResultMasker = class {
  constructor(session, m) {
    this.session = session;
    this.m = m;
    this.rowMode = m.catalog && m.masking.config.onWire ? MUST_WHOLE : PREFER_WHOLE;
    this.rowsArrive(this.rowMode);
  }
  session;
  m;
  current;
  /** How DataRow and CopyData arrive between results. */
  rowMode;
  /** Plans that mask no column, by width: most results of a session without column rules share one. */
  unmasked = [];
  rowsArrive(mode) {
    this.m.hooks.setWhole(T.dataRow, mode);
    this.m.hooks.setWhole(T.copyData, mode);
  }
  /** The current result was withheld: the rest of it is dropped. */
  get withheld() {
    return this.current?.withheld === true;
  }
  /**
   * An ErrorResponse or NoticeResponse of `e`'s statement, its values redacted when masking is on
   * the wire; when the statement reads masked data, every text field is withheld (SQLSTATE kept).
   */
  serverMessage(buf, start, end2, e) {
    if (!this.onWire) return FORWARD;
    if (!taintedNow(e)) return redactFields(buf, start, end2, this.m.masking);
    const f = readError(buf, start, end2);
    return buf[start] === T.error ? errorResponse(f.code, WITHHELD_TEXT, f.severity) : noticeResponse(f.code, WITHHELD_TEXT, f.severity);
  }
  get onWire() {
    return this.m.masking.config.onWire;
  }
  /** A RowDescription of `e`'s result. */
  rowDescription(e, buf, start, end2) {
    return this.begin(e, buf.subarray(start, end2), readRowDescription(buf, start, end2));
  }
  /**
   * A result set starts: works out its mask plan (reading the catalog first if it must). `row`
   * is the first DataRow when the result had no RowDescription of its own (an Execute).
   */
  begin(e, description, fields, row) {
    const planned = this.plan(e, fields, row ? readColumnCount(row) : void 0);
    if (!(planned instanceof Promise)) {
      const d = this.started(e, description, fields, planned);
      return row && d === DROP ? this.row(e, row) : d;
    }
    const original = description ? Buffer.from(description) : void 0;
    const first = row ? Buffer.from(row) : void 0;
    const hooks = this.m.hooks;
    planned.catch((err) => `the masking catalog could not be read: ${err.message}`).then((p) => {
      const d = this.started(e, original, fields, p);
      if (typeof d !== "number") hooks.toClient(d);
      else if (d === FORWARD && original) hooks.toClient(original);
      if (first && !this.current?.withheld) {
        const out = this.row(e, first);
        if (out === FORWARD) hooks.toClient(first);
        else if (typeof out !== "number") hooks.toClient(out);
      }
      hooks.resumeServer();
    }).catch((err) => hooks.fatal(`gateway error: ${err.message}`));
    return STOP;
  }
  /** Returns the disposition of the RowDescription (DROP when there is none: an Execute's rows). */
  started(e, description, fields, planned) {
    if (typeof planned === "string") return this.withhold(e, fields?.names ?? [], planned);
    const wire = this.onWire && planned.masksAny;
    this.current = {
      names: fields?.names ?? [],
      fields,
      plan: planned,
      wire,
      sample: [],
      truncated: false,
      withheld: false
    };
    this.rowsArrive(wire ? MUST_WHOLE : PREFER_WHOLE);
    return description ? FORWARD : DROP;
  }
  withhold(e, names2, reason) {
    const why = refusal("masking-refused", `masking withheld this result: ${reason}`);
    e.error = { code: POSTGRES_REFUSALS[why.kind].sqlState, message: why.message };
    this.current = {
      names: names2,
      fields: void 0,
      plan: this.m.masking.plan([]),
      wire: false,
      sample: [],
      truncated: false,
      withheld: true
    };
    this.rowsArrive(MUST_WHOLE);
    return refusalResponse(why);
  }
  /** The mask plan of a result: from its fields and the statement's lineage. */
  plan(e, fields, width, round = 0) {
    const { masking, catalog } = this.m;
    const lineage = e.lineage?.[e.index ?? 0];
    const n = fields?.fields.length ?? width ?? 0;
    if (!catalog) return this.unmaskedPlan(n);
    if (!lineage) return "the statement has no lineage";
    if (!fields) {
      if (lineage.anyMasked || lineage.maskAll || lineage.exact && lineage.columns.length !== n)
        return "the result was not described, so its masked columns cannot be typed";
      return this.unmaskedPlan(n);
    }
    const p = masking.pgRowPlan(fields.fields, lineage, catalog.origins);
    if (p.kind === "plan") return p.plan;
    if (p.kind === "refuse") return p.reason;
    if (round >= 3) return "the origins of its columns could not be read from the catalog";
    return catalog.resolve(p.missing).then(() => this.plan(e, fields, width, round + 1));
  }
  unmaskedPlan(n) {
    let plan = this.unmasked[n];
    if (!plan) {
      plan = this.m.masking.plan(Array.from({ length: n }, () => ({ masked: false, textLike: true })));
      if (n >= 0 && n <= 1664) this.unmasked[n] = plan;
    }
    return plan;
  }
  /** A DataRow of `e`'s result (the first one starts the result when there was no RowDescription). */
  dataRow(e, buf, start, end2) {
    const row = start === 0 && end2 === buf.length ? buf : buf.subarray(start, end2);
    if (!this.current) return this.begin(e, void 0, described(e.portal), row);
    return this.row(e, row);
  }
  row(e, row) {
    const r = this.current;
    if (r.withheld) return DROP;
    try {
      if (r.sample.length < SAMPLE_ROWS) {
        const values = sampleValues(row, r.fields, readColumnCount(row));
        r.sample.push(cutSample(this.m.masking.maskSampleRow(values, r.plan)));
      } else {
        r.truncated = true;
        if (!r.wire) this.rowsArrive(STREAM);
      }
      if (!r.wire) return FORWARD;
      const out = maskDataRow(row, r.plan);
      return out === row ? FORWARD : out;
    } catch (err) {
      if (!(err instanceof MaskingError || err instanceof RangeError)) throw err;
      return this.withhold(e, r.names, err.message);
    }
  }
  /** A CopyOutResponse: a COPY … TO STDOUT result starts. */
  copyOut(e, buf, start) {
    const { binary: binary2, columns: n } = readCopyResponse(buf, start);
    const masked = this.copyMasked(e, n);
    if (typeof masked === "string") return this.withhold(e, [], masked);
    const plan = this.m.masking.plan(masked.map((m) => ({ masked: m, textLike: true })));
    if (binary2 && plan.masksAny) return this.withhold(e, [], "COPY in binary format cannot be masked");
    let copy;
    try {
      copy = binary2 ? { kind: "binary" } : copyFormat(e.texts?.[e.index ?? 0] ?? "");
    } catch (err) {
      if (plan.masksAny) return this.withhold(e, [], err.message);
    }
    const sampled = copy !== void 0 && copy.kind !== "binary";
    const wire = this.onWire && plan.masksAny;
    const lineage = e.lineage?.[e.index ?? 0];
    this.current = {
      names: lineage?.exact ? lineage.columns.map((c) => c.name) : [],
      fields: void 0,
      plan,
      wire,
      sample: [],
      truncated: !sampled,
      withheld: false,
      ...copy ? { copy, copyHeader: copy.kind !== "binary" && copy.header } : {}
    };
    this.rowsArrive(wire ? MUST_WHOLE : sampled ? PREFER_WHOLE : STREAM);
    return FORWARD;
  }
  /** Which COPY columns are masked: from lineage alone, since COPY sends no RowDescription. */
  copyMasked(e, n) {
    const none = Array.from({ length: n }, () => false);
    if (!this.m.catalog) return none;
    const lineage = e.lineage?.[e.index ?? 0];
    if (!lineage) return "the statement has no lineage";
    if (!lineage.exact) return none;
    if (lineage.columns.length !== n)
      return `COPY sends ${n} columns but the statement's lineage has ${lineage.columns.length}`;
    return lineage.columns.map((c) => c.masked);
  }
  /** A CopyData of a COPY … TO STDOUT result. */
  copyData(e, buf, start, end2) {
    const r = this.current;
    if (!r) return FORWARD;
    if (r.withheld) return DROP;
    const copy = r.copy;
    if (!copy || copy.kind === "binary") return FORWARD;
    if (r.copyHeader) {
      r.copyHeader = false;
      return FORWARD;
    }
    const data = readCopyData(buf, start, end2);
    try {
      const needSample = r.sample.length < SAMPLE_ROWS;
      if (!needSample) {
        r.truncated = true;
        if (!r.wire) this.rowsArrive(STREAM);
      }
      if (!needSample && !r.wire) return FORWARD;
      const masked = copy.kind === "text" ? maskCopyText(data, r.plan, copy.text) : maskCopyCsv(data, r.plan, copy.csv);
      if (needSample) {
        const line = this.m.masking.redactValue(masked.toString("utf8").replace(/\r?\n$/, ""));
        r.sample.push(cutSample([line]));
      }
      return r.wire && masked !== data ? copyData(masked) : FORWARD;
    } catch (err) {
      if (!(err instanceof MaskingError)) throw err;
      return this.withhold(e ?? {}, r.names, err.message);
    }
  }
  /** The result set ended: its sample goes to the transcript. Returns whether it was withheld. */
  end(e) {
    const r = this.current;
    if (!r) return false;
    this.current = void 0;
    this.rowsArrive(this.rowMode);
    if (!r.withheld && e?.stmt && !e.refusal) {
      this.session.rows({
        id: e.stmt,
        columns: r.copy ? ["COPY row"] : r.names,
        sample: r.sample,
        truncated: r.truncated,
        masked: r.names.filter((_, i) => r.plan.actions[i] !== 0)
      });
    }
    return r.withheld;
  }
};
function described(portal) {
  if (!portal) return void 0;
  const d = portal.described ?? portal.statement?.described;
  if (!d) return void 0;
  return portal.described ? d : { ...d, formats: portal.formats };
}

// src/gateway/postgres/replies.ts
var QUERY6 = 0;
var PARSE = 1;
var BIND = 2;
var DESCRIBE = 3;
var EXECUTE = 4;
var CLOSE = 5;
var SYNC = 6;
var INTERNAL = 7;
var FUNCTION = 8;
var NOTHING = {};
var Entry = class {
  constructor(kind, { stmt, refusal: refusal2, facts, portal, describes }) {
    this.kind = kind;
    this.stmt = stmt;
    this.refusal = refusal2;
    this.started = stmt === void 0 ? 0 : performance.now();
    this.lineage = facts?.lineage;
    this.texts = facts?.texts;
    this.changesCatalog = facts?.changesCatalog;
    this.steps = facts?.steps;
    this.newLargeObject = facts?.createsLargeObject ?? (sqlCreatesLargeObject(facts?.texts) ? "row" : void 0);
    this.portal = portal;
    this.describes = describes;
  }
  kind;
  /** Session statement id whose result this reply completes. */
  stmt;
  /** For a refused statement: the ErrorResponse the client gets instead of the server's. */
  refusal;
  /** When a statement's reply was expected (0 for replies that complete no statement). */
  started;
  tag = void 0;
  rows = void 0;
  error = void 0;
  /** QUERY: which statement of the string is answering now. */
  index = 0;
  lineage;
  texts;
  changesCatalog;
  steps;
  /** Its result is the OID of a large object it creates (see large-objects.ts). */
  newLargeObject;
  portal;
  /** DESCRIBE: what the RowDescription describes. */
  describes;
};
var Replies = class {
  constructor(session, prepared, masking, dry) {
    this.session = session;
    this.prepared = prepared;
    this.dry = dry;
    this.results = masking ? new ResultMasker(session, masking) : void 0;
    this.catalog = masking?.catalog;
    session.analysisContext.postgres = this.state;
    this.largeObjects = new OwnLargeObjects(session.analysisContext);
  }
  session;
  prepared;
  dry;
  queue = [];
  head = 0;
  /** Transaction status of the last ReadyForQuery: I, T or E. */
  txStatus = 73;
  /** DDL ran in this session that the side connection may not see yet (not committed). */
  unseenDdl = false;
  /**
   * What the server confirmed about the session's settings: written here, from ParameterStatus
   * and ReadyForQuery only; the analyzer and the commands' decoder read it.
   */
  state = new PostgresSessionState();
  /** Called once when every reply expected so far has arrived (see `whenIdle`). */
  idle;
  /** The server is reading COPY data from the client. */
  copyIn = false;
  results;
  catalog;
  largeObjects;
  /** The session's search_path, when the server reports it (PostgreSQL 18 and later). */
  get searchPath() {
    return this.state.searchPath;
  }
  /**
   * Whether the server will answer everything expected so far on its own: the last message sent
   * ends a batch (Query or Sync), so a ReadyForQuery is on its way and waiting for it is safe.
   */
  get batchClosed() {
    const last2 = this.queue[this.queue.length - 1];
    if (this.copyIn) return false;
    return this.pending === 0 || last2?.kind === QUERY6 || last2?.kind === SYNC || last2?.kind === FUNCTION;
  }
  /** Runs `fn` once every reply expected so far has arrived (after the ReadyForQuery that ends them). */
  whenIdle(fn) {
    if (this.pending === 0) fn();
    else this.idle = fn;
  }
  get inTransaction() {
    return this.txStatus !== 73;
  }
  get pending() {
    return this.queue.length - this.head;
  }
  /** Queues the reply to one client message. */
  expect(kind, reply = NOTHING) {
    this.queue.push(new Entry(kind, reply));
    if (reply.facts?.changesCatalog) this.unseenDdl = true;
  }
  peek() {
    return this.queue[this.head];
  }
  shift() {
    const e = this.queue[this.head];
    if (!e) return void 0;
    this.queue[this.head++] = void 0;
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return e;
  }
  finish(e) {
    if (e.refusal) return;
    if (e.changesCatalog) this.catalog?.invalidate();
    if (!e.stmt) return;
    const result = {
      durationMs: performance.now() - e.started
    };
    if (e.tag !== void 0) result.tag = e.tag;
    if (e.rows !== void 0) result.rows = e.rows;
    if (e.error) result.error = e.error;
    this.session.ran(e.stmt, result);
  }
  /** Handles one server message; returns what to send the client. */
  message(type, buf, start, end2) {
    if (this.dry && this.peek()?.kind === INTERNAL) return this.internal(type, buf, start, end2);
    switch (type) {
      case T.dataRow:
        return this.results ? this.rows(buf, start, end2) : FORWARD;
      case T.copyData:
        return this.results ? this.results.copyData(this.peek(), buf, start, end2) : FORWARD;
      case T.copyDone:
        return this.results?.withheld ? DROP : FORWARD;
      case T.commandComplete:
      case T.emptyQuery:
      case T.portalSuspended: {
        const tag = type === T.commandComplete ? readCommandTag(buf, start, end2) : void 0;
        const e = this.peek();
        const withheld = this.results?.end(e) === true;
        if (e && (e.kind === EXECUTE || e.kind === QUERY6)) {
          e.index++;
          if (withheld) {
            if (e.kind === EXECUTE) this.finish(this.shift());
            return DROP;
          }
          const step = e.steps?.[e.kind === QUERY6 ? e.index - 1 : 0];
          if (step && tag !== void 0) {
            this.dry?.run.completed(step);
            if (step.tag !== void 0) return this.answered(e, step);
          }
          if (tag !== void 0) {
            e.tag = tag;
            const rows = rowsOfTag(tag);
            if (rows !== void 0) e.rows = (e.kind === QUERY6 ? e.rows ?? 0 : 0) + rows;
          } else if (type === T.portalSuspended) e.tag = "SUSPENDED";
          if (e.kind === EXECUTE) this.finish(this.shift());
        }
        if (tag === "DISCARD ALL" || tag === "DEALLOCATE ALL") this.prepared.clear();
        else if (tag === "ROLLBACK" || tag === "PREPARE TRANSACTION") this.largeObjects.undo();
        return FORWARD;
      }
      case T.parseComplete:
      case T.bindComplete:
      case T.closeComplete:
        this.shift();
        return FORWARD;
      case T.rowDescription: {
        const e = this.peek();
        if (e?.kind === DESCRIBE) {
          this.shift();
          if (this.results && e.describes) e.describes.described = readRowDescription(buf, start, end2);
          return FORWARD;
        }
        if (this.results && e && (e.kind === QUERY6 || e.kind === EXECUTE))
          return this.results.rowDescription(e, buf, start, end2);
        return FORWARD;
      }
      case T.noData:
        if (this.peek()?.kind === DESCRIBE) this.shift();
        return FORWARD;
      case T.copyOutResponse: {
        const e = this.peek();
        if (this.results && e && (e.kind === QUERY6 || e.kind === EXECUTE))
          return this.results.copyOut(e, buf, start);
        return FORWARD;
      }
      case T.error: {
        this.largeObjects.undo();
        const withheld = this.results?.end(this.peek()) === true;
        const d = this.error(buf, start, end2);
        return withheld ? DROP : d;
      }
      case T.ready:
        this.results?.end(void 0);
        this.copyIn = false;
        return this.ready(readReadyStatus(buf, start));
      case T.copyInResponse:
        this.copyIn = true;
        this.dry?.resumeClient();
        return FORWARD;
      case T.functionCallResponse: {
        const e = this.peek();
        if (e?.kind === FUNCTION) {
          e.tag = "FUNCTION CALL";
          if (e.newLargeObject)
            this.largeObjects.created(readFunctionResult(buf, start, end2), e.newLargeObject === "binary");
        }
        return FORWARD;
      }
      case T.parameterStatus: {
        const p = readParameterStatus(buf, start, end2);
        if (p) this.state.parameter(p.name, p.value);
        return FORWARD;
      }
      case T.notice: {
        const f = readError(buf, start, end2);
        this.session.notice(f.severity, f.code, recordedText(this.peek(), f));
        return this.results ? this.results.serverMessage(buf, start, end2, this.peek()) : FORWARD;
      }
      default:
        return FORWARD;
    }
  }
  /** A dry-run step the gateway answers itself: its tag (and notice) instead of the server's. */
  answered(e, step) {
    e.tag = step.skipped ? SKIPPED_TAG : step.tag;
    let out = commandComplete(step.tag);
    if (step.notice) {
      const { severity, code, message: message2 } = step.notice;
      this.session.notice(severity, step.skipped ? SKIPPED_CODE : code, message2);
      out = Buffer.concat([noticeResponse(code, message2, severity), out]);
    }
    if (e.kind === EXECUTE) this.finish(this.shift());
    return out;
  }
  /** Replies to the gateway's own SQL are dropped; a failure is recorded (it should not happen). */
  internal(type, buf, start, end2) {
    if (type === T.error) {
      const f = readError(buf, start, end2);
      this.session.notice(
        f.severity,
        f.code,
        `guardrail dry run: the gateway's own statement failed: ${f.message}`
      );
    } else if (type === T.ready) this.shift();
    return DROP;
  }
  rows(buf, start, end2) {
    const e = this.peek();
    if (!e || e.kind !== QUERY6 && e.kind !== EXECUTE) return FORWARD;
    if (e.newLargeObject === "row")
      this.largeObjects.created(
        onlyColumn(buf, start, end2),
        e.kind === EXECUTE && formatOf(e.portal?.formats ?? [], 0) === 1
      );
    return this.results.dataRow(e, buf, start, end2);
  }
  error(buf, start, end2) {
    const e = this.peek();
    const pass = this.results ? this.results.serverMessage(buf, start, end2, e) : FORWARD;
    if (!e) return pass;
    if (e.kind === QUERY6 || e.kind === FUNCTION) {
      if (e.refusal) return this.replace(e);
      const f2 = readError(buf, start, end2);
      e.error = { code: f2.code, message: recordedText(e, f2) };
      return pass;
    }
    if (e.kind === SYNC) return pass;
    const first = this.shift();
    const f = readError(buf, start, end2);
    let out = pass;
    if (first.refusal) out = this.replace(first);
    else {
      first.error = { code: f.code, message: recordedText(first, f) };
      this.finish(first);
    }
    const skipped = { code: f.code, message: "not run: an earlier message of the same pipeline failed" };
    for (let next = this.peek(); next && next.kind !== SYNC && next.kind !== QUERY6; next = this.peek()) {
      const e2 = this.shift();
      if (e2.kind === EXECUTE || e2.kind === PARSE) {
        e2.error = skipped;
        this.finish(e2);
      }
    }
    return out;
  }
  replace(e) {
    const refusal2 = e.refusal;
    e.refusal = void 0;
    e.stmt = void 0;
    return refusal2.length > 0 ? refusal2 : DROP;
  }
  ready(upstream) {
    if (upstream === 73 && this.pending <= 1) this.unseenDdl = false;
    const status = this.dry ? this.dry.run.batchEnded(upstream) : upstream;
    this.txStatus = status;
    this.largeObjects.ready(status === 73);
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY6 || e.kind === FUNCTION) {
        this.finish(e);
        break;
      }
      if (e.kind === SYNC) break;
    }
    if (this.pending === 0) this.state.unsettled = false;
    if (this.idle && this.pending === 0) {
      const idle = this.idle;
      this.idle = void 0;
      idle();
    }
    if (!this.dry) return FORWARD;
    this.dry.resumeClient();
    return status === upstream ? FORWARD : readyForQuery(status);
  }
  /** At disconnect: statements still waiting for a reply end with an error in the transcript. */
  abandon(reason) {
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY6 || e.kind === EXECUTE || e.kind === FUNCTION) {
        e.error = { code: "08006", message: reason };
        this.finish(e);
      }
    }
  }
};
function recordedText(e, f) {
  return taintedNow(e) ? WITHHELD_TEXT : withDetail(f);
}
function withDetail(f) {
  return f.detail ? `${f.message}
DETAIL: ${f.detail}` : f.message;
}

// src/gateway/postgres/fast-path.ts
var INTEGERS = /* @__PURE__ */ new Set([INT8, INT2, INT4, OID]);
var KINDS = { p: "procedure", a: "aggregate", w: "window function" };
var FastPath = class {
  constructor(session, replies, oids, link, hooks) {
    this.session = session;
    this.replies = replies;
    this.oids = oids;
    this.link = link;
    this.hooks = hooks;
  }
  session;
  replies;
  oids;
  link;
  hooks;
  /** One FunctionCall message [start, end). */
  call(buf, start, end2) {
    const call = readFunctionCall(buf, start, end2);
    if (!call) {
      this.link.fatal("malformed FunctionCall message", "08P01");
      return DROP;
    }
    if (!this.oids) return this.refuse("fast-path function calls need the side connection to be judged");
    const known = this.oids.cached(call.oid);
    if (known) return this.judge(known, call, buf, start, end2);
    const original = Buffer.from(buf.subarray(start, end2));
    const copy = readFunctionCall(original, 0, original.length);
    this.hooks.hold();
    this.oids.resolve(call.oid).then(
      (identity) => this.later(
        original,
        () => identity ? this.judge(identity, copy, original, 0, original.length) : this.refuse(
          `fast-path call of function OID ${call.oid} refused: no committed function has that OID (a function created in the open transaction cannot be called by OID through the gateway)`
        )
      ),
      (err) => this.later(
        original,
        () => this.refuse(
          `fast-path call of function OID ${call.oid} refused: the catalog could not be read: ${err.message}`
        )
      )
    );
    return STOP;
  }
  /** Acts on a decision reached after the client was held, then reads the client again. */
  later(original, decide2) {
    try {
      const d = decide2();
      if (d === FORWARD) this.link.send(original);
      else if (typeof d !== "number") this.link.send(d);
    } catch (err) {
      this.link.fatal(`gateway error: ${err.message}`, "XX000");
      return;
    }
    this.hooks.release();
  }
  /** A call refused before it could be judged: the client gets an error, the server runs nothing. */
  refuse(message2) {
    const why = refusal("unjudgeable", message2);
    this.session.notice("ERROR", POSTGRES_REFUSALS[why.kind].sqlState, message2);
    this.replies.expect(QUERY6, { refusal: refusalResponse(why) });
    return queryMessage(FAILING_SQL);
  }
  judge(f, call, buf, start, end2) {
    const name = `${f.schema}.${f.name}`;
    if (f.kind !== "f")
      return this.refuse(
        `fast-path call of ${name} refused: a ${KINDS[f.kind] ?? f.kind} is not a plain function`
      );
    const equivalent = this.equivalent(f, call);
    if (typeof equivalent === "string")
      return this.refuse(`fast-path call of ${name} refused: ${equivalent}`);
    const params2 = equivalent.params.length > 0 ? equivalent.params : void 0;
    return this.hooks.judge(equivalent.text, params2, buf, start, end2, (j, facts) => {
      if (j.forward && facts.lineage?.some((l) => l?.tainted || l?.anyMasked || l?.maskAll))
        j = {
          ...j,
          forward: false,
          refusal: refusal(
            "masking-refused",
            `${name} reads masked data, and a fast-path call's result cannot be masked: call it with SELECT`
          )
        };
      if (!j.forward) {
        this.replies.expect(QUERY6, { stmt: j.statement.id, refusal: this.hooks.refusal(j) });
        return queryMessage(FAILING_SQL);
      }
      const creates = createsLargeObject(f.schema, f.name);
      this.replies.expect(FUNCTION, {
        stmt: j.statement.id,
        facts: creates ? { ...facts, createsLargeObject: call.resultFormat === 1 ? "binary" : "text" } : facts
      });
      return FORWARD;
    });
  }
  /** The call as SQL, or why it cannot be read as the server will read it. */
  equivalent(f, call) {
    const args = [];
    const params2 = [];
    for (let i = 0; i < call.args.length; i++) {
      const value2 = call.args[i];
      const type = f.argTypes[i];
      const typeName = f.argTypeNames[i];
      const cast = typeName === void 0 ? "" : `::${typeName}`;
      if (value2 === null) {
        args.push(`NULL${cast}`);
        continue;
      }
      const binary2 = call.formats[i] === 1;
      const inline = type === BYTEA ? void 0 : this.literal(value2, type, binary2);
      if (inline === void 0) {
        params2.push(`<${type === BYTEA ? "bytea" : "binary"} ${value2.length} bytes>`);
        args.push(`$${params2.length}${cast}`);
      } else if (typeof inline === "object") return inline.error;
      else args.push(INTEGERS.has(type) && /^-?[0-9]+$/.test(inline) ? inline : `${quote(inline)}${cast}`);
    }
    return { text: `SELECT ${identifier(f.schema)}.${identifier(f.name)}(${args.join(", ")})`, params: params2 };
  }
  /**
   * The value as the server will read it (its text), undefined when it is data to keep out of
   * the SQL (an unknown binary form), or an error when its bytes cannot be read.
   */
  literal(value2, type, binary2) {
    if (binary2) {
      if (type === INT2 && value2.length === 2) return String(value2.readInt16BE(0));
      if (type === INT4 && value2.length === 4) return String(value2.readInt32BE(0));
      if (type === INT8 && value2.length === 8) return String(value2.readBigInt64BE(0));
      if (type === OID && value2.length === 4) return String(value2.readUInt32BE(0));
      if (type === BOOL && value2.length === 1) return value2[0] ? "true" : "false";
      if (type === void 0 || !TEXTUAL2.has(type)) return void 0;
    }
    if (this.replies.pending > 0 && highBytes(value2, 0, value2.length))
      return {
        error: "an earlier message may have changed client_encoding, so non-ASCII text cannot be read until the server confirms it"
      };
    const d = this.replies.state.decode(value2, 0, value2.length);
    if (!("text" in d)) return { error: d.error };
    if (d.text.includes("\0")) return { error: "a text argument holds a NUL character" };
    return d.text;
  }
};
function quote(s) {
  const q = s.replaceAll("'", "''");
  return s.includes("\\") ? `E'${q.replaceAll("\\", "\\\\")}'` : `'${q}'`;
}
function identifier(name) {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

// src/gateway/strict.ts
var POSITION_WORDS = {
  expression: "an expression",
  "function argument": "a function argument",
  predicate: "a predicate",
  join: "a join condition",
  "ORDER BY": "an ORDER BY",
  "GROUP BY": "a GROUP BY",
  window: "a window",
  "write elsewhere": "a value written elsewhere"
};
function strictFindings(uses) {
  const byColumn = /* @__PURE__ */ new Map();
  for (const u of uses) {
    const at = byColumn.get(u.column) ?? /* @__PURE__ */ new Set();
    at.add(u.position);
    byColumn.set(u.column, at);
  }
  return [...byColumn].map(
    ([column, at]) => finding(
      "exfiltration/masked-column-use",
      [column],
      `masking strict mode: masked column ${column} is used in ${[...at].map((p) => POSITION_WORDS[p]).join(", ")}; only selecting it as is is allowed`
    )
  );
}

// src/gateway/postgres/masking-catalog.ts
var RELATIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.oid::int8 AS oid,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def,
       array(SELECT a.attname::text FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS cols,
       array(SELECT a.attnum::int FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS nums
  FROM jsonb_to_recordset($1) AS q(s text, r text)
  JOIN pg_namespace n ON n.nspname = q.s
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = q.r
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')`;
var FUNCTIONS_SQL = `
SELECT q.s AS schema, q.f AS name,
       EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE p.proname = q.f AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND (q.s = '' OR n.nspname = q.s)) AS user_defined
  FROM jsonb_to_recordset($1) AS q(s text, f text)`;
var ATTRIBUTES_SQL = `
SELECT q.o::int8 AS oid, q.a::int AS attnum, n.nspname AS schema, c.relname AS table, a.attname AS column
  FROM jsonb_to_recordset($1) AS q(o int8, a int)
  LEFT JOIN pg_attribute a ON a.attrelid = q.o::oid AND a.attnum = q.a AND NOT a.attisdropped
  LEFT JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`;
var DEFAULTS_SQL = 'SELECT current_schemas(true)::text[] AS path, current_user::text AS "user"';
var LIMITS2 = "SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '10s'; ";
var QUOTE2 = "$guardrail_catalog$";
var MAX_ROUNDS3 = 8;
var LINEAGE_CACHE = 512;
var UNSEEN = { kind: "view", columns: [] };
function schemasOf(setting, user) {
  const schemas = [];
  for (const m of setting.matchAll(/\s*("(?:[^"]|"")*"|[^,]+?)\s*(?:,|$)/g)) {
    const raw = m[1];
    if (!raw) continue;
    const name = raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase();
    schemas.push(name === "$user" ? user : name);
  }
  return schemas.includes("pg_catalog") ? schemas : ["pg_catalog", ...schemas];
}
var MaskingCatalog = class {
  constructor(masking, db) {
    this.masking = masking;
    this.db = db;
    this.origins = masking.resolverCache();
  }
  masking;
  db;
  origins;
  relations = /* @__PURE__ */ new Map();
  functions = /* @__PURE__ */ new Map();
  lineages = /* @__PURE__ */ new Map();
  /** The role's default search path (current_schemas(true) on the side connection) and name. */
  defaults;
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  generation = 0;
  invalidate() {
    this.generation++;
    this.relations.clear();
    this.functions.clear();
    this.lineages.clear();
    this.defaults = void 0;
    this.origins.invalidate();
  }
  /**
   * Lineage of every statement of `sql` in `session`'s state; a promise only when the catalog
   * must be read first.
   */
  lineage(sql, session = {}) {
    const cacheable = !session.strict && !session.pathUnknown;
    const key = `${session.searchPath ?? ""}\0${sql}`;
    const known = cacheable ? this.lineages.get(key) : void 0;
    if (known) return known;
    const first = this.attempt(sql, session);
    if ("result" in first) return this.remember(cacheable, key, first.result);
    return this.fetchAndRetry(sql, session, first.misses, 1).then((r) => this.remember(cacheable, key, r));
  }
  remember(cacheable, key, result) {
    if (!cacheable) return result;
    if (this.lineages.size >= LINEAGE_CACHE) this.lineages.clear();
    this.lineages.set(key, result);
    return result;
  }
  async fetchAndRetry(sql, session, misses, round) {
    await this.fetch(misses);
    const next = this.attempt(sql, session);
    if ("result" in next) return next.result;
    if (round >= MAX_ROUNDS3)
      return { refuse: true, reason: "the masking catalog kept changing while the statement was judged" };
    return this.fetchAndRetry(sql, session, next.misses, round + 1);
  }
  /** The schemas unqualified names resolve in: the session's reported search_path, else the role's default. */
  pathOf(session) {
    if (!this.defaults) return void 0;
    return session.searchPath === void 0 ? this.defaults.path : schemasOf(session.searchPath, this.defaults.user);
  }
  attempt(sql, session) {
    const misses = { relations: /* @__PURE__ */ new Set(), functions: /* @__PURE__ */ new Set(), path: false };
    const path = this.pathOf(session);
    const strict = session.strict === true;
    let pathUsed = false;
    const self = this;
    const catalog = {
      get searchPath() {
        pathUsed = true;
        if (path) return path;
        misses.path = true;
        return [];
      },
      relation(schema, name) {
        const key = `${schema}.${name}`;
        const r = self.relations.get(key);
        if (r === void 0) misses.relations.add(JSON.stringify([schema, name]));
        if (r === null && strict) {
          const later = path?.includes(schema) ? path.slice(path.indexOf(schema) + 1) : [];
          if (later.some((s) => self.relations.get(`${s}.${name}`) !== null)) {
            for (const s of later)
              if (!self.relations.has(`${s}.${name}`)) misses.relations.add(JSON.stringify([s, name]));
            return void 0;
          }
          return UNSEEN;
        }
        return r ?? void 0;
      },
      isUserFunction(name, schema) {
        const key = `${schema ?? ""}.${name}`;
        const f = self.functions.get(key);
        if (f === void 0) misses.functions.add(JSON.stringify([schema ?? "", name]));
        return f ?? false;
      }
    };
    const result = this.masking.maskedOutputs(sql, catalog);
    if (misses.path || misses.relations.size > 0 || misses.functions.size > 0) return { misses };
    if (pathUsed && session.pathUnknown && !result.refuse) {
      return {
        result: {
          refuse: true,
          reason: "the session changed its search_path (or role) and the server does not report it: qualify relation names with their schema"
        }
      };
    }
    return { result };
  }
  async fetch(misses) {
    const generation = this.generation;
    const pairs = (set) => [...set].map((s) => JSON.parse(s));
    const [path, relations, functions] = await Promise.all([
      misses.path ? this.read(DEFAULTS_SQL) : void 0,
      misses.relations.size ? this.read(
        RELATIONS_SQL,
        pairs(misses.relations).map(([s, r]) => ({ s, r }))
      ) : void 0,
      misses.functions.size ? this.read(
        FUNCTIONS_SQL,
        pairs(misses.functions).map(([s, f]) => ({ s, f }))
      ) : void 0
    ]);
    if (generation !== this.generation) return;
    if (path?.[0]) this.defaults = { path: path[0].path, user: path[0].user };
    for (const key of misses.relations) {
      const [schema, name] = JSON.parse(key);
      this.relations.set(`${schema}.${name}`, null);
    }
    for (const r of relations ?? []) {
      const schema = r.schema;
      const table = r.name;
      const cols = r.cols;
      const kind = r.kind === "v" || r.kind === "m" ? "view" : "table";
      this.relations.set(`${schema}.${table}`, {
        kind,
        columns: cols,
        ...typeof r.def === "string" ? { definition: r.def } : {}
      });
      const oid = Number(r.oid);
      r.nums.forEach((attnum, i) => {
        this.origins.set(oid, attnum, { schema, table, column: cols[i] });
      });
    }
    for (const r of functions ?? []) {
      this.functions.set(`${r.schema}.${r.name}`, r.user_defined === true);
    }
  }
  /**
   * Runs one catalog query under LIMITS, its input ($1) inlined as a dollar-quoted jsonb literal:
   * parameters would need the extended protocol, which takes one statement only.
   */
  async read(sql, input) {
    const json = JSON.stringify(input ?? null);
    if (json.includes(QUOTE2))
      throw new GuardrailError("a name in the statement cannot be looked up in the catalog", {
        code: "ERR_CATALOG_READ"
      });
    const text = LIMITS2 + sql.replace("$1", `${QUOTE2}${json}${QUOTE2}::jsonb`);
    const results = await this.db.query(text);
    return (Array.isArray(results) ? results.at(-1) : results).rows;
  }
  /** Fills the origin cache for the (table OID, attnum) pairs a RowDescription named. */
  async resolve(missing2) {
    const generation = this.generation;
    const rows = await this.read(
      ATTRIBUTES_SQL,
      missing2.map((m) => ({ o: m.tableOid, a: m.attnum }))
    );
    if (generation !== this.generation) return;
    for (const r of rows) {
      this.origins.set(
        Number(r.oid),
        Number(r.attnum),
        r.column == null ? null : { schema: r.schema, table: r.table, column: r.column }
      );
    }
  }
};
var CATALOG_NEUTRAL = /^(?:select|insert|update|delete|merge|copy|values|table|with|explain|show|fetch|move|close|begin|start|commit|end|rollback|abort|savepoint|release|prepare|execute|deallocate|listen|unlisten|notify|lock|declare|discard|checkpoint|analyze|vacuum|reset|set\s+(?!search_path|schema|role|session))\b/i;
function changesCatalog(text) {
  const body2 = text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, "").replace(/^\(+\s*/, "");
  return !CATALOG_NEUTRAL.test(body2);
}
var SESSION_PATH = /search_path|\brole\b|session_authorization|session\s+authorization|\bdiscard\b|\breset\s+all\b/i;
function changesSessionPath(text) {
  return SESSION_PATH.test(text);
}

// src/gateway/postgres/statement-facts.ts
var NO_FACTS = Object.freeze({});
var FactFinder = class {
  constructor(session, replies, masking) {
    this.session = session;
    this.replies = replies;
    this.masking = masking;
    this.pathChanged = masking?.pathChanged === true;
  }
  session;
  replies;
  masking;
  /** The session may have changed its search path or role (see changesSessionPath). */
  pathChanged;
  /** Settings written by statements that read masked data: reading them back is masked. */
  settings = new SettingTaint();
  of(text, j) {
    if (!j.forward || !this.masking) return [j, NO_FACTS];
    const texts = j.analysis.statements.map((s) => s.text);
    const { catalog } = this.masking;
    if (!catalog) return [j, { texts }];
    const ddl = texts.length === 0 || texts.some(changesCatalog);
    const facts = { texts, ...ddl ? { changesCatalog: true } : {} };
    const withLineage = (l2) => {
      if (l2.refuse)
        return [
          {
            ...j,
            forward: false,
            refusal: refusal("masking-refused", `masking cannot judge this statement: ${l2.reason}`)
          },
          facts
        ];
      const known = { ...facts, lineage: this.settings.apply(l2.statements) };
      const held = catalog.masking.config.strict ? strictFindings(l2.statements.flatMap((s) => s.uses ?? [])) : [];
      if (held.length === 0) return [j, known];
      const r = this.session.review(j, held, j.statement.via === "prepared");
      return r instanceof Promise ? r.then((x) => [x, known]) : [r, known];
    };
    if (texts.some(changesSessionPath) || texts.length === 0) this.pathChanged = true;
    const { searchPath } = this.replies;
    const l = catalog.lineage(text, {
      strict: this.replies.unseenDdl || ddl,
      ...searchPath !== void 0 ? { searchPath } : {},
      pathUnknown: this.pathChanged && (searchPath === void 0 || searchPath.includes("$user"))
    });
    return l instanceof Promise ? l.then(
      withLineage,
      (err) => withLineage({ refuse: true, reason: `the masking catalog could not be read: ${err.message}` })
    ) : withLineage(l);
  }
};

// src/gateway/postgres/commands.ts
var COPY = /^\s*copy\b/i;
var PostgresCommands = class {
  constructor(session, replies, prepared, hooks, masking, dryRun2, functions) {
    this.session = session;
    this.replies = replies;
    this.prepared = prepared;
    this.hooks = hooks;
    this.masking = masking;
    this.dryRun = dryRun2;
    this.facts = new FactFinder(session, replies, masking);
    this.fastPath = new FastPath(session, replies, functions, hooks, {
      judge: (text, params2, buf, start, end2, decided) => this.judge(text, "fast-path", buf, start, end2, decided, params2),
      refusal: (j) => this.refuse(j),
      hold: () => this.block(),
      release: () => this.unblock()
    });
  }
  session;
  replies;
  prepared;
  hooks;
  masking;
  dryRun;
  /** After a refused Parse: drop client messages until Sync, as the server does after an error. */
  discarding = false;
  facts;
  fastPath;
  /** Reasons the client is not read: a statement being judged, a dry-run batch not yet ended. */
  holds = 0;
  awaitingReady = false;
  block() {
    if (this.holds++ === 0) this.hooks.hold();
  }
  unblock() {
    if (--this.holds === 0) this.hooks.release();
  }
  /** Dry run: the batch's ReadyForQuery, or a CopyInResponse, went to the client. */
  batchDone() {
    if (!this.awaitingReady) return;
    this.awaitingReady = false;
    this.unblock();
  }
  /**
   * Dry run: the gateway's own SQL goes before the first message of a batch (see dry-run.ts);
   * its replies are expected before the message's own.
   */
  openBatch() {
    const prefix = this.dryRun?.batchPrefix();
    if (prefix) this.replies.expect(INTERNAL);
    return prefix;
  }
  /** Dry run: the message that ends a batch is the last read until the batch's ReadyForQuery is out. */
  endBatch() {
    this.awaitingReady = true;
    this.block();
  }
  message(type, buf, start, end2) {
    if (!this.dryRun) return this.relay(type, buf, start, end2);
    switch (type) {
      case T.query:
      case T.parse:
      case T.copyData:
      case T.flush:
        return this.relay(type, buf, start, end2);
      case T.terminate:
        this.hooks.terminate();
        return Buffer.concat([DRY_RUN_ROLLBACK, buf.subarray(start, end2)]);
      case T.copyDone:
      case T.copyFail:
        if (!this.replies.copyIn) return FORWARD;
        this.endBatch();
        return buf.subarray(start, end2);
      default: {
        const prefix = this.openBatch();
        const d = this.relay(type, buf, start, end2);
        if (type === T.sync || type === T.functionCall) this.endBatch();
        const body2 = d === FORWARD ? buf.subarray(start, end2) : d;
        if (typeof body2 === "number") return prefix ?? body2;
        return prefix ? Buffer.concat([prefix, body2]) : body2;
      }
    }
  }
  relay(type, buf, start, end2) {
    if (type === T.sync) {
      this.discarding = false;
      this.replies.expect(SYNC);
      return FORWARD;
    }
    if (type === T.flush) return FORWARD;
    if (type === T.terminate) {
      this.hooks.terminate();
      return FORWARD;
    }
    if (this.discarding) return DROP;
    switch (type) {
      case T.query:
        return this.query(buf, start, end2);
      case T.parse:
        return this.parse(buf, start, end2);
      case T.bind:
        return this.bind(buf, start, end2);
      case T.execute: {
        const portal = readExecute(buf, start, end2);
        if (portal === void 0) return this.malformed("Execute");
        const p = this.prepared.portals.get(portal);
        const s = p?.statement;
        this.replies.expect(EXECUTE, { stmt: p?.execution ?? s?.id, facts: s, portal: p });
        return FORWARD;
      }
      case T.describe: {
        const d = readTarget(buf, start, end2);
        if (!d) return this.malformed("Describe");
        const target = d.statement ? this.prepared.statements.get(d.name) : this.prepared.portals.get(d.name);
        this.replies.expect(DESCRIBE, { describes: target });
        return FORWARD;
      }
      case T.close: {
        const c = readTarget(buf, start, end2);
        if (!c) return this.malformed("Close");
        if (c.statement) this.prepared.statements.delete(c.name);
        else this.prepared.portals.delete(c.name);
        this.replies.expect(CLOSE);
        return FORWARD;
      }
      case T.copyData:
      case T.copyDone:
      case T.copyFail:
        return FORWARD;
      case T.functionCall:
        return this.fastPath.call(buf, start, end2);
      default:
        this.hooks.fatal(`unexpected message type 0x${type.toString(16)} from the client`, "08P01");
        return DROP;
    }
  }
  malformed(what) {
    this.hooks.fatal(`malformed ${what} message`, "08P01");
    return DROP;
  }
  /**
   * A Query or Parse whose reading depends on settings (a high byte: the client encoding; a
   * backslash: standard_conforming_strings) behind messages not yet answered, which may have
   * changed them. When those messages end their batch, the server answers them unprompted: this
   * one is held, and what the client sent after it, until the ReadyForQuery (and the
   * ParameterStatus before it) arrives, then judged under the confirmed state. Inside an open
   * extended-protocol batch nothing is answered before the client's Sync, so waiting would
   * deadlock: it is judged under every state instead (see `judgeUnsettled`). Returns undefined to
   * judge now.
   */
  awaitState(type, buf, start, end2, from, to) {
    if (this.replies.pending === 0 || !readingDependsOnState(buf, from, to)) return void 0;
    if (!this.replies.batchClosed)
      return this.judgeUnsettled(type === T.parse ? PARSE : QUERY6, buf, from, to);
    const held = Buffer.from(buf.subarray(start, end2));
    this.block();
    this.replies.whenIdle(() => {
      let d;
      try {
        d = this.message(type, held, 0, held.length);
      } catch (err) {
        this.hooks.fatal(`gateway error: ${err.message}`, "XX000");
        return;
      }
      if (d === FORWARD) this.hooks.send(held);
      else if (typeof d !== "number") this.hooks.send(d);
      this.unblock();
    });
    return STOP;
  }
  /**
   * Judged under every state the unanswered messages could have left: standard_conforming_strings
   * off (the analyzer then treats a backslash in a plain string or in nested code as unreadable).
   * The client encoding cannot be tried the same way (every encoding reads high bytes as other
   * characters), so text with a high byte is refused until the state is confirmed.
   */
  judgeUnsettled(kind, buf, from, to) {
    this.replies.state.unsettled = true;
    if (!highBytes(buf, from, to)) return void 0;
    return this.unreadable(
      kind,
      "0A000",
      "guardrail: an earlier message of this batch may have changed client_encoding, so text with non-ASCII bytes cannot be read until the server confirms it; send it after a Sync"
    );
  }
  /** A Query or Parse whose bytes cannot be read as the server will read them: refused, not forwarded. */
  unreadable(kind, code, message2) {
    this.session.notice("ERROR", code, message2);
    if (kind === PARSE) {
      this.prepared.statements.delete("");
      this.discarding = true;
      this.replies.expect(PARSE, { refusal: errorResponse(code, message2) });
      return parseMessage("", FAILING_SQL);
    }
    this.replies.expect(QUERY6, { refusal: errorResponse(code, message2) });
    return queryMessage(FAILING_SQL);
  }
  /** The statement text of bytes [from, to), as the server will read it, or a refusal. */
  text(kind, buf, from, to) {
    const d = this.replies.state.decode(buf, from, to);
    return "text" in d ? d.text : this.unreadable(kind, d.code, `guardrail: ${d.error}`);
  }
  query(buf, start, end2) {
    const q = readQuery(buf, start, end2);
    if (!q) return this.malformed("Query");
    const held = this.awaitState(T.query, buf, start, end2, q.from, q.to);
    if (held !== void 0) return held;
    const value2 = this.text(QUERY6, buf, q.from, q.to);
    if (typeof value2 !== "string") return value2;
    const via = COPY.test(value2) ? "copy" : "simple";
    return this.judge(value2, via, buf, start, end2, (j, facts) => {
      if (!this.dryRun) {
        if (j.forward) {
          this.replies.expect(QUERY6, { stmt: j.statement.id, facts });
          return FORWARD;
        }
        this.replies.expect(QUERY6, { stmt: j.statement.id, refusal: this.refuse(j) });
        return queryMessage(FAILING_SQL);
      }
      const prefix = this.openBatch();
      let out;
      const plan = j.forward ? this.dryRun.rewrite(j.analysis.statements.map((st) => st.text)) : void 0;
      if (plan && (plan.sql === void 0 || this.readsBack(plan.sql))) {
        this.replies.expect(QUERY6, { stmt: j.statement.id, facts: { ...facts, steps: plan.steps } });
        out = plan.sql === void 0 ? buf.subarray(start, end2) : queryMessage(plan.sql);
      } else {
        this.replies.expect(QUERY6, {
          stmt: j.statement.id,
          refusal: this.refuse(plan ? this.unencodable(j) : j)
        });
        out = queryMessage(FAILING_SQL);
      }
      this.endBatch();
      return prefix ? Buffer.concat([prefix, out]) : out;
    });
  }
  parse(buf, start, end2) {
    const m = readParse(buf, start, end2);
    if (!m) return this.malformed("Parse");
    const held = this.awaitState(T.parse, buf, start, end2, m.from, m.to);
    if (held !== void 0) return held;
    const value2 = this.text(PARSE, buf, m.from, m.to);
    if (typeof value2 !== "string") return value2;
    const via = COPY.test(value2) ? "copy" : m.name === "" ? "extended" : "prepared";
    return this.judge(value2, via, buf, start, end2, (j, facts) => {
      const prefix = this.openBatch();
      let out;
      const step = j.forward ? this.dryRun?.step(value2) : void 0;
      if (j.forward && (step?.sql === void 0 || this.readsBack(step.sql))) {
        this.prepared.statements.set(m.name, {
          id: j.statement.id,
          ...facts,
          ...step ? { steps: [step] } : {},
          judgement: j,
          paramTypes: parseParamTypes(buf, m.types, end2)
        });
        this.replies.expect(PARSE, { stmt: j.statement.id });
        out = step?.sql === void 0 ? FORWARD : parseMessage(m.name, step.sql);
      } else {
        if (m.name === "") this.prepared.statements.delete("");
        this.discarding = true;
        this.replies.expect(PARSE, {
          stmt: j.statement.id,
          refusal: this.refuse(j.forward ? this.unencodable(j) : j)
        });
        out = parseMessage("", FAILING_SQL);
      }
      if (!prefix) return out;
      return Buffer.concat([prefix, out === FORWARD ? buf.subarray(start, end2) : out]);
    });
  }
  /**
   * Whether SQL the gateway writes itself (a dry run's rewrite, sent as UTF-8) reads back as the
   * same text under the session's client encoding: otherwise the server would run something else.
   */
  readsBack(sql) {
    const bytes = Buffer.from(sql, "utf8");
    const d = this.replies.state.decode(bytes, 0, bytes.length);
    return "text" in d && d.text === sql;
  }
  unencodable(j) {
    const encoding = this.replies.state.clientEncoding;
    return {
      ...j,
      forward: false,
      refusal: refusal(
        "unjudgeable",
        `the dry run cannot rewrite this statement in client_encoding ${encoding}; use UTF8`
      )
    };
  }
  refuse(j) {
    const server = j.serverError;
    const why = j.refusal ?? refusal("unjudgeable", "statement refused");
    const code = server?.code ?? POSTGRES_REFUSALS[why.kind].sqlState;
    const message2 = server?.message ?? why.message;
    try {
      this.session.ran(j.statement.id, { durationMs: 0, error: { code, message: message2 } });
    } catch {
    }
    return errorResponse(code, message2, "ERROR", server?.position);
  }
  /**
   * Judges a statement, then (when it may run and masking is on) works out its lineage; a
   * statement whose lineage cannot be established is refused. A pending approval or catalog read
   * holds it and everything the client sent after it.
   */
  judge(text, via, buf, start, end2, decided, params2) {
    const inspected = this.session.inspect(text, via, { inTransaction: this.replies.inTransaction, params: params2 });
    const j = inspected instanceof Promise ? inspected.then((x) => this.facts.of(text, x)) : this.facts.of(text, inspected);
    const noted = ([judgement, facts]) => {
      if (judgement.forward) notePrepares(judgement.analysis, this.prepared.bySql);
      return decided(judgement, facts);
    };
    return j instanceof Promise ? this.settle(j, buf.subarray(start, end2), noted) : noted(j);
  }
  /** A pending verdict (catalog read, estimate, approval) holds the message and all behind it. */
  settle(pending, original, decided) {
    this.block();
    pending.then(
      (j) => {
        try {
          const d = decided(j);
          if (d === FORWARD) this.hooks.send(original);
          else if (typeof d !== "number") this.hooks.send(d);
        } catch (err) {
          this.hooks.fatal(`gateway error: ${err.message}`, "XX000");
          return;
        }
        this.unblock();
      },
      (err) => this.hooks.fatal(`statement could not be judged: ${err.message}`, "XX000")
    );
    return STOP;
  }
  /**
   * One execution of a prepared statement: recorded with its values, and estimated with them
   * when its estimate needs them. A refused one is replaced by a Bind the server rejects.
   */
  bind(buf, start, end2) {
    const b = readBind2(buf, start, end2, this.replies.state, this.prepared.statements);
    if (!b) return this.malformed("Bind");
    const statement = this.prepared.statements.get(b.statement);
    const formats = this.masking ? b.resultFormats : [];
    const refused = (id, error) => {
      this.prepared.portals.delete(b.portal);
      this.discarding = true;
      this.replies.expect(BIND, { stmt: id, refusal: error });
      return refusedBind(buf, start, b.names);
    };
    const decided = (j) => {
      if (j && !j.forward) return refused(j.statement.id, this.refuse(j));
      const execution = j ? { execution: j.statement.id } : {};
      this.prepared.portals.set(b.portal, { statement, formats, ...execution });
      this.replies.expect(BIND);
      return FORWARD;
    };
    const judged = statement?.judgement;
    if (judged) {
      const j = this.session.execute(judged, b.shown, b.exact !== void 0, b.exact);
      return j instanceof Promise ? this.settle(j, buf.subarray(start, end2), decided) : decided(j);
    }
    const bySql = preparedBySql(this.prepared.bySql, b.statement);
    if (!bySql) return decided();
    const why = { kind: "unjudgeable", message: bySql };
    this.session.notice("ERROR", POSTGRES_REFUSALS[why.kind].sqlState, why.message);
    return refused(void 0, refusalResponse(why));
  }
};

// src/gateway/postgres/error-severity.ts
function endsSession(buf, start, end2) {
  const severity = readSeverity(buf, start, end2);
  return severity === "FATAL" || severity === "PANIC";
}

// src/gateway/postgres/function-oids.ts
var LOOKUP = `
SELECT n.nspname AS schema, p.proname AS name, p.prokind AS kind,
       ARRAY(SELECT t::int8 FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i) ORDER BY i) AS types,
       ARRAY(SELECT pg_catalog.format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, i) ORDER BY i) AS type_names
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.oid = $1::oid`;
var FunctionOids = class {
  constructor(catalog) {
    this.catalog = catalog;
  }
  catalog;
  known = /* @__PURE__ */ new Map();
  /** The cached identity, when this connection has resolved the OID before. */
  cached(oid) {
    return this.known.get(oid);
  }
  /**
   * Reads the function from the catalog: undefined when no committed function has this OID (the
   * side connection does not see functions created in the session's open transaction).
   */
  async resolve(oid) {
    const hit = this.known.get(oid);
    if (hit) return hit;
    const { rows } = await this.catalog.query(LOOKUP, [String(oid)]);
    const row = rows[0];
    if (!row) return void 0;
    const identity = {
      schema: row.schema,
      name: row.name,
      kind: row.kind,
      argTypes: row.types.map(Number),
      argTypeNames: row.type_names
    };
    this.known.set(oid, identity);
    return identity;
  }
};

// src/gateway/postgres/handshake-io.ts
var StartupRefused = class extends ProtocolError {
  constructor(message2, reply = null) {
    super(message2);
    this.reply = reply;
  }
  reply;
};
var MessageReader = class {
  constructor(socket, maxBytes) {
    this.socket = socket;
    this.maxBytes = maxBytes;
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }
  socket;
  maxBytes;
  buf = Buffer.alloc(0);
  wake = null;
  closed = null;
  onData = (d) => {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    this.notify();
  };
  onEnd = () => {
    this.closed ??= new ProtocolError("connection closed during start-up", "08006");
    this.notify();
  };
  onError = (err) => {
    this.closed ??= new ProtocolError(`connection failed during start-up: ${err.message}`, "08006");
    this.notify();
  };
  notify() {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  async need(n) {
    while (this.buf.length < n) {
      if (this.closed) throw this.closed;
      await new Promise((resolve2) => {
        this.wake = resolve2;
      });
    }
  }
  take(n) {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  async byte() {
    await this.need(1);
    return this.take(1)[0];
  }
  /** The first byte without consuming it (to spot a TLS ClientHello). */
  async peek() {
    await this.need(1);
    return this.buf[0];
  }
  /** A start-up packet (no type byte): the whole packet including its length word. */
  async packet() {
    await this.need(4);
    const length = this.buf.readInt32BE(0);
    if (length < 8 || length > 1e4) throw new StartupRefused(`invalid start-up packet length ${length}`);
    await this.need(length);
    return this.take(length);
  }
  /** A typed message: its type and body (without the 5-byte header). */
  async message() {
    await this.need(5);
    const type = this.buf[0];
    const length = this.buf.readInt32BE(1);
    if (length < 4) throw new ProtocolError(`invalid message length ${length}`);
    if (length + 1 > this.maxBytes)
      throw new ProtocolError(
        `message of ${length + 1} bytes exceeds the limit of ${this.maxBytes}`,
        "54000"
      );
    await this.need(length + 1);
    const msg = this.take(length + 1);
    return { type, body: msg.subarray(5) };
  }
  /** Stops listening and returns bytes that arrived beyond what was read. */
  detach() {
    this.socket.off("data", this.onData);
    this.socket.off("end", this.onEnd);
    this.socket.off("close", this.onEnd);
    this.socket.off("error", this.onError);
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
};

// src/gateway/postgres/prepared.ts
var NamedStatements = class {
  statements = /* @__PURE__ */ new Map();
  portals = /* @__PURE__ */ new Map();
  /** Names created by SQL PREPARE statements (see notePrepares). */
  bySql = /* @__PURE__ */ new Set();
  clear() {
    this.statements.clear();
    this.portals.clear();
  }
};

// src/gateway/postgres/startup.ts
import { TLSSocket } from "node:tls";
var BAD_LAYOUT = "invalid startup packet layout: expected terminator as last byte";
async function upgrade(conn, context, maxBytes) {
  if (conn.reader.detach().length > 0) throw new ProtocolError("received unencrypted data after SSL request");
  const raw = conn.socket;
  raw.write("S");
  const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
  await new Promise((resolve2, reject) => {
    secure.once("secure", resolve2);
    secure.once("error", reject);
    secure.once(
      "close",
      () => reject(new ProtocolError("connection closed during the TLS handshake", "08006"))
    );
  });
  secure.setNoDelay(true);
  secure.on("error", () => secure.destroy());
  conn.socket = secure;
  conn.reader = new MessageReader(secure, maxBytes);
}
async function readStartup(conn, tls, maxBytes) {
  let encrypted = false;
  for (; ; ) {
    const { reader, socket } = conn;
    if (await reader.peek() === 22)
      throw new ProtocolError("direct TLS is not supported by the gateway: use sslnegotiation=postgres");
    const packet2 = await reader.packet();
    const code = readStartupCode(packet2);
    if (code === SSL_REQUEST && tls && !encrypted) {
      await upgrade(conn, tls, maxBytes);
      encrypted = true;
      continue;
    }
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      socket.write("N");
      continue;
    }
    if (code === CANCEL_REQUEST) {
      const key = readCancelRequest(packet2);
      if (!key) throw new StartupRefused("malformed CancelRequest");
      return { kind: "cancel", ...key };
    }
    const major = code >>> 16;
    const minor = code & 65535;
    if (major < 3) {
      const text = `unsupported frontend protocol ${major}.${minor}: the gateway speaks 3.0`;
      throw new StartupRefused(text, Buffer.from(`EFATAL:  ${text}
\0`));
    }
    if (major !== 3)
      throw new ProtocolError(
        `unsupported frontend protocol ${major}.${minor}: the gateway speaks 3.0`,
        "0A000"
      );
    const params2 = {};
    const unrecognized = [];
    let pos = STARTUP_PARAMS;
    while (pos < packet2.length && packet2[pos] !== 0) {
      const key = readCString(packet2, pos, packet2.length);
      if (key.next < 0) throw new ProtocolError(BAD_LAYOUT);
      const value2 = readCString(packet2, key.next, packet2.length);
      if (value2.next < 0) throw new ProtocolError(BAD_LAYOUT);
      if (key.value.startsWith("_pq_.")) unrecognized.push(key.value);
      else params2[key.value] = value2.value;
      pos = value2.next;
    }
    if (pos !== packet2.length - 1) throw new ProtocolError(BAD_LAYOUT);
    if (!params2.user) throw new ProtocolError("no PostgreSQL user name specified in startup packet", "28000");
    if (minor > 0 || unrecognized.length > 0) socket.write(negotiateProtocolVersion(0, unrecognized));
    return { kind: "startup", params: params2 };
  }
}

// src/gateway/postgres/startup-settings.ts
var PLAIN = /* @__PURE__ */ new Set([
  "application_name",
  "client_encoding",
  "datestyle",
  "timezone",
  "intervalstyle",
  "extra_float_digits",
  "standard_conforming_strings",
  "bytea_output",
  "lc_messages"
]);
var OWN = /* @__PURE__ */ new Set(["user", "database", "replication"]);
function splitOptions(options) {
  const words = [];
  let word = "";
  for (let i = 0; i < options.length; i++) {
    const c = options[i];
    if (c === "\\" && i + 1 < options.length) word += options[++i];
    else if (/\s/.test(c)) {
      if (word) words.push(word);
      word = "";
    } else word += c;
  }
  if (word) words.push(word);
  return words;
}
function optionSettings(options) {
  const words = splitOptions(options);
  const out = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const pair = w === "-c" ? words[++i] : w.startsWith("--") ? w.slice(2) : w.startsWith("-c") ? w.slice(2) : void 0;
    const eq = pair?.indexOf("=") ?? -1;
    if (!pair || eq <= 0)
      throw new ProtocolError(`start-up option "${w}" is not allowed through the gateway`, "42501");
    out.push({ name: pair.slice(0, eq).replaceAll("-", "_"), value: pair.slice(eq + 1) });
  }
  return out;
}
function startupSettings(params2) {
  const plain = {};
  const judged = [];
  for (const [name, value2] of Object.entries(params2)) {
    if (OWN.has(name)) continue;
    if (name === "options") judged.push(...optionSettings(value2));
    else if (PLAIN.has(name.toLowerCase())) plain[name] = value2;
    else judged.push({ name, value: value2 });
  }
  return { plain, judged };
}
function asSetStatement({ name, value: value2 }) {
  const literal = `'${value2.replaceAll("'", "''")}'`;
  if (name.toLowerCase() === "search_path") return `SELECT set_config('search_path', ${literal}, false)`;
  const ident = /^[a-z_][a-z0-9_.]*$/i.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
  return `SET ${ident} = ${literal}`;
}

// src/gateway/postgres/upstream.ts
import { createHash as createHash4 } from "node:crypto";
import { isIP, connect as netConnect } from "node:net";
import { join as join2 } from "node:path";
import { connect as tlsConnect } from "node:tls";

// src/gateway/postgres/scram-client.ts
import { randomBytes as randomBytes3, timingSafeEqual as timingSafeEqual3 } from "node:crypto";
var saltedCache = /* @__PURE__ */ new Map();
var ScramClient = class {
  constructor(password) {
    this.password = password;
  }
  password;
  clientNonce = randomBytes3(18).toString("base64");
  clientFirstBare = `n=*,r=${this.clientNonce}`;
  expectedServerSignature;
  first() {
    return `n,,${this.clientFirstBare}`;
  }
  /** Takes server-first-message, returns client-final-message. */
  final(serverFirst) {
    const attrs = attributes(serverFirst);
    const nonce = attrs.get("r");
    const salt = attrs.get("s");
    const iterations = Number(attrs.get("i"));
    if (!nonce?.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length)
      throw new GuardrailError("upstream SCRAM server nonce is invalid", { code: "ERR_UPSTREAM_FAILED" });
    if (!salt || !Number.isInteger(iterations) || iterations < 1)
      throw new GuardrailError("upstream SCRAM server-first-message is malformed", {
        code: "ERR_UPSTREAM_FAILED"
      });
    const key = `${salt}:${iterations}:${this.password}`;
    let salted = saltedCache.get(key);
    if (!salted) {
      salted = saltedPassword(this.password, Buffer.from(salt, "base64"), iterations);
      if (saltedCache.size > 64) saltedCache.clear();
      saltedCache.set(key, salted);
    }
    const { clientKey, storedKey, serverKey } = keysOf(salted);
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(storedKey, authMessage));
    this.expectedServerSignature = hmac(serverKey, authMessage);
    return `${withoutProof},p=${proof.toString("base64")}`;
  }
  /** Checks server-final-message: the server proves it knows the password too. */
  verify(serverFinal) {
    const v = attributes(serverFinal).get("v");
    const got = v ? Buffer.from(v, "base64") : Buffer.alloc(0);
    const want = this.expectedServerSignature;
    if (!want || got.length !== want.length || !timingSafeEqual3(got, want))
      throw new GuardrailError("upstream SCRAM server signature does not match", {
        code: "ERR_UPSTREAM_FAILED"
      });
  }
};

// src/gateway/postgres/upstream.ts
function rawConnect(cfg) {
  return new Promise((resolve2, reject) => {
    const socket = cfg.socketDir ? netConnect(join2(cfg.socketDir, `.s.PGSQL.${cfg.port}`)) : netConnect({ host: cfg.host, port: cfg.port });
    socket.setNoDelay(true);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve2(socket);
    });
    socket.once("error", reject);
  });
}
async function negotiateTls(cfg, socket) {
  if (cfg.sslmode === "disable" || cfg.socketDir) return socket;
  socket.write(sslRequest());
  const reader = new MessageReader(socket, 1);
  const answer = await reader.byte();
  const extra = reader.detach();
  if (answer === 78) {
    if (cfg.sslmode === "prefer") return socket;
    throw new ProtocolError(`upstream does not support TLS but sslmode is ${cfg.sslmode}`, "08004");
  }
  if (answer !== 83 || extra.length > 0)
    throw new ProtocolError("upstream answered SSLRequest incorrectly");
  const verify = cfg.sslmode === "verify-ca" || cfg.sslmode === "verify-full";
  return new Promise((resolve2, reject) => {
    const tls = tlsConnect({
      socket,
      // The name checked against the certificate; SNI takes host names only.
      host: cfg.host,
      ...isIP(cfg.host) ? {} : { servername: cfg.host },
      rejectUnauthorized: verify,
      ...cfg.ca ? { ca: cfg.ca } : {},
      ...cfg.sslmode === "verify-ca" ? { checkServerIdentity: () => void 0 } : {}
    });
    tls.once("secureConnect", () => {
      tls.off("error", reject);
      resolve2(tls);
    });
    tls.once("error", (err) => reject(new ProtocolError(`upstream TLS failed: ${err.message}`, "08006")));
  });
}
function md5Hex(data) {
  return createHash4("md5").update(data).digest("hex");
}
function requirePassword(cfg) {
  if (cfg.password === void 0)
    throw new ProtocolError("upstream asks for a password but none is configured", "28P01");
  return cfg.password;
}
async function connectUpstream(cfg, params2, maxMessageBytes) {
  const socket = await negotiateTls(cfg, await rawConnect(cfg));
  try {
    return await startUp(cfg, socket, params2, maxMessageBytes);
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
async function startUp(cfg, socket, params2, maxMessageBytes) {
  const reader = new MessageReader(socket, maxMessageBytes);
  socket.write(startupMessage({ ...params2, user: cfg.user, database: cfg.database }));
  let scram;
  let pid = 0;
  let secret = 0;
  const greeting = [];
  for (; ; ) {
    const { type, body: body2 } = await reader.message();
    if (type === T.error) {
      const f = readErrorFields(body2, 0, body2.length);
      throw new UpstreamError(f.message, f.code);
    }
    if (type === T.auth) {
      const code = body2.readInt32BE(0);
      if (code === 0) continue;
      if (code === 3) socket.write(passwordMessage(requirePassword(cfg)));
      else if (code === 5) {
        const inner = md5Hex(requirePassword(cfg) + cfg.user);
        socket.write(
          passwordMessage(`md5${md5Hex(Buffer.concat([Buffer.from(inner), body2.subarray(4, 8)]))}`)
        );
      } else if (code === 10) {
        const mechanisms = body2.toString("utf8", 4).split("\0");
        if (!mechanisms.includes(MECHANISM))
          throw new ProtocolError(`upstream offers no supported SASL mechanism (${mechanisms.join(" ")})`);
        scram = new ScramClient(requirePassword(cfg));
        socket.write(saslInitialResponse(MECHANISM, Buffer.from(scram.first())));
      } else if (code === 11 && scram) {
        socket.write(passwordMessage(Buffer.from(scram.final(body2.toString("utf8", 4)))));
      } else if (code === 12 && scram) {
        scram.verify(body2.toString("utf8", 4));
      } else
        throw new ProtocolError(`upstream asks for an unsupported authentication method (${code})`, "28000");
      continue;
    }
    if (type === T.backendKey) {
      pid = body2.readInt32BE(0);
      secret = body2.readInt32BE(4);
    } else if (type === T.parameterStatus || type === T.notice) {
      greeting.push(withHeader(type, body2));
    } else if (type === T.ready) {
      const rest = reader.detach();
      if (rest.length > 0) throw new ProtocolError("upstream sent data after ReadyForQuery during start-up");
      return { socket, pid, secret, greeting, ready: withHeader(type, body2) };
    } else if (type === T.negotiate) {
    } else {
      throw new ProtocolError(`unexpected message 0x${type.toString(16)} from upstream during start-up`);
    }
  }
}
function withHeader(type, body2) {
  const out = Buffer.allocUnsafe(body2.length + 5);
  out[0] = type;
  out.writeInt32BE(body2.length + 4, 1);
  body2.copy(out, 5);
  return out;
}
async function sendCancel(cfg, pid, secret) {
  const socket = await rawConnect(cfg);
  await new Promise((resolve2) => {
    socket.end(cancelRequest(pid, secret));
    socket.on("close", () => resolve2());
    socket.on("error", () => resolve2());
    socket.resume();
  });
}

// src/gateway/postgres/connection.ts
var CLIENT_WHOLE = new Uint8Array(256).fill(1);
CLIENT_WHOLE[T.copyData] = 0;
var SERVER_WHOLE = new Uint8Array(256).fill(1);
SERVER_WHOLE[T.dataRow] = 0;
SERVER_WHOLE[T.copyData] = 0;
function fatal(socket, code, message2) {
  if (!socket.destroyed) socket.end(errorResponse(code, message2, "FATAL"));
}
async function serveClient(socket, conn, s) {
  socket.setNoDelay(true);
  socket.on("error", () => socket.destroy());
  const peer = { socket, reader: new MessageReader(socket, s.maxMessageBytes) };
  const timer = setTimeout(() => {
    fatal(peer.socket, "08006", "start-up and authentication took too long");
    peer.socket.destroy();
  }, s.startupTimeoutMs);
  let session;
  try {
    const startup = await readStartup(peer, s.tls, s.maxMessageBytes);
    const { socket: client, reader } = peer;
    if (startup.kind === "cancel") {
      const target = s.cancels.lookup(startup.pid, startup.secret);
      client.end();
      if (target) await sendCancel(s.upstream, target.pid, target.secret).catch(() => void 0);
      return;
    }
    if (s.refuse) throw new ProtocolError(s.refuse, "53300");
    const { params: params2 } = startup;
    const user = params2.user ?? "";
    const database = params2.database || user;
    if (params2.replication && params2.replication !== "false")
      throw new ProtocolError("replication connections are not allowed through the gateway", "28000");
    await authenticateClient(reader, client, s.clientAuth, s.credentials, user);
    if (database !== s.upstream.database)
      throw new ProtocolError(`the gateway serves database "${s.upstream.database}" only`, "3D000");
    session = openSession(s.context, {
      conn,
      user,
      database,
      client: client.remoteAddress ? `${client.remoteAddress}:${client.remotePort}` : "unix",
      ...params2.application_name ? { application: params2.application_name } : {}
    });
    const settings = startupSettings(params2);
    const forwarded = { ...settings.plain };
    for (const setting of settings.judged) {
      const j = await session.inspect(asSetStatement(setting), "simple");
      if (!j.forward) {
        const why = j.refusal ?? { kind: "unjudgeable", message: "start-up setting refused" };
        throw new ProtocolError(why.message, POSTGRES_REFUSALS[why.kind].sqlState);
      }
      session.ran(j.statement.id, { tag: "SET", durationMs: 0 });
      forwarded[setting.name] = setting.value;
    }
    let upstream;
    try {
      upstream = await connectUpstream(s.upstream, forwarded, Math.max(s.maxMessageBytes, 1 << 20));
    } catch (err) {
      const code = err instanceof UpstreamError || err instanceof ProtocolError ? err.sqlState : "08001";
      throw new ProtocolError(`upstream: ${err.message}`, code);
    }
    clearTimeout(timer);
    if (client.destroyed) {
      upstream.socket.destroy();
      session.end("client left during start-up");
      return;
    }
    const leftover = reader.detach();
    const keys = s.cancels.register(upstream.pid, upstream.secret);
    session.analysisContext.backendId = upstream.pid;
    const pathChanged = settings.judged.some((x) => changesSessionPath(x.name));
    const link = new Link(
      client,
      upstream.socket,
      session,
      s,
      pathChanged,
      () => s.cancels.release(keys.pid, keys.secret)
    );
    link.start([...upstream.greeting, backendKeyData(keys.pid, keys.secret), upstream.ready], leftover);
  } catch (err) {
    clearTimeout(timer);
    peer.reader.detach();
    if (err instanceof StartupRefused) {
      if (err.reply) peer.socket.end(err.reply);
      else peer.socket.end();
      return;
    }
    const e = err instanceof ProtocolError ? err : new ProtocolError(err.message, "XX000");
    fatal(peer.socket, e.sqlState, e.message);
    try {
      session?.end(`start-up failed: ${e.message}`);
    } catch {
    }
  }
}
var Outbox = class {
  constructor(socket, full) {
    this.socket = socket;
    this.full = full;
  }
  socket;
  full;
  pieces = [];
  open = false;
  begin() {
    this.open = true;
  }
  send(buf) {
    if (this.open) this.pieces.push(buf);
    else if (!this.socket.write(buf)) this.full();
  }
  end() {
    this.open = false;
    const { pieces, socket } = this;
    if (pieces.length === 0) return;
    let room = true;
    if (pieces.length === 1) room = socket.write(pieces[0]);
    else {
      socket.cork();
      for (const piece of pieces) room = socket.write(piece) && room;
      socket.uncork();
    }
    pieces.length = 0;
    if (!room) this.full();
  }
};
var Link = class {
  constructor(client, server, session, s, pathChanged, onClose) {
    this.client = client;
    this.server = server;
    this.session = session;
    this.onClose = onClose;
    this.serverOut = new Outbox(server, () => {
      this.pressed = true;
      this.client.pause();
    });
    this.clientOut = new Outbox(client, () => this.server.pause());
    const prepared = new NamedStatements();
    const { sequences } = session.gateway;
    const dryRun2 = session.gateway.mode === "dry-run" ? new DryRun(sequences && ((text) => sequences.reason(text, session.analysisContext))) : void 0;
    this.replies = new Replies(
      session,
      prepared,
      s.masking ? { ...s.masking, hooks: this.resultHooks() } : void 0,
      // A dry-run batch ended: the client is read again.
      dryRun2 ? { run: dryRun2, resumeClient: () => this.commands.batchDone() } : void 0
    );
    this.commands = new PostgresCommands(
      session,
      this.replies,
      prepared,
      this.commandHooks(),
      s.masking ? { ...s.masking.catalog ? { catalog: s.masking.catalog } : {}, pathChanged } : void 0,
      dryRun2,
      s.catalog ? new FunctionOids(s.catalog) : void 0
    );
    this.fromClient = new Framer({
      whole: CLIENT_WHOLE,
      maxMessageBytes: s.maxMessageBytes,
      message: (type, buf, start, end2) => this.commands.message(type, buf, start, end2),
      out: (buf) => this.toServer(buf),
      fail: (message2, code) => this.fail(code, message2, "protocol error")
    });
    this.fromServer = new Framer({
      whole: this.serverWhole,
      maxMessageBytes: Math.max(s.maxMessageBytes, 1 << 20),
      message: (type, buf, start, end2) => this.serverMessage(type, buf, start, end2),
      out: (buf) => this.toClient(buf),
      fail: (message2, code) => this.fail(code, `upstream sent ${message2}`, "upstream protocol error")
    });
  }
  client;
  server;
  session;
  onClose;
  replies;
  commands;
  fromClient;
  fromServer;
  held = false;
  pressed = false;
  /** The server stream waits for a catalog read (result masking). */
  serverHeld = false;
  serverWhole = SERVER_WHOLE.slice();
  terminating = false;
  /** The server's last ErrorResponse was FATAL or PANIC: its closing the link is expected. */
  serverEnded = false;
  closed = false;
  serverOut;
  clientOut;
  /** How the client's commands reach the server, and hold or release the client stream. */
  commandHooks() {
    return {
      send: (buf) => this.toServer(buf),
      hold: () => {
        this.held = true;
        this.fromClient.pause();
        this.flow();
      },
      release: () => {
        if (this.closed) return;
        this.held = false;
        this.guard(() => this.fromClient.resume());
        this.flow();
      },
      fatal: (message2, code) => this.fail(code, message2, "protocol error"),
      terminate: () => {
        this.terminating = true;
      }
    };
  }
  /** How result masking writes to the client and holds the server stream for a catalog read. */
  resultHooks() {
    return {
      toClient: (buf) => this.toClient(buf),
      resumeServer: () => {
        if (this.closed) return;
        this.serverHeld = false;
        this.guard(() => this.fromServer.resume());
        if (!this.fromServer.held && !this.closed) this.server.resume();
      },
      setWhole: (type, mode) => {
        this.serverWhole[type] = mode;
      },
      fatal: (message2) => this.fail("XX000", message2, "gateway error")
    };
  }
  /** One server message, through the reply queue; a STOP holds the server stream. */
  serverMessage(type, buf, start, end2) {
    if (type === T.error) this.serverEnded = endsSession(buf, start, end2);
    const d = this.replies.message(type, buf, start, end2);
    if (d === STOP) {
      this.serverHeld = true;
      this.server.pause();
    }
    return d;
  }
  /** Sends the greeting (seen by Replies, so settings such as standard_conforming_strings count) and starts relaying. */
  start(greeting, leftover) {
    const { client, server } = this;
    for (const m of greeting) this.replies.message(m[0], m, 0, m.length);
    client.write(Buffer.concat(greeting));
    client.on("data", (chunk) => {
      this.serverOut.begin();
      this.push(this.fromClient, chunk);
      this.serverOut.end();
      if (this.terminating) this.close("client terminated");
    });
    server.on("data", (chunk) => {
      this.clientOut.begin();
      this.push(this.fromServer, chunk);
      this.clientOut.end();
    });
    server.on("drain", () => {
      this.pressed = false;
      this.flow();
    });
    client.on("drain", () => {
      if (!this.serverHeld) server.resume();
    });
    client.on("end", () => this.close("client closed the connection"));
    client.on("close", () => this.close("client closed the connection"));
    server.on(
      "error",
      (err) => this.fail("08006", `upstream connection failed: ${err.message}`, "upstream lost")
    );
    server.on("end", () => this.upstreamClosed());
    server.on("close", () => this.upstreamClosed());
    if (leftover.length > 0) this.push(this.fromClient, leftover);
  }
  /** Frames a chunk; anything thrown (e.g. the transcript failing) ends this connection only. */
  push(framer, chunk) {
    try {
      framer.push(chunk);
    } catch (err) {
      this.fail("XX000", `gateway error: ${err.message}`, "gateway error");
    }
  }
  /** Anything thrown on the data path (e.g. the transcript failing) ends this connection only. */
  guard(fn) {
    try {
      fn();
    } catch (err) {
      this.fail("XX000", `gateway error: ${err.message}`, "gateway error");
    }
  }
  flow() {
    if (this.closed) return;
    if (this.held || this.pressed) this.client.pause();
    else this.client.resume();
  }
  toServer(buf) {
    if (!this.closed) this.serverOut.send(buf);
  }
  toClient(buf) {
    if (!this.closed) this.clientOut.send(buf);
  }
  /** After the server's own FATAL (e.g. 57P01, terminated) the client has its last error already. */
  upstreamClosed() {
    if (this.serverEnded) this.close("upstream ended the session with a FATAL error");
    else this.fail("08006", "upstream closed the connection", "upstream closed");
  }
  fail(code, message2, reason) {
    if (this.closed) return;
    this.serverOut.end();
    this.clientOut.end();
    fatal(this.client, code, message2);
    this.close(`${reason}: ${message2}`);
  }
  close(reason) {
    if (this.closed) return;
    this.serverOut.end();
    this.clientOut.end();
    this.closed = true;
    this.onClose();
    try {
      this.replies.abandon(reason);
      this.session.end(reason);
    } catch {
    }
    if (!this.server.destroyed) this.server.end(terminateMessage);
    if (!this.client.destroyed) this.client.end();
    setTimeout(() => {
      this.server.destroy();
      this.client.destroy();
    }, 1e3).unref();
  }
};

// src/gateway/postgres/listener.ts
function listen(server, target) {
  return new Promise((resolve2, reject) => {
    server.once("error", reject);
    const done = () => {
      server.off("error", reject);
      resolve2();
    };
    if (typeof target === "string") server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}
async function startPostgresGateway(options) {
  const upstream = upstreamConfig(options.upstream);
  const user = options.user ?? "guardrail";
  const password = options.password ?? randomBytes4(18).toString("base64url");
  const host = options.host ?? "127.0.0.1";
  const { context, masking } = options;
  const rules = masking && !masking.matcher.empty;
  if (rules && !options.catalog)
    throw new GuardrailError("masking.columns needs a side connection to the upstream for catalog lookups", {
      code: "ERR_MASKING_CONFIG"
    });
  const tls = await clientTls(options.tls, async () => (await generateKeys()).privatePem);
  const settings = {
    context,
    upstream,
    clientAuth: options.clientAuth ?? "scram-sha-256",
    credentials: { user, password, verifier: scramVerifier(password) },
    maxMessageBytes: options.maxMessageBytes ?? 32 * 1024 * 1024,
    startupTimeoutMs: options.startupTimeoutMs ?? 3e4,
    cancels: new CancelKeys(),
    ...tls.context ? { tls: tls.context } : {},
    ...options.catalog ? { catalog: options.catalog } : {},
    ...masking ? {
      masking: {
        masking,
        ...rules && options.catalog ? { catalog: new MaskingCatalog(masking, options.catalog) } : {}
      }
    } : {}
  };
  const sockets = /* @__PURE__ */ new Set();
  let nextConn = 0;
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  const refusing = { ...settings, refuse: tooManyClients(maxClients) };
  let clients = 0;
  const accept = (socket) => {
    sockets.add(socket);
    const admitted = clients < maxClients;
    if (admitted) clients++;
    socket.once("close", () => {
      sockets.delete(socket);
      if (admitted) clients--;
    });
    serveClient(socket, ++nextConn, admitted ? settings : refusing).catch(() => socket.destroy());
  };
  const servers = [];
  const tcp = createServer({ noDelay: true }, accept);
  await listen(tcp, { host, port: options.port ?? 0 });
  servers.push(tcp);
  const address = tcp.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let unixSocket;
  if (options.unixSocketDir) {
    unixSocket = join3(options.unixSocketDir, `.s.PGSQL.${port}`);
    rmSync(unixSocket, { force: true });
    const local = createServer(accept);
    await listen(local, unixSocket);
    servers.push(local);
  }
  gatewayStarted(context, {
    dialect: "postgres",
    upstream: describeUpstream2(upstream),
    version: options.version ?? "dev"
  });
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closed;
  return {
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${urlHost}:${port}/${encodeURIComponent(upstream.database)}?sslmode=disable`,
    host,
    port,
    user,
    password,
    database: upstream.database,
    ...unixSocket ? { unixSocket } : {},
    ...tls.certificate ? { certificate: tls.certificate } : {},
    ...tls.unavailable ? { tlsUnavailable: tls.unavailable } : {},
    connections: () => sockets.size,
    close(reason = "gateway stopped") {
      closed ??= (async () => {
        const stopped = servers.map((s) => new Promise((r) => s.close(() => r())));
        for (const s of sockets) s.destroy();
        await Promise.all(stopped);
        await new Promise((r) => setImmediate(r));
        gatewayStopped(context, reason);
      })();
      return closed;
    }
  };
}

// src/gateway/transcript-file.ts
import { closeSync, constants, fsyncSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir as tmpdir2 } from "node:os";
import { join as join4 } from "node:path";
var FLUSH_DELAY_MS = 1;
var FileRecorder = class {
  /** @param now the clock (tests pin it); the system clock by default. */
  constructor(path, now) {
    this.path = path;
    this.encoder = new ChainEncoder(now);
    this.fd = openSync(path, "a", 384);
  }
  path;
  fd;
  encoder;
  pending = [];
  scheduled = false;
  failed;
  record(conn, event) {
    if (this.failed) throw this.failed;
    this.pending.push(this.encoder.encode(conn, event));
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flushQuietly(), FLUSH_DELAY_MS);
    }
  }
  flush() {
    this.scheduled = false;
    if (this.pending.length === 0 || this.fd < 0) return;
    const data = `${this.pending.join("\n")}
`;
    this.pending = [];
    try {
      writeSync(this.fd, data);
    } catch (err) {
      this.failed = new GuardrailError(
        `transcript ${this.path} cannot be written: ${err.message}`,
        {
          code: "ERR_TRANSCRIPT_WRITE",
          cause: err
        }
      );
      throw this.failed;
    }
  }
  flushQuietly() {
    try {
      this.flush();
    } catch {
    }
  }
  close() {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
};
function privateTranscriptFile(prefix) {
  const path = join4(mkdtempSync(join4(tmpdir2(), prefix)), "transcript.jsonl");
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 384));
  return path;
}

export {
  createGatewayContext,
  ProtocolError,
  UpstreamError,
  openSession,
  gatewayStarted,
  gatewayStopped,
  parseUpstreamUrl,
  describeUpstream,
  parseUpstreamUrl2,
  postgresSide,
  mysqlSide,
  openSideEarly,
  generateKeys,
  clientTls,
  strictFindings,
  startPostgresGateway,
  FileRecorder,
  privateTranscriptFile
};
