// What the mass-change estimate adds to a write: one client sends UPDATEs, direct and through
// the gateway (analysis, transcript and the side connection on, as in the action), and the
// round trip of each is compared. The by-key writes of a backfill are the common case: their
// WHERE fixes a unique key, so the gateway only asks the catalog; a range write is planned and
// counted. Prepared statements are judged once on Postgres (the generic plan) and estimated at
// each execution on MySQL, which needs the values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb } from '../test/support/mariadb-server.js';
import { startPostgres } from '../test/support/pg-server.js';
import { startGatewayProcess } from './gateway.js';
import { directTarget, gatewayTarget, pgbench, pgbenchInit, type Target } from './pgbench.js';
import { settle } from './proc.js';
import { median } from './stats.js';
import { sysbench } from './sysbench.js';

export interface WritesOptions {
  rounds: number;
  seconds: number;
}

interface Case {
  dialect: 'PostgreSQL' | 'MariaDB';
  statement: string;
  protocol: string;
  /** Milliseconds per statement against `t`, over a run of `seconds`. */
  run: (t: Target, seconds: number) => number;
}

export async function benchWrites(opts: WritesOptions): Promise<string> {
  const pg = await startPostgres({ flavor: 'embedded' });
  const db = await startMariaDb();
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-writes-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const pgDirect = directTarget(pg);
    pgbenchInit(pgDirect, 1);
    const myDirect: Target = { name: 'direct', ...db };
    sysbench(myDirect, 'oltp_update_index', 'prepare', []);
    const gw = async (dialect: 'postgres' | 'mysql', upstream: string) => {
      const g = await startGatewayProcess({
        dialect,
        upstream,
        transcript: join(dir, `writes-${dialect}.jsonl`),
        analysis: true,
        ...(dialect === 'mysql' ? { authPlugin: 'mysql_native_password' as const } : {}),
      });
      stops.push(g.stop);
      return gatewayTarget('gateway', g);
    };
    const pgGateway = await gw('postgres', pg.url());
    const myGateway = await gw('mysql', db.url());

    const script = (name: string, sql: string) => {
      const file = join(dir, `${name}.sql`);
      writeFileSync(file, `\\set aid random(1, 90000)\n${sql}\n`);
      return file;
    };
    const byKey = script('by-key', 'UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;');
    const range = script(
      'range',
      'UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN :aid AND :aid + 9;',
    );
    const pgCase = (statement: string, file: string, mode: string): Case => ({
      dialect: 'PostgreSQL',
      statement,
      protocol: mode,
      run: (t, seconds) =>
        pgbench(t, ['-n', '-c', '1', '-M', mode, '-f', file, '-T', String(seconds)]).latencyMs,
    });
    const myCase = (mode: string): Case => ({
      dialect: 'MariaDB',
      statement: '`UPDATE sbtestN SET k = k + 1 WHERE id = ?` (sysbench oltp_update_index)',
      protocol: mode === 'disable' ? 'text' : 'prepared',
      run: (t, seconds) => {
        const r = sysbench(t, 'oltp_update_index', 'run', [
          '--threads=1',
          `--time=${seconds}`,
          `--db-ps-mode=${mode}`,
          '--report-interval=0',
        ]);
        return 1000 / r.qps;
      },
    });
    const cases: Case[] = [
      pgCase('`UPDATE … WHERE aid = :aid` (unique key)', byKey, 'simple'),
      pgCase('`UPDATE … WHERE aid = :aid` (unique key)', byKey, 'prepared'),
      pgCase('`UPDATE … WHERE aid BETWEEN :aid AND :aid + 9` (10 rows)', range, 'simple'),
      pgCase('`UPDATE … WHERE aid BETWEEN :aid AND :aid + 9` (10 rows)', range, 'prepared'),
      myCase('disable'),
      myCase('auto'),
    ];
    const targets = (c: Case) => (c.dialect === 'PostgreSQL' ? [pgDirect, pgGateway] : [myDirect, myGateway]);
    // Warm-up (JIT, caches), then nothing may still be compiling.
    for (const c of cases) for (const t of targets(c)) c.run(t, 1);
    await settle([pgGateway.pid!, myGateway.pid!]);
    const ms = new Map<string, number[]>();
    for (let round = 0; round < opts.rounds; round++)
      for (const [i, c] of cases.entries()) {
        const order = round % 2 === 0 ? targets(c) : [...targets(c)].reverse();
        for (const t of order) {
          const key = `${i}/${t.name}`;
          const v = c.run(t, opts.seconds);
          ms.set(key, [...(ms.get(key) ?? []), v]);
          console.log(
            `round ${round + 1} ${c.dialect} ${c.statement} ${c.protocol} ${t.name} ${v.toFixed(3)} ms`,
          );
        }
      }
    const rows = cases.map((c, i) => {
      const direct = median(ms.get(`${i}/direct`)!) * 1000;
      const gateway = median(ms.get(`${i}/gateway`)!) * 1000;
      return `| ${c.dialect} | ${c.statement} | ${c.protocol} | ${direct.toFixed(0)} | ${gateway.toFixed(0)} | ${(gateway - direct).toFixed(0)} | ${(gateway / direct).toFixed(2)} |`;
    });
    return [
      `One client, ${opts.rounds} rounds of ${opts.seconds} s per case with direct and the gateway alternating, median µs per statement (pgbench's latency average; for sysbench 1 / QPS). PostgreSQL 18 (embedded) with \`pgbench -i -s 1\`; MariaDB (the system's) with sysbench's 4 tables of 10,000 rows. The gateway runs in its own process with the default policy (mass-change threshold 1,000 rows), analysis, the transcript and a side connection, as the action's daemon does. Every statement here is allowed; what the gateway adds is the relay, the analysis and the estimate: for a WHERE that fixes a unique key one catalog look-up, otherwise an EXPLAIN and an exact count.`,
      '',
      '| database | statement | protocol | direct µs | gateway µs | added µs | ÷ direct |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
  } finally {
    for (const stop of stops) await stop().catch(() => {});
    await db.stop();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
