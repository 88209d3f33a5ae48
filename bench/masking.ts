// Masking cost on a large result: `SELECT * FROM pgbench_accounts` (1,000,000 rows at scale 10,
// and its first 100,000 rows) read with psql directly, through the gateway without masking, and
// through the gateway masking one column on the wire. Each gateway is a fresh process per result
// size, so its peak RSS (VmHWM) belongs to that size alone: it must not grow with the result.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../test/support/pg-server.js';
import { startGatewayProcess } from './gateway.js';
import type { GatewayProcessConfig } from './gateway-process.js';
import type { Target } from './pgbench.js';
import { directTarget, gatewayTarget, pgbenchInit } from './pgbench.js';
import { cpuSeconds, rssMiB } from './proc.js';
import { median, rotated } from './stats.js';

const MASKED_COLUMN = 'public.pgbench_accounts.filler';
const SIZES = [
  { rows: 100_000, sql: 'SELECT * FROM pgbench_accounts WHERE aid <= 100000' },
  { rows: 1_000_000, sql: 'SELECT * FROM pgbench_accounts' },
];

function psql(t: Target, sql: string, out?: string): { seconds: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    'psql',
    [
      '-X',
      '-At',
      '-h',
      t.host,
      '-p',
      String(t.port),
      '-U',
      t.user,
      '-d',
      t.database,
      '-c',
      sql,
      ...(out ? ['-o', out] : []),
    ],
    {
      env: { ...process.env, PGPASSWORD: t.password, PGSSLMODE: 'disable' },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`psql against ${t.name} failed: ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

export interface MaskingOptions {
  rounds: number;
}

export async function benchMasking(opts: MaskingOptions): Promise<string> {
  const pg = await startPostgres({ flavor: 'embedded' });
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-masking-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const direct = directTarget(pg);
    pgbenchInit(direct, 10);
    const sample = 'SELECT filler FROM pgbench_accounts WHERE aid = 1';
    const plain = psql(direct, sample).stdout;

    const rows: string[] = [];
    const notes: string[] = [];
    let onWire = false;
    for (const size of SIZES) {
      const start = async (name: string, masking: GatewayProcessConfig['masking']) => {
        const gw = await startGatewayProcess({
          dialect: 'postgres',
          upstream: pg.url(),
          transcript: join(dir, `${name}-${size.rows}.jsonl`),
          analysis: true,
          ...(masking ? { masking } : {}),
        });
        stops.push(gw.stop);
        return gatewayTarget(name, gw);
      };
      const unmasked = await start('gateway, no masking', undefined);
      const masked = await start('gateway, 1 column masked on the wire', {
        columns: [MASKED_COLUMN],
        onWire: true,
      });
      // Whether the gateway really rewrote the column: the same row read directly and masked.
      onWire = psql(masked, sample).stdout !== plain;
      const targets = [direct, unmasked, masked];
      // One small query each first: connection set-up and the side connection's first questions
      // are not what this measures. The peak RSS after it is the gateway's baseline.
      psql(unmasked, sample);
      // The first full read after pgbench -i is slower for everyone (hint bits, cold caches).
      if (size === SIZES[0]) psql(direct, SIZES[SIZES.length - 1]!.sql, '/dev/null');
      const baseline = new Map([unmasked, masked].map((t) => [t.name, rssMiB(t.pid!).peak]));
      const times = new Map<string, number[]>();
      const cpu = new Map<string, number>();
      for (let round = 0; round < opts.rounds; round++) {
        for (const t of rotated(targets, round)) {
          const before = t.pid ? cpuSeconds(t.pid) : 0;
          const { seconds } = psql(t, size.sql, '/dev/null');
          if (t.pid) cpu.set(t.name, (cpu.get(t.name) ?? 0) + cpuSeconds(t.pid) - before);
          times.set(t.name, [...(times.get(t.name) ?? []), seconds]);
          console.log(`${size.rows} rows round ${round + 1} ${t.name.padEnd(38)} ${seconds.toFixed(2)} s`);
        }
      }
      const base = median(times.get('direct')!);
      for (const t of targets) {
        const s = median(times.get(t.name)!);
        const rss = t.pid
          ? `${baseline.get(t.name)!.toFixed(0)} → ${rssMiB(t.pid).peak.toFixed(0)} MiB`
          : '—';
        const c = cpu.get(t.name);
        rows.push(
          `| ${size.rows.toLocaleString('en')} | ${t.name} | ${s.toFixed(2)} | ${(s / base).toFixed(2)} | ${c !== undefined ? `${(c / opts.rounds).toFixed(2)} s` : '—'} | ${rss} |`,
        );
      }
      const m = median(times.get(masked.name)!) / base;
      const mRss = rssMiB(masked.pid!).peak;
      notes.push(
        `${size.rows.toLocaleString('en')} rows: masked ${m.toFixed(2)}× direct (target ≤ 1.5: ${m <= 1.5 ? 'met' : 'missed'}), peak RSS ${mRss.toFixed(0)} MiB (target < 200: ${mRss < 200 ? 'met' : 'missed'})`,
      );
      for (const stop of stops.splice(0)) await stop();
    }
    return [
      `PostgreSQL ${pg.version} (embedded), pgbench scale 10 (1,000,000 rows in pgbench_accounts). \`psql -X -At -c "SELECT * FROM pgbench_accounts" -o /dev/null\` (and \`… WHERE aid <= 100000\`), ${opts.rounds} rounds with the targets in rotated order, median wall time including psql's own start-up. Each gateway runs in its own process with analysis and the transcript on, started fresh for each result size. The masked gateway's policy has \`masking: { columns: ['${MASKED_COLUMN}'], on-wire: true }\`.`,
      '',
      onWire
        ? `On-wire masking: active (the masked gateway returned a different \`filler\` value for the same row than the database).`
        : `**On-wire masking: NOT active in this build** — the masked gateway returned \`filler\` unchanged, so the "masked" rows measure a gateway with the masking policy loaded (statement and transcript redaction) but no rewriting of result rows.`,
      '',
      '| rows | target | seconds | ÷ direct | gateway CPU s per query | gateway peak RSS: before → after the rounds |',
      '| ---: | --- | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `Targets: ≤ 1.5× direct, RSS < 200 MiB independent of result size. ${notes.join('; ')}.`,
    ].join('\n');
  } finally {
    for (const stop of stops) await stop().catch(() => {});
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
