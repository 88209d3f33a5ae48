// Impact estimates on a Postgres side connection. Every probe runs in its own READ ONLY
// transaction with statement_timeout and lock_timeout set locally, so an estimate can neither
// write nor wait behind the migration's locks, and ends within its budget.
import { loadPostgresParser } from '../sql/postgres/parser.js';
import type { Analysis } from '../sql/types.js';
import { attempt, Budget, exclusive } from './budget.js';
import { type PgName, type PgTarget, pgDisplay, pgQualified, pgTargets } from './pg-statements.js';
import type { Dependents, EstimateOptions, ImpactEstimate } from './types.js';

/** What the estimator needs of a client: node-postgres' `Client` and `PoolClient` fit. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

const DEFAULT_EXACT_BELOW = 1_000_000;
/** The side connection's own prepared statement for generic plans (never a client's: its own session). */
const PROBE_STATEMENT = 'guardrail_impact_probe';

class PgProbe {
  constructor(
    private readonly client: PgQueryable,
    private readonly budget: Budget,
    private readonly lockTimeoutMs: number,
  ) {}

  async rows(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]> {
    await this.begin();
    try {
      return (await this.client.query(sql, values)).rows;
    } finally {
      await this.client.query('ROLLBACK');
    }
  }

  private async begin(extra = ''): Promise<void> {
    const ms = this.budget.nextProbeMs();
    await this.client.query(
      `BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = ${ms}; SET LOCAL lock_timeout = ${Math.min(ms, this.lockTimeoutMs)}${extra}`,
    );
  }

  /**
   * The plan of a statement whose placeholders have no values yet (a prepared statement judged
   * when it is prepared): the planner's generic plan, made for any value, as the server's plan
   * cache would make it. PREPARE outlives the transaction, so it is deallocated by name.
   */
  async genericPlan(text: string, params: number): Promise<Record<string, unknown>[]> {
    await this.begin('; SET LOCAL plan_cache_mode = force_generic_plan');
    let prepared = false;
    try {
      await this.client.query(`PREPARE ${PROBE_STATEMENT} AS ${text}`);
      prepared = true;
      const nulls = Array.from({ length: params }, () => 'NULL').join(', ');
      return (await this.client.query(`EXPLAIN (FORMAT JSON) EXECUTE ${PROBE_STATEMENT}(${nulls})`)).rows;
    } finally {
      await this.client.query('ROLLBACK');
      if (prepared) await this.client.query(`DEALLOCATE ${PROBE_STATEMENT}`);
    }
  }
}

interface Relation {
  oid: number;
  name: string;
  relname: string;
  reltuples: number;
  bytes: number;
}

async function relation(p: PgProbe, t: PgName): Promise<Relation | undefined> {
  const [r] = await p.rows(
    `SELECT c.oid::int8 AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relname, c.reltuples::float8 AS reltuples,
            pg_total_relation_size(c.oid)::int8 AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [pgQualified(t)],
  );
  return r
    ? {
        oid: Number(r.oid),
        name: String(r.name),
        relname: String(r.relname),
        reltuples: Number(r.reltuples),
        bytes: Number(r.bytes),
      }
    : undefined;
}

async function dependents(p: PgProbe, rel: Relation): Promise<Dependents> {
  const col = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.name));
  const views = await p.rows(
    `SELECT DISTINCT v.oid::regclass::text AS name
       FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.refobjid = $1 AND v.oid <> $1 ORDER BY 1`,
    [rel.oid],
  );
  const fks = await p.rows(
    `SELECT format('%I on %s', conname, conrelid::regclass::text) AS name FROM pg_constraint
      WHERE contype = 'f' AND confrelid = $1 AND conrelid <> $1 ORDER BY 1`,
    [rel.oid],
  );
  const triggers = await p.rows(
    `SELECT format('%I (%s)', tgname, tgfoid::regprocedure::text) AS name FROM pg_trigger
      WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY 1`,
    [rel.oid],
  );
  // Only SQL-standard bodies and signatures record dependencies; PL/pgSQL bodies are text, so
  // they are searched for the table's name as a word (which can over-report).
  const word = `\\m${rel.relname.replace(/[^A-Za-z0-9_]/g, (c) => `\\${c}`)}\\M`;
  const functions = await p.rows(
    `SELECT DISTINCT p.oid::regprocedure::text AS name
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND (p.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass
                          AND refclassid = 'pg_class'::regclass AND refobjid = $1)
             OR p.prosrc ~* $2)
      ORDER BY 1`,
    [rel.oid, word],
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
  const e = blank(t.kind, t.table);
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
  if (t.kind === 'drop-column') {
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
  e.lockLevel = 'ACCESS EXCLUSIVE';
  if (rel.reltuples < exactBelow)
    await exactCount(p, e, `SELECT count(*) AS count FROM ${rel.name}`, undefined);
  else e.notes.push(`not counted exactly: estimated ${Math.round(rel.reltuples)} rows or more`);
  const deps = await attempt('dependents', e, () => dependents(p, rel));
  if (deps) e.dependents = deps;
  return e;
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

async function rowWise(
  p: PgProbe,
  t: Extract<PgTarget, { kind: 'delete' | 'update' }>,
  params: unknown[] | undefined,
): Promise<ImpactEstimate> {
  const e = blank(t.kind, t.table);
  // UPDATE and DELETE take ROW EXCLUSIVE on the table and lock each row they change.
  e.lockLevel = 'ROW EXCLUSIVE';
  const rel = await attempt('table', e, () => relation(p, t.table));
  if (rel) {
    e.table = rel.name;
    e.bytes = rel.bytes;
    if (rel.reltuples >= 0) e.tableRows = Math.round(rel.reltuples);
  }
  // Placeholders without values (judged at Parse, before any Bind): the generic plan's estimate,
  // and no count, which would need the values.
  const generic = t.params > 0 && params === undefined;
  // EXPLAIN without ANALYZE plans the write and never runs it.
  const planned = await attempt('rows', e, async () => {
    const [r] = generic
      ? await p.genericPlan(t.text, t.params)
      : await p.rows(`EXPLAIN (FORMAT JSON) ${t.text}`, params);
    const doc = r?.['QUERY PLAN'];
    const json = (typeof doc === 'string' ? JSON.parse(doc) : doc) as { Plan: unknown }[];
    return modifiedRows(json[0]?.Plan);
  });
  if (planned !== undefined) e.rowsEstimated = planned;
  if ('reason' in t.count) e.unavailable.push({ part: 'rowsExact', reason: t.count.reason });
  else if (generic) {
    e.notes.push("placeholders are bound at execution: the planner's generic estimate, not a count");
  } else await exactCount(p, e, t.count.sql, params);
  return e;
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
  await loadPostgresParser();
  const targets = pgTargets(statementText, lockHeavy);
  if (targets.length === 0) return [];
  // Time spent waiting for another estimate on this connection counts against the budget.
  const budget = new Budget(opts.timeoutMs, opts.statementTimeoutMs ?? 2000);
  return exclusive(client, async () => {
    const p = new PgProbe(client, budget, opts.lockTimeoutMs ?? 200);
    const exactBelow = opts.exactBelow ?? DEFAULT_EXACT_BELOW;
    const out: ImpactEstimate[] = [];
    for (const t of targets)
      out.push(
        t.kind === 'delete' || t.kind === 'update'
          ? await rowWise(p, t, opts.params)
          : await tableWide(p, t, exactBelow),
      );
    return out;
  });
}
