// Impact estimates against a real PostgreSQL: counts and sizes match what the database reports,
// dependents are found, lock levels match the locks the DDL really takes, the side connection
// cannot write, and statement/lock timeouts bound the probes.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatePostgres, type ImpactEstimate } from '../../src/impact/index.js';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let db: PgServer;
let side: pg.Client;
let admin: pg.Client;

const ORDERS = 20_000;

beforeAll(async () => {
  await loadAnalyzers();
  db = await startPostgres();
  admin = await db.client();
  await admin.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, banned boolean NOT NULL DEFAULT false);
    INSERT INTO customers SELECT g, 'c' || g, g % 10 = 0 FROM generate_series(1, 500) g;
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, qty int NOT NULL,
                         status text NOT NULL, note text, weight int);
    INSERT INTO orders SELECT g, 1 + g % 500, g % 13, CASE WHEN g % 7 = 0 THEN 'cancelled' ELSE 'open' END,
                              CASE WHEN g % 3 = 0 THEN 'n' || g END
      FROM generate_series(1, ${ORDERS}) g;
    CREATE TABLE order_items (id serial PRIMARY KEY, order_id int REFERENCES orders ON DELETE CASCADE, sku text);
    INSERT INTO order_items (order_id, sku) SELECT 1 + g % 100, 's' FROM generate_series(1, 300) g;
    CREATE VIEW open_orders AS SELECT id, qty FROM orders WHERE status = 'open';
    CREATE FUNCTION orders_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER orders_stamp BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_stamp();
    CREATE FUNCTION open_count() RETURNS bigint LANGUAGE plpgsql AS $$
      BEGIN RETURN (SELECT count(*) FROM public.orders WHERE status = 'open'); END $$;
    CREATE TABLE audit (id int);
    CREATE FUNCTION audited(i int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN INSERT INTO audit VALUES (i); RETURN true; END $$;
    ANALYZE;
  `);
  side = await db.client();
});

afterAll(async () => {
  await side?.end();
  await admin?.end();
  await db?.stop();
});

const estimate = (sql: string, opts: Partial<Parameters<typeof estimatePostgres>[3]> = {}) =>
  estimatePostgres(side, sql, analyze(sql, { dialect: 'postgres' }), { timeoutMs: 10_000, ...opts });

const count = async (sql: string, params?: unknown[]) =>
  Number((await admin.query(sql, params)).rows[0].count);

/** What the write really changes: run it on the admin connection and roll back. */
async function affected(sql: string, params?: unknown[]): Promise<number> {
  await admin.query('BEGIN');
  try {
    return (await admin.query(sql, params)).rowCount ?? -1;
  } finally {
    await admin.query('ROLLBACK');
  }
}

const within = (estimated: number | undefined, actual: number, fraction: number) => {
  expect(estimated).toBeDefined();
  expect(Math.abs(estimated! - actual)).toBeLessThanOrEqual(actual * fraction);
};

describe('DROP TABLE and TRUNCATE', () => {
  it('reports rows, size and every kind of dependent, and drops nothing', async () => {
    const [e] = await estimate('DROP TABLE orders CASCADE');
    expect(e).toMatchObject({ kind: 'drop-table', table: 'public.orders', lockLevel: 'ACCESS EXCLUSIVE' });
    expect(e!.rowsExact).toBe(await count('SELECT count(*) FROM orders'));
    within(e!.rowsEstimated, ORDERS, 0.2);
    expect(e!.bytes).toBe(await count(`SELECT pg_total_relation_size('orders') AS count`));
    expect(e!.dependents).toEqual({
      views: ['open_orders'],
      foreignKeys: ['order_items_order_id_fkey on order_items'],
      functions: ['open_count()'],
      triggers: ['orders_stamp (orders_stamp())'],
    });
    expect(e!.unavailable).toEqual([]);
    expect(await count('SELECT count(*) FROM orders')).toBe(ORDERS);
  });

  it('estimates each table of a TRUNCATE and skips the exact count above the threshold', async () => {
    const es = await estimate('TRUNCATE customers, order_items', { exactBelow: 400 });
    expect(es.map((e) => e.table)).toEqual(['public.customers', 'public.order_items']);
    const [customers, items] = es as [ImpactEstimate, ImpactEstimate];
    expect(customers.rowsExact).toBeUndefined();
    expect(customers.notes.join(' ')).toMatch(/not counted exactly/);
    within(customers.rowsEstimated, 500, 0.2);
    expect(customers.dependents?.foreignKeys).toEqual(['orders_customer_id_fkey on orders']);
    expect(items.rowsExact).toBe(300);
  });

  it('marks a table that does not exist as unavailable', async () => {
    const [e] = await estimate('DROP TABLE IF EXISTS nowhere');
    expect(e).toMatchObject({ table: 'nowhere', unavailable: [{ part: 'table' }] });
  });
});

describe('DELETE and UPDATE', () => {
  it.each([
    ["DELETE FROM orders WHERE status = 'cancelled'", undefined],
    ['DELETE FROM orders WHERE qty > $1 RETURNING id', [7]],
    ['DELETE FROM orders o USING customers c WHERE c.id = o.customer_id AND c.banned', undefined],
    ["UPDATE orders SET note = 'x' WHERE note IS NULL AND qty < $1", [3]],
    // Each order matches many items: the write still touches each order once.
    ['UPDATE orders o SET qty = o.qty + 1 FROM order_items i WHERE i.order_id = o.id', undefined],
  ])('%s: exact count equals the rows the write affects', async (sql, params) => {
    const before = await count('SELECT count(*) FROM orders');
    const [e] = await estimate(sql, params ? { params } : {});
    const actual = await affected(sql, params);
    expect(actual).toBeGreaterThan(0);
    expect(e).toMatchObject({
      table: 'public.orders',
      rowsExact: actual,
      lockLevel: 'ROW EXCLUSIVE',
      unavailable: [],
    });
    expect(e!.rowsEstimated).toBeGreaterThan(0);
    within(e!.tableRows, ORDERS, 0.2);
    expect(await count('SELECT count(*) FROM orders')).toBe(before);
  });

  it('skips the probes when the WHERE fixes a whole unique key, and only then', async () => {
    await admin.query(`
      CREATE TABLE keyed (id int PRIMARY KEY, a int, b int, code text, UNIQUE (a, b));
      CREATE UNIQUE INDEX keyed_code_late ON keyed (code) WHERE id > 100;
      ALTER TABLE keyed ADD COLUMN tag text, ADD COLUMN late int UNIQUE DEFERRABLE INITIALLY DEFERRED;
      CREATE UNIQUE INDEX keyed_tag_c ON keyed (tag COLLATE "C");
      INSERT INTO keyed SELECT g, g % 3, g, 'k' || (g % 2), 't' || g FROM generate_series(1, 10) g;
      CREATE TABLE keyed_child (LIKE keyed) INHERITS (keyed);
      INSERT INTO keyed_child VALUES (1, 9, 9, 'child', 'c');
      ANALYZE keyed, keyed_child;`);
    const one = async (sql: string) => (await estimate(sql))[0]!;
    for (const sql of [
      'UPDATE ONLY keyed SET b = b WHERE id = 4',
      'DELETE FROM ONLY keyed WHERE b = $1 AND a = 2',
    ]) {
      const e = await one(sql);
      expect(e.rowsEstimated).toBe(1);
      expect(e.rowsExact).toBeUndefined();
      expect(e.notes.join(' ')).toMatch(/at most one row: the WHERE fixes every column of a unique key/);
    }
    // Half a key, a partial unique index, an index unique in another collation than the
    // comparison's, or a parent whose child tables the write also reaches: the rows are counted.
    expect(await one("UPDATE ONLY keyed SET b = b WHERE tag = 't3'")).toMatchObject({ rowsExact: 1 });
    // A deferred unique check lets duplicates stand until the transaction commits.
    expect(await one('UPDATE ONLY keyed SET b = b WHERE late = 3')).toMatchObject({ rowsExact: 0 });
    expect(await one('UPDATE ONLY keyed SET b = b WHERE a = 1')).toMatchObject({ rowsExact: 4 });
    expect(await one("UPDATE ONLY keyed SET b = b WHERE code = 'k1'")).toMatchObject({ rowsExact: 5 });
    expect(await one('UPDATE keyed SET b = b WHERE id = 1')).toMatchObject({ rowsExact: 2 });
    expect(await affected('UPDATE keyed SET b = b WHERE id = 1')).toBe(2);
    // A backfill's next by-key writes are judged from the keys just read: no round trip.
    let queries = 0;
    const counting = {
      query: (text: string, values?: unknown[]) => {
        queries++;
        return side.query(text, values);
      },
    };
    const byKey = (id: number) => `UPDATE ONLY keyed SET b = b WHERE id = ${id}`;
    for (const id of [1, 2, 3])
      await estimatePostgres(counting, byKey(id), analyze(byKey(id), { dialect: 'postgres' }), {
        timeoutMs: 10_000,
      });
    expect(queries).toBe(1);
  });

  it('answers concurrent estimates on one side connection correctly', async () => {
    const sqls = [
      'DELETE FROM orders WHERE qty = 1',
      'DELETE FROM orders WHERE qty = 2',
      'DROP TABLE customers',
    ];
    const results = await Promise.all(sqls.map((s) => estimate(s)));
    expect(results.map((r) => r[0]!.rowsExact)).toEqual([
      await count('SELECT count(*) FROM orders WHERE qty = 1'),
      await count('SELECT count(*) FROM orders WHERE qty = 2'),
      500,
    ]);
    expect(results.flatMap((r) => r[0]!.unavailable)).toEqual([]);
  });

  it('gives a planner estimate within 20% for a simple predicate', async () => {
    const [e] = await estimate("DELETE FROM orders WHERE status = 'cancelled'");
    within(e!.rowsEstimated, await count("SELECT count(*) FROM orders WHERE status = 'cancelled'"), 0.2);
  });

  it('never evaluates a WHERE that calls a function not proved free of side effects', async () => {
    const [e] = await estimate('DELETE FROM orders WHERE audited(id)');
    expect(e!.rowsExact).toBeUndefined();
    expect(e!.rowsEstimated).toBeUndefined();
    expect(e!.unavailable).toEqual([
      { part: 'rows', reason: 'not evaluated: audited() is not known to be free of side effects' },
    ]);
    expect(await count('SELECT count(*) FROM audit')).toBe(0);
  });

  it('never evaluates a cast whose function is user-defined (explicit or implicit)', async () => {
    // The function takes a session advisory lock, which a read-only transaction allows and its
    // rollback keeps: the server's pg_locks shows whether the probe ever called it.
    await admin.query(`
      CREATE TYPE mood AS ENUM ('ok', 'bad');
      CREATE TABLE moods (id int, m mood);
      INSERT INTO moods SELECT g, CASE WHEN g % 2 = 0 THEN 'ok' ELSE 'bad' END::mood FROM generate_series(1, 50) g;
      CREATE FUNCTION mood_text(mood) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_lock(4242); RETURN 'ok'; END $$;
      CREATE CAST (mood AS text) WITH FUNCTION mood_text(mood) AS IMPLICIT;
      ANALYZE moods;
    `);
    const held = () =>
      count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND granted");
    try {
      for (const sql of [
        "DELETE FROM moods WHERE m::text = 'ok'",
        "DELETE FROM moods WHERE m = 'ok'::text",
      ]) {
        const [e] = await estimate(sql);
        expect(await held()).toBe(0);
        expect(e!.rowsExact).toBeUndefined();
        expect(e!.unavailable).toEqual([
          {
            part: 'rows',
            reason: 'not evaluated: casts through user-defined functions mood_text(mood) may run anything',
          },
        ]);
      }
    } finally {
      // Any such cast makes every estimate unevaluated: the tests after this one need it gone.
      await admin.query(
        'DROP TABLE moods; DROP CAST (mood AS text); DROP FUNCTION mood_text(mood); DROP TYPE mood',
      );
    }
  });

  it('never evaluates a function called in attribute notation (orders.flagged)', async () => {
    // `o.flagged` names no column: the server calls flagged(orders) for each row. The function
    // takes a session advisory lock, which pg_locks shows if the probe ever called it.
    await admin.query(`CREATE FUNCTION flagged(orders) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock(4343); RETURN true; END $$`);
    try {
      for (const sql of ['DELETE FROM orders o WHERE o.flagged', 'DELETE FROM orders o WHERE (o).flagged']) {
        const [e] = await estimate(sql);
        expect(
          await count(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4343 AND granted",
          ),
        ).toBe(0);
        expect(e!.rowsExact).toBeUndefined();
        expect(e!.unavailable[0]?.reason).toMatch(/^not evaluated: /);
      }
    } finally {
      await admin.query('DROP FUNCTION flagged(orders)');
    }
  });

  it('a statement timeout bounds a slow count, and the planner estimate is still given', async () => {
    const [e] = await estimate(
      'DELETE FROM orders WHERE (SELECT count(*) FROM generate_series(1, 20000 + id)) > 0',
      { statementTimeoutMs: 300 },
    );
    expect(e!.rowsEstimated).toBeGreaterThan(0);
    expect(e!.unavailable).toEqual([
      {
        part: 'rowsExact',
        reason: expect.stringMatching(/^57014: canceling statement due to statement timeout/),
      },
    ]);
  });

  it('does not wait behind the migration: a held lock makes the probes unavailable', async () => {
    const holder = await db.client();
    try {
      await holder.query('BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
      const [e] = await estimate('DELETE FROM orders WHERE id < 10', { lockTimeoutMs: 100 });
      expect(e!.unavailable.map((u) => u.part)).toEqual(['table', 'rows', 'rowsExact']);
      for (const u of e!.unavailable)
        expect(u.reason).toMatch(/^55P03: canceling statement due to lock timeout/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('returns what it has when the budget is spent', async () => {
    const [e] = await estimate('DELETE FROM orders WHERE id < 10', { timeoutMs: 0 });
    // The check that comes before planning could not run either: nothing is evaluated unchecked.
    expect(e!.unavailable.map((u) => u.part)).toEqual(['table', 'rows']);
    expect(e!.unavailable[0]!.reason).toMatch(/time budget/);
  });
});

describe('DROP COLUMN and lock-heavy DDL', () => {
  it('counts the non-null values a DROP COLUMN loses', async () => {
    const [e] = await estimate('ALTER TABLE orders DROP COLUMN note');
    expect(e).toMatchObject({ kind: 'drop-column', column: 'note', lockLevel: 'ACCESS EXCLUSIVE' });
    expect(e!.nonNull).toBe(await count('SELECT count(note) AS count FROM orders'));
    expect(e!.nonNull).toBe(Math.floor(ORDERS / 3));
  });

  const held = async (sql: string): Promise<string> => {
    const other = await db.client();
    try {
      await other.query('BEGIN');
      await other.query(sql);
      const { rows } = await admin.query(
        `SELECT mode FROM pg_locks WHERE relation = 'orders'::regclass AND pid = $1 AND granted`,
        [(other as unknown as { processID: number }).processID],
      );
      const order = [
        'ShareUpdateExclusiveLock',
        'ShareLock',
        'ShareRowExclusiveLock',
        'ExclusiveLock',
        'AccessExclusiveLock',
      ];
      const strongest = rows
        .map((r) => String(r.mode))
        .sort((a, b) => order.indexOf(b) - order.indexOf(a))[0]!;
      return strongest
        .replace(/Lock$/, '')
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toUpperCase();
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  };

  it.each([
    'CREATE INDEX orders_qty ON orders (qty)',
    'ALTER TABLE orders ALTER COLUMN weight TYPE bigint',
    'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)',
    'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty >= 0)',
  ])('%s: the reported lock is the one the server takes', async (sql) => {
    const [e] = await estimate(sql);
    expect(e).toMatchObject({ kind: 'lock', table: 'public.orders' });
    expect(e!.bytes).toBeGreaterThan(0);
    expect(e!.lockLevel).toBe(await held(sql));
  });

  it('CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE', async () => {
    const [e] = await estimate('CREATE INDEX CONCURRENTLY orders_note ON orders (note)');
    expect(e).toMatchObject({ kind: 'lock', lockLevel: 'SHARE UPDATE EXCLUSIVE' });
  });
});
