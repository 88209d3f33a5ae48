// What existing MariaDB objects fire, through the gateway with a side connection: triggers and
// views created on an earlier, direct connection are read from information_schema and their
// bodies judged with the statement that fires them. Refusals are proved from the server's state
// (the canary rows are all there); near misses run and their effect is visible.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { MysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli } from '../support/mysql-clients.js';
import { mysqlWithSide, type WithSide } from '../support/side-gateway.js';

let db: MariaDbServer;
let gateway: MysqlGateway;
let withSide: WithSide<MysqlGateway> | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(
    `CREATE TABLE app.canary (id int);
     CREATE TABLE app.audit (id int);
     CREATE TABLE app.trig_t (id int);
     CREATE TRIGGER app.trig_wipe AFTER INSERT ON app.trig_t FOR EACH ROW DELETE FROM app.canary;
     CREATE TABLE app.chain_t (id int);
     CREATE TRIGGER app.chain AFTER UPDATE ON app.chain_t FOR EACH ROW BEGIN INSERT INTO app.trig_t VALUES (NEW.id); END;
     INSERT INTO app.chain_t VALUES (1);
     CREATE FUNCTION app.wipe() RETURNS int MODIFIES SQL DATA BEGIN DELETE FROM app.canary; RETURN 1; END;
     CREATE VIEW app.v_wipe AS SELECT app.wipe() AS w;
     CREATE TABLE app.ok_t (id int);
     CREATE TRIGGER app.audit_row AFTER INSERT ON app.ok_t FOR EACH ROW INSERT INTO app.audit VALUES (NEW.id);
     CREATE VIEW app.v_ok AS SELECT LOWER('A') AS l, NOW() IS NOT NULL AS t;
     CREATE TABLE app.del_t (id int);
     INSERT INTO app.del_t VALUES (1), (2);
     CREATE TABLE app.gone_t (id int);
     INSERT INTO app.gone_t VALUES (1);
     CREATE TRIGGER app.gone_wipe AFTER DELETE ON app.gone_t FOR EACH ROW DELETE FROM app.canary`,
  );
  withSide = await mysqlWithSide(db, recorder);
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await db?.stop();
});

beforeEach(async () => {
  await db.admin('DELETE FROM app.canary; INSERT INTO app.canary SELECT seq FROM app.seq_1_to_10');
});

const connect = () =>
  db.connect({
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    ssl: undefined,
  });
const count = async (sql: string) => Number((await db.admin<{ n: number }[]>(sql))[0]!.n);
const canary = () => count('SELECT count(*) AS n FROM app.canary');

function verdictOf(text: string): string {
  const ids = recorder.lines.flatMap((l) => (l.type === 'statement' && l.text === text ? [l.id] : []));
  return JSON.stringify(recorder.lines.filter((l) => l.type === 'verdict' && ids.includes(l.id)));
}

it.each([
  ['a trigger', 'INSERT INTO trig_t VALUES (1)', /trigger trig_wipe on trig_t/],
  [
    'a trigger behind a trigger',
    'UPDATE chain_t SET id = 2 WHERE id = 1',
    /trigger chain on chain_t: .*trigger trig_wipe on app\.trig_t/,
  ],
  ['a view calling a stored function', 'SELECT * FROM v_wipe', /view v_wipe on v_wipe: .*function app\.wipe/],
])('holds a statement that fires %s emptying the canary; the canary is intact', async (_, text, why) => {
  const c = await connect();
  try {
    await expect(c.query(text)).rejects.toThrow(/destructive\/delete-without-where/);
  } finally {
    await c.end();
  }
  expect(verdictOf(text)).toMatch(why);
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.trig_t')).toBe(0);
});

it('holds the same INSERT sent by the mariadb CLI; the canary is intact', async () => {
  const r = await mariadbCli(
    {
      host: gateway.host,
      port: gateway.port,
      user: gateway.user,
      password: gateway.password,
      database: 'app',
    },
    'INSERT INTO trig_t VALUES (9);\n',
  );
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/destructive\/delete-without-where/);
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.trig_t')).toBe(0);
});

it('holds an INSERT into a table of the database the session switched to (the side connection is in another)', async () => {
  await db.admin(
    `CREATE DATABASE other;
     CREATE TABLE app.shadowed (id int);
     CREATE TABLE other.shadowed (id int);
     CREATE TRIGGER other.other_wipe AFTER INSERT ON other.shadowed FOR EACH ROW DELETE FROM app.canary`,
  );
  const c = await connect();
  try {
    await c.query('USE other');
    await expect(c.query('INSERT INTO shadowed VALUES (1)')).rejects.toThrow(
      /destructive\/delete-without-where/,
    );
  } finally {
    await c.end();
  }
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM other.shadowed')).toBe(0);
});

it('holds an INSERT into `dot.ted`, a table whose quoted name holds a dot, whose trigger empties the canary', async () => {
  await db.admin(
    'CREATE TABLE app.`dot.ted` (id int); CREATE TRIGGER app.dotted_wipe AFTER INSERT ON app.`dot.ted` FOR EACH ROW DELETE FROM app.canary',
  );
  const c = await connect();
  try {
    await expect(c.query('INSERT INTO `dot.ted` VALUES (1)')).rejects.toThrow(
      /destructive\/delete-without-where/,
    );
  } finally {
    await c.end();
  }
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.`dot.ted`')).toBe(0);
});

it('lets an INSERT through whose trigger only writes the new row into an audit table', async () => {
  const c = await connect();
  try {
    await c.query('INSERT INTO ok_t VALUES (42)');
    const [r] = await c.query('SELECT l, t FROM v_ok');
    expect(r).toEqual([{ l: 'a', t: 1 }]);
    // A trigger for INSERT only: a DELETE on its table does not fire it.
    await c.query('DELETE FROM trig_t WHERE id = 7');
    await c.query('DELETE FROM del_t WHERE id = 1');
  } finally {
    await c.end();
  }
  expect(await count('SELECT count(*) AS n FROM app.audit WHERE id = 42')).toBe(1);
  expect(await count('SELECT count(*) AS n FROM app.del_t')).toBe(1);
  expect(await canary()).toBe(10);
});

it('sees at once a trigger another gateway session created on a table it had cached', async () => {
  await db.admin('CREATE TABLE app.fresh_t (id int)');
  const a = await connect();
  const b = await connect();
  try {
    await b.query('INSERT INTO fresh_t VALUES (1)');
    // A whole-table delete in a trigger body is judged at creation: created directly here.
    await db.admin(
      'CREATE TRIGGER app.fresh AFTER INSERT ON app.fresh_t FOR EACH ROW DELETE FROM app.canary',
    );
    // a's DDL (any) drops the shared cache; b never saw the trigger.
    await a.query('CREATE TABLE scratch (i int)');
    await expect(b.query('INSERT INTO fresh_t VALUES (2)')).rejects.toThrow(
      /destructive\/delete-without-where/,
    );
  } finally {
    await a.end();
    await b.end();
  }
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.fresh_t')).toBe(1);
});

it.each([
  ['UPDATE del_t JOIN chain_t ON 1 SET chain_t.id = 2 WHERE del_t.id = 1', /trigger chain on chain_t/],
  ['UPDATE del_t, chain_t SET chain_t.id = 2 WHERE del_t.id = 1', /trigger chain on chain_t/],
  ['DELETE del_t, gone_t FROM del_t JOIN gone_t ON 1 WHERE gone_t.id = 1', /trigger gone_wipe on gone_t/],
  // A parenthesised table reference is a table reference (it ran, canary 10 -> 0, before it was read).
  ['UPDATE del_t JOIN (chain_t) ON 1 SET chain_t.id = 2 WHERE del_t.id = 1', /trigger chain on chain_t/],
  // MariaDB 10.11 skips the comment, which ends at its first */: the JOIN is code to the server.
  [
    "UPDATE del_t /*M!999999 '*/ JOIN chain_t ON 1 SET chain_t.id = 2 -- '*/\n WHERE del_t.id = 1",
    /trigger chain on chain_t/,
  ],
])('holds a multi-table write that fires a trigger of a table it joins: %s', async (text, why) => {
  const c = await connect();
  try {
    await expect(c.query(text)).rejects.toThrow(/destructive\/delete-without-where|opaque/);
  } finally {
    await c.end();
  }
  expect(verdictOf(text)).toMatch(why);
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.chain_t WHERE id = 1')).toBe(1);
  expect(await count('SELECT count(*) AS n FROM app.gone_t')).toBe(1);
});

it('runs a multi-table write whose joined tables fire nothing harmful', async () => {
  const c = await connect();
  try {
    const [r] = (await c.query(
      "UPDATE del_t /*M!999999 '*/ JOIN ok_t ON 1 SET del_t.id = 3 -- '*/\n WHERE del_t.id = 99",
    )) as [{ affectedRows: number }, unknown];
    expect(r.affectedRows).toBe(0);
  } finally {
    await c.end();
  }
  expect(await canary()).toBe(10);
});
