import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  ColumnCatalog,
  mysqlColumnQuery,
  postgresColumnQuery,
  touches,
  widen
} from "./chunk-CCMQQIB6.js";
import {
  esm_default
} from "./chunk-GOMVZPAY.js";
import {
  KnownSecrets,
  REDACTED_VALUE,
  SECRET_NAME,
  compileMasking,
  escapesInPlainStrings
} from "./chunk-R4QPFUJG.js";
import {
  ChainEncoder
} from "./chunk-BBBSTV4C.js";
import {
  PURE_BUILTINS,
  PURE_EXTENSIONS,
  SecondSighting,
  WRITE_NODES,
  analyze,
  calledFunctions,
  decide,
  functionCalls,
  isReadOnly,
  loadAnalyzers,
  mysqlReached,
  plpgsqlSql,
  reachedPostgres,
  sessionBodies
} from "./chunk-NSA7BN2R.js";
import {
  mysqlCalledFunctions,
  mysqlEvaluation
} from "./chunk-LKICGP52.js";
import {
  Lru,
  asList,
  asNode,
  contains,
  isPunct,
  isUnknownMode,
  isWord,
  lexFlags,
  loadPostgresParser,
  nameList,
  parsePlpgsql,
  parseServerVersion,
  parseSql,
  readName,
  scanTokens,
  str,
  tokenize
} from "./chunk-AIHX2DPB.js";
import {
  DeadlineReached,
  GuardrailError
} from "./chunk-Z25NSMXP.js";

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
  set(connection, key, value) {
    let entries = this.byConnection.get(connection);
    if (!entries) {
      entries = /* @__PURE__ */ new Map();
      this.byConnection.set(connection, entries);
    }
    for (const [k, e] of entries) if (this.now() - e.at >= this.ttlMs) entries.delete(k);
    entries.set(key, { at: this.now(), value });
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

// src/impact/mysql-respell.ts
function quoteString(value, noBackslashEscapes) {
  const escaped = noBackslashEscapes ? value : value.replaceAll("\\", "\\\\");
  return `'${escaped.replaceAll("'", "''")}'`;
}
function quoteName(value) {
  return `\`${value.replaceAll("`", "``")}\``;
}
function respelt(t, to) {
  switch (t.kind) {
    case "string":
      if (t.prefix === "X" || t.prefix === "B") return void 0;
      return `${t.prefix === "N" ? "N" : ""}${quoteString(t.value, to.noBackslashEscapes)}`;
    case "qident":
      return t.text.startsWith("`") ? void 0 : quoteName(t.value);
    case "var":
      return /^@['"`]/.test(t.text) ? `@${quoteName(t.value)}` : void 0;
    default:
      return void 0;
  }
}
function respell(text, from, to) {
  let tokens;
  try {
    tokens = tokenize(text, from);
  } catch {
    return void 0;
  }
  if (tokens.some(
    (t) => t.hint || to.brackets && t.kind !== "string" && t.kind !== "qident" && t.text.includes("[")
  ))
    return void 0;
  let out = "";
  let at = 0;
  for (const t of tokens) {
    const spelt = respelt(t, to);
    if (spelt === void 0) continue;
    out += text.slice(at, t.start) + spelt;
    at = t.end;
  }
  return out + text.slice(at);
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
function mysqlTargets(text, findings, sqlMode, server) {
  const tokens = tokenize(text, lexFlags(sqlMode, server)).filter((t) => !isPunct(t, ";"));
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
  const value = (t) => t?.kind === "number" && /^\d+$/.test(t.text) ? "number" : t?.kind === "string" && !t.prefix ? "string" : t?.kind === "param" ? "param" : void 0;
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
    const v = value(where[j + 1]);
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
  constructor(conn, budget, server) {
    this.conn = conn;
    this.budget = budget;
    this.server = server;
  }
  conn;
  budget;
  server;
  async rows(sql, values) {
    const ms = this.budget.nextProbeMs();
    const bounded = this.server.flavour === "mariadb" ? `SET STATEMENT max_statement_time = ${ms / 1e3} FOR ${sql}` : sql.replace(/^(?:EXPLAIN\s+)?SELECT\b/, (m) => `${m} /*+ MAX_EXECUTION_TIME(${ms}) */`);
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
  const check = mysqlEvaluation(sql, sqlMode, p.server);
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
      "SELECT VERSION() AS v, DATABASE() AS d, @@SESSION.innodb_lock_wait_timeout AS ilw, @@SESSION.lock_wait_timeout AS lw, @@SESSION.sql_mode AS m"
    );
    limits = {
      server: parseServerVersion(String(r?.v ?? "")),
      database: r?.d === null || r?.d === void 0 ? void 0 : String(r.d),
      mode: String(r?.m ?? ""),
      restore: `SET SESSION innodb_lock_wait_timeout = ${Number(r?.ilw)}, lock_wait_timeout = ${Number(r?.lw)}`
    };
    sessions.set(conn, limits);
  }
  await conn.query("SET SESSION innodb_lock_wait_timeout = 1, lock_wait_timeout = 1");
  return limits;
}
function probeText(text, session, side) {
  const { server } = side;
  if (!server || isUnknownMode(session)) return void 0;
  if (session === void 0) return { text, sqlMode: session, server };
  const s = lexFlags(session, server);
  const to = lexFlags(side.mode, server);
  const alike = (s.ansiQuotes === to.ansiQuotes || !text.includes('"')) && (s.noBackslashEscapes === to.noBackslashEscapes || !text.includes("\\")) && (s.brackets === to.brackets || !text.includes("["));
  if (alike) return { text, sqlMode: session, server };
  const respelt2 = respell(text, s, to);
  return respelt2 === void 0 ? void 0 : { text: respelt2, sqlMode: side.mode, server };
}
function valuesDue(targets, params2) {
  if (!params2 && targets.some((t) => isRowWise(t) && t.select && t.select.params.to > t.select.params.from))
    throw new ValuesPending();
}
async function estimateMysql(conn, statementText, analysis, opts) {
  const known = sessions.get(conn)?.server;
  const targets = mysqlTargets(statementText, analysis.findings, opts.sqlMode, known);
  if (targets.length === 0) return [];
  valuesDue(targets, opts.params);
  const quick = targets.map((t) => cachedOneRow(conn, t, sessions.get(conn)?.database, opts.params));
  if (known && quick.every((e) => e !== void 0)) return quick;
  const budget = new Budget(opts.timeoutMs, opts.statementTimeoutMs ?? 2e3);
  return exclusive(conn, async () => {
    const limits = await enterLimits(conn);
    try {
      const probe = probeText(statementText, opts.sqlMode, limits);
      if (!probe)
        throw new GuardrailError(
          "not estimated: the statement cannot be spelt for the side connection's sql_mode as the session's reads it",
          { code: "ERR_SQL_LEX" }
        );
      const { sqlMode, server } = probe;
      const same = probe.text === statementText && sqlMode === opts.sqlMode && server === known;
      const cut = same ? targets : mysqlTargets(probe.text, analysis.findings, sqlMode, server);
      valuesDue(cut, opts.params);
      await conn.query("START TRANSACTION READ ONLY");
      try {
        const p = new MyProbe(conn, budget, server);
        const exactBelow = opts.exactBelow ?? DEFAULT_EXACT_BELOW;
        const out = [];
        for (const t of cut)
          if (isRowWise(t)) out.push(...await rowWise(p, t, limits.database, opts.params, sqlMode));
          else if (t.kind === "upsert") {
            out.push(await upsert(p, t, limits.database, opts.params, sqlMode));
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
    for (const [key, value] of Object.entries(n)) {
      const v = asNode(value);
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
      this.node(value, depth, ctes2);
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
  const join2 = at(kind === "delete" ? "USING" : "FROM", kind === "update" ? set + 1 : head + 1);
  const joinBeforeWhere = join2 > 0 && (where < 0 || join2 < where) ? join2 : -1;
  const targetEnd = kind === "update" ? set : joinBeforeWhere > 0 ? joinBeforeWhere : where > 0 ? where : end2;
  const target = slice(toks[head].end, startOf(targetEnd));
  const whereText = where > 0 ? slice(toks[where].end, startOf(end2)) : void 0;
  const joined = joinBeforeWhere > 0 ? slice(toks[joinBeforeWhere].end, startOf(where > 0 ? where : end2)) : void 0;
  const from = joined ? `${target} WHERE EXISTS (SELECT 1 FROM ${joined}${whereText ? ` WHERE ${whereText}` : ""})` : `${target}${whereText ? ` WHERE ${whereText}` : ""}`;
  const failed = { reason: "the count query could not be built from the statement text" };
  try {
    const check = parseSql(`SELECT count(*) FROM ${from}`);
    if (check.length !== 1 || !check[0].stmt.SelectStmt) return failed;
    const used = /* @__PURE__ */ new Set();
    paramNumbers(check[0].stmt, used);
    let unused = "";
    for (let n = 1; n <= highestParam(node); n++) if (!used.has(n)) unused += `, $${n}::text`;
    return { sql: `SELECT count(*)${unused} FROM ${from}`, from, extra: unused };
  } catch {
    return failed;
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
  if (opts.standardConformingStrings === false && escapesInPlainStrings(statementText))
    throw new GuardrailError(
      "not estimated: a plain string holds a backslash while standard_conforming_strings is off, which the estimate would read otherwise",
      { code: "ERR_SQL_LEX" }
    );
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

// src/gateway/catalog-barrier.ts
var CatalogBarrier = class {
  /**
   * `invalidate`: drops what was read of the catalog (at both ends of a change);
   * `timeoutMs`: the longest wait for a change to settle or for statements to be answered.
   */
  constructor(invalidate, timeoutMs = 3e4, pollMs = 100) {
    this.invalidate = invalidate;
    this.timeoutMs = timeoutMs;
    this.pollMs = pollMs;
  }
  invalidate;
  timeoutMs;
  pollMs;
  /** Sessions that sent a catalog change not yet committed or rolled back, and what it may alter. */
  changing = /* @__PURE__ */ new Map();
  /**
   * Sessions with statements sent and not yet answered (the ones sending a change included), and
   * what those statements reached.
   */
  running = /* @__PURE__ */ new Map();
  waiters = [];
  /** Sessions that ended: what they judge after that is never sent. */
  left = /* @__PURE__ */ new WeakSet();
  /** Bumped when a change begins or settles: a judgement begun under another epoch may be stale. */
  epoch = 0;
  /**
   * Whether a session other than `self` has a change pending that may alter what `r` reached
   * (without `r`: any change).
   */
  changedElsewhere(self, r) {
    if (this.changing.size === 0 || this.changing.size === 1 && this.changing.has(self)) return false;
    for (const [party, scope] of this.changing) if (party !== self && (!r || touches(scope, r))) return true;
    return false;
  }
  /** Resolves once no other session's pending change may alter what `r` reached; rejects after `timeoutMs`. */
  settled(self, r) {
    return this.until(
      () => !this.changedElsewhere(self, r),
      "another session's catalog change (DDL in a transaction not yet ended)"
    );
  }
  /**
   * `self` is about to send a change of `scope`. Marks it changing at once (later judgements by
   * others that reach its names wait), and resolves when no other session has statements that
   * reached those names unanswered; undefined when none has. Rejects after `timeoutMs`, leaving
   * `self` as it was.
   */
  change(self, scope) {
    if (this.left.has(self)) return void 0;
    const before = this.changing.get(self);
    this.changing.set(self, widen(before, scope));
    if (before === void 0) {
      this.epoch++;
      this.invalidate();
    }
    const othersQuiet = () => {
      for (const [party, reached] of this.running)
        if (party !== self && reached.some((r) => touches(scope, r))) return false;
      return true;
    };
    const sent = () => {
      if (this.left.has(self)) this.gone(self);
      else this.sent(self);
    };
    if (othersQuiet()) {
      sent();
      return void 0;
    }
    return this.until(othersQuiet, "other sessions' statements judged against the catalog as it is").then(
      sent,
      (err) => {
        if (before === void 0) this.release(self);
        else this.changing.set(self, before);
        throw err;
      }
    );
  }
  /** `self` sent a statement judged against the catalog: it counts until the session is quiet. */
  run(self, r) {
    if (this.left.has(self)) return;
    const reached = this.running.get(self);
    if (reached) reached.push(r);
    else this.running.set(self, [r]);
  }
  /** `self` sent something (a change) that may still run until the session is quiet. */
  sent(self) {
    if (!this.running.has(self)) this.running.set(self, []);
  }
  /** Everything `self` sent has been answered; `inTransaction`: the server says a transaction is open. */
  quiet(self, inTransaction) {
    const ran = this.running.delete(self);
    if (!inTransaction && this.changing.has(self)) this.release(self);
    else if (ran && this.waiters.length > 0) this.wake();
  }
  /**
   * The session ended. With nothing unanswered, whatever it left uncommitted is rolled back;
   * otherwise what it sent may still run, until `alive` says its server process is gone.
   */
  leave(self, alive) {
    this.left.add(self);
    if (!this.running.has(self) || !alive) {
      this.gone(self);
      return;
    }
    const poll = () => {
      alive().then(
        (yes) => yes ? setTimeout(poll, this.pollMs).unref() : this.gone(self),
        // An unreadable catalog is no answer: keep the place (waiters time out and refuse).
        () => setTimeout(poll, this.pollMs * 10).unref()
      );
    };
    poll();
  }
  gone(self) {
    this.running.delete(self);
    if (this.changing.has(self)) this.release(self);
    else this.wake();
  }
  /** Committed or rolled back: what was read while it was open is read again. */
  release(self) {
    this.changing.delete(self);
    this.epoch++;
    this.invalidate();
    this.wake();
  }
  until(ready, what) {
    return new Promise((resolve2, reject) => {
      if (ready()) {
        resolve2();
        return;
      }
      const waiter = {
        ready,
        resolve: resolve2,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`waited ${this.timeoutMs / 1e3} s for ${what} to end`));
        }, this.timeoutMs).unref()
      };
      this.waiters.push(waiter);
    });
  }
  wake() {
    const ready = this.waiters.filter((w) => w.ready());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve();
    }
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
  /**
   * Reads under way, by relation. When an entry expires, every session's next statement on the
   * relation needs it at once; they wait for one read instead of queueing one each on the side
   * connection (8 identical reads every ttlMs under `pgbench -S -c 8`, the last session held for
   * all eight).
   */
  reading = /* @__PURE__ */ new Map();
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  generation = 0;
  /** Bumped whenever an answer changes (see FiredResolver.version). */
  version = 0;
  unread(table, now) {
    const e = this.entries.get(table);
    return !e || now - e.at > this.ttlMs;
  }
  missing(tables) {
    const now = this.now();
    return tables.filter((t) => this.unread(t, now));
  }
  /** Asked before every execution of a prepared statement: allocates nothing. */
  needs(tables) {
    const now = this.now();
    for (const t of tables) if (this.unread(t, now)) return true;
    return false;
  }
  /** Rejects when the catalog cannot be read: the statement is then refused. */
  async prefetch(tables) {
    const waits = /* @__PURE__ */ new Set();
    const unread = [];
    for (const t of this.missing(tables)) {
      const read = this.reading.get(t);
      if (read) waits.add(read);
      else if (unread.length < MAX_TABLES_PER_READ) unread.push(t);
    }
    if (unread.length > 0) {
      const read = this.read(unread);
      for (const t of unread) this.reading.set(t, read);
      const done = () => {
        for (const t of unread) if (this.reading.get(t) === read) this.reading.delete(t);
      };
      read.then(done, done);
      waits.add(read);
    }
    await Promise.all(waits);
  }
  async read(missing) {
    const generation = this.generation;
    const found = await this.load(missing);
    if (generation !== this.generation) return;
    const at = this.now();
    for (const t of missing) {
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
    this.reading.clear();
  }
};

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
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  generation = 0;
  /** Bumped whenever an answer may have changed: a judgement made under another version is stale. */
  version = 0;
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
      const missing = this.missing(calls).slice(0, MAX_NAMES_PER_ROUND);
      if (missing.length === 0) return;
      await this.fetch(missing);
    }
  }
  async fetch(missing) {
    const generation = this.generation;
    const rows = await this.load(missing);
    if (generation !== this.generation) return;
    const fetchedAt = this.now();
    const found = new Map(missing.map((n) => [n, []]));
    for (const fn of rows) found.get(fn.name.toLowerCase())?.push(fn);
    for (const [name, bodies] of found) {
      const calls = [...new Set(bodies.flatMap((b) => this.callsOf(b).map((c) => c.toLowerCase())))];
      const before = this.entries.get(name);
      if (before && JSON.stringify(before.bodies) !== JSON.stringify(bodies)) this.version++;
      this.entries.delete(name);
      this.entries.set(name, { bodies, calls, fetchedAt });
    }
    while (this.entries.size > this.maxNames) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
      this.version++;
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
    this.generation++;
    this.version++;
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
var RELATED = `
WITH RECURSIVE r(oid, depth) AS (
  SELECT c.oid, 0 FROM pg_catalog.pg_class c
   WHERE pg_catalog.lower(c.relname) = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION
  SELECT x.oid, r.depth + 1 FROM r CROSS JOIN LATERAL (
    SELECT i.inhrelid AS oid FROM pg_catalog.pg_inherits i WHERE i.inhparent = r.oid
    UNION ALL SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = r.oid
    UNION ALL SELECT co.conrelid FROM pg_catalog.pg_constraint co WHERE co.contype = 'f' AND co.confrelid = r.oid
    UNION ALL SELECT co.confrelid FROM pg_catalog.pg_constraint co WHERE co.contype = 'f' AND co.conrelid = r.oid
  ) x WHERE r.depth < ${MAX_DEPTH2}
)
SELECT DISTINCT pg_catalog.lower(c.relname) AS name FROM r JOIN pg_catalog.pg_class c ON c.oid = r.oid`;
async function relatedPostgresRelations(db, names2) {
  const { rows } = await db.query(RELATED, [names2]);
  return rows.map((r) => r.name);
}

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
  const missing = w.supplied === void 0 ? columns : columns.filter((c) => !w.supplied.includes(c));
  return missing.length > 0 ? `${what}: ${missing.join(", ")} draws from a sequence` : void 0;
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
    const body = asList(fn.options).some((o) => {
      const d = asNode(asNode(o)?.DefElem);
      return str(d?.defname) === "as" && BODY_CALLS.test(JSON.stringify(d?.arg));
    });
    if (body || callsSequenceFunction(fn.sql_body))
      out.push((nameList(fn.funcname).split(".").pop() ?? "").toLowerCase());
  }
  return out;
}
function bodyMovesSequences(body) {
  return BODY_CALLS.test(body);
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
  /** `afterWrites` calls in progress, and the events they put off (with their connections). */
  deferring = 0;
  deferred = [];
  deferredConns = [];
  record(conn, event) {
    if (this.deferring > 0 && !this.inner.failed) {
      this.deferred.push(event);
      this.deferredConns.push(conn);
    } else this.write(conn, event);
  }
  /**
   * Runs `fn` (the framing of one chunk of a connection, ending in its socket writes) and records
   * the events it produced once it returns: the bytes leave before the lines' scrubbing, JSON
   * and hashing, which a round trip at one client would otherwise wait for. The lines are the
   * same and in the same order; a flush inside `fn` (before an approval) writes them first. The
   * events are built for the transcript and not touched after they are recorded, so recording
   * them a moment later records the same thing. A transcript that fails during `fn` (a flush)
   * surfaces here, from `fn`'s caller.
   */
  afterWrites(fn) {
    this.deferring++;
    try {
      return fn();
    } finally {
      if (--this.deferring === 0) this.drain();
    }
  }
  drain() {
    const events = this.deferred;
    const conns = this.deferredConns;
    try {
      for (let i = 0; i < events.length; i++) this.write(conns[i], events[i]);
    } finally {
      events.length = 0;
      conns.length = 0;
    }
  }
  write(conn, event) {
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
    this.drain();
    this.inner.flush();
  }
  close() {
    this.drain();
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

// src/gateway/text-memo.ts
var TEXTS_CACHED = 512;
var CACHED_TEXT_MAX = 4096;
var TEXTS_SIGHTED = 4096;
var ESCAPED_STRINGS = "standard_conforming_strings=off";
function lexingOf(ctx) {
  return ctx?.sqlMode ?? (ctx?.postgres?.standardConformingStrings === false ? ESCAPED_STRINGS : void 0);
}
var TextMemo = class {
  kept = new Lru(TEXTS_CACHED);
  seen = new SecondSighting(TEXTS_SIGHTED);
  get(text, ctx, compute) {
    if (text.length > CACHED_TEXT_MAX) return compute();
    const mode = lexingOf(ctx);
    const hit = this.kept.get(text);
    if (hit !== void 0 && hit.mode === mode) return hit.value;
    const value = compute();
    if (hit !== void 0 || this.seen.again(text)) this.kept.set(text, { mode, value });
    return value;
  }
};

// src/gateway/context.ts
var IMPACT_TIMEOUT_MS = 3e3;
function estimator(side, policy) {
  const threshold = {
    rows: policy.massChangeThreshold,
    ...policy.massChangeShare > 0 ? { percent: policy.massChangeShare, minTableRows: policy.massChangeMinTableRows } : {}
  };
  return async (text, analysis, ctx, values) => {
    if (analysis.temporaryTarget) return { record: { temporaryTable: analysis.temporaryTarget } };
    const opts = {
      timeoutMs: IMPACT_TIMEOUT_MS,
      // An empty sql_mode is a mode like any other: the side connection's own may differ.
      ...ctx.sqlMode !== void 0 ? { sqlMode: ctx.sqlMode } : {},
      ...ctx.postgres?.standardConformingStrings === false ? { standardConformingStrings: false } : {},
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
    const finding = massChangeFinding(judged, threshold);
    return { record: impactRecord(estimates), ...finding ? { finding } : {} };
  };
}
function betweenEstimates(side, check) {
  return (text, ctx) => exclusive(side, () => check(text, ctx));
}
function sideCatalogs(side, mode, waitMs) {
  const c = side.dialect === "postgres" ? {
    functions: new PostgresFunctionCatalog(side.connection),
    fired: new PostgresFiredCatalog(side.connection),
    reach: reachedPostgres,
    syntaxCheck: betweenEstimates(side.connection, postgresSyntaxCheck(side.connection)),
    ...mode === "dry-run" ? { sequences: new SequenceCatalog(side.connection) } : {},
    relatedRelations: (names2) => relatedPostgresRelations(side.connection, names2),
    backendAlive: async (pid) => (await side.connection.query("SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1", [pid])).rows.length > 0
  } : {
    functions: new MysqlFunctionCatalog(side.connection),
    fired: new MysqlFiredCatalog(side.connection),
    reach: mysqlReached,
    syntaxCheck: betweenEstimates(side.connection, mysqlSyntaxCheck(side.connection)),
    backendAlive: async (id) => {
      const [rows] = await side.connection.query(
        "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?",
        [id]
      );
      return rows.length > 0;
    }
  };
  if (mode !== "enforce") return c;
  return {
    ...c,
    barrier: new CatalogBarrier(() => {
      c.functions?.invalidate();
      c.fired?.invalidate();
    }, waitMs)
  };
}
async function createGatewayContext(opts) {
  await loadAnalyzers();
  const { policy, dialect } = opts;
  const masking = compileMasking(policy.masking);
  const mode = opts.mode ?? policy.mode;
  const secrets = new KnownSecrets();
  const redactions = new TextMemo();
  const secretPositions = new TextMemo();
  const standard = {};
  const escaped = { standardConformingStrings: false };
  const lexing = (ctx) => {
    if (dialect === "postgres")
      return ctx?.postgres?.standardConformingStrings === false ? escaped : standard;
    const { sqlMode, server } = ctx ?? {};
    return { ...sqlMode ? { sqlMode } : {}, ...server ? { server } : {} };
  };
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
    redact: (text, ctx) => redactions.get(text, ctx, () => {
      const redacted = masking.redactStatement(text, dialect, lexing(ctx));
      if (redacted !== text)
        for (const v of masking.secretValues(text, dialect, lexing(ctx))) secrets.add(v);
      return redacted;
    }),
    redactParams: (params2, text, ctx) => {
      const secret = secretPositions.get(text, ctx, () => masking.secretParams(text, dialect, lexing(ctx)));
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
    ...opts.side ? sideCatalogs(opts.side, mode, policy.catalogWaitMs) : {},
    ...opts.side ? {
      columns: new ColumnCatalog(
        dialect,
        opts.side.dialect === "postgres" ? postgresColumnQuery(opts.side.connection) : mysqlColumnQuery(opts.side.connection)
      )
    } : {}
  };
}

// src/gateway/transcript-file.ts
import { closeSync, constants, fsyncSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
var BATCH_MS = 2;
var IDLE_FLUSH_MS = 10;
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
  /** The time stamp (ms) of the open batch's first line; undefined when none is open. */
  opened;
  idle;
  failed;
  record(conn, event) {
    if (this.failed) throw this.failed;
    this.encoder.encode(conn, event);
    const at = this.encoder.lastMillis;
    if (this.opened === void 0) {
      this.opened = at;
      if (this.idle) this.idle.refresh();
      else this.idle = setTimeout(() => this.flushQuietly(), IDLE_FLUSH_MS);
    } else if (at - this.opened >= BATCH_MS) this.flushQuietly();
  }
  flush() {
    this.opened = void 0;
    if (this.fd < 0) return;
    const data = this.encoder.seal();
    if (data.length === 0) return;
    try {
      writeAll(this.fd, data);
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
    clearTimeout(this.idle);
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
};
function writeAll(fd, bytes) {
  for (let at = 0; at < bytes.length; ) {
    const n = writeSync(fd, bytes, at);
    if (n <= 0) throw new Error(`wrote ${at} of ${bytes.length} bytes`);
    at += n;
  }
}
function privateTranscriptFile(prefix) {
  const path = join(mkdtempSync(join(tmpdir(), prefix)), "transcript.jsonl");
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 384));
  return path;
}

export {
  createGatewayContext,
  FileRecorder,
  privateTranscriptFile
};
