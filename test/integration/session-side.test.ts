// The session's side-connection features against a real PostgreSQL: bodies of user functions
// that already exist are read from the catalog before a call is judged, and UPDATE/DELETE get
// an impact estimate that turns a mass change into a review.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresGateway } from '../../src/gateway/postgres/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { postgresWithSide } from '../support/side-gateway.js';

let server: PgServer;
let gateway: PostgresGateway;
let side: Awaited<ReturnType<typeof postgresWithSide>>['side'];
let close: (() => Promise<void>) | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE TABLE audit (id int);
    INSERT INTO audit SELECT generate_series(1, 10);
    CREATE TABLE big (id int PRIMARY KEY, v int);
    INSERT INTO big SELECT g, 0 FROM generate_series(1, 2000) g;
    ANALYZE big;
    CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM audit; END $$;
    CREATE FUNCTION harmless() RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int FROM audit $$;`);
  ({ gateway, side, close } = await postgresWithSide(server, recorder));
});

afterAll(async () => {
  await close?.();
  await server?.stop();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  return c;
}

const auditRows = async () =>
  Number((await server.query<{ n: string }>('SELECT count(*) AS n FROM audit'))[0]!.n);

describe('function bodies from the catalog', () => {
  it('judges a call to an existing function by its body and refuses it', async () => {
    const c = await client();
    try {
      await expect(c.query('SELECT purge()')).rejects.toThrow(/destructive\/delete-without-where/);
      expect(await auditRows()).toBe(10);
      expect((await c.query('SELECT harmless() AS n')).rows[0].n).toBe(10);
    } finally {
      await c.end();
    }
  });

  it('sees a function another session created after a call found nothing', async () => {
    const a = await client();
    const b = await client();
    try {
      await expect(a.query('SELECT wipe_later()')).rejects.toThrow(/does not exist/);
      await b.query(
        `CREATE FUNCTION wipe_later() RETURNS void LANGUAGE sql AS $$ DELETE FROM audit WHERE true $$`,
      );
      await expect(a.query('SELECT wipe_later()')).rejects.toThrow(/guardrail/);
      expect(await auditRows()).toBe(10);
    } finally {
      await a.end();
      await b.end();
    }
  });
});

describe('impact estimates', () => {
  it('holds an UPDATE estimated above the threshold and lets a small one through', async () => {
    const c = await client();
    try {
      await expect(c.query('UPDATE big SET v = v + 1 WHERE id > 0')).rejects.toThrow(/mass-change\/rows/);
      const changed = await server.query<{ n: string }>('SELECT count(*) AS n FROM big WHERE v <> 0');
      expect(Number(changed[0]!.n)).toBe(0);
      const small = await c.query('UPDATE big SET v = 7 WHERE id = 5');
      expect(small.rowCount).toBe(1);
    } finally {
      await c.end();
    }
    const impacts = recorder.lines.filter((l) => l.type === 'impact');
    expect(impacts.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(impacts)).toMatch(/update public\.big|update big/);
  });
  // Drivers bind values (node-postgres, JDBC, pgbench -M prepared): the Parse is judged before
  // the values exist, so a write that no unique key bounds is estimated at each Bind, with its values.
  it('estimates statements with placeholders with the values each execution binds, unnamed and named', async () => {
    const c = await client();
    try {
      const one = await c.query('UPDATE big SET v = $1 WHERE id = $2', [3, 9]);
      expect(one.rowCount).toBe(1);
      const named = { name: 'bump', text: 'UPDATE big SET v = v + 1 WHERE id = $1' };
      expect((await c.query({ ...named, values: [10] })).rowCount).toBe(1);
      expect((await c.query({ ...named, values: [11] })).rowCount).toBe(1);
      // v = 0 in every row: the count with this execution's value is the whole table.
      await expect(c.query('DELETE FROM big WHERE v = $1', [0])).rejects.toThrow(/mass-change\/rows/);
      expect(Number((await server.query<{ n: string }>('SELECT count(*) AS n FROM big'))[0]!.n)).toBe(2000);
    } finally {
      await c.end();
    }
    const impacts = recorder.lines.filter((l) => l.type === 'impact').map((l) => JSON.stringify(l));
    // `id = $n` fixes the primary key: one row at most, nothing to plan.
    expect(impacts.filter((l) => l.includes('unique key (id)')).length).toBeGreaterThanOrEqual(2);
    expect(impacts.filter((l) => l.includes('estimated at each execution')).length).toBeGreaterThanOrEqual(1);
    expect(impacts.filter((l) => l.includes('"rowsExact":2000')).length).toBeGreaterThanOrEqual(1);
    expect(impacts.join('\n')).not.toMatch(/there is no parameter/);
    // The side connection's own prepared statement does not outlive the estimate.
    const left = await side.query('SELECT count(*) AS n FROM pg_prepared_statements');
    expect(Number(left.rows[0]!.n)).toBe(0);
  });
});
