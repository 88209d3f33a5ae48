// Shared set-up for the Postgres gateway suites: a real server, a gateway in front of it with
// a real policy, and a transcript file that each suite can verify.
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ApprovalChannel } from '../../src/approvals/types.js';
import {
  type PostgresGateway,
  type PostgresGatewayOptions,
  startPostgresGateway,
} from '../../src/gateway/postgres/listener.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { testContext } from '../support/gateway-context.js';
import type { PgServer } from '../support/pg-server.js';
import { connectSocket, frame, MessageStream, startSession } from '../support/pg-wire.js';

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
      return readTranscript(readFileSync(transcriptPath, 'utf8')).lines;
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

export { frame };

export const msg = {
  query: (sql: string) => frame('Q', sql),
  parse: (sql: string, name = '') => frame('P', name, sql, [0, 0]),
  bind: (portal = '', stmt = '') => frame('B', portal, stmt, [0, 0, 0, 0, 0, 0]),
  execute: (portal = '') => frame('E', portal, [0, 0, 0, 0]),
  describe: (portal = '') => frame('D', Buffer.from('P'), portal),
  sync: () => frame('S'),
  flush: () => frame('H'),
};

export async function rawClient(
  gw: Pick<PostgresGateway, 'host' | 'port' | 'user' | 'password' | 'database'>,
): Promise<RawClient> {
  const socket = await connectSocket(gw.host, gw.port);
  const stream = new MessageStream(socket);
  await startSession(socket, stream, gw.password, { user: gw.user, database: gw.database });
  return {
    socket,
    send: (...messages) => socket.write(Buffer.concat(messages)),
    async untilReady() {
      let types = '';
      const errors: string[] = [];
      for (;;) {
        const m = await stream.next();
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
        const check = () => (stream.ended ? resolve(stream.rest) : setTimeout(check, 10));
        check();
      });
    },
  };
}
