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

/** Bytes an open batch starts with room for; a batch that outgrew FLOOR × 16 gives it back when sealed. */
const FLOOR = 64 * 1024;

/** Where a batch's first line starts in the buffer: the previous chain value sits before it. */
const LINES_AT = GENESIS.length;

/** The envelope's bytes besides its time stamp: its keys, a seq and a conn of up to 16 digits each. */
const ENVELOPE_MAX = 64;
/** UTF-8 takes at most three bytes per UTF-16 unit (a surrogate pair's four bytes are two units). */
const UTF8_MAX = 3;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;

/** Writes ASCII `text` into `buf` at `at`; returns where it ends. */
function ascii(buf: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
  return at;
}

/** Writes a non-negative safe integer in decimal into `buf` at `at`; returns where it ends. */
function decimal(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
  const end = at + digits;
  for (let i = end - 1, m = n; i >= at; i--, m = Math.floor(m / 10)) buf[i] = 48 + (m % 10);
  return end;
}

/**
 * Builds the lines of one transcript, batch by batch, each batch closed by its seal. Lines are
 * written as bytes into one reused buffer that also holds the previous chain value in front of
 * them, so sealing hashes that buffer in place: no batch string is joined, concatenated for the
 * hash and copied into a Buffer again for the write (each was a copy of every line, per batch).
 */
export class ChainEncoder {
  private seq = 0;
  private chain = GENESIS;
  /** C_prev, then the open batch's lines (each with its "\n"), up to `end`. */
  private buf = Buffer.allocUnsafe(FLOOR);
  private end = LINES_AT;
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
   * ...event })` gives, without building the merged object (no event type has a key of the
   * envelope's, and an ISO time needs no escaping).
   */
  encode(conn: number, event: TranscriptEvent): void {
    const body = JSON.stringify(event);
    const ts = this.timestamp();
    // The envelope is ASCII and written byte by byte: no string is built for it, nor for the line.
    this.ensure(ENVELOPE_MAX + ts.length + body.length * UTF8_MAX);
    const buf = this.buf;
    let at = this.end;
    this.lastAt = at;
    at = ascii(buf, at, '{"seq":');
    at = decimal(buf, at, ++this.seq);
    at = ascii(buf, at, ',"ts":"');
    at = ascii(buf, at, ts);
    at = ascii(buf, at, '","conn":');
    at =
      Number.isSafeInteger(conn) && conn >= 0 ? decimal(buf, at, conn) : ascii(buf, at, JSON.stringify(conn));
    if (body.length > 2) {
      // The event's own keys follow the envelope's: its '{' becomes the ',' between them.
      const open = at;
      at += buf.write(body, at, 'utf8');
      buf[open] = COMMA;
    } else buf[at++] = CLOSE_BRACE;
    buf[at++] = NEWLINE;
    this.end = at;
    this.lines++;
  }

  /** The last encoded line's text, without its newline (until the batch is sealed). */
  lastLine(): string {
    return this.buf.toString('utf8', this.lastAt, this.end - 1);
  }

  /**
   * The open batch's bytes and its seal line, each line with its newline; empty when nothing is
   * open. A view of the encoder's buffer: write or copy it before the next encode or seal.
   */
  seal(): Buffer {
    const k = this.lines;
    if (k === 0) return this.buf.subarray(0, 0);
    ascii(this.buf, 0, this.chain);
    this.append(
      `{"seq":${++this.seq},"ts":"${this.timestamp()}","conn":0,"type":"seal","lines":${k},"chain":"`,
    );
    this.chain = hash('sha256', this.buf.subarray(0, this.end), 'hex');
    this.append(`${this.chain}${SEAL_END}\n`);
    const sealed = this.buf.subarray(LINES_AT, this.end);
    this.lines = 0;
    this.end = LINES_AT;
    this.lastAt = LINES_AT;
    // A batch with one huge statement does not pin its buffer for the rest of the run; the view
    // handed out keeps the old one alive until the caller is done with it.
    if (this.buf.length > FLOOR * 16) this.buf = Buffer.allocUnsafe(FLOOR);
    return sealed;
  }

  /** The clock's millisecond when the last line was encoded (NaN before the first). */
  get lastMillis(): number {
    return this.lastMs;
  }

  /** Writes ASCII `text` (a seal's) at the end of the batch. */
  private append(text: string): void {
    this.ensure(text.length);
    this.end = ascii(this.buf, this.end, text);
  }

  /** Room for `bytes` more at the end of the batch. */
  private ensure(bytes: number): void {
    if (this.end + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + bytes));
    this.buf.copy(bigger, 0, 0, this.end);
    this.buf = bigger;
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
