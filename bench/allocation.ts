// What a proxy allocates per round trip, by the code that allocates it. On this shared machine a
// proxied run's CPU figures move by ±15-30 % from one minute to the next, but the bytes a round
// trip allocates do not: they are the figure to compare before and after a change to the per-
// statement path. Garbage costs more than its allocation: every young-generation collection (one
// per ~2 MiB with the daemon's semispaces) and the cache lines each new object takes from the
// code that runs next.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { HeapProfiler } from 'node:inspector';
import { areaOf, shortUrl } from './profile.js';

/** bench/allocation-sampler.ts, built by bench/run.ts; preload it with `--import`. */
export const ALLOCATION_SAMPLER = '.cache/allocation-sampler.mjs';

/** Node arguments that preload the allocation sampler (bench/allocation.ts) when a profile is wanted. */
export function samplerArgs(profile: string | undefined): string[] {
  return profile ? ['--import', `./${ALLOCATION_SAMPLER}`] : [];
}

/** The variable, added to a process's environment, that tells the preloaded sampler where to write its profile. */
export function samplerEnv(profile: string | undefined): NodeJS.ProcessEnv {
  return profile ? { GUARDRAIL_ALLOC_PROFILE: profile } : {};
}

export interface AllocationSummary {
  /** Bytes allocated per unit of work (transaction, query). */
  perUnit: number;
  areas: { area: string; perUnit: number }[];
  top: { name: string; where: string; perUnit: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Samples the allocations of process `pid` (started with the sampler preloaded and
 * GUARDRAIL_ALLOC_PROFILE=`file`) while `load` runs; `load` returns the units of work it did.
 */
export async function measureAllocation(
  pid: number,
  file: string,
  load: () => number,
): Promise<AllocationSummary> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR1');
  // The sampler starts on the process's next turn.
  await sleep(300);
  const units = load();
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
  if (!existsSync(file)) throw new Error(`process ${pid} wrote no allocation profile to ${file}`);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as HeapProfiler.SamplingHeapProfile;
  return summariseAllocation(profile, units);
}

function summariseAllocation(
  profile: HeapProfiler.SamplingHeapProfile,
  units: number,
  topN = 12,
): AllocationSummary {
  const byFunction = new Map<string, { name: string; where: string; bytes: number }>();
  const byArea = new Map<string, number>();
  let total = 0;
  const stack = [profile.head];
  for (let node = stack.pop(); node; node = stack.pop()) {
    stack.push(...node.children);
    if (node.selfSize === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, bytes: 0 };
    entry.bytes += node.selfSize;
    byFunction.set(key, entry);
    const area = areaOf(url, name);
    byArea.set(area, (byArea.get(area) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  return {
    perUnit: total / units,
    areas: [...byArea.entries()]
      .map(([area, bytes]) => ({ area, perUnit: bytes / units }))
      .sort((a, b) => b.perUnit - a.perUnit),
    top: [...byFunction.values()]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, topN)
      .map(({ bytes, ...f }) => ({ ...f, perUnit: bytes / units })),
  };
}

const bytes = (n: number) => Math.round(n).toLocaleString('en');

/** What the tables say and do not say. */
const ALLOCATION_NOTE =
  "What a round trip allocates does not move with the machine's load the way CPU figures do: it is the figure to compare before and after a change to the per-statement path. Allocations the optimizing compiler inlined are charged to the function they were inlined into; lines are those of the transpiled module (bench/gateway.ts builds src/ file by file), near the source's.";

/**
 * Markdown: bytes per unit of each target side by side, by area for the first (the gateway),
 * then its top functions. Allocations inlined by the optimizing compiler are charged to the
 * function they were inlined into.
 */
function renderAllocation(unit: string, targets: [string, AllocationSummary][]): string {
  const [first] = targets;
  if (!first) return '';
  const [name, main] = first;
  return [
    `| target | bytes allocated per ${unit} |`,
    '| --- | ---: |',
    ...targets.map(([n, s]) => `| ${n} | ${bytes(s.perUnit)} |`),
    '',
    `| area (${name}) | bytes per ${unit} |`,
    '| --- | ---: |',
    ...main.areas.filter((a) => a.perUnit >= 50).map((a) => `| ${a.area} | ${bytes(a.perUnit)} |`),
    '',
    `| function (${name}) | where | bytes per ${unit} |`,
    '| --- | --- | ---: |',
    ...main.top.map((f) => `| \`${f.name}\` | ${f.where || '—'} | ${bytes(f.perUnit)} |`),
  ].join('\n');
}

/** One process's side of an allocation comparison: warm it up, then the load to sample. */
export interface AllocationSide {
  pid: number;
  /** Where its preloaded sampler writes (GUARDRAIL_ALLOC_PROFILE). */
  file: string;
  warm(): void;
  /** Runs the sampled load; returns the units of work done. */
  load(): number;
}

/**
 * A BENCHMARKS.md section: for each variant (a protocol), the gateway's and the relay's bytes per
 * unit, each warmed up first and sampled alone.
 */
export async function allocationSection(
  title: string,
  unit: string,
  variants: readonly { heading: string; gateway: AllocationSide; relay: AllocationSide }[],
): Promise<string> {
  const sections: string[] = [];
  for (const { heading, gateway, relay } of variants) {
    gateway.warm();
    relay.warm();
    const g = await measureAllocation(gateway.pid, gateway.file, gateway.load);
    const r = await measureAllocation(relay.pid, relay.file, relay.load);
    sections.push(
      `##### ${heading}\n\n${renderAllocation(unit, [
        ['gateway', g],
        ['node relay', r],
      ])}`,
    );
  }
  return [title, '', ALLOCATION_NOTE, '', sections.join('\n\n')].join('\n');
}
