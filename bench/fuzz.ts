// `npm run fuzz -- [count] [seed] [postgres|mysql]`: the differential soak of both dialects, one
// after the other (they would only slow each other down on two cores). Each dialect's script starts
// its own throwaway server with statement logging and the gateway with the default enforce policy,
// and fails when the server logged a statement the gateway did not allow. Random seed by default;
// the seed is printed so that a failing run can be repeated.
import { spawnSync } from 'node:child_process';

const DIALECTS = ['postgres', 'mysql'] as const;
const [countArg, seedArg, only] = process.argv.slice(2);
const count = countArg ?? '100000';
const seed = seedArg ?? String(Math.floor(Math.random() * 2 ** 31));
if (!/^[1-9]\d*$/.test(count) || !/^\d+$/.test(seed) || (only && !DIALECTS.includes(only as never))) {
  console.error('usage: npm run fuzz -- [count] [seed] [postgres|mysql]');
  process.exit(2);
}

let failed = 0;
for (const dialect of DIALECTS.filter((d) => !only || d === only)) {
  console.log(`== ${dialect}: ${count} cases, seed ${seed}`);
  const run = spawnSync(process.execPath, ['scripts/run-ts.mjs', `bench/fuzz-${dialect}.ts`, count, seed], {
    stdio: 'inherit',
  });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
