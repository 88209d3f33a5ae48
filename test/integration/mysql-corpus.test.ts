// The MySQL analysis corpus through the gateway with the real analyzer and the default policy:
// every input the policy does not allow is refused when real clients send it (mysql2 text and
// prepared, the mariadb CLI), and the database is unchanged afterwards. Benign inputs pass.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { decide } from '../../src/policy/decide.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { analyzeMysql } from '../../src/sql/mysql/analyze.js';
import { UNKNOWN_SQL_MODE } from '../../src/sql/mysql/sql-mode.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type CorpusCase, corpus } from '../fixtures/mysql/corpus.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli, mysqlContext } from '../support/mysql-clients.js';

const ALLOWED_CATEGORIES = new Set(['lock-heavy']);
const refusedByDefault = (c: CorpusCase) => c.rules.some((r) => !ALLOWED_CATEGORIES.has(r.split('/')[0]!));
// A mode the server cannot be put in (the analyzer's "unknown" marker) cannot be replayed.
const replayable = (c: CorpusCase) => c.mode !== UNKNOWN_SQL_MODE;
const harmful = corpus.filter((c) => refusedByDefault(c) && replayable(c));
const benign = corpus.filter((c) => c.rules.length === 0 && replayable(c));

let db: MariaDbServer;
let gw: MysqlGateway;
const policy = defaultPolicy();

const SCHEMA = `
CREATE TABLE app.users (id INT PRIMARY KEY, email VARCHAR(100), name VARCHAR(100), age INT);
CREATE TABLE app.t (id INT PRIMARY KEY, a INT, b INT, c INT, name VARCHAR(20), KEY i (a));
CREATE TABLE app.a (id INT, x INT);
CREATE TABLE app.b (id INT);
CREATE TABLE app.t1 (a INT, b INT);
CREATE TABLE app.t2 (a INT, c INT);
CREATE TABLE app.u (a INT);
CREATE TABLE app.staging (id INT PRIMARY KEY, email VARCHAR(100), name VARCHAR(100), age INT);
CREATE TABLE app.logs (id INT, d DATE) PARTITION BY RANGE (YEAR(d)) (PARTITION p0 VALUES LESS THAN (2020), PARTITION p1 VALUES LESS THAN MAXVALUE);
CREATE TABLE app.sessions (id INT, expires_at DATETIME);
INSERT INTO app.users VALUES (1, 'a@example.com', 'a', 30), (2, 'b@example.com', 'b', 40);
INSERT INTO app.t VALUES (1, 1, 1, 1, 'x'), (5, 2, 2, 2, 'y');
INSERT INTO app.a VALUES (1, 1); INSERT INTO app.b VALUES (1); INSERT INTO app.t1 VALUES (1, 1); INSERT INTO app.t2 VALUES (1, 1);
INSERT INTO app.staging VALUES (1, 'evil@example.com', 'evil', 1);
INSERT INTO app.logs VALUES (1, '2019-01-01'), (2, '2024-01-01');
CREATE VIEW app.v AS SELECT id FROM app.users;
CREATE PROCEDURE app.p() SELECT 1;
CREATE FUNCTION app.f() RETURNS INT DETERMINISTIC RETURN 1;
CREATE TRIGGER app.tr AFTER INSERT ON app.a FOR EACH ROW SET @x = 1;
CREATE EVENT app.e ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1;
CREATE SEQUENCE app.s;
CREATE DATABASE scratch;
`;

async function snapshot(): Promise<string> {
  const q = (sql: string) => db.admin<Record<string, unknown>[]>(sql);
  const tables = await q(
    "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app' ORDER BY TABLE_NAME",
  );
  const checksums = await q(
    `CHECKSUM TABLE ${tables
      .filter((t) => t.TABLE_TYPE === 'BASE TABLE')
      .map((t) => `app.\`${t.TABLE_NAME}\``)
      .join(', ')}`,
  );
  return JSON.stringify({
    schemas: await q('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1'),
    tables,
    checksums,
    columns: await q(
      "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'app' ORDER BY 1, 2",
    ),
    indexes: await q(
      "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'app' ORDER BY 1, 2, 3",
    ),
    partitions: await q(
      "SELECT TABLE_NAME, PARTITION_NAME, TABLE_ROWS FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = 'app' ORDER BY 1, 2",
    ),
    routines: await q(
      "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'app' ORDER BY 1",
    ),
    triggers: await q("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'app'"),
    events: await q("SELECT EVENT_NAME, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'app'"),
    users: await q('SELECT User, Host, plugin FROM mysql.user ORDER BY 1, 2'),
    grants: await q("SHOW GRANTS FOR 'app'@'%'"),
    globals: await q(
      "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES WHERE VARIABLE_NAME IN ('MAX_CONNECTIONS', 'GENERAL_LOG', 'SQL_MODE') ORDER BY 1",
    ),
    plugins: await q(
      "SELECT PLUGIN_NAME FROM information_schema.PLUGINS WHERE PLUGIN_STATUS = 'ACTIVE' ORDER BY 1",
    ),
  });
}

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(SCHEMA);
  gw = await startMysqlGateway({
    upstream: `${db.url()}?ssl-mode=disable`,
    context: await mysqlContext(new MemoryRecorder(), {
      analyze: analyzeMysql,
      decide: (analysis) => decide(analysis, policy),
    }),
    tls: false,
  });
});
afterAll(async () => {
  await gw?.close();
  await db?.stop();
});

async function connect(mode: string | undefined, database = 'app'): Promise<mysql.Connection> {
  const c = await mysql.createConnection({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database,
    multipleStatements: true,
  });
  if (mode) await c.query(`SET SESSION sql_mode = '${mode}'`);
  return c;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { errno?: number; message: string }) => e,
  );

describe('the MySQL corpus through the gateway', () => {
  it('has cases to replay', () => {
    expect(harmful.length).toBeGreaterThan(100);
    expect(benign.length).toBeGreaterThan(50);
  });

  it('refuses every harmful input (mysql2 text and prepared) and leaves the database unchanged', async () => {
    const before = await snapshot();
    const notRefused: string[] = [];
    for (const c of harmful) {
      const conn = await connect(c.mode);
      try {
        const text = await failure(conn.query(c.sql));
        if (text?.errno !== 1142 || !text.message.startsWith('guardrail: '))
          notRefused.push(`query: ${c.sql}`);
        const prepared = await failure(conn.execute(c.sql));
        if (prepared?.errno !== 1142 || !prepared.message.startsWith('guardrail: '))
          notRefused.push(`execute: ${c.sql}`);
      } finally {
        conn.destroy();
      }
    }
    expect(notRefused).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses every harmful input sent by the mariadb CLI (comments kept, one query per case)', async () => {
    const before = await snapshot();
    // One CLI run per case: the CLI's own lexer would let an unterminated quote in one case
    // swallow the next ones. `USE …` lines are the CLI's own command (COM_INIT_DB), not SQL.
    const cases = harmful.filter((c) => !/^use\s/i.test(c.sql));
    const notRefused: string[] = [];
    const target = { host: gw.host, port: gw.port, user: gw.user, password: gw.password, database: 'app' };
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(
        cases.slice(i, i + 4).map(async (c) => {
          const script = [
            'DELIMITER $$',
            ...(c.mode ? [`SET SESSION sql_mode = '${c.mode}'$$`] : []),
            `${c.sql}$$`,
            '',
          ];
          const out = await mariadbCli(target, script.join('\n'), ['--comments']);
          if (out.code === 0 || !/^ERROR 1142 \(42000\) at line \d+: guardrail: /m.test(out.stderr))
            notRefused.push(`${c.sql} → ${out.stderr.trim()}`);
        }),
      );
    }
    expect(notRefused).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('lets every benign input through (errors, if any, come from the server)', async () => {
    const refused: string[] = [];
    for (const c of benign) {
      const conn = await connect(c.mode, 'scratch');
      try {
        const e = await failure(conn.query(c.sql));
        if (e?.message.startsWith('guardrail: ')) refused.push(`${c.sql} → ${e.message}`);
      } finally {
        conn.destroy();
      }
    }
    expect(refused).toEqual([]);
  });

  it('follows session state across separate commands (sql_mode, SQL-level PREPARE)', async () => {
    const before = await snapshot();
    const trick = "SELECT 'a\\'; DROP TABLE users; -- '";
    const sequences: { setup: (c: mysql.Connection) => Promise<unknown>; sql: string; refused: boolean }[] = [
      { setup: async () => undefined, sql: trick, refused: false },
      { setup: (c) => c.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"), sql: trick, refused: true },
      {
        setup: async (c) => {
          await c.query("SET @m = 'NO_BACKSLASH_ESCAPES'");
          await c.query('SET sql_mode = @m');
        },
        sql: trick,
        refused: true,
      },
      // Through the binary protocol: the SET runs at COM_STMT_EXECUTE.
      { setup: (c) => c.execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"), sql: trick, refused: true },
      { setup: (c) => c.query("SET sql_mode = 'ANSI_QUOTES'"), sql: 'DROP TABLE "users"', refused: true },
      // A statement prepared from a literal earlier is known when EXECUTE comes.
      { setup: (c) => c.query("PREPARE st FROM 'SELECT 1'"), sql: 'EXECUTE st', refused: false },
      { setup: async () => undefined, sql: 'EXECUTE st', refused: true },
    ];
    const wrong: string[] = [];
    for (const [i, seq] of sequences.entries()) {
      const conn = await connect(undefined);
      try {
        await seq.setup(conn);
        const e = await failure(conn.query(seq.sql));
        const refused = e?.errno === 1142 && e.message.startsWith('guardrail: ');
        if (refused !== seq.refused) wrong.push(`#${i} ${seq.sql}: ${e?.message ?? 'ran'}`);
      } finally {
        conn.destroy();
      }
    }
    expect(wrong).toEqual([]);
    expect(await snapshot()).toBe(before);
  });
});
