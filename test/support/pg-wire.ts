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

export async function wireClient(opts: {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  params?: Record<string, string>;
}): Promise<WireClient> {
  const socket: Socket = connect({ host: opts.host, port: opts.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buf: Buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let ended = false;
  socket.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  const next = async (deadline: number): Promise<{ type: string; body: Buffer }> => {
    for (;;) {
      if (buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
        const len = 1 + buf.readInt32BE(1);
        const m = { type: String.fromCharCode(buf[0]!), body: buf.subarray(5, len) };
        buf = buf.subarray(len);
        return m;
      }
      if (ended) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no reply in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
  };
  const params = { user: opts.user, database: opts.database, ...opts.params };
  const startup = Buffer.concat([
    Buffer.from([0, 0, 0, 0, 0, 3, 0, 0]),
    ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)),
    nul,
  ]);
  startup.writeInt32BE(startup.length, 0);
  socket.write(startup);
  const scram = new ScramClient(opts.password);
  const parameters: Record<string, string> = {};
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = await next(deadline);
    if (m.type === 'E') {
      socket.destroy();
      throw new Error(`start-up failed: ${m.body.toString('latin1')}`);
    }
    if (m.type === 'S') {
      const [k, v] = m.body.toString('latin1').split('\0');
      parameters[k!] = v!;
    }
    if (m.type === 'Z') break;
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
  return {
    parameters,
    send: (...messages) => socket.write(Buffer.concat(messages)),
    async replies(n, timeoutMs = 15_000) {
      const out: Reply = { types: '', errors: [], parameters: {} };
      const until = Date.now() + timeoutMs;
      for (let ready = 0; ready < n; ) {
        const m = await next(until);
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
