// The MySQL differential fuzzer as a soak: `node scripts/run-ts.mjs bench/fuzz-mysql.ts [count]
// [seed]` (random seed by default) starts a throwaway MariaDB and the gateway, plays `count`
// generated cases in batches, and prints counts; it exits non-zero on any mismatch, naming the
// seed so the run can be repeated. The engine is test/support/mysql-differential.ts.
import { loadAnalyzers } from '../src/sql/analyze.js';
import { startDifferential } from '../test/support/mysql-differential.js';

const count = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
  console.error('usage: bench/fuzz-mysql.ts [count] [seed]');
  process.exit(2);
}
const BATCH = 5_000;

await loadAnalyzers();
const d = await startDifferential();
const totals = { cases: 0, allowed: 0, refused: 0, failed: 0, executed: 0, mismatches: 0 };
const started = Date.now();
try {
  for (let done = 0, batch = 0; done < count; done += BATCH, batch++) {
    // Each batch has its own seed derived from the run's, so a failing batch replays alone.
    const batchSeed = (seed + batch * 7919) >>> 0;
    const r = await d.run(Math.min(BATCH, count - done), batchSeed);
    totals.cases += r.cases;
    totals.allowed += r.allowed;
    totals.refused += r.refused;
    totals.failed += r.failed;
    totals.executed += r.executed;
    totals.mismatches += r.mismatches.length;
    for (const m of r.mismatches.slice(0, 20)) console.error(`mismatch (batch seed ${batchSeed}): ${m}`);
    console.error(`${totals.cases}/${count} cases, ${totals.mismatches} mismatches`);
  }
} finally {
  await d.stop();
}
const seconds = (Date.now() - started) / 1000;
console.log(
  `mysql fuzz: seed ${seed}, ${totals.cases} cases (${(totals.cases / seconds).toFixed(0)}/s), ` +
    `${totals.allowed} commands allowed, ${totals.refused} refused, ${totals.failed} failed at the server, ` +
    `${totals.executed} statements executed, ${totals.mismatches} mismatches`,
);
process.exit(totals.mismatches > 0 ? 1 : 0);
