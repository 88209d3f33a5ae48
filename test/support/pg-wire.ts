// A bare Postgres protocol client for tests that must choose every byte: start-up parameters
// (client_encoding, options), statement text in any encoding, and several messages in one write.
import { connect, type Socket } from 'node:net';
import { ScramClient } from '../../src/gateway/postgres/scram-client.js';

export function frame(type: string, ...parts: (string | Buffer | number[])[]): Buffer {
  const body = Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(`${p}\0`) : Array.isArray(p) ? Buffer.from(p) : p)),
  );
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(body.length + 4, 1);
  body.copy(out, 5);
  return out;
}

const nul = Buffer.from([0]);

/** Messages whose text is raw bytes (any encoding). */
export const wire = {
  query: (sql: Buffer | string) => frame('Q', Buffer.concat([Buffer.from(sql), nul])),
  parse: (sql: Buffer | string, name = '') =>
    frame('P', name, Buffer.concat([Buffer.from(sql), nul]), [0, 0]),
  bind: (portal = '', stmt = '') => frame('B', portal, stmt, [0, 0, 0, 0, 0, 0]),
  execute: (portal = '') => frame('E', portal, [0, 0, 0, 0]),
  sync: () => frame('S'),
};

export interface Reply {
  /** Message types in order, e.g. `1C2Z`. */
  types: string;
  /** SQLSTATEs of ErrorResponses. */
  errors: string[];
  /** ParameterStatus values seen. */
  parameters: Record<string, string>;
}

export interface WireClient {
  /** Values reported at start-up. */
  parameters: Record<string, string>;
  /** Writes the messages in one write. */
  send(...messages: Buffer[]): void;
  /** Reads until `n` ReadyForQuery messages have arrived. */
  replies(n: number, timeoutMs?: number): Promise<Reply>;
  close(): void;
}

/** Reads typed messages from a socket as they arrive. */
export class MessageStream {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  ended = false;

  constructor(socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  /** What arrived and was not read as a message. */
  get rest(): Buffer {
    return this.buf;
  }

  async next(deadline = Number.POSITIVE_INFINITY): Promise<{ type: string; body: Buffer }> {
    for (;;) {
      const { buf } = this;
      if (buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
        const len = 1 + buf.readInt32BE(1);
        this.buf = buf.subarray(len);
        return { type: String.fromCharCode(buf[0]!), body: buf.subarray(5, len) };
      }
      if (this.ended) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no reply in time');
      await new Promise<void>((r) => {
        const t = Number.isFinite(left) ? setTimeout(r, left) : undefined;
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  }
}

export async function connectSocket(host: string, port: number): Promise<Socket> {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/**
 * Sends the start-up message and answers SCRAM-SHA-256 until ReadyForQuery; returns the
 * ParameterStatus values the server reported.
 */
export async function startSession(
  socket: Socket,
  stream: MessageStream,
  password: string,
  params: Record<string, string>,
): Promise<Record<string, string>> {
  const startup = Buffer.concat([
    Buffer.from([0, 0, 0, 0, 0, 3, 0, 0]),
    ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)),
    nul,
  ]);
  startup.writeInt32BE(startup.length, 0);
  socket.write(startup);
  const scram = new ScramClient(password);
  const parameters: Record<string, string> = {};
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = await stream.next(deadline);
    if (m.type === 'E') {
      socket.destroy();
      throw new Error(`start-up failed: ${m.body.toString('latin1')}`);
    }
    if (m.type === 'S') {
      const [k, v] = m.body.toString('latin1').split('\0');
      parameters[k!] = v!;
    }
    if (m.type === 'Z') return parameters;
    if (m.type !== 'R') continue;
    const code = m.body.readInt32BE(0);
    if (code === 10) {
      const first = Buffer.from(scram.first());
      const len = Buffer.alloc(4);
      len.writeInt32BE(first.length);
      socket.write(frame('p', 'SCRAM-SHA-256', len, first));
    } else if (code === 11) socket.write(frame('p', Buffer.from(scram.final(m.body.toString('utf8', 4)))));
    else if (code === 12) scram.verify(m.body.toString('utf8', 4));
  }
}

export async function wireClient(opts: {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  params?: Record<string, string>;
}): Promise<WireClient> {
  const socket = await connectSocket(opts.host, opts.port);
  const stream = new MessageStream(socket);
  const parameters = await startSession(socket, stream, opts.password, {
    user: opts.user,
    database: opts.database,
    ...opts.params,
  });
  return {
    parameters,
    send: (...messages) => socket.write(Buffer.concat(messages)),
    async replies(n, timeoutMs = 15_000) {
      const out: Reply = { types: '', errors: [], parameters: {} };
      const until = Date.now() + timeoutMs;
      for (let ready = 0; ready < n; ) {
        const m = await stream.next(until);
        out.types += m.type;
        if (m.type === 'E')
          out.errors.push(m.body.toString('latin1').match(/C([0-9A-Z]{5})\0/)?.[1] ?? '?????');
        if (m.type === 'S') {
          const [k, v] = m.body.toString('latin1').split('\0');
          out.parameters[k!] = v!;
        }
        if (m.type === 'Z') ready++;
      }
      return out;
    },
    close() {
      socket.end(frame('X'));
      socket.destroy();
    },
  };
}
