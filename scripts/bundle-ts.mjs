// Bundles a TypeScript entry into one ESM file for Node 20 (which cannot strip types), with
// packages left external so they resolve from node_modules: the output must live inside the
// repository. Used by run-ts.mjs and by tests that run the CLI from its sources.
import { build } from 'esbuild';

/** @param {string} entry @param {string} outfile */
export async function bundleTs(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
}
