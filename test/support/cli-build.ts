// The `guardrail` command built from the current sources, for tests that run it as a user does:
// a separate process (no terminal, its own exit code), without depending on dist/ having been
// rebuilt. The bundle lives under .cache/ so its packages resolve from node_modules.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleTs } from '../../scripts/bundle-ts.mjs';

export async function buildCli(): Promise<string> {
  mkdirSync('.cache', { recursive: true });
  const outfile = join(mkdtempSync(resolve('.cache', 'cli-')), 'guardrail.mjs');
  await bundleTs('src/cli/main.ts', outfile);
  return outfile;
}
