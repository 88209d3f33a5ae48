// A finding's message names what the statement acts on, in both dialects, so a reviewer reading
// `guardrail check` output or an approval comment sees which table, not only which kind of statement.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAnalyzers } from '../../src/sql/analyze.js';
import { analyzeMysqlScript } from '../../src/sql/mysql/script.js';
import { analyzePostgres } from '../../src/sql/postgres/analyze.js';

beforeAll(loadAnalyzers);

const messages = (findings: { rule: string; message: string }[]) =>
  findings.map((f) => `${f.rule}: ${f.message}`);
const mysql = (sql: string) => messages(analyzeMysqlScript(sql, { dialect: 'mysql' }).findings);
const postgres = (sql: string) => messages(analyzePostgres(sql, { dialect: 'postgres' }).findings);

describe('finding messages name the object', () => {
  it('DROP and TRUNCATE, as Postgres and MySQL word them', () => {
    for (const [sql, expected] of [
      ['DROP TABLE shop.users', 'destructive/drop-table: DROP TABLE shop.users'],
      ['DROP TABLE IF EXISTS a, b', 'destructive/drop-table: DROP TABLE a, b'],
      ['DROP VIEW v', 'destructive/drop-view: DROP VIEW v'],
      ['TRUNCATE shop.users', 'destructive/truncate: TRUNCATE shop.users removes every row'],
    ] as const) {
      expect(mysql(sql), sql).toEqual([expected]);
      expect(postgres(sql), sql).toEqual([expected]);
    }
  });

  it('MySQL DROP DATABASE, DROP INDEX … ON and DROP USER', () => {
    expect(mysql('DROP DATABASE shop')).toEqual(['destructive/drop-database: DROP DATABASE shop']);
    expect(mysql('DROP INDEX idx_email ON users')).toEqual([
      'destructive/drop-index: DROP INDEX idx_email ON users',
    ]);
    // (node-sql-parser cannot read DROP USER, so an opaque finding comes with it.)
    expect(mysql("DROP USER IF EXISTS 'bob'@'%'")).toContain('privilege/role-change: DROP USER bob@%');
  });
});
