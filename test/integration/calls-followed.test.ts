// What a statement sets in motion on a real PostgreSQL, through the gateway with a side
// connection: the impact estimate never evaluates what is being judged, and calls behind calls
// (functions created earlier, on another connection) are read from the catalog to a fixed point.
// Every refusal is proved from the server's own state: the other session alive, no advisory
// lock taken, the table still there.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    CREATE TABLE t (id int PRIMARY KEY);
    INSERT INTO t SELECT generate_series(1, 10);
    CREATE TABLE keepme (id int);
    CREATE TABLE victim (id int PRIMARY KEY);
    INSERT INTO victim SELECT generate_series(1, 10);
    ANALYZE victim;
    -- Terminates the session named 'bystander' when evaluated.
    CREATE FUNCTION evil() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bystander';
            RETURN 0; END $$;
    -- Takes a session-level advisory lock (it outlives the estimate's rolled-back transaction);
    -- no rule names it, so only the estimate's proof stands between it and the side connection.
    CREATE FUNCTION locker() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock(4242); RETURN 0; END $$;
    -- Only reads: proved, so the estimate counts with it.
    CREATE FUNCTION cutoff() RETURNS int LANGUAGE sql STABLE AS $$ SELECT max(id) - 3 FROM t $$;
    CREATE FUNCTION reads_through() RETURNS int LANGUAGE plpgsql STABLE AS $$
      DECLARE v int; BEGIN SELECT cutoff() INTO v; RETURN v; END $$;
    -- Two levels: outer_fn() looks harmless, helper_fn() drops a table.
    CREATE FUNCTION helper_fn() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE keepme; END $$;
    CREATE FUNCTION outer_fn() RETURNS void LANGUAGE sql AS $$ SELECT helper_fn() $$;
    CREATE FUNCTION trig_fn() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM outer_fn(); RETURN NEW; END $$;
    -- Native code under a new name (here a harmless built-in; it could as well be a dangerous one).
    CREATE FUNCTION my_now() RETURNS timestamptz LANGUAGE internal STABLE AS 'now';
    CREATE FUNCTION wipe_text() RETURNS text LANGUAGE plpgsql AS $$
      BEGIN DROP TABLE keepme; RETURN 'a b'; END $$;
    -- A chain longer than the catalog's bound on round trips, harmless at every level.
    CREATE FUNCTION c5() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
    CREATE FUNCTION c4() RETURNS int LANGUAGE sql AS $$ SELECT c5() $$;
    CREATE FUNCTION c3() RETURNS int LANGUAGE sql AS $$ SELECT c4() $$;
    CREATE FUNCTION c2() RETURNS int LANGUAGE sql AS $$ SELECT c3() $$;
    CREATE FUNCTION c1() RETURNS int LANGUAGE sql AS $$ SELECT c2() $$;
    CREATE FUNCTION c0() RETURNS int LANGUAGE sql AS $$ SELECT c1() $$;`);
  withSide = await postgresWithSide(server, recorder);
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await server?.stop();
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  return c;
}

const rows = async (sql: string) => Number((await server.query<{ n: string }>(sql))[0]!.n);
const impactsOf = (text: string) => {
  const ids = recorder.lines.flatMap((l) => (l.type === 'statement' && l.text === text ? [l.id] : []));
  return recorder.lines.filter((l) => l.type === 'impact' && ids.includes(l.id));
};

describe('the estimate never runs what is being judged', () => {
  it('refuses a DELETE calling a function that terminates another session, which stays alive', async () => {
    const bystander = new pg.Client({ connectionString: server.url(), application_name: 'bystander' });
    await bystander.connect();
    const c = await client();
    try {
      const text = 'DELETE FROM t WHERE id > evil()';
      await expect(c.query(text)).rejects.toThrow(/exfiltration\/admin-function/);
      // Denied: not estimated at all.
      expect(impactsOf(text)).toEqual([]);
      expect((await bystander.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      expect(
        await rows("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'bystander'"),
      ).toBe(1);
      expect(await rows('SELECT count(*) AS n FROM t')).toBe(10);
    } finally {
      await c.end();
      await bystander.end();
    }
  });

  it('holds a DELETE whose WHERE calls an unproved function, and the side connection took no lock', async () => {
    const c = await client();
    try {
      const text = 'DELETE FROM t WHERE id > locker()';
      await expect(c.query(text)).rejects.toThrow(/mass-change\/rows/);
      expect(JSON.stringify(impactsOf(text))).toMatch(
        /not evaluated: via locker\(\): pg_advisory_lock\(\) is not known to be free/,
      );
      expect(
        await rows("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242"),
      ).toBe(0);
      expect(await rows('SELECT count(*) AS n FROM t')).toBe(10);
    } finally {
      await c.end();
    }
  });

  it('still estimates (and allows) a write whose functions are proved to only read', async () => {
    const c = await client();
    try {
      await c.query('BEGIN');
      const a = await c.query('DELETE FROM t WHERE id > cutoff()');
      expect(a.rowCount).toBe(3);
      // Ids 1–7 are left: reads_through() = cutoff() = 4.
      const b = await c.query('DELETE FROM t WHERE id > reads_through() - 2');
      expect(b.rowCount).toBe(5);
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
    const counted = impactsOf('DELETE FROM t WHERE id > cutoff()').map((l) => JSON.stringify(l));
    expect(counted.join('')).toMatch(/"rowsExact":3/);
    expect(await rows('SELECT count(*) AS n FROM t')).toBe(10);
  });
});

describe('calls behind calls are followed to a fixed point', () => {
  it('holds SELECT outer_fn() whose helper drops a table; the table stays', async () => {
    const c = await client();
    try {
      await expect(c.query('SELECT outer_fn()')).rejects.toThrow(/destructive\/drop-table/);
      expect(await rows("SELECT count(*) AS n FROM pg_class WHERE relname = 'keepme'")).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('holds CREATE TRIGGER on a function two calls away from a DROP; no trigger is made', async () => {
    const c = await client();
    try {
      await expect(
        c.query('CREATE TRIGGER t_ins AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION trig_fn()'),
      ).rejects.toThrow(/destructive\/drop-table/);
      expect(await rows("SELECT count(*) AS n FROM pg_trigger WHERE tgname = 't_ins'")).toBe(0);
    } finally {
      await c.end();
    }
  });

  it('treats a call beyond the bound on catalog round trips as opaque, and allows a short chain', async () => {
    const c = await client();
    try {
      await expect(c.query('SELECT c0()')).rejects.toThrow(/opaque\/dynamic-sql.*catalog was not read/);
      expect((await c.query('SELECT c3() AS v')).rows[0].v).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('treats an existing native function outside the known extensions as opaque', async () => {
    const c = await client();
    try {
      await expect(c.query('SELECT my_now()')).rejects.toThrow(
        /opaque\/procedural-language.*native \(internal\) code/,
      );
      expect((await c.query('SELECT now() IS NOT NULL AS ok')).rows[0].ok).toBe(true);
    } finally {
      await c.end();
    }
  });

  it('reads a helper replaced on another connection again once the cache is dropped by a write', async () => {
    const c = await client();
    try {
      await server.query('CREATE FUNCTION inner_ok() RETURNS int LANGUAGE sql AS $$ SELECT 7 $$');
      await server.query('CREATE FUNCTION outer_ok() RETURNS int LANGUAGE sql AS $$ SELECT inner_ok() $$');
      expect((await c.query('SELECT outer_ok() AS v')).rows[0].v).toBe(7);
      await server.query(
        'CREATE OR REPLACE FUNCTION inner_ok() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DROP TABLE keepme; RETURN 0; END $$',
      );
      // Replaced on another connection: this session runs a statement that changes nothing,
      // so only a cache that does not outlive a write here would notice. A write does.
      await c.query('CREATE TEMP TABLE scratch (i int)');
      await expect(c.query('SELECT outer_ok()')).rejects.toThrow(/destructive\/drop-table/);
      expect(await rows("SELECT count(*) AS n FROM pg_class WHERE relname = 'keepme'")).toBe(1);
    } finally {
      await c.end();
    }
  });
});

describe('built-ins that run SQL text', () => {
  it.each([
    "SELECT * FROM ts_stat('SELECT to_tsvector(wipe_text())')",
    "SELECT ts_rewrite('a'::tsquery, 'SELECT to_tsquery(wipe_text()), to_tsquery(''b'')')",
    "SELECT query_to_xml('SELECT wipe_text()', true, false, '')",
  ])('holds %s; the table stays', async (text) => {
    const c = await client();
    try {
      await expect(c.query(text)).rejects.toThrow(/destructive\/drop-table/);
      expect(await rows("SELECT count(*) AS n FROM pg_class WHERE relname = 'keepme'")).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('holds a query computed at run time, and allows a constant one that only reads', async () => {
    const c = await client();
    try {
      await expect(c.query("SELECT * FROM ts_stat(current_setting('application_name'))")).rejects.toThrow(
        /opaque\/dynamic-sql.*ts_stat\(\) runs SQL computed at run time/,
      );
      const ok = await c.query(
        "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', ''a b'')') ORDER BY word",
      );
      expect(ok.rows.map((r) => r.word)).toEqual(['a', 'b']);
    } finally {
      await c.end();
    }
  });
});

describe('a mass change is also a share of the table', () => {
  it.each([
    'INSERT INTO victim SELECT id FROM victim ON CONFLICT (id) DO UPDATE SET id = excluded.id',
    'MERGE INTO victim v USING victim s ON v.id = s.id WHEN MATCHED THEN UPDATE SET id = s.id',
    'MERGE INTO victim v USING victim s ON v.id = s.id WHEN MATCHED THEN DELETE',
    'ALTER TABLE victim ALTER COLUMN id TYPE bigint USING id * 2',
  ])('estimates %s like an UPDATE and holds it', async (text) => {
    const c = await client();
    try {
      await expect(c.query(text)).rejects.toThrow(/mass-change\/rows/);
    } finally {
      await c.end();
    }
    expect(await rows('SELECT sum(id) AS n FROM victim')).toBe(55);
    expect(
      await rows(
        "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 'victim'::regclass AND atttypid = 'int4'::regtype",
      ),
    ).toBe(1);
  });

  it('lets an upsert of one row through', async () => {
    const c = await client();
    try {
      const r = await c.query(
        'INSERT INTO victim VALUES (3) ON CONFLICT (id) DO UPDATE SET id = excluded.id',
      );
      expect(r.rowCount).toBe(1);
    } finally {
      await c.end();
    }
    expect(JSON.stringify(recorder.lines.filter((l) => l.type === 'impact'))).toMatch(
      /an upsert is estimated by the planner only/,
    );
  });

  it('holds a DELETE of every row of a 10-row table, and lets a small share through', async () => {
    const c = await client();
    try {
      await expect(c.query('DELETE FROM victim WHERE id IN (SELECT id FROM victim)')).rejects.toThrow(
        /mass-change\/rows.*50% of a table over 5 rows/,
      );
      expect(await rows('SELECT count(*) AS n FROM victim')).toBe(10);
      await c.query('BEGIN');
      expect((await c.query('DELETE FROM victim WHERE id < 3')).rowCount).toBe(2);
      expect((await c.query('DELETE FROM victim WHERE id = 5')).rowCount).toBe(1);
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
    expect(await rows('SELECT count(*) AS n FROM victim')).toBe(10);
  });
});

describe('renames', () => {
  it('holds a rename of an existing table or column, and allows one of a table this session created', async () => {
    const c = await client();
    try {
      await expect(c.query('ALTER TABLE keepme RENAME TO keepme_old')).rejects.toThrow(/destructive\/rename/);
      await expect(c.query('ALTER TABLE keepme RENAME COLUMN id TO ident')).rejects.toThrow(
        /destructive\/rename/,
      );
      await c.query('CREATE TABLE fresh (a int)');
      await c.query('ALTER TABLE fresh RENAME COLUMN a TO b');
      await c.query('ALTER TABLE fresh RENAME TO fresh2');
    } finally {
      await c.end();
    }
    expect(
      await rows(
        "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 'keepme'::regclass AND attname = 'id'",
      ),
    ).toBe(1);
    expect(
      await rows(
        "SELECT count(*) AS n FROM pg_attribute WHERE attrelid = 'fresh2'::regclass AND attname = 'b'",
      ),
    ).toBe(1);
  });
});
