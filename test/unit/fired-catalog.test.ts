// The pieces of following what existing objects fire that need no server: the per-relation cache
// (expiry, invalidation racing a read), the MySQL relation scanner, and the Postgres analyzer
// judging fired code it is given.
import { beforeAll, describe, expect, it } from 'vitest';
import { FiredCatalog } from '../../src/gateway/fired-catalog.js';
import { analyze, loadAnalyzers, reachedPostgres } from '../../src/sql/analyze.js';
import { touchedRelations } from '../../src/sql/mysql/fired.js';
import { tokenize } from '../../src/sql/mysql/lexer.js';
import { lexFlags } from '../../src/sql/mysql/sql-mode.js';
import type { AnalysisContext, FiredObject, FunctionBody } from '../../src/sql/types.js';

beforeAll(loadAnalyzers);

const TRIGGER: FiredObject = { what: 'trigger t', events: 'i', fn: { name: 'f' } };

describe('FiredCatalog', () => {
  it('reads each relation once within its lifetime, again after it expires', async () => {
    let now = 0;
    const asked: string[][] = [];
    const cat = new FiredCatalog(
      async (tables) => {
        asked.push(tables);
        return new Map([['a', [TRIGGER]]]);
      },
      { ttlMs: 100, now: () => now },
    );
    expect(cat.needs(['a', 'b'])).toBe(true);
    await cat.prefetch(['a', 'b']);
    expect(cat.firedBy('a')).toEqual([TRIGGER]);
    expect(cat.firedBy('b')).toEqual([]);
    expect(cat.firedBy('c')).toBeUndefined();
    expect(cat.needs(['a', 'b'])).toBe(false);
    now = 101;
    expect(cat.needs(['a'])).toBe(true);
    await cat.prefetch(['a']);
    expect(asked).toEqual([['a', 'b'], ['a']]);
  });

  it('changes its version when an answer changes, and only then', async () => {
    let now = 0;
    let objects: FiredObject[] = [];
    const cat = new FiredCatalog(async () => new Map([['a', objects]]), { ttlMs: 10, now: () => now });
    await cat.prefetch(['a']);
    const v0 = cat.version;
    now = 20;
    await cat.prefetch(['a']);
    expect(cat.version).toBe(v0);
    objects = [TRIGGER];
    now = 40;
    await cat.prefetch(['a']);
    expect(cat.version).toBeGreaterThan(v0);
  });

  it('does not keep an answer to a read begun before an invalidation', async () => {
    let release: () => void = () => {};
    const cat = new FiredCatalog(
      () =>
        new Promise((resolve) => {
          release = () => resolve(new Map());
        }),
    );
    const reading = cat.prefetch(['a']);
    cat.invalidate();
    release();
    await reading;
    expect(cat.firedBy('a')).toBeUndefined();
  });

  /** A catalog whose reads wait until `answer` or `fail` settles the oldest one still waiting. */
  function gated() {
    const asked: string[][] = [];
    const waiting: { resolve: (m: Map<string, FiredObject[]>) => void; reject: (e: Error) => void }[] = [];
    const cat = new FiredCatalog((tables) => {
      asked.push([...tables]);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    });
    const answer = () => waiting.shift()!.resolve(new Map([['a', [TRIGGER]]]));
    const fail = () => waiting.shift()!.reject(new Error('side connection lost'));
    return { cat, asked, answer, fail };
  }

  it('makes statements that need a relation being read wait for that read, not read it again', async () => {
    const { cat, asked, answer } = gated();
    const first = cat.prefetch(['a', 'b']);
    const second = cat.prefetch(['a']);
    const third = cat.prefetch(['b', 'c']);
    // Only what no read is under way for is asked: c.
    expect(asked).toEqual([['a', 'b'], ['c']]);
    answer();
    answer();
    await Promise.all([first, second, third]);
    expect(cat.firedBy('a')).toEqual([TRIGGER]);
    expect(cat.firedBy('c')).toEqual([]);
    expect(cat.needs(['a', 'b', 'c'])).toBe(false);
    await cat.prefetch(['a', 'b', 'c']);
    expect(asked).toHaveLength(2);
  });

  it('rejects every statement waiting for a read that fails, and reads again for the next', async () => {
    const { cat, asked, answer, fail } = gated();
    const first = cat.prefetch(['a']);
    const second = cat.prefetch(['a']);
    fail();
    await expect(first).rejects.toThrow('side connection lost');
    await expect(second).rejects.toThrow('side connection lost');
    expect(cat.firedBy('a')).toBeUndefined();
    const again = cat.prefetch(['a']);
    answer();
    await again;
    expect(asked).toEqual([['a'], ['a']]);
    expect(cat.firedBy('a')).toEqual([TRIGGER]);
  });

  it('does not make a statement after an invalidation wait for a read begun before it', async () => {
    const { cat, asked, answer } = gated();
    const before = cat.prefetch(['a']);
    cat.invalidate();
    const after = cat.prefetch(['a']);
    expect(asked).toEqual([['a'], ['a']]);
    answer();
    await before;
    expect(cat.firedBy('a')).toBeUndefined();
    answer();
    await after;
    expect(cat.firedBy('a')).toEqual([TRIGGER]);
  });
});

describe('MySQL: the relations a statement touches', () => {
  const touched = (sql: string) => touchedRelations(tokenize(sql, lexFlags('')));
  it.each([
    ['INSERT IGNORE INTO app.t (a) VALUES (1)', [{ table: 'app.t', events: 'i' }]],
    ['INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 2', [{ table: 't', events: 'iu' }]],
    ['REPLACE INTO t VALUES (1)', [{ table: 't', events: 'id' }]],
    ['UPDATE LOW_PRIORITY t SET a = 1', [{ table: 't', events: 'u' }]],
    [
      'DELETE FROM t WHERE id IN (SELECT id FROM v)',
      [
        { table: 't', events: 'ds' },
        { table: 'v', events: 's' },
      ],
    ],
    [
      'SELECT * FROM a x, b AS y JOIN c ON c.id = x.id',
      [
        { table: 'a', events: 's' },
        { table: 'b', events: 's' },
        { table: 'c', events: 's' },
      ],
    ],
    ["LOAD DATA LOCAL INFILE 'f' INTO TABLE t", [{ table: 't', events: 'i' }]],
    ["SELECT REPLACE('a', 'b', 'c')", []],
  ])('%s', (sql, expected) => {
    expect(touched(sql)).toEqual(expected);
  });
});

describe('MySQL: a cached analysis is not reused once what fires changed', () => {
  it('judges the trigger created after the same INSERT was analysed (and cached) without one', () => {
    const fired = new Map<string, FiredObject[]>();
    const resolver = { version: 1, firedBy: (t: string) => fired.get(t) ?? [] };
    const ctx: AnalysisContext = { dialect: 'mysql', fired: resolver };
    const text = 'INSERT INTO t VALUES (1)';
    for (let i = 0; i < 3; i++) expect(analyze(text, ctx).findings).toEqual([]);
    fired.set('t', [{ what: 'trigger tr', events: 'i', sql: 'DELETE FROM canary' }]);
    resolver.version = 2;
    expect(analyze(text, ctx).findings.map((f) => f.rule)).toEqual(['destructive/delete-without-where']);
  });
});

describe('Postgres: fired code given by a resolver', () => {
  const wipe: FunctionBody = {
    schema: 'public',
    name: 'wipe',
    language: 'sql',
    body: 'DELETE FROM canary',
    securityDefiner: false,
  };
  const fired = new Map<string, FiredObject[]>([
    ['t', [{ what: 'trigger tr', events: 'd', fn: { name: 'wipe', schema: 'public' } }]],
    ['v', [{ what: 'view _RETURN', events: 'siud', sql: 'SELECT wipe() AS w', view: true }]],
    ['d', [{ what: 'default x', events: 'iu', expr: 'now()' }]],
  ]);
  const ctx = (): AnalysisContext => ({
    dialect: 'postgres',
    functions: { lookup: () => undefined, lookupAll: (n) => (n === 'wipe' ? [wipe] : []), known: () => true },
    fired: { firedBy: (t) => fired.get(t) ?? (t === 'unread' ? undefined : []) },
  });
  const rules = (text: string) => analyze(text, ctx()).findings.map((f) => f.rule);

  it('judges a trigger only for its events', () => {
    expect(rules('DELETE FROM t WHERE id = 1')).toEqual(['destructive/delete-without-where']);
    expect(rules('INSERT INTO t VALUES (1)')).toEqual([]);
  });

  it('judges a view on a read, and a pure default not at all', () => {
    expect(rules('SELECT * FROM v')).toEqual(['destructive/delete-without-where']);
    expect(rules('INSERT INTO d VALUES (1)')).toEqual([]);
  });

  it('lists what the gateway must read next: the function behind the trigger', () => {
    expect(reachedPostgres('DELETE FROM t WHERE id = 1', ctx())).toMatchObject({
      calls: [{ name: 'wipe', schema: 'public' }],
      relations: ['t', 'canary'],
    });
  });

  it('leaves the server’s own relations alone (pg_catalog, information_schema)', () => {
    const text = 'SELECT * FROM pg_stat_activity, pg_catalog.pg_class, information_schema.columns, t';
    expect(reachedPostgres(text, ctx()).relations).toEqual(['t']);
  });

  it('holds a statement touching a relation the catalog was not read for', () => {
    expect(rules('SELECT * FROM unread')).toEqual(['opaque/dynamic-sql']);
  });
});
