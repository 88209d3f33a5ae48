// Promise-style packet I/O for the connection phase (greeting, TLS upgrade, authentication),
// where each side waits for one packet at a time. The command phase uses event handlers.
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { errPayload, frame, type Packet, PacketAssembler, ProtocolError } from './codec.js';

export class ConnectionClosed extends ProtocolError {}

export class PacketChannel {
  readonly assembler: PacketAssembler;
  private waiter: { resolve: (p: Packet) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.assembler.push(chunk);
    this.deliver();
  };
  private readonly onEnd = () => this.fail(new ConnectionClosed(`${this.peer} closed the connection`));
  private readonly onError = (err: Error) => this.fail(err);

  constructor(
    public socket: Socket,
    maxPayload: number,
    private readonly peer: string,
    private readonly timeoutMs: number,
  ) {
    this.assembler = new PacketAssembler(maxPayload);
    this.attach();
  }

  private attach(): void {
    this.socket.on('data', this.onData);
    this.socket.on('end', this.onEnd);
    this.socket.on('close', this.onEnd);
    this.socket.on('error', this.onError);
  }

  /** Stops listening; bytes already received stay in `assembler`. */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
  }

  /**
   * Swaps in the TLS socket built over the current one. Bytes that arrived with the packet
   * before the switch (a ClientHello sent right behind the SSLRequest) cannot be unshifted into
   * a TLSSocket that takes over the raw handle, so then the raw socket is wrapped in a stream
   * that replays them first.
   */
  async upgrade(make: (raw: Duplex) => Promise<Socket>): Promise<void> {
    this.detach();
    const raw = this.socket;
    // Errors during the TLS handshake surface through `make`; keep the raw socket from throwing.
    raw.on('error', () => {});
    const early = this.assembler.take();
    const transport = early.length > 0 ? replaying(raw, early) : raw;
    let timer: NodeJS.Timeout | undefined;
    try {
      this.socket = await Promise.race([
        make(transport),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ProtocolError(`TLS handshake with ${this.peer} took longer than ${this.timeoutMs} ms`),
              ),
            this.timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      raw.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    this.attach();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.deliver();
  }

  private deliver(): void {
    const w = this.waiter;
    if (!w) return;
    let p: Packet | undefined;
    try {
      p = this.assembler.next();
    } catch (err) {
      this.waiter = undefined;
      w.reject(err as Error);
      return;
    }
    if (p) {
      this.waiter = undefined;
      w.resolve(p);
    } else if (this.failure) {
      this.waiter = undefined;
      w.reject(this.failure);
    }
  }

  read(): Promise<Packet> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new ProtocolError(`${this.peer} sent nothing for ${this.timeoutMs} ms during the handshake`));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.deliver();
    });
  }

  write(payload: Buffer, seq: number): number {
    const { bytes, next } = frame(payload, seq);
    this.socket.write(bytes);
    return next;
  }

  writeErr(seq: number, code: number, sqlState: string, message: string): void {
    this.write(errPayload({ code, sqlState, message }), seq);
  }
}

function replaying(raw: Socket, early: Buffer): Duplex {
  const d = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      raw.write(chunk, cb);
    },
    final(cb) {
      raw.end(cb);
    },
    destroy(err, cb) {
      raw.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(early);
  raw.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) raw.pause();
  });
  raw.on('end', () => d.push(null));
  raw.on('close', () => d.destroy());
  return d;
}
