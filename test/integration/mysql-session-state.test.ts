// Each way of making the analyzer and MariaDB read the same bytes differently, tried with real
// clients through the gateway (default enforce policy, no approver): the attempt is refused and
// the server's own state shows nothing ran (the canary table is intact, settings unchanged).
// The must-allow side: SET NAMES utf8mb4, latin1 clients and mysqldump-style comments pass.
import type { Socket } from 'node:net';
import mariadb from 'mariadb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseTracker } from '../../src/gateway/mysql/replies.js';
import { loadAnalyzers } from '../../src/sql/analyze.js';
import { mariadbCli, packet, rawMysqlLogin } from '../support/mysql-clients.js';
import { type Differential, startDifferential } from '../support/mysql-differential.js';

let d: Differential;

beforeAll(async () => {
  await loadAnalyzers();
  d = await startDifferential();
}, 60_000);
afterAll(async () => {
  await d?.stop();
});

const target = () => ({
  host: d.gateway.host,
  port: d.gateway.port,
  user: d.gateway.user,
  password: d.gateway.password,
  database: 'app',
});

async function canaryRows(): Promise<number> {
  const [row] = await d.server.admin<{ n: number }[]>('SELECT COUNT(*) AS n FROM app.canary');
  return Number(row!.n);
}

const refused = { errno: 1142, message: expect.stringMatching(/^guardrail: /) };

/** Sends COM_QUERY texts (exact bytes) in one write and returns each answer's first byte and text. */
async function pipelined(texts: Buffer[], collation?: number): Promise<{ ok: boolean; message: string }[]> {
  const { socket, early } = await rawMysqlLogin(target(), collation ? { collation } : {});
  return answers(socket, early, texts);
}

/** Writes the texts as COM_QUERY packets in one write; each must answer with one OK or ERR. */
async function answers(
  socket: Socket,
  early: Buffer,
  texts: Buffer[],
  raw: Buffer[] = [],
): Promise<{ ok: boolean; message: string }[]> {
  let buf = early;
  const out: { ok: boolean; message: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const take = () => {
      // Each text here answers with one OK or ERR packet (no result sets).
      while (buf.length >= 4 && buf.length >= 4 + buf.readUIntLE(0, 3)) {
        const p = buf.subarray(4, 4 + buf.readUIntLE(0, 3));
        buf = buf.subarray(4 + p.length);
        raw.push(p);
        out.push({ ok: p[0] === 0, message: p[0] === 0xff ? p.toString('utf8', 9) : '' });
        if (out.length === texts.length) resolve();
      }
    };
    socket.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      take();
    });
    socket.on('error', reject);
    socket.write(Buffer.concat(texts.map((t) => packet(Buffer.concat([Buffer.from([0x03]), t]), 0))));
    take();
  });
  socket.destroy();
  return out;
}

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('client character sets', () => {
  it('reads a GBK client as GBK: 0xBF5C does not hide a quote (mysql2)', async () => {
    const c = await mysql.createConnection({
      ...target(),
      charset: 'GBK_CHINESE_CI',
      multipleStatements: true,
    });
    // mysql2 sends U+7E17 as the GBK bytes BF 5C: the server ends the string at the next quote.
    await expect(c.query("SELECT 'x\u7e17' ; DROP TABLE canary; -- '")).rejects.toMatchObject(refused);
    expect((await c.query("SELECT 'x\u7e17' AS v"))[0]).toEqual([{ v: 'x\u7e17' }]);
    await c.end();
    expect(await canaryRows()).toBe(3);
  });

  it('holds a pipelined command until the server confirmed SET NAMES gbk (raw pipelining)', async () => {
    const attack = bytes("SELECT 'x", [0xbf, 0x5c], "' ; DROP TABLE canary; -- '");
    const answers = await pipelined([bytes('SET NAMES gbk'), attack]);
    expect(answers[0]!.ok).toBe(true);
    expect(answers[1]!.message).toMatch(/^guardrail: /);
    // In one text the switch cannot be confirmed before the rest is read: refused outright.
    const [one] = await pipelined([Buffer.concat([bytes('SET NAMES gbk; '), attack])]);
    expect(one!.message).toMatch(/may change character_set_client/);
    // The login's character set (big5, collation 1) counts from the first byte.
    const [login] = await pipelined([bytes("SELECT 'x", [0xa4, 0x5c], "' ; DELETE FROM canary; -- '")], 1);
    expect(login!.message).toMatch(/^guardrail: /);
    expect(await canaryRows()).toBe(3);
  });

  it('follows a change the session tracker does not report (SET @@character_set_client := …)', async () => {
    const answers = await pipelined([
      bytes("SET @@character_set_client := 'sjis'"),
      bytes("SELECT 'x", [0x95, 0x5c], "' ; DROP TABLE canary; -- '"),
    ]);
    expect(answers[0]!.ok).toBe(true);
    expect(answers[1]!.message).toMatch(/^guardrail: /);
    expect(await canaryRows()).toBe(3);
  });
});

describe('session tracking', () => {
  it('reads the state MariaDB reports in OK packets, and sees what it leaves out', async () => {
    const { socket, early } = await rawMysqlLogin(d.server, { capabilities: 1 << 23 });
    const raw: Buffer[] = [];
    await answers(
      socket,
      early,
      [
        "SET session_track_system_variables = 'sql_mode,character_set_client'",
        "SET sql_mode = 'ANSI_QUOTES'",
        'SET NAMES sjis',
        'USE mysql',
        "SET @@character_set_client := 'big5'",
      ].map((t) => Buffer.from(t)),
      raw,
    );
    const tracked = raw.map((p) => {
      const t = new ResponseTracker('single', false, false, true);
      t.packet(p, 0, p.length, p.length);
      return t.tracked;
    });
    expect(tracked[1]?.variables.get('sql_mode')).toBe('ANSI_QUOTES');
    expect(tracked[2]?.variables.get('character_set_client')).toBe('sjis');
    expect(tracked[3]?.schema).toBe('mysql');
    // MariaDB 10.11 changes the character set without a report: why the gateway reads it back.
    expect(tracked[4]?.variables.get('character_set_client')).toBeUndefined();
  });
});

describe('sql_mode changed by other means than a literal SET', () => {
  it('sees NO_BACKSLASH_ESCAPES set through EXECUTE before the next pipelined query (mariadb connector)', async () => {
    const c = await mariadb.createConnection({ ...target(), pipelining: true });
    const results = await Promise.allSettled([
      c.query("PREPARE s FROM 'SET sql_mode = ''NO_BACKSLASH_ESCAPES'''"),
      c.query('EXECUTE s'),
      c.query("SELECT 'a\\' ; DROP TABLE canary; -- '"),
      c.query('SELECT @@sql_mode AS m'),
    ]);
    expect(results[2]).toMatchObject({
      status: 'rejected',
      reason: { errno: 1142, sqlMessage: expect.stringMatching(/^guardrail: /) },
    });
    expect(results[3]).toMatchObject({ status: 'fulfilled', value: [{ m: 'NO_BACKSLASH_ESCAPES' }] });
    await c.end();
    expect(await canaryRows()).toBe(3);
  });

  it('judges the rest of a text under the mode the server ends up in after an executable comment (mariadb CLI)', async () => {
    // MariaDB skips /*!99999 …*/: NO_BACKSLASH_ESCAPES stays on and the string ends at the backslash.
    const script = [
      'DELIMITER $$',
      "SET sql_mode = 'NO_BACKSLASH_ESCAPES' /*!99999 , sql_mode = '' */; SELECT 'a\\' ; DROP TABLE canary; -- '$$",
      '',
    ].join('\n');
    const out = await mariadbCli(target(), script, ['--comments']);
    expect(out.stderr).toMatch(/ERROR 1142 \(42000\) at line \d+: guardrail: /);
    expect(await canaryRows()).toBe(3);
  });

  it('does not serve a statement from the shape of one whose executable comment had other version digits', async () => {
    // MariaDB runs /*!10000 …*/ and skips /*!99999 …*/: the second DELETE has no WHERE at all.
    // No current schema: a write under one is session-sensitive and never shares a shape.
    const { database: _database, ...noSchema } = target();
    const c = await mysql.createConnection(noSchema);
    await c.query('DELETE FROM app.canary /*!10000 WHERE id = 99 */');
    await expect(c.query('DELETE FROM app.canary /*!99999 WHERE id = 1 */')).rejects.toMatchObject(refused);
    await c.end();
    expect(await canaryRows()).toBe(3);
  });

  it("does not serve LIKE '%' from the shape of a narrow LIKE pattern", async () => {
    const { database: _database, ...noSchema } = target();
    const c = await mysql.createConnection(noSchema);
    await c.query("DELETE FROM app.canary WHERE CAST(id AS CHAR) LIKE '9%'");
    await expect(c.query("DELETE FROM app.canary WHERE CAST(id AS CHAR) LIKE '%'")).rejects.toMatchObject(
      refused,
    );
    await c.end();
    expect(await canaryRows()).toBe(3);
  });

  it('does not serve IF(1, …) from the shape of IF(0, …) in a WHERE', async () => {
    const { database: _database, ...noSchema } = target();
    const c = await mysql.createConnection(noSchema);
    await c.query('DELETE FROM app.canary WHERE IF(0, 1, id = 99)');
    await expect(c.query('DELETE FROM app.canary WHERE IF(1, 1, id = 99)')).rejects.toMatchObject(refused);
    await c.end();
    expect(await canaryRows()).toBe(3);
  });

  it('reads [names] as MariaDB does in MSSQL mode', async () => {
    const c = await mysql.createConnection({ ...target(), multipleStatements: true });
    await c.query("SET sql_mode = 'MSSQL'");
    await expect(c.query("SELECT 1 AS [a'] ; DROP TABLE canary; -- ']")).rejects.toMatchObject(refused);
    await c.end();
    expect(await canaryRows()).toBe(3);
  });
});

describe('names as the server normalises them', () => {
  it.each([
    ['SET `foreign_key_checks` = 0', 'foreign_key_checks'],
    ['SET @@session.`foreign_key_checks` = 0', 'foreign_key_checks'],
    ['SET @@SESSION.Sql_Log_Bin = 0', 'sql_log_bin'],
    ['SET @@session.`sql_log_bin` = 0', 'sql_log_bin'],
  ])('%s is refused and the setting stays as it was', async (sql, name) => {
    const c = await mysql.createConnection(target());
    await expect(c.query(sql)).rejects.toMatchObject(refused);
    const [[row]] = (await c.query(`SELECT @@SESSION.${name} AS v`)) as unknown as [[{ v: number }]];
    expect(Number(row.v)).toBe(1);
    await c.end();
  });
});

describe('must allow', () => {
  it('passes SET NAMES utf8mb4, latin1 text and mysqldump-style comments unchanged', async () => {
    const utf8 = await mysql.createConnection({ ...target(), multipleStatements: true });
    await utf8.query('/*!40101 SET NAMES utf8mb4 */');
    await utf8.query("INSERT INTO notes (v) VALUES ('caf\u00e9 \u2603')");
    const latin1 = await mysql.createConnection({ ...target(), charset: 'LATIN1_SWEDISH_CI' });
    await latin1.query("INSERT INTO notes (v) VALUES ('na\u00efve \u00fc')");
    const [rows] = await utf8.query('SELECT v FROM notes WHERE v LIKE ? OR v LIKE ? ORDER BY v', [
      'caf%',
      'na%',
    ]);
    expect(rows).toEqual([{ v: 'caf\u00e9 \u2603' }, { v: 'na\u00efve \u00fc' }]);
    await utf8.end();
    await latin1.end();
  });

  it('does not add session-state data to the OK packets of a client that did not ask for it', async () => {
    const { socket, early } = await rawMysqlLogin(target());
    let buf = early;
    socket.write(
      packet(Buffer.concat([Buffer.from([0x03]), Buffer.from("SET sql_mode = 'ANSI_QUOTES'")]), 0),
    );
    const ok = await new Promise<Buffer>((resolve) =>
      socket.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 4 && buf.length >= 4 + buf.readUIntLE(0, 3)) resolve(buf.subarray(4));
      }),
    );
    socket.destroy();
    expect(ok[0]).toBe(0);
    // header, affected rows, insert id, then the status flags: no SERVER_SESSION_STATE_CHANGED.
    expect(ok.readUInt16LE(3) & 0x4000).toBe(0);
    expect(ok.length).toBe(7);
  });
});
