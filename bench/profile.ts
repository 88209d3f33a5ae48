// Reads a V8 .cpuprofile (`node --cpu-prof`) and sums self time by function and by area of the
// code, so BENCHMARKS.md can say where a gateway's CPU goes rather than only how much it uses.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface SelfTime {
  name: string;
  where: string;
  area: string;
  share: number;
}

export interface ProfileSummary {
  /** Sampled seconds, idle excluded. */
  busySeconds: number;
  top: SelfTime[];
  areas: { area: string; share: number }[];
}

/** Which part of the process a frame belongs to, judged by its script URL. */
export function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  // Node's stream bindings: the time is the write(2)/writev(2) system call itself.
  if (!url && /^write(?:Buffer|v|String|Utf8String|Latin1String|AsciiString)$/.test(name))
    return 'socket writes (system calls)';
  if (name === '(program)' || !url) return 'native (V8, libuv)';
  if (url.startsWith('node:internal/crypto'))
    return 'Node crypto (sha256: transcript chain, statement hashes)';
  if (url.startsWith('node:internal/modules') || url.startsWith('node:internal/deps/cjs'))
    return 'module loading (start-up)';
  if (url.startsWith('node:')) return 'Node core (net, streams, buffers)';
  if (url.includes('/node_modules/libpg-query/') || url.startsWith('wasm://'))
    return 'Postgres parser (libpg-query, wasm)';
  if (url.includes('/node_modules/')) return `package ${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]}`;
  const m = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url) ?? /\/(src\/[^/]+)\.js$/.exec(url);
  if (m) return m[1]!;
  return 'other';
}

export function shortUrl(url: string): string {
  const m = /(src\/.*|node_modules\/.*|bench\/.*)$/.exec(url);
  return (m?.[1] ?? url).replace(/\.js$/, '.ts');
}

export function summariseProfile(file: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const byFunction = new Map<string, SelfTime & { hits: number }>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (!hits || functionName === '(idle)') continue;
    total += hits;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const area = areaOf(url, name);
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, area, share: 0, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const idle = profile.samples.length - total;
  return {
    busySeconds: profile.samples.length
      ? (seconds * (profile.samples.length - idle)) / profile.samples.length
      : 0,
    top: [...byFunction.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, topN)
      .map(({ hits, ...e }) => ({ ...e, share: hits / total })),
    areas: [...byArea.entries()]
      .map(([area, hits]) => ({ area, share: hits / total }))
      .sort((a, b) => b.share - a.share),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** Markdown tables: self time by area, then the top functions. */
export function renderProfile(p: ProfileSummary): string {
  return [
    '| area | self time |',
    '| --- | ---: |',
    ...p.areas.filter((a) => a.share >= 0.005).map((a) => `| ${a.area} | ${pct(a.share)} |`),
    '',
    '| function | where | self time |',
    '| --- | --- | ---: |',
    ...p.top.map((f) => `| \`${f.name}\` | ${f.where || '—'} | ${pct(f.share)} |`),
  ].join('\n');
}
