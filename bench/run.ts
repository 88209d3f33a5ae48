// `npm run bench [-- SUITE…]`: runs the benchmark suites and rewrites their sections of
// BENCHMARKS.md, leaving the sections of suites that were not run as they were.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { benchAnalysis, renderAnalysisBench } from './analysis.js';
import { benchPgbench } from './pgbench.js';

const suites: Record<string, { title: string; run: () => Promise<string> }> = {
  analysis: {
    title: 'Statement analysis speed',
    run: async () => renderAnalysisBench(await benchAnalysis()),
  },
  pgbench: {
    title: 'PostgreSQL proxy overhead (pgbench)',
    run: () =>
      benchPgbench({
        rounds: Number(process.env.BENCH_ROUNDS ?? 3),
        seconds: Number(process.env.BENCH_SECONDS ?? 20),
      }),
  },
};

function replaceSection(doc: string, name: string, title: string, body: string): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n## ${title}\n\n_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on this machine (${process.env.BENCH_MACHINE ?? '2 cores'}); \`npm run bench -- ${name}\`._\n\n${body}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  return i >= 0 && j > i
    ? doc.slice(0, i) + section + doc.slice(j + end.length)
    : `${doc.trimEnd()}\n\n${section}\n`;
}

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(suites);
for (const n of names)
  if (!suites[n]) throw new Error(`unknown suite ${n}; suites: ${Object.keys(suites).join(', ')}`);

await build({
  entryPoints: ['bench/relay.ts'],
  outfile: '.cache/relay.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
});
const file = 'BENCHMARKS.md';
let doc = existsSync(file)
  ? readFileSync(file, 'utf8')
  : '# Benchmarks\n\nWritten by `npm run bench`. Ratios come from runs side by side in one invocation; absolute numbers vary with the machine.\n';
for (const n of names) {
  const suite = suites[n]!;
  console.log(`== ${suite.title}`);
  doc = replaceSection(doc, n, suite.title, await suite.run());
  writeFileSync(file, doc);
}
console.log(`wrote ${file}`);
