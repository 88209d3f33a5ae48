// Framing and the few field encodings the gateway decodes or writes. Packets are a 3-byte
// little-endian length and a sequence id; a payload of 0xFFFFFF bytes continues in the next
// packet, so one logical packet may span several physical ones.
import { ProtocolError } from '../../errors/wire-errors.js';
import { MAX_PAYLOAD } from './constants.js';

export { ProtocolError };

/** A cursor over one payload; every read checks bounds, so a short packet is an error, not garbage. */
export class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ProtocolError('packet is shorter than its fields');
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  rest(): Buffer {
    return this.bytes(this.end - this.pos);
  }
  /** A NUL-terminated string; a missing terminator at the very end is tolerated (old servers). */
  cstring(): string {
    const at = this.buf.indexOf(0, this.pos);
    const stop = at < 0 || at >= this.end ? this.end : at;
    const s = this.buf.toString('utf8', this.pos, stop);
    this.pos = stop < this.end ? stop + 1 : stop;
    return s;
  }
  /**
   * Length-encoded integer as an exact unsigned 64-bit value; `null` for the 0xFB NULL marker of
   * text rows. Values such as insert ids and row counts use the whole range (BIGINT UNSIGNED keys
   * from 2^63, a negative AUTO_INCREMENT seen as its two's complement).
   */
  lenencBig(): bigint | null {
    const first = this.u8();
    if (first < 0xfb) return BigInt(first);
    if (first === 0xfb) return null;
    if (first === 0xfc) return BigInt(this.u16());
    if (first === 0xfd) return BigInt(this.u24());
    if (first === 0xfe) return this.u64();
    throw new ProtocolError('invalid length-encoded integer');
  }
  /** A length-encoded length or count of fields: always far below 2^53, so a larger one is malformed. */
  lenenc(): number | null {
    const v = this.lenencBig();
    if (v === null) return null;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError('length-encoded length too large');
    return Number(v);
  }
  lenencBytes(): Buffer | null {
    const n = this.lenenc();
    return n === null ? null : this.bytes(n);
  }
  lenencString(): string | null {
    const b = this.lenencBytes();
    return b === null ? null : b.toString('utf8');
  }
}

/** Builds one payload; `frame` turns it into physical packets. */
export class Writer {
  private parts: Buffer[] = [];
  private len = 0;

  private push(b: Buffer): this {
    this.parts.push(b);
    this.len += b.length;
    return this;
  }
  u8(v: number): this {
    return this.push(Buffer.from([v & 0xff]));
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.push(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.push(b);
  }
  bytes(b: Buffer | Uint8Array): this {
    return this.push(Buffer.from(b));
  }
  zeros(n: number): this {
    return this.push(Buffer.alloc(n));
  }
  cstring(s: string): this {
    return this.push(Buffer.from(`${s}\0`, 'utf8'));
  }
  lenenc(v: number): this {
    if (v < 0xfb) return this.u8(v);
    if (v < 0x10000) return this.u8(0xfc).u16(v);
    if (v < 0x1000000) {
      const b = Buffer.alloc(4);
      b[0] = 0xfd;
      b.writeUIntLE(v, 1, 3);
      return this.push(b);
    }
    const b = Buffer.alloc(9);
    b[0] = 0xfe;
    b.writeBigUInt64LE(BigInt(v), 1);
    return this.push(b);
  }
  lenencBytes(b: Buffer): this {
    return this.lenenc(b.length).push(b);
  }
  payload(): Buffer {
    return Buffer.concat(this.parts, this.len);
  }
}

/**
 * Frames a payload starting at sequence id `seq`. Returns the bytes and the next sequence id.
 * A payload that is a multiple of 0xFFFFFF ends with an empty packet, as the protocol requires.
 */
export function frame(payload: Buffer, seq: number): { bytes: Buffer; next: number } {
  if (payload.length < MAX_PAYLOAD) {
    const out = Buffer.allocUnsafe(4 + payload.length);
    out.writeUIntLE(payload.length, 0, 3);
    out[3] = seq & 0xff;
    payload.copy(out, 4);
    return { bytes: out, next: (seq + 1) & 0xff };
  }
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const n = Math.min(MAX_PAYLOAD, payload.length - off);
    const h = Buffer.allocUnsafe(4);
    h.writeUIntLE(n, 0, 3);
    h[3] = seq & 0xff;
    seq = (seq + 1) & 0xff;
    parts.push(h, payload.subarray(off, off + n));
    off += n;
    if (n < MAX_PAYLOAD) break;
  }
  return { bytes: Buffer.concat(parts), next: seq };
}

export interface ErrFields {
  code: number;
  sqlState: string;
  message: string;
}

export function errPayload(e: ErrFields): Buffer {
  return new Writer()
    .u8(0xff)
    .u16(e.code)
    .bytes(Buffer.from(`#${e.sqlState.padEnd(5, '0').slice(0, 5)}`, 'latin1'))
    .bytes(Buffer.from(e.message, 'utf8'))
    .payload();
}

export function parseErr(payload: Buffer, start = 0, end = payload.length): ErrFields {
  const r = new Reader(payload, start, end);
  r.u8();
  const code = r.u16();
  let sqlState = 'HY000';
  if (r.remaining > 0 && payload[r.pos] === 0x23) {
    r.u8();
    sqlState = r.bytes(Math.min(5, r.remaining)).toString('latin1');
  }
  return { code, sqlState, message: r.rest().toString('utf8') };
}

export function okPayload(status: number, sessionTrack: boolean): Buffer {
  const w = new Writer().u8(0).lenenc(0).lenenc(0).u16(status).u16(0);
  // With CLIENT_SESSION_TRACK the info field is length-encoded rather than "rest of packet".
  if (sessionTrack) w.u8(0);
  return w.payload();
}

export interface OkFields {
  /** Affected rows; a count, so precision above 2^53 does not matter to the judgement. */
  affected: number;
  status: number;
  warnings: number;
}

/** Decodes the start of an OK packet (header 0x00, or 0xFE when it ends a result set). */
export function parseOk(buf: Buffer, start: number, end: number): OkFields {
  const r = new Reader(buf, start, end);
  r.u8();
  const affected = Number(r.lenencBig() ?? 0n);
  r.lenencBig(); // last insert id: the client reads it from the forwarded bytes, exact
  const status = r.u16();
  const warnings = r.remaining >= 2 ? r.u16() : 0;
  return { affected, status, warnings };
}

/**
 * The statement id of a COM_STMT_* command (after the command byte), or undefined when the
 * packet is too short to hold one. 0xFFFFFFFF (MariaDB) means "the last prepared".
 */
export function readStatementId(payload: Buffer): number | undefined {
  return payload.length < 5 ? undefined : payload.readUInt32LE(1);
}

/** COM_STMT_SEND_LONG_DATA: which parameter the chunk is for, and the chunk's size. */
export function readLongData(payload: Buffer): { param: number; bytes: number } | undefined {
  return payload.length < 7 ? undefined : { param: payload.readUInt16LE(5), bytes: payload.length - 7 };
}

/** COM_STMT_EXECUTE: command, statement id, flags, iteration count; the parameters start here. */
export const STMT_EXECUTE_PARAMS = 10;

/** Status flags of an EOF packet (0xFE header) whose first `peek` bytes are at `off`; 0 when cut short. */
export function readEofStatus(buf: Buffer, off: number, peek: number): number {
  return peek >= 5 ? buf.readUInt16LE(off + 3) : 0;
}

export interface Packet {
  /** The reassembled payload of the logical packet. */
  payload: Buffer;
  /** The original bytes of all its physical packets, headers included. */
  raw: Buffer;
  /** Sequence id of the first and of the last physical packet. */
  seq: number;
  lastSeq: number;
}

export class PacketTooLarge extends ProtocolError {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`packet of ${size} bytes exceeds the gateway limit of ${limit} bytes (maxPacketBytes)`);
  }
}

/**
 * Collects whole logical packets from a byte stream: for the handshake, authentication and
 * client commands, which the gateway must read entirely. Oversized packets are rejected as soon
 * as their header announces them, before their bytes are buffered.
 */
export class PacketAssembler {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxPayload: number) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  get buffered(): number {
    return this.buf.length;
  }

  /** Hands back unread bytes (e.g. a TLS ClientHello that arrived with the SSLRequest). */
  take(): Buffer {
    const b = this.buf;
    this.buf = Buffer.alloc(0);
    return b;
  }

  next(): Packet | undefined {
    const b = this.buf;
    let off = 0;
    let total = 0;
    let fragments = 0;
    let seq = -1;
    let lastSeq = 0;
    for (;;) {
      if (b.length - off < 4) return undefined;
      const len = b.readUIntLE(off, 3);
      if (seq < 0) seq = b[off + 3]!;
      lastSeq = b[off + 3]!;
      total += len;
      if (total > this.maxPayload) throw new PacketTooLarge(total, this.maxPayload);
      if (b.length - off - 4 < len) return undefined;
      off += 4 + len;
      fragments++;
      if (len < MAX_PAYLOAD) break;
    }
    const raw = b.subarray(0, off);
    this.buf = b.subarray(off);
    let payload: Buffer;
    if (fragments === 1) payload = raw.subarray(4);
    else {
      payload = Buffer.allocUnsafe(total);
      let at = 0;
      let p = 0;
      while (at < total || p < raw.length) {
        const len = raw.readUIntLE(p, 3);
        raw.copy(payload, at, p + 4, p + 4 + len);
        at += len;
        p += 4 + len;
      }
    }
    return { payload, raw, seq, lastSeq };
  }
}

/** What the scanner does with a packet's original bytes. */
export enum Route {
  Forward = 0,
  Drop = 1,
  /** Gather the whole physical packet and hand it to `captured`, which says what to emit instead. */
  Capture = 2,
}

export interface ScanSink {
  /**
   * One physical packet: `buf[off, off+peekLen)` holds the first bytes of its payload
   * (all of it when the payload is at most PEEK bytes). `continuation` marks the second and
   * later parts of a split payload. May call `scanner.inject()` to emit bytes of its own.
   */
  packet(
    buf: Buffer,
    off: number,
    peekLen: number,
    payloadLen: number,
    seq: number,
    continuation: boolean,
  ): Route;
  /** The payload of a packet routed to Capture, whole; returns the bytes to emit in its place. */
  captured?(payload: Buffer, seq: number): Buffer | undefined;
}

export const PEEK = 1024;

/**
 * Streams packets of the result direction without copying them: the sink sees each header
 * and up to PEEK payload bytes (a view into the chunk when the packet is whole in it), decides
 * to forward or drop, and forwarded bytes leave as slices of the original chunks, one batch
 * per chunk. Only a header that straddles two chunks is copied, into a reused buffer. Packets
 * the sink captures (to rewrite them) are copied whole before the sink sees them again.
 */
export class PacketScanner {
  private head = Buffer.allocUnsafe(4 + PEEK);
  private headLen = 0;
  private remaining = 0;
  private forwardRest = false;
  private continuing = false;
  private out: Buffer[] = [];
  private rangeStart = -1;
  private chunk: Buffer = Buffer.alloc(0);
  /** The packet being captured: its payload so far and its sequence id. */
  private capture: { payload: Buffer; filled: number; seq: number } | undefined;

  constructor(private readonly sink: ScanSink) {}

  /** Emits gateway-made bytes in stream order (after what was forwarded so far). */
  inject(bytes: Buffer): void {
    this.closeRange(this.pendingEnd);
    this.out.push(bytes);
  }

  private pendingEnd = -1;

  private closeRange(end: number): void {
    if (this.rangeStart >= 0 && end > this.rangeStart)
      this.out.push(this.chunk.subarray(this.rangeStart, end));
    this.rangeStart = -1;
    this.pendingEnd = -1;
  }

  /** Scans a chunk; returns the byte slices to write, in order. */
  push(chunk: Buffer): Buffer[] {
    this.chunk = chunk;
    this.out = [];
    this.rangeStart = -1;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.remaining > 0) {
        const k = Math.min(this.remaining, n - i);
        if (this.capture) {
          chunk.copy(this.capture.payload, this.capture.filled, i, i + k);
          this.capture.filled += k;
        } else if (this.forwardRest) this.extend(i, i + k);
        this.remaining -= k;
        i += k;
        if (this.remaining === 0 && this.capture) this.deliverCapture();
        continue;
      }
      if (this.headLen === 0 && n - i >= 4) {
        const len = chunk.readUIntLE(i, 3);
        const need = Math.min(len, PEEK);
        if (n - i - 4 >= need) {
          const route = this.decide(chunk, i + 4, need, len, chunk[i + 3]!);
          const take = Math.min(4 + len, n - i);
          if (route === Route.Forward) this.extend(i, i + take);
          else if (route === Route.Capture) this.startCapture(chunk, i + 4, take - 4, len, chunk[i + 3]!);
          this.remaining = 4 + len - take;
          this.forwardRest = route === Route.Forward;
          i += take;
          if (this.remaining === 0 && this.capture) this.deliverCapture();
          continue;
        }
      }
      // Slow path: gather header and peek bytes across chunks.
      const wantHeader = 4 - this.headLen;
      if (wantHeader > 0) {
        const k = Math.min(wantHeader, n - i);
        chunk.copy(this.head, this.headLen, i, i + k);
        this.headLen += k;
        i += k;
        if (this.headLen < 4) continue;
      }
      const len = this.head.readUIntLE(0, 3);
      const need = Math.min(len, PEEK);
      const have = this.headLen - 4;
      const k = Math.min(need - have, n - i);
      chunk.copy(this.head, this.headLen, i, i + k);
      this.headLen += k;
      i += k;
      if (this.headLen - 4 < need) continue;
      const route = this.decide(this.head, 4, need, len, this.head[3]!);
      if (route === Route.Forward) {
        this.closeRange(this.pendingEnd);
        this.out.push(Buffer.from(this.head.subarray(0, this.headLen)));
      } else if (route === Route.Capture) this.startCapture(this.head, 4, need, len, this.head[3]!);
      this.remaining = len - need;
      this.forwardRest = route === Route.Forward;
      this.headLen = 0;
      if (this.remaining === 0 && this.capture) this.deliverCapture();
    }
    this.closeRange(this.pendingEnd);
    return this.out;
  }

  private startCapture(buf: Buffer, off: number, have: number, len: number, seq: number): void {
    const payload = Buffer.allocUnsafe(len);
    buf.copy(payload, 0, off, off + have);
    this.capture = { payload, filled: have, seq };
  }

  private deliverCapture(): void {
    const c = this.capture!;
    this.capture = undefined;
    const bytes = this.sink.captured?.(c.payload, c.seq);
    if (bytes && bytes.length > 0) this.inject(bytes);
  }

  private decide(buf: Buffer, off: number, peek: number, len: number, seq: number): Route {
    const continuation = this.continuing;
    this.continuing = len === MAX_PAYLOAD;
    return this.sink.packet(buf, off, peek, len, seq, continuation);
  }

  private extend(from: number, to: number): void {
    if (this.rangeStart >= 0 && this.pendingEnd === from) {
      this.pendingEnd = to;
      return;
    }
    this.closeRange(this.pendingEnd);
    this.rangeStart = from;
    this.pendingEnd = to;
  }

  /** True between packets: nothing partial is buffered or owed. */
  get idle(): boolean {
    return this.remaining === 0 && this.headLen === 0 && !this.capture;
  }
}
