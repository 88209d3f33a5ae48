// Builds the GatewayContext that every protocol engine shares: the analyzer, the policy's
// decision, the masking used for redaction, the recorder and the approval channel. The proxy
// command, the action's daemon and the demo all start a gateway through here, so all three
// judge statements the same way.
import type { ApprovalChannel, JobInfo } from '../approvals/types.js';
import { compileMasking, type Masking } from '../masking/index.js';
import { decide } from '../policy/index.js';
import type { Mode, Policy } from '../policy/types.js';
import { analyze, loadAnalyzers } from '../sql/analyze.js';
import type { Dialect } from '../sql/types.js';
import type { Recorder } from '../transcript/recorder.js';
import type { GatewayContext } from './session.js';

export interface ContextOptions {
  dialect: Dialect;
  policy: Policy;
  recorder: Recorder;
  /** Overrides the policy file's mode (the action's `mode` input). */
  mode?: Mode;
  approvals?: ApprovalChannel;
  approvalTimeoutMs?: number;
  preapproved?: Iterable<string>;
  job?: JobInfo;
  database: { name: string; host: string; role: string };
}

export async function createGatewayContext(
  opts: ContextOptions,
): Promise<GatewayContext & { masking: Masking }> {
  await loadAnalyzers();
  const { policy, dialect } = opts;
  const masking = compileMasking(policy.masking);
  return {
    dialect,
    mode: opts.mode ?? policy.mode,
    analyze,
    decide: (analysis) => decide(analysis, policy),
    recorder: opts.recorder,
    ...(opts.approvals ? { approvals: opts.approvals } : {}),
    preapproved: new Set(opts.preapproved ?? []),
    approvalTimeoutMs: opts.approvalTimeoutMs ?? policy.approvals.timeoutMs,
    ...(opts.job ? { job: opts.job } : {}),
    database: opts.database,
    redact: (text, ctx) =>
      masking.redactStatement(text, dialect, ctx?.sqlMode ? { sqlMode: ctx.sqlMode } : {}),
    redactParams: (params) => masking.redactParams(params),
    redactMessage: (text) => masking.redactMessage(text),
    masking,
  };
}
