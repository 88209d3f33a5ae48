// The side connection asks one question at a time. Sessions ask it concurrently (the masking
// catalogs of connections that open together); node-postgres queues a query issued while another
// runs but warns that pg@9 will refuse it, so the gateway queues them itself. The server's own
// clock shows each question starting after the one before it ended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

describe('the Postgres side connection under concurrent use', () => {
  let server: PgServer;
  let side: ReturnType<typeof postgresSide>;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);

  beforeAll(async () => {
    server = await startPostgres();
    side = postgresSide(server.url());
    process.on('warning', onWarning);
  }, 60_000);

  afterAll(async () => {
    process.off('warning', onWarning);
    await side?.close();
    await server?.stop();
  });

  it('runs concurrent questions one after another, and one failing does not stop the rest', async () => {
    const ask = (n: number) =>
      side.query(
        `SELECT ${n} AS n, extract(epoch FROM clock_timestamp()) AS started, pg_sleep(0.05), extract(epoch FROM clock_timestamp()) AS ended`,
      );
    const results = await Promise.allSettled([
      ask(1),
      ask(2),
      side.query('SELECT * FROM no_such_table'),
      ask(3),
      ask(4),
    ]);
    expect(results[2]!.status).toBe('rejected');
    const rows = results
      .filter((r) => r.status === 'fulfilled')
      .map((r) => (r as PromiseFulfilledResult<{ rows: Record<string, unknown>[] }>).value.rows[0]!);
    expect(rows.map((r) => Number(r.n))).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < rows.length; i++)
      expect(Number(rows[i]!.started)).toBeGreaterThanOrEqual(Number(rows[i - 1]!.ended));
    // The side connection survived the failed question.
    expect((await side.query('SELECT 5 AS n')).rows[0]!.n).toBe(5);
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => /already executing a query/.test(w))).toEqual([]);
  });
});
