// The session's use of impact estimates: which statements the mass-change rule estimates, a
// failed estimate as a finding (fail closed for writes), and the finding an estimate adds.
import { finding } from '../sql/rules.js';
import type { Analysis, AnalysisContext, Finding } from '../sql/types.js';
import type { ImpactEstimator, ImpactResult } from './session-types.js';

/**
 * Statements that change rows in place, the ones the mass-change rule estimates: UPDATE, DELETE,
 * MERGE, REPLACE, an upsert, ALTER COLUMN … TYPE … USING (in the canonical form: keywords in
 * lower case, comments gone; a literal that happens to match only costs an estimate).
 */
const ROW_CHANGES =
  /^(?:with\b|update\b|delete\b|merge\b|replace\b|insert\b.*\bon (?:conflict\b.*\bdo update|duplicate key update)\b|alter table\b.*\busing\b)/is;

export function writesRows(analysis: Analysis): boolean {
  return !analysis.readOnly && analysis.statements.some((s) => ROW_CHANGES.test(s.canonical));
}

/** Runs the estimator; a failure is reported in the record and, for writes, fires mass-change. */
export async function estimateImpact(
  impact: ImpactEstimator,
  text: string,
  analysis: Analysis,
  ctx: AnalysisContext,
  values: unknown[] | undefined,
): Promise<ImpactResult> {
  try {
    return await impact(text, analysis, ctx, values);
  } catch (err) {
    const message = `impact estimate failed: ${(err as Error).message}`;
    return writesRows(analysis)
      ? {
          record: { error: message },
          finding: finding('mass-change/rows', [], `rows affected unknown (${message})`),
        }
      : { record: { error: message } };
  }
}

/**
 * The mass-change finding of an estimate whose values were due. Pending here means they could not
 * be had: the threshold cannot be checked.
 */
export function massChangeOf(estimate: ImpactResult): Finding | undefined {
  return estimate.pending
    ? finding(
        'mass-change/rows',
        [],
        'rows affected unknown (the placeholder values could not be read exactly)',
      )
    : estimate.finding;
}
