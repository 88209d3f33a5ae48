// The gateway context the integration suites run on: the real analyzer and a real policy, built
// by the same createGatewayContext as the proxy command, the daemon and the demo. A suite names
// the policy it needs as policy-file text, so what it proves holds for a policy a user can write.
import type { ApprovalChannel } from '../../src/approvals/types.js';
import { createGatewayContext } from '../../src/gateway/context.js';
import type { GatewayContext } from '../../src/gateway/session-types.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { Dialect } from '../../src/sql/types.js';
import type { Recorder } from '../../src/transcript/recorder.js';

/**
 * The suites' usual policy: destructive and privilege statements are refused outright (the
 * default would hold them for an approval), everything else is the default policy.
 */
export const STRICT_POLICY = 'categories:\n  destructive: deny\n  privilege: deny\n';

export async function testContext(opts: {
  dialect: Dialect;
  recorder: Recorder;
  /** Policy-file text; STRICT_POLICY when absent. */
  policy?: string;
  approvals?: ApprovalChannel;
  approvalTimeoutMs?: number;
}): Promise<GatewayContext> {
  const { dialect } = opts;
  return createGatewayContext({
    dialect,
    policy: parsePolicy(opts.policy ?? STRICT_POLICY, `test-${dialect}-policy.yml`),
    recorder: opts.recorder,
    ...(opts.approvals ? { approvals: opts.approvals } : {}),
    approvalTimeoutMs: opts.approvalTimeoutMs ?? (dialect === 'mysql' ? 5_000 : 60_000),
    database:
      dialect === 'mysql'
        ? { name: 'app', host: '127.0.0.1', role: 'app' }
        : { name: 'postgres', host: '127.0.0.1', role: 'postgres' },
  });
}
