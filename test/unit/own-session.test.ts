import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';
import type { Dialect } from '../../src/sql/types.js';

beforeAll(async () => {
  await loadAnalyzers();
});

const rules = (dialect: Dialect, text: string, backendId?: number) =>
  analyze(text, { dialect, ...(backendId !== undefined ? { backendId } : {}) }).findings.map((f) => f.rule);

describe('a session signalling its own backend', () => {
  it('Postgres: pg_backend_pid() or the own pid clears the admin-function finding', () => {
    expect(rules('postgres', 'SELECT pg_cancel_backend(pg_backend_pid())')).toEqual([]);
    expect(
      rules('postgres', 'select pg_catalog.pg_terminate_backend( pg_backend_pid() ) AS "x" -- me'),
    ).toEqual([]);
    expect(rules('postgres', 'SELECT pg_terminate_backend(4242)', 4242)).toEqual([]);
  });

  it('Postgres: another pid, an unknown own pid or any other shape stays a finding', () => {
    const admin = ['exfiltration/admin-function'];
    expect(rules('postgres', 'SELECT pg_terminate_backend(4243)', 4242)).toEqual(admin);
    expect(rules('postgres', 'SELECT pg_terminate_backend(4242)')).toEqual(admin);
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
