// Analysis speed for both dialects: cold (full parse, caches cleared before every call), shape
// (same statement shape, new literals: lexing pass + cached shape) and warm (the same text
// again: exact-text cache). Targets: warm (digest cache hits) >= 500k statements/s; short
// statement cold < 100 us. `pgbench -S` in simple mode sends PGBENCH with a new aid every time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../src/gateway/daemon-contract.js';
import { analyze, clearAnalysisCaches, loadAnalyzers, mysqlShapeHits } from '../src/sql/analyze.js';
import { analysisCacheStats, analyzePostgres } from '../src/sql/postgres/analyze.js';
import type { Analysis } from '../src/sql/types.js';
import { benchResolution, type ResolutionRow, renderResolution } from './resolution.js';

export interface DialectBench {
  /** Median microseconds per short statement with empty caches. */
  coldMedianUs: number;
  /** Median microseconds for a longer ORM-style join. */
  coldJoinMedianUs: number;
  /** Statements per second, each with new literals (shape cache, where the dialect has one). */
  shapePerSec: number;
  /** The same for pgbench's select (`pgbench -S`, simple protocol). */
  pgbenchPerSec: number;
  /** The same for a by-key UPDATE in a session with a current schema, as a backfill sends them. */
  writePerSec: number;
  /** Statements per second, the same text repeated. */
  warmPerSec: number;
}

export interface AnalysisBench {
  postgres: DialectBench;
  mysql: DialectBench;
  /** What following calls and fired objects costs, cold catalog and warm cache (Postgres). */
  resolution: ResolutionRow[];
}

const SHORT = (i: number) => `SELECT id, email FROM users WHERE id = ${i}`;
const PGBENCH = (i: number) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${i};`;
const WRITE = (i: number) => `UPDATE pgbench_accounts SET abalance = abalance + ${i % 5000} WHERE aid = ${i}`;
const JOIN = (i: number) =>
  `SELECT u.id, u.email, o.id AS order_id, o.total, p.name FROM users u JOIN orders o ON o.user_id = u.id JOIN products p ON p.id = o.product_id WHERE u.id = ${i} AND o.created_at > '2024-01-01' AND o.status IN ('paid', 'shipped') ORDER BY o.created_at DESC LIMIT 50`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function coldUs(run: (i: number) => unknown, reset: () => void, rounds: number): number {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    reset();
    const t0 = process.hrtime.bigint();
    run(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(times);
}

/**
 * Statements per second of CPU time used by this process: the machine is shared (its load is
 * in the section header), and wall time would measure the other processes as well. The median
 * of three runs of `count`: the first run of a path also pays for V8 optimising it (a gateway
 * does that once, in its first seconds), which took ~40 % off the figure of a single run.
 */
function perSec(run: (i: number) => unknown, count: number): number {
  for (let i = 0; i < Math.min(count, 1000); i++) run(i);
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const before = process.cpuUsage();
    for (let i = r * count; i < (r + 1) * count; i++) run(i);
    const used = process.cpuUsage(before);
    rates.push(Math.round(count / ((used.user + used.system) / 1e6)));
  }
  return median(rates);
}

function dialect(
  analyze: (text: string) => Analysis,
  /** As `analyze`, in a session that has a current schema (MySQL keys its caches by it). */
  analyzeInSession: (text: string) => Analysis,
  reset: () => void,
  rounds: number,
  count: number,
  checkShapeRuns: (runs: number, shapes: number) => void = () => {},
): DialectBench {
  const coldMedianUs = coldUs((i) => analyze(SHORT(i)), reset, rounds);
  const coldJoinMedianUs = coldUs((i) => analyze(JOIN(i)), reset, rounds);
  reset();
  const shapeCount = Math.ceil(count / 10);
  const shapePerSec = perSec((i) => analyze(SHORT(i)), shapeCount);
  const pgbenchPerSec = perSec((i) => analyze(PGBENCH(i)), shapeCount);
  checkShapeRuns(2 * (3 * shapeCount + Math.min(shapeCount, 1000)), 2);
  reset();
  const writePerSec = perSec((i) => analyzeInSession(WRITE(i)), shapeCount);
  checkShapeRuns(3 * shapeCount + Math.min(shapeCount, 1000), 1);
  // A text first seen cold is kept whole; one first seen with a known shape is rebuilt every
  // time (the new-literals path), so the same-text run starts from empty caches.
  reset();
  const shortText = SHORT(42);
  const warmPerSec = perSec(() => analyze(shortText), count);
  return { coldMedianUs, coldJoinMedianUs, shapePerSec, pgbenchPerSec, writePerSec, warmPerSec };
}

export async function benchAnalysis(opts: { rounds?: number; count?: number } = {}): Promise<AnalysisBench> {
  await loadAnalyzers();
  const rounds = opts.rounds ?? 2_000;
  const count = opts.count ?? 1_000_000;
  const pgCtx = { dialect: 'postgres' as const };
  const myCtx = { dialect: 'mysql' as const };
  const mySession = {
    dialect: 'mysql' as const,
    mysql: { schema: 'sbtest', prepared: new Map(), routines: new Map() },
  };
  const postgres = dialect(
    (t) => analyzePostgres(t, pgCtx),
    (t) => analyzePostgres(t, pgCtx),
    clearAnalysisCaches,
    rounds,
    count,
    (runs, shapes) => {
      // The figures must measure the path they name: each shape parsed once, then cache hits.
      // (The first text of each shape was parsed, so it is in the exact-text cache when it comes again.)
      const { parses, shapeHits, exactHits } = analysisCacheStats();
      if (parses !== shapes || shapeHits + exactHits !== runs - shapes) {
        throw new Error(
          `new-literal runs missed the caches: ${parses} parses, ${shapeHits} + ${exactHits} of ${runs} hits`,
        );
      }
    },
  );
  // MySQL through the dispatcher, as the gateway calls it: its caches are there.
  const mysql = dialect(
    (t) => analyze(t, myCtx),
    (t) => analyze(t, mySession),
    clearAnalysisCaches,
    Math.ceil(rounds / 4),
    count,
    (runs, shapes) => {
      // Each shape analysed in full once, then served from the shape cache.
      const hits = mysqlShapeHits();
      if (hits !== runs - shapes)
        throw new Error(`new-literal runs missed the MySQL shape cache: ${hits} of ${runs}`);
    },
  );
  return { postgres, mysql, resolution: await benchResolution() };
}

/** Where bench/run.ts bundles bench/analysis-process.ts. */
export const ANALYSIS_SCRIPT = '.cache/analysis-process.mjs';

/**
 * `benchAnalysis` in a process started as the daemon is, with its Node flags and environment:
 * which of V8's compilers runs libpg-query's wasm decides the cold figures.
 */
export function benchAnalysisAsDaemon(): AnalysisBench {
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-analysis-'));
  try {
    const out = join(dir, 'analysis.json');
    const run = spawnSync(process.execPath, [...DAEMON_NODE_FLAGS, ANALYSIS_SCRIPT, out], {
      env: { ...process.env, ...DAEMON_ENV },
      stdio: 'inherit',
    });
    if (run.status !== 0)
      throw new Error(`${ANALYSIS_SCRIPT} failed: ${run.error?.message ?? run.status ?? run.signal}`);
    return JSON.parse(readFileSync(out, 'utf8')) as AnalysisBench;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Markdown section body for BENCHMARKS.md. */
export function renderAnalysisBench(r: AnalysisBench): string {
  const row = (name: string, d: DialectBench) =>
    `| ${name} | ${d.coldMedianUs.toFixed(1)} | ${d.coldJoinMedianUs.toFixed(1)} | ${d.shapePerSec.toLocaleString('en')} | ${d.pgbenchPerSec.toLocaleString('en')} | ${d.writePerSec.toLocaleString('en')} | ${d.warmPerSec.toLocaleString('en')} |`;
  return [
    '| dialect | cold short (µs, median) | cold join (µs, median) | new literals (stmt/s) | `pgbench -S` select, new aid (stmt/s) | by-key UPDATE in a session, new literals (stmt/s) | same text (stmt/s) |',
    '|---|---|---|---|---|---|---|',
    row('postgres', r.postgres),
    row('mysql', r.mysql),
    '',
    `Measured in a process started as the daemon is (\`node ${DAEMON_NODE_FLAGS.join(' ')}\`). Throughput columns are statements per CPU-second of that process, the median of three runs after a warm-up of 1,000; cold columns are wall-clock medians.`,
    'Targets: digest-cache hits (new literals) ≥ 500,000 statements/s; short statement cold < 100 µs median.',
    'MySQL runs through the dispatcher: new literals come from its shape cache, the same text from its exact-text cache.',
    renderResolution(r.resolution),
  ].join('\n');
}
