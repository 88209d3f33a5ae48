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
import { JsonBytes } from './json-bytes.js';

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

/** Bytes an open batch starts with room for; a batch that outgrew FLOOR × 16 gives it back when sealed. */
const FLOOR = 64 * 1024;

/** Where a batch's first line starts in the buffer: the previous chain value sits before it. */
const LINES_AT = GENESIS.length;

/**
 * Builds the lines of one transcript, batch by batch, each batch closed by its seal. Lines are
 * written as bytes into one reused buffer that also holds the previous chain value in front of
 * them, so sealing hashes that buffer in place: no line is built as a string, and no batch string
 * is joined, concatenated for the hash and copied into a Buffer again for the write.
 */
export class ChainEncoder {
  private seq = 0;
  private chain = GENESIS;
  /** C_prev, then the open batch's lines (each with its "\n"). */
  private out = fresh();
  private lines = 0;
  /** Where the last encoded line starts (for lastLine). */
  private lastAt = LINES_AT;
  /** The clock's last millisecond and its ISO form: most lines share it with the line before. */
  private lastMs = Number.NaN;
  private lastTs = '';

  /** @param now the clock (tests pin it); the system clock by default. */
  constructor(private readonly now?: () => Date) {}

  /**
   * Adds the next line to the open batch. The event is turned into bytes now, so a caller may
   * reuse the object; nothing is hashed until the batch is sealed. The line is an object whose
   * keys are seq, ts and conn, then the event's own keys: what `JSON.stringify({ seq, ts, conn,
   * ...event })` gives, without building the merged object or its string (no event type has a
   * key of the envelope's, and an ISO time needs no escaping).
   */
  encode(conn: number, event: TranscriptEvent): void {
    const ts = this.timestamp();
    const out = this.out;
    this.lastAt = out.end;
    out.ascii('{"seq":');
    out.decimal(++this.seq);
    out.ascii(',"ts":"');
    out.ascii(ts);
    out.ascii('","conn":');
    out.value(conn);
    out.members(event);
    out.ascii('}\n');
    this.lines++;
  }

  /** The last encoded line's text, without its newline (until the batch is sealed). */
  lastLine(): string {
    return this.out.buf.toString('utf8', this.lastAt, this.out.end - 1);
  }

  /**
   * The open batch's bytes and its seal line, each line with its newline; empty when nothing is
   * open. A view of the encoder's buffer: write or copy it before the next encode or seal.
   */
  seal(): Buffer {
    const k = this.lines;
    const out = this.out;
    if (k === 0) return out.buf.subarray(0, 0);
    out.buf.write(this.chain, 0, 'latin1');
    out.ascii(
      `{"seq":${++this.seq},"ts":"${this.timestamp()}","conn":0,"type":"seal","lines":${k},"chain":"`,
    );
    this.chain = hash('sha256', out.buf.subarray(0, out.end), 'hex');
    out.ascii(`${this.chain}${SEAL_END}\n`);
    const sealed = out.buf.subarray(LINES_AT, out.end);
    this.lines = 0;
    out.end = LINES_AT;
    this.lastAt = LINES_AT;
    // A batch with one huge statement does not pin its buffer for the rest of the run; the view
    // handed out keeps the old one alive until the caller is done with it.
    if (out.buf.length > FLOOR * 16) this.out = fresh();
    return sealed;
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

/** A batch buffer with the room for the previous chain value taken. */
function fresh(): JsonBytes {
  const out = new JsonBytes(FLOOR);
  out.end = LINES_AT;
  return out;
}
