// Splits a byte stream into Postgres messages without copying them. Messages the gateway acts on
// are handed over whole; all others (DataRow, CopyData) stream through in whatever pieces the
// socket delivers, so a huge row never has to fit in memory. Unchanged bytes leave as the largest
// contiguous slices of the chunk they arrived in, so a read of many messages becomes one write.

/** What the handler wants done with a whole message. */
export const FORWARD = 0;
export const DROP = 1;
/** Consumed, but stop here: the rest waits until `resume()` (a statement held for approval). */
export const STOP = 2;
export type Disposition = typeof FORWARD | typeof DROP | typeof STOP | Buffer;

/** `whole` values: stream through, arrive whole, or arrive whole unless over the size limit. */
export const STREAM = 0;
export const MUST_WHOLE = 1;
export const PREFER_WHOLE = 2;

export interface FramerHooks {
  /**
   * Per message type, STREAM, MUST_WHOLE or PREFER_WHOLE (see above). Read at each message
   * header, so a handler may change it for the messages that follow.
   */
  whole: Uint8Array;
  maxMessageBytes: number;
  message(type: number, buf: Buffer, start: number, end: number): Disposition;
  out(buf: Buffer): void;
  fail(message: string, code: string): void;
}

export class Framer {
  private readonly head = Buffer.alloc(5);
  private headLen = 0;
  private body: Buffer | null = null;
  private bodyLen = 0;
  private passLeft = 0;
  private backlog: Buffer[] = [];
  private stopped = false;
  private dead = false;

  constructor(private readonly hooks: FramerHooks) {}

  get held(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer): void {
    if (this.dead) return;
    if (this.stopped) this.backlog.push(chunk);
    else this.scan(chunk);
  }

  /** Stops after the message being handled (its disposition still applies) until `resume()`. */
  pause(): void {
    this.stopped = true;
  }

  resume(): void {
    this.stopped = false;
    while (!this.stopped && !this.dead && this.backlog.length > 0) this.scan(this.backlog.shift()!);
  }

  /** Bytes waiting behind a held message, for bounding what a paused client may queue. */
  get backlogBytes(): number {
    let n = 0;
    for (const b of this.backlog) n += b.length;
    return n;
  }

  private die(message: string, code = '08P01'): void {
    this.dead = true;
    this.backlog = [];
    this.hooks.fail(message, code);
  }

  private emit(chunk: Buffer, from: number, to: number): void {
    if (to > from) this.hooks.out(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
  }

  /** Applies a disposition; returns false when the framer must stop. */
  private apply(d: Disposition): boolean {
    if (typeof d !== 'number') this.hooks.out(d);
    else if (d === STOP) this.stopped = true;
    return !this.stopped && !this.dead;
  }

  private scan(chunk: Buffer): void {
    const { hooks } = this;
    const len = chunk.length;
    let pos = 0;
    let from = 0;
    while (pos < len) {
      if (this.passLeft > 0) {
        const n = Math.min(this.passLeft, len - pos);
        this.passLeft -= n;
        pos += n;
        continue;
      }
      if (this.body) {
        const n = Math.min(this.body.length - this.bodyLen, len - pos);
        chunk.copy(this.body, this.bodyLen, pos, pos + n);
        this.bodyLen += n;
        pos += n;
        from = pos;
        if (this.bodyLen < this.body.length) return;
        if (!this.finishBody()) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      if (this.headLen > 0 || len - pos < 5) {
        this.emit(chunk, from, pos);
        const n = Math.min(5 - this.headLen, len - pos);
        chunk.copy(this.head, this.headLen, pos, pos + n);
        this.headLen += n;
        pos += n;
        from = pos;
        if (this.headLen < 5) return;
        this.headLen = 0;
        if (!this.begin()) return;
        // A header-only message (Sync, Flush, …) is complete as soon as its header is.
        const assembling = this.body as Buffer | null;
        if (assembling && this.bodyLen === assembling.length && !this.finishBody()) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      const type = chunk[pos]!;
      const length = chunk.readInt32BE(pos + 1);
      if (length < 4) {
        this.die(`invalid message length ${length} for message type 0x${type.toString(16)}`);
        return;
      }
      const total = length + 1;
      if (hooks.whole[type] === 0) {
        const n = Math.min(total, len - pos);
        pos += n;
        this.passLeft = total - n;
        continue;
      }
      if (total > hooks.maxMessageBytes) {
        if (hooks.whole[type] !== PREFER_WHOLE) {
          this.tooBig(total);
          return;
        }
        const n = Math.min(total, len - pos);
        pos += n;
        this.passLeft = total - n;
        continue;
      }
      if (len - pos >= total) {
        const d = hooks.message(type, chunk, pos, pos + total);
        if (d === FORWARD) {
          pos += total;
          continue;
        }
        this.emit(chunk, from, pos);
        pos += total;
        from = pos;
        if (!this.apply(d)) {
          this.park(chunk, pos);
          return;
        }
        continue;
      }
      this.emit(chunk, from, pos);
      this.body = Buffer.allocUnsafe(total);
      chunk.copy(this.body, 0, pos, len);
      this.bodyLen = len - pos;
      return;
    }
    this.emit(chunk, from, pos);
  }

  /** Interprets the header assembled in `head`: streams the message or starts assembling it. */
  private begin(): boolean {
    const { head } = this;
    const type = head[0]!;
    const length = head.readInt32BE(1);
    if (length < 4) {
      this.die(`invalid message length ${length} for message type 0x${type.toString(16)}`);
      return false;
    }
    const total = length + 1;
    if (this.hooks.whole[type] === 0) {
      this.hooks.out(Buffer.from(head));
      this.passLeft = total - 5;
      return true;
    }
    if (total > this.hooks.maxMessageBytes) {
      if (this.hooks.whole[type] !== PREFER_WHOLE) {
        this.tooBig(total);
        return false;
      }
      this.hooks.out(Buffer.from(head));
      this.passLeft = total - 5;
      return true;
    }
    this.body = Buffer.allocUnsafe(total);
    head.copy(this.body, 0);
    this.bodyLen = 5;
    return true;
  }

  /** Hands over the assembled message; returns false when the framer must stop. */
  private finishBody(): boolean {
    const msg = this.body!;
    this.body = null;
    const d = this.hooks.message(msg[0]!, msg, 0, msg.length);
    return this.apply(d === FORWARD ? msg : d);
  }

  private tooBig(total: number): void {
    this.die(
      `message of ${total} bytes exceeds the gateway's limit of ${this.hooks.maxMessageBytes} bytes`,
      '54000',
    );
  }

  private park(chunk: Buffer, pos: number): void {
    if (this.dead) return;
    if (pos < chunk.length) this.backlog.unshift(chunk.subarray(pos));
  }
}
