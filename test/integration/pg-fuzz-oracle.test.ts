// The differential oracle (test/support/pg-fuzz.ts) with a fixed seed and a bounded count: every
// statement the server logged as executed is one the gateway judged and allowed, with the same
// text, and no canary table was dropped. `bench/fuzz-postgres.ts` runs it long with random seeds.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PgFuzz, startPgFuzz } from '../support/pg-fuzz.js';

let fuzz: PgFuzz;

beforeAll(async () => {
  fuzz = await startPgFuzz();
});

afterAll(async () => {
  await fuzz?.stop();
});

it('executes nothing the gateway did not allow, across encodings, settings changes and pipelines', async () => {
  const report = await fuzz.run(1_500, 20261207);
  expect(report.mismatches).toEqual([]);
  // The run exercised both sides: statements ran, and destructive ones were refused.
  expect(report.executed).toBeGreaterThan(100);
  expect(report.refused).toBeGreaterThan(100);
  expect(report.connections).toBeGreaterThan(10);
}, 120_000);
