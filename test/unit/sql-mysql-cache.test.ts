// The MySQL analysis cache in src/sql/analyze.ts: a result served from it must be what a cold
// analysis gives, and inputs whose result depends on the session must never be served from it.
import { beforeEach, describe, expect, it } from 'vitest';
import { analyze, clearAnalysisCaches, mysqlShapeHits } from '../../src/sql/analyze.js';
import { analyzeMysql, type MysqlAnalysis } from '../../src/sql/mysql/analyze.js';
import type { MysqlAnalysisContext } from '../../src/sql/mysql/session.js';
import { corpus } from '../fixtures/mysql/corpus.js';

const rules = (a: { findings: { rule: string }[] }) => a.findings.map((f) => f.rule);

/** Runs each input through `analyze` and carries the session forward the way the gateway does. */
class Session {
  readonly ctx: MysqlAnalysisContext;

  /** The gateway reads the session's sql_mode when the client connects. */
  constructor(sqlMode = '') {
    this.ctx = { dialect: 'mysql', sqlMode };
  }

  run(text: string): MysqlAnalysis {
    const a = analyze(text, this.ctx) as MysqlAnalysis;
    const { after } = a;
    this.ctx.mysql = {
      prepared: after.prepared,
      routines: after.routines,
      ...(after.schema !== undefined ? { schema: after.schema } : {}),
    };
    if (after.sqlMode !== undefined) this.ctx.sqlMode = after.sqlMode;
    return a;
  }
}

beforeEach(() => clearAnalysisCaches());

describe('MySQL analysis cache', () => {
  it('gives the cold result for every corpus input analysed three times', () => {
    let reused = 0;
    for (const c of corpus) {
      const ctx = (): MysqlAnalysisContext => ({ dialect: 'mysql', ...(c.mode ? { sqlMode: c.mode } : {}) });
      const cold = analyzeMysql(c.sql, ctx());
      // Kept from its second sighting on: the third is the first that can be served.
      const [first, second, third] = [analyze(c.sql, ctx()), analyze(c.sql, ctx()), analyze(c.sql, ctx())];
      expect(first, c.sql).toEqual(cold);
      expect(second, c.sql).toEqual(cold);
      expect(third, c.sql).toEqual(cold);
      if (third !== second && third.statements === second.statements) reused++;
    }
    // The corpus has plenty of plain statements: the cache must actually serve some.
    expect(reused).toBeGreaterThan(20);
  });

  it('gives the cold result when the session carries prepared statements, routines and a schema', () => {
    const ctx: MysqlAnalysisContext = {
      dialect: 'mysql',
      sqlMode: 'STRICT_TRANS_TABLES',
      mysql: {
        prepared: new Map([['st', { text: 'DROP TABLE t' }]]),
        routines: new Map([['p', 'DELETE FROM t']]),
        schema: 'app',
      },
    };
    for (const c of corpus) {
      if (c.mode) continue;
      analyze(c.sql, ctx);
      analyze(c.sql, ctx);
      expect(analyze(c.sql, ctx), c.sql).toEqual(analyzeMysql(c.sql, ctx));
    }
  });

  it('returns a fresh object whose session state is the caller’s', () => {
    // Not a query or row change: the exact-text cache's, not the shape cache's.
    const text = "SHOW TABLE STATUS LIKE 'sbtest1'";
    const first: MysqlAnalysisContext = { dialect: 'mysql', mysql: { schema: 'app' } };
    analyze(text, first); // the first sighting is only remembered
    const a = analyze(text, first) as MysqlAnalysis;
    const prepared = new Map([['st', { text: 'SELECT 1' }]]);
    const second: MysqlAnalysisContext = { dialect: 'mysql', mysql: { prepared, schema: 'app' } };
    const b = analyze(text, second) as MysqlAnalysis;
    // Served from the cache, in an object of its own.
    expect(b.statements).toBe(a.statements);
    expect(b).not.toBe(a);
    expect(b.after.prepared.get('st')).toEqual({ text: 'SELECT 1' });
    expect(b.after.schema).toBe('app');
    expect(a.after.prepared.size).toBe(0);
    expect(b).toEqual(analyzeMysql(text, second));
  });

  it('keeps a text only from its second sighting on', () => {
    const ctx: MysqlAnalysisContext = { dialect: 'mysql' };
    const once = (i: number) => `SHOW TABLE STATUS LIKE 'sbtest${i}'`;
    // Each text seen once (sysbench's random ids): nothing is served from the cache.
    const firsts = [1, 2, 3].map((i) => analyze(once(i), ctx));
    const again = [1, 2, 3].map((i) => analyze(once(i), ctx));
    for (const [i, a] of again.entries()) expect(a.statements).not.toBe(firsts[i]!.statements);
    // Seen before: the second analysis was kept, and the third is served from it.
    const third = [1, 2, 3].map((i) => analyze(once(i), ctx));
    for (const [i, a] of third.entries()) {
      expect(a.statements).toBe(again[i]!.statements);
      expect(a).toEqual(analyzeMysql(once(i + 1), ctx));
    }
  });

  it('never serves one literal’s result for another: corpus inputs with their literals changed', () => {
    /** The input with every number and every quoted string's content changed (a new literal, same shape). */
    const variant = (sql: string, n: number) =>
      sql
        .replace(/(?<![\w$@.])\d+(?![\w$])/g, (d) => String(Number(d) + n))
        .replace(/'([^'\\]*)'/g, (_m, body: string) => `'${body}${n}'`);
    let changed = 0;
    for (const c of corpus) {
      const ctx = (): MysqlAnalysisContext => ({ dialect: 'mysql', ...(c.mode ? { sqlMode: c.mode } : {}) });
      const texts = [c.sql, variant(c.sql, 1), variant(c.sql, 7)];
      if (texts[1] !== c.sql) changed++;
      // Interleaved, three times over, so each text is served from the cache between the others.
      for (let round = 0; round < 3; round++)
        for (const text of texts) expect(analyze(text, ctx()), text).toEqual(analyzeMysql(text, ctx()));
    }
    expect(changed).toBeGreaterThan(50);
  });

  it('serves new literals of a query or a by-key UPDATE from its shape', () => {
    const ctx: MysqlAnalysisContext = { dialect: 'mysql', sqlMode: 'STRICT_TRANS_TABLES' };
    const texts = [
      ...[1, 2, 3].map((i) => `SELECT c FROM sbtest1 WHERE id=${i}`),
      ...[1, 2, 3].map((i) => `UPDATE sbtest1 SET k=k+1 WHERE id=${i}`),
      ...[1, 2, 3].map((i) => `INSERT INTO sbtest1 (id, k, c) VALUES (${i}, ${i * 7}, 'x${i}')`),
    ];
    for (const text of texts) expect(analyze(text, ctx), text).toEqual(analyzeMysql(text, ctx));
    // The first of each shape is analysed in full; the other two come from its shape.
    expect(mysqlShapeHits()).toBe(6);
    const update = analyze('UPDATE sbtest1 SET k=k+1 WHERE id=99', ctx) as MysqlAnalysis;
    expect(mysqlShapeHits()).toBe(7);
    expect(update.statements[0]!.canonical).toBe('UPDATE sbtest1 SET k = k + 1 WHERE id = 99');
    expect(update.readOnly).toBe(false);
    // A placeholder is not a literal: the prepared form has a shape of its own.
    analyze('UPDATE sbtest1 SET k=k+1 WHERE id=?', ctx);
    expect(mysqlShapeHits()).toBe(7);
  });

  it('never lets a shape hide a WHERE that literals can make match every row', () => {
    const ctx: MysqlAnalysisContext = { dialect: 'mysql' };
    const fires = (text: string) => rules(analyze(text, ctx)).includes('destructive/update-without-where');
    // First seen harmless, then always true, for several shapes where a literal decides it.
    for (const [safe, every] of [
      ['UPDATE t SET k = 1 WHERE 1 = 2', 'UPDATE t SET k = 1 WHERE 1 = 1'],
      ['UPDATE t SET k = 1 WHERE id = 5 AND 0', 'UPDATE t SET k = 1 WHERE id = 5 OR 1'],
      ['UPDATE t SET k = 1 WHERE id = 5 OR 0', 'UPDATE t SET k = 1 WHERE id = 5 OR 1'],
      ["UPDATE t SET k = 1 WHERE 'a' = 'b'", "UPDATE t SET k = 1 WHERE 'a' = 'a'"],
    ] as const) {
      clearAnalysisCaches();
      expect(fires(safe), safe).toBe(false);
      expect(fires(safe), safe).toBe(false);
      expect(fires(every), every).toBe(true);
    }
    expect(mysqlShapeHits()).toBe(0);
  });

  it('does not serve a shape to a text whose literal takes it over the parse cap', () => {
    const ctx: MysqlAnalysisContext = { dialect: 'mysql', maxStatementLength: 200 };
    // Row changes are parsed, so the cap applies to them.
    const short = "UPDATE t SET c = 'x' WHERE id = 1";
    const long = `UPDATE t SET c = '${'x'.repeat(300)}' WHERE id = 1`;
    analyze(short, ctx);
    analyze(short, ctx);
    expect(rules(analyze(long, ctx))).toEqual(['opaque/oversized']);
    expect(analyze(long, ctx)).toEqual(analyzeMysql(long, ctx));
  });

  it('keeps literals inside optimizer hints in the shape: their values are judged', () => {
    const ctx: MysqlAnalysisContext = { dialect: 'mysql' };
    const on = 'SELECT /*+ SET_VAR(foreign_key_checks = 1) */ c FROM t WHERE id = 1';
    const off = 'SELECT /*+ SET_VAR(foreign_key_checks = 0) */ c FROM t WHERE id = 1';
    analyze(on, ctx);
    expect(analyze(off, ctx)).toEqual(analyzeMysql(off, ctx));
    expect(rules(analyze(off, ctx))).not.toEqual([]);
  });

  it('does not reuse what a PREPARE put in the session for a later EXECUTE', () => {
    const s = new Session();
    s.run("PREPARE st FROM 'SELECT 1'");
    expect(rules(s.run('EXECUTE st'))).toEqual([]);
    s.run("PREPARE st FROM 'DROP TABLE t'");
    expect(rules(s.run('EXECUTE st'))).toContain('destructive/drop-table');
    // And the other way round, for the same texts again.
    s.run("PREPARE st FROM 'SELECT 1'");
    expect(rules(s.run('EXECUTE st'))).toEqual([]);
  });

  it('does not carry one session’s prepared statements or schema into another', () => {
    const a = new Session();
    const b = new Session();
    a.run("PREPARE st FROM 'DROP TABLE t'");
    expect(rules(a.run('EXECUTE st'))).toContain('destructive/drop-table');
    expect(rules(b.run('EXECUTE st'))).toEqual(['opaque/dynamic-sql']);

    a.run('USE mysql');
    b.run('USE app');
    expect(rules(a.run('INSERT INTO user VALUES (1)'))).toContain('privilege/catalog-write');
    expect(rules(b.run('INSERT INTO user VALUES (1)'))).not.toContain('privilege/catalog-write');
  });

  it('follows DEALLOCATE, procedures and sql_mode changes in each session', () => {
    const a = new Session();
    const b = new Session();
    b.run('DEALLOCATE PREPARE st');
    a.run("PREPARE st FROM 'DROP TABLE t'");
    a.run('DEALLOCATE PREPARE st');
    expect(rules(a.run('EXECUTE st'))).toEqual(['opaque/dynamic-sql']);

    a.run('CREATE PROCEDURE p() BEGIN DROP TABLE t; END');
    expect(rules(a.run('CALL p()'))).toContain('destructive/drop-table');
    expect(rules(b.run('CALL p()'))).not.toContain('destructive/drop-table');

    // Under NO_BACKSLASH_ESCAPES the backslash does not escape the quote: the string ends
    // there and the DROP after it is a statement of its own.
    const text = "SELECT 'a\\'; DROP TABLE t; -- '";
    const c = new Session();
    const d = new Session();
    expect(rules(c.run(text))).toEqual([]);
    c.run("SET sql_mode = 'NO_BACKSLASH_ESCAPES'");
    expect(rules(c.run(text))).toContain('destructive/drop-table');
    expect(rules(d.run(text))).toEqual([]);
  });
});

describe('the MySQL cache and the server it judges for', () => {
  beforeEach(() => clearAnalysisCaches());

  it('judges an executable comment for the server it is given, however often it was seen for another', () => {
    // MariaDB never runs /*!50700 … */ comments; MySQL 8.0 does.
    const text = 'SELECT 1 /*!50700 ; DROP TABLE users */';
    const mariadb: MysqlAnalysisContext = {
      dialect: 'mysql',
      sqlMode: '',
      server: { flavour: 'mariadb', version: 101119 },
    };
    const mysql: MysqlAnalysisContext = {
      dialect: 'mysql',
      sqlMode: '',
      server: { flavour: 'mysql', version: 80036 },
    };
    for (let i = 0; i < 3; i++)
      expect(rules(analyze(text, { ...mariadb }))).not.toContain('destructive/drop-table');
    expect(rules(analyze(text, { ...mysql }))).toContain('destructive/drop-table');
    expect(rules(analyze(text, { dialect: 'mysql', sqlMode: '' }))).toContain('destructive/drop-table');
  });
  it('does not serve a DELETE whose WHERE sits in an executable comment the server skips', () => {
    const server = { flavour: 'mariadb', version: 101100 } as const;
    const ctx = (): MysqlAnalysisContext => ({ dialect: 'mysql', sqlMode: '', server });
    expect(rules(analyze('DELETE FROM t /*!10000 WHERE id = 99 */', ctx()))).toEqual([]);
    const skipped = 'DELETE FROM t /*!99999 WHERE id = 1 */';
    const cold = analyzeMysql(skipped, ctx());
    expect(rules(cold)).not.toEqual([]);
    expect(rules(analyze(skipped, ctx()))).toEqual(rules(cold));
  });
  it("does not serve LIKE '%' from the shape of a narrow LIKE pattern", () => {
    const ctx = (): MysqlAnalysisContext => ({ dialect: 'mysql', sqlMode: '' });
    expect(rules(analyze("DELETE FROM t WHERE a LIKE 'x%'", ctx()))).toEqual([]);
    const every = "DELETE FROM t WHERE a LIKE '%'";
    const cold = analyzeMysql(every, ctx());
    expect(rules(cold)).toContain('destructive/delete-without-where');
    expect(rules(analyze(every, ctx()))).toEqual(rules(cold));
  });
  it('does not serve IF(1, …) from the shape of IF(0, …) in a WHERE', () => {
    const ctx = (): MysqlAnalysisContext => ({ dialect: 'mysql', sqlMode: '' });
    analyze('DELETE FROM t WHERE IF(0, 1, id = 5)', ctx());
    const every = 'DELETE FROM t WHERE IF(1, 1, id = 5)';
    const cold = analyzeMysql(every, ctx());
    expect(rules(cold)).toContain('destructive/delete-without-where');
    expect(rules(analyze(every, ctx()))).toEqual(rules(cold));
  });
});

describe('which writes the MySQL shape cache serves', () => {
  beforeEach(() => clearAnalysisCaches());

  it('serves a write by its shape only when its WHERE pins a column to a value', () => {
    const ctx = (): MysqlAnalysisContext => ({ dialect: 'mysql', sqlMode: '' });
    const hitsFor = (texts: string[]) => {
      clearAnalysisCaches();
      const before = mysqlShapeHits();
      for (const t of texts) expect(rules(analyze(t, ctx()))).toEqual(rules(analyzeMysql(t, ctx())));
      return mysqlShapeHits() - before;
    };
    expect(hitsFor(['UPDATE t SET k = k + 1 WHERE id = 5', 'UPDATE t SET k = k + 1 WHERE id = 7'])).toBe(1);
    expect(hitsFor(['DELETE FROM t WHERE id > 5', 'DELETE FROM t WHERE id > 7'])).toBe(0);
    expect(hitsFor(["DELETE FROM t WHERE name LIKE '9%'", "DELETE FROM t WHERE name LIKE '%'"])).toBe(0);
  });

  it('serves writes in a session with a current schema, keyed by that schema', () => {
    // A gateway session always has a schema (the one it connected to): its writes must reach
    // the shape cache, and a grant-table write must still be judged by the schema it runs in.
    const inSchema = (schema: string): MysqlAnalysisContext => ({
      dialect: 'mysql',
      sqlMode: '',
      mysql: { schema, prepared: new Map(), routines: new Map() },
    });
    const writes = [
      'UPDATE user SET k = k + 1 WHERE id = 5',
      'UPDATE user SET k = k + 1 WHERE id = 7',
      "INSERT INTO user (id, c) VALUES (8, 'a')",
      "INSERT INTO user (id, c) VALUES (9, 'b')",
      'DELETE FROM user WHERE id = 3',
      'DELETE FROM user WHERE id = 4',
    ];
    const before = mysqlShapeHits();
    for (const t of writes) {
      const a = analyze(t, inSchema('app')) as MysqlAnalysis;
      expect(a.sessionSensitive).toBe(false);
      expect(rules(a)).toEqual(rules(analyzeMysql(t, inSchema('app'))));
    }
    expect(mysqlShapeHits() - before).toBe(3);
    for (const t of writes) {
      expect(rules(analyze(t, inSchema('mysql')))).toContain('privilege/catalog-write');
      expect(rules(analyze(t, inSchema('app')))).not.toContain('privilege/catalog-write');
    }
  });
});
