// Column lineage for Postgres result sets, from the real parse tree: for each output column of a
// statement, whether its values derive from a masked column — through expressions, aggregates,
// whole-row references, subqueries, CTEs, views, set operations and `*`. What it cannot follow
// it refuses (the way MaxScale refuses functions over masked columns): masking that guesses leaks.
//
// Out of scope, by design: filters that let a client probe masked values (WHERE email LIKE 'a%'),
// and statements that copy masked values into other tables (INSERT … SELECT, CREATE TABLE AS):
// those return no rows; the copies are masked only if a rule matches where they land.
//
// This module holds the result types and the entry point; the walk is in pg-lineage-walk.ts
// (statements, SELECT, expressions) on top of pg-lineage-from.ts (FROM items, column look-up),
// and pg-lineage-tree.ts holds the value model and the parse-tree tables both read.
import type { ColumnMatcher } from './columns.js';
import { type Node, Refusal } from './pg-lineage-tree.js';
import { Lineage } from './pg-lineage-walk.js';
import { parseSync } from './pg-wasm.js';

export interface CatalogRelation {
  kind: 'table' | 'view';
  /** Column names in attnum order (dropped columns left out). */
  columns: readonly string[];
  /** Views: the defining query (pg_get_viewdef). */
  definition?: string;
}

/**
 * What lineage needs from the database, filled by the gateway from catalog queries on a side
 * connection (and refreshed after DDL). Synchronous: lookups come from the gateway's cache.
 */
export interface LineageCatalog {
  /** current_schemas(true): the schemas an unqualified name is looked up in, in order. */
  searchPath: readonly string[];
  relation(schema: string, name: string): CatalogRelation | undefined;
  /** True for functions defined outside pg_catalog and information_schema. */
  isUserFunction(name: string, schema?: string): boolean;
}

export interface OutputColumn {
  name: string;
  masked: boolean;
  /** The masked columns it derives from, as schema.table.column. */
  sources: string[];
}

/** Where a statement uses a masked column other than by selecting it as is. */
export type UsePosition =
  | 'expression'
  | 'function argument'
  | 'predicate'
  | 'join'
  | 'ORDER BY'
  | 'GROUP BY'
  | 'window'
  | 'write elsewhere';

export interface MaskedUse {
  /** schema.table.column */
  column: string;
  position: UsePosition;
}

export interface StatementLineage {
  /** False for statements that return no table data (DDL, SET, EXPLAIN, FETCH, …). */
  returnsRows: boolean;
  /**
   * The statement reads a masked column somewhere (a result column, a predicate, a value it
   * writes …) or has a clause lineage could not follow: whatever else it produces — errors,
   * notices, settings — may carry masked values.
   */
  tainted?: boolean;
  /** Masked columns used other than selected as is (strict mode holds these). */
  uses?: MaskedUse[];
  /** Settings it writes with set_config ('*': a name known only when it runs). */
  writesSettings?: string[];
  /** Settings it reads: current_setting, SHOW, pg_settings ('*': any). */
  readsSettings?: string[];
  /** Every result column counts as masked (it reads a setting a tainted statement wrote). */
  maskAll?: boolean;
  /**
   * One entry per result column, in order, when `exact`. When not exact (a `*` over a relation
   * of unknown width) nothing in the result is masked and the list is partial.
   */
  columns: OutputColumn[];
  exact: boolean;
  anyMasked: boolean;
}

export type LineageResult =
  | { refuse: false; statements: StatementLineage[] }
  | { refuse: true; reason: string };

/**
 * For each statement of `sql` (one entry per statement the server runs), which result columns
 * derive from masked columns. `{ refuse: true }` when any statement cannot be judged: the gateway
 * must not run it.
 */
export function maskedOutputs(sql: string, matcher: ColumnMatcher, catalog: LineageCatalog): LineageResult {
  let stmts: Node[];
  try {
    stmts = parseSync(sql).stmts ?? [];
  } catch (err) {
    return { refuse: true, reason: `statement could not be parsed: ${(err as Error).message}` };
  }
  const lineage = new Lineage(matcher, catalog);
  try {
    return {
      refuse: false,
      statements: stmts.map((s) =>
        matcher.empty
          ? { returnsRows: true, columns: [], exact: false, anyMasked: false }
          : lineage.statement(s.stmt),
      ),
    };
  } catch (err) {
    // Anything unexpected in the tree is a statement we do not understand: refuse, never guess.
    const reason =
      err instanceof Refusal
        ? err.message
        : `masking could not follow the statement: ${(err as Error).message}`;
    return { refuse: true, reason };
  }
}
