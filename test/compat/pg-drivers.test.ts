// node-postgres and raw protocol clients, straight against PostgreSQL and through an audit-mode
// gateway: what a driver sees must be the same.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, rawClient } from '../integration/pg-harness.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { type AuditGateway, auditPostgres, onBoth, type Target } from './harness.js';

let db: PgServer;
let audit: AuditGateway;

beforeAll(async () => {
  db = await startPostgres();
  audit = await auditPostgres(db);
});
afterAll(async () => {
  await audit?.close();
  await db?.stop();
});

/** Type and SQLSTATE of each whole message in what a connection sent last. */
function messages(buf: Buffer): string[] {
  const out: string[] = [];
  for (let pos = 0; pos + 5 <= buf.length; pos += 1 + buf.readInt32BE(pos + 1)) {
    const body = buf.subarray(pos + 5, pos + 1 + buf.readInt32BE(pos + 1));
    const code = body.toString('latin1').match(/\0C([0-9A-Z]{5})\0/)?.[1];
    out.push(code ? `${String.fromCharCode(buf[pos]!)} ${code}` : String.fromCharCode(buf[pos]!));
  }
  return out;
}

const config = (t: Target): pg.ClientConfig => ({
  host: t.host,
  port: t.port,
  user: t.user,
  password: t.password,
  database: t.database,
});

describe('a backend terminated by pg_terminate_backend', () => {
  it('sends a protocol client the server FATAL 57P01 and nothing after it', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const raw = await rawClient(t);
      raw.send(frame('Q', "SET application_name = 'compat-raw'"));
      await raw.untilReady();
      await db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'compat-raw'",
      );
      return messages(await raw.closed());
    });
    expect(r.direct).toEqual(['E 57P01']);
    expect(r.gateway).toEqual(r.direct);
  });

  it('gives a pooled node-postgres client exactly the server FATAL, and the pool goes on', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const pool = new pg.Pool({ ...config(t), max: 1 });
      const errors: string[] = [];
      pool.on('error', (err) => errors.push(`${(err as pg.DatabaseError).code} ${err.message}`));
      const client = await pool.connect();
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      client.release();
      // From another session, as an operator would.
      await db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await ended;
      // A second error, had one come, arrives with the close: give it a moment.
      await new Promise((res) => setTimeout(res, 200));
      const after = await pool.query<{ one: number }>('SELECT 1 AS one');
      await pool.end();
      return { errors, after: after.rows };
    });
    expect(r.direct).toEqual({
      errors: ['57P01 terminating connection due to administrator command'],
      after: [{ one: 1 }],
    });
    expect(r.gateway).toEqual(r.direct);
  });
});
