import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  columnType,
  lexFlags,
  mysqlEvents,
  postgresEvents,
  retypedTables,
  scanTokens,
  tokenize
} from "./chunk-AIHX2DPB.js";

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
    if (!inTransaction) {
      if (this.altered.size > 0) this.altered.clear();
    } else if (this.transactionalDdl) for (const t of this.retyped(text)) this.altered.add(t);
    if (!readOnly) this.catalog.invalidate();
  }
};

// src/gateway/catalog-scope.ts
var DATA_ONLY = /^(?:select|insert|update|delete|merge|copy|values|table|with|replace|load|explain|show|fetch|move|close|begin|start|commit(?! prepared)|end|rollback(?! prepared)|abort|savepoint|release|execute|deallocate|listen|unlisten|notify|lock|declare|checkpoint|analyze|vacuum|call|set\s+(?!search_path|schema|role|session))\b/i;
var CATALOG_WORDS = /\b(?:create|alter|drop|comment|grant|revoke|rename|import|execute|prepare)\b/i;
var NAMED = /^(?:create(?: or replace)?(?: (?:temp|temporary|unlogged))?(?: definer = \S+)?(?: sql security \w+)?(?: constraint)? (?:table|view|materialized view|trigger|rule|policy|function|procedure|(?:unique )?index|sequence)|(?:alter|drop) (?:table|view|materialized view|trigger|rule|policy|function|procedure|index|sequence)|comment on|rename table|truncate)\b/i;
var IDENTIFIER = /"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|([\p{L}_][\p{L}\p{N}_$]*)/gu;
function catalogChange(analysis, text, reachedCode, ctx) {
  if (analysis.opaque || reachedCode.some((c) => CATALOG_WORDS.test(c))) return "all";
  if (analysis.statements.every((s) => DATA_ONLY.test(s.canonical)))
    return CATALOG_WORDS.test(text) ? "all" : void 0;
  const scope = /* @__PURE__ */ new Set();
  for (const s of analysis.statements) {
    if (DATA_ONLY.test(s.canonical)) {
      if (CATALOG_WORDS.test(s.text)) return "all";
    } else if (!NAMED.test(s.canonical) || !namesIn(s.text, ctx, scope)) return "all";
  }
  return scope;
}
function namesIn(text, ctx, names) {
  try {
    if (ctx.dialect === "postgres") {
      for (const t of scanTokens(text).tokens) {
        if (t.tokenName === "SQL_COMMENT" || t.tokenName === "C_COMMENT") continue;
        if (/^u&"/i.test(t.text)) return false;
        if (t.tokenName !== "IDENT") wordsIn(t.text, names);
        else if (t.text.startsWith('"')) names.add(t.text.slice(1, -1).replaceAll('""', '"').toLowerCase());
        else names.add(t.text.toLowerCase());
      }
      return true;
    }
    const m = ctx;
    for (const t of tokenize(text, lexFlags(m.sqlMode, m.server))) {
      if (t.kind === "word" || t.kind === "qident") names.add(t.value.toLowerCase());
      else if (t.kind === "string") wordsIn(t.value, names);
    }
    return true;
  } catch {
    return false;
  }
}
function wordsIn(text, names) {
  for (const m of text.matchAll(IDENTIFIER)) names.add(identifier(m).toLowerCase());
}
function reachedNames(r) {
  return [...r.relations.map(lastPart), ...r.calls.map((c) => c.name.toLowerCase())];
}
function lastPart(relation) {
  let last = relation;
  for (const m of relation.matchAll(IDENTIFIER)) last = identifier(m);
  return last.toLowerCase();
}
function identifier(m) {
  return m[1]?.replaceAll('""', '"') ?? m[2]?.replaceAll("``", "`") ?? m[3];
}
function reachedForms(r) {
  const names = reachedNames(r);
  for (const relation of r.relations) {
    const lower = relation.toLowerCase();
    names.push(lower);
    for (let dot = lower.indexOf("."); dot >= 0; dot = lower.indexOf(".", dot + 1))
      names.push(lower.slice(dot + 1));
  }
  return names;
}
function touches(scope, r) {
  return scope === "all" || reachedForms(r).some((n) => scope.has(n));
}
function widen(a, b) {
  if (a === void 0) return b;
  if (a === "all" || b === "all") return "all";
  return /* @__PURE__ */ new Set([...a, ...b]);
}

export {
  catalogChange,
  touches,
  widen,
  postgresColumnQuery,
  mysqlColumnQuery,
  ColumnCatalog,
  SessionColumns
};
