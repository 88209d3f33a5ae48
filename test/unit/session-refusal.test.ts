// The session decides why it refuses: each refusal site gives its kind (refusal.ts), which the
// engines turn into their wire error. Real analyzer, real policy file; the approval channel is a
// scripted approver, the recorder one whose file has failed.
import { describe, expect, it } from 'vitest';
import type { ApprovalChannel, ApprovalDecision } from '../../src/approvals/types.js';
import { openSession } from '../../src/gateway/lifecycle.js';
import type { Judgement } from '../../src/gateway/session-types.js';
import { MemoryRecorder, type Recorder } from '../../src/transcript/recorder.js';
import { testContext } from '../support/gateway-context.js';

const REVIEW_POLICY = 'categories:\n  destructive: review\n';

function answering(decision: ApprovalDecision): ApprovalChannel {
  return {
    name: 'scripted',
    request: async (req) => ({
      decision,
      by: decision === 'denied' ? ['alice'] : [],
      decidedAt: new Date().toISOString(),
      ...(decision === 'approved' ? { hashes: req.statements.map((s) => s.hash) } : {}),
      ...(decision === 'error' ? { reason: 'GitHub answered 502' } : {}),
    }),
  };
}

async function judge(
  text: string,
  opts: { policy?: string; approvals?: ApprovalChannel; recorder?: Recorder },
) {
  const ctx = await testContext({
    dialect: 'postgres',
    recorder: opts.recorder ?? new MemoryRecorder(),
    ...opts,
  });
  const session = openSession(ctx, { conn: 1, user: 'app', database: 'postgres', client: 'unix' });
  return (await session.inspect(text, 'simple')) as Judgement;
}

describe('session refusals', () => {
  it('a policy deny is a policy-deny refusal, and the harmless statement runs', async () => {
    const j = await judge('DROP TABLE orders', {});
    expect(j.forward).toBe(false);
    expect(j.refusal?.kind).toBe('policy-deny');
    expect(j.refusal?.message).toMatch(/^guardrail: denied by policy \(destructive\//);
    const ok = await judge('SELECT 1', {});
    expect(ok.forward).toBe(true);
    expect(ok.refusal).toBeUndefined();
  });

  it('a review with no channel to ask is approval-failed', async () => {
    const j = await judge('DROP TABLE orders', { policy: REVIEW_POLICY });
    expect(j.refusal?.kind).toBe('approval-failed');
    expect(j.refusal?.message).toContain('no approval channel is configured');
  });

  it('an approver’s no, a timeout and a channel error each have their kind; an approval runs', async () => {
    const cases: [ApprovalDecision, string, string][] = [
      ['denied', 'approval-denied', 'denied by alice'],
      ['timeout', 'approval-timeout', 'no approval before the deadline'],
      ['error', 'approval-failed', 'approval failed: GitHub answered 502'],
    ];
    for (const [decision, kind, why] of cases) {
      const j = await judge('DROP TABLE orders', { policy: REVIEW_POLICY, approvals: answering(decision) });
      expect(j.forward).toBe(false);
      expect(j.refusal?.kind).toBe(kind);
      expect(j.refusal?.message).toMatch(/^guardrail: held for approval gr-[0-9a-f]{8} \(destructive\//);
      expect(j.refusal?.message).toContain(why);
    }
    const approved = await judge('DROP TABLE orders', {
      policy: REVIEW_POLICY,
      approvals: answering('approved'),
    });
    expect(approved.forward).toBe(true);
  });

  it('nothing runs unrecorded: a failed transcript is a transcript-failure refusal', async () => {
    const failed: Recorder = {
      record() {},
      flush() {},
      close() {},
      failed: new Error('disk full'),
    };
    const j = await judge('SELECT 1', { recorder: failed });
    expect(j.forward).toBe(false);
    expect(j.refusal).toEqual({
      kind: 'transcript-failure',
      message: 'guardrail: transcript unavailable: disk full',
    });
  });
});
