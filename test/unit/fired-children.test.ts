// What a write reaches beyond the relation it names, without a server: a child table's objects
// (skipped when the statement says ONLY), a relation the bound left unread (opaque), the base
// table behind a MySQL view, and the columns an UPDATE sets (a key among them cascades).
import { beforeAll, describe, expect, it } from 'vitest';
import { mysqlTargets } from '../../src/impact/mysql-statements.js';
import { pgTargets } from '../../src/impact/pg-statements.js';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';
import { throughViews } from '../../src/sql/mysql/fired.js';
import type { AnalysisContext, FiredObject, FunctionBody } from '../../src/sql/types.js';

beforeAll(loadAnalyzers);

describe('Postgres: objects of child tables and cascades', () => {
  const wipe: FunctionBody = {
    schema: 'public',
    name: 'wipe',
    language: 'sql',
    body: 'DELETE FROM canary',
    securityDefiner: false,
  };
  const child: FiredObject = {
    what: 'trigger tr on c',
    events: 'dt',
    fn: { name: 'wipe', schema: 'public' },
    descendant: true,
  };
  const cascaded: FiredObject = { what: 'trigger tr on orders', events: 'd', fn: { name: 'wipe' } };
  const fired = new Map<string, FiredObject[]>([
    ['p', [child]],
    ['customers', [cascaded]],
    ['deep', [{ what: 'relations beyond x (4 levels)', events: 'ud', hidden: true }]],
  ]);
  const ctx = (): AnalysisContext => ({
    dialect: 'postgres',
    functions: { lookup: () => undefined, lookupAll: (n) => (n === 'wipe' ? [wipe] : []), known: () => true },
    fired: { firedBy: (t) => fired.get(t) ?? [] },
  });
  const rules = (text: string) => analyze(text, ctx()).findings.map((f) => f.rule);

  it('fires a child table’s trigger through its parent, unless the statement says ONLY', () => {
    expect(rules('DELETE FROM p WHERE id = 1')).toEqual(['destructive/delete-without-where']);
    expect(rules('DELETE FROM ONLY p WHERE id = 1')).toEqual([]);
    expect(rules('TRUNCATE ONLY p')).toEqual(['destructive/truncate']);
    expect(rules('TRUNCATE p')).toEqual(['destructive/truncate', 'destructive/delete-without-where']);
  });

  it('fires a cascaded table’s trigger whatever ONLY says (the cascade is the server’s)', () => {
    expect(rules('DELETE FROM ONLY customers WHERE id = 1')).toEqual(['destructive/delete-without-where']);
    expect(rules('UPDATE customers SET id = 2 WHERE id = 1')).toEqual([]);
  });

  it('holds a write reaching relations the bound left unread', () => {
    expect(rules('DELETE FROM deep WHERE id = 1')).toEqual(['opaque/dynamic-sql']);
    expect(rules('INSERT INTO deep VALUES (1)')).toEqual([]);
  });

  it('lists the columns an UPDATE sets', () => {
    const [t] = pgTargets('UPDATE customers AS c SET name = $1, id = 7 WHERE c.id = 1', () => false);
    expect(t).toMatchObject({ kind: 'update', sets: ['name', 'id'] });
  });
});

describe('MySQL: writes through views, and the columns an UPDATE sets', () => {
  const view: FiredObject = {
    what: 'view v',
    events: 'siud',
    sql: 'select `app`.`base`.`id` AS `id` from `app`.`base`',
    view: true,
  };
  const over: FiredObject = {
    what: 'view w',
    events: 'siud',
    sql: 'select `v`.`id` AS `id` from `app`.`v`',
    view: true,
  };
  const fired = { firedBy: (t: string) => (t === 'v' || t === 'app.v' ? [view] : t === 'w' ? [over] : []) };

  it('writes the tables a view reads when it is written, through views over views', () => {
    expect(throughViews([{ table: 'v', events: 'i' }], fired)).toEqual([
      { table: 'v', events: 'i' },
      { table: 'app.base', events: 'i' },
    ]);
    expect(throughViews([{ table: 'w', events: 'u' }], fired).map((t) => t.table)).toEqual([
      'w',
      'app.v',
      'app.base',
    ]);
  });

  it('does not write them on a read', () => {
    expect(throughViews([{ table: 'v', events: 's' }], fired)).toEqual([{ table: 'v', events: 's' }]);
  });

  it('lists the columns an UPDATE sets, not those compared inside a value', () => {
    const sql = 'UPDATE t SET a = 1, t.`b` = (SELECT x = 1 FROM y), c = a = 2 WHERE id = 1';
    const [t] = mysqlTargets(sql, analyze(sql, { dialect: 'mysql' }).statements[0]!.findings, undefined);
    expect(t).toMatchObject({ kind: 'update', sets: ['a', 'b', 'c'] });
  });
});
