// Migration judgement at run time, through the real gateway wiring (createGatewayContext, side
// connection) to a real PostgreSQL and MariaDB, proven from the servers' own catalogs:
//  - type changes judged by the column's type in the live catalog: the type the column already
//    has passes without a finding, a widening passes with a warning naming old → new, a narrowing
//    is held for review (refused here: nobody can approve) and the column keeps its type; a table
//    the session already changed inside its transaction is not trusted to the catalog;
//  - a DROP VIEW / DROP INDEX that the same input recreates is a warning and runs; a DROP VIEW
//    alone is held (refused) and the view stays.
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlSide } from '../../src/gateway/mysql/side-connection.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let pgServer: PgServer;
let maria: MariaDbServer;
let pgGateway: PostgresGateway;
let myGateway: MysqlGateway;
let pgSideConn: ReturnType<typeof postgresSide>;
let mySideConn: ReturnType<typeof mysqlSide>;
const pgRecorder = new MemoryRecorder();
const myRecorder = new MemoryRecorder();

beforeAll(async () => {
  [pgServer, maria] = await Promise.all([startPostgres(), startMariaDb()]);
  await pgServer.query(`
    CREATE TYPE state AS ENUM ('on', 'off');
    CREATE TABLE person (id int PRIMARY KEY, display_name varchar(255) NOT NULL, payload jsonb, n int, st state);
    INSERT INTO person VALUES (1, 'a long enough name', '{}', 1, 'on');
    CREATE TABLE events (id int PRIMARY KEY, kind text);
    CREATE INDEX events_kind_idx ON events (kind);
    CREATE VIEW recent AS SELECT id FROM events;`);
  await maria.admin(`
    CREATE TABLE app.person (id INT PRIMARY KEY, display_name VARCHAR(255) NOT NULL, n INT NOT NULL, st ENUM('on','off'));
    INSERT INTO app.person VALUES (1, 'a long enough name', 1, 'on');
    CREATE TABLE app.events (id INT PRIMARY KEY, kind VARCHAR(20), KEY events_kind_idx (kind));
    CREATE VIEW app.recent AS SELECT id FROM app.events;`);
  pgSideConn = postgresSide(pgServer.url());
  mySideConn = mysqlSide(maria.url());
  pgGateway = await startPostgresGateway({
    upstream: pgServer.url(),
    context: await createGatewayContext({
      dialect: 'postgres',
      policy: defaultPolicy(),
      recorder: pgRecorder,
      database: { name: 'postgres', host: pgServer.host, role: pgServer.user },
      side: { dialect: 'postgres', connection: pgSideConn },
    }),
  });
  myGateway = await startMysqlGateway({
    upstream: `${maria.url()}?ssl-mode=disable`,
    context: await createGatewayContext({
      dialect: 'mysql',
      policy: defaultPolicy(),
      recorder: myRecorder,
      database: { name: 'app', host: maria.host, role: maria.user },
      side: { dialect: 'mysql', connection: mySideConn },
    }),
    tls: false,
  });
}, 120_000);

afterAll(async () => {
  await pgGateway?.close();
  await myGateway?.close();
  await pgSideConn?.close();
  await mySideConn?.close();
  await Promise.all([pgServer?.stop(), maria?.stop()]);
});

async function pgClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: pgGateway.url });
  await c.connect();
  return c;
}

const myClient = () =>
  mysql.createConnection({
    host: myGateway.host,
    port: myGateway.port,
    user: myGateway.user,
    password: myGateway.password,
    database: 'app',
    multipleStatements: true,
  });

/** The findings of the last verdict whose statement text contains `needle`. */
function verdictOf(recorder: MemoryRecorder, needle: string): TranscriptLine & { type: 'verdict' } {
  const stmt = recorder.lines.filter((l) => l.type === 'statement' && l.text.includes(needle)).at(-1);
  const v = recorder.lines.find(
    (l) => l.type === 'verdict' && stmt?.type === 'statement' && l.id === stmt.id,
  );
  if (v?.type !== 'verdict') throw new Error(`no verdict for ${needle}`);
  return v;
}

const pgType = async (column: string) =>
  (
    await pgServer.query<{ t: string }>(
      `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'person'::regclass AND attname = '${column}'`,
    )
  )[0]?.t;

describe('PostgreSQL: old type from the catalog', () => {
  it('same type: nothing; widening: old → new warning; narrowing: held, column unchanged', async () => {
    const c = await pgClient();
    try {
      await c.query('ALTER TABLE person ALTER COLUMN payload TYPE jsonb');
      expect(verdictOf(pgRecorder, 'payload TYPE jsonb').findings).toEqual([]);
      await c.query('ALTER TABLE person ALTER COLUMN n TYPE bigint');
      expect(verdictOf(pgRecorder, 'n TYPE bigint').findings.map((f) => f.message)).toEqual([
        'type change of person.n (integer → bigint) rewrites person under lock',
      ]);
      expect(await pgType('n')).toBe('bigint');
      await expect(c.query('ALTER TABLE person ALTER COLUMN display_name TYPE varchar(40)')).rejects.toThrow(
        /destructive\/narrowing-type/,
      );
      await expect(
        c.query("ALTER TABLE person ALTER COLUMN st TYPE boolean USING st = 'on'"),
      ).rejects.toThrow(/destructive\/narrowing-type/);
      expect(verdictOf(pgRecorder, 'st TYPE boolean').findings.map((f) => f.rule)).toContain(
        'destructive/narrowing-type',
      );
      expect(await pgType('display_name')).toBe('character varying(255)');
      expect(await pgType('st')).toBe('state');
    } finally {
      await c.end();
    }
  });

  it('a table the session changed inside its transaction is not judged by the catalog', async () => {
    const c = await pgClient();
    try {
      await c.query('BEGIN');
      await c.query('ALTER TABLE person ALTER COLUMN display_name TYPE text');
      // The side connection still sees varchar(255): the session's own change makes it unknown.
      await c.query('ALTER TABLE person ALTER COLUMN display_name TYPE varchar(255)');
      expect(verdictOf(pgRecorder, 'display_name TYPE varchar(255)').findings.map((f) => f.message)).toEqual([
        expect.stringContaining('its old type is unknown here'),
      ]);
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
  });
});

describe('MariaDB: old type from the catalog', () => {
  it('MODIFY to the same type and nullability: nothing; narrowing: held, column unchanged', async () => {
    const c = await myClient();
    try {
      await c.query('ALTER TABLE person MODIFY n INT NOT NULL');
      expect(verdictOf(myRecorder, 'MODIFY n INT').findings).toEqual([]);
      await expect(c.query('ALTER TABLE person MODIFY display_name VARCHAR(40) NOT NULL')).rejects.toThrow(
        /destructive\/narrowing-type/,
      );
      expect(verdictOf(myRecorder, 'VARCHAR(40)').findings.map((f) => f.message)).toContainEqual(
        'type change of person.display_name: varchar(255) → varchar(40) can truncate, round or reject existing values',
      );
      await expect(c.query('ALTER TABLE person MODIFY st BOOLEAN')).rejects.toThrow(
        /destructive\/narrowing-type/,
      );
    } finally {
      await c.end();
    }
    const cols = await maria.admin<{ COLUMN_NAME: string; COLUMN_TYPE: string }[]>(
      "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'person' ORDER BY ORDINAL_POSITION",
    );
    expect(cols.map((r) => `${r.COLUMN_NAME} ${r.COLUMN_TYPE}`)).toEqual([
      'id int(11)',
      'display_name varchar(255)',
      'n int(11)',
      "st enum('on','off')",
    ]);
  });
});

const pgViewColumns = async () =>
  (
    await pgServer.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'recent' ORDER BY ordinal_position",
    )
  ).map((r) => r.column_name);

describe('PostgreSQL: drop and recreate in one input', () => {
  it('runs a DROP VIEW that the same query recreates, and an index rebuilt under its name', async () => {
    const c = await pgClient();
    try {
      await c.query('DROP VIEW recent; CREATE VIEW recent AS SELECT id, kind FROM events');
      expect(await pgViewColumns()).toEqual(['id', 'kind']);
      await c.query('DROP INDEX events_kind_idx; CREATE INDEX events_kind_idx ON events (kind, id)');
      const idx = await pgServer.query<{ indexdef: string }>(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'events_kind_idx'",
      );
      expect(idx[0]?.indexdef).toContain('(kind, id)');
      // A DROP VIEW alone is held; nobody can approve here, so it is refused and the view stays.
      await expect(c.query('DROP VIEW recent')).rejects.toThrow(/destructive\/drop-view/);
      expect(await pgViewColumns()).toEqual(['id', 'kind']);
    } finally {
      await c.end();
    }
    const warned = pgRecorder.lines.filter(
      (e) => e.type === 'verdict' && JSON.stringify(e).includes('destructive/drop-recreated'),
    );
    expect(warned.length).toBeGreaterThanOrEqual(2);
  });
});

describe('MariaDB: drop and recreate in one input', () => {
  it('runs DROP INDEX IF EXISTS … ON / CREATE INDEX IF NOT EXISTS and a recreated view; refuses a lone DROP VIEW', async () => {
    const c = await myClient();
    try {
      await c.query(
        'DROP INDEX IF EXISTS events_kind_idx ON events; CREATE INDEX IF NOT EXISTS events_kind_idx ON events (kind, id)',
      );
      await c.query('DROP VIEW IF EXISTS recent; CREATE VIEW recent AS SELECT id, kind FROM events');
      await expect(c.query('DROP VIEW recent')).rejects.toThrow(/destructive\/drop-view/);
    } finally {
      await c.end();
    }
    const cols = await maria.admin<{ COLUMN_NAME: string }[]>(
      "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'recent' ORDER BY ORDINAL_POSITION",
    );
    expect(cols.map((r) => r.COLUMN_NAME)).toEqual(['id', 'kind']);
    const idx = await maria.admin<{ COLUMN_NAME: string }[]>(
      "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'app' AND INDEX_NAME = 'events_kind_idx' ORDER BY SEQ_IN_INDEX",
    );
    expect(idx.map((r) => r.COLUMN_NAME)).toEqual(['kind', 'id']);
    const warned = myRecorder.lines.filter(
      (e) => e.type === 'verdict' && JSON.stringify(e).includes('destructive/drop-recreated'),
    );
    expect(warned.length).toBeGreaterThanOrEqual(2);
  });
});
