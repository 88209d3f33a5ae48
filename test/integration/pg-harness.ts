// Shared set-up for the Postgres gateway suites: a real server, a gateway in front of it with
// a real policy, and a transcript file that each suite can verify.
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ApprovalChannel } from '../../src/approvals/types.js';
import { ScramClient } from '../../src/gateway/postgres/scram-client.js';
import {
  type PostgresGateway,
  type PostgresGatewayOptions,
  startPostgresGateway,
} from '../../src/gateway/postgres/server.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { FileRecorder } from '../../src/transcript/recorder.js';
import { testContext } from '../support/gateway-context.js';
import type { PgServer } from '../support/pg-server.js';

export interface TestGateway extends PostgresGateway {
  transcriptPath: string;
  transcript(): TranscriptLine[];
  client(): Promise<pg.Client>;
}

export async function gatewayFor(
  server: PgServer,
  opts: {
    /** Policy-file text; STRICT_POLICY when absent. */
    policy?: string;
    approvals?: ApprovalChannel;
    approvalTimeoutMs?: number;
  } & Partial<PostgresGatewayOptions> = {},
): Promise<TestGateway> {
  const transcriptPath = join(mkdtempSync(join(tmpdir(), 'guardrail-gw-')), 'transcript.jsonl');
  const recorder = new FileRecorder(transcriptPath);
  const context = await testContext({
    dialect: 'postgres',
    recorder,
    ...(opts.policy !== undefined ? { policy: opts.policy } : {}),
    ...(opts.approvals ? { approvals: opts.approvals } : {}),
    ...(opts.approvalTimeoutMs ? { approvalTimeoutMs: opts.approvalTimeoutMs } : {}),
  });
  const gw = await startPostgresGateway({ upstream: server.url(), context, ...opts });
  return {
    ...gw,
    transcriptPath,
    async close(reason?: string) {
      await gw.close(reason);
      recorder.close();
    },
    transcript() {
      recorder.flush();
      return readFileSync(transcriptPath, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as TranscriptLine);
    },
    async client() {
      const c = new pg.Client({ connectionString: gw.url });
      await c.connect();
      return c;
    },
  };
}

/** A bare protocol client for what drivers never send: hand-built pipelines and broken frames. */
export interface RawClient {
  socket: Socket;
  send(...messages: Buffer[]): void;
  /** Reads messages until ReadyForQuery; returns their types and ErrorResponse codes. */
  untilReady(): Promise<{ types: string; errors: string[]; status: string }>;
  /** Resolves when the gateway closes the connection, with everything it sent last. */
  closed(): Promise<Buffer>;
}

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

export const msg = {
  query: (sql: string) => frame('Q', sql),
  parse: (sql: string, name = '') => frame('P', name, sql, [0, 0]),
  bind: (portal = '', stmt = '') => frame('B', portal, stmt, [0, 0, 0, 0, 0, 0]),
  execute: (portal = '') => frame('E', portal, [0, 0, 0, 0]),
  describe: (portal = '') => frame('D', Buffer.from('P'), portal),
  sync: () => frame('S'),
  flush: () => frame('H'),
};

export async function rawClient(gw: PostgresGateway): Promise<RawClient> {
  const socket = connect({ host: gw.host, port: gw.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let ended = false;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  socket.on('close', () => {
    ended = true;
    wake?.();
  });
  socket.on('error', () => undefined);
  const next = async (): Promise<{ type: string; body: Buffer }> => {
    for (;;) {
      if (buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
        const len = 1 + buf.readInt32BE(1);
        const m = { type: String.fromCharCode(buf[0]!), body: buf.subarray(5, len) };
        buf = buf.subarray(len);
        return m;
      }
      if (ended) throw new Error('connection closed');
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  };
  const startup = Buffer.concat([
    Buffer.from([0, 0, 0, 0, 0, 3, 0, 0]),
    Buffer.from(`user\0${gw.user}\0database\0${gw.database}\0\0`),
  ]);
  startup.writeInt32BE(startup.length, 0);
  socket.write(startup);
  const scram = new ScramClient(gw.password);
  for (;;) {
    const m = await next();
    if (m.type === 'E') throw new Error(`start-up failed: ${m.body.toString('latin1')}`);
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
    socket,
    send: (...messages) => socket.write(Buffer.concat(messages)),
    async untilReady() {
      let types = '';
      const errors: string[] = [];
      for (;;) {
        const m = await next();
        types += m.type;
        if (m.type === 'E') {
          const code = m.body.toString('latin1').match(/C([0-9A-Z]{5})\0/);
          errors.push(code?.[1] ?? '?????');
        }
        if (m.type === 'Z') return { types, errors, status: String.fromCharCode(m.body[0]!) };
      }
    },
    closed() {
      return new Promise((resolve) => {
        const check = () => (ended ? resolve(buf) : setTimeout(check, 10));
        check();
      });
    },
  };
}
