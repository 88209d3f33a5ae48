// What existing objects fire, on a real PostgreSQL, through the gateway with a side connection:
// every object here was created on an earlier, direct connection, so only the catalog can tell
// the gateway that an INSERT runs a trigger, a DELETE a rule, a SELECT a view's function. Each
// refusal is proved from the server's state (the canary rows are all there, the bystander session
// is alive); each near miss runs and its effect is visible.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
    CREATE TABLE canary (id int);
    -- Empties the canary when it runs (volatile: data changes are allowed in it).
    CREATE FUNCTION wipe() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM canary; RETURN 1; END $$;
    CREATE FUNCTION wipe_ok(x int) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN DELETE FROM canary; RETURN true; END $$;
    -- Terminates the 'bystander' session; immutable, as a generated column requires.
    CREATE FUNCTION term(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
      BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bystander';
            RETURN x; END $$;
    CREATE FUNCTION trig_wipe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM canary; RETURN NEW; END $$;

    CREATE TABLE trig_t (id int);
    CREATE TRIGGER trig_wipe AFTER INSERT ON trig_t FOR EACH ROW EXECUTE FUNCTION trig_wipe();
    -- Two levels: a trigger writes trig_t, whose trigger empties the canary.
    CREATE TABLE chain_t (id int);
    CREATE FUNCTION chain_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO trig_t VALUES (NEW.id); RETURN NEW; END $$;
    CREATE TRIGGER chain AFTER INSERT ON chain_t FOR EACH ROW EXECUTE FUNCTION chain_fn();
    CREATE TABLE rule_t (id int);
    INSERT INTO rule_t VALUES (1);
    CREATE RULE rule_wipe AS ON DELETE TO rule_t DO ALSO DELETE FROM canary;
    CREATE TABLE rls_t (id int);
    INSERT INTO rls_t VALUES (1);
    ALTER TABLE rls_t ENABLE ROW LEVEL SECURITY;
    ALTER TABLE rls_t FORCE ROW LEVEL SECURITY;
    CREATE POLICY p ON rls_t USING (wipe_ok(id));
    CREATE TABLE def_t (id int, x int DEFAULT wipe());
    CREATE TABLE gen_t (id int, g int GENERATED ALWAYS AS (term(id)) STORED);
    CREATE DOMAIN wiped_int AS int CHECK (wipe_ok(VALUE));
    CREATE TABLE dom_t (id wiped_int);
    CREATE TABLE chk_t (id int CHECK (wipe_ok(id)));
    CREATE VIEW v_wipe AS SELECT wipe() AS w;
    CREATE VIEW v_outer AS SELECT w FROM v_wipe;
    CREATE VIEW v_ins AS SELECT id FROM canary;
    CREATE TRIGGER instead_wipe INSTEAD OF INSERT ON v_ins FOR EACH ROW EXECUTE FUNCTION trig_wipe();
    -- Native code under a new name: nothing can be read of what it does.
    CREATE FUNCTION native_trig() RETURNS trigger LANGUAGE internal AS 'suppress_redundant_updates_trigger';
    CREATE TABLE native_t (id int);
    CREATE TRIGGER native BEFORE UPDATE ON native_t FOR EACH ROW EXECUTE FUNCTION native_trig();
    INSERT INTO native_t VALUES (1);

    -- Near misses.
    CREATE TABLE audit (id int, at timestamptz);
    CREATE TABLE ok_t (id int);
    CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO audit VALUES (NEW.id, now()); RETURN NEW; END $$;
    CREATE TRIGGER audit_row AFTER INSERT ON ok_t FOR EACH ROW EXECUTE FUNCTION audit_row();
    CREATE VIEW v_ok AS SELECT lower('A') AS l, now() IS NOT NULL AS t;
    CREATE TABLE seq_t (id serial PRIMARY KEY, at timestamptz DEFAULT now(), n int CHECK (n > 0));
    CREATE TABLE own_t (id int, owner text DEFAULT current_user);
    ALTER TABLE own_t ENABLE ROW LEVEL SECURITY;
    ALTER TABLE own_t FORCE ROW LEVEL SECURITY;
    CREATE POLICY mine ON own_t USING (owner = current_user);`);
  withSide = await postgresWithSide(server, recorder);
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await server?.stop();
});

beforeEach(async () => {
  await server.query('TRUNCATE canary; INSERT INTO canary SELECT generate_series(1, 10)');
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  return c;
}

const count = async (sql: string) => Number((await server.query<{ n: string }>(sql))[0]!.n);
const canary = () => count('SELECT count(*) AS n FROM canary');

/** The findings' messages of the last verdict on `text`. */
function verdictOf(text: string): string {
  const ids = recorder.lines.flatMap((l) => (l.type === 'statement' && l.text === text ? [l.id] : []));
  return JSON.stringify(recorder.lines.filter((l) => l.type === 'verdict' && ids.includes(l.id)));
}

describe('what existing objects fire is judged with the statement that fires them', () => {
  it.each([
    ['a trigger', 'INSERT INTO trig_t VALUES (1)', /trigger trig_wipe on trig_t: via public\.trig_wipe\(\)/],
    [
      'a trigger behind a trigger',
      'INSERT INTO chain_t VALUES (1)',
      /trigger chain on chain_t: via public\.chain_fn\(\): trigger trig_wipe on trig_t/,
    ],
    ['a rule', 'DELETE FROM rule_t WHERE id = 1', /rule rule_wipe on rule_t/],
    ['a row-security policy', 'SELECT * FROM rls_t', /policy p on rls_t: via wipe_ok\(\)/],
    ['a column default', 'INSERT INTO def_t (id) VALUES (1)', /default x on def_t: via wipe\(\)/],
    ['a domain check', 'INSERT INTO dom_t VALUES (1)', /domain check wiped_int_check \(column id\) on dom_t/],
    ['a table check', 'INSERT INTO chk_t VALUES (1)', /check chk_t_id_check on chk_t: via wipe_ok\(\)/],
    ['a view', 'SELECT * FROM v_wipe', /view _RETURN on v_wipe: via wipe\(\)/],
    ['a view over a view', 'SELECT * FROM v_outer', /view _RETURN on v_outer: view _RETURN on v_wipe/],
    ['an INSTEAD OF trigger of a view', 'INSERT INTO v_ins VALUES (1)', /trigger instead_wipe on v_ins/],
  ])('holds a statement that fires %s emptying the canary; the canary is intact', async (_, text, why) => {
    const c = await client();
    try {
      await expect(c.query(text)).rejects.toThrow(/destructive\/delete-without-where/);
    } finally {
      await c.end();
    }
    expect(verdictOf(text)).toMatch(why);
    expect(await canary()).toBe(10);
  });

  it('holds the same INSERT sent by psql: psql reports the refusal and the canary is intact', async () => {
    const { status, out } = await new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn(
        'psql',
        [gateway.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'INSERT INTO trig_t VALUES (9)'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let text = '';
      child.stdout.on('data', (c: Buffer) => {
        text += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        text += c.toString();
      });
      child.on('close', (code) => resolve({ status: code, out: text }));
    });
    expect(status).not.toBe(0);
    expect(out).toMatch(/destructive\/delete-without-where/);
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM trig_t')).toBe(0);
  });

  it('refuses an INSERT whose generated column terminates another session, which stays alive', async () => {
    const bystander = new pg.Client({ connectionString: server.url(), application_name: 'bystander' });
    await bystander.connect();
    const c = await client();
    try {
      await expect(c.query('INSERT INTO gen_t (id) VALUES (1)')).rejects.toThrow(
        /exfiltration\/admin-function/,
      );
      expect((await bystander.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      expect(await count('SELECT count(*) AS n FROM gen_t')).toBe(0);
    } finally {
      await c.end();
      await bystander.end();
    }
  });

  it('holds a write firing a trigger whose native function cannot be read', async () => {
    const c = await client();
    try {
      await expect(c.query('UPDATE native_t SET id = 2 WHERE id = 1')).rejects.toThrow(
        /opaque\/procedural-language/,
      );
      // Not fired by an INSERT: no such trigger for that event.
      await c.query('INSERT INTO native_t VALUES (5)');
    } finally {
      await c.end();
    }
    expect(await count('SELECT count(*) AS n FROM native_t WHERE id = 2')).toBe(0);
  });

  it('sees a trigger created on another connection after a write cached the table, once the entry expires', async () => {
    const c = await client();
    try {
      await server.query('CREATE TABLE late_t (id int)');
      await c.query('INSERT INTO late_t VALUES (1)');
      await server.query(
        'CREATE TRIGGER late AFTER INSERT ON late_t FOR EACH ROW EXECUTE FUNCTION trig_wipe()',
      );
      // The cache keeps what fires on a table for 2 s.
      await new Promise((r) => setTimeout(r, 2_100));
      await expect(c.query('INSERT INTO late_t VALUES (2)')).rejects.toThrow(
        /destructive\/delete-without-where/,
      );
    } finally {
      await c.end();
    }
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM late_t')).toBe(1);
  });

  it('sees at once a trigger another gateway session created on a table it had cached', async () => {
    const a = await client();
    const b = await client();
    try {
      await server.query('CREATE TABLE fresh_t (id int)');
      // Deletes every canary row (ON true), but MERGE … DELETE is judged at the write that fires it.
      await server.query(`CREATE FUNCTION merge_wipe() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN MERGE INTO canary c USING (SELECT NEW.id AS id) s ON true WHEN MATCHED THEN DELETE; RETURN NEW; END $$`);
      await b.query('INSERT INTO fresh_t VALUES (1)');
      await a.query(
        'CREATE TRIGGER fresh AFTER INSERT ON fresh_t FOR EACH ROW EXECUTE FUNCTION merge_wipe()',
      );
      // b never saw the CREATE TRIGGER; only the catalog cache, dropped by it, can tell.
      await expect(b.query('INSERT INTO fresh_t VALUES (2)')).rejects.toThrow(/destructive\/merge-delete/);
    } finally {
      await a.end();
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM fresh_t')).toBe(1);
  });
});

describe("the session's own search path decides which table a name means", () => {
  it("holds an INSERT into a table found first on a search path the session set (the side connection's path finds a harmless one)", async () => {
    await server.query(`
      CREATE SCHEMA other;
      CREATE TABLE public.shadowed (id int);
      CREATE TABLE other.shadowed (id int);
      CREATE TRIGGER other_wipe AFTER INSERT ON other.shadowed FOR EACH ROW EXECUTE FUNCTION trig_wipe();`);
    const c = await client();
    try {
      await c.query('SET search_path = other, public');
      await expect(c.query('INSERT INTO shadowed VALUES (1)')).rejects.toThrow(
        /destructive\/delete-without-where/,
      );
      // Also through set_config, which the analyzer cannot read as a literal path change.
      await c.query("SELECT set_config('search_path', 'other', false)");
      await expect(c.query('INSERT INTO shadowed VALUES (2)')).rejects.toThrow(
        /destructive\/delete-without-where/,
      );
    } finally {
      await c.end();
    }
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM other.shadowed')).toBe(0);
  });
});

describe('a quoted name with a dot in it is one relation, not a schema and a table', () => {
  it('holds an INSERT into "dot.ted", whose trigger empties the canary', async () => {
    await server.query(`
      CREATE TABLE "dot.ted" (id int);
      CREATE TRIGGER dotted_wipe AFTER INSERT ON "dot.ted" FOR EACH ROW EXECUTE FUNCTION trig_wipe();`);
    const c = await client();
    try {
      await expect(c.query('INSERT INTO "dot.ted" VALUES (1)')).rejects.toThrow(
        /destructive\/delete-without-where/,
      );
    } finally {
      await c.end();
    }
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM "dot.ted"')).toBe(0);
  });
});

describe('a trigger changed through the gateway fires later on writes made anywhere', () => {
  it('refuses CREATE TRIGGER and CREATE OR REPLACE of its function with a whole-table delete; direct inserts leave the canary intact', async () => {
    const c = await client();
    try {
      await expect(
        c.query('CREATE TRIGGER wipe_ok_t AFTER INSERT ON ok_t FOR EACH ROW EXECUTE FUNCTION trig_wipe()'),
      ).rejects.toThrow(/destructive\/delete-without-where/);
      await expect(
        c.query(
          'CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM canary; RETURN NEW; END $$',
        ),
      ).rejects.toThrow(/destructive\/delete-without-where/);
    } finally {
      await c.end();
    }
    // A write made outside the gateway, as an application would.
    await server.query('INSERT INTO ok_t VALUES (7)');
    expect(await canary()).toBe(10);
    expect(await count("SELECT count(*) AS n FROM pg_trigger WHERE tgname = 'wipe_ok_t'")).toBe(0);
  });
});

describe('near misses stay allowed', () => {
  it('lets an INSERT through whose trigger only writes the new row into an audit table', async () => {
    const c = await client();
    try {
      await c.query('INSERT INTO ok_t VALUES (42)');
    } finally {
      await c.end();
    }
    expect(await count('SELECT count(*) AS n FROM audit WHERE id = 42')).toBe(1);
  });

  it('lets a view over pure built-ins, defaults of now()/nextval and a plain check through', async () => {
    const c = await client();
    try {
      expect((await c.query('SELECT l, t FROM v_ok')).rows).toEqual([{ l: 'a', t: true }]);
      await c.query('INSERT INTO seq_t (n) VALUES (1)');
      await c.query('INSERT INTO own_t (id) VALUES (1)');
      expect((await c.query('SELECT id FROM own_t')).rows).toEqual([{ id: 1 }]);
      // The server's own views (their definitions call built-ins) are not followed.
      const cols = await c.query(
        "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'own_t'",
      );
      expect(cols.rows[0].n).toBe(2);
      await c.query('SELECT count(*) FROM pg_stat_activity');
    } finally {
      await c.end();
    }
    expect(await count('SELECT count(*) AS n FROM seq_t WHERE at IS NOT NULL')).toBe(1);
  });

  it('lets a DELETE through on a table whose rule only fires on INSERT', async () => {
    await server.query('CREATE TABLE ins_rule_t (id int); INSERT INTO ins_rule_t VALUES (1), (2)');
    await server.query('CREATE RULE r AS ON INSERT TO ins_rule_t DO ALSO DELETE FROM canary');
    const c = await client();
    try {
      expect((await c.query('DELETE FROM ins_rule_t WHERE id = 1')).rowCount).toBe(1);
    } finally {
      await c.end();
    }
    expect(await canary()).toBe(10);
  });
});
