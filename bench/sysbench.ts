// MySQL proxy overhead: sysbench oltp_point_select and oltp_read_only against MariaDB, direct
// and through the MySQL gateway (analysis and transcript on, its own process), text protocol
// (--db-ps-mode=disable) and binary prepared statements (auto), alternating rounds in one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MariaDbServer, startMariaDb } from '../test/support/mariadb-server.js';
import { type AllocationSide, allocationSection } from './allocation.js';
import { type GatewayProcess, profileGateway, startGatewayProcess } from './gateway.js';
import { startHaproxy } from './haproxy.js';
import { gatewayTarget, type Target } from './pgbench.js';
import { ProcessUsage, rssMiB, settle, startRelay, stopProcess } from './proc.js';
import { median, rotated } from './stats.js';

interface Run {
  tps: number;
  qps: number;
  latencyMs: number;
  queries: number;
}

const TESTS = ['oltp_point_select', 'oltp_read_only'] as const;
const PS_MODES = ['disable', 'auto'] as const;
const TABLES = 4;
const TABLE_SIZE = 10_000;

export function sysbench(t: Target, test: string, command: 'prepare' | 'run', extra: string[]): Run {
  const r = spawnSync(
    'sysbench',
    [
      test,
      '--db-driver=mysql',
      `--mysql-host=${t.host}`,
      `--mysql-port=${t.port}`,
      `--mysql-user=${t.user}`,
      `--mysql-password=${t.password}`,
      `--mysql-db=${t.database}`,
      `--tables=${TABLES}`,
      `--table-size=${TABLE_SIZE}`,
      ...extra,
      command,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0)
    throw new Error(`sysbench ${command} against ${t.name} failed:\n${r.stdout}\n${r.stderr}`);
  if (command === 'prepare') return { tps: 0, qps: 0, latencyMs: 0, queries: 0 };
  const tps = /transactions:\s+\d+\s+\(([\d.]+) per sec\.\)/.exec(r.stdout)?.[1];
  const q = /queries:\s+(\d+)\s+\(([\d.]+) per sec\.\)/.exec(r.stdout);
  const lat = /avg:\s+([\d.]+)/.exec(r.stdout)?.[1];
  if (!tps || !q || !lat) throw new Error(`unexpected sysbench output from ${t.name}:\n${r.stdout}`);
  return { tps: Number(tps), qps: Number(q[2]), latencyMs: Number(lat), queries: Number(q[1]) };
}

export interface SysbenchOptions {
  rounds: number;
  seconds: number;
}

/**
 * Bytes allocated per query (bench/allocation.ts) by a fresh gateway (analysis on) and a fresh
 * relay, each warmed up first: point selects, text and prepared.
 */
async function allocationSysbench(db: MariaDbServer, dir: string, direct: Target): Promise<string> {
  const gwFile = join(dir, 'alloc-gateway.heapprofile');
  const relayFile = join(dir, 'alloc-relay.heapprofile');
  const gw = await startGatewayProcess(
    {
      dialect: 'mysql',
      upstream: db.url(),
      transcript: join(dir, 'alloc.jsonl'),
      analysis: true,
      authPlugin: 'mysql_native_password',
    },
    { allocationProfile: gwFile },
  );
  const relay = await startRelay(db.host, db.port, { allocationProfile: relayFile });
  try {
    const gateway = gatewayTarget('gateway', gw);
    const bare: Target = { ...direct, name: 'node relay', port: relay.port, pid: relay.pid };
    const side = (t: Target, file: string, ps: string): AllocationSide => {
      const args = (more: string[]) => ['--threads=8', `--db-ps-mode=${ps}`, ...more];
      return {
        pid: t.pid!,
        file,
        warm: () => sysbench(t, 'oltp_point_select', 'run', args(['--time=3'])),
        load: () => sysbench(t, 'oltp_point_select', 'run', args(['--events=16000', '--time=0'])).queries,
      };
    };
    return await allocationSection(
      `#### Allocation per query (\`oltp_point_select --threads=8 --events=16000\`, V8's sampling heap profiler every 512 bytes, young-generation garbage included; bench/allocation.ts)`,
      'query',
      PS_MODES.map((ps) => ({
        heading: `ps-mode=${ps}`,
        gateway: side(gateway, gwFile, ps),
        relay: side(bare, relayFile, ps),
      })),
    );
  } finally {
    await gw.stop();
    await relay.stop();
  }
}

export async function benchSysbench(opts: SysbenchOptions): Promise<string> {
  const db = await startMariaDb();
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-sysbench-'));
  const gateways: GatewayProcess[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    const version = await db.admin<{ v: string }[]>('SELECT VERSION() AS v');
    const direct: Target = {
      name: 'direct',
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
    };
    sysbench(direct, 'oltp_read_only', 'prepare', ['--threads=4']);
    const start = async (name: string, analysis: boolean) => {
      const gw = await startGatewayProcess({
        dialect: 'mysql',
        upstream: db.url(),
        transcript: join(dir, `${name}.jsonl`),
        analysis,
        authPlugin: 'mysql_native_password',
      });
      gateways.push(gw);
      return gw;
    };
    const gw = await start('gateway', true);
    const gateway = gatewayTarget('gateway', gw);
    const noAnalysis = gatewayTarget('gateway, analysis off', await start('analysis-off', false));
    const relay = await startRelay(db.host, db.port);
    stops.push(relay.stop);
    const relayTarget: Target = {
      ...direct,
      name: 'node relay',
      port: relay.port,
      pid: relay.pid,
      node: true,
    };
    const haproxy = await startHaproxy(dir, db);
    stops.push(() => stopProcess(haproxy.child));
    const haproxyTarget: Target = { ...direct, name: 'haproxy', port: haproxy.port, pid: haproxy.child.pid! };
    const targets = [direct, haproxyTarget, relayTarget, gateway, noAnalysis];
    // Warm-up (JIT, caches, the tables in the buffer pool), then nothing may still be compiling.
    // At the rounds' load, long enough for a fresh gateway to settle (see bench/pgbench.ts).
    for (const t of targets)
      for (const ps of PS_MODES)
        sysbench(t, 'oltp_read_only', 'run', ['--threads=8', '--time=4', `--db-ps-mode=${ps}`]);
    await settle(targets.flatMap((t) => (t.pid ? [t.pid] : [])));
    const runs = new Map<string, Run[]>();
    const usage = new ProcessUsage();
    for (let round = 0; round < opts.rounds; round++)
      for (const test of TESTS)
        for (const ps of PS_MODES) {
          for (const t of rotated(targets, round)) {
            const key = `${test}/${ps}/${t.name}`;
            const run = usage.measure(
              key,
              t,
              () =>
                sysbench(t, test, 'run', [
                  '--threads=8',
                  `--time=${opts.seconds}`,
                  `--db-ps-mode=${ps}`,
                  '--report-interval=0',
                ]),
              (r) => r.queries,
            );
            runs.set(key, [...(runs.get(key) ?? []), run]);
            console.log(
              `round ${round + 1} ${test.padEnd(17)} ps=${ps.padEnd(7)} ${t.name.padEnd(8)} ${run.tps.toFixed(0)} tps ${run.latencyMs.toFixed(2)} ms`,
            );
          }
        }
    // Latency at one client, where nothing waits for a core: 1 / QPS is the round trip, to the µs
    // (sysbench's own average is rounded to 10 µs).
    const single = new Map<string, number[]>();
    for (let round = 0; round < opts.rounds; round++)
      for (const ps of PS_MODES)
        for (const t of rotated(targets, round)) {
          const run = sysbench(t, 'oltp_point_select', 'run', [
            '--threads=1',
            `--time=${Math.max(3, Math.round(opts.seconds / 2))}`,
            `--db-ps-mode=${ps}`,
            '--report-interval=0',
          ]);
          const key = `${ps}/${t.name}`;
          single.set(key, [...(single.get(key) ?? []), 1e6 / run.qps]);
        }
    const peak = rssMiB(gw.pid).peak;
    const peakOff = rssMiB(noAnalysis.pid!).peak;

    const rows: string[] = [];
    // Where the gateway's time goes, when it misses: one profiled run of the worst case.
    const verdicts: { test: string; ps: string; ratio: number; line: string }[] = [];
    const profileIfMissed = async (vs: { test: string; ps: string; ratio: number }[]) => {
      const worst = [...vs].sort((a, b) => a.ratio - b.ratio)[0];
      if (!worst || worst.ratio >= 0.9) return [];
      const profSeconds = Math.max(5, opts.seconds);
      const body = await profileGateway(
        {
          dialect: 'mysql',
          upstream: db.url(),
          transcript: join(dir, 'profiled.jsonl'),
          analysis: true,
          authPlugin: 'mysql_native_password',
        },
        dir,
        profSeconds,
        (gw) =>
          sysbench(gatewayTarget('profiled', gw), worst.test, 'run', [
            '--threads=8',
            `--time=${profSeconds}`,
            `--db-ps-mode=${worst.ps}`,
          ]),
      );
      return [
        '',
        `#### Profile of the worst case (${worst.test}, ps-mode=${worst.ps}, ${profSeconds} s)`,
        '',
        body,
      ];
    };
    for (const test of TESTS)
      for (const ps of PS_MODES) {
        const tpsOf = (n: string) => median(runs.get(`${test}/${ps}/${n}`)!.map((r) => r.tps));
        const latOf = (n: string) => median(runs.get(`${test}/${ps}/${n}`)!.map((r) => r.latencyMs));
        const qpsOf = (n: string) => median(runs.get(`${test}/${ps}/${n}`)!.map((r) => r.qps));
        for (const t of targets) {
          const key = `${test}/${ps}/${t.name}`;
          rows.push(
            `| ${test} | ${ps} | ${t.name} | ${tpsOf(t.name).toFixed(0)} | ${qpsOf(t.name).toFixed(0)} | ${(tpsOf(t.name) / tpsOf('direct')).toFixed(2)} | ${(tpsOf(t.name) / tpsOf('haproxy')).toFixed(2)} | ${latOf(t.name).toFixed(2)} | ${((latOf(t.name) - latOf('direct')) * 1000).toFixed(0)} | ${usage.cpuShare(key)} | ${usage.cpuPerUnit(key)} | ${usage.syscallsPerUnit(key)} |`,
          );
        }
        const r = tpsOf('gateway') / tpsOf('node relay');
        verdicts.push({
          test,
          ps,
          ratio: r,
          line: `${test} ps-mode=${ps}: gateway ${r.toFixed(2)}× the Node relay (target ≥ 0.90: ${r >= 0.9 ? 'met' : 'missed'}; ${(tpsOf('gateway') / tpsOf('direct')).toFixed(2)}× direct, ${(tpsOf('gateway') / tpsOf('haproxy')).toFixed(2)}× HAProxy; the relay ${(tpsOf('node relay') / tpsOf('direct')).toFixed(2)}× direct, HAProxy ${(tpsOf('haproxy') / tpsOf('direct')).toFixed(2)}×)`,
        });
      }
    const added = (ps: string, name: string) =>
      median(single.get(`${ps}/${name}`)!) - median(single.get(`${ps}/direct`)!);
    const latencyVerdicts = PS_MODES.map((ps) => {
      const r = added(ps, 'gateway') / added(ps, 'node relay');
      return `ps-mode=${ps}: the gateway adds ${added(ps, 'gateway').toFixed(0)} µs at one client, ${r.toFixed(2)}× the relay's ${added(ps, 'node relay').toFixed(0)} µs (target ≤ 1.3×: ${r <= 1.3 ? 'met' : 'missed'})`;
    });
    return [
      `MariaDB ${version[0]?.v} (test/support/mariadb-server.ts), sysbench ${spawnSync(
        'sysbench',
        ['--version'],
        { encoding: 'utf8' },
      )
        .stdout.trim()
        .replace(
          /^sysbench /,
          '',
        )}, ${TABLES} tables × ${TABLE_SIZE.toLocaleString('en')} rows. \`sysbench TEST --threads=8 --time=${opts.seconds} --db-ps-mode=disable|auto run\`, ${opts.rounds} rounds with the targets alternating (order rotated each round), median of each. The gateway is \`startMysqlGateway\` + \`createGatewayContext\` with the default policy, a side connection, analysis and the transcript on, in its own Node process; clients log in with mysql_native_password, no TLS. \`disable\` sends text queries (COM_QUERY); \`auto\` uses binary prepared statements (COM_STMT_PREPARE/EXECUTE).`,
      '',
      'System calls per query come from /proc/PID/io (syscr + syscw) of the Node processes; forwarding each query and its reply in one write each makes 4 per query (2 reads, 2 writes). **haproxy** is HAProxy in TCP mode (layer 4, no parsing; a Debian package): what any proxy in the path costs on these two cores. **node relay** is a bare socket relay in one Node process (bench/relay.ts): the ceiling of a Node proxy here. **gateway, analysis off** is the same gateway process with an analyzer that allows everything without looking and no catalog reads per statement (bench/analysis-off.ts): what the protocol handling, result masking and the transcript cost alone.',
      '',
      '| test | ps-mode | target | TPS | QPS | ÷ direct | ÷ haproxy | avg latency ms | added µs | process CPU (% of one core) | process CPU per query, user + system µs | socket read+write syscalls per query |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `Round trip at one client (\`oltp_point_select --threads=1\`, µs per query from its QPS, median of ${opts.rounds}), where no process waits for a core:`,
      '',
      '| ps-mode | target | µs per query | added µs |',
      '| --- | --- | ---: | ---: |',
      ...PS_MODES.flatMap((ps) =>
        targets.map((t) => {
          const us = median(single.get(`${ps}/${t.name}`)!);
          const base = median(single.get(`${ps}/direct`)!);
          return `| ${ps} | ${t.name} | ${us.toFixed(0)} | ${(us - base).toFixed(0)} |`;
        }),
      ),
      '',
      `Peak RSS (VmHWM): gateway ${peak.toFixed(0)} MiB, gateway with analysis off ${peakOff.toFixed(0)} MiB, node relay ${rssMiB(relayTarget.pid!).peak.toFixed(0)} MiB.`,
      '',
      ...verdicts.map((v) => `- ${v.line}`),
      ...latencyVerdicts.map((l) => `- ${l}`),
      '',
      await allocationSysbench(db, dir, direct),
      ...(await profileIfMissed(verdicts)),
    ].join('\n');
  } finally {
    for (const stop of [...gateways.map((g) => g.stop), ...stops]) await stop().catch(() => {});
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
