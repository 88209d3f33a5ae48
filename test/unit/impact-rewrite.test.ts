import { beforeAll, describe, expect, it } from 'vitest';
import { mysqlTargets } from '../../src/impact/mysql-statements.js';
import { pgTargets } from '../../src/impact/pg-statements.js';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';

beforeAll(async () => {
  await loadAnalyzers();
});

const pgCount = (sql: string) => {
  const [t] = pgTargets(sql, () => false);
  if (!t || (t.kind !== 'delete' && t.kind !== 'update')) throw new Error(`no row-wise target in ${sql}`);
  return t.count;
};

describe('Postgres count rewrite', () => {
  it.each([
    ['DELETE FROM orders WHERE id > 5', 'SELECT count(*) FROM orders WHERE id > 5'],
    [
      'delete from only public.orders as o where o.id = $1 returning *',
      'SELECT count(*) FROM only public.orders as o WHERE o.id = $1',
    ],
    ['DELETE FROM orders', 'SELECT count(*) FROM orders'],
    ['DELETE FROM orders;', 'SELECT count(*) FROM orders'],
    [
      'DELETE FROM orders o USING customers c WHERE c.id = o.customer_id AND c.banned RETURNING o.id',
      'SELECT count(*) FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id AND c.banned)',
    ],
    [
      "UPDATE orders SET note = 'x where y', qty = (SELECT 1 FROM t WHERE a = b) WHERE status IN (SELECT s FROM st WHERE k) RETURNING id",
      'SELECT count(*) FROM orders WHERE status IN (SELECT s FROM st WHERE k)',
    ],
    ['UPDATE orders SET qty = qty + 1', 'SELECT count(*) FROM orders'],
    [
      'UPDATE orders AS o SET qty = 0 FROM customers c WHERE c.id = o.customer_id',
      'SELECT count(*) FROM orders AS o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)',
    ],
    [
      "UPDATE t SET d = extract(year FROM now()) /* WHERE */ WHERE k = 'RETURNING'",
      "SELECT count(*) FROM t WHERE k = 'RETURNING'",
    ],
  ])('%s', (stmt, expected) => {
    expect(pgCount(stmt)).toEqual({ sql: expected });
  });

  it('refuses shapes it cannot count faithfully', () => {
    expect(pgCount('WITH x AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM x)')).toHaveProperty(
      'reason',
    );
    expect(pgCount('UPDATE t SET a = 1 WHERE CURRENT OF c')).toHaveProperty('reason');
  });

  it.each([
    ['UPDATE t SET a = 1 WHERE id = $1', ['id'], false],
    ["DELETE FROM ONLY s.t AS x WHERE x.k = '5'::int AND 7 = z AND x.q > 3", ['k', 'z'], true],
    ['UPDATE t SET a = 1 WHERE t.id = 5 AND other.id = 6', ['id'], false],
    // Not row-invariant, not a bare column of the target, or not a plain conjunct: nothing pinned.
    ['DELETE FROM t WHERE id = (random() * 10)::int', [], false],
    ['DELETE FROM t WHERE id = k', [], false],
    ['DELETE FROM t WHERE id = 1 OR id = 2', [], false],
    ['DELETE FROM t WHERE id COLLATE "C" = $1', [], false],
    ['DELETE FROM t USING u WHERE id = 1', [], false],
    ['UPDATE t SET a = 1 FROM u WHERE id = 1', [], false],
    ['WITH x AS (SELECT 1) DELETE FROM t WHERE id = 1', [], false],
  ])('%s pins %j (ONLY: %s)', (sql, pinned, only) => {
    const [t] = pgTargets(sql, () => false);
    expect(t).toMatchObject({ pinned, only });
  });

  it('cuts each statement of a multi-statement string from its own text', () => {
    const ts = pgTargets('SELECT 1; DELETE FROM a WHERE x = 1; TRUNCATE b, s.c', () => false);
    expect(ts.map((t) => [t.kind, t.table])).toEqual([
      ['delete', { name: 'a' }],
      ['truncate', { name: 'b' }],
      ['truncate', { schema: 's', name: 'c' }],
    ]);
    expect(ts[0]).toMatchObject({
      text: 'DELETE FROM a WHERE x = 1',
      count: { sql: 'SELECT count(*) FROM a WHERE x = 1' },
    });
  });

  it('names the lock each DDL takes', () => {
    const lock = (sql: string) =>
      pgTargets(sql, () => true).map((t) => ('lockLevel' in t ? t.lockLevel : t.kind));
    expect(lock('CREATE INDEX ON t (a)')).toEqual(['SHARE']);
    expect(lock('CREATE INDEX CONCURRENTLY ON t (a)')).toEqual(['SHARE UPDATE EXCLUSIVE']);
    expect(lock('ALTER TABLE t ALTER COLUMN a TYPE bigint')).toEqual(['ACCESS EXCLUSIVE']);
    expect(lock('ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)')).toEqual([
      'SHARE ROW EXCLUSIVE',
    ]);
    expect(lock('ALTER TABLE t VALIDATE CONSTRAINT f')).toEqual(['SHARE UPDATE EXCLUSIVE']);
    expect(lock('ALTER TABLE t DROP COLUMN a, ALTER COLUMN b SET STATISTICS 100')).toEqual([
      'ACCESS EXCLUSIVE',
      'SHARE UPDATE EXCLUSIVE',
    ]);
    expect(pgTargets('ALTER TABLE t ALTER COLUMN a TYPE bigint', () => false)).toEqual([]);
  });
});

const my = (sql: string) =>
  mysqlTargets(sql, analyze(sql, { dialect: 'mysql' }).statements[0]!.findings, undefined);

describe('MySQL targets and the SELECT behind a write', () => {
  it.each([
    [
      'DELETE FROM orders WHERE id > ?',
      { from: 'orders', where: 'id > ?', params: { from: 0, to: 1 }, pinned: [] },
    ],
    [
      'DELETE LOW_PRIORITY FROM app.orders AS o WHERE note = "a where" ORDER BY id LIMIT 10',
      {
        from: 'app.orders AS o',
        where: 'note = "a where"',
        params: { from: 0, to: 0 },
        limit: 10,
        pinned: [{ column: 'note', value: 'string' }],
      },
    ],
    [
      'UPDATE orders SET qty = ?, note = ? WHERE id IN (SELECT id FROM x WHERE y = ?) LIMIT 5',
      {
        from: 'orders',
        where: 'id IN (SELECT id FROM x WHERE y = ?)',
        params: { from: 2, to: 3 },
        limit: 5,
        pinned: [],
      },
    ],
    ['UPDATE `orders` SET qty = 1;', { from: '`orders`', params: { from: 0, to: 0 }, pinned: [] }],
  ])('%s', (stmt, select) => {
    expect(my(stmt)).toEqual([
      expect.objectContaining({ table: expect.objectContaining({ name: 'orders' }), single: true, select }),
    ]);
  });

  it.each([
    ['UPDATE t SET a = ? WHERE id = ?', [{ column: 'id', value: 'param', param: 1 }]],
    [
      "DELETE FROM t WHERE t.`k` = 'x' AND id = 5",
      [
        { column: 'k', value: 'string' },
        { column: 'id', value: 'number' },
      ],
    ],
    // Only a WHERE made of nothing else pins: BETWEEN … AND …, OR and unary minus are not read.
    ['DELETE FROM t WHERE id = 5 OR id = 6', []],
    ['DELETE FROM t WHERE id = 5 AND n = -1', []],
    ['DELETE FROM t WHERE id = 1e0', []],
    ['DELETE FROM t WHERE id = 5 AND n BETWEEN 1 AND 3', []],
    ['DELETE FROM t WHERE (id = 5)', []],
    ["DELETE FROM t WHERE k = _latin1'x'", []],
    ["DELETE FROM t WHERE k = 'x' COLLATE utf8mb4_bin", []],
    ['DELETE FROM t WHERE id = 5 + 0', []],
    ['DELETE FROM t WHERE id = k', []],
    ['DELETE FROM t WHERE id <=> 5', []],
  ])('%s pins %j', (stmt, pinned) => {
    const [t] = my(stmt);
    expect(t && 'select' in t ? t.select?.pinned : undefined).toEqual(pinned);
  });

  it.each([
    [
      'DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.banned',
      'orders',
      'o',
      'orders o JOIN customers c ON c.id = o.customer_id',
    ],
    [
      'DELETE FROM c USING orders AS o JOIN customers AS c ON c.id = o.customer_id WHERE c.banned',
      'customers',
      'c',
      'orders AS o JOIN customers AS c ON c.id = o.customer_id',
    ],
    [
      'UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.qty = 0 WHERE c.banned',
      'orders',
      'o',
      'orders o JOIN customers c ON c.id = o.customer_id',
    ],
    [
      'UPDATE orders, customers SET orders.qty = 0 WHERE customers.banned',
      'orders',
      'orders',
      'orders, customers',
    ],
  ])('multi-table: %s', (stmt, table, label, from) => {
    expect(my(stmt)).toEqual([
      expect.objectContaining({
        table: { name: table },
        label,
        single: false,
        select: expect.objectContaining({ from }),
      }),
    ]);
  });

  it('still yields an (unmeasured) estimate target for a write it cannot dissect', () => {
    expect(my('WITH x AS (SELECT 1 AS id) DELETE FROM t WHERE id IN (SELECT id FROM x)')).toEqual([
      { kind: 'delete', table: { name: '(not recognised)' }, label: '', single: false },
    ]);
  });

  it('reads drop, truncate, drop column and lock-heavy targets', () => {
    expect(my('DROP TABLE IF EXISTS app.a, b')).toEqual([
      { kind: 'drop-table', table: { schema: 'app', name: 'a' } },
      { kind: 'drop-table', table: { name: 'b' } },
    ]);
    expect(my('TRUNCATE TABLE orders')).toEqual([{ kind: 'truncate', table: { name: 'orders' } }]);
    expect(my('ALTER TABLE app.orders DROP COLUMN note, DROP COLUMN b')).toEqual([
      { kind: 'drop-column', table: { schema: 'app', name: 'orders' }, column: 'note' },
      { kind: 'drop-column', table: { schema: 'app', name: 'orders' }, column: 'b' },
    ]);
    expect(my('ALTER TABLE orders MODIFY note text')).toEqual([
      expect.objectContaining({
        kind: 'lock',
        table: { name: 'orders' },
        lockLevel: expect.stringMatching(/^SHARED/),
      }),
    ]);
  });
});
