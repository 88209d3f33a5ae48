// A gateway's CPU per round trip, for before/after comparisons of hot-path changes:
// `node scripts/run-ts.mjs bench/hotpath.ts [ROUNDS] [SECONDS] [postgres|mysql]`. Runs pgbench -S
// (simple and prepared), or sysbench oltp_point_select (text and binary protocol), through a
// gateway process with analysis on and off and prints the gateway's CPU time and read/write
// system calls per transaction. CPU per transaction, not throughput, is the figure to compare:
// it moves far less than wall time when other jobs share the machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb } from '../test/support/mariadb-server.js';
import { startPostgres } from '../test/support/pg-server.js';
import { buildGatewayProcess, startGatewayProcess } from './gateway.js';
import type { GatewayProcessConfig } from './gateway-process.js';
import { directTarget, gatewayTarget, pgbench, pgbenchInit, type Target } from './pgbench.js';
import { cpuTimes, ioSyscalls } from './proc.js';
import { median } from './stats.js';
import { sysbench } from './sysbench.js';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 5);
const dialect = process.argv[4] === 'mysql' ? 'mysql' : 'postgres';
// Its own output folder, so a concurrent `npm run bench` rebuilding .cache/gw is not disturbed.
const script = await buildGatewayProcess('.cache/hotpath');

/** Runs one mode's load against `t` for `seconds`; returns the transactions (point selects) it ran. */
type Load = (t: Target, mode: string, seconds: number) => number;

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
      const gw = await startGatewayProcess(config, {
        script,
        // HOTPATH_PROF=DIR: V8 CPU profiles of the gateways, to see what the CPU is spent on.
        ...(process.env.HOTPATH_PROF ? { cpuProfDir: process.env.HOTPATH_PROF } : {}),
      });
      try {
        const t = gatewayTarget('gateway', gw);
        for (const mode of server.modes) {
          server.load(t, mode, 1); // warm-up: JIT and caches
          const cpu0 = cpuTimes(gw.pid);
          const io0 = ioSyscalls(gw.pid);
          const transactions = server.load(t, mode, seconds);
          const cpu1 = cpuTimes(gw.pid);
          const user = cpu1.user - cpu0.user;
          const cpu = user + cpu1.system - cpu0.system;
          const io = ioSyscalls(gw.pid);
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
        await gw.stop();
      }
    }
  }
  console.log('\nmedian per transaction:');
  for (const [key, r] of results)
    console.log(
      `  ${key.padEnd(22)} ${median(r.cpu).toFixed(1)} µs CPU (${median(r.user).toFixed(1)} user)  ${median(r.sys).toFixed(2)} syscalls`,
    );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
