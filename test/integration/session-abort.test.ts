// A client that leaves while its statement waits for approval ends the wait: the channel's
// signal is aborted (so the comment can say so), and nothing of the statement runs.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApprovalChannel } from '../../src/approvals/types.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { testContext } from '../support/gateway-context.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let server: PgServer;
let gateway: PostgresGateway;
const recorder = new MemoryRecorder();
let asked!: () => void;
const askedOnce = new Promise<void>((r) => (asked = r));
const abortReasons: string[] = [];

const waitsForever: ApprovalChannel = {
  name: 'test',
  request(_r, signal) {
    asked();
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => {
        abortReasons.push(String((signal.reason as Error).message));
        resolve({ decision: 'denied', by: [], reason: 'aborted', decidedAt: new Date().toISOString() });
      }),
    );
  },
};

beforeAll(async () => {
  server = await startPostgres();
  await server.query('CREATE TABLE keep (id int); INSERT INTO keep VALUES (1)');
  const context = await testContext({
    dialect: 'postgres',
    recorder,
    approvals: waitsForever,
    policy: 'categories:\n  destructive: review\n',
  });
  gateway = await startPostgresGateway({ upstream: server.url(), context });
});

afterAll(async () => {
  await gateway?.close();
  await server?.stop();
});

it('aborts the approval wait when the client disconnects', async () => {
  const client = new pg.Client({ connectionString: gateway.url });
  client.on('error', () => {});
  await client.connect();
  const held = client.query('DROP TABLE keep').catch((e: Error) => e);
  await askedOnce;
  (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  await held;
  for (let i = 0; i < 50 && abortReasons.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(abortReasons).toHaveLength(1);
  expect(abortReasons[0]).toMatch(/session ended/);
  expect(await server.query('SELECT count(*)::int AS n FROM keep')).toEqual([{ n: 1 }]);
});
