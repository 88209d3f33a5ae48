// What a dry run does with a judged statement: which reviews run anyway (Postgres rolls the whole
// run back) and which statements MySQL answers without running (it commits DDL implicitly).
import type { Verdict } from '../policy/types.js';
import type { Analysis, Dialect } from '../sql/types.js';
import type { Judgement, Statement } from './session-types.js';

/**
 * A dry run on Postgres runs inside a transaction that is always rolled back, so what needs
 * review runs without waiting: the report then shows its real effect. Not what the analyzer
 * could not see into, nor what reaches outside the database: neither would be rolled back.
 */
export function dryRunMayRun(verdict: Verdict): boolean {
  return (
    verdict.action !== 'allow' &&
    !verdict.reasons.some((f) => f.category === 'opaque' || f.category === 'exfiltration')
  );
}

/**
 * MySQL commits DDL implicitly, so a dry run there executes nothing that writes: the statement
 * is analysed (and estimated) only. Reads run, so migration tools that look before they write
 * still work.
 */
export function dryRun(
  dialect: Dialect,
  statement: Statement,
  verdict: Verdict,
  analysis: Analysis,
  preparing: boolean,
): Judgement {
  // Preparing runs nothing; each execution of the prepared statement comes back here.
  const runs = dialect !== 'mysql' || preparing || (analysis.readOnly && verdict.action === 'allow');
  if (runs) return { forward: true, statement, verdict, analysis };
  return {
    forward: false,
    statement,
    verdict,
    analysis,
    skip: 'guardrail dry run: not executed (MySQL commits DDL implicitly, so a dry run only analyses and estimates)',
  };
}
