// Analysis speed for both dialects: cold (full parse, caches cleared before every call), shape
// (same statement shape, new literals: lexing pass + cached shape) and warm (the same text
// again: exact-text cache). Targets: warm >= 500k statements/s; short statement cold < 100 us.
import { analyzePostgres, clearAnalysisCaches, loadAnalyzers } from '../src/sql/analyze.js';
import { analyzeMysql } from '../src/sql/mysql/analyze.js';
import type { Analysis } from '../src/sql/types.js';

export interface DialectBench {
  /** Median microseconds per short statement with empty caches. */
  coldMedianUs: number;
  /** Median microseconds for a longer ORM-style join. */
  coldJoinMedianUs: number;
  /** Statements per second, each with new literals (shape cache, where the dialect has one). */
  shapePerSec: number;
  /** Statements per second, the same text repeated. */
  warmPerSec: number;
}

export interface AnalysisBench {
  postgres: DialectBench;
  mysql: DialectBench;
}

const SHORT = (i: number) => `SELECT id, email FROM users WHERE id = ${i}`;
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

function perSec(run: (i: number) => unknown, count: number): number {
  for (let i = 0; i < Math.min(count, 1000); i++) run(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) run(i);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return Math.round(count / seconds);
}

function dialect(
  analyze: (text: string) => Analysis,
  reset: () => void,
  rounds: number,
  count: number,
): DialectBench {
  const shortText = SHORT(42);
  return {
    coldMedianUs: coldUs((i) => analyze(SHORT(i)), reset, rounds),
    coldJoinMedianUs: coldUs((i) => analyze(JOIN(i)), reset, rounds),
    shapePerSec: perSec((i) => analyze(SHORT(i)), Math.ceil(count / 10)),
    warmPerSec: perSec(() => analyze(shortText), count),
  };
}

export async function benchAnalysis(opts: { rounds?: number; count?: number } = {}): Promise<AnalysisBench> {
  await loadAnalyzers();
  const rounds = opts.rounds ?? 2_000;
  const count = opts.count ?? 1_000_000;
  const pgCtx = { dialect: 'postgres' as const };
  const myCtx = { dialect: 'mysql' as const };
  const postgres = dialect((t) => analyzePostgres(t, pgCtx), clearAnalysisCaches, rounds, count);
  // The MySQL analyzer keeps no cache in the dispatcher: every call is a full analysis.
  const mysql = dialect(
    (t) => analyzeMysql(t, myCtx),
    () => {},
    Math.ceil(rounds / 4),
    Math.ceil(count / 20),
  );
  return { postgres, mysql };
}

/** A Markdown section body for BENCHMARKS.md. */
export function renderAnalysisBench(r: AnalysisBench): string {
  const row = (name: string, d: DialectBench) =>
    `| ${name} | ${d.coldMedianUs.toFixed(1)} | ${d.coldJoinMedianUs.toFixed(1)} | ${d.shapePerSec.toLocaleString('en')} | ${d.warmPerSec.toLocaleString('en')} |`;
  return [
    '| dialect | cold short (µs, median) | cold join (µs, median) | new literals (stmt/s) | same text (stmt/s) |',
    '|---|---|---|---|---|',
    row('postgres', r.postgres),
    row('mysql', r.mysql),
    '',
    'Targets: same text ≥ 500,000 statements/s; short statement cold < 100 µs median.',
  ].join('\n');
}
