// The session's own temporary tables take writes without a row estimate (the side connection cannot
// see them). A temporary table can be gone by the time a write names it (DISCARD TEMP, a function
// that drops it), and the name then means a permanent table on the session's search path, which
// the side connection's own path may not find: the exemption must not hold then. Proved from the
// server: the permanent table's rows are unchanged.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PostgresGateway } from '../../src/gateway/postgres/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { postgresWithSide, type WithSide } from '../support/side-gateway.js';

let server: PgServer;
let gateway: PostgresGateway;
let withSide: WithSide<PostgresGateway> | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE SCHEMA other;
    CREATE TABLE other.scratch (id int PRIMARY KEY, v int NOT NULL);
    INSERT INTO other.scratch SELECT g, 0 FROM generate_series(1, 2000) g;
    ANALYZE other.scratch;`);
  withSide = await postgresWithSide(server, recorder);
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await server?.stop();
});

const changed = async () =>
  Number((await server.query<{ n: string }>('SELECT count(*) AS n FROM other.scratch WHERE v <> 0'))[0]!.n);

it('holds a wide write to a name whose temporary table is gone and which now means a permanent table', async () => {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  try {
    await c.query('SET search_path = other');
    await c.query('CREATE TEMP TABLE scratch (id int PRIMARY KEY, v int NOT NULL)');
    await c.query('INSERT INTO scratch SELECT g, 0 FROM generate_series(1, 3000) g');
    // While it shadows a permanent namesake the exemption does not hold either: nothing tells the
    // gateway, when the write arrives, which of the two the name still means.
    await expect(c.query('UPDATE scratch SET v = 1 WHERE id > 0')).rejects.toThrow(/mass-change\/rows/);
    await c.query('DISCARD TEMP');
    await expect(c.query('UPDATE scratch SET v = 2 WHERE id > 0')).rejects.toThrow(/mass-change\/rows/);
  } finally {
    await c.end();
  }
  expect(await changed()).toBe(0);
});

it('still lets a wide write through to a temporary table no permanent table shares a name with', async () => {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  try {
    await c.query('SET search_path = other');
    await c.query('CREATE TEMP TABLE only_mine (id int PRIMARY KEY, v int NOT NULL)');
    await c.query('INSERT INTO only_mine SELECT g, 0 FROM generate_series(1, 3000) g');
    expect((await c.query('UPDATE only_mine SET v = 1 WHERE id > 0')).rowCount).toBe(3000);
  } finally {
    await c.end();
  }
  expect(await changed()).toBe(0);
});
