import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  columnType,
  mysqlEvents,
  postgresEvents,
  retypedTables
} from "./chunk-NLN46V2R.js";

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
var DATA_ONLY = /^(?:select|insert|update|delete|merge|copy|values|table|with|replace|load|explain|show|fetch|move|close|begin|start|commit|end|rollback|abort|savepoint|release|execute|deallocate|listen|unlisten|notify|lock|declare|checkpoint|analyze|vacuum|set\s+(?!search_path|schema|role|session))\b/i;
var CATALOG_WORDS = /\b(?:create|alter|drop|comment|grant|revoke|rename|import|execute|prepare)\b/i;
function mayChangeCatalog(analysis, text, reachedCode) {
  return analysis.opaque || analysis.statements.some((s) => !DATA_ONLY.test(s.canonical)) || CATALOG_WORDS.test(text) || reachedCode.some((c) => CATALOG_WORDS.test(c));
}

export {
  postgresColumnQuery,
  mysqlColumnQuery,
  ColumnCatalog,
  SessionColumns,
  FiredCatalog,
  mayChangeCatalog
};
