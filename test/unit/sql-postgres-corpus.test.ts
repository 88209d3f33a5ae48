import { beforeAll, describe, expect, it } from 'vitest';
import { decide, defaultPolicy, verdictLevel } from '../../src/policy/index.js';
import { analyzePostgres, clearAnalysisCaches } from '../../src/sql/postgres/analyze.js';
import { loadPostgresParser } from '../../src/sql/postgres/parser.js';
import { RULE_IDS, RULES } from '../../src/sql/rules.js';
import type { AnalysisContext } from '../../src/sql/types.js';
import { POSTGRES_CORPUS } from '../fixtures/postgres-corpus.js';

/** Rules only the MySQL analyzer or the runtime row estimate can report. */
const NOT_POSTGRES_STATIC = new Set([
  'destructive/replace',
  'destructive/truncate-partition',
  'exfiltration/into-outfile',
  'exfiltration/load-data',
  'opaque/prepare-from-variable',
  'mass-change/rows',
  // Needs a statement over the size cap: tested in sql-postgres-analyze.test.ts.
  'opaque/oversized',
  // The schema judgement of migrations (src/sql/migration): test/fixtures/migrations-corpus.ts.
  'destructive/narrowing-type',
  'destructive/drop-recreated',
  'mass-change/data-change',
  // Masking's strict mode (needs column rules): test/integration/masking-strict-postgres.test.ts.
  'exfiltration/masked-column-use',
]);

const EVASIONS = [
  'SELECT 1; DROP TABLE users',
  '/* a /* b */ ; DROP TABLE t; -- */ SELECT 1',
  "DO $x$ BEGIN EXECUTE 'DR'||'OP TABLE users'; END $x$",
  'CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$TRUNCATE users$$; SELECT f()',
  'WITH d AS (DELETE FROM users RETURNING 1) SELECT 1',
  'COPY (DELETE FROM users RETURNING id) TO STDOUT',
  'PREPARE p AS DELETE FROM users; EXECUTE p',
  "SELECT 'a\\'; DROP TABLE users; -- '",
  'TRUNCATE users CASCADE',
  'MERGE INTO users u USING src s ON u.id = s.id WHEN MATCHED THEN DELETE',
  'DELETE FROM t WHERE 1=1',
  "SELECT dblink_exec('dbname=app', 'DROP TABLE users')",
  'SET ROLE postgres',
];

function fresh(): AnalysisContext {
  return { dialect: 'postgres' };
}

function rulesOf(sql: string): string[] {
  return [...new Set(analyzePostgres(sql, fresh()).findings.map((f) => f.rule))].sort();
}

beforeAll(async () => {
  await loadPostgresParser();
});

describe('Postgres corpus', () => {
  it('has at least 150 statements and covers every Postgres rule and every evasion', () => {
    expect(POSTGRES_CORPUS.length).toBeGreaterThanOrEqual(150);
    const covered = new Set(POSTGRES_CORPUS.flatMap((e) => e.rules));
    const missing = RULE_IDS.filter((id) => !NOT_POSTGRES_STATIC.has(id) && !covered.has(id));
    expect(missing).toEqual([]);
    const sqls = new Set(POSTGRES_CORPUS.map((e) => e.sql));
    expect(EVASIONS.filter((e) => !sqls.has(e))).toEqual([]);
  });

  it.each(POSTGRES_CORPUS.map((e) => [e.sql, e.rules] as const))('%s → %j', (sql, rules) => {
    clearAnalysisCaches();
    expect(rulesOf(sql)).toEqual(rules);
    // Warm (exact-text cache) and shape-cache paths give the same answer.
    expect(rulesOf(sql)).toEqual(rules);
  });

  it('never allows under the default policy what the database would execute destructively', () => {
    const policy = defaultPolicy();
    const leaks = POSTGRES_CORPUS.filter((e) => e.destructive).filter(
      (e) => decide(analyzePostgres(e.sql, fresh()), policy).action === 'allow',
    );
    expect(leaks.map((e) => e.sql)).toEqual([]);
  });

  it('allows benign statements (lock-heavy ones with warnings) under the default policy', () => {
    const policy = defaultPolicy();
    for (const e of POSTGRES_CORPUS) {
      const level = verdictLevel(decide(analyzePostgres(e.sql, fresh()), policy));
      if (e.rules.length === 0) expect([e.sql, level]).toEqual([e.sql, 'allow']);
      else if (e.rules.every((id) => RULES[id as keyof typeof RULES].category === 'lock-heavy'))
        expect([e.sql, level]).toEqual([e.sql, 'warn']);
      else expect([e.sql, ['review', 'deny'].includes(level)]).toEqual([e.sql, true]);
    }
  });
});
