// mysql2 and the mariadb connector, straight against MariaDB and through an audit-mode gateway:
// the results a driver sees must be the same.
import mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type AuditGateway, auditMysql, onBoth, type Target } from './harness.js';

let db: MariaDbServer;
let audit: AuditGateway;

beforeAll(async () => {
  db = await startMariaDb();
  audit = await auditMysql(db);
});
afterAll(async () => {
  await audit?.close();
  await db?.stop();
});

const mysql2 = (t: Target, extra: mysql.ConnectionOptions = {}) =>
  mysql.createConnection({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    ...extra,
  });
const connector = (t: Target) =>
  mariadb.createConnection({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
  });

describe('insert ids of 2^53 and above (length-encoded integers in the OK packet)', () => {
  it('mysql2 gets the exact BIGINT UNSIGNED id from 2^63 and a negative id, and the connection lives on', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await mysql2(t, { supportBigNumbers: true, bigNumberStrings: true });
      const table = `big_${t.name}`;
      await c.query(
        `CREATE TABLE ${table} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v INT) AUTO_INCREMENT = 9223372036854775808`,
      );
      const [first] = await c.query<mysql.ResultSetHeader>(`INSERT INTO ${table} (v) VALUES (1)`);
      const [second] = await c.query<mysql.ResultSetHeader>(`INSERT INTO ${table} (v) VALUES (2)`);
      await c.query(`CREATE TABLE neg_${t.name} (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)`);
      const [negative] = await c.query<mysql.ResultSetHeader>(`INSERT INTO neg_${t.name} VALUES (-5, 1)`);
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        `SELECT CAST(id AS CHAR) AS id, v FROM ${table} ORDER BY id`,
      );
      await c.end();
      return {
        ids: [first.insertId, second.insertId, negative.insertId].map(String),
        affected: [first.affectedRows, second.affectedRows, negative.affectedRows],
        rows,
      };
    });
    // The driver reads the id as signed; its 64 bits are the row's key.
    expect(r.direct.ids.map((id) => BigInt.asUintN(64, BigInt(id)))).toEqual([
      9223372036854775808n,
      9223372036854775809n,
      BigInt.asUintN(64, -5n),
    ]);
    expect(r.direct.rows).toEqual([
      { id: '9223372036854775808', v: 1 },
      { id: '9223372036854775809', v: 2 },
    ]);
    expect(r.gateway).toEqual(r.direct);
  });

  it('the mariadb connector gets the exact ids as BigInt', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await connector(t);
      const table = `bigm_${t.name}`;
      await c.query(
        `CREATE TABLE ${table} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT = 18446744073709551614`,
      );
      const ok = await c.query(`INSERT INTO ${table} VALUES ()`);
      const count = await c.query(`SELECT COUNT(*) AS n FROM ${table}`);
      await c.end();
      return {
        insertId: ok.insertId as bigint,
        affected: ok.affectedRows as number,
        n: count[0].n as bigint,
      };
    });
    expect({ ...r.direct, insertId: BigInt.asUintN(64, r.direct.insertId) }).toEqual({
      insertId: 18446744073709551614n,
      affected: 1,
      n: 1n,
    });
    expect(r.gateway).toEqual(r.direct);
  });
});

describe('the connection id a driver is given', () => {
  it('is CONNECTION_ID() for mysql2 and the mariadb connector', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const a = await mysql2(t);
      const [rows] = await a.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      const viaMysql2 = a.threadId === Number(rows[0]!.id);
      await a.end();
      const b = await connector(t);
      const [row] = await b.query('SELECT CONNECTION_ID() AS id');
      const viaConnector = BigInt(b.threadId ?? -1) === BigInt(row.id);
      await b.end();
      return { viaMysql2, viaConnector };
    });
    expect(r.direct).toEqual({ viaMysql2: true, viaConnector: true });
    expect(r.gateway).toEqual(r.direct);
  });

  it('stops a running query with KILL QUERY from another session, and the session goes on', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const [a, b] = await Promise.all([mysql2(t), mysql2(t)]);
      const sleeping = a
        .query<mysql.RowDataPacket[]>('SELECT SLEEP(30) AS s')
        .then(([rows]) => `result ${rows[0]!.s}`)
        .catch((e: { errno: number }) => `error ${e.errno}`);
      // KILL QUERY before the SLEEP has started would find nothing to stop.
      for (;;) {
        const [running] = await db.admin<{ n: number }[]>(
          `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${Number(a.threadId)} AND INFO LIKE 'SELECT SLEEP%'`,
        );
        if (Number(running!.n) > 0) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      await b.query(`KILL QUERY ${a.threadId}`);
      const outcome = await sleeping;
      const [after] = await a.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      await Promise.all([a.end(), b.end()]);
      return { outcome, after };
    });
    expect(r.direct.after).toEqual([{ one: 1 }]);
    expect(r.gateway).toEqual(r.direct);
  });
});

describe('a statement the server cannot parse, through a gateway in enforce mode', () => {
  let enforce: AuditGateway;
  beforeAll(async () => {
    enforce = await auditMysql(db, 'enforce');
  });
  afterAll(async () => {
    await enforce?.close();
  });

  it("gets the server's own 1064 through mysql2 (text and prepared) and the mariadb connector", async () => {
    type Failure = { errno: number; sqlState: string; sqlMessage?: string; text?: string };
    const what = (e: Failure) => ({ errno: e.errno, sqlState: e.sqlState, message: e.sqlMessage ?? e.text });
    const r = await onBoth(enforce.targets, async (t) => {
      const a = await mysql2(t);
      const text = await a.query('SELEC 1').catch(what);
      const prepared = await a.execute('SELECT * FORM compat_missing WHERE id = ?', [1]).catch(what);
      const [after] = await a.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      await a.end();
      const b = await connector(t);
      const viaConnector = await b.query('DELET FROM compat_missing').catch(what);
      await b.end();
      return { text, prepared, after, viaConnector };
    });
    expect(r.direct.text).toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(r.direct.prepared).toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(r.direct.viaConnector).toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(r.direct.after).toEqual([{ one: 1 }]);
    expect(r.gateway).toEqual(r.direct);
    const statement = enforce.recorder.lines.find((l) => l.type === 'statement' && l.text === 'SELEC 1');
    const id = statement?.type === 'statement' ? statement.id : undefined;
    expect(enforce.recorder.lines.find((l) => l.type === 'verdict' && l.id === id)).toMatchObject({
      action: 'deny',
      rules: ['opaque/unparseable'],
    });
    expect(enforce.recorder.lines.find((l) => l.type === 'result' && l.id === id)).toMatchObject({
      error: { code: '42000' },
    });
  });
});

describe('a session that kills its own query or connection', () => {
  it('does so as directly, with no admin-function finding; another session’s id stays one', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const [a, other] = await Promise.all([mysql2(t), mysql2(t)]);
      a.on('error', () => {});
      const outcome = (text: string) =>
        a.query(text).then(
          () => 'ok',
          (e: { errno: number }) => `error ${e.errno}`,
        );
      const ownQuery = await outcome('KILL QUERY CONNECTION_ID()');
      const [after] = await a.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      const othersQuery = await outcome(`KILL QUERY ${other.threadId}`);
      const ownConnection = await outcome(`KILL ${a.threadId}`);
      const [alive] = await other.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      await other.end();
      await a.end().catch(() => undefined);
      return { ownQuery, after, othersQuery, ownConnection, alive };
    });
    expect(r.direct.after).toEqual([{ one: 1 }]);
    expect(r.direct.alive).toEqual([{ one: 1 }]);
    expect(r.gateway).toEqual(r.direct);
    const verdictOf = (needle: RegExp) => {
      const s = audit.recorder.lines.find((l) => l.type === 'statement' && needle.test(l.text));
      return audit.recorder.lines.find(
        (l) => l.type === 'verdict' && s?.type === 'statement' && l.id === s.id,
      );
    };
    expect(verdictOf(/^KILL QUERY CONNECTION_ID\(\)$/)).toMatchObject({ action: 'allow' });
    expect(verdictOf(/^KILL \d+$/)).toMatchObject({ action: 'allow' });
    // Another session's id (all numeric KILL QUERY here name another session) stays a finding.
    const others = audit.recorder.lines.filter(
      (l) => l.type === 'statement' && /^KILL QUERY \d+$/.test(l.text),
    );
    expect(others.length).toBeGreaterThan(0);
    for (const s of others)
      expect(
        audit.recorder.lines.find((l) => l.type === 'verdict' && s.type === 'statement' && l.id === s.id),
      ).toMatchObject({
        rules: expect.arrayContaining(['exfiltration/admin-function']),
      });
  });
});
