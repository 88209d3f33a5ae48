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

/** What analysis reads from the side connection: a gateway without analysis has none of it. */
const ANALYSIS_READS = [
  'functions',
  'fired',
  'reach',
  'columns',
  'impact',
  'syntaxCheck',
  'sequences',
] as const;

/**
 * The context without analysis: the analyzer and the policy allow everything, and nothing is read
 * for a statement from the side connection (what bench/gateway-process.ts gets without a side
 * connection). Result masking keeps its own catalog.
 */
export function withoutAnalysis<C extends GatewayContext>(context: C): C {
  const off: C = { ...context, analyze: allowEverything, decide: () => ({ action: 'allow' as const }) };
  for (const key of ANALYSIS_READS) delete off[key];
  return off;
}
