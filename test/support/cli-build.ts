// The `guardrail` command built from the current sources, for tests that run it as a user does:
// a separate process (no terminal, its own exit code), without depending on dist/ having been
// rebuilt. Packages stay external and resolve from the repository's node_modules, which is why
// the bundle lives under .cache/.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export async function buildCli(): Promise<string> {
  mkdirSync('.cache', { recursive: true });
  const dir = mkdtempSync(resolve('.cache', 'cli-'));
  const outfile = join(dir, 'guardrail.mjs');
  await build({
    entryPoints: ['src/cli/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return outfile;
}
