// Session behaviour of the MySQL gateway: statements held for approval (the connection waits,
// pipelined commands queue behind), procedures with several result sets, LOCAL INFILE kept off,
// COM_CHANGE_USER re-authenticated, COM_RESET_CONNECTION and COM_PING passed on.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalChannel, ApprovalRequest } from '../../src/approvals/types.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli, mysqlContext, packet, rawMysqlLogin } from '../support/mysql-clients.js';

let db: MariaDbServer;
let gw: MysqlGateway;
const recorder = new MemoryRecorder();
const requests: ApprovalRequest[] = [];

/** A reviewer that approves statements mentioning "approve-me" after a short wait. */
const reviewer: ApprovalChannel = {
  name: 'test-reviewer',
  async request(r) {
    requests.push(r);
    await new Promise((res) => setTimeout(res, 50));
    const ok = r.statements.every((s) => s.text.includes('approve-me'));
    return {
      decision: ok ? 'approved' : 'denied',
      by: ['reviewer'],
      decidedAt: new Date().toISOString(),
      ...(ok ? { hashes: r.statements.map((s) => s.hash) } : { reason: 'not today' }),
    };
  },
};

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(
    `CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO app.t VALUES (1, 'a'), (2, 'b');
     CREATE PROCEDURE app.two() BEGIN SELECT id FROM app.t ORDER BY id; SELECT 'second' AS s; END`,
  );
  gw = await startMysqlGateway({
    upstream: `${db.url()}?ssl-mode=disable`,
    context: {
      // Destructive statements (REPLACE deletes the row it replaces) are held for the reviewer;
      // CALL of a procedure the gateway cannot read is opaque, allowed here for the suite's own.
      ...(await mysqlContext(recorder, {
        policy: 'categories:\n  destructive: review\nrules:\n  opaque/dynamic-sql: allow\n',
      })),
      approvals: reviewer,
      redactParams: (p) => p,
    },
    authPlugin: 'mysql_native_password',
    tls: false,
  });
});
afterAll(async () => {
  await gw?.close();
  await db?.stop();
});

const open = (extra: mysql.ConnectionOptions = {}) =>
  mysql.createConnection({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database: 'app',
    ...extra,
  });

describe('approvals', () => {
  it('runs an approved statement and refuses a denied one, in order with queued commands', async () => {
    const c = await open();
    // mysql2 queues these on one connection; the SELECT must see the approved REPLACE.
    const [approved, denied, after] = await Promise.allSettled([
      c.query("REPLACE INTO t VALUES (1, 'approve-me')"),
      c.query("REPLACE INTO t VALUES (2, 'nope')"),
      c.query('SELECT id, v FROM t ORDER BY id'),
    ]);
    expect(approved.status).toBe('fulfilled');
    expect(denied).toMatchObject({ status: 'rejected', reason: { errno: 1142 } });
    expect((denied as PromiseRejectedResult).reason.message).toMatch(
      /held for approval gr-[0-9a-f]+ .*denied by reviewer: not today/,
    );
    expect(after.status === 'fulfilled' && after.value[0]).toEqual([
      { id: 1, v: 'approve-me' },
      { id: 2, v: 'b' },
    ]);
    expect(requests.map((r) => r.statements[0]!.text)).toEqual([
      "REPLACE INTO t VALUES (1, 'approve-me')",
      "REPLACE INTO t VALUES (2, 'nope')",
    ]);
    await c.end();
  });
});

describe('commands', () => {
  it('relays several result sets of a procedure (text and binary protocol)', async () => {
    const c = await open();
    const [text] = await c.query('CALL two()');
    expect(text).toEqual([
      [{ id: 1 }, { id: 2 }],
      [{ s: 'second' }],
      expect.objectContaining({ affectedRows: 0 }),
    ]);
    const [binary] = await c.execute('CALL two()');
    expect(binary).toEqual([
      [{ id: 1 }, { id: 2 }],
      [{ s: 'second' }],
      expect.objectContaining({ affectedRows: 0 }),
    ]);
    expect((await c.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
    await c.end();
  });

  it('never lets the server read a client file (LOAD DATA LOCAL)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'guardrail-infile-')), 'secret.csv');
    writeFileSync(file, '99,secret\n');
    const target = { host: gw.host, port: gw.port, user: gw.user, password: gw.password, database: 'app' };
    const out = await mariadbCli(
      target,
      `LOAD DATA LOCAL INFILE '${file}' INTO TABLE t FIELDS TERMINATED BY ',';\n`,
      ['--local-infile=1'],
    );
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/ERROR/);
    expect(
      Number((await db.admin<{ n: number }[]>('SELECT COUNT(*) AS n FROM app.t WHERE id = 99'))[0]!.n),
    ).toBe(0);
  });

  it('re-authenticates COM_CHANGE_USER against the gateway credentials and resets the session', async () => {
    const c = await open();
    await c.query('SET @v = 1');
    await c.changeUser({ user: gw.user, password: gw.password, database: 'mysql' });
    expect((await c.query('SELECT @v AS v, DATABASE() AS d'))[0]).toEqual([{ v: null, d: 'mysql' }]);
    await expect(c.changeUser({ user: gw.user, password: 'wrong' })).rejects.toMatchObject({ errno: 1045 });
    c.destroy();
    const other = await open();
    await expect(other.changeUser({ user: db.user, password: db.password })).rejects.toMatchObject({
      errno: 1045,
    });
    other.destroy();
  });

  it('records parameters sent as long data (COM_STMT_SEND_LONG_DATA, mariadb connector streams)', async () => {
    const c = await mariadb.createConnection({
      host: gw.host,
      port: gw.port,
      user: gw.user,
      password: gw.password,
      database: 'app',
    });
    const { Readable } = await import('node:stream');
    await c.execute('INSERT INTO t (id, v) VALUES (?, ?)', [
      7,
      Readable.from([Buffer.from('long-'), Buffer.from('data')]),
    ]);
    expect(await c.query('SELECT v FROM t WHERE id = 7')).toEqual([{ v: 'long-data' }]);
    await c.query('DELETE FROM t WHERE id = 7');
    await c.end();
    const executed = recorder.lines.find(
      (l) =>
        l.type === 'statement' &&
        l.via === 'prepared' &&
        l.text.startsWith('INSERT INTO t (id, v)') &&
        l.params,
    );
    expect(executed).toMatchObject({ params: [7, '[long data, 9 bytes]'] });
  });

  it('passes COM_PING and COM_RESET_CONNECTION on, and the session state follows the reset', async () => {
    const c = await mariadb.createConnection({
      host: gw.host,
      port: gw.port,
      user: gw.user,
      password: gw.password,
      database: 'app',
    });
    await c.ping();
    await c.query("SET SESSION sql_mode = 'ANSI_QUOTES'");
    await c.query('SET @v = 5');
    await c.reset();
    expect(await c.query('SELECT @v AS v, @@SESSION.sql_mode = @@GLOBAL.sql_mode AS same')).toEqual([
      { v: null, same: 1 },
    ]);
    await c.end();
  });
});

describe('flow control', () => {
  it('holds a large result at the database while the client does not read (bounded memory)', async () => {
    const rows = 100_000;
    const { socket } = await rawMysqlLogin(gw);
    socket.pause();
    global.gc?.();
    const baseline = process.memoryUsage().arrayBuffers;
    socket.write(packet(Buffer.from(`\x03SELECT REPEAT('x', 1000) FROM seq_1_to_${rows}`, 'latin1'), 0));
    // Give the database time to push as much as the gateway would take.
    await new Promise((r) => setTimeout(r, 1500));
    const held = process.memoryUsage().arrayBuffers - baseline;
    expect(held).toBeLessThan(32 * 1024 * 1024);
    let received = 0;
    const done = new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= rows * 1004) resolve();
      });
    });
    socket.resume();
    await done;
    expect(received).toBeGreaterThanOrEqual(rows * 1004);
    socket.destroy();
  });
});

describe('client character sets', () => {
  it('reads statements in the character set the server reads them in, from the login or SET NAMES', async () => {
    // In GBK, 0xBF5C is one character: a UTF-8 reading would take its 0x5C for a backslash.
    const gbk = await open({ charset: 'GBK_CHINESE_CI' });
    expect((await gbk.query("SELECT '\u7e17' AS c"))[0]).toEqual([{ c: '\u7e17' }]);
    await gbk.query('SET NAMES utf8mb4');
    expect((await gbk.query("SELECT '\u00e9' AS e"))[0]).toEqual([{ e: '\u00e9' }]);
    await gbk.end();
    const c = await open();
    await c.query('SET NAMES koi8r');
    const [rows] = await c.query('SELECT @@character_set_client AS cs');
    expect(rows).toEqual([{ cs: 'koi8r' }]);
    // A character set the gateway does not decode exactly: non-ASCII text is refused.
    await expect(c.query("SELECT 'x\u0436'")).rejects.toMatchObject({
      errno: 1142,
      message: expect.stringMatching(/koi8r is not one the gateway decodes exactly/),
    });
    c.destroy();
  });

  it('reads statements in the character set a COM_CHANGE_USER asks for (GBK), so a statement hidden by a misreading is still seen', async () => {
    await db.admin('CREATE TABLE app.cu_canary (id INT); INSERT INTO app.cu_canary VALUES (1)');
    const c = await open({ multipleStatements: true });
    await c.changeUser({ user: gw.user, password: gw.password, database: 'app', charset: 'GBK_CHINESE_CI' });
    // The near miss: GBK text whose 0xBF5C a UTF-8 reading would take for a backslash.
    expect((await c.query("SELECT '\u7e17' AS c"))[0]).toEqual([{ c: '\u7e17' }]);
    // Read as UTF-8 this is one SELECT of a string; the server (GBK) reads a SELECT and a DROP.
    await expect(c.query("SELECT '\u7e17'; DROP TABLE app.cu_canary -- '")).rejects.toMatchObject({
      message: expect.stringMatching(/drop-table/),
    });
    c.destroy();
    expect(await db.admin('SELECT id FROM app.cu_canary')).toEqual([{ id: 1 }]);
  });
});
