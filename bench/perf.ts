// On-CPU profile of a process with Linux perf: unlike V8's wall-clock sampler, perf samples
// only while the process runs, and it sees the kernel, so time in system calls is split from
// time spent descheduled. JIT frames are named through `node --perf-basic-prof`'s map file.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export function perfAvailable(): boolean {
  return spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Samples `pid` for `seconds`; resolves when perf has written `file`. */
export function recordPerf(pid: number, seconds: number, file: string): Promise<void> {
  const perf: ChildProcess = spawn(
    'perf',
    ['record', '-F', '997', '-p', String(pid), '-o', file, '--', 'sleep', String(seconds)],
    { stdio: 'ignore' },
  );
  return new Promise((resolve, reject) =>
    perf.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`perf record exited with ${code}`)),
    ),
  );
}

export interface PerfSummary {
  samples: number;
  areas: { area: string; share: number }[];
  top: { symbol: string; dso: string; share: number }[];
}

function areaOf(dso: string, symbol: string): string {
  if (dso === '[kernel.kallsyms]') return 'kernel (TCP loopback, scheduler, system calls)';
  if (dso.startsWith('perf-') || dso.startsWith('[JIT]')) {
    if (/\/node_modules\/libpg-query\/|wasm/.test(symbol)) return 'Postgres parser (libpg-query, wasm)';
    if (/\/src\/sql\//.test(symbol)) return 'JavaScript: src/sql (analysis)';
    if (/\/src\/transcript\//.test(symbol)) return 'JavaScript: src/transcript';
    if (/\/src\/gateway\//.test(symbol)) return 'JavaScript: src/gateway (protocol)';
    if (/\/src\/masking\//.test(symbol)) return 'JavaScript: src/masking';
    if (/node:/.test(symbol)) return 'JavaScript: Node core';
    if (/^RegExp:/.test(symbol)) return 'regular expressions (masking detectors, lexers)';
    return 'JavaScript: other (builtins, stubs)';
  }
  if (dso === 'node') {
    if (/GC|Heap|Scavenge|Mark|Sweep|Evacuat/.test(symbol)) return 'V8 garbage collection';
    if (/JsonStringifier/.test(symbol)) return 'JSON.stringify (transcript lines)';
    if (/^Builtins_/.test(symbol)) return 'V8 builtins (property access, strings, Map, calls)';
    if (/sha256|SHA256/.test(symbol)) return 'sha256 (transcript chain, statement hashes)';
    return 'Node/V8 native (runtime, compiler, bindings)';
  }
  return `native: ${dso}`;
}

export function summarisePerf(file: string, topN = 15): PerfSummary {
  const r = spawnSync(
    'perf',
    ['report', '-i', file, '--no-children', '--sort', 'dso,sym', '--stdio', '-g', 'none'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`perf report failed: ${r.stderr}`);
  // `# Samples: 4K of event 'cpu-clock'`: perf rounds to K or M.
  const count = /# Samples: ([\d.]+)([KM]?)/.exec(r.stdout);
  const samples = Number(count?.[1] ?? 0) * (count?.[2] === 'M' ? 1e6 : count?.[2] === 'K' ? 1e3 : 1);
  const rows: { symbol: string; dso: string; share: number }[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+([\d.]+)%\s+(\S+(?: tid \d+)?)\s+\[[.k]\]\s+(.*)$/.exec(line);
    if (m) rows.push({ share: Number(m[1]) / 100, dso: m[2]!, symbol: m[3]!.trim() });
  }
  const areas = new Map<string, number>();
  for (const row of rows) {
    const area = areaOf(row.dso, row.symbol);
    areas.set(area, (areas.get(area) ?? 0) + row.share);
  }
  return {
    samples,
    areas: [...areas.entries()].map(([area, share]) => ({ area, share })).sort((a, b) => b.share - a.share),
    top: rows.slice(0, topN),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export function renderPerf(p: PerfSummary): string {
  // JIT symbols from the map file look like `JS:*name file:///…/src/x.js:1:2`: keep name and file.
  const short = (s: string) =>
    s.replace(/file:\/\/\/\S*?\/((?:src|node_modules|bench)\/\S+)/, '$1').replace(/`/g, "'");
  return [
    '| area (perf, on-CPU) | share |',
    '| --- | ---: |',
    ...p.areas.filter((a) => a.share >= 0.005).map((a) => `| ${a.area} | ${pct(a.share)} |`),
    '',
    '| symbol | object | share |',
    '| --- | --- | ---: |',
    ...p.top.map(
      (t) => `| \`${short(t.symbol)}\` | ${t.dso.replace(/^perf-\d+\.map$/, 'JIT')} | ${pct(t.share)} |`,
    ),
  ].join('\n');
}
