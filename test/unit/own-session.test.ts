import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';
import type { Dialect } from '../../src/sql/types.js';

beforeAll(async () => {
  await loadAnalyzers();
});

const rules = (dialect: Dialect, text: string, backendId?: number, largeObjects?: number[]) =>
  analyze(text, {
    dialect,
    ...(backendId !== undefined ? { backendId } : {}),
    ...(largeObjects ? { largeObjects: new Set(largeObjects) } : {}),
  }).findings.map((f) => f.rule);

describe('a session signalling its own backend', () => {
  it('Postgres: pg_backend_pid() or the own pid clears the admin-function finding', () => {
    expect(rules('postgres', 'SELECT pg_cancel_backend(pg_backend_pid())')).toEqual([]);
    expect(
      rules('postgres', 'select pg_catalog.pg_terminate_backend( pg_backend_pid() ) AS "x" -- me'),
    ).toEqual([]);
    expect(rules('postgres', 'SELECT pg_terminate_backend(4242)', 4242)).toEqual([]);
    // The fast-path call of pg_terminate_backend(pid, timeout) is judged in this form.
    expect(rules('postgres', 'SELECT pg_catalog.pg_terminate_backend(4242, 0)', 4242)).toEqual([]);
  });

  it('Postgres: another pid, an unknown own pid or any other shape stays a finding', () => {
    const admin = ['exfiltration/admin-function'];
    expect(rules('postgres', 'SELECT pg_terminate_backend(4243)', 4242)).toEqual(admin);
    expect(rules('postgres', 'SELECT pg_terminate_backend(4242)')).toEqual(admin);
    expect(rules('postgres', 'SELECT pg_terminate_backend(4243, 0)', 4242)).toEqual(admin);
    expect(rules('postgres', 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity', 4242)).toEqual(admin);
    expect(rules('postgres', 'SELECT pg_cancel_backend(pg_backend_pid()), pg_reload_conf()')).toEqual([
      ...admin,
      ...admin,
    ]);
  });

  it('MySQL: KILL [QUERY|CONNECTION] of CONNECTION_ID() or the own id is clear; another id is not', () => {
    expect(rules('mysql', 'KILL QUERY CONNECTION_ID()')).toEqual([]);
    expect(rules('mysql', 'kill connection 17', 17)).toEqual([]);
    expect(rules('mysql', 'KILL 17', 17)).toEqual([]);
    expect(rules('mysql', 'KILL 18', 17)).toContain('exfiltration/admin-function');
    expect(rules('mysql', 'KILL USER app', 17)).toContain('exfiltration/admin-function');
  });
});

describe('a session unlinking large objects', () => {
  const drop = ['destructive/drop-other'];

  it('Postgres: an object the session created (its OID as a number) is its own to unlink', () => {
    expect(rules('postgres', 'SELECT lo_unlink(16400)', undefined, [16400])).toEqual([]);
    expect(rules('postgres', 'select pg_catalog.lo_unlink( 16400 ) AS ok', undefined, [16400, 9])).toEqual(
      [],
    );
  });

  it('Postgres: another object, an OID in another form, or more than the unlink stays a finding', () => {
    expect(rules('postgres', 'SELECT lo_unlink(16401)', undefined, [16400])).toEqual(drop);
    expect(rules('postgres', 'SELECT lo_unlink(16400)')).toEqual(drop);
    expect(rules('postgres', "SELECT lo_unlink('16400')", undefined, [16400])).toEqual(drop);
    expect(rules('postgres', 'SELECT lo_unlink(16399 + 1)', undefined, [16400])).toEqual(drop);
    expect(
      rules('postgres', 'SELECT lo_unlink(oid) FROM pg_largeobject_metadata', undefined, [16400]),
    ).toEqual(drop);
    expect(rules('postgres', 'SELECT lo_unlink(16400), lo_unlink(16401)', undefined, [16400])).toEqual([
      ...drop,
      ...drop,
    ]);
  });
});
