// Postgres proxy overhead: pgbench -S through direct, pgbouncer (session pooling), HAProxy (TCP),
// a bare Node relay, the gateway with analysis and the transcript on, and the gateway with analysis off —
// alternating rounds in one run, because only ratios measured side by side mean anything on a
// noisy two-core machine. Each gateway runs in its own process so its CPU and RSS can be read.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PgServer, startPostgres } from '../test/support/pg-server.js';
import { freePort } from '../test/support/ports.js';
import { type AllocationSide, allocationSection } from './allocation.js';
import { type GatewayProcess, profileGateway, startGatewayProcess } from './gateway.js';
import { startHaproxy } from './haproxy.js';
import { ProcessUsage, rssMiB, settle, startProcess, startRelay, stopProcess } from './proc.js';
import { median, rotated } from './stats.js';

/** Where bench/run.ts bundles bench/hotpath-loop.ts. */
export const HOTPATH_LOOP_SCRIPT = '.cache/hotpath-loop.mjs';

/**
 * The gateway's CPU per round trip without sockets (bench/hotpath-loop.ts), split into its parts,
 * with a side connection to `pg` as the daemon has: the table BENCHMARKS.md shows.
 */
function hotpathParts(pg: PgServer): string {
  const r = spawnSync(process.execPath, [HOTPATH_LOOP_SCRIPT, '20000', '5', '--markdown'], {
    env: { ...process.env, HOTPATH_SIDE: pg.url() },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`hotpath loop failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

export interface Target {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** The proxy's process, for CPU and RSS; absent for direct. */
  pid?: number;
  /** A Node process: its socket reads and writes show in /proc/PID/io (pgbouncer's and HAProxy's recv/send do not). */
  node?: boolean;
}

interface Run {
  tps: number;
  latencyMs: number;
  transactions: number;
}

const MODES = ['simple', 'prepared'] as const;
type Protocol = (typeof MODES)[number];

function runPgbench(t: Target, args: string[]) {
  return spawnSync('pgbench', ['-h', t.host, '-p', String(t.port), '-U', t.user, ...args, t.database], {
    env: { ...process.env, PGPASSWORD: t.password, PGSSLMODE: 'disable' },
    encoding: 'utf8',
  });
}

/** `pgbench -i -s SCALE`: the pgbench tables, scale × 100,000 rows in pgbench_accounts. */
export function pgbenchInit(t: Target, scale: number): void {
  const r = runPgbench(t, ['-i', '-s', String(scale), '-q']);
  if (r.status !== 0) throw new Error(`pgbench -i against ${t.name} failed:\n${r.stderr}`);
}

export function pgbench(t: Target, args: string[]): Run {
  const r = runPgbench(t, args);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout)?.[1];
  const lat = /latency average = ([\d.]+) ms/.exec(r.stdout)?.[1];
  const count = /number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1];
  if (r.status !== 0 || !tps || !lat || !count)
    throw new Error(`pgbench against ${t.name} failed:\n${r.stdout}\n${r.stderr}`);
  return { tps: Number(tps), latencyMs: Number(lat), transactions: Number(count) };
}

/** The embedded server itself, as its superuser. */
export function directTarget(pg: PgServer): Target {
  return {
    name: 'direct',
    host: '127.0.0.1',
    port: pg.port,
    user: 'postgres',
    password: pg.password,
    database: 'postgres',
  };
}

export function gatewayTarget(name: string, gw: GatewayProcess): Target {
  return {
    name,
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database: gw.database,
    pid: gw.pid,
    node: true,
  };
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
  // pgbouncer refuses to run as root.
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
      }
    : undefined;
  if (owner) for (const f of [dir, ini, users]) chownSync(f, owner.uid, owner.gid);
  const { child } = await startProcess('pgbouncer', [ini], /process up|listening on/, owner ?? {});
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

const ratio = (a: number, b: number) => (a / b).toFixed(2);

/** Where a gateway (analysis on) spends its time under the rounds' load, one protocol. */
async function profilePgbench(pg: PgServer, dir: string, mode: Protocol, seconds: number): Promise<string> {
  const config = {
    dialect: 'postgres' as const,
    upstream: pg.url(),
    transcript: join(dir, `profiled-${mode}.jsonl`),
    analysis: true,
  };
  const body = await profileGateway(config, dir, seconds, (gw) =>
    pgbench(gatewayTarget('profiled gateway', gw), [
      '-S',
      '-n',
      '-c',
      '8',
      '-j',
      '2',
      '-T',
      String(seconds),
      '-M',
      mode,
    ]),
  );
  return `#### Profile, ${mode} protocol (\`pgbench -S -n -c 8 -j 2 -T ${seconds} -M ${mode}\`)\n\n${body}`;
}

/**
 * Bytes allocated per transaction (bench/allocation.ts) by a fresh gateway (analysis on) and a
 * fresh relay, each warmed up first, per protocol: a figure the machine's noise does not move.
 */
async function allocationPgbench(pg: PgServer, dir: string, direct: Target): Promise<string> {
  const gwFile = join(dir, 'alloc-gateway.heapprofile');
  const relayFile = join(dir, 'alloc-relay.heapprofile');
  const gw = await startGatewayProcess(
    { dialect: 'postgres', upstream: pg.url(), transcript: join(dir, 'alloc.jsonl'), analysis: true },
    { allocationProfile: gwFile },
  );
  const relay = await startRelay('127.0.0.1', pg.port, { allocationProfile: relayFile });
  try {
    const gateway = gatewayTarget('gateway', gw);
    const bare: Target = { ...direct, name: 'node relay', port: relay.port, pid: relay.pid };
    const side = (t: Target, file: string, mode: Protocol): AllocationSide => ({
      pid: t.pid!,
      file,
      warm: () => pgbench(t, ['-S', '-n', '-c', '8', '-j', '2', '-T', '3', '-M', mode]),
      load: () => pgbench(t, ['-S', '-n', '-c', '8', '-j', '2', '-t', '2000', '-M', mode]).transactions,
    });
    return await allocationSection(
      `#### Allocation per transaction (\`pgbench -S -n -c 8 -j 2 -t 2000\`, V8's sampling heap profiler every 512 bytes, young-generation garbage included; bench/allocation.ts)`,
      'transaction',
      MODES.map((mode) => ({
        heading: `${mode} protocol`,
        gateway: side(gateway, gwFile, mode),
        relay: side(bare, relayFile, mode),
      })),
    );
  } finally {
    await gw.stop();
    await relay.stop();
  }
}

export async function benchPgbench(opts: PgbenchOptions): Promise<string> {
  const pg = await startPostgres({ flavor: 'embedded' });
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-bench-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const direct = directTarget(pg);
    pgbenchInit(direct, 10);
    const bouncer = await startPgbouncer(pg, dir);
    stops.push(bouncer.stop);

    const relay = await startRelay('127.0.0.1', pg.port);
    stops.push(relay.stop);
    const relayTarget: Target = {
      ...direct,
      name: 'node relay',
      port: relay.port,
      pid: relay.pid,
      node: true,
    };

    const haproxy = await startHaproxy(dir, { host: '127.0.0.1', port: pg.port });
    stops.push(() => stopProcess(haproxy.child));
    const haproxyTarget: Target = { ...direct, name: 'haproxy', port: haproxy.port, pid: haproxy.child.pid! };

    const gwOn = await startGatewayProcess({
      dialect: 'postgres',
      upstream: pg.url(),
      transcript: join(dir, 'gateway.jsonl'),
      analysis: true,
    });
    stops.push(gwOn.stop);
    const gwOff = await startGatewayProcess({
      dialect: 'postgres',
      upstream: pg.url(),
      transcript: join(dir, 'gateway-no-analysis.jsonl'),
      analysis: false,
    });
    stops.push(gwOff.stop);
    const gateway = gatewayTarget('gateway', gwOn);
    const noAnalysis = gatewayTarget('gateway, analysis off', gwOff);

    const targets = [direct, bouncer.target, haproxyTarget, relayTarget, gateway, noAnalysis];
    // Warm-up (JIT, caches), then nothing may still be compiling when the first round starts. At
    // the rounds' load: a fresh gateway's CPU per transaction settles only after ~8 s of it (220 µs
    // in its first 4 s at 8 clients, ~100 µs from 8 s on), since the optimizing compiler's
    // background threads share the cores the load keeps busy.
    for (const t of targets)
      for (const mode of MODES) pgbench(t, ['-S', '-n', '-c', '8', '-j', '2', '-M', mode, '-T', '5']);
    await settle(targets.flatMap((t) => (t.pid ? [t.pid] : [])));
    const results = new Map<string, number[]>();
    const usage = new ProcessUsage();
    for (let round = 0; round < opts.rounds; round++) {
      for (const mode of MODES) {
        // Rotate the order each round so no target always runs on a warmer or cooler machine.
        for (const t of rotated(targets, round)) {
          const key = `${t.name}/${mode}`;
          const run = usage.measure(
            key,
            t,
            () => pgbench(t, ['-S', '-n', '-c', '8', '-j', '2', '-T', String(opts.seconds), '-M', mode]),
            (r) => r.transactions,
          );
          results.set(key, [...(results.get(key) ?? []), run.tps]);
          console.log(`round ${round + 1} ${mode.padEnd(8)} ${t.name.padEnd(22)} ${run.tps.toFixed(0)} tps`);
        }
      }
    }
    const peak = new Map(
      [bouncer.target, haproxyTarget, relayTarget, gateway, noAnalysis].map((t) => [
        t.name,
        rssMiB(t.pid!).peak,
      ]),
    );

    // One client: the latency each hop adds, in alternating rounds as above, median of each.
    const oneClientSeconds = Math.max(3, Math.round(opts.seconds / 2));
    const latencies = new Map<string, number[]>();
    for (let round = 0; round < opts.rounds; round++)
      for (const mode of MODES)
        for (const t of rotated(targets, round)) {
          const run = pgbench(t, ['-S', '-n', '-c', '1', '-T', String(oneClientSeconds), '-M', mode]);
          const key = `${t.name}/${mode}`;
          latencies.set(key, [...(latencies.get(key) ?? []), run.latencyMs]);
          console.log(`one client ${mode.padEnd(8)} ${t.name.padEnd(22)} ${run.latencyMs.toFixed(3)} ms`);
        }
    const latency = (name: string, mode: Protocol) => median(latencies.get(`${name}/${mode}`)!);
    const addedUs = (name: string, mode: Protocol) => (latency(name, mode) - latency('direct', mode)) * 1000;

    const tps = (name: string, mode: Protocol) => median(results.get(`${name}/${mode}`)!);
    const rows = MODES.flatMap((mode) =>
      targets.map((t) => {
        const v = tps(t.name, mode);
        const key = `${t.name}/${mode}`;
        return `| ${mode} | ${t.name} | ${v.toFixed(0)} | ${ratio(v, tps('direct', mode))} | ${ratio(v, tps('pgbouncer', mode))} | ${ratio(v, tps('haproxy', mode))} | ${ratio(v, tps('node relay', mode))} | ${usage.cpuShare(key)} | ${usage.cpuPerUnit(key)} | ${usage.syscallsPerUnit(key)} |`;
      }),
    );
    const lat = targets.map((t) => {
      const cells = MODES.map(
        (mode) => `${latency(t.name, mode).toFixed(3)} | ${addedUs(t.name, mode).toFixed(0)}`,
      );
      return `| ${t.name} | ${cells.join(' | ')} |`;
    });

    // Issue #19's goals: TPS ≥ 0.9× the bare relay, ≤ 70 µs added per round trip at one client,
    // peak RSS ≤ 100 MiB.
    const verdicts = MODES.map((mode) => {
      const vsRelay = tps('gateway', mode) / tps('node relay', mode);
      const added = addedUs('gateway', mode);
      const analysisCost = 1 - tps('gateway', mode) / tps('gateway, analysis off', mode);
      return {
        mode,
        met: vsRelay >= 0.9 && added <= 70,
        line: `- ${mode}: gateway ${vsRelay.toFixed(2)}× the node relay (target ≥ 0.90: ${vsRelay >= 0.9 ? 'met' : 'missed'}); ${added.toFixed(0)} µs added at one client (target ≤ 70: ${added <= 70 ? 'met' : 'missed'}; the relay adds ${addedUs('node relay', mode).toFixed(0)}, HAProxy ${addedUs('haproxy', mode).toFixed(0)}, pgbouncer ${addedUs('pgbouncer', mode).toFixed(0)}); analysis costs ${(analysisCost * 100).toFixed(1)} % of the gateway's TPS without it; the relay reaches ${ratio(tps('node relay', mode), tps('haproxy', mode))}× HAProxy and ${ratio(tps('node relay', mode), tps('pgbouncer', mode))}× pgbouncer.`,
      };
    });
    const gatewayPeak = peak.get('gateway')!;
    const rssLine = `- peak RSS of the gateway ${gatewayPeak.toFixed(0)} MiB (target ≤ 100: ${gatewayPeak <= 100 ? 'met' : 'missed'}).`;
    const missed = verdicts.filter((v) => !v.met).map((v) => v.mode);
    const parts = hotpathParts(pg);
    const allocation = await allocationPgbench(pg, dir, direct);
    const profiles: string[] = [];
    for (const mode of missed)
      profiles.push(await profilePgbench(pg, dir, mode, Math.max(5, Math.round(opts.seconds / 2))));

    return [
      `PostgreSQL ${pg.version} (embedded), pgbench scale 10, \`pgbench -S -n -c 8 -j 2 -T ${opts.seconds} -M simple|prepared\`, ${opts.rounds} alternating rounds per protocol (target order rotated each round), median TPS. Client, proxies and database share the machine's cores, so a proxy's CPU is taken from the database and the client.`,
      '',
      '- **gateway**: `startPostgresGateway` + `createGatewayContext` with the default policy, a side connection (as the daemon runs it), analysis and the hash-chained transcript on, in its own Node process (bench/gateway-process.ts).',
      '- **gateway, analysis off**: the same process with an analyzer that allows everything without looking and no catalog reads per statement (bench/analysis-off.ts): protocol handling, result masking and the transcript only.',
      '- **node relay**: a bare socket relay (bench/relay.ts): the ceiling of one Node process here.',
      '- **pgbouncer**: session pooling, scram-sha-256.',
      '- **haproxy**: HAProxy in TCP mode (layer 4, parses nothing): what a mature proxy in C costs here.',
      '- System calls per transaction come from /proc/PID/io (syscr + syscw) of the Node processes; a proxy that forwards each request and each reply in one write each makes 4 per transaction (2 reads, 2 writes).',
      '',
      '| protocol | target | TPS | ÷ direct | ÷ pgbouncer | ÷ haproxy | ÷ node relay | process CPU (% of one core) | process CPU per transaction, user + system µs | socket read+write syscalls per transaction |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `One client (\`pgbench -S -n -c 1 -T ${oneClientSeconds}\`, ${opts.rounds} alternating rounds, median): average latency and the latency each target adds to direct.`,
      '',
      '| target | simple ms | simple added µs | prepared ms | prepared added µs |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...lat,
      '',
      `Peak RSS (VmHWM) after all rounds: ${[...peak.entries()].map(([n, v]) => `${n} ${v.toFixed(0)} MiB`).join(', ')}.`,
      '',
      ...verdicts.map((v) => v.line),
      rssLine,
      '',
      `Where the gateway's CPU per round trip goes, without sockets: \`node ${HOTPATH_LOOP_SCRIPT} 20000 5\` (bench/hotpath-loop.ts, a side connection to the same server) pushes pgbench -S's messages and the server's replies through the connection's own Framer → PostgresCommands → Session → Replies → transcript path, with each part switched on in turn; median of 5 runs, µs of CPU per round trip. The proxied runs above cost more per transaction than this loop plus the relay's own cost (the CPU per transaction column): the same code runs slower when client, database and proxy share two cores' caches.`,
      '',
      parts,
      '',
      allocation,
      ...(missed.length
        ? [
            '',
            `Target missed (${missed.join(', ')}). The relay ÷ HAProxy ratio is what one Node process costs before any inspection; gateway, analysis off ÷ relay is what the gateway's protocol handling and transcript cost; gateway ÷ gateway, analysis off is what analysis costs. Where the gateway process spends its time:`,
            ...profiles.flatMap((p) => ['', p]),
          ]
        : []),
    ].join('\n');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
