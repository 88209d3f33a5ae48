// Which base tables a statement reads, for the MySQL column-masking plan. A result column's
// definition names its origin table, but an expression, a view column, a derived table or a
// routine's result has none (or names the view): the plan must know every base table behind the
// statement to refuse such columns when one of those tables holds masked columns.
//
// Every identifier of the statement is a candidate name (a table, a view or a routine in the
// current schema, or `schema.name` when qualified); the candidates are looked up in
// information_schema on the gateway's side connection, and views and routines are expanded by
// scanning their definitions the same way. Counting too many names only costs lookups; missing
// one would leak, so anything the scan cannot follow (dynamic SQL, a schema change inside the
// input, a definition the catalog withholds, a failed lookup) makes the sources "opaque": then
// only columns that come straight from a known base table are cleared.
import type { TableRef } from '../../masking/index.js';
import { keyOf, type Scan, scanText } from '../../sql/mysql/name-scan.js';
import type { MysqlServer } from '../../sql/mysql/server.js';
import type { MysqlSide } from '../side-connection.js';

export interface StatementSources {
  /** Base tables the statement reads, with views and routines expanded. */
  tables: TableRef[];
  /** The views it reads (result columns of a view name the view, not its tables). */
  views: TableRef[];
  /** Column names of those tables (information_schema.COLUMNS). */
  columnsOf(schema: string, table: string): readonly string[] | undefined;
  /** Set when the scan could not follow everything the statement may read, and why. */
  opaque?: string;
  /** What masking withholds besides result columns (diagnostics-taint.ts). */
  taint?: StatementTaint;
}

export interface StatementTaint {
  /** The statement reads masked data: every error it raises is withheld (the error number kept). */
  errors: boolean;
  /**
   * Syntax errors too: only when the statement runs text it was not given (dynamic SQL, a
   * variable); otherwise a syntax error quotes nothing but the client's own statement.
   */
  syntaxErrors: boolean;
  /** It reads diagnostics a statement over masked data left (SHOW WARNINGS …): all of it is masked. */
  maskAll: boolean;
}

type CatalogObject =
  | { kind: 'table'; schema: string; name: string; columns: string[] }
  | {
      kind: 'view' | 'routine';
      schema: string;
      name: string;
      definition: string;
      sqlMode: string;
      /** The definition's own scan, made once while the object is cached. */
      scan?: Scan;
    };

const MAX_NAMES = 2_000;
const MAX_CACHE = 20_000;
/** Lookups per statement: each round follows one more level of views and routines. */
const MAX_ROUNDS = 16;

export class MysqlMaskingCatalog {
  /** By lower-cased `schema\0name`: what the catalog holds under that name (empty: nothing). */
  private readonly cache = new Map<string, CatalogObject[]>();
  private generation = 0;

  constructor(private readonly side: MysqlSide) {}

  /** Forgets everything; called after statements that may change tables, views or routines. */
  invalidate(): void {
    this.cache.clear();
    this.generation++;
  }

  /**
   * The sources of a statement, synchronously when the cache knows every name it reaches,
   * else after lookups on the side connection. Never rejects: a failed lookup is opaque.
   */
  sources(
    text: string,
    schema: string,
    sqlMode: string,
    server?: MysqlServer,
  ): StatementSources | Promise<StatementSources> {
    const scan: Scan = { names: new Map() };
    scanText(text, schema, sqlMode, scan, server);
    const done = this.expand(scan, server);
    if (done) return done;
    return this.fetchAndExpand(scan, server).catch((err: Error) =>
      this.result(scan, `the catalog could not be followed: ${err.message}`),
    );
  }

  private async fetchAndExpand(scan: Scan, server: MysqlServer | undefined): Promise<StatementSources> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const missing = [...scan.names.entries()].filter(([k]) => !this.cache.has(k));
      try {
        await this.lookup(missing.map(([, v]) => v));
      } catch (err) {
        return this.result(scan, `the catalog could not be read: ${(err as Error).message}`);
      }
      const done = this.expand(scan, server);
      if (done) return done;
    }
    return this.result(scan, 'its tables, views and routines kept changing while they were looked up');
  }

  /** Follows views and routines through the cache; undefined when some name is not cached yet. */
  private expand(scan: Scan, server: MysqlServer | undefined): StatementSources | undefined {
    const seen = new Set<string>();
    let grew = true;
    while (grew) {
      grew = false;
      if (scan.names.size > MAX_NAMES) return this.result(scan, 'it names too many objects to follow');
      for (const [k] of scan.names) {
        if (seen.has(k)) continue;
        const objects = this.cache.get(k);
        if (!objects) return undefined;
        seen.add(k);
        for (const o of objects) {
          if (o.kind === 'table') continue;
          if (!o.definition) {
            scan.opaque ??= `the definition of ${o.kind} ${o.schema}.${o.name} cannot be read`;
            continue;
          }
          if (!o.scan) {
            o.scan = { names: new Map() };
            scanText(o.definition, o.schema, o.sqlMode, o.scan, server);
          }
          const before = scan.names.size;
          for (const [nk, v] of o.scan.names) scan.names.set(nk, v);
          if (o.scan.opaque) scan.opaque ??= o.scan.opaque;
          if (scan.names.size !== before) grew = true;
        }
      }
    }
    return this.result(scan, scan.opaque);
  }

  private result(scan: Scan, opaque: string | undefined): StatementSources {
    const tables: TableRef[] = [];
    const views: TableRef[] = [];
    const columns = new Map<string, string[]>();
    for (const k of scan.names.keys()) {
      for (const o of this.cache.get(k) ?? []) {
        if (o.kind === 'view') views.push({ schema: o.schema, table: o.name });
        if (o.kind !== 'table') continue;
        tables.push({ schema: o.schema, table: o.name });
        columns.set(keyOf(o.schema, o.name), o.columns);
      }
    }
    return {
      tables,
      views,
      columnsOf: (schema, table) => columns.get(keyOf(schema, table)),
      ...(opaque ? { opaque } : {}),
    };
  }

  private async lookup(names: { schema: string; name: string }[]): Promise<void> {
    if (names.length === 0) return;
    const generation = this.generation;
    const pairs = names.map(() => '(?,?)').join(',');
    const values = names.flatMap((n) => [n.schema, n.name]);
    const where = (s: string, n: string) => `(${s}, ${n}) IN (${pairs})`;
    // One round trip: kinds, columns, view and routine definitions of every candidate name.
    const sql = [
      `SELECT 'T' AS k, TABLE_SCHEMA AS s, TABLE_NAME AS n, TABLE_TYPE AS x, '' AS m FROM information_schema.TABLES WHERE ${where('TABLE_SCHEMA', 'TABLE_NAME')}`,
      `SELECT 'C', TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, '' FROM information_schema.COLUMNS WHERE ${where('TABLE_SCHEMA', 'TABLE_NAME')}`,
      `SELECT 'V', TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, '' FROM information_schema.VIEWS WHERE ${where('TABLE_SCHEMA', 'TABLE_NAME')}`,
      `SELECT 'R', ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_DEFINITION, SQL_MODE FROM information_schema.ROUTINES WHERE ${where('ROUTINE_SCHEMA', 'ROUTINE_NAME')}`,
    ].join(' UNION ALL ');
    const [rows] = (await this.side.query(sql, [...values, ...values, ...values, ...values])) as [
      { k: string; s: string; n: string; x: string | null; m: string | null }[],
      unknown,
    ];
    // A DDL statement ran while this lookup was in flight: its answer may predate the change.
    if (generation !== this.generation) return;
    if (this.cache.size + names.length > MAX_CACHE) this.cache.clear();
    const found = new Map<string, CatalogObject[]>(names.map((n) => [keyOf(n.schema, n.name), []]));
    const exact = (r: { s: string; n: string }) => `${r.s}\u0000${r.n}`;
    const tables = new Map<string, CatalogObject & { kind: 'table' }>();
    const views = new Map<string, string>();
    for (const r of rows) {
      if (r.k === 'T' && r.x !== 'VIEW') {
        const t = { kind: 'table' as const, schema: r.s, name: r.n, columns: [] };
        tables.set(exact(r), t);
        found.get(keyOf(r.s, r.n))?.push(t);
      } else if (r.k === 'V') views.set(exact(r), r.x ?? '');
      else if (r.k === 'R')
        found
          .get(keyOf(r.s, r.n))
          ?.push({ kind: 'routine', schema: r.s, name: r.n, definition: r.x ?? '', sqlMode: r.m ?? '' });
    }
    for (const r of rows) {
      if (r.k === 'C') tables.get(exact(r))?.columns.push(r.x ?? '');
      else if (r.k === 'T' && r.x === 'VIEW')
        // A view whose definition is withheld (no SHOW VIEW) has an empty definition: opaque.
        found.get(keyOf(r.s, r.n))?.push({
          kind: 'view',
          schema: r.s,
          name: r.n,
          definition: views.get(exact(r)) ?? '',
          sqlMode: '',
        });
    }
    for (const [k, v] of found) this.cache.set(k, v);
  }
}
