import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogRelation,
  ColumnMatcher,
  compileMasking,
  type LineageCatalog,
  type LineageResult,
} from '../../src/masking/index.js';
import { loadPostgresParser } from '../../src/sql/postgres/parser.js';

// The Postgres parser's WebAssembly is loaded on first use, as the gateway context does.
beforeAll(loadPostgresParser);

const masking = compileMasking({
  columns: ['public.users.email', '*.ssn', 'billing.cards.*', 'public.v_named.secret'],
});

const relations: Record<string, CatalogRelation> = {
  'public.users': { kind: 'table', columns: ['id', 'name', 'email', 'ssn', 'data'] },
  'public.orders': { kind: 'table', columns: ['id', 'user_id', 'total', 'note'] },
  'billing.cards': { kind: 'table', columns: ['id', 'user_id', 'number'] },
  'app.users': { kind: 'table', columns: ['id', 'email'] },
  // pg_get_viewdef style text
  'public.v_contacts': {
    kind: 'view',
    columns: ['id', 'contact'],
    definition: ' SELECT users.id,\n    lower((users.email)::text) AS contact\n   FROM users;',
  },
  'public.v_nested': {
    kind: 'view',
    columns: ['who', 'how'],
    definition: 'SELECT contact, id FROM v_contacts',
  },
  'public.v_safe': { kind: 'view', columns: ['id', 'name'], definition: 'SELECT id, name FROM users' },
  'public.v_named': { kind: 'view', columns: ['id', 'secret'], definition: 'SELECT id, total FROM orders' },
  'public.v_loop': { kind: 'view', columns: ['x'], definition: 'SELECT x FROM v_loop' },
};

const catalog: LineageCatalog = {
  searchPath: ['pg_catalog', 'public'],
  relation: (schema, name) => relations[`${schema}.${name}`],
  isUserFunction: (name) => name === 'my_func' || name === 'my_srf',
};

function lineage(sql: string): LineageResult {
  return masking.maskedOutputs(sql, catalog);
}

/** The masked flags of the single statement, as "name*" for masked columns. */
function flags(sql: string): string[] {
  const r = lineage(sql);
  if (r.refuse) throw new Error(`refused: ${r.reason}`);
  expect(r.statements).toHaveLength(1);
  const s = r.statements[0]!;
  expect(s.exact).toBe(true);
  return s.columns.map((c) => `${c.name}${c.masked ? '*' : ''}`);
}

function refused(sql: string): string {
  const r = lineage(sql);
  if (!r.refuse) throw new Error(`not refused: ${JSON.stringify(r.statements)}`);
  return r.reason;
}

describe('maskedOutputs: direct columns and *', () => {
  it('masks exactly the columns the rules name', () => {
    expect(flags('SELECT id, name, email, ssn FROM users')).toEqual(['id', 'name', 'email*', 'ssn*']);
    expect(flags('SELECT * FROM users')).toEqual(['id', 'name', 'email*', 'ssn*', 'data']);
    expect(flags('SELECT u.* , o.total FROM users u JOIN orders o ON o.user_id = u.id')).toEqual([
      'id',
      'name',
      'email*',
      'ssn*',
      'data',
      'total',
    ]);
    expect(flags('SELECT * FROM billing.cards')).toEqual(['id*', 'user_id*', 'number*']);
    expect(flags('SELECT id, email FROM app.users')).toEqual(['id', 'email']);
    expect(flags('SELECT public.users.email FROM public.users')).toEqual(['email*']);
  });

  it('expands joins with USING and NATURAL the way Postgres does', () => {
    expect(flags('SELECT * FROM users JOIN orders USING (id)')).toEqual([
      'id',
      'name',
      'email*',
      'ssn*',
      'data',
      'user_id',
      'total',
      'note',
    ]);
    expect(flags('SELECT * FROM users NATURAL JOIN billing.cards')).toEqual([
      'id*',
      'name',
      'email*',
      'ssn*',
      'data',
      'user_id*',
      'number*',
    ]);
    expect(flags('SELECT j.* FROM (users JOIN orders USING (id)) AS j(a, b, c)')).toEqual([
      'a',
      'b',
      'c*',
      'ssn*',
      'data',
      'user_id',
      'total',
      'note',
    ]);
  });
});

describe('maskedOutputs: expressions', () => {
  it.each([
    ['SELECT lower(email) FROM users', 'lower*'],
    ["SELECT email || '' AS e FROM users", 'e*'],
    ["SELECT CASE WHEN id > 1 THEN email ELSE 'none' END AS c FROM users", 'c*'],
    ["SELECT COALESCE(NULL, email, 'x') AS c FROM users", 'c*'],
    ['SELECT email::varchar(3) AS c FROM users', 'c*'],
    ['SELECT CAST(ssn AS int) AS c FROM users', 'c*'],
    ["SELECT string_agg(email, ',') FROM users", 'string_agg*'],
    ['SELECT array_agg(email ORDER BY id) FROM users', 'array_agg*'],
    ['SELECT min(email) FROM users', 'min*'],
    ['SELECT max(ssn) FROM users', 'max*'],
    ['SELECT count(email) FROM users', 'count*'],
    ['SELECT ROW(id, email) AS r FROM users', 'r*'],
    ['SELECT ARRAY[email] AS a FROM users', 'a*'],
    ['SELECT to_jsonb(u) FROM users u', 'to_jsonb*'],
    ['SELECT row_to_json(u) FROM users u', 'row_to_json*'],
    ['SELECT to_jsonb(u.*) AS j FROM users u', 'j*'],
    ['SELECT u FROM users u', 'u*'],
    ['SELECT (u).id FROM users u', 'id*'],
    ["SELECT jsonb_build_object('e', email) AS j FROM users", 'j*'],
    ["SELECT format('%s', email) AS f FROM users", 'f*'],
    ['SELECT left(email, 1) AS initial FROM users', 'initial*'],
    ['SELECT email COLLATE "C" AS e FROM users', 'e*'],
    ['SELECT NULLIF(email, name) AS n FROM users', 'n*'],
    ['SELECT GREATEST(email, name) AS g FROM users', 'g*'],
    ['SELECT first_value(email) OVER (ORDER BY id) AS f FROM users', 'f*'],
    ["SELECT JSON_OBJECT('e': email) AS j FROM users", 'j*'],
    ['SELECT email IS NULL AS n FROM users', 'n*'],
  ])('%s', (sql, expected) => {
    expect(flags(sql)).toEqual([expected]);
  });

  it('leaves expressions over unmasked columns unmasked', () => {
    expect(
      flags("SELECT lower(name), count(*), now() AS t, 1 AS one, $1::text AS p, id || '' AS s FROM users"),
    ).toEqual(['lower', 'count', 't', 'one', 'p', 's']);
  });
});

describe('maskedOutputs: subqueries, CTEs, views, set operations', () => {
  it('follows scalar, correlated, IN and EXISTS subqueries', () => {
    expect(flags('SELECT (SELECT max(email) FROM users) AS m')).toEqual(['m*']);
    expect(
      flags('SELECT o.id, (SELECT u.email FROM users u WHERE u.id = o.user_id) AS e FROM orders o'),
    ).toEqual(['id', 'e*']);
    expect(flags('SELECT id IN (SELECT ssn FROM users) AS x FROM orders')).toEqual(['x*']);
    expect(flags('SELECT ARRAY(SELECT email FROM users) AS a')).toEqual(['a*']);
    // EXISTS yields a boolean about filters, which is out of scope (documented).
    expect(flags('SELECT EXISTS (SELECT 1 FROM users WHERE email IS NULL) AS e')).toEqual(['e']);
  });

  it('follows FROM subqueries, LATERAL and column aliases', () => {
    expect(flags('SELECT s.x, s.y FROM (SELECT email, name FROM users) AS s(x, y)')).toEqual(['x*', 'y']);
    expect(
      flags('SELECT l.e FROM orders o, LATERAL (SELECT u.email AS e FROM users u WHERE u.id = o.user_id) l'),
    ).toEqual(['e*']);
  });

  it('follows CTEs, nested CTEs and recursive CTEs', () => {
    expect(flags('WITH c AS (SELECT email AS e, id FROM users) SELECT e, id FROM c')).toEqual(['e*', 'id']);
    expect(flags('WITH a AS (SELECT ssn FROM users), b AS (SELECT ssn AS s FROM a) SELECT * FROM b')).toEqual(
      ['s*'],
    );
    expect(flags('WITH c(x) AS (SELECT email FROM users) SELECT upper(x) AS u FROM c')).toEqual(['u*']);
    expect(
      flags(
        "WITH RECURSIVE r(n, e) AS (SELECT 1, ''::text UNION ALL SELECT n + 1, (SELECT min(email) FROM users) FROM r WHERE n < 3) SELECT n, e FROM r",
      ),
    ).toEqual(['n', 'e*']);
    expect(flags('WITH d AS (DELETE FROM users WHERE id = 1 RETURNING email, id) SELECT * FROM d')).toEqual([
      'email*',
      'id',
    ]);
  });

  it('recurses into view definitions, views over views, and rules naming view columns', () => {
    expect(flags('SELECT * FROM v_contacts')).toEqual(['id', 'contact*']);
    expect(flags('SELECT who, how FROM v_nested')).toEqual(['who*', 'how']);
    expect(flags('SELECT * FROM v_safe')).toEqual(['id', 'name']);
    expect(flags('SELECT * FROM v_named')).toEqual(['id', 'secret*']);
  });

  it('combines the branches of set operations column by column', () => {
    expect(flags('SELECT name, id FROM users UNION SELECT email, id FROM users')).toEqual(['name*', 'id']);
    expect(
      flags('SELECT id FROM orders INTERSECT SELECT id FROM users EXCEPT SELECT ssn FROM users'),
    ).toEqual(['id*']);
    expect(flags("VALUES (1, 'a'), (2, 'b')")).toEqual(['column1', 'column2']);
    expect(flags('SELECT * FROM (VALUES (1)) v(x) UNION ALL SELECT ssn FROM users')).toEqual(['x*']);
  });

  it('follows set-returning functions in FROM', () => {
    expect(flags('SELECT e.key, e.value FROM users u, jsonb_each(to_jsonb(u)) e')).toEqual([
      'key*',
      'value*',
    ]);
    expect(flags('SELECT x FROM users, unnest(ARRAY[email]) AS x')).toEqual(['x*']);
    expect(flags('SELECT g FROM generate_series(1, 3) g')).toEqual(['g']);
    expect(flags("SELECT r.a FROM jsonb_to_record('{}') AS r(a int, b text)")).toEqual(['a']);
  });
});

describe('maskedOutputs: other statements', () => {
  it('covers RETURNING, COPY and several statements in one string', () => {
    expect(flags("UPDATE users SET name = 'x' WHERE id = 1 RETURNING id, email")).toEqual(['id', 'email*']);
    expect(
      flags('DELETE FROM users u USING orders o WHERE o.user_id = u.id RETURNING u.ssn, o.total'),
    ).toEqual(['ssn*', 'total']);
    expect(flags("INSERT INTO users (name) VALUES ('a') RETURNING *")).toEqual([
      'id',
      'name',
      'email*',
      'ssn*',
      'data',
    ]);
    expect(flags('COPY users (id, email) TO STDOUT')).toEqual(['id', 'email*']);
    expect(flags('COPY (SELECT lower(email) AS e FROM users) TO STDOUT')).toEqual(['e*']);
    const multi = lineage("SELECT 1 AS one; CREATE TABLE t (x int); SELECT email FROM users; SET x.y = 'z'");
    if (multi.refuse) throw new Error(multi.reason);
    expect(multi.statements.map((s) => [s.returnsRows, s.columns.map((c) => c.masked)])).toEqual([
      [true, [false]],
      [false, []],
      [true, [true]],
      [false, []],
    ]);
  });

  it('reports statements without table data as returning no rows', () => {
    for (const sql of [
      'EXPLAIN SELECT email FROM users',
      'SHOW search_path',
      'FETCH 10 FROM c',
      'INSERT INTO orders SELECT * FROM orders',
    ]) {
      const r = lineage(sql);
      expect(r.refuse ? r.reason : r.statements[0]!.returnsRows).toBe(false);
    }
  });

  it('treats unknown relations as unmasked only when no rule can match them', () => {
    const narrow = compileMasking({ columns: ['public.users.email'] });
    expect(narrow.maskedOutputs('SELECT * FROM app.fresh_table', catalog)).toEqual({
      refuse: false,
      statements: [{ returnsRows: true, columns: [], exact: false, anyMasked: false }],
    });
    // `*.ssn` could name a column of any table.
    expect(refused('SELECT * FROM app.fresh_table')).toMatch(/not in the masking catalog/);
  });
});

describe('maskedOutputs: refusals', () => {
  it.each([
    ['SELECT my_func(id) FROM users', /user-defined function/],
    ['SELECT * FROM my_srf()', /user-defined function/],
    ["SELECT query_to_xml('SELECT email FROM users', true, true, '')", /runs SQL given as text/],
    ["SELECT * FROM dblink('dbname=x', 'SELECT email FROM users') AS t(e text)", /runs SQL given as text/],
    ['SELECT (u).* FROM users u', /cannot be aligned/],
    ['SELECT * FROM mystery', /not in the masking catalog/],
    ['SELECT * FROM users, mystery2', /not in the masking catalog/],
    ['SELECT * FROM v_loop', /nest too deeply/],
    ['DECLARE c CURSOR FOR SELECT email FROM users', /cursor over masked columns/],
    ['PREPARE p AS SELECT lower(email) FROM users', /SQL-level PREPARE/],
    ['CALL my_proc()', /CALL of a procedure/],
    ['SELECT nosuchcolumn FROM users', /cannot be traced/],
    ['SELECT email FROM users; SELECT my_func(1)', /user-defined function/],
    ['SELEC broken', /could not be parsed/],
  ])('%s', (sql, why) => {
    expect(refused(sql)).toMatch(why);
  });

  it('refuses set operations whose branches cannot be aligned over masked data', () => {
    expect(refused('SELECT (u).* FROM users u UNION ALL SELECT * FROM users')).toMatch(/cannot be aligned/);
  });

  it('does not refuse cursors and prepared statements over unmasked columns', () => {
    for (const sql of [
      'DECLARE c CURSOR FOR SELECT id FROM users',
      'PREPARE p AS SELECT name FROM users WHERE id = $1',
    ]) {
      const r = lineage(sql);
      expect(r.refuse).toBe(false);
    }
  });
});

describe('pgRowPlan and the resolver cache', () => {
  it('asks for catalog lookups, then combines origins with lineage', () => {
    const cache = masking.resolverCache();
    const fields = [
      { tableOid: 16384, attnum: 1, typeOid: 23 },
      { tableOid: 16384, attnum: 3, typeOid: 25 },
      { tableOid: 0, attnum: 0, typeOid: 25 },
      { tableOid: 0, attnum: 0, typeOid: 1700 },
    ];
    const r = lineage('SELECT id, email, lower(email), 1.5 FROM users');
    if (r.refuse) throw new Error(r.reason);
    const first = masking.pgRowPlan(fields, r.statements[0]!, cache);
    expect(first).toEqual({
      kind: 'lookup',
      missing: [
        { tableOid: 16384, attnum: 1 },
        { tableOid: 16384, attnum: 3 },
      ],
    });
    cache.set(16384, 1, { schema: 'public', table: 'users', column: 'id' });
    cache.set(16384, 3, { schema: 'public', table: 'users', column: 'email' });
    const second = masking.pgRowPlan(fields, r.statements[0]!, cache);
    if (second.kind !== 'plan') throw new Error(second.kind);
    expect(second.masked).toEqual([false, true, true, false]);
    expect([...second.plan.actions]).toEqual([0, 2, 2, 0]);
    cache.invalidate();
    expect(masking.pgRowPlan(fields, r.statements[0]!, cache).kind).toBe('lookup');
  });

  it('masks a column the catalog cannot name, and refuses when the result and lineage disagree', () => {
    const cache = masking.resolverCache();
    cache.set(99, 1, null);
    expect(cache.masked(99, 1)).toBe(true);
    const r = lineage('SELECT id, name FROM users');
    if (r.refuse) throw new Error(r.reason);
    const plan = masking.pgRowPlan([{ tableOid: 0, attnum: 0, typeOid: 23 }], r.statements[0]!, cache);
    expect(plan.kind).toBe('refuse');
  });

  it('masks by origin when lineage has no rows for the statement', () => {
    const cache = masking.resolverCache();
    cache.set(5, 2, { schema: 'public', table: 'users', column: 'ssn' });
    const plan = masking.pgRowPlan(
      [{ tableOid: 5, attnum: 2, typeOid: 25 }],
      { returnsRows: false, columns: [], exact: true, anyMasked: false },
      cache,
    );
    expect(plan.kind === 'plan' && plan.masked).toEqual([true]);
  });
});

describe('column patterns', () => {
  it('match schema.table.column, table.column and column with * globs, case-insensitively', () => {
    const m = new ColumnMatcher(['public.users.email', 'cards.*', 'ssn', 'hr.*.salary_*']);
    expect(m.matches('public', 'users', 'email')).toBe(true);
    expect(m.matches('public', 'Users', 'EMAIL')).toBe(true);
    expect(m.matches('app', 'users', 'email')).toBe(false);
    expect(m.matches('any', 'cards', 'number')).toBe(true);
    expect(m.matches('x', 'y', 'ssn')).toBe(true);
    expect(m.matches('hr', 'people', 'salary_eur')).toBe(true);
    expect(m.matches('hr', 'people', 'salary')).toBe(false);
    expect(m.mayMatchTable('app', 'orders')).toBe(true); // the bare `ssn` pattern could match any table
    expect(new ColumnMatcher(['public.users.email']).mayMatchTable('app', 'orders')).toBe(false);
  });

  it('reject malformed patterns', () => {
    for (const bad of ['a.b.c.d', '', 'public..email', 'users.e mail', '.email']) {
      expect(() => new ColumnMatcher([bad])).toThrow(/not a column pattern/);
    }
  });
});

describe('mysqlColumnPlan', () => {
  const col = (orgTable: string, orgName: string, name = orgName) => ({
    schema: 'shop',
    orgTable,
    orgName,
    name,
  });
  const my = compileMasking({ columns: ['shop.users.email'] });

  it('judges direct columns by their origin', () => {
    expect(
      my.mysqlColumnPlan(
        [col('users', 'id'), col('users', 'email', 'e')],
        [{ schema: 'shop', table: 'users' }],
      ),
    ).toEqual({
      refuse: false,
      masked: [false, true],
    });
  });

  it('refuses columns without an origin when a masked table is read', () => {
    const r = my.mysqlColumnPlan(
      [col('users', 'id'), col('', '', 'LOWER(email)')],
      [{ schema: 'shop', table: 'users' }],
    );
    expect(r.refuse && r.reason).toMatch(/LOWER\(email\).*shop\.users/);
    const viaView = my.mysqlColumnPlan([col('v_users', 'email')], [{ schema: 'shop', table: 'users' }]);
    expect(viaView.refuse).toBe(true);
  });

  it('allows expressions when no table read can have masked columns', () => {
    expect(my.mysqlColumnPlan([col('', '', 'COUNT(*)')], [{ schema: 'shop', table: 'orders' }])).toEqual({
      refuse: false,
      masked: [false],
    });
    const wide = compileMasking({ columns: ['*.ssn'] });
    const tables = [{ schema: 'shop', table: 'orders' }];
    expect(wide.mysqlColumnPlan([col('', '', '1')], tables).refuse).toBe(true);
    expect(wide.mysqlColumnPlan([col('', '', '1')], tables, () => ['id', 'total']).refuse).toBe(false);
  });
});
