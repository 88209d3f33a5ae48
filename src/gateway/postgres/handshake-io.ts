// Awaitable reads for the start-up and authentication exchanges, where each step waits for one
// answer. Once a connection is established the streaming Framer takes over (see `detach`).
import type { Socket } from 'node:net';
import { ProtocolError } from '../../errors/wire-errors.js';

/**
 * A bad first packet that PostgreSQL answers the way it is answered here: by closing the
 * connection at once (`reply` null: the server only logs it) or after exactly these bytes.
 */
export class StartupRefused extends ProtocolError {
  constructor(
    message: string,
    readonly reply: Buffer | null = null,
  ) {
    super(message);
  }
}

export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private closed: Error | null = null;

  private readonly onData = (d: Buffer) => {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    this.notify();
  };
  private readonly onEnd = () => {
    this.closed ??= new ProtocolError('connection closed during start-up', '08006');
    this.notify();
  };
  private readonly onError = (err: Error) => {
    this.closed ??= new ProtocolError(`connection failed during start-up: ${err.message}`, '08006');
    this.notify();
  };

  constructor(
    private readonly socket: Socket,
    private readonly maxBytes: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async need(n: number): Promise<void> {
    while (this.buf.length < n) {
      if (this.closed) throw this.closed;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private take(n: number): Buffer {
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  async byte(): Promise<number> {
    await this.need(1);
    return this.take(1)[0]!;
  }

  /** The first byte without consuming it (to spot a TLS ClientHello). */
  async peek(): Promise<number> {
    await this.need(1);
    return this.buf[0]!;
  }

  /** A start-up packet (no type byte): the whole packet including its length word. */
  async packet(): Promise<Buffer> {
    await this.need(4);
    const length = this.buf.readInt32BE(0);
    // Terminate or a Query sent first lands here too (their type byte reads as a huge length).
    if (length < 8 || length > 10_000) throw new StartupRefused(`invalid start-up packet length ${length}`);
    await this.need(length);
    return this.take(length);
  }

  /** A typed message: its type and body (without the 5-byte header). */
  async message(): Promise<{ type: number; body: Buffer }> {
    await this.need(5);
    const type = this.buf[0]!;
    const length = this.buf.readInt32BE(1);
    if (length < 4) throw new ProtocolError(`invalid message length ${length}`);
    if (length + 1 > this.maxBytes)
      throw new ProtocolError(
        `message of ${length + 1} bytes exceeds the limit of ${this.maxBytes}`,
        '54000',
      );
    await this.need(length + 1);
    const msg = this.take(length + 1);
    return { type, body: msg.subarray(5) };
  }

  /** Stops listening and returns bytes that arrived beyond what was read. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
}
