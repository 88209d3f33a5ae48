// Impact estimates against a real MariaDB: counts and sizes match what the server reports,
// dependents are found (without VIEW_TABLE_USAGE, which MariaDB lacks), the side connection
// cannot write, time and lock limits bound the probes, and session settings are restored.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateMysql, type ImpactEstimate } from '../../src/impact/index.js';
import { respell } from '../../src/impact/mysql-respell.js';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';
import { parseServerVersion } from '../../src/sql/mysql/server.js';
import { lexFlags, UNKNOWN_SQL_MODE } from '../../src/sql/mysql/sql-mode.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';

let db: MariaDbServer;
let side: mysql.Connection;
let admin: mysql.Connection;
const ORDERS = 20_000;

beforeAll(async () => {
  await loadAnalyzers();
  db = await startMariaDb();
  admin = await db.connect({ multipleStatements: true });
  await admin.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name varchar(40) NOT NULL, banned bool NOT NULL DEFAULT 0) ENGINE=InnoDB;
    INSERT INTO customers SELECT seq, CONCAT('c', seq), seq % 10 = 0 FROM seq_1_to_500;
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, qty int NOT NULL, status varchar(20) NOT NULL,
                         note varchar(40), weight int, FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB;
    INSERT INTO orders SELECT seq, 1 + seq % 500, seq % 13, IF(seq % 7 = 0, 'cancelled', 'open'),
                              IF(seq % 3 = 0, CONCAT('n', seq), NULL), NULL FROM seq_1_to_${ORDERS};
    CREATE TABLE order_items (id int AUTO_INCREMENT PRIMARY KEY, order_id int,
                              CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE) ENGINE=InnoDB;
    INSERT INTO order_items (order_id) SELECT 1 + seq % 100 FROM seq_1_to_300;
    CREATE VIEW open_orders AS SELECT id, qty FROM orders WHERE status = 'open';
    CREATE TRIGGER orders_stamp BEFORE UPDATE ON orders FOR EACH ROW SET NEW.weight = NEW.weight;
    CREATE FUNCTION open_count() RETURNS int READS SQL DATA RETURN (SELECT count(*) FROM orders WHERE status = 'open');
    CREATE TABLE audit (id int) ENGINE=InnoDB;
    CREATE FUNCTION audited(i int) RETURNS bool MODIFIES SQL DATA BEGIN INSERT INTO audit VALUES (i); RETURN 1; END;
    ANALYZE TABLE customers, orders, order_items;
  `);
  side = await db.connect();
});

afterAll(async () => {
  await side?.end();
  await admin?.end();
  await db?.stop();
});

const estimate = (sql: string, opts: Partial<Parameters<typeof estimateMysql>[3]> = {}) =>
  estimateMysql(side, sql, analyze(sql, { dialect: 'mysql' }), { timeoutMs: 10_000, ...opts });

const count = async (sql: string, params?: unknown[]) => {
  const [rows] = (await admin.query(sql, params)) as [Record<string, unknown>[], unknown];
  return Number(Object.values(rows[0]!)[0]);
};

async function affected(sql: string, params?: unknown[]): Promise<number> {
  return affectedOn(admin, sql, params);
}

/** Rows `sql` changes on `conn`, rolled back. */
async function affectedOn(conn: mysql.Connection, sql: string, params?: unknown[]): Promise<number> {
  await conn.query('START TRANSACTION');
  try {
    const [r] = (await conn.query(sql, params)) as [{ affectedRows: number }, unknown];
    return r.affectedRows;
  } finally {
    await conn.query('ROLLBACK');
  }
}

const within = (estimated: number | undefined, actual: number, fraction: number) => {
  expect(estimated).toBeDefined();
  expect(Math.abs(estimated! - actual)).toBeLessThanOrEqual(actual * fraction);
};

describe('DROP TABLE and TRUNCATE', () => {
  it('reports rows, size and dependents, and drops nothing', async () => {
    const [e] = await estimate('DROP TABLE orders');
    expect(e).toMatchObject({ kind: 'drop-table', table: 'app.orders' });
    expect(e!.rowsExact).toBe(ORDERS);
    within(e!.rowsEstimated, ORDERS, 0.2);
    expect(e!.bytes).toBe(
      await count(
        `SELECT DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'app' AND TABLE_NAME = 'orders'`,
      ),
    );
    expect(e!.bytes).toBeGreaterThan(0);
    expect(e!.dependents).toEqual({
      views: ['app.open_orders'],
      foreignKeys: ['items_order on app.order_items'],
      functions: ['app.open_count (function)'],
      triggers: ['app.orders_stamp'],
    });
    expect(e!.unavailable).toEqual([]);
    expect(await count('SELECT count(*) FROM orders')).toBe(ORDERS);
  });

  it('skips the exact count above the threshold', async () => {
    const [e] = (await estimate('TRUNCATE TABLE app.customers', { exactBelow: 100 })) as [ImpactEstimate];
    expect(e).toMatchObject({ kind: 'truncate', table: 'app.customers' });
    expect(e.rowsExact).toBeUndefined();
    expect(e.dependents?.foreignKeys).toEqual([expect.stringMatching(/ on app\.orders$/)]);
  });
});

describe('DELETE and UPDATE', () => {
  it.each([
    ["DELETE FROM orders WHERE status = 'cancelled'", undefined],
    ['DELETE FROM orders WHERE qty > ?', [7]],
    ['DELETE FROM orders WHERE qty > ? ORDER BY id LIMIT 100', [2]],
    ['UPDATE orders SET weight = ?, note = ? WHERE note IS NULL AND qty < ?', [5, 'x', 3]],
    ['UPDATE orders SET weight = 1', undefined],
  ])('%s: exact count equals the rows the write affects', async (sql, params) => {
    const [e] = await estimate(sql, params ? { params } : {});
    const actual = await affected(sql, params);
    expect(actual).toBeGreaterThan(0);
    expect(e).toMatchObject({
      table: 'app.orders',
      rowsExact: actual,
      lockLevel: expect.stringContaining('row locks'),
      unavailable: [],
    });
    expect(e!.rowsEstimated).toBeGreaterThan(0);
    expect(await count('SELECT count(*) FROM orders')).toBe(ORDERS);
  });

  it('skips the probes when the WHERE fixes a whole unique key, and only then', async () => {
    await admin.query(`
      CREATE TABLE keyed (id int PRIMARY KEY, a int, b int, code varchar(20), tag varchar(20), n varchar(10),
                          UNIQUE (a, b), UNIQUE (code(3)), UNIQUE (n)) ENGINE=InnoDB;
      INSERT INTO keyed SELECT seq, seq % 3, seq, CONCAT(seq, 'code'), 't', CONCAT('0', seq) FROM seq_1_to_10;`);
    for (const [sql, params] of [
      ['UPDATE keyed SET b = b WHERE id = 4', undefined],
      ['DELETE FROM keyed WHERE `b` = ? AND keyed.a = ?', [4, 1]],
      ["DELETE FROM keyed WHERE n = '04'", undefined],
    ] as const) {
      const [e] = await estimate(sql, params ? { params: [...params] } : {});
      expect(e).toMatchObject({ rowsEstimated: 1, unavailable: [] });
      expect(e!.rowsExact).toBeUndefined();
      expect(e!.notes.join(' ')).toMatch(/at most one row: the WHERE fixes every column of a unique key/);
    }
    // Half a key, a prefix-unique column, or a string column compared with a number (each row's
    // '04' and '4' both equal 4): the rows are counted.
    expect((await estimate('UPDATE keyed SET b = b WHERE a = 1'))[0]).toMatchObject({ rowsExact: 4 });
    expect((await estimate("UPDATE keyed SET b = b WHERE code = '1code'"))[0]).toMatchObject({
      rowsExact: 1,
    });
    await admin.query("INSERT INTO keyed VALUES (11, 9, 9, 'x11', 't', '4')");
    expect((await estimate('DELETE FROM keyed WHERE n = ?', { params: [4] }))[0]).toMatchObject({
      rowsExact: 2,
    });
    expect(await affected('DELETE FROM keyed WHERE n = 4')).toBe(2);
    // A backfill's next by-key writes are judged from the keys just read: no round trip.
    let queries = 0;
    const counting = {
      query: (sql: string, values?: unknown[]) => {
        queries++;
        return side.query(sql, values);
      },
    };
    const byKey = 'UPDATE keyed SET b = b WHERE id = ?';
    for (const id of [1, 2, 3])
      await estimateMysql(counting, byKey, analyze(byKey, { dialect: 'mysql' }), {
        timeoutMs: 10_000,
        params: [id],
      });
    const first = queries;
    expect(first).toBeGreaterThan(0);
    expect(
      (
        await estimateMysql(counting, byKey, analyze(byKey, { dialect: 'mysql' }), {
          timeoutMs: 10_000,
          params: [4],
        })
      )[0],
    ).toMatchObject({ rowsEstimated: 1 });
    expect(queries).toBe(first);
  });

  it('gives only the EXPLAIN estimate for a multi-table write', async () => {
    const [e] = await estimate(
      'DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.banned',
    );
    expect(e!.rowsEstimated).toBeGreaterThan(0);
    expect(e!.rowsExact).toBeUndefined();
    expect(e!.unavailable).toEqual([{ part: 'rowsExact', reason: expect.stringMatching(/multi-table/) }]);
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

  it("estimates a statement as the session's sql_mode reads it, under the side connection's own", async () => {
    // Under NO_BACKSLASH_ESCAPES, 'a\' is a literal and GET_LOCK sits inside the next one; under
    // the side connection's mode, \' does not end the first, and GET_LOCK is code.
    const sql = "DELETE FROM orders WHERE note = 'a\\' OR status = ' OR GET_LOCK(0x34323432, 0) -- '\n";
    const nbe = 'NO_BACKSLASH_ESCAPES';
    const session = await db.connect();
    try {
      await session.query(`SET SESSION sql_mode = '${nbe}'`);
      expect(await affectedOn(session, sql)).toBe(0);
    } finally {
      await session.end();
    }
    const locked = () => admin.query("SELECT IS_USED_LOCK('4242') AS holder");
    const [mode] = (await side.query('SELECT @@SESSION.sql_mode AS m')) as [{ m: string }[], unknown];
    const estimateUnder = (text: string, sqlMode: string) =>
      estimateMysql(side, text, analyze(text, { dialect: 'mysql', sqlMode }), { timeoutMs: 10_000, sqlMode });
    // Respelt for the side connection, the DELETE counts what the session's reading deletes: none,
    // and GET_LOCK, a string there as here, never runs.
    const [e] = await estimateUnder(sql, nbe);
    expect(e!.rowsExact).toBe(0);
    expect((await locked())[0]).toEqual([{ holder: null }]);
    // ANSI_QUOTES: "note" is a column to the session and was a string to the side connection.
    const [q] = await estimateUnder('DELETE FROM orders WHERE "note" IS NULL', 'ANSI');
    expect(q!.rowsExact).toBe(await count('SELECT count(*) FROM orders WHERE note IS NULL'));
    expect(q!.rowsExact).toBeGreaterThan(0);
    // A backslash the session does not read as an escape is one character to compare with.
    await admin.query("UPDATE orders SET note = 'x\\\\y' WHERE id IN (1, 2)");
    try {
      const [b] = await estimateUnder("DELETE FROM orders WHERE note = 'x\\y'", nbe);
      expect(b!.rowsExact).toBe(2);
    } finally {
      await admin.query('UPDATE orders SET note = NULL WHERE id IN (1, 2)');
    }
    // Executable comments are read as this server runs them: one it skips ends at its first */,
    // so what follows is code, not the string a reader running every comment would see. Twice:
    // the second time the table's keys are cached and no probe is needed to see a pinned key.
    const hidden = "DELETE FROM orders WHERE id = 1 /*M!999999 '*/ OR GET_LOCK(0x34323432, 0) -- '*/\n";
    for (let i = 0; i < 2; i++) {
      const [h] = await estimateUnder(hidden, '');
      expect(h!.rowsExact ?? h!.unavailable).not.toBe(1);
      expect(h!.unavailable).toEqual([
        {
          part: 'rows',
          reason: expect.stringMatching(
            /not evaluated: GET_LOCK\(\) is not known to be free of side effects/i,
          ),
        },
      ]);
    }
    const pinnedBypass = "DELETE FROM orders WHERE id = 1 /*M!999999 '*/ OR id > 0 -- '*/\n";
    for (let i = 0; i < 2; i++) expect((await estimateUnder(pinnedBypass, ''))[0]!.rowsExact).toBe(ORDERS);
    expect((await locked())[0]).toEqual([{ holder: null }]);
    // A session whose mode is unknown is not estimated.
    await expect(estimateUnder('DELETE FROM orders WHERE "note" IS NULL', UNKNOWN_SQL_MODE)).rejects.toThrow(
      /cannot be spelt for the side connection/,
    );
    // The side connection's own mode is untouched.
    expect((await side.query('SELECT @@SESSION.sql_mode AS m'))[0]).toEqual(mode);
  });

  it('respells a statement so that another sql_mode reads the values the session read', async () => {
    const [[v]] = (await admin.query('SELECT VERSION() AS v')) as [{ v: string }[], unknown];
    const server = parseServerVersion(v!.v);
    const readUnder = async (mode: string, sql: string) => {
      const conn = await db.connect();
      try {
        await conn.query('SET SESSION sql_mode = ?', [mode]);
        const [rows] = (await conn.query(sql)) as [Record<string, unknown>[], unknown];
        return rows;
      } finally {
        await conn.end();
      }
    };
    const cases: [string, string, string][] = [
      [
        'NO_BACKSLASH_ESCAPES',
        "SELECT 'a\\' AS q, 'b\\\\c' AS bs, 'x''y' AS dq, N'n\\' AS n, 'p\\%' AS pct, _utf8mb4'u\\' AS i, \"s\" AS s",
        '',
      ],
      [
        '',
        "SELECT 'a\\'b' AS q, 'c\\\\d' AS e, \"s\\\"t\" AS f, 'p\\%' AS pct, 'n\\nl' AS nl",
        'ANSI_QUOTES,NO_BACKSLASH_ESCAPES',
      ],
      ['ANSI', 'SELECT "id", `qty` AS "q""x" FROM orders WHERE "id" IN (1, 2) ORDER BY "id"', ''],
    ];
    for (const [from, sql, to] of cases) {
      const spelt = respell(sql, lexFlags(from, server), lexFlags(to, server));
      expect(spelt, sql).toBeDefined();
      expect(await readUnder(to, spelt!), `${from} -> ${to}: ${spelt}`).toEqual(await readUnder(from, sql));
    }
  });

  it('a statement time limit bounds a slow count', async () => {
    const [e] = await estimate("DELETE FROM orders WHERE SHA2(REPEAT(id, 200000), 256) <> ''", {
      statementTimeoutMs: 300,
    });
    expect(e!.rowsEstimated).toBeGreaterThan(0);
    expect(e!.unavailable).toEqual([
      { part: 'rowsExact', reason: expect.stringMatching(/max_statement_time/) },
    ]);
  });

  it('does not wait behind the migration, and restores the session settings', async () => {
    const before = await side.query(
      'SELECT @@innodb_lock_wait_timeout a, @@lock_wait_timeout b, @@max_statement_time c',
    );
    const holder = await db.connect();
    try {
      await holder.query('LOCK TABLES orders WRITE');
      const [e] = await estimate('DELETE FROM orders WHERE id < 10');
      expect(e!.rowsExact).toBeUndefined();
      expect(e!.unavailable.find((u) => u.part === 'rowsExact')?.reason).toMatch(/Lock wait timeout/);
    } finally {
      await holder.query('UNLOCK TABLES');
      await holder.end();
    }
    expect(
      (
        await side.query('SELECT @@innodb_lock_wait_timeout a, @@lock_wait_timeout b, @@max_statement_time c')
      )[0],
    ).toEqual(before[0]);
  });
});

describe('DROP COLUMN and lock-heavy DDL', () => {
  it('counts the non-null values a DROP COLUMN loses', async () => {
    const [e] = await estimate('ALTER TABLE orders DROP COLUMN note');
    expect(e).toMatchObject({ kind: 'drop-column', table: 'app.orders', column: 'note' });
    expect(e!.nonNull).toBe(Math.floor(ORDERS / 3));
    expect(e!.nonNull).toBe(await count('SELECT count(note) FROM orders'));
    // Dropping a column rebuilds the table: it is not described as row locks.
    expect(e!.lockLevel ?? '').not.toContain('row locks');
  });

  it('names the lock and size of a table-copying ALTER', async () => {
    const [e] = await estimate('ALTER TABLE orders MODIFY qty bigint NOT NULL');
    expect(e).toMatchObject({
      kind: 'lock',
      table: 'app.orders',
      lockLevel: expect.stringMatching(/^SHARED/),
    });
    expect(e!.bytes).toBeGreaterThan(0);
  });
});
