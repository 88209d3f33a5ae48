// The gateway's side connection recovers. The upstream's user may hold two connections (the
// client's and the side's); the administrator kills the side connection and another client takes
// the freed slot, so it cannot reopen: a write that needs an impact estimate is refused while it
// is down (the server's own state shows it did not run), and allowed again, without restarting
// the gateway, once the slot is free.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlSide } from '../../src/gateway/mysql/side-connection.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import { SIDE_RETRY_MS } from '../../src/gateway/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { impactOf } from '../../src/transcript/read.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

// Not a by-key write (whose unique key the estimator may have cached): every one is estimated.
const UPDATE = 'UPDATE t SET v = v + 1 WHERE id + 0 = 1';

/** Why each impact estimate could not count the rows, in order. */
function impactErrors(recorder: MemoryRecorder): string[] {
  return recorder.lines.flatMap((l) => {
    if (l.type !== 'impact') return [];
    const view = impactOf(l.estimate)!;
    if (view.error) return [view.error];
    return view.figures.flatMap((f) => f.unavailable.filter((u) => u.part === 'rows').map((u) => u.reason));
  });
}

/** Retries `attempt` until it resolves, for longer than the longest pause between reconnects. */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SIDE_RETRY_MS.max * 3;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('the Postgres side connection', () => {
  let server: PgServer;
  let gateway: PostgresGateway;
  let side: ReturnType<typeof postgresSide>;
  const recorder = new MemoryRecorder();
  let upstream: string;

  beforeAll(async () => {
    server = await startPostgres();
    upstream = `postgres://app:app-side-pw@${server.host}:${server.port}/${server.database}`;
    await server.query(`
      CREATE ROLE app LOGIN PASSWORD 'app-side-pw' CONNECTION LIMIT 2;
      CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);
      INSERT INTO t SELECT g, 0 FROM generate_series(1, 100) g;
      ANALYZE t;
      GRANT SELECT, UPDATE ON t TO app;
      CREATE TABLE t2 (v int);
      INSERT INTO t2 VALUES (7);
      GRANT SELECT ON t2 TO app;`);
    side = postgresSide(upstream);
    const context = await createGatewayContext({
      dialect: 'postgres',
      policy: defaultPolicy(),
      recorder,
      database: { name: server.database, host: server.host, role: 'app' },
      side: { dialect: 'postgres', connection: side },
    });
    gateway = await startPostgresGateway({ upstream, context, catalog: side });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await side?.close();
    await server?.stop();
  });

  const v = async () => (await server.query<{ v: number }>('SELECT v FROM t WHERE id = 1'))[0]!.v;

  it('refuses writes while it cannot reopen, and allows them again once it can', async () => {
    const c = new pg.Client({ connectionString: gateway.url });
    await c.connect();
    try {
      await c.query(UPDATE);
      expect(await v()).toBe(1);

      const killed = await server.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'guardrail side connection'",
      );
      expect(killed).toHaveLength(1);
      await server.query('SELECT pg_terminate_backend($1)', [killed[0]!.pid]);
      // Once the killed backend has gone, another client takes its slot.
      const filler = await eventually(async () => {
        const f = new pg.Client({ connectionString: upstream });
        await f.connect();
        return f;
      });

      for (let i = 0; i < 3; i++) {
        await expect(c.query(UPDATE)).rejects.toThrow(/mass-change\/rows/);
      }
      expect(await v()).toBe(1);
      expect(impactErrors(recorder)).toEqual([
        expect.stringMatching(/too many connections for role "app"/),
        expect.stringMatching(
          /the side connection to the upstream is down \(.*too many connections.*\); the next attempt is in \d+ ms/,
        ),
        expect.anything(),
      ]);
      // A statement that reaches no relation needs neither estimate nor catalog: it still passes.
      expect((await c.query('SELECT 2 AS v')).rows).toEqual([{ v: 2 }]);
      // A read of a relation never looked up: what fires on it (a view's function, a policy)
      // cannot be read, so it is refused rather than run unjudged.
      await expect(c.query('SELECT v FROM t2')).rejects.toThrow(/could not be read from the catalog/);

      await filler.end();
      await eventually(() => c.query(UPDATE));
      expect(await v()).toBe(2);
      expect((await c.query('SELECT v FROM t2')).rows).toEqual([{ v: 7 }]);
      const reopened = await server.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'guardrail side connection'",
      );
      expect(reopened).toHaveLength(1);
      expect(reopened[0]!.pid).not.toBe(killed[0]!.pid);
    } finally {
      await c.end();
    }
  }, 60_000);
});

describe('the MariaDB side connection', () => {
  let db: MariaDbServer;
  let gateway: MysqlGateway;
  let side: ReturnType<typeof mysqlSide>;
  const recorder = new MemoryRecorder();
  const account = async () =>
    (
      await db.admin<{ a: string }[]>(
        `SELECT CONCAT(QUOTE(user), '@', QUOTE(host)) AS a FROM mysql.user WHERE user = ?`,
        [db.user],
      )
    )[0]!.a;

  beforeAll(async () => {
    db = await startMariaDb();
    await db.admin(`
      CREATE TABLE ${db.database}.t (id int PRIMARY KEY, v int NOT NULL) ENGINE=InnoDB;
      INSERT INTO ${db.database}.t SELECT seq, 0 FROM ${db.database}.seq_1_to_100;
      ANALYZE TABLE ${db.database}.t;
      CREATE TABLE ${db.database}.t2 (v int);
      INSERT INTO ${db.database}.t2 VALUES (7);`);
    await db.admin(`ALTER USER ${await account()} WITH MAX_USER_CONNECTIONS 2`);
    const upstream = `${db.url()}?ssl-mode=disable`;
    side = mysqlSide(upstream);
    const context = await createGatewayContext({
      dialect: 'mysql',
      policy: defaultPolicy(),
      recorder,
      database: { name: db.database, host: db.host, role: db.user },
      side: { dialect: 'mysql', connection: side },
    });
    gateway = await startMysqlGateway({ upstream, context, catalog: side, tls: false });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await side?.close();
    await db?.stop();
  });

  const v = async () =>
    (await db.admin<{ v: number }[]>(`SELECT v FROM ${db.database}.t WHERE id = 1`))[0]!.v;
  it('refuses writes while it cannot reopen, and allows them again once it can', async () => {
    const c = await mysql.createConnection({
      host: gateway.host,
      port: gateway.port,
      user: gateway.user,
      password: gateway.password,
      database: db.database,
    });
    try {
      await c.query(UPDATE);
      expect(await v()).toBe(1);
      const [[own]] = (await c.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
      const ids = async () =>
        (
          await db.admin<{ id: number }[]>(
            'SELECT id FROM information_schema.PROCESSLIST WHERE user = ? AND id <> ?',
            [db.user, own.id],
          )
        ).map((r) => Number(r.id));
      const killed = await ids();
      expect(killed).toHaveLength(1);

      await db.admin(`KILL ${killed[0]}`);
      // Once the killed connection has gone, another client takes its slot.
      const filler = await eventually(() => db.connect());

      for (let i = 0; i < 3; i++) {
        await expect(c.query(UPDATE)).rejects.toThrow(/mass-change\/rows/);
      }
      expect(await v()).toBe(1);
      expect(impactErrors(recorder)).toEqual([
        expect.stringMatching(/max_user_connections/),
        expect.stringMatching(
          /the side connection to the upstream is down \(.*max_user_connections.*\); the next attempt is in \d+ ms/,
        ),
        expect.anything(),
      ]);
      const [rows] = await c.query('SELECT 2 AS v');
      expect(rows).toEqual([{ v: 2 }]);
      await expect(c.query('SELECT v FROM t2')).rejects.toThrow(/could not be read from the catalog/);

      await filler.end();
      await eventually(() => c.query(UPDATE));
      expect(await v()).toBe(2);
      const [after] = await c.query('SELECT v FROM t2');
      expect(after).toEqual([{ v: 7 }]);
      const reopened = await ids();
      expect(reopened).toHaveLength(1);
      expect(reopened[0]).not.toBe(killed[0]);
    } finally {
      await c.end();
    }
  }, 60_000);
});
