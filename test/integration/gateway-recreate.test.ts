// Drop and recreate in one input, through the real gateway wiring (createGatewayContext) to a
// real PostgreSQL and MariaDB: a DROP VIEW / DROP INDEX the same simple query recreates is a
// warning and runs; a DROP VIEW alone is held for review and, with nobody to approve, refused, so
// the view is still there (read from the server's own catalog).
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/gateway.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/server.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let pgServer: PgServer;
let pgGateway: PostgresGateway;
let maria: MariaDbServer;
let myGateway: MysqlGateway;
const pgRecorder = new MemoryRecorder();
const myRecorder = new MemoryRecorder();

beforeAll(async () => {
  [pgServer, maria] = await Promise.all([startPostgres(), startMariaDb()]);
  await pgServer.query(`
    CREATE TABLE events (id int PRIMARY KEY, kind text);
    CREATE INDEX events_kind_idx ON events (kind);
    CREATE VIEW recent AS SELECT id FROM events;`);
  await maria.admin(`
    CREATE TABLE app.events (id INT PRIMARY KEY, kind VARCHAR(20), KEY events_kind_idx (kind));
    CREATE VIEW app.recent AS SELECT id FROM app.events;`);
  const database = (host: string, role: string) => ({ name: 'app', host, role });
  pgGateway = await startPostgresGateway({
    upstream: pgServer.url(),
    context: await createGatewayContext({
      dialect: 'postgres',
      policy: defaultPolicy(),
      recorder: pgRecorder,
      database: database(pgServer.host, pgServer.user),
    }),
  });
  myGateway = await startMysqlGateway({
    upstream: `${maria.url()}?ssl-mode=disable`,
    context: await createGatewayContext({
      dialect: 'mysql',
      policy: defaultPolicy(),
      recorder: myRecorder,
      database: database(maria.host, maria.user),
    }),
    tls: false,
  });
}, 120_000);

afterAll(async () => {
  await pgGateway?.close();
  await myGateway?.close();
  await Promise.all([pgServer?.stop(), maria?.stop()]);
});

const pgViewColumns = async () =>
  (
    await pgServer.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'recent' ORDER BY ordinal_position",
    )
  ).map((r) => r.column_name);

describe('PostgreSQL gateway', () => {
  it('runs a DROP VIEW that the same query recreates, and an index rebuilt under its name', async () => {
    const c = new pg.Client({ connectionString: pgGateway.url });
    await c.connect();
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

describe('MariaDB gateway', () => {
  it('runs DROP INDEX IF EXISTS … ON / CREATE INDEX IF NOT EXISTS and a recreated view; refuses a lone DROP VIEW', async () => {
    const c = await mysql.createConnection({
      host: myGateway.host,
      port: myGateway.port,
      user: myGateway.user,
      password: myGateway.password,
      database: 'app',
      multipleStatements: true,
    });
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
