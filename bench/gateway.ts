// Starts bench/gateway-process.ts (built into .cache/gw by bench/run.ts) and hands back what a
// suite needs: the URL's parts for the client, and the pid for CPU and RSS readings.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../src/gateway/daemon-contract.js';
import { samplerArgs, samplerEnv } from './allocation.js';
import type { GatewayProcessConfig } from './gateway-process.js';
import { perfAvailable, recordPerf, renderPerf, summarisePerf } from './perf.js';
import { startProcess, stopProcess } from './proc.js';
import { renderProfile, summariseProfile } from './profile.js';

/** Where bench/run.ts builds the gateway process (`buildGatewayProcess('.cache/gw')`). */
const GATEWAY_SCRIPT = '.cache/gw/bench/gateway-process.js';

/**
 * Transpiles bench/gateway-process.ts and src/ into `outdir` (emptied first) module by module
 * rather than bundled, so a CPU profile names the source file of every frame. Returns the
 * script to start.
 */
export async function buildGatewayProcess(outdir: string): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [
      'bench/gateway-process.ts',
      'bench/analysis-off.ts',
      ...readdirSync('src', { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `src/${f}`),
    ],
    outdir,
    outbase: '.',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return join(outdir, 'bench/gateway-process.js');
}

export interface GatewayProcess {
  url: URL;
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startGatewayProcess(
  config: GatewayProcessConfig,
  opts: { cpuProfDir?: string; perfMap?: boolean; script?: string; allocationProfile?: string } = {},
): Promise<GatewayProcess> {
  // As the action starts the daemon, so its memory is the daemon's.
  const node = [
    ...DAEMON_NODE_FLAGS,
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    ...(opts.perfMap ? ['--perf-basic-prof'] : []),
    ...samplerArgs(opts.allocationProfile),
  ];
  const { child, match } = await startProcess(
    process.execPath,
    [...node, opts.script ?? GATEWAY_SCRIPT, JSON.stringify(config)],
    /^ready (\S+)$/m,
    { env: { ...process.env, ...samplerEnv(opts.allocationProfile), ...DAEMON_ENV } },
  );
  const url = new URL(match[1]!);
  return {
    url,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    host: url.hostname,
    port: Number(url.port),
    database: decodeURIComponent(url.pathname.slice(1)),
    pid: child.pid!,
    child,
    stop: () => stopProcess(child),
  };
}

/**
 * Runs `load` (synchronous: a benchmark client) against a fresh gateway profiled two ways —
 * V8's sampler (`--cpu-prof`, names every JavaScript frame) and, where installed, Linux perf
 * (on-CPU only, sees the kernel) — and returns both summaries as Markdown.
 */
export async function profileGateway(
  config: GatewayProcessConfig,
  dir: string,
  seconds: number,
  load: (gw: GatewayProcess) => void,
): Promise<string> {
  const profDir = join(dir, `prof-${Date.now()}`);
  mkdirSync(profDir);
  const withPerf = perfAvailable();
  const gw = await startGatewayProcess(config, { cpuProfDir: profDir, perfMap: withPerf });
  const perfFile = join(profDir, 'perf.data');
  let perf: Promise<void> | undefined;
  try {
    // perf starts with the load and stops a second before it ends: steady state only.
    perf = withPerf ? recordPerf(gw.pid, Math.max(1, seconds - 1), perfFile) : undefined;
    load(gw);
    await perf;
  } finally {
    await gw.stop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the profiled gateway wrote no .cpuprofile');
  const v8 = summariseProfile(join(profDir, file));
  const sections = [
    `V8 sampler (\`node --cpu-prof\`, start-up included; ${v8.busySeconds.toFixed(1)} s of busy samples). It samples on wall-clock ticks, so time the process spends descheduled is charged to the frame that was running (often a socket write, whose system call wakes the peer). Self time, idle excluded:`,
    '',
    renderProfile(v8),
  ];
  if (withPerf) {
    const p = summarisePerf(perfFile);
    sections.push(
      '',
      `Linux perf (\`perf record -F 997 -p PID\`, on-CPU samples only, steady state; about ${p.samples.toLocaleString('en')} samples; JIT frames named by \`--perf-basic-prof\`). Self time:`,
      '',
      renderPerf(p),
    );
    rmSync(`/tmp/perf-${gw.pid}.map`, { force: true });
  }
  return sections.join('\n');
}
