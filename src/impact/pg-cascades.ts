// Rows a Postgres DELETE / UPDATE changes in other tables through foreign keys with an action
// (ON DELETE CASCADE / SET NULL / SET DEFAULT, ON UPDATE …): a one-row DELETE of a customer can
// delete thousands of orders, and those orders' lines in turn. Each cascaded table gets an
// estimate of its own, counted with `fk IN (SELECT key FROM <the statement's rows>)`, nested along
// the chain, so the mass-change rule sees (and names) it. The statement's WHERE is evaluated by
// these counts as by the statement's own count: the caller proves it harmless first.
import { pgTextArray as textArray } from './pg-statements.js';
import type { ImpactEstimate, ImpactKind } from './types.js';

/** Levels of cascades counted; a chain that goes further leaves its rows unknown (fails closed). */
export const MAX_CASCADE_DEPTH = 4;

type Rows = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

interface Edge {
  /** Constraint oids from the statement's table down to this one. */
  path: number[];
  child: string;
  conname: string;
  parent: string;
  fk: string[];
  pk: string[];
  /** What the cascade does to the child's rows: d(elete), u(pdate). */
  does: 'd' | 'u';
  /** Compared with operators outside pg_catalog: counting would run user code. */
  userOps: boolean;
}

// One row per cascading key, down to one level past the bound (those mark the bound as hit). A
// deleted row's children are deleted or updated by ON DELETE; an updated row's children follow
// ON UPDATE when the key they reference is among the columns changed, which for a cascaded
// update are the referencing columns of the key above. A self-referencing key repeats to the
// bound: its tree is counted level by level until a level has no rows.
// A partitioned referencing table's key is repeated on each partition: counted once, on the table.
const NOT_CLONE = `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint pc
                    WHERE pc.oid = co.conparentid AND pc.confrelid = co.confrelid)`;

const EDGES = (root: number, what: 'd' | 'u', sets: string) => `
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
   WHERE cardinality(e.path) <= ${MAX_CASCADE_DEPTH}
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

const list = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map(String)
    : String(v ?? '')
        .replace(/^\{|\}$/g, '')
        .split(',')
        .filter(Boolean);

async function edges(rows: Rows, root: number, what: 'd' | 'u', sets: string[]): Promise<Edge[]> {
  return (await rows(EDGES(root, what, textArray(sets)))).map((r) => ({
    path: list(r.path).map(Number),
    child: String(r.child),
    conname: String(r.conname),
    parent: String(r.parent),
    fk: list(r.fk),
    pk: list(r.pk),
    does: r.does === 'd' ? 'd' : 'u',
    userOps: r.user_ops === true,
  }));
}

/** The rows `edge` changes: its key's columns matched against the rows above, down from `from`. */
function rowsOf(edge: Edge, byPath: Map<string, Edge>, from: string): string {
  const above = byPath.get(edge.path.slice(0, -1).join(','));
  const parentRows = above ? rowsOf(above, byPath, from) : from;
  return `${edge.child} WHERE (${edge.fk.join(', ')}) IN (SELECT ${edge.pk.join(', ')} FROM ${parentRows})`;
}

export interface CascadeSource {
  /** The table's oid. */
  oid: number;
  kind: 'delete' | 'update';
  /** UPDATE: the columns it sets. */
  sets: string[];
  /** The statement's count query parts (pg-statements), or why there are none. */
  count: { from: string; extra: string } | { reason: string };
}

/**
 * One estimate per cascading foreign key reached from the statement's table, its rows counted;
 * rows unknown (the mass-change rule then fires) beyond the bound, for keys compared by user
 * operators, and when the statement's rows cannot be expressed as a query.
 */
export async function cascadeEstimates(
  rows: Rows,
  src: CascadeSource,
  params: unknown[] | undefined,
  attempt: <T>(e: ImpactEstimate, fn: () => Promise<T>) => Promise<T | undefined>,
): Promise<ImpactEstimate[]> {
  const found = await edges(rows, src.oid, src.kind === 'delete' ? 'd' : 'u', src.sets);
  const byPath = new Map(found.map((e) => [e.path.join(','), e]));
  const out: ImpactEstimate[] = [];
  const counted = new Map<string, number | undefined>();
  for (const edge of found) {
    const kind: ImpactKind = edge.does === 'd' ? 'delete' : 'update';
    const e: ImpactEstimate = {
      kind,
      table: edge.child,
      notes: [`cascaded from ${edge.parent} by foreign key ${edge.conname}`],
      unavailable: [],
      lockLevel: 'ROW EXCLUSIVE',
    };
    out.push(e);
    const above = edge.path.length > 1 ? counted.get(edge.path.slice(0, -1).join(',')) : undefined;
    if (above === 0) {
      // No rows changed above, none here: the chain ends.
      e.rowsExact = 0;
      counted.set(edge.path.join(','), 0);
      continue;
    }
    if (edge.path.length > MAX_CASCADE_DEPTH) {
      e.unavailable.push({
        part: 'rows',
        reason: `cascades more than ${MAX_CASCADE_DEPTH} levels deep are not counted`,
      });
      continue;
    }
    const chain = edge.path.map((_, i) => byPath.get(edge.path.slice(0, i + 1).join(',')));
    if (chain.some((c) => c?.userOps)) {
      e.unavailable.push({
        part: 'rows',
        reason: 'not counted: a key is compared by a user-defined operator',
      });
      continue;
    }
    if ('reason' in src.count) {
      e.unavailable.push({ part: 'rows', reason: `not counted: ${src.count.reason}` });
      continue;
    }
    const sql = `SELECT count(*) AS count${src.count.extra} FROM ${rowsOf(edge, byPath, src.count.from)}`;
    const n = await attempt(e, async () => Number((await rows(sql, params))[0]?.count));
    if (n !== undefined) e.rowsExact = n;
    counted.set(edge.path.join(','), n);
  }
  return out;
}

/**
 * Whether a write of `kind` setting `sets` on a table with these cascading keys changes other
 * tables' rows (then a one-row write by key is not one row of change).
 */
export function cascades(kind: 'delete' | 'update', facts: CascadeFacts, sets: string[]): boolean {
  return kind === 'delete' ? facts.onDelete : facts.onUpdate.some((c) => sets.includes(c));
}

export interface CascadeFacts {
  /** Some foreign key deletes or updates referencing rows when a row is deleted. */
  onDelete: boolean;
  /** Referenced columns whose change cascades. */
  onUpdate: string[];
}

/** Select-list items for the table `c` (pg_class) giving its CascadeFacts (see `cascadeFacts`). */
export const CASCADE_COLUMNS = `
            EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = c.oid
                       AND f.confdeltype IN ('c', 'n', 'd')) AS cascade_delete,
            (SELECT json_agg(DISTINCT a.attname) FROM pg_constraint f
               JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = ANY(f.confkey)
              WHERE f.contype = 'f' AND f.confrelid = c.oid AND f.confupdtype IN ('c', 'n', 'd')) AS cascade_update`;

export function cascadeFacts(r: Record<string, unknown>): CascadeFacts {
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return { onDelete: r.cascade_delete === true, onUpdate: (json(r.cascade_update) as string[] | null) ?? [] };
}
