// `npm run bench [-- SUITE…]`: runs the benchmark suites and rewrites their sections of
// BENCHMARKS.md, leaving the sections of suites that were not run as they were.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { build } from 'esbuild';
import { bundleTs } from '../scripts/bundle-ts.mjs';
import { ALLOCATION_SAMPLER } from './allocation.js';
import { ANALYSIS_SCRIPT, benchAnalysisAsDaemon, renderAnalysisBench } from './analysis.js';
import { buildGatewayProcess } from './gateway.js';
import { benchMasking } from './masking.js';
import { benchMigrations, renderMigrationsBench } from './migrations.js';
import { benchPgbench, HOTPATH_LOOP_SCRIPT } from './pgbench.js';
import { benchSysbench } from './sysbench.js';
import { benchWrites } from './writes.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);

const suites: Record<string, { title: string; run: () => Promise<string> }> = {
  analysis: {
    title: 'Statement analysis speed',
    run: async () => renderAnalysisBench(benchAnalysisAsDaemon()),
  },
  pgbench: {
    title: 'PostgreSQL proxy overhead (pgbench)',
    run: () => benchPgbench({ rounds, seconds }),
  },
  sysbench: {
    title: 'MySQL proxy overhead (sysbench)',
    // 4 targets × 2 tests × 2 protocols per round: shorter runs keep the suite near 8 minutes.
    run: () =>
      benchSysbench({
        rounds,
        seconds: Number(process.env.BENCH_SYSBENCH_SECONDS ?? Math.max(5, Math.round(seconds / 2))),
      }),
  },
  writes: {
    title: 'What the mass-change estimate adds to a write',
    run: () => benchWrites({ rounds, seconds: Number(process.env.BENCH_WRITES_SECONDS ?? 5) }),
  },
  masking: {
    title: 'Masking a large result',
    run: () => benchMasking({ rounds }),
  },
  migrations: {
    title: 'Real migrations: `guardrail check` over a migration directory',
    run: async () =>
      renderMigrationsBench(
        await benchMigrations({ files: Number(process.env.BENCH_MIGRATION_FILES ?? 400) }),
      ),
  },
};

/** What the numbers were measured on; the load average shows how much else was running. */
function machine(loadBefore: number): string {
  const cpu = cpus();
  return (
    process.env.BENCH_MACHINE ??
    `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}; 1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after the suite`
  );
}

function replaceSection(doc: string, name: string, title: string, body: string, loadBefore: number): string {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n## ${title}\n\n_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; \`npm run bench -- ${name}\`. Machine: ${machine(loadBefore)}._\n\n${body}\n${end}`;
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
await build({
  entryPoints: ['bench/allocation-sampler.ts'],
  outfile: ALLOCATION_SAMPLER,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
});
await buildGatewayProcess('.cache/gw');
await bundleTs('bench/hotpath-loop.ts', HOTPATH_LOOP_SCRIPT);
await bundleTs('bench/analysis-process.ts', ANALYSIS_SCRIPT);
const file = 'BENCHMARKS.md';
let doc = existsSync(file)
  ? readFileSync(file, 'utf8')
  : '# Benchmarks\n\nWritten by `npm run bench`. Ratios come from runs side by side in one invocation; absolute numbers vary with the machine.\n';
for (const n of names) {
  const suite = suites[n]!;
  console.log(`== ${suite.title}`);
  const loadBefore = loadavg()[0]!;
  doc = replaceSection(doc, n, suite.title, await suite.run(), loadBefore);
  writeFileSync(file, doc);
}
console.log(`wrote ${file}`);
