// Joins the two sources of truth for a Postgres result: the origin of each RowDescription field
// (table OID + attnum, resolved through the catalog cache) and the statement's lineage (which
// covers expressions, views and everything without an origin). A column is masked if either says so.
import type { ColumnResolverCache } from './columns.js';
import type { StatementLineage } from './pg-lineage.js';
import { type MaskPlan, maskPlan, pgTextLike } from './plan.js';

/** The RowDescription fields masking needs. */
export interface PgField {
  tableOid: number;
  attnum: number;
  typeOid: number;
}

export type PgRowPlan =
  | { kind: 'plan'; plan: MaskPlan; masked: boolean[] }
  /** Look these (tableOid, attnum) pairs up in the catalog, fill the cache, and ask again. */
  | { kind: 'lookup'; missing: Array<{ tableOid: number; attnum: number }> }
  | { kind: 'refuse'; reason: string };

export function pgRowPlan(
  fields: readonly PgField[],
  lineage: StatementLineage,
  cache: ColumnResolverCache,
  replacement: string,
): PgRowPlan {
  const missing = fields.filter((f) => !cache.has(f.tableOid, f.attnum));
  if (missing.length)
    return { kind: 'lookup', missing: missing.map(({ tableOid, attnum }) => ({ tableOid, attnum })) };
  const aligned = lineage.returnsRows && lineage.exact;
  if (aligned && lineage.columns.length !== fields.length) {
    return {
      kind: 'refuse',
      reason: `the result has ${fields.length} columns but the statement's lineage has ${lineage.columns.length}`,
    };
  }
  const masked = fields.map(
    (f, i) =>
      lineage.maskAll === true ||
      cache.masked(f.tableOid, f.attnum) === true ||
      (aligned && lineage.columns[i]!.masked),
  );
  const plan = maskPlan(
    fields.map((f, i) => ({ masked: masked[i]!, textLike: pgTextLike(f.typeOid) })),
    replacement,
  );
  return { kind: 'plan', plan, masked };
}
