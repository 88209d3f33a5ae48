// The transcript's chain encoder: turns events into JSON lines and closes each written batch of
// them with a seal line that chains to the seal before it. Pure — it keeps the chain's state
// (sequence number, the open batch, the last seal's chain value, the clock's last millisecond)
// and does no I/O; a sink decides where the text goes (gateway/transcript-file.ts writes it to a
// file, MemoryRecorder keeps it). verify.ts checks what this builds.
//
// The format, byte for byte. A transcript is UTF-8 text of lines, each ending in "\n":
//
//   {"seq":1,"ts":"2026-12-07T08:00:00.123Z","conn":0,"type":"gateway.start",…}
//   {"seq":2,"ts":"…","conn":1,"type":"session.start",…}
//   {"seq":3,"ts":"…","conn":0,"type":"seal","lines":2,"chain":"<64 lowercase hex>"}
//   {"seq":4,…}
//   …
//
// `seq` counts every line from 1, seals included. Each batch of event lines (K ≥ 1 of them) is
// followed by one seal line whose `lines` is K and whose `chain` is
//
//   sha256( C_prev ‖ L_1 "\n" ‖ … ‖ L_K "\n" ‖ S )
//
// where C_prev is the previous seal's `chain` (GENESIS for the first seal) as 64 hex characters,
// L_i are the exact bytes of the batch's lines, and S is the seal line's own bytes up to and
// including `"chain":"` — everything of the seal but its chain value and the closing `"}`. So a
// seal covers every byte written since the previous seal's chain value, its own seq, ts and
// count included, and the input splits only one way (C_prev is fixed-length, no line holds a
// "\n", S is what follows the last one): the last seal's chain, published, pins the whole file.
// One hash per batch, not per line: the batch is hashed when it is written, off the per-event path.
//
// Transcripts written before seals carried `"prev":"<sha256 of the line before>"` after `conn` on
// every line instead; verify.ts still checks those.
import { hash } from 'node:crypto';
import type { TranscriptEvent } from './events.js';

/** The chain value before the first seal (and the `prev` of the first line of an old transcript). */
export const GENESIS = '0'.repeat(64);

/** What follows a seal's chain value: its closing quote and brace. */
export const SEAL_END = '"}';

/** sha256 hex of a line's exact bytes: the per-line chain of transcripts written before seals. */
export function lineHash(line: string): string {
  return hash('sha256', line, 'hex');
}

/**
 * The chain value of a seal (see the format above).
 * @param batch the batch's lines, each with its "\n"
 * @param sealHead the seal line up to and including `"chain":"`
 */
export function sealChain(previous: string, batch: string, sealHead: string): string {
  return hash('sha256', previous + batch + sealHead, 'hex');
}

/**
 * The JSON line of an event: an object whose keys are seq, ts and conn, then the event's own
 * keys — what `JSON.stringify({ seq, ts, conn, ...event })` gives, without building the merged
 * object (no event type has a key of the envelope's, and an ISO time needs no escaping).
 */
function lineOf(seq: number, ts: string, conn: number, event: TranscriptEvent): string {
  const body = JSON.stringify(event);
  const head = `{"seq":${seq},"ts":"${ts}","conn":${JSON.stringify(conn)}`;
  return body.length > 2 ? `${head},${body.slice(1)}` : `${head}}`;
}

/** Builds the lines of one transcript, batch by batch, each batch closed by its seal. */
export class ChainEncoder {
  private seq = 0;
  private chain = GENESIS;
  private batch: string[] = [];
  /** The clock's last millisecond and its ISO form: most lines share it with the line before. */
  private lastMs = Number.NaN;
  private lastTs = '';

  /** @param now the clock (tests pin it); the system clock by default. */
  constructor(private readonly now?: () => Date) {}

  /**
   * The next line (without its newline), added to the open batch. The event is turned into text
   * now, so a caller may reuse the object; nothing is hashed until the batch is sealed.
   */
  encode(conn: number, event: TranscriptEvent): string {
    const line = lineOf(++this.seq, this.timestamp(), conn, event);
    this.batch.push(line);
    return line;
  }

  /** The open batch's text and its seal line, each line with its newline; '' when nothing is open. */
  seal(): string {
    const k = this.batch.length;
    if (k === 0) return '';
    const batch = `${this.batch.join('\n')}\n`;
    this.batch = [];
    const head = `{"seq":${++this.seq},"ts":"${this.timestamp()}","conn":0,"type":"seal","lines":${k},"chain":"`;
    this.chain = sealChain(this.chain, batch, head);
    return `${batch}${head}${this.chain}${SEAL_END}\n`;
  }

  /** The clock's millisecond when the last line was encoded (NaN before the first). */
  get lastMillis(): number {
    return this.lastMs;
  }

  private timestamp(): string {
    if (this.now) {
      const at = this.now();
      this.lastMs = at.getTime();
      return at.toISOString();
    }
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = new Date(ms).toISOString();
    }
    return this.lastTs;
  }
}
