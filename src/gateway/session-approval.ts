// The session's side of an approval: whether batch pre-approval already covers a statement, and
// the wait for one approval request (recorded as requested and decided). Ending the session
// aborts the waits in flight, so their comments say why nobody needs to answer any more.
import { randomBytes } from 'node:crypto';
import type { ApprovalOutcome, JobInfo } from '../approvals/types.js';
import type { Verdict } from '../policy/types.js';
import type { Analysis, AnalysisContext, Finding } from '../sql/types.js';
import type { TranscriptEvent } from '../transcript/events.js';
import { type Refusal, refusal } from './refusal.js';
import type { GatewayContext, Statement } from './session-types.js';

export function requestId(): string {
  return `gr-${randomBytes(4).toString('hex')}`;
}

export function rulesOf(findings: Finding[]): string {
  return [...new Set(findings.map((f) => f.rule))].join(', ');
}

/** How a wait ended: approved, or refused for a reason the client is told. */
export type ApprovalResult = { approved: true } | { approved: false; refusal: Refusal };

export class SessionApprovals {
  /** Approval waits in flight: ending the session aborts them, so their comments say so. */
  private readonly waiting = new Set<AbortController>();

  constructor(
    private readonly gateway: GatewayContext,
    private readonly analysisContext: AnalysisContext,
    private readonly record: (event: TranscriptEvent) => void,
  ) {}

  /**
   * Batch pre-approval covers a statement when every part of it that needs review on its own
   * was approved by hash (`guardrail check` lists only those parts); parts that are allowed on
   * their own need no approval.
   */
  preapproved(statement: Statement, analysis: Analysis): boolean {
    const { preapproved, decide } = this.gateway;
    if (preapproved.size === 0) return false;
    const needing = analysis.statements.filter(
      (s) =>
        decide(
          {
            findings: s.findings,
            readOnly: s.readOnly,
            opaque: s.opaque,
            canonical: s.canonical,
            hash: s.hash,
            statements: [s],
          },
          statement,
        ).action !== 'allow',
    );
    return needing.length > 0 && needing.every((s) => preapproved.has(s.hash));
  }

  async await(
    statement: Statement,
    analysis: Analysis,
    verdict: Extract<Verdict, { action: 'review' }>,
    impact: Record<string, unknown> | undefined,
  ): Promise<ApprovalResult> {
    const channel = this.gateway.approvals;
    const id = requestId();
    if (!channel) {
      return {
        approved: false,
        refusal: refusal(
          'approval-failed',
          `needs approval (${rulesOf(verdict.reasons)}) but no approval channel is configured: ${verdict.reasons[0]?.message ?? ''}`,
        ),
      };
    }
    const deadline = new Date(Date.now() + this.gateway.approvalTimeoutMs);
    this.record({
      type: 'approval.requested',
      id: statement.id,
      requestId: id,
      channel: channel.name,
      deadline: deadline.toISOString(),
    });
    this.gateway.recorder.flush();
    const abort = new AbortController();
    this.waiting.add(abort);
    const timer = setTimeout(
      () => abort.abort(new Error('approval timed out')),
      this.gateway.approvalTimeoutMs + 1_000,
    );
    let outcome: ApprovalOutcome;
    try {
      outcome = await channel.request(
        {
          id,
          batch: false,
          statements: analysis.statements.map((s) => ({
            text: this.gateway.redact(s.text, this.analysisContext),
            hash: s.hash,
            findings: s.findings,
            ...(impact ? { impact } : {}),
          })),
          database: { dialect: this.gateway.dialect, ...this.gateway.database },
          job: this.gateway.job ?? localJob(),
          deadline,
        },
        abort.signal,
      );
    } catch (err) {
      outcome = {
        decision: 'error',
        by: [],
        reason: (err as Error).message,
        decidedAt: new Date().toISOString(),
      };
    } finally {
      clearTimeout(timer);
      this.waiting.delete(abort);
    }
    // An approval binds to the statement hashes it was asked for: a channel that answers
    // "approved" without naming every hash of this statement has not approved this statement.
    const approvedHashes = new Set(outcome.hashes ?? []);
    if (outcome.decision === 'approved' && !analysis.statements.every((s) => approvedHashes.has(s.hash))) {
      outcome = { ...outcome, decision: 'error', reason: 'the approval does not name this statement hash' };
    }
    this.record({
      type: 'approval.decided',
      id: statement.id,
      requestId: id,
      outcome: outcome.decision,
      by: outcome.by,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.url ? { url: outcome.url } : {}),
      ...(outcome.ignored?.length
        ? { ignored: outcome.ignored.map((i) => ({ login: i.login, verb: i.verb, reason: i.reason })) }
        : {}),
      ...(outcome.voided?.length ? { voided: outcome.voided } : {}),
    });
    if (outcome.decision === 'approved') return { approved: true };
    const [kind, why] =
      outcome.decision === 'denied'
        ? ([
            'approval-denied',
            // Nobody named: the channel itself said no (no approver reachable); its reason says why.
            outcome.by.length
              ? `denied by ${outcome.by.join(', ')}${outcome.reason ? `: ${outcome.reason}` : ''}`
              : `denied: ${outcome.reason ?? 'no reason given'}`,
          ] as const)
        : outcome.decision === 'timeout'
          ? (['approval-timeout', 'no approval before the deadline'] as const)
          : (['approval-failed', `approval failed: ${outcome.reason ?? 'unknown error'}`] as const);
    return {
      approved: false,
      refusal: refusal(kind, `held for approval ${id} (${rulesOf(verdict.reasons)}) and not run: ${why}`),
    };
  }

  /** The session ended: every wait in flight is aborted. */
  abortAll(reason: string): void {
    for (const abort of this.waiting) abort.abort(new Error(`the session ended: ${reason}`));
  }
}

function localJob(): JobInfo {
  return {
    repository: 'local',
    serverUrl: '',
    runId: '0',
    runAttempt: '1',
    job: 'local',
    workflow: 'local',
    ref: '',
    sha: '',
    actor: process.env.USER ?? 'unknown',
    eventName: 'local',
  };
}
