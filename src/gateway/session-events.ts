// The transcript lines the session writes about a statement's judgement: the verdict with the
// findings behind it, and the statement itself with its text and parameters redacted.
import type { Verdict } from '../policy/types.js';
import type { AnalysisContext, Finding } from '../sql/types.js';
import type { TranscriptEvent } from '../transcript/events.js';
import type { GatewayContext, Statement } from './session-types.js';

type StatementEvent = Extract<TranscriptEvent, { type: 'statement' }>;
type VerdictEvent = Extract<TranscriptEvent, { type: 'verdict' }>;
const NO_FINDINGS: readonly Finding[] = [];

export function verdictEvent(
  id: string,
  action: Verdict['action'],
  findings: readonly Finding[],
  enforced: boolean,
): VerdictEvent {
  return {
    type: 'verdict',
    id,
    action,
    rules: findings.map((f) => f.rule),
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      objects: f.objects,
    })),
    enforced,
  };
}

/** What a verdict is recorded with: its reasons, and warnings (which never hold a statement). */
export function recordedFindings(verdict: Verdict): readonly Finding[] {
  const warnings = verdict.warnings ?? NO_FINDINGS;
  if (verdict.action === 'allow') return warnings;
  return warnings.length === 0 ? verdict.reasons : [...verdict.reasons, ...warnings];
}

/** The statement line: its text and parameters redacted. */
export function statementEvent(
  gateway: GatewayContext,
  ctx: AnalysisContext,
  statement: Statement,
  hash: string,
  params?: unknown[],
  preparedAs?: string,
): StatementEvent {
  const recorded: StatementEvent = {
    type: 'statement',
    id: statement.id,
    text: gateway.redact(statement.text, ctx),
    via: statement.via,
    hash,
    inTransaction: statement.inTransaction,
  };
  if (preparedAs) recorded.preparedAs = preparedAs;
  if (params)
    recorded.params = gateway.redactParams?.(params, statement.text, ctx) ?? params.map(() => '[param]');
  return recorded;
}
