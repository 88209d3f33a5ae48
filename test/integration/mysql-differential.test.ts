// The server's own log as the oracle: a seeded fuzzer mixes client character sets, sql_mode
// changes (SET, SET STATEMENT, @@ forms, executable comments, a procedure, EXECUTE), executable
// comments versioned around the server's version and pipelined commands around statements that
// destroy a canary table, through the gateway with the default enforce policy and no approver.
// Every statement MariaDB's slow log says it ran must be one the gateway judged and allowed,
// and the canary must be intact. `npm run fuzz` runs the same engine longer (bench/fuzz-mysql.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnalyzers } from '../../src/sql/analyze.js';
import { type Differential, startDifferential } from '../support/mysql-differential.js';

let d: Differential;

beforeAll(async () => {
  await loadAnalyzers();
  d = await startDifferential();
}, 60_000);
afterAll(async () => {
  await d?.stop();
});

describe('differential oracle (MariaDB slow log)', () => {
  it('runs nothing the gateway did not judge and allow, with the same text', async () => {
    const report = await d.run(1200, 20261207);
    expect(report.mismatches).toEqual([]);
    // The run exercised both sides: statements ran, and statements were refused.
    expect(report.executed).toBeGreaterThan(1000);
    expect(report.allowed).toBeGreaterThan(300);
    expect(report.refused).toBeGreaterThan(300);
  }, 120_000);
});
