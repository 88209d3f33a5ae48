// Runs a TypeScript entry (bench scripts, provisioning) by bundling it to .cache/ first; Node 20
// cannot strip types.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { bundleTs } from './bundle-ts.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
mkdirSync('.cache', { recursive: true });
const outfile = `.cache/${basename(entry, '.ts')}.mjs`;
await bundleTs(entry, outfile);
const run = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
