// Impact estimates on a MySQL / MariaDB side connection. Every probe runs in its own
// START TRANSACTION READ ONLY with a statement time limit (MariaDB max_statement_time, MySQL
// max_execution_time) and 1-second lock waits (the smallest the servers accept), so an estimate
// can neither write nor wait long behind the migration's locks. Session settings are restored.
import { GuardrailError } from '../errors/guardrail-error.js';
import { mysqlEvaluation } from '../sql/mysql/purity.js';
import { type MysqlServer, parseServerVersion } from '../sql/mysql/server.js';
import { isUnknownMode, lexFlags } from '../sql/mysql/sql-mode.js';
import type { Analysis } from '../sql/types.js';
import { attempt, Budget, exclusive } from './budget.js';
import { CatalogCache, oneRowEstimate, UNIQUE_KEYS_TTL_MS } from './catalog-cache.js';
import { cachedRootEdges, cascades, readRootEdges, replaceCascades, withCascades } from './mysql-cascades.js';
import { respell } from './mysql-respell.js';
import {
  isRowWise,
  type MyName,
  type MyRowWise,
  type MyTarget,
  myDisplay,
  mysqlTargets,
  type Pinned,
} from './mysql-statements.js';
import { type Dependents, type EstimateOptions, type ImpactEstimate, ValuesPending } from './types.js';

/** What the estimator needs of a connection: mysql2/promise's `Connection` fits. */
export interface MysqlQueryable {
  // biome-ignore lint/suspicious/noExplicitAny: mysql2's overloaded query() signature
  query(sql: string, values?: any): Promise<[any, unknown]>;
}

type Row = Record<string, unknown>;
const DEFAULT_EXACT_BELOW = 1_000_000;

/**
 * Probes run inside the estimate's one READ ONLY transaction (a statement error in MySQL ends
 * the statement, not the transaction), each bounded by its own time limit, set in the statement
 * itself so that a probe is one round trip. Every probe is a SELECT or EXPLAIN SELECT.
 */
class MyProbe {
  constructor(
    readonly conn: MysqlQueryable,
    private readonly budget: Budget,
    /** The server the probes are read for: which executable comments it runs. */
    readonly server: MysqlServer,
  ) {}

  async rows(sql: string, values?: unknown[]): Promise<Row[]> {
    const ms = this.budget.nextProbeMs();
    const bounded =
      this.server.flavour === 'mariadb'
        ? `SET STATEMENT max_statement_time = ${ms / 1000} FOR ${sql}`
        : sql.replace(/^(?:EXPLAIN\s+)?SELECT\b/, (m) => `${m} /*+ MAX_EXECUTION_TIME(${ms}) */`);
    const [rows] = await this.conn.query(bounded, values);
    return rows as Row[];
  }
}

const quoteIdent = (s: string) => `\`${s.replace(/`/g, '``')}\``;
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

interface Table {
  schema: string;
  name: string;
  rows: number;
  bytes: number;
}

async function resolve(p: MyProbe, t: MyName, database: string | undefined): Promise<Table | undefined> {
  const schema = t.schema ?? database;
  if (!schema) return undefined;
  const [r] = await p.rows(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, TABLE_ROWS AS r, DATA_LENGTH + INDEX_LENGTH AS b
       FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'`,
    [schema, t.name],
  );
  return r
    ? { schema: String(r.s), name: String(r.n), rows: Number(r.r ?? 0), bytes: Number(r.b ?? 0) }
    : undefined;
}

// Column types a number or a string is compared with exactly, as the unique index compares
// them: a number with a number, a string in the column's own collation. A string compared with
// a number column (or a number with a string column) is converted per row, which can match many.
const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'year']);
const TEXTUAL = new Set(['char', 'varchar', 'binary', 'varbinary', 'enum']);

/** A unique index whose every part is a whole column (no prefix, no expression), with its types. */
type UniqueIndex = { column: string; type: string }[];

const uniqueIndexes = new CatalogCache<UniqueIndex[]>(UNIQUE_KEYS_TTL_MS);

async function readUniqueIndexes(p: MyProbe, schema: string, name: string): Promise<UniqueIndex[]> {
  // The type as a subquery: MariaDB answers a join of information_schema tables by reading
  // every table's columns, and this one lookup per key column by name.
  const rows = await p.rows(
    `SELECT s.INDEX_NAME AS i, s.COLUMN_NAME AS c, s.SUB_PART AS p,
            (SELECT DATA_TYPE FROM information_schema.COLUMNS
              WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = s.COLUMN_NAME) AS t
       FROM information_schema.STATISTICS s
      WHERE s.TABLE_SCHEMA = ? AND s.TABLE_NAME = ? AND s.NON_UNIQUE = 0
      ORDER BY s.INDEX_NAME, s.SEQ_IN_INDEX`,
    [schema, name, schema, name],
  );
  const indexes = new Map<string, Row[]>();
  for (const r of rows) indexes.set(String(r.i), [...(indexes.get(String(r.i)) ?? []), r]);
  return [...indexes.values()]
    .filter((parts) => parts.every((r) => r.c !== null && r.p === null && r.t !== null))
    .map((parts) => parts.map((r) => ({ column: String(r.c), type: String(r.t).toLowerCase() })));
}

/**
 * The unique key the WHERE fixes in full, if any: every column of the index is pinned to a
 * value of the kind its type compares exactly.
 */
function pinnedKey(
  indexes: UniqueIndex[],
  pinned: Pinned[],
  params: unknown[] | undefined,
): string[] | undefined {
  // Integers only: a float is compared as a double, and doubles cannot tell big integers apart.
  const kind = (pin: Pinned) => {
    const v = pin.value === 'param' ? params?.[pin.param!] : undefined;
    if (pin.value === 'number' || Number.isSafeInteger(v)) return NUMERIC;
    if (pin.value === 'string' || typeof v === 'string') return TEXTUAL;
    return undefined;
  };
  const exact = ({ column, type }: { column: string; type: string }) => {
    const pin = pinned.find((x) => x.column.toLowerCase() === column.toLowerCase());
    return pin !== undefined && kind(pin)?.has(type) === true;
  };
  return indexes.find((index) => index.every(exact))?.map((c) => c.column);
}

/** A single-table write whose WHERE pins columns: where its unique keys are looked up. */
function pinnedWrite(t: MyTarget, database: string | undefined) {
  if (!isRowWise(t) || !t.single) return undefined;
  const pinned = t.select?.pinned;
  const schema = t.table.schema ?? database;
  return pinned?.length && schema ? { pinned, schema, table: `${schema}.${t.table.name}` } : undefined;
}

/** InnoDB locks every row (and gap) the statement scans, not only those it changes. */
const ROW_LOCKS = 'InnoDB row locks on the rows scanned';

/** What a by-key write is, from its table's unique keys read a moment ago, without a round trip. */
function cachedOneRow(
  conn: MysqlQueryable,
  t: MyTarget,
  database: string | undefined,
  params: unknown[] | undefined,
): ImpactEstimate | undefined {
  const w = pinnedWrite(t, database);
  if (!w || !isRowWise(t)) return undefined;
  const indexes = uniqueIndexes.get(conn, w.table);
  const key = indexes && pinnedKey(indexes, w.pinned, params);
  const edges = key && cachedRootEdges(conn, w.schema, t.table.name);
  return edges && !cascades(t, edges) ? oneRowEstimate(t.kind, w.table, ROW_LOCKS, key) : undefined;
}

const qualified = (t: Table) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;

/** Matches the table's name as a whole word (or backquoted) in a definition's text. */
function mentions(t: Table): (text: unknown) => boolean {
  const name = t.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|[^A-Za-z0-9_$])\`?${name}\`?($|[^A-Za-z0-9_$])`, 'i');
  return (text) => typeof text === 'string' && re.test(text);
}

async function views(p: MyProbe, t: Table, notes: string[]): Promise<string[]> {
  try {
    const rows = await p.rows(
      `SELECT VIEW_SCHEMA AS s, VIEW_NAME AS n FROM information_schema.VIEW_TABLE_USAGE
        WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY 1, 2`,
      [t.schema, t.name],
    );
    return rows.map((r) => `${r.s}.${r.n}`);
  } catch (err) {
    if ((err as { errno?: number }).errno !== 1109) throw err; // 1109: unknown table (MariaDB)
  }
  notes.push('views found by the table name in their definitions (no VIEW_TABLE_USAGE on this server)');
  const rows = await p.rows(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, VIEW_DEFINITION AS d FROM information_schema.VIEWS
      WHERE VIEW_DEFINITION LIKE ? ORDER BY 1, 2`,
    [`%${likeEscape(t.name)}%`],
  );
  const hit = mentions(t);
  return rows.filter((r) => hit(r.d)).map((r) => `${r.s}.${r.n}`);
}

async function dependents(p: MyProbe, t: Table, notes: string[]): Promise<Dependents> {
  const v = await views(p, t, notes);
  const fks = await p.rows(
    `SELECT CONSTRAINT_NAME AS c, CONSTRAINT_SCHEMA AS s, TABLE_NAME AS n FROM information_schema.REFERENTIAL_CONSTRAINTS
      WHERE UNIQUE_CONSTRAINT_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?
        AND NOT (CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?) ORDER BY 2, 3, 1`,
    [t.schema, t.name, t.schema, t.name],
  );
  const triggers = await p.rows(
    `SELECT TRIGGER_SCHEMA AS s, TRIGGER_NAME AS n FROM information_schema.TRIGGERS
      WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY 1, 2`,
    [t.schema, t.name],
  );
  const routines = await p.rows(
    `SELECT ROUTINE_SCHEMA AS s, ROUTINE_NAME AS n, ROUTINE_TYPE AS k, ROUTINE_DEFINITION AS d
       FROM information_schema.ROUTINES WHERE ROUTINE_DEFINITION LIKE ? ORDER BY 1, 2`,
    [`%${likeEscape(t.name)}%`],
  );
  const hit = mentions(t);
  notes.push('routines found by the table name in their bodies (only bodies this account may read)');
  return {
    views: v,
    foreignKeys: fks.map((r) => `${r.c} on ${r.s}.${r.n}`),
    functions: routines.filter((r) => hit(r.d)).map((r) => `${r.s}.${r.n} (${String(r.k).toLowerCase()})`),
    triggers: triggers.map((r) => `${r.s}.${r.n}`),
  };
}

async function exactCount(
  p: MyProbe,
  e: ImpactEstimate,
  sql: string,
  values?: unknown[],
): Promise<number | undefined> {
  return attempt('rowsExact', e, async () => Number((await p.rows(sql, values))[0]?.n));
}

function blank(t: MyTarget): ImpactEstimate {
  return {
    kind: t.kind === 'upsert' ? 'update' : t.kind,
    table: myDisplay(t.table),
    notes: [],
    unavailable: [],
  };
}

/** REPLACE / ON DUPLICATE KEY UPDATE: it changes at most the rows it writes, of the table's rows. */
async function upsert(
  p: MyProbe,
  t: Extract<MyTarget, { kind: 'upsert' }>,
  database: string | undefined,
  params: unknown[] | undefined,
  sqlMode: string | undefined,
): Promise<ImpactEstimate> {
  const e = blank(t);
  e.lockLevel = ROW_LOCKS;
  e.notes.push('REPLACE / ON DUPLICATE KEY UPDATE: at most the rows it writes are changed');
  const table = await attempt('table', e, () => resolve(p, t.table, database));
  if (table) {
    e.table = `${table.schema}.${table.name}`;
    e.bytes = table.bytes;
    e.tableRows = table.rows;
  }
  if (t.values !== undefined) {
    e.rowsExact = t.values;
    return e;
  }
  if (t.source === undefined) {
    e.unavailable.push({ part: 'rows', reason: 'statement shape not recognised' });
    return e;
  }
  const unsafe = await attempt('rows', e, () => notEvaluable(p, t.source!, sqlMode));
  if (unsafe === undefined) return e;
  if (unsafe !== null) {
    e.unavailable.push({ part: 'rows', reason: `not evaluated: ${unsafe}` });
    return e;
  }
  const n = await exactCount(p, e, `SELECT count(*) AS n FROM (${t.source}) AS guardrail_source`, params);
  if (n !== undefined) e.rowsExact = n;
  return e;
}

async function tableWide(
  p: MyProbe,
  t: Exclude<MyTarget, MyRowWise | { kind: 'upsert' }>,
  database: string | undefined,
  exactBelow: number,
): Promise<ImpactEstimate> {
  const e = blank(t);
  const table = await attempt('table', e, () => resolve(p, t.table, database));
  if (!table) {
    if (!e.unavailable.length) e.unavailable.push({ part: 'table', reason: 'no such table (yet)' });
    return e;
  }
  e.table = `${table.schema}.${table.name}`;
  e.bytes = table.bytes;
  e.rowsEstimated = table.rows;
  e.notes.push(
    'row estimate from information_schema.TABLES (InnoDB samples: it can be off by tens of percent)',
  );
  if (t.kind === 'lock') {
    e.lockLevel = t.lockLevel;
    return e;
  }
  if (t.kind === 'drop-column') {
    e.column = t.column;
    const n = await attempt('nonNull', e, async () =>
      Number((await p.rows(`SELECT count(${quoteIdent(t.column)}) AS n FROM ${qualified(table)}`))[0]?.n),
    );
    if (n !== undefined) e.nonNull = n;
    return e;
  }
  e.lockLevel = 'exclusive metadata lock';
  if (table.rows < exactBelow) {
    const n = await exactCount(p, e, `SELECT count(*) AS n FROM ${qualified(table)}`);
    if (n !== undefined) e.rowsExact = n;
  } else e.notes.push(`not counted exactly: estimated ${table.rows} rows or more`);
  const deps = await attempt('dependents', e, () => dependents(p, table, e.notes));
  if (deps) e.dependents = deps;
  return e;
}

/** Why evaluating `sql` could run more than reads, or null when it cannot. */
async function notEvaluable(p: MyProbe, sql: string, sqlMode: string | undefined): Promise<string | null> {
  const check = mysqlEvaluation(sql, sqlMode, p.server);
  if (check.unsafe) return check.unsafe;
  if (check.names.length === 0) return null;
  const [r] = await p.rows(
    `SELECT GROUP_CONCAT(DISTINCT TABLE_NAME) AS v FROM information_schema.TABLES
      WHERE TABLE_TYPE = 'VIEW' AND TABLE_NAME IN (${check.names.map(() => '?').join(', ')})
        AND TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema', 'mysql', 'sys')`,
    check.names,
  );
  return r?.v ? `${String(r.v)} is a view (it evaluates its own expressions)` : null;
}

/**
 * The write's own estimate, and one for each table its foreign keys cascade to. Rows counted for
 * the write prove its WHERE harmless (see `ownRows`): only then are the cascades counted with it.
 */
async function rowWise(
  p: MyProbe,
  t: MyRowWise,
  database: string | undefined,
  params: unknown[] | undefined,
  sqlMode: string | undefined,
): Promise<ImpactEstimate[]> {
  const e = await ownRows(p, t, database, params, sqlMode);
  return withCascades((sql, values) => p.rows(sql, values), p.conn, t, e, database, params, attempt);
}

async function ownRows(
  p: MyProbe,
  t: MyRowWise,
  database: string | undefined,
  params: unknown[] | undefined,
  sqlMode: string | undefined,
): Promise<ImpactEstimate> {
  // A WHERE that fixes a whole unique key reaches one row at most: nothing to plan or count.
  // Without the catalog's answer the statement is planned and counted as any other.
  const w = pinnedWrite(t, database);
  if (w) {
    // Keys read a moment ago that this WHERE does not fix in full are not read again.
    let indexes = uniqueIndexes.get(p.conn, w.table);
    if (!indexes) {
      indexes = await readUniqueIndexes(p, w.schema, t.table.name).catch(() => undefined);
      if (indexes) uniqueIndexes.set(p.conn, w.table, indexes);
    }
    const key = indexes && pinnedKey(indexes, w.pinned, params);
    // One row here may be thousands in the tables its deletion cascades to: then it is counted.
    const rows = (sql: string, values?: unknown[]) => p.rows(sql, values);
    const edges =
      key &&
      (cachedRootEdges(p.conn, w.schema, t.table.name) ??
        (await readRootEdges(rows, p.conn, w.schema, t.table.name).catch(() => undefined)));
    if (key && edges && !cascades(t, edges)) return oneRowEstimate(t.kind, w.table, ROW_LOCKS, key);
  }
  const e = blank(t);
  e.lockLevel = ROW_LOCKS;
  const table = await attempt('table', e, () => resolve(p, t.table, database));
  if (table) {
    e.table = `${table.schema}.${table.name}`;
    e.bytes = table.bytes;
    e.tableRows = table.rows;
  }
  // MariaDB refuses EXPLAIN DELETE / UPDATE in a read-only transaction, and EXPLAIN of a write
  // may evaluate constant subqueries: so the plan is of the equivalent SELECT, read-only.
  const sel = t.select;
  if (!sel) {
    e.unavailable.push({ part: 'rows', reason: 'statement shape not recognised' });
    return e;
  }
  const where = sel.where ? ` WHERE ${sel.where}` : '';
  // Planning and counting evaluate the WHERE: never what is being judged (a stored function
  // may take a lock or sleep, which a READ ONLY transaction does not stop). Unproved, the rows
  // are unknown (and the mass-change rule fires).
  const unsafe = await attempt('rows', e, () => notEvaluable(p, `${sel.from}${where}`, sqlMode));
  if (unsafe === undefined) return e;
  if (unsafe !== null) {
    e.unavailable.push({ part: 'rows', reason: `not evaluated: ${unsafe}` });
    return e;
  }
  const values = params?.slice(sel.params.from, sel.params.to);
  const planned = await attempt('rows', e, async () => {
    const rows = await p.rows(`EXPLAIN SELECT 1 FROM ${sel.from}${where}`, values);
    const own = rows.find((r) => r.table === t.label) ?? rows[0];
    if (own?.rows === null || own?.rows === undefined) return undefined;
    const filtered = own.filtered === undefined || own.filtered === null ? 100 : Number(own.filtered);
    return Math.round((Number(own.rows) * filtered) / 100);
  });
  if (planned !== undefined)
    e.rowsEstimated = sel.limit !== undefined ? Math.min(planned, sel.limit) : planned;
  if (!t.single) {
    e.unavailable.push({
      part: 'rowsExact',
      reason: 'multi-table statement: only the EXPLAIN estimate is made',
    });
    return e;
  }
  const n = await exactCount(p, e, `SELECT count(*) AS n FROM ${sel.from}${where}`, values);
  if (n !== undefined) e.rowsExact = sel.limit !== undefined ? Math.min(n, sel.limit) : n;
  return e;
}

interface SessionLimits {
  /** What VERSION() says: which executable comments the server runs; undefined if unreadable. */
  server: MysqlServer | undefined;
  database: string | undefined;
  /** The connection's own sql_mode. */
  mode: string;
  restore: string;
}

/**
 * What the connection is (server, schema, sql_mode) and its lock waits, read once per connection:
 * between estimates they are restored to these, and nothing else of ours changes them.
 */
const sessions = new WeakMap<MysqlQueryable, SessionLimits>();

async function enterLimits(conn: MysqlQueryable): Promise<SessionLimits> {
  let limits = sessions.get(conn);
  if (!limits) {
    const [[r]] = (await conn.query(
      'SELECT VERSION() AS v, DATABASE() AS d, @@SESSION.innodb_lock_wait_timeout AS ilw, @@SESSION.lock_wait_timeout AS lw, @@SESSION.sql_mode AS m',
    )) as [Row[], unknown];
    limits = {
      server: parseServerVersion(String(r?.v ?? '')),
      database: r?.d === null || r?.d === undefined ? undefined : String(r.d),
      mode: String(r?.m ?? ''),
      restore: `SET SESSION innodb_lock_wait_timeout = ${Number(r?.ilw)}, lock_wait_timeout = ${Number(r?.lw)}`,
    };
    sessions.set(conn, limits);
  }
  await conn.query('SET SESSION innodb_lock_wait_timeout = 1, lock_wait_timeout = 1');
  return limits;
}

/**
 * The text the probes are cut from, and the sql_mode they are proved under. They run on the side
 * connection, under its own mode: where that mode reads `"`, `\` or `[` otherwise than the
 * session's and the text holds one, a literal would end elsewhere there and what it held be run
 * (`'a\' OR x = ' OR GET_LOCK(1, 0) -- '` under NO_BACKSLASH_ESCAPES), so the text is respelt
 * for that mode and proved under it. Undefined when it cannot be (an unknown session mode, text
 * the respelling cannot promise). The side connection's mode is not switched instead: its
 * catalog reads share it, with values mysql2 escapes with backslashes.
 */
function probeText(
  text: string,
  session: string | undefined,
  side: SessionLimits,
): { text: string; sqlMode: string | undefined; server: MysqlServer } | undefined {
  const { server } = side;
  if (!server || isUnknownMode(session)) return undefined;
  if (session === undefined) return { text, sqlMode: session, server };
  const s = lexFlags(session, server);
  const to = lexFlags(side.mode, server);
  const alike =
    (s.ansiQuotes === to.ansiQuotes || !text.includes('"')) &&
    (s.noBackslashEscapes === to.noBackslashEscapes || !text.includes('\\')) &&
    (s.brackets === to.brackets || !text.includes('['));
  if (alike) return { text, sqlMode: session, server };
  const respelt = respell(text, s, to);
  return respelt === undefined ? undefined : { text: respelt, sqlMode: side.mode, server };
}

/** Placeholders without values (judged at prepare): each execution is estimated with its own. */
function valuesDue(targets: readonly MyTarget[], params: unknown[] | undefined): void {
  if (!params && targets.some((t) => isRowWise(t) && t.select && t.select.params.to > t.select.params.from))
    throw new ValuesPending();
}

/**
 * Estimates what `statementText` (one statement) would change, without changing anything.
 * Returns one estimate per table and operation; parts that could not be produced in time are
 * listed in `unavailable`.
 */
export async function estimateMysql(
  conn: MysqlQueryable,
  statementText: string,
  analysis: Analysis,
  opts: EstimateOptions,
): Promise<ImpactEstimate[]> {
  // Read for the server the connection reached before (which executable comments it runs); the
  // cached facts below are only ever there for such a connection.
  const known = sessions.get(conn)?.server;
  const targets = mysqlTargets(statementText, analysis.findings, opts.sqlMode, known);
  if (targets.length === 0) return [];
  valuesDue(targets, opts.params);
  // By-key writes whose table's unique keys were read a moment ago need no round trip.
  const quick = targets.map((t) => cachedOneRow(conn, t, sessions.get(conn)?.database, opts.params));
  if (known && quick.every((e) => e !== undefined)) return quick;
  // Time spent waiting for another estimate on this connection counts against the budget.
  const budget = new Budget(opts.timeoutMs, opts.statementTimeoutMs ?? 2000);
  return exclusive(conn, async () => {
    const limits = await enterLimits(conn);
    try {
      const probe = probeText(statementText, opts.sqlMode, limits);
      if (!probe)
        throw new GuardrailError(
          "not estimated: the statement cannot be spelt for the side connection's sql_mode as the session's reads it",
          { code: 'ERR_SQL_LEX' },
        );
      // Cut again unless the targets above were read so already (the first estimate on a
      // connection reads before its server is known, every executable comment as code).
      const { sqlMode, server } = probe;
      const same = probe.text === statementText && sqlMode === opts.sqlMode && server === known;
      const cut = same ? targets : mysqlTargets(probe.text, analysis.findings, sqlMode, server);
      valuesDue(cut, opts.params);
      await conn.query('START TRANSACTION READ ONLY');
      try {
        const p = new MyProbe(conn, budget, server);
        const exactBelow = opts.exactBelow ?? DEFAULT_EXACT_BELOW;
        const out: ImpactEstimate[] = [];
        for (const t of cut)
          if (isRowWise(t)) out.push(...(await rowWise(p, t, limits.database, opts.params, sqlMode)));
          else if (t.kind === 'upsert') {
            out.push(await upsert(p, t, limits.database, opts.params, sqlMode));
            if (t.replace)
              out.push(...(await replaceCascades((q, v) => p.rows(q, v), conn, t.table, limits.database)));
          } else out.push(await tableWide(p, t, limits.database, exactBelow));
        return out;
      } finally {
        await conn.query('ROLLBACK');
      }
    } finally {
      await conn.query(limits.restore);
    }
  });
}
