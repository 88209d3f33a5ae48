// The MySQL side of "the estimate never runs what is being judged", on a real MariaDB through
// the gateway with a side connection: a stored function in a DELETE's WHERE is not evaluated by
// the estimate (GET_LOCK outlives a READ ONLY transaction, so a taken lock would show), and the
// statement is held because its row count is unknown. A WHERE of built-ins is still counted.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mysqlWithSide, type WithSide } from '../support/side-gateway.js';

let db: MariaDbServer;
let gateway: MysqlGateway;
let withSide: WithSide<MysqlGateway> | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(
    `CREATE TABLE app.t (id int PRIMARY KEY);
     INSERT INTO app.t SELECT seq FROM app.seq_1_to_10;
     CREATE TABLE app.u (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);
     INSERT INTO app.u (id) SELECT seq FROM app.seq_1_to_10;
     ANALYZE TABLE app.u;
     CREATE FUNCTION app.locker() RETURNS int NOT DETERMINISTIC RETURN GET_LOCK('guardrail_t', 0);
     CREATE FUNCTION app.purge_fn() RETURNS int MODIFIES SQL DATA BEGIN DELETE FROM app.t; RETURN 1; END;
     CREATE PROCEDURE app.wipe() DELETE FROM app.t;
     CREATE FUNCTION app.outer_fn() RETURNS int MODIFIES SQL DATA BEGIN CALL app.wipe(); RETURN 1; END;
     CREATE FUNCTION app.reader() RETURNS int READS SQL DATA RETURN (SELECT COUNT(*) FROM app.t)`,
  );
  withSide = await mysqlWithSide(db, recorder);
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await db?.stop();
});

const connect = () =>
  db.connect({
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    ssl: undefined,
  });
const rows = async () => Number((await db.admin<{ n: number }[]>('SELECT count(*) AS n FROM app.t'))[0]!.n);

it('holds a DELETE calling a stored function, which the estimate never evaluated', async () => {
  const c = await connect();
  try {
    await expect(c.query('DELETE FROM t WHERE id > locker()')).rejects.toThrow(/mass-change\/rows/);
  } finally {
    await c.end();
  }
  const lock = await db.admin<{ who: number | null }[]>("SELECT IS_USED_LOCK('guardrail_t') AS who");
  expect(lock[0]!.who).toBeNull();
  expect(await rows()).toBe(10);
  const impacts = JSON.stringify(recorder.lines.filter((l) => l.type === 'impact'));
  expect(impacts).toMatch(/not evaluated: locker\(\) is not known to be free of side effects/);
});

it.each(['SELECT purge_fn()', 'SELECT app.purge_fn()', 'SELECT outer_fn()', 'CALL app.wipe()'])(
  'follows %s into the stored routines it reaches and holds it; no row is deleted',
  async (text) => {
    const c = await connect();
    try {
      await expect(c.query(text)).rejects.toThrow(/destructive\/delete-without-where/);
    } finally {
      await c.end();
    }
    expect(await rows()).toBe(10);
  },
);

it('lets a stored function that only reads run', async () => {
  const c = await connect();
  try {
    const [r] = await c.query('SELECT reader() AS n');
    expect(Number((r as { n: number }[])[0]!.n)).toBe(10);
  } finally {
    await c.end();
  }
});

it('still counts a WHERE made of built-ins and lets the small DELETE through', async () => {
  const c = await connect();
  try {
    const [r] = await c.query("DELETE FROM t WHERE id > LENGTH('abcdefg')");
    expect((r as { affectedRows: number }).affectedRows).toBe(3);
  } finally {
    await c.end();
  }
  expect(await rows()).toBe(7);
  expect(JSON.stringify(recorder.lines.filter((l) => l.type === 'impact'))).toMatch(/"rowsExact":3/);
});

it.each([
  'REPLACE INTO u (id, v) SELECT id, 1 FROM u',
  'INSERT INTO u (id) SELECT id FROM u ON DUPLICATE KEY UPDATE v = 1',
])('estimates %s like an UPDATE of every row and holds it', async (text) => {
  const c = await connect();
  try {
    await expect(c.query(text)).rejects.toThrow(/mass-change\/rows/);
  } finally {
    await c.end();
  }
  const changed = await db.admin<{ n: number }[]>('SELECT count(*) AS n FROM app.u WHERE v <> 0');
  expect(Number(changed[0]!.n)).toBe(0);
});

it('lets an upsert of one row through', async () => {
  const c = await connect();
  try {
    const [r] = await c.query('INSERT INTO u (id) VALUES (3) ON DUPLICATE KEY UPDATE v = 1');
    expect((r as { affectedRows: number }).affectedRows).toBe(2);
  } finally {
    await c.end();
  }
  const changed = await db.admin<{ n: number }[]>('SELECT count(*) AS n FROM app.u WHERE v <> 0');
  expect(Number(changed[0]!.n)).toBe(1);
});

it('holds RENAME TABLE of an existing table, and allows one of a table this session created', async () => {
  const c = await connect();
  try {
    await expect(c.query('RENAME TABLE u TO u_old')).rejects.toThrow(/destructive\/rename/);
    await expect(c.query('ALTER TABLE u RENAME COLUMN v TO w')).rejects.toThrow(/destructive\/rename/);
    await c.query('CREATE TABLE fresh (a int)');
    await c.query('RENAME TABLE fresh TO fresh2');
  } finally {
    await c.end();
  }
  const names = await db.admin<{ n: string }[]>(
    "SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME IN ('u', 'u_old', 'fresh2') ORDER BY 1",
  );
  expect(names.map((r) => r.n)).toEqual(['fresh2', 'u']);
  const cols = await db.admin<{ n: string }[]>(
    "SELECT COLUMN_NAME AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'u' ORDER BY 1",
  );
  expect(cols.map((r) => r.n)).toEqual(['id', 'v']);
});
