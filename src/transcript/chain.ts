// The transcript's chain encoder: turns events into hash-chained JSON lines. Pure — it keeps the
// chain's state (sequence number, previous line's hash, the clock's last millisecond) and does no
// I/O; a sink decides where the lines go (gateway/transcript-file.ts writes them to a file,
// MemoryRecorder keeps them). verify.ts checks what this builds.
import { hash } from 'node:crypto';
import type { TranscriptEvent } from './events.js';

/** The `prev` of the first line. */
export const GENESIS = '0'.repeat(64);

/** sha256 hex of a line: every line is hashed once, on the gateway's hot path (one-shot hash). */
export function lineHash(line: string): string {
  return hash('sha256', line, 'hex');
}

/**
 * The JSON line of an event: an object whose keys are seq, ts, conn and prev, then the event's
 * own keys — what `JSON.stringify({ seq, ts, conn, prev, ...event })` gives, without building
 * the merged object (no event type has a key of the envelope's, and an ISO time needs no escaping).
 */
function lineOf(seq: number, ts: string, conn: number, prev: string, event: TranscriptEvent): string {
  const body = JSON.stringify(event);
  const head = `{"seq":${seq},"ts":"${ts}","conn":${JSON.stringify(conn)},"prev":"${prev}"`;
  return body.length > 2 ? `${head},${body.slice(1)}` : `${head}}`;
}

/** Builds the lines of one transcript, each naming the hash of the line before it. */
export class ChainEncoder {
  private seq = 0;
  private prev = GENESIS;
  /** The clock's last millisecond and its ISO form: most lines share it with the line before. */
  private lastMs = Number.NaN;
  private lastTs = '';

  /** @param now the clock (tests pin it); the system clock by default. */
  constructor(private readonly now?: () => Date) {}

  /** The next line (without its newline); the chain moves on past it. */
  encode(conn: number, event: TranscriptEvent): string {
    const line = lineOf(++this.seq, this.timestamp(), conn, this.prev, event);
    this.prev = lineHash(line);
    return line;
  }

  private timestamp(): string {
    if (this.now) return this.now().toISOString();
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = new Date(ms).toISOString();
    }
    return this.lastTs;
  }
}
