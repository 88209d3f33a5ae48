// Postgres proxy overhead: pgbench -S through direct, pgbouncer (session pooling), a bare Node
// relay, and the gateway with inspection and the transcript on — alternating rounds in one run,
// because only ratios measured side by side mean anything on a noisy two-core machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PgServer, startPostgres } from '../test/support/pg-server.js';
import { freePort } from '../test/support/ports.js';
import { cpuSeconds, rssMiB, startProcess, stopProcess } from './proc.js';

interface Target {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  pid?: number;
}

interface Run {
  tps: number;
  latencyMs: number;
}

function pgbench(t: Target, args: string[]): Run {
  const r = spawnSync('pgbench', ['-h', t.host, '-p', String(t.port), '-U', t.user, ...args, t.database], {
    env: { ...process.env, PGPASSWORD: t.password, PGSSLMODE: 'disable' },
    encoding: 'utf8',
  });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout)?.[1];
  const lat = /latency average = ([\d.]+) ms/.exec(r.stdout)?.[1];
  if (r.status !== 0 || !tps || !lat)
    throw new Error(`pgbench against ${t.name} failed:\n${r.stdout}\n${r.stderr}`);
  return { tps: Number(tps), latencyMs: Number(lat) };
}

async function startPgbouncer(
  pg: PgServer,
  dir: string,
): Promise<{ target: Target; stop: () => Promise<void> }> {
  const port = await freePort();
  const ini = join(dir, 'pgbouncer.ini');
  const users = join(dir, 'userlist.txt');
  writeFileSync(users, `"postgres" "${pg.password}"\n`);
  writeFileSync(
    ini,
    `[databases]\npostgres = host=127.0.0.1 port=${pg.port} dbname=postgres\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\nunix_socket_dir =\nauth_type = scram-sha-256\nauth_file = ${users}\npool_mode = session\nmax_client_conn = 200\ndefault_pool_size = 20\nlogfile = ${join(dir, 'pgbouncer.log')}\npidfile = ${join(dir, 'pgbouncer.pid')}\n`,
  );
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  for (const f of [dir, ini, users]) chownSync(f, uid, gid);
  const { child } = await startProcess(
    'pgbouncer',
    ['-v', ini],
    /process up|listening on/,
    process.getuid?.() === 0 ? { uid, gid } : {},
  );
  return {
    target: {
      name: 'pgbouncer',
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: pg.password,
      database: 'postgres',
      pid: child.pid!,
    },
    stop: () => stopProcess(child),
  };
}

export interface PgbenchOptions {
  rounds: number;
  seconds: number;
}

export async function benchPgbench(opts: PgbenchOptions): Promise<string> {
  const pg = await startPostgres({ flavor: 'embedded' });
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-bench-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const direct: Target = {
      name: 'direct',
      host: '127.0.0.1',
      port: pg.port,
      user: 'postgres',
      password: pg.password,
      database: 'postgres',
    };
    pgbench(direct, ['-i', '-s', '10', '-q']);
    const bouncer = await startPgbouncer(pg, dir);
    stops.push(bouncer.stop);

    const relayPort = await freePort();
    const relay = await startProcess(
      process.execPath,
      ['.cache/relay.mjs', String(relayPort), '127.0.0.1', String(pg.port)],
      /ready/,
    );
    stops.push(() => stopProcess(relay.child));
    const relayTarget: Target = { ...direct, name: 'node relay', port: relayPort, pid: relay.child.pid! };

    const gw = await startProcess(
      process.execPath,
      [
        'dist/cli.js',
        'proxy',
        '--upstream',
        pg.url(),
        '--listen',
        '127.0.0.1:0',
        '--transcript',
        join(dir, 'transcript.jsonl'),
      ],
      /postgres(?:ql)?:\/\/([^:]+):([^@]+)@([\d.]+):(\d+)\/(\S+)/,
    );
    stops.push(() => stopProcess(gw.child));
    const [, gu, gp, gh, gport, gdb] = gw.match;
    const gateway: Target = {
      name: 'gateway',
      user: decodeURIComponent(gu!),
      password: decodeURIComponent(gp!),
      host: gh!,
      port: Number(gport),
      database: gdb!.replace(/\?.*$/, ''),
      pid: gw.child.pid!,
    };

    const targets = [direct, bouncer.target, relayTarget, gateway];
    const modes = ['simple', 'prepared'] as const;
    const results = new Map<string, number[]>();
    const cpu = new Map<string, number>();
    let gatewayPeak = 0;
    for (let round = 0; round < opts.rounds; round++) {
      for (const mode of modes) {
        // Rotate the order each round so no target always runs on a warmer or cooler machine.
        const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
        for (const t of order) {
          const before = t.pid ? cpuSeconds(t.pid) : 0;
          const run = pgbench(t, ['-S', '-n', '-c', '8', '-j', '2', '-T', String(opts.seconds), '-M', mode]);
          if (t.pid)
            cpu.set(`${t.name}/${mode}`, (cpu.get(`${t.name}/${mode}`) ?? 0) + (cpuSeconds(t.pid) - before));
          const key = `${t.name}/${mode}`;
          results.set(key, [...(results.get(key) ?? []), run.tps]);
          console.log(`round ${round + 1} ${mode.padEnd(8)} ${t.name.padEnd(10)} ${run.tps.toFixed(0)} tps`);
        }
      }
      gatewayPeak = Math.max(gatewayPeak, rssMiB(gateway.pid!).peak);
    }
    const latency = new Map<string, number>();
    for (const t of targets)
      latency.set(
        t.name,
        pgbench(t, ['-S', '-n', '-c', '1', '-T', String(Math.max(3, opts.seconds / 2)), '-M', 'prepared'])
          .latencyMs,
      );

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const tps = (name: string, mode: string) => median(results.get(`${name}/${mode}`)!);
    const rows = modes.flatMap((mode) =>
      targets.map((t) => {
        const v = tps(t.name, mode);
        const c = cpu.get(`${t.name}/${mode}`);
        const cpuShare = c !== undefined ? `${((c / (opts.rounds * opts.seconds)) * 100).toFixed(0)} %` : '—';
        return `| ${mode} | ${t.name} | ${v.toFixed(0)} | ${(v / tps('direct', mode)).toFixed(2)} | ${(v / tps('pgbouncer', mode)).toFixed(2)} | ${(v / tps('node relay', mode)).toFixed(2)} | ${cpuShare} |`;
      }),
    );
    const lat = targets.map(
      (t) =>
        `| ${t.name} | ${latency.get(t.name)!.toFixed(3)} | ${((latency.get(t.name)! - latency.get('direct')!) * 1000).toFixed(0)} |`,
    );
    return [
      `PostgreSQL ${pg.version} (embedded), pgbench scale 10, \`pgbench -S -c 8 -j 2 -T ${opts.seconds}\`, ${opts.rounds} alternating rounds per protocol, median TPS. The gateway runs \`guardrail proxy\` with the default policy, analysis and the transcript on. The node relay is a bare socket relay: the ceiling of one Node process here.`,
      '',
      '| protocol | target | TPS | ÷ direct | ÷ pgbouncer | ÷ node relay | process CPU |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `One client (\`-c 1 -M prepared\`): average latency and the latency each target adds to direct.`,
      '',
      '| target | latency ms | added µs |',
      '| --- | ---: | ---: |',
      ...lat,
      '',
      `Gateway peak RSS: ${gatewayPeak.toFixed(0)} MiB.`,
    ].join('\n');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
