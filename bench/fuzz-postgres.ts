// The Postgres differential fuzzer as a soak (test/support/pg-fuzz.ts is the engine; the test
// suite runs it with a fixed seed and a bounded count):
//   node scripts/run-ts.mjs bench/fuzz-postgres.ts [count] [seed]
// Random seed by default. Prints counts of cases, allowed, refused, executed and mismatches, and
// exits non-zero when the server executed anything the gateway did not allow.
import { startPgFuzz } from '../test/support/pg-fuzz.js';

const count = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
  console.error('usage: bench/fuzz-postgres.ts [count > 0] [seed]');
  process.exit(2);
}

const fuzz = await startPgFuzz();
const started = performance.now();
let code = 0;
try {
  const r = await fuzz.run(count, seed);
  const seconds = (performance.now() - started) / 1000;
  console.log(`postgres fuzz seed=${seed}`);
  console.log(
    `cases=${r.cases} allowed=${r.allowed} refused=${r.refused} executed=${r.executed} connections=${r.connections} mismatches=${r.mismatches.length}`,
  );
  console.log(`${seconds.toFixed(1)} s, ${(r.cases / seconds).toFixed(0)} cases/s`);
  for (const m of r.mismatches.slice(0, 20)) console.log(`MISMATCH ${m}`);
  if (r.mismatches.length > 0) code = 1;
} finally {
  await fuzz.stop();
}
process.exit(code);
