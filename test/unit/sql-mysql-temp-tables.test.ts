import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/sql/analyze.js';
import type { MysqlAnalysisContext } from '../../src/sql/mysql/session.js';
import { singleWriteTarget, temporaryTableNames } from '../../src/sql/mysql/temp-tables.js';

describe('MySQL temporary tables: what the gateway asks the server about', () => {
  it('collects the names given to temporary tables, in every form', () => {
    expect(
      temporaryTableNames(
        'CREATE TEMPORARY TABLE a (id int); CREATE OR REPLACE TEMPORARY TABLE IF NOT EXISTS `db`.`B` LIKE x; create temporary table c as select 1',
        '',
      ),
    ).toEqual(['a', 'b', 'c']);
    expect(temporaryTableNames('CREATE TABLE a (id int); SELECT "temporary table x"', '')).toEqual([]);
  });

  it('reads the one table of a lone single-table UPDATE or DELETE', () => {
    expect(singleWriteTarget('DELETE FROM t', '')).toEqual({ name: 't' });
    expect(singleWriteTarget('DELETE LOW_PRIORITY QUICK IGNORE FROM `s`.`t` AS x WHERE id = 1;', '')).toEqual(
      {
        schema: 's',
        name: 't',
      },
    );
    expect(singleWriteTarget("UPDATE IGNORE t x SET v = 'a' WHERE id = 1", '')).toEqual({ name: 't' });
    expect(singleWriteTarget('DELETE FROM t ORDER BY id LIMIT 2', '')).toEqual({ name: 't' });
  });

  it('reads nothing from joins, several statements, CTEs or executable comments', () => {
    for (const text of [
      'DELETE t FROM t JOIN u ON t.id = u.id',
      'DELETE FROM t USING t, u',
      "UPDATE t, u SET t.v = 'a'",
      "UPDATE t JOIN u ON t.id = u.id SET t.v = 'a'",
      'DROP TEMPORARY TABLE t; DELETE FROM t',
      'WITH x AS (SELECT 1) DELETE FROM t',
      'DELETE FROM /*!50000 t */ u',
      'SELECT * FROM t',
    ])
      expect(singleWriteTarget(text, ''), text).toBeUndefined();
  });

  it('exempts the where-rules only for the text the gateway confirmed, once', () => {
    const ctx: MysqlAnalysisContext = {
      dialect: 'mysql',
      mysql: { schema: 'app', prepared: new Map(), routines: new Map() },
    };
    const rules = (text: string) => analyze(text, ctx).findings.map((f) => f.rule);
    expect(rules('DELETE FROM t')).toEqual(['destructive/delete-without-where']);
    ctx.ownTemporary = { text: 'DELETE FROM t', table: 'app.t' };
    expect(rules('UPDATE t SET v = 1')).toEqual(['destructive/update-without-where']);
    const a = analyze('DELETE FROM t', ctx);
    expect(a.findings).toEqual([]);
    expect(a.temporaryTarget).toBe('app.t');
    expect(rules('DELETE FROM t')).toEqual(['destructive/delete-without-where']);
  });

  it('exempts nothing in a write that calls a stored function (its body may write elsewhere)', () => {
    const ctx: MysqlAnalysisContext = {
      dialect: 'mysql',
      mysql: { schema: 'app', prepared: new Map(), routines: new Map() },
    };
    const text = 'UPDATE t SET v = app.f()';
    ctx.ownTemporary = { text, table: 'app.t' };
    const a = analyze(text, ctx);
    expect(a.findings.map((f) => f.rule)).toContain('destructive/update-without-where');
    expect(a.temporaryTarget).toBeUndefined();
  });
});
