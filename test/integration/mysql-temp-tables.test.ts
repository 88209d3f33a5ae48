// The session's own temporary tables on MariaDB, through an enforcing gateway with a side
// connection (which cannot see them). Writes to them hold only the session's own rows, so an
// UPDATE or DELETE without WHERE runs; the same text is held once the name means a permanent
// table again (after DROP TEMPORARY TABLE, a stored function that dropped it, a session reset),
// and another session's temporary table of that name exempts nothing. The canary table's rows,
// read straight from the server, prove what ran.
import mariadb from 'mariadb';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { connectThrough, mysqlGatewayWithSide, type SideGateway } from '../support/gateway-with-side.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli } from '../support/mysql-clients.js';

let db: MariaDbServer;
let running: SideGateway;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  running = await mysqlGatewayWithSide(db, { policy: defaultPolicy(), recorder });
}, 120_000);
afterAll(async () => {
  await running?.close();
  await db?.stop();
});

beforeEach(async () => {
  // Six canary rows in a permanent table that the temporary ones shadow.
  await db.admin(
    `DROP TABLE IF EXISTS app.canary; CREATE TABLE app.canary (id INT PRIMARY KEY, v VARCHAR(10));
     INSERT INTO app.canary VALUES (1,'c'),(2,'c'),(3,'c'),(4,'c'),(5,'c'),(6,'c');
     CREATE TABLE IF NOT EXISTS app.shape (id INT PRIMARY KEY, v VARCHAR(10))`,
  );
});

async function canary(): Promise<number> {
  const [r] = await db.admin<{ n: number }[]>(`SELECT count(*) AS n FROM app.canary WHERE v = 'c'`);
  return Number(r!.n);
}

function verdictOf(textPattern: RegExp): string[] {
  return recorder.lines
    .filter((l) => l.type === 'statement' && textPattern.test(l.text))
    .map((s) => {
      const v = recorder.lines.find((x) => x.type === 'verdict' && s.type === 'statement' && x.id === s.id);
      return v?.type === 'verdict' ? v.action : 'none';
    });
}

const through = (database = 'app') => connectThrough(db, running.gateway, database);
const heldError = /guardrail|denied/i;

describe("writes to the session's own temporary table (mysql2)", () => {
  it('UPDATE and DELETE without WHERE run on the temporary table; the permanent one it shadows keeps its rows', async () => {
    const c = await through();
    await c.query('CREATE TEMPORARY TABLE canary (id INT PRIMARY KEY, v VARCHAR(10))');
    await c.query("INSERT INTO canary VALUES (1,'t'),(2,'t'),(3,'t')");
    const [u] = await c.query<mysql.ResultSetHeader>("UPDATE canary SET v = 'u'");
    const [byKey] = await c.query<mysql.ResultSetHeader>("UPDATE app.canary SET v = 'k' WHERE id = 2");
    const [d] = await c.query<mysql.ResultSetHeader>('DELETE FROM `app`.`canary`');
    const [left] = await c.query<mysql.RowDataPacket[]>('SELECT count(*) AS n FROM canary');
    // No permanent table of this name: the side connection cannot count its rows at all.
    await c.query('CREATE TEMPORARY TABLE scratch (id INT, v VARCHAR(10))');
    await c.query("INSERT INTO scratch VALUES (123, 'a'), (124, 'a')");
    const [one] = await c.query<mysql.ResultSetHeader>("UPDATE scratch SET v = 'y' WHERE id = 123");
    await c.end();
    expect([u.affectedRows, byKey.affectedRows, d.affectedRows, one.affectedRows]).toEqual([3, 1, 3, 1]);
    expect(Number(left[0]!.n)).toBe(0);
    expect(await canary()).toBe(6);
    expect(verdictOf(/^(UPDATE|DELETE FROM) .*(canary|scratch)/)).toEqual([
      'allow',
      'allow',
      'allow',
      'allow',
    ]);
  });

  it('a temporary MERGE table over a permanent one exempts nothing: its rows are the permanent rows', async () => {
    await db.admin(
      `DROP TABLE IF EXISTS app.mcanary; CREATE TABLE app.mcanary (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=MyISAM;
       INSERT INTO app.mcanary VALUES (1,'c'),(2,'c'),(3,'c'),(4,'c'),(5,'c'),(6,'c')`,
    );
    const c = await through();
    await c.query(
      'CREATE TEMPORARY TABLE mview (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=MERGE UNION=(mcanary) INSERT_METHOD=LAST',
    );
    const del = await c.query('DELETE FROM mview').then(
      () => 'ran',
      (e: Error) => e.message,
    );
    // Near miss: an ordinary temporary table of the same shape is still exempted.
    await c.query('CREATE TEMPORARY TABLE mown (id INT, v VARCHAR(10))');
    await c.query("INSERT INTO mown VALUES (1,'t')");
    const [own] = await c.query<mysql.ResultSetHeader>('DELETE FROM mown');
    await c.end();
    const [r] = await db.admin<{ n: number }[]>(`SELECT count(*) AS n FROM app.mcanary`);
    expect(Number(r!.n)).toBe(6);
    expect(del).toMatch(heldError);
    expect(own.affectedRows).toBe(1);
  });

  it('near miss: after DROP TEMPORARY TABLE the same DELETE means the permanent table and is held', async () => {
    const c = await through();
    await c.query('CREATE TEMPORARY TABLE canary (id INT)');
    await c.query('DROP TEMPORARY TABLE canary');
    await expect(c.query('DELETE FROM canary')).rejects.toThrow(heldError);
    // In one input: the DROP runs before the DELETE, so nothing in it is exempted.
    await c.query('CREATE TEMPORARY TABLE canary (id INT)');
    await expect(c.query('DROP TEMPORARY TABLE canary; DELETE FROM canary')).rejects.toThrow(heldError);
    await c.end();
    expect(await canary()).toBe(6);
  });

  it('near miss: a stored function that drops the temporary table, a change of user, a prepared DELETE', async () => {
    await db.admin(
      'CREATE OR REPLACE FUNCTION app.forget() RETURNS INT BEGIN DROP TEMPORARY TABLE IF EXISTS canary; RETURN 1; END',
    );
    const c = await through();
    await c.query('CREATE TEMPORARY TABLE canary (id INT)');
    await c.query('SELECT app.forget()');
    await expect(c.query("UPDATE canary SET v = 'x'")).rejects.toThrow(heldError);
    await c.query('CREATE TEMPORARY TABLE canary (id INT)');
    await c.changeUser({ user: running.gateway.user, password: running.gateway.password, database: 'app' });
    await expect(c.query('DELETE FROM canary')).rejects.toThrow(heldError);
    // A prepared write runs later than it is judged: it is never exempted.
    await c.query('CREATE TEMPORARY TABLE canary (id INT, v VARCHAR(10))');
    await expect(c.execute('DELETE FROM canary')).rejects.toThrow(heldError);
    await c.end();
    expect(await canary()).toBe(6);
  });

  it("near miss: another session's temporary table exempts nothing in this one", async () => {
    const other = await through();
    await other.query('CREATE TEMPORARY TABLE canary (id INT)');
    const c = await through();
    await expect(c.query('DELETE FROM canary')).rejects.toThrow(heldError);
    await expect(c.query("UPDATE canary SET v = 'x'")).rejects.toThrow(heldError);
    await c.end();
    await other.end();
    expect(await canary()).toBe(6);
  });
});

describe('the mariadb connector', () => {
  it('near miss: after COM_RESET_CONNECTION the temporary table is gone and the DELETE is held', async () => {
    const c = await mariadb.createConnection({
      host: running.gateway.host,
      port: running.gateway.port,
      user: running.gateway.user,
      password: running.gateway.password,
      database: 'app',
    });
    await c.query('CREATE TEMPORARY TABLE canary (id INT)');
    expect(await c.query('DELETE FROM canary')).toMatchObject({ affectedRows: 0 });
    await c.reset();
    await expect(c.query('DELETE FROM canary')).rejects.toThrow(heldError);
    await c.end();
    expect(await canary()).toBe(6);
  });
});

describe('the mariadb CLI', () => {
  const target = () => ({
    host: running.gateway.host,
    port: running.gateway.port,
    user: running.gateway.user,
    password: running.gateway.password,
    database: 'app',
  });

  it('runs a script that fills, rewrites and empties its temporary table', async () => {
    const r = await mariadbCli(
      target(),
      [
        'CREATE TEMPORARY TABLE canary AS SELECT id, v FROM app.canary;',
        "UPDATE canary SET v = 'z';",
        "SELECT count(*) FROM canary WHERE v = 'z';",
        'DELETE FROM canary;',
        'SELECT count(*) FROM canary;',
      ].join('\n'),
      ['--skip-column-names'],
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['6', '0']);
    expect(await canary()).toBe(6);
  });

  it('near miss: the same DELETE after DROP TEMPORARY TABLE is refused and the canary rows stay', async () => {
    const r = await mariadbCli(
      target(),
      [
        'CREATE TEMPORARY TABLE canary LIKE app.shape;',
        'DROP TEMPORARY TABLE canary;',
        'DELETE FROM canary;',
      ].join('\n'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(heldError);
    expect(await canary()).toBe(6);
  });
});
