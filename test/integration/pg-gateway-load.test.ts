// Many concurrent sessions and a large streamed result: everything succeeds and the gateway's
// memory stays bounded. Sizes are reported, not asserted beyond a generous sanity bound.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { gatewayFor, type TestGateway } from './pg-harness.js';

const MiB = 1024 * 1024;
const SANITY_BOUND = 1536 * MiB;

let server: PgServer;
let gw: TestGateway;

beforeAll(async () => {
  server = await startPostgres();
  // Above the default cap of 50 clients: this test holds 100 open at once.
  gw = await gatewayFor(server, { maxClients: 100 });
});

afterAll(async () => {
  await gw?.close();
  await server?.stop();
});

function rss(): number {
  return process.memoryUsage().rss;
}

describe('load', () => {
  it('serves 100 concurrent connections held open while they work', async () => {
    const before = rss();
    const clients = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const c = new pg.Client({ connectionString: gw.url });
        await c.connect();
        return c;
      }),
    );
    expect(gw.connections()).toBe(100);
    let peak = rss();
    const sums = await Promise.all(
      clients.map(async (c, i) => {
        let sum = 0;
        for (let round = 0; round < 20; round++) {
          const r = await c.query('select $1::int + $2::int as n, pg_sleep(0.01)', [i, round]);
          sum += r.rows[0].n as number;
          peak = Math.max(peak, rss());
        }
        return sum;
      }),
    );
    expect(sums).toEqual(Array.from({ length: 100 }, (_, i) => 20 * i + 190));
    await Promise.all(clients.map((c) => c.end()));
    console.log(
      `100 connections: RSS before ${(before / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB, after ${(rss() / MiB).toFixed(1)} MiB`,
    );
    expect(peak).toBeLessThan(SANITY_BOUND);
  });

  it('streams a result far larger than its buffers with COPY TO STDOUT and a plain SELECT', async () => {
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 20);
    // Counts what psql prints without keeping it, so only the gateway's memory is measured.
    const psql = (sql: string) =>
      new Promise<number>((resolve, reject) => {
        let bytes = 0;
        const child = spawn('psql', [gw.url, '-X', '-At', '-c', sql], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        child.stdout.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0 ? resolve(bytes) : reject(new Error(`psql exited with ${code}`)),
        );
      });
    try {
      const copied = await psql("copy (select repeat('x', 1000) from generate_series(1, 150000)) to stdout");
      expect(copied).toBe(150000 * 1001);
      const selected = await psql(
        "select count(*) from (select repeat('y', 1000) as v from generate_series(1, 50000)) s",
      );
      expect(selected).toBe('50000\n'.length);
    } finally {
      clearInterval(sampler);
    }
    console.log(
      `150 MB COPY and 50 MB SELECT through the gateway: RSS before ${(before / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB`,
    );
    expect(peak).toBeLessThan(SANITY_BOUND);
  });
});
