// What a write to a parent table sets in motion beyond it, on a real PostgreSQL through the
// gateway: the triggers of its child tables and partitions (UPDATE / DELETE reach the children,
// an INSERT is routed into a partition), and the foreign-key cascades that delete or update rows
// of other tables, whose triggers fire and whose rows count towards the mass-change threshold.
// Every object was created on a direct connection; each refusal is proved from the server (the
// canary and the child rows are all there), each near miss runs and its effect is visible.
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
    CREATE FUNCTION trig_wipe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM canary; RETURN NULL; END $$;
    CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

    -- A partition with a wiping DELETE trigger of its own (not a clone of the parent's).
    CREATE TABLE part_p (id int, k int) PARTITION BY RANGE (k);
    CREATE TABLE part_a PARTITION OF part_p FOR VALUES FROM (0) TO (100);
    CREATE TRIGGER part_wipe AFTER DELETE ON part_a FOR EACH ROW EXECUTE FUNCTION trig_wipe();
    -- A partition with a wiping INSERT trigger: rows inserted into the parent are routed there.
    CREATE TABLE part_i (id int, k int) PARTITION BY LIST (k);
    CREATE TABLE part_i1 PARTITION OF part_i FOR VALUES IN (1);
    CREATE TRIGGER part_ins AFTER INSERT ON part_i1 FOR EACH ROW EXECUTE FUNCTION trig_wipe();
    CREATE TABLE part_i2 PARTITION OF part_i FOR VALUES IN (2);
    -- A harmless trigger on a partitioned table is cloned onto its partitions.
    CREATE TABLE part_h (id int, k int) PARTITION BY LIST (k);
    CREATE TABLE part_h1 PARTITION OF part_h FOR VALUES IN (1);
    CREATE TRIGGER part_audit AFTER INSERT ON part_h FOR EACH ROW EXECUTE FUNCTION audit_row();
    -- An inheritance child with a wiping DELETE trigger; the parent has none.
    CREATE TABLE inh_p (id int);
    CREATE TABLE inh_c () INHERITS (inh_p);
    CREATE TRIGGER inh_wipe AFTER DELETE ON inh_c FOR EACH ROW EXECUTE FUNCTION trig_wipe();

    -- Cascades: customer 1 has 1,500 orders, customer 2 has 3.
    CREATE TABLE customers (id int PRIMARY KEY, name text);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE);
    CREATE TABLE order_lines (id int, order_id int REFERENCES orders ON DELETE CASCADE);
    -- A key whose deletion sets the referencing column to NULL: an UPDATE there, whose trigger wipes.
    CREATE TABLE accounts (id int PRIMARY KEY);
    CREATE TABLE sessions (id int, account_id int REFERENCES accounts ON DELETE SET NULL);
    CREATE TRIGGER sess_wipe AFTER UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION trig_wipe();
    -- A tree whose deletion cascades down a self-referencing key.
    CREATE TABLE cats (id int PRIMARY KEY, parent int REFERENCES cats ON DELETE CASCADE);
    -- A key whose change is carried to the rows referencing it.
    CREATE TABLE codes (code text PRIMARY KEY, label text);
    CREATE TABLE items (id int, code text REFERENCES codes ON UPDATE CASCADE);`);
  withSide = await postgresWithSide(server, recorder);
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await server?.stop();
});

beforeEach(async () => {
  await server.query(`
    TRUNCATE canary, part_p, part_i, part_h, inh_p, customers, orders, order_lines, accounts, sessions, cats, codes, items CASCADE;
    INSERT INTO codes VALUES ('a', 'many'), ('b', 'none');
    INSERT INTO items SELECT g, 'a' FROM generate_series(1, 1200) g;
    -- 1 > 2, 3 > 1,200 leaves under 2; and a chain 100 > 101 > … > 106 deeper than the bound.
    INSERT INTO cats VALUES (1, NULL), (2, 1), (3, 1);
    INSERT INTO cats SELECT g, 2 FROM generate_series(1000, 2199) g;
    INSERT INTO cats SELECT g, CASE WHEN g = 100 THEN NULL ELSE g - 1 END FROM generate_series(100, 106) g;
    INSERT INTO canary SELECT generate_series(1, 10);
    INSERT INTO part_p VALUES (1, 1), (2, 2);
    INSERT INTO part_i VALUES (5, 2);
    INSERT INTO inh_p VALUES (1); INSERT INTO inh_c VALUES (2);
    INSERT INTO customers VALUES (1, 'big'), (2, 'small'), (3, 'none');
    INSERT INTO orders SELECT g, 1 FROM generate_series(1, 1500) g;
    INSERT INTO orders SELECT g, 2 FROM generate_series(2001, 2003) g;
    INSERT INTO accounts VALUES (1), (2);
    INSERT INTO sessions VALUES (1, 1);
    ANALYZE`);
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  return c;
}

const count = async (sql: string) => Number((await server.query<{ n: string }>(sql))[0]!.n);
const canary = () => count('SELECT count(*) AS n FROM canary');

/** The verdicts on `text`, as recorded. */
function verdictOf(text: string): string {
  const ids = recorder.lines.flatMap((l) => (l.type === 'statement' && l.text === text ? [l.id] : []));
  return JSON.stringify(recorder.lines.filter((l) => l.type === 'verdict' && ids.includes(l.id)));
}

async function refused(text: string, rule: RegExp): Promise<void> {
  const c = await client();
  try {
    await expect(c.query(text)).rejects.toThrow(rule);
  } finally {
    await c.end();
  }
}

async function runs(text: string): Promise<number> {
  const c = await client();
  try {
    return (await c.query(text)).rowCount ?? 0;
  } finally {
    await c.end();
  }
}

describe('child tables and partitions', () => {
  it('holds a DELETE on a partitioned table whose partition has a wiping trigger; rows and canary intact', async () => {
    const text = 'DELETE FROM part_p WHERE id = 1';
    await refused(text, /destructive\/delete-without-where/);
    expect(verdictOf(text)).toMatch(/trigger part_wipe on part_a/);
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM part_p')).toBe(2);
  });

  it('holds an INSERT routed into a partition whose own trigger wipes; nothing inserted', async () => {
    await refused('INSERT INTO part_i VALUES (1, 1)', /destructive\/delete-without-where/);
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM part_i1')).toBe(0);
  });

  it('holds an UPDATE that moves a row into that partition (a delete and an insert there); row unmoved', async () => {
    await refused('UPDATE part_i SET k = 1 WHERE id = 5', /destructive\/delete-without-where/);
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM part_i2 WHERE id = 5')).toBe(1);
  });

  it('allows an INSERT into a partitioned table whose partitions only carry clones of its harmless trigger', async () => {
    expect(await runs('INSERT INTO part_h VALUES (1, 1)')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM part_h1')).toBe(1);
  });

  it('holds a DELETE on an inheritance parent whose child has a wiping trigger; child row and canary intact', async () => {
    const text = 'DELETE FROM inh_p WHERE id = 2';
    await refused(text, /destructive\/delete-without-where/);
    expect(verdictOf(text)).toMatch(/trigger inh_wipe on inh_c/);
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM inh_c')).toBe(1);
  });

  it('near miss: an UPDATE through the parent does not fire the child trigger for DELETE, and runs', async () => {
    expect(await runs('UPDATE inh_p SET id = 5 WHERE id = 2')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM inh_c WHERE id = 5')).toBe(1);
    expect(await canary()).toBe(10);
  });

  it('near miss: DELETE FROM ONLY the parent does not reach the child, and runs', async () => {
    expect(await runs('DELETE FROM ONLY inh_p WHERE id = 1')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM inh_p')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM inh_c')).toBe(1);
    expect(await canary()).toBe(10);
  });
});

describe('foreign-key cascades', () => {
  it('holds a by-key DELETE of a customer that cascades to 1,500 orders as a mass change; orders intact', async () => {
    const text = 'DELETE FROM customers WHERE id = 1';
    await refused(text, /mass-change\/rows/);
    expect(verdictOf(text)).toMatch(/DELETE on public\.orders: 1500 rows counted/);
    expect(await count('SELECT count(*) AS n FROM orders')).toBe(1503);
    expect(await count('SELECT count(*) AS n FROM customers')).toBe(3);
  });

  it('counts cascades of cascades: a customer with 3 orders whose lines number 1,200 is a mass change', async () => {
    await server.query('INSERT INTO order_lines SELECT g, 2001 FROM generate_series(1, 1200) g');
    const text = 'DELETE FROM customers WHERE id = 2';
    await refused(text, /mass-change\/rows/);
    expect(verdictOf(text)).toMatch(/DELETE on public\.order_lines: 1200 rows counted/);
    expect(await count('SELECT count(*) AS n FROM order_lines')).toBe(1200);
  });

  it('near miss: a DELETE that cascades to 3 orders runs, and the cascade happened', async () => {
    expect(await runs('DELETE FROM customers WHERE id = 2')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM orders')).toBe(1500);
  });

  it('near miss: an UPDATE of a customer that does not change the key is not a cascade', async () => {
    expect(await runs("UPDATE customers SET name = 'renamed' WHERE id = 1")).toBe(1);
    expect(await count('SELECT count(*) AS n FROM orders')).toBe(1503);
  });

  it('holds a DELETE whose ON DELETE SET NULL fires a wiping UPDATE trigger on the child; all intact', async () => {
    const text = 'DELETE FROM accounts WHERE id = 1';
    await refused(text, /destructive\/delete-without-where/);
    expect(verdictOf(text)).toMatch(/trigger sess_wipe on sessions/);
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM sessions WHERE account_id = 1')).toBe(1);
  });

  it('holds the DELETE of a tree root whose grandchildren number 1,200 (a self-referencing key); tree intact', async () => {
    const text = 'DELETE FROM cats WHERE id = 1';
    await refused(text, /mass-change\/rows/);
    expect(verdictOf(text)).toMatch(/DELETE on public\.cats: 1200 rows counted/);
    expect(await count('SELECT count(*) AS n FROM cats')).toBe(1210);
  });

  it('holds a chain of single rows deeper than the bound: the rows below it are unknown; chain intact', async () => {
    await refused('DELETE FROM cats WHERE id = 100', /mass-change\/rows/);
    expect(await count('SELECT count(*) AS n FROM cats WHERE id BETWEEN 100 AND 106')).toBe(7);
  });

  it('near miss: deleting a node whose subtree is within the bound and small runs', async () => {
    expect(await runs('DELETE FROM cats WHERE id = 103')).toBe(1);
    expect(await count('SELECT count(*) AS n FROM cats WHERE id BETWEEN 100 AND 106')).toBe(3);
  });

  it('holds a by-key UPDATE of a key carried ON UPDATE CASCADE to 1,200 rows; they keep the old key', async () => {
    const text = "UPDATE codes SET code = 'z' WHERE code = 'a'";
    await refused(text, /mass-change\/rows/);
    expect(verdictOf(text)).toMatch(/UPDATE on public\.items: 1200 rows counted/);
    expect(await count("SELECT count(*) AS n FROM items WHERE code = 'a'")).toBe(1200);
  });

  it('near miss: an UPDATE of that key where no row references it, or of another column, runs', async () => {
    expect(await runs("UPDATE codes SET code = 'y' WHERE code = 'b'")).toBe(1);
    expect(await runs("UPDATE codes SET label = 'lots' WHERE code = 'a'")).toBe(1);
    expect(await count("SELECT count(*) AS n FROM codes WHERE code = 'y' OR label = 'lots'")).toBe(2);
  });

  it('near miss: an INSERT into the referenced table fires nothing on the child, and runs', async () => {
    expect(await runs('INSERT INTO accounts VALUES (5)')).toBe(1);
    expect(await canary()).toBe(10);
  });
});
