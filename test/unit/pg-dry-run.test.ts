// The dry-run plan on its own: which statements become savepoints or no-ops, what the gateway
// runs before each batch, and the transaction status the client is shown.
import { describe, expect, it } from 'vitest';
import { DryRun } from '../../src/gateway/postgres/dry-run.js';

const I = 0x49;
const T = 0x54;
const E = 0x45;

/** The SQL of a batch prefix, as text. */
function prefix(run: DryRun): string | undefined {
  const p = run.batchPrefix();
  return p?.toString('utf8', 5, p.length - 1);
}

describe('DryRun', () => {
  it('opens the transaction once and gives every batch outside a block its own savepoint', () => {
    const run = new DryRun();
    expect(prefix(run)).toBe('BEGIN; SAVEPOINT guardrail_auto');
    expect(prefix(run)).toBeUndefined(); // same batch
    expect(run.batchEnded(T)).toBe(I);
    expect(prefix(run)).toBe('RELEASE SAVEPOINT guardrail_auto; SAVEPOINT guardrail_auto');
    expect(run.batchEnded(E)).toBe(I);
    expect(prefix(run)).toBe(
      'ROLLBACK TO SAVEPOINT guardrail_auto; RELEASE SAVEPOINT guardrail_auto; SAVEPOINT guardrail_auto',
    );
  });

  it('turns the client transaction into a savepoint and shows it T, then E once it fails', () => {
    const run = new DryRun();
    prefix(run);
    const begin = run.step('  /* go */ BEGIN ISOLATION LEVEL SERIALIZABLE');
    expect(begin).toEqual({ sql: 'SAVEPOINT guardrail_tx', tag: 'BEGIN', depth: 1 });
    run.completed(begin);
    expect(run.batchEnded(T)).toBe(T);
    expect(prefix(run)).toBeUndefined();
    expect(run.batchEnded(E)).toBe(E);
    prefix(run);
    const commit = run.step('COMMIT');
    // COMMIT of a failed block rolls back, as PostgreSQL does.
    expect(commit).toEqual({ sql: 'ROLLBACK TO SAVEPOINT guardrail_tx', tag: 'ROLLBACK', depth: 0 });
    run.completed(commit);
    expect(run.batchEnded(T)).toBe(I);
    expect(prefix(run)).toBe('RELEASE SAVEPOINT guardrail_auto; SAVEPOINT guardrail_auto');
  });

  it('plans a whole multi-statement string with the depth each statement will run at', () => {
    const run = new DryRun();
    prefix(run);
    const plan = run.rewrite([
      'begin',
      'insert into t values (1)',
      'end',
      'commit',
      'start transaction',
      'abort',
    ]);
    expect(plan.steps.map((s) => s.tag ?? '-')).toEqual([
      'BEGIN',
      '-',
      'COMMIT',
      'COMMIT',
      'BEGIN',
      'ROLLBACK',
    ]);
    expect(plan.steps[3]!.notice?.code).toBe('25P01');
    expect(plan.sql?.split(';\n')[1]).toBe('insert into t values (1)');
    expect(run.rewrite(['select 1', 'select 2']).sql).toBeUndefined();
  });

  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 'CREATE INDEX'],
    ['create unique index concurrently if not exists i on t (a)', 'CREATE INDEX'],
    ['DROP INDEX CONCURRENTLY i', 'DROP INDEX'],
    ['REINDEX TABLE CONCURRENTLY t', 'REINDEX'],
    ['REINDEX (VERBOSE) DATABASE app', 'REINDEX'],
    ['VACUUM (ANALYZE) t', 'VACUUM'],
    ['CREATE DATABASE other', 'CREATE DATABASE'],
    ["ALTER SYSTEM SET work_mem = '64MB'", 'ALTER SYSTEM'],
    ['ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY', 'ALTER TABLE'],
    ["PREPARE TRANSACTION 'x'", 'PREPARE TRANSACTION'],
    ['CLUSTER', 'CLUSTER'],
  ])('skips %s', (sql, tag) => {
    const step = new DryRun().step(sql);
    expect(step).toMatchObject({ tag, skipped: true, notice: { code: '01000' } });
    expect(step.notice?.message).toContain(`guardrail dry run: skipped ${sql}`);
  });

  it.each([
    'CREATE INDEX i ON t (a)',
    'REINDEX TABLE t',
    'CLUSTER t USING i',
    'ROLLBACK TO SAVEPOINT s',
    'SAVEPOINT s',
    'ALTER TABLE t ADD COLUMN c int',
    'SELECT 1',
  ])('runs %s as written', (sql) => {
    expect(new DryRun().step(sql)).toEqual({});
  });
});
