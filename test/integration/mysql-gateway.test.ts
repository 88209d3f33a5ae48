// The MySQL gateway against a real MariaDB with real drivers (mysql2, mariadb): results equal
// the direct ones, refused statements never reach the database, and the transcript records
// prepared-statement parameters and verifies.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import type { AnalysisContext } from '../../src/sql/types.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mysqlContext } from '../support/mysql-clients.js';

let db: MariaDbServer;
let gw: MysqlGateway;
let recorder: FileRecorder;
const modes: { text: string; sqlMode: string | undefined }[] = [];

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin('SET GLOBAL max_allowed_packet = 64 * 1024 * 1024');
  await db.admin(
    `CREATE TABLE app.t (id INT PRIMARY KEY, name VARCHAR(100), amount DECIMAL(10,2), created DATETIME(3), data BLOB);
     INSERT INTO app.t VALUES (1, 'alice', 10.50, '2024-01-02 03:04:05.678', x'00ff10'), (2, 'bob', NULL, NULL, NULL);`,
  );
  recorder = new FileRecorder(join(mkdtempSync(join(tmpdir(), 'guardrail-mysql-')), 'transcript.jsonl'));
  const base = await mysqlContext(recorder);
  gw = await startMysqlGateway({
    upstream: `${db.url()}?ssl-mode=disable`,
    context: {
      ...base,
      analyze: (text, ctx: AnalysisContext) => {
        modes.push({ text, sqlMode: ctx.sqlMode });
        return base.analyze(text, ctx);
      },
      redactParams: (p) => p,
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await db?.stop();
});

const viaGateway = (extra: mysql.ConnectionOptions = {}) =>
  mysql.createConnection({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database: 'app',
    ...extra,
  });
const direct = (extra: mysql.ConnectionOptions = {}) => db.connect(extra);
const count = async (sql = 'SELECT COUNT(*) AS n FROM app.t') =>
  Number((await db.admin<{ n: number }[]>(sql))[0]!.n);

function lines(): TranscriptLine[] {
  recorder.flush();
  return readTranscript(readFileSync(recorder.path, 'utf8')).lines;
}

describe('mysql2 through the gateway', () => {
  it('returns the same text and binary results as a direct connection', async () => {
    const g = await viaGateway();
    const d = await direct();
    for (const c of [g, d]) await c.query('SET time_zone = "+00:00"');
    const queries: [string, (string | number | null)[]][] = [
      ['SELECT * FROM t ORDER BY id', []],
      ['SELECT id, name, amount FROM t WHERE id = ? OR name = ?', [1, 'bob']],
      ['SELECT ? AS a, ? AS b, ? AS c, ? AS d', [-5, 'x\u00e9', null, 3.25]],
      ['SHOW VARIABLES LIKE "sql_mode"', []],
    ];
    for (const [sql, params] of queries) {
      const [viaText] = await g.query(sql, params);
      expect(viaText).toEqual((await d.query(sql, params))[0]);
      const [viaBinary] = await g.execute(sql, params);
      expect(viaBinary).toEqual((await d.execute(sql, params))[0]);
    }
    await g.end();
    await d.end();
  });

  it('runs multi-statement strings and reports every result', async () => {
    const g = await viaGateway({ multipleStatements: true });
    const [results] = await g.query(
      'SELECT 1 AS a; SELECT name FROM t WHERE id = 2; SET @x = 5; SELECT @x AS x',
    );
    expect(results).toEqual([
      [{ a: 1 }],
      [{ name: 'bob' }],
      expect.objectContaining({ affectedRows: 0 }),
      [{ x: 5 }],
    ]);
    // An error in the middle ends the batch, as on a direct connection.
    await expect(g.query('SELECT 1; SELECT * FROM missing_table; SELECT 3')).rejects.toThrow(/missing_table/);
    const [after] = await g.query('SELECT 4 AS four');
    expect(after).toEqual([{ four: 4 }]);
    await g.end();
  });

  it('refuses a destructive statement with ERR 1142 and keeps the connection usable', async () => {
    const g = await viaGateway();
    const err = await g.query('DROP TABLE t').then(
      () => undefined,
      (e: { errno: number; sqlState: string; message: string }) => e,
    );
    expect(err).toMatchObject({ errno: 1142, sqlState: '42000' });
    expect(err?.message).toMatch(/^guardrail: denied by policy \(destructive\/drop-table\)/);
    expect(await count()).toBe(2);
    const [rows] = await g.query('SELECT COUNT(*) AS n FROM t');
    expect(rows).toEqual([{ n: 2 }]);
    await g.end();
  });

  it('refuses inside a transaction without disturbing it', async () => {
    const g = await viaGateway();
    await g.query('BEGIN');
    await g.query("INSERT INTO t (id, name) VALUES (10, 'in-tx')");
    await expect(g.query('TRUNCATE TABLE t')).rejects.toThrow(/guardrail/);
    await g.query("INSERT INTO t (id, name) VALUES (11, 'in-tx-2')");
    await g.query('COMMIT');
    expect(await count('SELECT COUNT(*) AS n FROM app.t WHERE id IN (10, 11)')).toBe(2);
    const statements = lines().filter((l) => l.type === 'statement' && /TRUNCATE|in-tx-2/.test(l.text));
    expect(statements.map((l) => l.type === 'statement' && l.inTransaction)).toEqual([true, true]);
    await g.query('DELETE FROM t WHERE id IN (10, 11)');
    await g.end();
  });

  it('refuses a whole multi-statement string when one statement is refused (nothing runs)', async () => {
    const g = await viaGateway({ multipleStatements: true });
    await expect(
      g.query("INSERT INTO t (id, name) VALUES (20, 'x'); DROP TABLE t; SELECT 1"),
    ).rejects.toThrow(/guardrail: denied/);
    expect(await count('SELECT COUNT(*) AS n FROM app.t WHERE id = 20')).toBe(0);
    expect(await count()).toBe(2);
    await g.end();
  });

  it('refuses at prepare time and the statement is never prepared upstream', async () => {
    const g = await viaGateway();
    const before = await count(
      "SELECT VARIABLE_VALUE AS n FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_STMT_PREPARE'",
    );
    await expect(g.prepare('DELETE FROM t')).rejects.toMatchObject({ errno: 1142 });
    const after = await count(
      "SELECT VARIABLE_VALUE AS n FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'COM_STMT_PREPARE'",
    );
    expect(after).toBe(before);
    const [rows] = await g.execute('SELECT name FROM t WHERE id = ?', [1]);
    expect(rows).toEqual([{ name: 'alice' }]);
    expect(await count()).toBe(2);
    await g.end();
  });

  it('records prepared-statement parameters in a transcript that verifies', async () => {
    const g = await viaGateway();
    await g.execute('SELECT ? AS a, ? AS b, ? AS c, ? AS d', [
      42,
      'needle-param',
      null,
      new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    ]);
    await g.end();
    const all = lines();
    const executed = all.find(
      (l) => l.type === 'statement' && l.via === 'prepared' && l.params?.includes('needle-param'),
    );
    expect(executed).toMatchObject({
      text: 'SELECT ? AS a, ? AS b, ? AS c, ? AS d',
      params: [42, 'needle-param', null, expect.stringMatching(/^2024-01-0[12] /)],
    });
    const id = executed?.type === 'statement' ? executed.id : '';
    expect(all.find((l) => l.type === 'result' && l.id === id)).toMatchObject({ tag: 'RESULTSET', rows: 1 });
    expect(verifyTranscript(readFileSync(recorder.path, 'utf8'))).toMatchObject({ ok: true });
  });

  it('follows sql_mode changes so the analyzer lexes with the session mode', async () => {
    const g = await viaGateway();
    await g.query('SELECT 1');
    expect(modes.at(-1)?.sqlMode).toMatch(/STRICT_TRANS_TABLES/);
    await g.query("SET SESSION sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'");
    await g.query("SELECT 'marker-1'");
    expect(modes.find((m) => m.text.includes('marker-1'))?.sqlMode).toBe('ANSI_QUOTES,NO_BACKSLASH_ESCAPES');
    await g.query("SET @m = 'PIPES_AS_CONCAT'");
    await g.query('SET sql_mode = @m');
    await g.query("SELECT 'marker-2'");
    expect(modes.find((m) => m.text.includes('marker-2'))?.sqlMode).toBe('PIPES_AS_CONCAT');
    await g.end();
  });

  it('carries payloads larger than 16 MiB in both directions (continuation packets)', async () => {
    const g = await viaGateway();
    const big = 'x'.repeat(17 * 1024 * 1024 + 3);
    const digest = createHash('md5').update(big).digest('hex');
    await g.query('CREATE TABLE big (id INT PRIMARY KEY, v LONGTEXT)');
    await g.query('INSERT INTO big VALUES (1, ?)', [big]);
    const [text] = await g.query<mysql.RowDataPacket[]>('SELECT v, MD5(v) AS m FROM big');
    expect(text[0]!.m).toBe(digest);
    expect(
      createHash('md5')
        .update(text[0]!.v as string)
        .digest('hex'),
    ).toBe(digest);
    const [binary] = await g.execute<mysql.RowDataPacket[]>('SELECT v FROM big WHERE id = ?', [1]);
    expect((binary[0]!.v as string).length).toBe(big.length);
    const [after] = await g.query('SELECT 5 AS five');
    expect(after).toEqual([{ five: 5 }]);
    await g.query('DROP TABLE IF EXISTS nothing_here').catch(() => undefined);
    await g.end();
    await db.admin('DROP TABLE app.big');
  });

  it('rejects wrong credentials with ERR 1045', async () => {
    await expect(
      mysql.createConnection({ host: gw.host, port: gw.port, user: gw.user, password: 'wrong' }),
    ).rejects.toMatchObject({ errno: 1045, sqlState: '28000' });
    await expect(
      mysql.createConnection({ host: gw.host, port: gw.port, user: 'root', password: gw.password }),
    ).rejects.toMatchObject({ errno: 1045 });
  });
});

describe('the mariadb connector through the gateway', () => {
  const opts = () => ({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database: 'app',
  });

  it('gives the same results as a direct connection, text and prepared (pipelined)', async () => {
    const g = await mariadb.createConnection(opts());
    const d = await mariadb.createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: 'app',
    });
    const strip = (r: unknown) =>
      JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    for (const [sql, params] of [
      ['SELECT id, name, amount, created FROM t ORDER BY id', []],
      ['SELECT name FROM t WHERE id = ?', [2]],
      ['SELECT ? AS a, ? AS b', ['p', 7]],
    ] as [string, unknown[]][]) {
      expect(strip(await g.query(sql, params))).toEqual(strip(await d.query(sql, params)));
      expect(strip(await g.execute(sql, params))).toEqual(strip(await d.execute(sql, params)));
    }
    await g.end();
    await d.end();
  });

  it('refuses prepared destructive statements and keeps going', async () => {
    const g = await mariadb.createConnection(opts());
    await expect(g.execute('DELETE FROM t')).rejects.toMatchObject({ errno: 1142 });
    await expect(g.query('DROP TABLE t')).rejects.toMatchObject({ errno: 1142 });
    expect(await g.execute('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 2n }]);
    await g.end();
    expect(await count()).toBe(2);
  });
});

describe('limits', () => {
  it('ends a connection whose packet exceeds maxPacketBytes with a clear error', async () => {
    const small = await startMysqlGateway({
      upstream: `${db.url()}?ssl-mode=disable`,
      context: await mysqlContext(recorder),
      maxPacketBytes: 4096,
      tls: false,
    });
    try {
      const c = await mysql.createConnection({
        host: small.host,
        port: small.port,
        user: small.user,
        password: small.password,
      });
      await expect(c.query(`SELECT '${'y'.repeat(5000)}'`)).rejects.toThrow(
        /exceeds the gateway limit of 4096 bytes \(maxPacketBytes\)/,
      );
      c.destroy();
      const again = await mysql.createConnection({
        host: small.host,
        port: small.port,
        user: small.user,
        password: small.password,
      });
      expect((await again.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
      await again.end();
    } finally {
      await small.close();
    }
  });
});
