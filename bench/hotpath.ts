// A gateway's CPU per round trip, for before/after comparisons of hot-path changes:
// `node scripts/run-ts.mjs bench/hotpath.ts [ROUNDS] [SECONDS] [postgres|mysql]`. Runs pgbench -S
// (simple and prepared), or sysbench oltp_point_select (text and binary protocol), through a
// gateway process with analysis on and off and prints the gateway's CPU time and read/write
// system calls per transaction. CPU per transaction, not throughput, is the figure to compare:
// it moves far less than wall time when other jobs share the machine.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startMariaDb } from '../test/support/mariadb-server.js';
import { startPostgres } from '../test/support/pg-server.js';
import type { GatewayProcessConfig } from './gateway-process.js';
import { directTarget, pgbench, pgbenchInit } from './pgbench.js';
import { ioSyscalls, startProcess, stopProcess } from './proc.js';
import { sysbench } from './sysbench.js';

/** User and system CPU seconds a process has used so far (/proc/PID/stat utime, stime). */
function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const dialect = process.argv[4] === 'mysql' ? 'mysql' : 'postgres';
// Its own output folder, so a concurrent `npm run bench` rebuilding .cache/gw is not disturbed.
const outdir = '.cache/hotpath';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [
    'bench/gateway-process.ts',
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

interface Login {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** Runs one mode's load against `t` for `seconds`; returns the transactions (point selects) it ran. */
type Load = (t: Login & { name: string }, mode: string, seconds: number) => number;

const server =
  dialect === 'postgres'
    ? await (async () => {
        const pg = await startPostgres({ flavor: 'embedded' });
        const direct = directTarget(pg);
        pgbenchInit(direct, 1);
        const load: Load = (t, mode, s) =>
          pgbench(t, ['-S', '-n', '-c', '4', '-j', '2', '-M', mode, '-T', String(s)]).transactions;
        return { url: pg.url(), stop: () => pg.stop(), modes: ['simple', 'prepared'], load };
      })()
    : await (async () => {
        const db = await startMariaDb();
        const direct = { name: 'direct', ...db };
        sysbench(direct, 'oltp_point_select', 'prepare', ['--threads=4']);
        const load: Load = (t, mode, s) =>
          sysbench(t, 'oltp_point_select', 'run', [
            '--threads=4',
            `--time=${s}`,
            `--db-ps-mode=${mode}`,
            '--report-interval=0',
          ]).queries;
        return { url: db.url(), stop: () => db.stop(), modes: ['disable', 'auto'], load };
      })();

const dir = mkdtempSync(join(tmpdir(), 'guardrail-hotpath-'));
try {
  const results = new Map<string, { cpu: number[]; user: number[]; sys: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const analysis of [false, true]) {
      const config: GatewayProcessConfig = {
        dialect,
        upstream: server.url,
        transcript: join(dir, `transcript-${round}-${analysis}.jsonl`),
        analysis,
        ...(dialect === 'mysql' ? { authPlugin: 'mysql_native_password' as const } : {}),
      };
      const { child, match } = await startProcess(
        process.execPath,
        [
          // HOTPATH_PROF=DIR: V8 CPU profiles of the gateways, to see what the CPU is spent on.
          ...(process.env.HOTPATH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HOTPATH_PROF}`] : []),
          join(outdir, 'bench/gateway-process.js'),
          JSON.stringify(config),
        ],
        /^ready (\S+)$/m,
      );
      try {
        const url = new URL(match[1]!);
        const t = {
          name: 'gateway',
          host: url.hostname,
          port: Number(url.port),
          user: decodeURIComponent(url.username),
          password: decodeURIComponent(url.password),
          database: decodeURIComponent(url.pathname.slice(1)),
        };
        for (const mode of server.modes) {
          server.load(t, mode, 1); // warm-up: JIT and caches
          const cpu0 = cpuTimes(child.pid!);
          const io0 = ioSyscalls(child.pid!);
          const transactions = server.load(t, mode, seconds);
          const cpu1 = cpuTimes(child.pid!);
          const user = cpu1.user - cpu0.user;
          const cpu = user + cpu1.system - cpu0.system;
          const io = ioSyscalls(child.pid!);
          const sys = io.reads + io.writes - io0.reads - io0.writes;
          const key = `${analysis ? 'gateway' : 'analysis off'} ${mode}`;
          const r = results.get(key) ?? { cpu: [], user: [], sys: [] };
          r.cpu.push((cpu / transactions) * 1e6);
          r.user.push((user / transactions) * 1e6);
          r.sys.push(sys / transactions);
          results.set(key, r);
          console.log(
            `round ${round + 1} ${key}: ${((cpu / transactions) * 1e6).toFixed(1)} µs CPU (${((user / transactions) * 1e6).toFixed(1)} user), ${(sys / transactions).toFixed(2)} syscalls per transaction (${(transactions / seconds).toFixed(0)} tps)`,
          );
        }
      } finally {
        await stopProcess(child);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('\nmedian per transaction:');
  for (const [key, r] of results)
    console.log(
      `  ${key.padEnd(22)} ${median(r.cpu).toFixed(1)} µs CPU (${median(r.user).toFixed(1)} user)  ${median(r.sys).toFixed(2)} syscalls`,
    );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
