// What a dry run executes. Postgres: everything except what cannot be rolled back or seen
// into, in a transaction that is always rolled back, so statements needing review run without
// waiting. MySQL (DDL commits implicitly): reads run, writes are analysed and answered OK.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { SKIPPED_TAG } from '../../src/transcript/events.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let maria: MariaDbServer;
let mysqlGw: MysqlGateway;
let postgres: PgServer;
let pgGw: PostgresGateway;
const mysqlLog = new MemoryRecorder();
const pgLog = new MemoryRecorder();

beforeAll(async () => {
  [maria, postgres] = await Promise.all([startMariaDb(), startPostgres()]);
  await maria.admin(
    'CREATE TABLE app.customers (id int PRIMARY KEY, name text); INSERT INTO app.customers VALUES (1, "a"), (2, "b")',
  );
  await postgres.query(
    "CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'a'), (2, 'b')",
  );
  const context = (dialect: 'mysql' | 'postgres', recorder: MemoryRecorder) =>
    createGatewayContext({
      dialect,
      policy: defaultPolicy(),
      recorder,
      mode: 'dry-run',
      database: { name: 'app', host: 'db', role: 'ci' },
    });
  mysqlGw = await startMysqlGateway({ upstream: maria.url(), context: await context('mysql', mysqlLog) });
  pgGw = await startPostgresGateway({ upstream: postgres.url(), context: await context('postgres', pgLog) });
});

afterAll(async () => {
  await mysqlGw?.close();
  await pgGw?.close();
  await Promise.all([maria?.stop(), postgres?.stop()]);
});

describe('MySQL dry run', () => {
  it('answers writes without executing them and still runs reads', async () => {
    const c = await maria.connect({
      host: mysqlGw.host,
      port: mysqlGw.port,
      user: mysqlGw.user,
      password: mysqlGw.password,
    });
    try {
      await c.query('CREATE TABLE app.tiers (id int)');
      await c.query('INSERT INTO app.customers VALUES (3, "c")');
      await c.execute('UPDATE app.customers SET name = ? WHERE id = ?', ['z', 1]);
      await c.query('DROP TABLE app.customers');
      const [rows] = await c.query('SELECT id, name FROM app.customers ORDER BY id');
      expect(rows).toEqual([
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ]);
    } finally {
      await c.end();
    }
    const tables = await maria.admin<{ t: string }[]>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'app'",
    );
    expect(tables.map((r) => r.t)).toEqual(['customers']);
    const skipped = mysqlLog.lines.filter((l) => l.type === 'result' && l.tag === SKIPPED_TAG);
    expect(skipped).toHaveLength(4);
  });
});

describe('Postgres dry run', () => {
  it('runs a statement that needs review without asking, and rolls it back', async () => {
    const c = new pg.Client({ connectionString: pgGw.url });
    await c.connect();
    try {
      await c.query('DROP TABLE customers');
      await expect(c.query('SELECT 1 FROM customers')).rejects.toThrow(/does not exist/);
      // COPY to a program cannot be rolled back: a dry run refuses it like enforce does.
      await expect(c.query("COPY (SELECT 1) TO PROGRAM 'true'")).rejects.toThrow(/guardrail/);
    } finally {
      await c.end();
    }
    expect(await postgres.query('SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 2 }]);
    expect(pgLog.lines.some((l) => l.type === 'approval.requested')).toBe(false);
  });
});
