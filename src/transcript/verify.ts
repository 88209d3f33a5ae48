import { GENESIS, lineHash } from './recorder.js';

export interface VerifyResult {
  ok: boolean;
  lines: number;
  /** The last line is `gateway.stop`: nothing was cut off the end (a chain alone cannot show that). */
  complete?: boolean;
  /** 1-based line number of the first line that breaks the chain. */
  brokenAt?: number;
  reason?: string;
}

/**
 * Checks the hash chain of a transcript: each line must be valid JSON, carry the next `seq`,
 * and name the hash of the exact bytes of the line before it. An edit, a removal or a
 * reordering breaks the chain at the first affected line.
 */
export function verifyTranscript(text: string): VerifyResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev = GENESIS;
  let last: { type?: unknown } = {};
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
    last = parsed;
  }
  return { ok: true, lines: lines.length, complete: last.type === 'gateway.stop' };
}
