// Impact estimates on a Postgres side connection. Every probe runs in its own READ ONLY
// transaction with statement_timeout and lock_timeout set locally, so an estimate can neither
// write nor wait behind the migration's locks, and ends within its budget.
import { createHash } from 'node:crypto';
import { GuardrailError } from '../errors/guardrail-error.js';
import { loadPostgresParser } from '../sql/postgres/parser.js';
import { evaluation } from '../sql/postgres/purity.js';
import type { BodiesOf } from '../sql/postgres/session.js';
import { escapesInPlainStrings } from '../sql/postgres/state.js';
import type { Analysis } from '../sql/types.js';
import { attempt, Budget, exclusive } from './budget.js';
import { CatalogCache, oneRowEstimate, UNIQUE_KEYS_TTL_MS } from './catalog-cache.js';
import {
  CASCADE_COLUMNS,
  type CascadeFacts,
  cascadeEstimates,
  cascadeFacts,
  cascades,
} from './pg-cascades.js';
import {
  pgLiteral as literal,
  type PgName,
  type PgTarget,
  pgDisplay,
  pgQualified,
  pgTargets,
  pgTextArray as textArray,
} from './pg-statements.js';
import { type Dependents, type EstimateOptions, type ImpactEstimate, ValuesPending } from './types.js';

/** What the estimator needs of a client: node-postgres' `Client` and `PoolClient` fit. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

const DEFAULT_EXACT_BELOW = 1_000_000;
const noBodies: BodiesOf = () => [];

/** A table's unique keys, for writes whose WHERE may fix one (see `rowWise`). */
interface KeyFacts {
  name: string;
  keys: string[][];
  inherited: boolean;
  cascade: CascadeFacts;
}
const keyFacts = new CatalogCache<KeyFacts>(UNIQUE_KEYS_TTL_MS);

class PgProbe {
  constructor(
    readonly client: PgQueryable,
    private readonly budget: Budget,
    private readonly lockTimeoutMs: number,
  ) {}

  /**
   * One probe in one round trip: the transaction, its limits, the query and the rollback go as
   * one simple-protocol string, so catalog probes inline their literals. A failing query leaves
   * the transaction aborted, so it is rolled back on its own. With bound values (the extended
   * protocol takes one statement) it costs three round trips.
   */
  async rows(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]> {
    if (values) {
      await this.client.query(this.begin());
      try {
        return (await this.client.query(sql, values)).rows;
      } finally {
        await this.client.query('ROLLBACK');
      }
    }
    // The newline ends a `--` comment the statement may end with.
    const results = (await this.client
      .query(`${this.begin()}; ${sql}\n; ROLLBACK`)
      .catch(async (err: unknown) => {
        await this.client.query('ROLLBACK');
        throw err;
      })) as unknown as { rows: Record<string, unknown>[] }[];
    if (!Array.isArray(results) || results.length !== 6)
      throw new GuardrailError('the probe did not run as one statement between BEGIN and ROLLBACK', {
        code: 'ERR_IMPACT_PROBE',
      });
    return results[4]!.rows;
  }

  private begin(): string {
    const ms = this.budget.nextProbeMs();
    // row_security off: a query that a policy would filter fails instead of evaluating the
    // policy's expressions (which may call anything).
    return `BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${Math.min(ms, this.lockTimeoutMs)}; SET LOCAL row_security = off`;
  }
}

interface Relation {
  oid: number;
  name: string;
  relname: string;
  reltuples: number;
  bytes: number;
  /**
   * Key columns of each valid unique index without predicate or expressions (when asked for);
   * not deferrable, since a deferred check lets duplicates stand until commit.
   */
  uniqueKeys: string[][];
  /** A plain table that other tables inherit from: an UPDATE without ONLY reaches them too. */
  inherited: boolean;
  /** A table of this database's own (not a foreign table, whose scan runs on another server). */
  plain: boolean;
  /** Foreign keys of other tables that delete or update their rows with this table's. */
  cascade: CascadeFacts;
}

/**
 * Unique keys from pg_index rows (`[indkey, indcollation, indnkeyatts]`) and the table's
 * columns (`attnum → [attname, attcollation]`): the key columns of each index, when each is
 * compared in the column's own collation (an index in another collation is unique in that one only).
 */
function uniqueKeys(
  indexes: [number[], string[], number][],
  cols: Record<string, [string, string]>,
): string[][] {
  const out: string[][] = [];
  for (const [keys, collations, nkey] of indexes) {
    const names = keys.slice(0, nkey).map((attnum, i) => {
      const col = cols[String(attnum)];
      return col && String(col[1]) === String(collations[i]) ? col[0] : undefined;
    });
    if (names.every((n) => n !== undefined)) out.push(names as string[]);
  }
  return out;
}

/** The table; with `keys`, also its unique keys (for a write whose WHERE may fix one). */
async function relation(p: PgProbe, t: PgName, keys = false): Promise<Relation | undefined> {
  const [r] = await p.rows(
    `SELECT c.oid::int8 AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relname, c.reltuples::float8 AS reltuples,
            pg_total_relation_size(c.oid)::int8 AS bytes, c.relkind = 'r' AND c.relhassubclass AS inherited,
            c.relkind IN ('r', 'p') AS plain,${CASCADE_COLUMNS}${
              keys
                ? `,
            (SELECT json_agg(json_build_array(i.indkey::int2[], i.indcollation::oid[], i.indnkeyatts)) FROM pg_index i
              WHERE i.indrelid = c.oid AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL
                AND i.indexprs IS NULL) AS indexes,
            (SELECT json_object_agg(a.attnum, json_build_array(a.attname, a.attcollation)) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS cols`
                : ''
            }
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass(${literal(pgQualified(t))})`,
  );
  if (!r) return undefined;
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return {
    oid: Number(r.oid),
    name: String(r.name),
    relname: String(r.relname),
    reltuples: Number(r.reltuples),
    bytes: Number(r.bytes),
    uniqueKeys: keys ? uniqueKeys(json(r.indexes) ?? [], json(r.cols) ?? {}) : [],
    inherited: r.inherited === true,
    plain: r.plain === true,
    cascade: cascadeFacts(r),
  };
}

async function dependents(p: PgProbe, rel: Relation): Promise<Dependents> {
  const col = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.name));
  const views = await p.rows(
    `SELECT DISTINCT v.oid::regclass::text AS name
       FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.refobjid = ${rel.oid} AND v.oid <> ${rel.oid} ORDER BY 1`,
  );
  const fks = await p.rows(
    `SELECT format('%I on %s', conname, conrelid::regclass::text) AS name FROM pg_constraint
      WHERE contype = 'f' AND confrelid = ${rel.oid} AND conrelid <> ${rel.oid} ORDER BY 1`,
  );
  const triggers = await p.rows(
    `SELECT format('%I (%s)', tgname, tgfoid::regprocedure::text) AS name FROM pg_trigger
      WHERE tgrelid = ${rel.oid} AND NOT tgisinternal ORDER BY 1`,
  );
  // Only SQL-standard bodies and signatures record dependencies; PL/pgSQL bodies are text, so
  // they are searched for the table's name as a word (which can over-report).
  const word = `\\m${rel.relname.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`)}\\M`;
  const functions = await p.rows(
    `SELECT DISTINCT p.oid::regprocedure::text AS name
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND (p.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass
                          AND refclassid = 'pg_class'::regclass AND refobjid = ${rel.oid})
             OR p.prosrc ~* ${literal(word)})
      ORDER BY 1`,
  );
  return { views: col(views), foreignKeys: col(fks), functions: col(functions), triggers: col(triggers) };
}

function blank(kind: ImpactEstimate['kind'], table: PgName): ImpactEstimate {
  return { kind, table: pgDisplay(table), notes: [], unavailable: [] };
}

async function exactCount(p: PgProbe, e: ImpactEstimate, sql: string, values: unknown[] | undefined) {
  const n = await attempt('rowsExact', e, async () => Number((await p.rows(sql, values))[0]?.count));
  if (n !== undefined) e.rowsExact = n;
}

async function tableWide(p: PgProbe, t: PgTarget, exactBelow: number): Promise<ImpactEstimate> {
  const e = blank(t.kind === 'rewrite' ? 'update' : t.kind, t.table);
  // UPDATE and DELETE take ROW EXCLUSIVE on the table and lock each row they change.
  e.lockLevel = 'ROW EXCLUSIVE';
  const rel = await attempt('table', e, () => relation(p, t.table));
  if (!rel) {
    if (!e.unavailable.length) e.unavailable.push({ part: 'table', reason: 'no such table (yet)' });
    return e;
  }
  e.table = rel.name;
  e.bytes = rel.bytes;
  if (rel.reltuples >= 0) e.rowsEstimated = Math.round(rel.reltuples);
  else e.notes.push('the table was never analyzed: no planner estimate');
  if (t.kind === 'drop-column' && rel.plain) {
    e.column = t.column;
    e.lockLevel = t.lockLevel;
    const n = await attempt('nonNull', e, async () =>
      Number(
        (await p.rows(`SELECT count(${pgQualified({ name: t.column })}) AS count FROM ${rel.name}`))[0]
          ?.count,
      ),
    );
    if (n !== undefined) e.nonNull = n;
    return e;
  }
  if (t.kind === 'lock') {
    e.lockLevel = t.lockLevel;
    if (t.columns.length === 1) e.column = t.columns[0]!;
    return e;
  }
  if (t.kind === 'rewrite') {
    // Every row gets the USING expression's value: an UPDATE of the whole table.
    e.column = t.column;
    e.lockLevel = 'ACCESS EXCLUSIVE';
    if (e.rowsEstimated !== undefined) e.tableRows = e.rowsEstimated;
    e.notes.push(`ALTER COLUMN ${t.column} TYPE … USING computes every row's value again`);
    if (rel.plain && rel.reltuples < exactBelow)
      await exactCount(p, e, `SELECT count(*) AS count FROM ${rel.name}`, undefined);
    return e;
  }
  e.lockLevel = 'ACCESS EXCLUSIVE';
  if (!rel.plain) e.notes.push('not counted: not a plain table');
  else if (rel.reltuples < exactBelow)
    await exactCount(p, e, `SELECT count(*) AS count FROM ${rel.name}`, undefined);
  else e.notes.push(`not counted exactly: estimated ${Math.round(rel.reltuples)} rows or more`);
  const deps = await attempt('dependents', e, () => dependents(p, rel));
  if (deps) e.dependents = deps;
  return e;
}

/** The estimate of a write whose WHERE fixes a whole unique key: one row at most. */
function oneRow(t: RowWise, facts: KeyFacts): ImpactEstimate | undefined {
  if (facts.inherited && !t.only) return undefined;
  // One row of this table may be thousands of rows of the tables its deletion cascades to.
  if (cascades(t.kind, facts.cascade, t.sets)) return undefined;
  const key = facts.keys.find((k) => k.every((c) => t.pinned.includes(c)));
  return key && oneRowEstimate(t.kind, facts.name, 'ROW EXCLUSIVE', key);
}

/** The row estimate of the ModifyTable node's input in an EXPLAIN (FORMAT JSON) plan. */
function modifiedRows(plan: unknown): number | undefined {
  const node = plan as { 'Node Type'?: string; 'Plan Rows'?: number; Plans?: unknown[] };
  if (node['Node Type'] === 'ModifyTable') {
    const child = node.Plans?.[0] as { 'Plan Rows'?: number } | undefined;
    return child?.['Plan Rows'];
  }
  for (const c of node.Plans ?? []) {
    const n = modifiedRows(c);
    if (n !== undefined) return n;
  }
  return undefined;
}

type RowWise = Extract<PgTarget, { kind: 'delete' | 'update' }>;

/**
 * Why planning or counting `text` could run more than reads, or null when it cannot: the
 * analyzer's proof over the call graph, then what only the catalog knows (user-defined operators,
 * types, casts and overloads of the built-ins relied on; relations that are not plain tables).
 */
async function notEvaluable(p: PgProbe, text: string, bodies: BodiesOf): Promise<string | null> {
  const check = evaluation(text, bodies);
  if (check.unsafe) return check.unsafe;
  const named = (table: string, name: string, where: string, items: string[]) =>
    items.length
      ? `(SELECT string_agg(DISTINCT ${name}::text, ', ') FROM pg_catalog.${table}
           WHERE ${name} = ANY(${textArray(items)}) AND ${where})`
      : 'NULL';
  const user = (table: string, name: string, ns: string, items: string[]) =>
    named(
      table,
      name,
      `${ns} NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)`,
      items,
    );
  const names = [...new Set(check.proved.map((f) => f.name))];
  const hashes = check.proved.map((f) => createHash('md5').update(`${f.name}:${f.body}`).digest('hex'));
  const replaced = names.length
    ? `(SELECT string_agg(DISTINCT p.proname::text, ', ') FROM pg_catalog.pg_proc p
         WHERE lower(p.proname) = ANY(${textArray(names)})
           AND p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
           AND md5(lower(p.proname) || ':' || p.prosrc) <> ALL(${textArray(hashes)}))`
    : 'NULL';
  const [r] = await p.rows(
    `SELECT ${replaced} AS replaced,
            ${user('pg_operator', 'oprname', 'oprnamespace', check.operators)} AS operators,
            ${user('pg_type', 'typname', 'typnamespace', check.types)} AS types,
            ${user('pg_proc', 'proname', 'pronamespace', check.builtins)} AS functions,
            ${named('pg_proc', 'proname', "pronamespace = 'pg_catalog'::regnamespace", check.unlisted)} AS builtins,
            (SELECT string_agg(DISTINCT p.oid::regprocedure::text, ', ') FROM pg_catalog.pg_cast c
               JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc
              WHERE p.pronamespace <> 'pg_catalog'::regnamespace) AS casts,
            (SELECT string_agg(r, ', ') FROM unnest(${textArray(check.relations)}) r
              WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                 WHERE c.oid = pg_catalog.to_regclass(r) AND c.relkind IN ('r', 'p', 'm'))) AS relations`,
  );
  if (r?.replaced) return `${r.replaced} changed since its body was proved`;
  if (r?.operators) return `user-defined operators ${r.operators} are not proved free of side effects`;
  if (r?.types) return `user-defined types ${r.types} may run checks or functions`;
  if (r?.functions)
    return `user-defined functions named ${r.functions} may be called instead of the built-ins`;
  if (r?.builtins) return `built-in functions named ${r.builtins} may be called instead of the proved ones`;
  // A cast names no function in the text, and an implicit one not even its type: any cast that
  // runs a function outside pg_catalog could be the one the server picks.
  if (r?.casts) return `casts through user-defined functions ${r.casts} may run anything`;
  if (r?.relations) return `${r.relations} is not a plain table (a view or foreign table evaluates more)`;
  return null;
}

async function rowWise(
  p: PgProbe,
  t: RowWise,
  params: unknown[] | undefined,
  bodies: BodiesOf,
): Promise<ImpactEstimate[]> {
  const e = blank(t.kind, t.table);
  // UPDATE and DELETE take ROW EXCLUSIVE on the table and lock each row they change.
  e.lockLevel = 'ROW EXCLUSIVE';
  // A WHERE that fixes a whole unique key reaches one row at most: nothing to plan or count,
  // which spares the by-key writes of a backfill their probes (the keys are cached briefly).
  const cacheKey = pgQualified(t.table);
  const cached = t.pinned.length ? keyFacts.get(p.client, cacheKey) : undefined;
  const fromCache = cached && oneRow(t, cached);
  if (fromCache) return [fromCache];
  // The table, and its unique keys when the WHERE pins columns and the cache has none.
  const withKeys = t.pinned.length > 0 && !cached;
  const rel = await attempt('table', e, () => relation(p, t.table, withKeys));
  if (rel && withKeys) {
    const facts = { name: rel.name, keys: rel.uniqueKeys, inherited: rel.inherited, cascade: rel.cascade };
    keyFacts.set(p.client, cacheKey, facts);
    const one = oneRow(t, facts);
    if (one) return [one];
  }
  // Placeholders without values (judged at Parse, before any Bind): no plan made for "any value"
  // bounds what one execution's values reach, so each execution is estimated with its own.
  if (t.params > 0 && params === undefined) throw new ValuesPending();
  if (rel) {
    e.table = rel.name;
    e.bytes = rel.bytes;
    if (rel.reltuples >= 0) e.tableRows = Math.round(rel.reltuples);
  }
  // Planning folds immutable calls and counting evaluates the WHERE: neither may run what is
  // being judged. Unproved, the rows are unknown (and the mass-change rule fires).
  // Rows unknown here make the mass-change rule fire whatever the write cascades to.
  const unsafe = await attempt('rows', e, () => notEvaluable(p, t.text, bodies));
  if (unsafe === undefined) return [e]; // the check itself failed: nothing is evaluated unchecked
  if (unsafe !== null) {
    e.unavailable.push({ part: 'rows', reason: `not evaluated: ${unsafe}` });
    return [e];
  }
  // EXPLAIN without ANALYZE plans the write and never runs it; bound values make it a custom plan.
  const planned = await attempt('rows', e, async () => {
    const [r] = await p.rows(`EXPLAIN (FORMAT JSON) ${t.text}`, params);
    const doc = r?.['QUERY PLAN'];
    const json = (typeof doc === 'string' ? JSON.parse(doc) : doc) as { Plan: unknown }[];
    return modifiedRows(json[0]?.Plan);
  });
  if (planned !== undefined) e.rowsEstimated = planned;
  if ('reason' in t.count) e.unavailable.push({ part: 'rowsExact', reason: t.count.reason });
  else await exactCount(p, e, t.count.sql, params);
  if (!rel || !cascades(t.kind, rel.cascade, t.sets)) return [e];
  // The statement's WHERE was proved harmless above: counting the rows it cascades to evaluates it again.
  const cascaded = await attempt('rows', e, () =>
    cascadeEstimates(
      (sql, values) => p.rows(sql, values),
      { oid: rel.oid, kind: t.kind, sets: t.sets, count: t.rows },
      params,
      (into, fn) => attempt('rowsExact', into, fn),
    ),
  );
  if (cascaded) return [e, ...cascaded];
  // The cascades could not be read: the rows they change are unknown, which is not a pass.
  const unknown = blank(t.kind, { name: `tables cascaded from ${rel.name}` });
  unknown.unavailable.push(...e.unavailable.filter((u) => u.part === 'rows'));
  return [e, unknown];
}

/**
 * Estimates what `statementText` would change, without changing anything. Returns one estimate
 * per table and operation; parts that could not be produced in time are listed in `unavailable`.
 */
export async function estimatePostgres(
  client: PgQueryable,
  statementText: string,
  analysis: Analysis,
  opts: EstimateOptions,
): Promise<ImpactEstimate[]> {
  const lockHeavy = (i: number) =>
    (analysis.statements[i]?.findings ?? analysis.findings).some((f) => f.category === 'lock-heavy');
  // The parser here and the side connection read '…' as standard strings: text the session reads
  // with backslash escapes is other code to them (a literal ends early, what it held is run).
  if (opts.standardConformingStrings === false && escapesInPlainStrings(statementText))
    throw new GuardrailError(
      'not estimated: a plain string holds a backslash while standard_conforming_strings is off, which the estimate would read otherwise',
      { code: 'ERR_SQL_LEX' },
    );
  await loadPostgresParser();
  const targets = pgTargets(statementText, lockHeavy);
  if (targets.length === 0) return [];
  // By-key writes whose table's unique keys were read a moment ago need no round trip, nor to
  // wait for another session's estimate on the connection.
  const quick = targets.map((t) => {
    if ((t.kind !== 'delete' && t.kind !== 'update') || !t.pinned.length) return undefined;
    const facts = keyFacts.get(client, pgQualified(t.table));
    return facts && oneRow(t, facts);
  });
  if (quick.every((e) => e !== undefined)) return quick;
  // Time spent waiting for another estimate on this connection counts against the budget.
  const budget = new Budget(opts.timeoutMs, opts.statementTimeoutMs ?? 2000);
  return exclusive(client, async () => {
    const p = new PgProbe(client, budget, opts.lockTimeoutMs ?? 200);
    const exactBelow = opts.exactBelow ?? DEFAULT_EXACT_BELOW;
    const out: ImpactEstimate[] = [];
    for (const t of targets)
      if (t.kind === 'delete' || t.kind === 'update')
        out.push(...(await rowWise(p, t, opts.params, opts.bodies ?? noBodies)));
      else out.push(await tableWide(p, t, exactBelow));
    return out;
  });
}
