// A prepared statement is judged once, when it is prepared: a reviewer approves it once, and
// every execution after that runs without asking again, each recorded with its parameters.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApprovalChannel, ApprovalRequest } from '../../src/approvals/types.js';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';

const requests: ApprovalRequest[] = [];
const approveAll: ApprovalChannel = {
  name: 'test',
  async request(r) {
    requests.push(r);
    return {
      decision: 'approved',
      by: ['reviewer'],
      hashes: r.statements.map((s) => s.hash),
      decidedAt: new Date().toISOString(),
    };
  },
};

let db: MariaDbServer;
let gateway: MysqlGateway;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(
    'CREATE TABLE app.items (id int PRIMARY KEY, v int); INSERT INTO app.items VALUES (1,1),(2,2),(3,3)',
  );
  const context = await createGatewayContext({
    dialect: 'mysql',
    policy: defaultPolicy(),
    recorder,
    approvals: approveAll,
    database: { name: 'app', host: db.host, role: db.user },
  });
  gateway = await startMysqlGateway({ upstream: db.url(), context });
});

afterAll(async () => {
  await gateway?.close();
  await db?.stop();
});

it('asks once at prepare time and records every execution with its parameters', async () => {
  const c = await db.connect({
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    ssl: undefined,
  });
  try {
    // REPLACE is destructive/replace: it needs a review under the default policy.
    const rows: [number, number][] = [
      [1, 10],
      [2, 20],
      [9, 90],
    ];
    for (const row of rows) await c.execute('REPLACE INTO items (id, v) VALUES (?, ?)', row);
  } finally {
    await c.end();
  }
  expect(requests).toHaveLength(1);
  expect(requests[0]!.statements[0]!.findings.map((f) => f.rule)).toContain('destructive/replace');
  const rows = await db.admin<{ id: number; v: number }[]>('SELECT id, v FROM app.items ORDER BY id');
  expect(rows.map((r) => [r.id, r.v])).toEqual([
    [1, 10],
    [2, 20],
    [3, 3],
    [9, 90],
  ]);
  const executions = recorder.lines.filter((l) => l.type === 'statement' && l.preparedAs);
  expect(executions.map((l) => (l.type === 'statement' ? l.params : undefined))).toEqual([
    [1, 10],
    [2, 20],
    [9, 90],
  ]);
});
