import { GENESIS, lineHash, SEAL_END, sealChain } from './chain.js';

export interface VerifyResult {
  ok: boolean;
  lines: number;
  /**
   * The last event is `gateway.stop`, sealed: nothing was cut off the end (a chain alone cannot
   * show that).
   */
  complete?: boolean;
  /**
   * The chain's head: the last seal's chain value (GENESIS for an empty transcript), or for a
   * transcript written before seals the sha256 of its last line. Published outside the artifact,
   * it pins the end of the chain, which the chain alone cannot.
   */
  head?: string;
  /** 1-based line number of the first line that breaks the chain (or starts the batch that does). */
  brokenAt?: number;
  reason?: string;
  /** The chain is intact but does not end at the published head or line count. */
  endMismatch?: true;
}

/** The chain's end as published where the artifact cannot change it (job summary, step output, log). */
export interface PublishedHead {
  /** The head hash, as VerifyResult's `head`. */
  head?: string;
  /** The number of lines. */
  lines?: number;
}

/**
 * Checks the hash chain of a transcript: each line must be valid JSON and carry the next `seq`,
 * and each batch must match the seal after it, which chains to the seal before (chain.ts gives
 * the bytes). An edit, a removal, an insertion or a reordering breaks the chain at the first
 * affected line or at the first line of its batch; lines after the last seal are unproven and
 * fail too. Transcripts written before seals, where each line names the hash of the line before
 * it (`prev`), are checked line by line as they always were. With `expected`, the chain must also
 * end where the published head says: a transcript cut short, one whose last batch was edited and
 * resealed, or one cut short with a forged `gateway.stop` appended keeps an intact chain but not
 * that end.
 */
export function verifyTranscript(text: string, expected: PublishedHead = {}): VerifyResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  /** Line number of each chain value, so a published head found inside the file can be named. */
  const at = expected.head ? new Map<string, number>() : undefined;
  let chained: VerifyResult;
  try {
    const end = linked(lines[0]) ? walkLinked(lines, at) : walkSealed(lines, at);
    chained = { ok: true, lines: lines.length, ...end };
  } catch (err) {
    if (!(err instanceof Broken)) throw err;
    return { ok: false, lines: lines.length, brokenAt: err.at, reason: err.reason };
  }
  const mismatch = endMismatch(chained, expected, at);
  return mismatch ? { ...chained, ok: false, ...mismatch, endMismatch: true } : chained;
}

/** The first line that breaks the chain, and why: thrown out of a walk. */
class Broken {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {}
}

type Parsed = { seq?: unknown; prev?: unknown; type?: unknown; lines?: unknown };

/** Where an intact chain ends: its head, and whether the run's last event is gateway.stop. */
type End = { head: string; complete: boolean };

/** Line `n` parsed, if it is JSON carrying seq `n`. */
function numbered(line: string, n: number): Parsed {
  let parsed: Parsed | null;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Broken(n, 'not valid JSON');
  }
  if (parsed?.seq !== n) throw new Broken(n, `expected seq ${n}, found ${String(parsed?.seq)}`);
  return parsed;
}

/** A transcript written before seals: its first line names the genesis hash as `prev`. */
function linked(first: string | undefined): boolean {
  try {
    return first !== undefined && (JSON.parse(first) as Parsed | null)?.prev !== undefined;
  } catch {
    return false;
  }
}

/** The chain of a transcript written before seals: each line's `prev` is the hash of the one before. */
function walkLinked(lines: string[], at: Map<string, number> | undefined): End {
  let prev = GENESIS;
  let last: Parsed = {};
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    const parsed = numbered(line, n);
    if (parsed.prev !== prev)
      throw new Broken(
        n,
        'prev does not match the hash of the line before (a line was changed, removed or moved)',
      );
    prev = lineHash(line);
    at?.set(prev, n);
    last = parsed;
  }
  return { head: prev, complete: last.type === 'gateway.stop' };
}

/** The chain of a sealed transcript: every line in a batch, every batch matching its seal. */
function walkSealed(lines: string[], at: Map<string, number> | undefined): End {
  let chain = GENESIS;
  /** The first line of the batch the next seal must cover. */
  let first = 1;
  let lastType: unknown;
  let complete = false;
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    const parsed = numbered(line, n);
    if (parsed.type !== 'seal') {
      lastType = parsed.type;
      continue;
    }
    const k = n - first;
    if (k === 0) throw new Broken(n, `the seal at line ${n} covers no lines`);
    if (parsed.lines !== k) {
      throw new Broken(
        first,
        `the seal at line ${n} covers ${String(parsed.lines)} lines but ${k} precede it (a line was removed or inserted, or the seal was edited)`,
      );
    }
    // The seal as far as its chain value (which is as long as GENESIS): the encoder's `head`.
    const head = line.slice(0, Math.max(0, line.length - GENESIS.length - SEAL_END.length));
    const sealed = sealChain(chain, `${lines.slice(first - 1, n - 1).join('\n')}\n`, head);
    if (line !== `${head}${sealed}${SEAL_END}`) {
      throw new Broken(
        first,
        `the seal at line ${n} does not match lines ${first}-${n - 1} (a line was changed, removed or moved, the seal was edited, or a batch before it was removed)`,
      );
    }
    chain = sealed;
    at?.set(chain, n);
    complete = lastType === 'gateway.stop';
    first = n + 1;
  }
  if (first <= lines.length) {
    throw new Broken(
      first,
      `lines ${first}-${lines.length} are not sealed, so nothing proves them (the gateway stopped mid-write, or they were added by hand)`,
    );
  }
  return { head: chain, complete };
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
      'the end does not hash to the published head: the end was cut off, edited or replaced (a forged gateway.stop, say)',
  };
}
