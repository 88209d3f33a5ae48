// Rows a MySQL / MariaDB DELETE / UPDATE changes in other tables through InnoDB foreign keys with
// an action (ON DELETE CASCADE / SET NULL, ON UPDATE …): a one-row DELETE of a customer can delete
// thousands of orders. (InnoDB's cascaded changes fire no triggers: only the rows count.) Each
// cascaded table gets an estimate of its own, counted with `fk IN (SELECT key FROM <the
// statement's rows>)`, nested along the chain; the caller proves the WHERE harmless first.
import { CatalogCache, UNIQUE_KEYS_TTL_MS } from './catalog-cache.js';
import type { MyRowWise } from './mysql-statements.js';
import type { ImpactEstimate, Unavailable } from './types.js';

/** Levels of cascades counted; a chain that goes further leaves its rows unknown (fails closed). */
export const MAX_CASCADE_DEPTH = 4;

type Rows = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/** A foreign key with an action, from the referenced (parent) table to the referencing one. */
export interface MyEdge {
  name: string;
  parent: string;
  child: string;
  /** The child's database and name, unquoted. */
  at: { schema: string; table: string };
  fk: string[];
  pk: string[];
  onDelete: string;
  onUpdate: string;
}

const ACTIONS = ['CASCADE', 'SET NULL', 'SET DEFAULT'];
const quoteIdent = (s: string) => `\`${s.replace(/`/g, '``')}\``;
const qualified = (schema: string, table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;
const display = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;

/** The keys with an action that reference these tables (`schema.table`, quoted), by parent. */
async function edgesTo(rows: Rows, tables: { schema: string; table: string }[]): Promise<MyEdge[]> {
  const found = await rows(
    `SELECT rc.CONSTRAINT_SCHEMA AS cs, rc.CONSTRAINT_NAME AS cn, rc.TABLE_NAME AS ct,
            rc.UNIQUE_CONSTRAINT_SCHEMA AS ps, rc.REFERENCED_TABLE_NAME AS pt,
            rc.DELETE_RULE AS dr, rc.UPDATE_RULE AS ur, k.COLUMN_NAME AS fc, k.REFERENCED_COLUMN_NAME AS pc
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
        AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
        AND k.REFERENCED_TABLE_NAME IS NOT NULL
      WHERE (rc.UNIQUE_CONSTRAINT_SCHEMA, rc.REFERENCED_TABLE_NAME) IN (${tables.map(() => '(?, ?)').join(', ')})
        AND (rc.DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT')
             OR rc.UPDATE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT'))
      ORDER BY rc.CONSTRAINT_SCHEMA, rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    tables.flatMap((t) => [t.schema, t.table]),
  );
  const byKey = new Map<string, MyEdge>();
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
      onUpdate: String(r.ur),
    };
    edge.fk.push(quoteIdent(String(r.fc)));
    edge.pk.push(quoteIdent(String(r.pc)));
    byKey.set(key, edge);
  }
  return [...byKey.values()];
}

/** The keys with an action referencing a table, read a moment ago (a backfill's by-key writes). */
const rootEdges = new CatalogCache<MyEdge[]>(UNIQUE_KEYS_TTL_MS);

export function cachedRootEdges(conn: object, schema: string, table: string): MyEdge[] | undefined {
  return rootEdges.get(conn, qualified(schema, table));
}

export async function readRootEdges(
  rows: Rows,
  conn: object,
  schema: string,
  table: string,
): Promise<MyEdge[]> {
  const edges = await edgesTo(rows, [{ schema, table }]);
  rootEdges.set(conn, qualified(schema, table), edges);
  return edges;
}

/**
 * REPLACE deletes each row it replaces, and with it what that deletion cascades to. Which rows it
 * replaces shows only as it runs: with ON DELETE actions on the table, those rows are unknown.
 */
export async function replaceCascades(
  rows: Rows,
  conn: object,
  target: { schema?: string; name: string },
  database: string | undefined,
): Promise<ImpactEstimate[]> {
  const schema = target.schema ?? database;
  const table = target.name;
  const edges =
    schema === undefined
      ? undefined
      : (cachedRootEdges(conn, schema, table) ??
        (await readRootEdges(rows, conn, schema, table).catch(() => undefined)));
  if (!edges) {
    const reason = 'the foreign keys referencing the table could not be read';
    return [
      {
        kind: 'delete',
        table: `tables referencing ${table}`,
        notes: [],
        unavailable: [{ part: 'rows', reason }],
      },
    ];
  }
  return edges
    .filter((e) => ACTIONS.includes(e.onDelete))
    .map((e) => ({
      kind: e.onDelete === 'CASCADE' ? 'delete' : 'update',
      table: display(e.at),
      notes: [`cascaded from ${e.parent} by foreign key ${e.name} when REPLACE deletes a row`],
      unavailable: [
        { part: 'rows', reason: 'not counted: which rows REPLACE replaces shows only as it runs' },
      ],
    }));
}

/** Whether the write changes rows of other tables through these keys. */
export function cascades(t: MyRowWise, edges: readonly MyEdge[]): boolean {
  if (t.kind === 'delete') return edges.some((e) => ACTIONS.includes(e.onDelete));
  const sets = (t.sets ?? []).map((c) => quoteIdent(c).toLowerCase());
  return edges.some((e) => ACTIONS.includes(e.onUpdate) && e.pk.some((c) => sets.includes(c.toLowerCase())));
}

interface Step {
  edge: MyEdge;
  does: 'delete' | 'update';
  /** The rows it changes, as `table WHERE …`. */
  rows: string;
  depth: number;
}

/**
 * One estimate per cascading key reached from the statement's rows (`from … WHERE …`, bound with
 * `values`), counted; rows unknown beyond the bound or when the rows cannot be selected again
 * (several tables, a LIMIT).
 */
export async function mysqlCascadeEstimates(
  rows: Rows,
  t: MyRowWise,
  root: MyEdge[],
  values: unknown[] | undefined,
  attempt: <T>(e: ImpactEstimate, fn: () => Promise<T>) => Promise<T | undefined>,
): Promise<ImpactEstimate[]> {
  const out: ImpactEstimate[] = [];
  const sel = t.select;
  const unknown = !t.single
    ? 'a write to several tables'
    : sel?.limit !== undefined
      ? 'a LIMIT picks which rows'
      : !sel
        ? 'statement shape not recognised'
        : undefined;
  const from = sel ? `${sel.from}${sel.where ? ` WHERE ${sel.where}` : ''}` : '';
  const sets = (t.sets ?? []).map((c) => quoteIdent(c).toLowerCase());
  // What each key does to the rows below it: a deleted row's ON DELETE, an updated row's ON
  // UPDATE when the key it references is among the columns changed.
  const next = (edge: MyEdge, parentDoes: 'delete' | 'update', changed: string[]) => {
    if (parentDoes === 'delete')
      return edge.onDelete === 'CASCADE' ? 'delete' : ACTIONS.includes(edge.onDelete) ? 'update' : undefined;
    return ACTIONS.includes(edge.onUpdate) && edge.pk.some((c) => changed.includes(c.toLowerCase()))
      ? 'update'
      : undefined;
  };
  let level: (Step & { changed: string[]; counted?: number })[] = [];
  for (const edge of root) {
    const does = next(edge, t.kind, sets);
    if (does)
      level.push({
        edge,
        does,
        depth: 1,
        rows: `${edge.child} WHERE (${edge.fk.join(', ')}) IN (SELECT ${edge.pk.join(', ')} FROM ${from})`,
        changed: edge.fk.map((c) => c.toLowerCase()),
      });
  }
  while (level.length > 0) {
    for (const step of level) {
      const e: ImpactEstimate = {
        kind: step.does,
        table: display(step.edge.at),
        notes: [`cascaded from ${step.edge.parent} by foreign key ${step.edge.name}`],
        unavailable: [],
        lockLevel: 'InnoDB row locks on the rows changed',
      };
      out.push(e);
      const why =
        unknown ??
        (step.depth > MAX_CASCADE_DEPTH ? `cascades more than ${MAX_CASCADE_DEPTH} levels deep` : undefined);
      if (why) {
        e.unavailable.push({ part: 'rows', reason: `not counted: ${why}` });
        continue;
      }
      const n = await attempt(e, async () =>
        Number((await rows(`SELECT count(*) AS n FROM ${step.rows}`, values))[0]?.n),
      );
      if (n !== undefined) e.rowsExact = n;
      step.counted = n;
    }
    // No rows changed there, none below (a self-referencing key ends where the tree does).
    const deeper = level.filter((s) => s.depth <= MAX_CASCADE_DEPTH && s.counted !== 0);
    if (deeper.length === 0) break;
    const children = [...new Map(deeper.map((s) => [s.edge.child, s.edge.at])).values()];
    const edges = await edgesTo(rows, children);
    level = deeper.flatMap((s) =>
      edges
        .filter((edge) => edge.parent.toLowerCase() === display(s.edge.at).toLowerCase())
        .flatMap((edge) => {
          const does = next(edge, s.does, s.changed);
          return does
            ? [
                {
                  edge,
                  does,
                  depth: s.depth + 1,
                  rows: `${edge.child} WHERE (${edge.fk.join(', ')}) IN (SELECT ${edge.pk.join(', ')} FROM ${s.rows})`,
                  changed: edge.fk.map((c) => c.toLowerCase()),
                },
              ]
            : [];
        }),
    );
  }
  return out;
}

/**
 * The write's own estimate `e`, and one for each table its foreign keys cascade to. Rows counted
 * for the write prove its WHERE harmless: only then are the cascades counted with it.
 */
export async function withCascades(
  rows: Rows,
  conn: object,
  t: MyRowWise,
  e: ImpactEstimate,
  database: string | undefined,
  params: unknown[] | undefined,
  attempt: <T>(
    part: Unavailable['part'],
    into: ImpactEstimate,
    fn: () => Promise<T>,
  ) => Promise<T | undefined>,
): Promise<ImpactEstimate[]> {
  const schema = t.table.schema ?? database;
  // Rows unknown: the rule fires anyway. A one-row write by key had its keys read (and cached).
  if (!schema || (e.rowsExact === undefined && e.rowsEstimated === undefined)) return [e];
  const edges =
    cachedRootEdges(conn, schema, t.table.name) ??
    (await attempt('rows', e, () => readRootEdges(rows, conn, schema, t.table.name)));
  if (!edges) {
    // The keys could not be read: what the write cascades to is unknown, which is not a pass.
    delete e.rowsExact;
    delete e.rowsEstimated;
    return [e];
  }
  if (!cascades(t, edges)) return [e];
  const values = t.select && params?.slice(t.select.params.from, t.select.params.to);
  return [
    e,
    ...(await mysqlCascadeEstimates(rows, t, edges, values, (into, fn) => attempt('rowsExact', into, fn))),
  ];
}
