import { GENESIS, lineHash } from './chain.js';

export interface VerifyResult {
  ok: boolean;
  lines: number;
  /** The last line is `gateway.stop`: nothing was cut off the end (a chain alone cannot show that). */
  complete?: boolean;
  /**
   * sha256 of the last line's exact bytes (GENESIS for an empty transcript): the chain's head.
   * Published outside the artifact, it pins the end of the chain, which the chain alone cannot.
   */
  head?: string;
  /** 1-based line number of the first line that breaks the chain. */
  brokenAt?: number;
  reason?: string;
  /** The chain is intact but does not end at the published head or line count. */
  endMismatch?: true;
}

/** The chain's end as published where the artifact cannot change it (job summary, step output, log). */
export interface PublishedHead {
  /** The head hash: sha256 hex of the last line. */
  head?: string;
  /** The number of lines. */
  lines?: number;
}

/**
 * Checks the hash chain of a transcript: each line must be valid JSON, carry the next `seq`,
 * and name the hash of the exact bytes of the line before it. An edit, a removal or a
 * reordering breaks the chain at the first affected line. With `expected`, the chain must also
 * end where the published head says: a transcript cut short, one whose last line was edited, or
 * one cut short with a forged `gateway.stop` appended keeps an intact chain but not that end.
 */
export function verifyTranscript(text: string, expected: PublishedHead = {}): VerifyResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev = GENESIS;
  let last: { type?: unknown } = {};
  /** Line number of each line's hash, so a published head found inside the file can be named. */
  const at = expected.head ? new Map<string, number>() : undefined;
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    let parsed: { seq?: unknown; prev?: unknown; type?: unknown };
    try {
      parsed = JSON.parse(line);
    } catch {
      return { ok: false, lines: lines.length, brokenAt: n, reason: 'not valid JSON' };
    }
    if (parsed.seq !== n) {
      return {
        ok: false,
        lines: lines.length,
        brokenAt: n,
        reason: `expected seq ${n}, found ${String(parsed.seq)}`,
      };
    }
    if (parsed.prev !== prev) {
      return {
        ok: false,
        lines: lines.length,
        brokenAt: n,
        reason: 'prev does not match the hash of the line before (a line was changed, removed or moved)',
      };
    }
    prev = lineHash(line);
    at?.set(prev, n);
    last = parsed;
  }
  const chained: VerifyResult = {
    ok: true,
    lines: lines.length,
    complete: last.type === 'gateway.stop',
    head: prev,
  };
  const mismatch = endMismatch(chained, expected, at);
  return mismatch ? { ...chained, ok: false, ...mismatch, endMismatch: true } : chained;
}

/** Why an intact chain does not end where the published head says, or undefined when it does. */
function endMismatch(
  found: VerifyResult,
  expected: PublishedHead,
  at: Map<string, number> | undefined,
): { brokenAt: number; reason: string } | undefined {
  const n = found.lines;
  if (expected.lines !== undefined && expected.lines !== n) {
    return expected.lines > n
      ? {
          brokenAt: n + 1,
          reason: `the transcript has ${n} lines but the published end is at line ${expected.lines}: lines were cut off the end`,
        }
      : {
          brokenAt: expected.lines + 1,
          reason: `the transcript has ${n} lines but the published end is at line ${expected.lines}: lines were added after it`,
        };
  }
  if (expected.head === undefined || expected.head.toLowerCase() === found.head) return undefined;
  const published = at?.get(expected.head.toLowerCase());
  if (published !== undefined) {
    return {
      brokenAt: published + 1,
      reason: `the published head is line ${published} of ${n}: lines were added after the end the gateway published`,
    };
  }
  return {
    brokenAt: Math.max(n, 1),
    reason:
      'the last line does not hash to the published head: the end was cut off, edited or replaced (a forged gateway.stop, say)',
  };
}
