// The benchmarks' "analysis off" gateway: the same context with an analyzer that judges nothing,
// so a run measures protocol handling and the transcript without the cost of analysis.
import type { GatewayContext } from '../src/gateway/session-types.js';
import type { Analysis } from '../src/sql/types.js';

/** What an analyzer that judges nothing returns: one read-only statement, no findings. */
function allowEverything(text: string): Analysis {
  const statement = {
    text,
    offset: 0,
    findings: [],
    readOnly: true,
    opaque: false,
    canonical: text,
    hash: '0',
  };
  return { findings: [], readOnly: true, opaque: false, canonical: text, hash: '0', statements: [statement] };
}

export function withoutAnalysis<C extends GatewayContext>(context: C): C {
  return { ...context, analyze: allowEverything, decide: () => ({ action: 'allow' as const }) };
}
