// The `mass-change/rows` rule: an UPDATE / DELETE whose estimate crosses the policy's threshold.
import type { Finding } from '../sql/types.js';
import type { ImpactEstimate } from './types.js';

export interface MassChangeThreshold {
  /** Fires above this many rows. */
  rows?: number;
  /**
   * Fires at this percentage of the table's rows or more (`DELETE … WHERE id IN (SELECT id FROM
   * t)` on a small table), for tables of more than `minTableRows` rows.
   */
  percent?: number;
  /** The percentage applies only to tables with more rows than this (default 0). */
  minTableRows?: number;
}

/** The rows an estimate says the write touches: counted when counted, else the planner's guess. */
export function touchedRows(e: ImpactEstimate): number | undefined {
  return e.rowsExact ?? e.rowsEstimated;
}

/**
 * Whether `mass-change/rows` fires for this estimate. An UPDATE / DELETE with no row figure at
 * all fires too: a threshold that cannot be checked is not a pass (fail closed). A table whose
 * size is unknown (never analysed) is judged by the row threshold alone.
 */
export function massChange(e: ImpactEstimate, threshold: MassChangeThreshold): boolean {
  if (e.kind !== 'delete' && e.kind !== 'update') return false;
  if (threshold.rows === undefined && threshold.percent === undefined) return false;
  const rows = touchedRows(e);
  if (rows === undefined) return true;
  if (threshold.rows !== undefined && rows > threshold.rows) return true;
  if (threshold.percent !== undefined && e.tableRows !== undefined) {
    // Stale statistics can claim fewer rows than the write touches: the table has at least those.
    const size = Math.max(e.tableRows, rows);
    if (size > (threshold.minTableRows ?? 0) && size > 0 && (rows / size) * 100 >= threshold.percent)
      return true;
  }
  return false;
}

/** The finding to add to a statement's analysis when the rule fires for any of its estimates. */
export function massChangeFinding(
  estimates: ImpactEstimate[],
  threshold: MassChangeThreshold,
): Finding | undefined {
  const hits = estimates.filter((e) => massChange(e, threshold));
  if (hits.length === 0) return undefined;
  const what = hits
    .map((e) => {
      const rows = touchedRows(e);
      const how = e.rowsExact !== undefined ? 'counted' : 'estimated';
      return `${e.kind.toUpperCase()} on ${e.table}: ${rows === undefined ? 'row count unavailable' : `${rows} rows ${how}`}`;
    })
    .join('; ');
  const limits = [
    threshold.rows !== undefined ? `${threshold.rows} rows` : undefined,
    threshold.percent !== undefined
      ? `${threshold.percent}% of a table over ${threshold.minTableRows ?? 0} rows`
      : undefined,
  ]
    .filter(Boolean)
    .join(' or ');
  return {
    rule: 'mass-change/rows',
    category: 'mass-change',
    severity: 'risk',
    objects: hits.map((e) => e.table),
    message: `${what} (threshold ${limits})`,
  };
}

/** The estimates as one record for ApprovalStatement.impact and the transcript's `impact` event. */
export function impactRecord(estimates: ImpactEstimate[]): Record<string, unknown> {
  return Object.fromEntries(
    estimates.map((e) => [`${e.kind} ${e.table}${e.column ? `.${e.column}` : ''}`, e]),
  );
}
