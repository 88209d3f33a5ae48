// `mode: dry-run` on Postgres: a migration runs for real inside a transaction the gateway always
// rolls back. The database ends as it was, clients see the results and transaction statuses they
// would see without the gateway, and the transcript has the real row counts.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import type { PgSide } from '../../src/gateway/side-connection.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { msg, rawClient } from './pg-harness.js';

let server: PgServer;
let side: PgSide;
let gw: PostgresGateway;
let recorder: FileRecorder;
const dir = mkdtempSync(join(tmpdir(), 'guardrail-dry-run-'));
const transcriptPath = join(dir, 'transcript.jsonl');

// Everything a migration could change: every user relation's shape, indexes, functions,
// schemas, databases and sequences; the rows of every user table are compared separately.
const CATALOG_SNAPSHOT = `
SELECT md5(string_agg(x, E'\\n' ORDER BY x)) AS digest FROM (
  SELECT format('rel %s.%s %s %s', n.nspname, c.relname, c.relkind,
         (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull, ', ' ORDER BY a.attnum)
            FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)) AS x
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  UNION ALL SELECT 'index ' || indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid) FROM pg_index
   WHERE indrelid::regclass::text NOT LIKE 'pg_%'
  UNION ALL SELECT 'proc ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
  UNION ALL SELECT 'database ' || datname FROM pg_database
  UNION ALL SELECT 'sequence ' || schemaname || '.' || sequencename FROM pg_sequences
) s`;

// Sequences are not transactional in PostgreSQL: nextval() in a rolled-back transaction stays
// consumed. A dry run does not execute a statement that calls nextval() or setval().
const SEQUENCE_POSITIONS =
  'SELECT sequencename AS name, last_value::text AS value FROM pg_sequences ORDER BY 1';

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  out.catalog = (await server.query<{ digest: string }>(CATALOG_SNAPSHOT))[0]!.digest;
  const tables = await server.query<{ t: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  for (const { t } of tables) {
    const [row] = await server.query<{ digest: string | null; n: string }>(
      `SELECT md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS digest, count(*) AS n FROM ${t} x`,
    );
    out[t] = `${row!.n}:${row!.digest}`;
  }
  return out;
}

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL);
    INSERT INTO accounts SELECT g, 'owner ' || g, g * 10 FROM generate_series(1, 10) g;
    CREATE SEQUENCE invoice_no;
  `);
  recorder = new FileRecorder(transcriptPath);
  side = postgresSide(server.url());
  const context = await createGatewayContext({
    dialect: 'postgres',
    policy: defaultPolicy(),
    recorder,
    mode: 'dry-run',
    // No impact estimates: on the side connection they would wait on the locks the dry run's
    // transaction holds (see the report); masking's catalog reads bound their lock waits.
    database: { name: server.database, host: `${server.host}:${server.port}`, role: server.user },
  });
  gw = await startPostgresGateway({
    upstream: server.url(),
    context,
    masking: context.masking,
    catalog: side,
  });
});

afterAll(async () => {
  await gw?.close();
  recorder?.close();
  await side?.close();
  await server?.stop();
});

function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ out: string; status: number }> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      done({ out: `${stdout}${stderr}`, status: err ? 1 : 0 });
    });
  });
}

function transcript(): TranscriptLine[] {
  recorder.flush();
  return readTranscript(readFileSync(transcriptPath, 'utf8')).lines;
}

/** The result recorded for the statement whose text starts with `text`. */
function resultIn(events: TranscriptLine[]) {
  return (text: string) => {
    const st = events.find((e) => e.type === 'statement' && e.text.trim().startsWith(text)) as
      | Extract<TranscriptLine, { type: 'statement' }>
      | undefined;
    expect(st, text).toBeDefined();
    return events.find((e) => e.type === 'result' && e.id === st!.id) as Extract<
      TranscriptLine,
      { type: 'result' }
    >;
  };
}

const MIGRATION = `
CREATE TABLE audit (id serial PRIMARY KEY, note text);
INSERT INTO audit (note) VALUES ('first'), ('second');
BEGIN;
UPDATE accounts SET balance = balance + 1 WHERE id <= 3;
ALTER TABLE accounts ADD COLUMN flagged boolean NOT NULL DEFAULT false;
COMMIT;
CREATE INDEX CONCURRENTLY accounts_balance ON accounts (balance);
DELETE FROM accounts WHERE id = 10;
SELECT count(*) AS accounts_left, sum(balance) AS total FROM accounts;
SELECT nextval('invoice_no') AS invoice;
BEGIN;
INSERT INTO accounts (id, owner, balance) VALUES (1, 'duplicate', 0);
COMMIT;
INSERT INTO no_such_table VALUES (1);
SELECT count(*) AS audit_rows FROM audit;
START TRANSACTION;
INSERT INTO audit (note) VALUES ('rolled back');
ROLLBACK;
SELECT count(*) AS audit_rows_after_rollback FROM audit;
VACUUM accounts;
SELECT 'done' AS state;
`;

describe('dry run', () => {
  it('runs a migration with transactions and CREATE INDEX CONCURRENTLY and leaves the database unchanged', async () => {
    const before = await snapshot();
    expect(await server.query(SEQUENCE_POSITIONS)).toEqual([{ name: 'invoice_no', value: null }]);
    const file = join(dir, 'migration.sql');
    writeFileSync(file, MIGRATION);
    const r = await run('psql', [gw.url, '-X', '-A', '-f', file]);
    const lines = r.out.replaceAll(file, 'SCRIPT').trim().split('\n');
    // psql prints each command's tag (and query results); errors and notices go to stderr.
    for (const expected of [
      'CREATE TABLE',
      'INSERT 0 2',
      'BEGIN',
      'UPDATE 3',
      'ALTER TABLE',
      'COMMIT',
      'CREATE INDEX',
      'DELETE 1',
      '9|453',
      'ROLLBACK',
      'audit_rows',
      '2',
      'VACUUM',
      'done',
    ]) {
      expect(lines, expected).toContain(expected);
    }
    const out = lines.join('\n');
    expect(out).toContain('guardrail dry run: skipped CREATE INDEX CONCURRENTLY accounts_balance');
    expect(out).toContain('guardrail dry run: skipped VACUUM accounts');
    expect(out).toContain('duplicate key value violates unique constraint "accounts_pkey"');
    expect(out).toContain('relation "no_such_table" does not exist');
    expect(out).toContain('guardrail dry run: not executed: the statement calls nextval() or setval()');
    // The rolled-back block left the audit table as it was; the failed autocommit INSERT did not
    // undo what came before it.
    expect(out).toMatch(/audit_rows_after_rollback\n2\n/);
    expect(await snapshot()).toEqual(before);
    expect(await server.query(SEQUENCE_POSITIONS)).toEqual([{ name: 'invoice_no', value: null }]);

    const resultOf = resultIn(transcript());
    expect(resultOf('UPDATE accounts')).toMatchObject({ tag: 'UPDATE 3', rows: 3 });
    expect(resultOf('DELETE FROM accounts')).toMatchObject({ tag: 'DELETE 1', rows: 1 });
    expect(resultOf("INSERT INTO audit (note) VALUES ('first')")).toMatchObject({
      tag: 'INSERT 0 2',
      rows: 2,
    });
    expect(resultOf('CREATE INDEX CONCURRENTLY')).toMatchObject({ tag: 'SKIPPED (dry run)' });
    expect(resultOf('VACUUM')).toMatchObject({ tag: 'SKIPPED (dry run)' });
    expect(resultOf('BEGIN')).toMatchObject({ tag: 'BEGIN' });
    const skipped = transcript().filter((e) => e.type === 'notice' && e.code === 'dry-run-skipped');
    expect(skipped).toHaveLength(2);
  });

  it('shows the client the transaction status it expects, in simple and extended protocol', async () => {
    const raw = await rawClient(gw);
    try {
      raw.send(msg.query('CREATE TABLE status_check (a int)'));
      expect(await raw.untilReady()).toMatchObject({ status: 'I', errors: [] });
      raw.send(msg.query('BEGIN'));
      expect(await raw.untilReady()).toMatchObject({ status: 'T', errors: [] });
      raw.send(msg.query('SELECT 1/0'));
      expect(await raw.untilReady()).toMatchObject({ status: 'E', errors: ['22012'] });
      raw.send(msg.query('SELECT 1'));
      expect(await raw.untilReady()).toMatchObject({ status: 'E', errors: ['25P02'] });
      raw.send(msg.query('COMMIT'));
      expect(await raw.untilReady()).toMatchObject({ status: 'I', errors: [] });
      raw.send(msg.query('SELECT 1/0'));
      expect(await raw.untilReady()).toMatchObject({ status: 'I', errors: ['22012'] });
      raw.send(msg.query('INSERT INTO status_check VALUES (1)'));
      expect(await raw.untilReady()).toMatchObject({ status: 'I', errors: [] });
      raw.send(msg.parse('BEGIN'), msg.bind(), msg.execute(), msg.sync());
      expect(await raw.untilReady()).toMatchObject({ status: 'T', errors: [] });
      raw.send(msg.parse('INSERT INTO status_check VALUES (2)'), msg.bind(), msg.execute(), msg.sync());
      expect(await raw.untilReady()).toMatchObject({ status: 'T', errors: [] });
      raw.send(msg.parse('COMMIT'), msg.bind(), msg.execute(), msg.sync());
      expect(await raw.untilReady()).toMatchObject({ status: 'I', errors: [] });
      raw.send(msg.query('SELECT count(*) FROM status_check'));
      expect(await raw.untilReady()).toMatchObject({ status: 'I', types: 'TDCZ' });
    } finally {
      raw.socket.destroy();
    }
    // The table never existed outside the dry run.
    expect(await server.query("SELECT to_regclass('status_check') AS t")).toEqual([{ t: null }]);
  });

  it('runs pg and postgres.js transactions, pipelined queries and COPY FROM STDIN', async () => {
    const before = await snapshot();
    const c = new pg.Client({ connectionString: gw.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      const u = await c.query('UPDATE accounts SET owner = upper(owner) WHERE id > $1', [5]);
      expect(u.rowCount).toBe(5);
      await c.query('COMMIT');
      expect((await c.query('SELECT owner FROM accounts WHERE id = 6')).rows).toEqual([{ owner: 'OWNER 6' }]);
    } finally {
      await c.end();
    }
    // postgres.js pipelines: the dry run reads each batch only after the previous one ended.
    const sql = postgres(gw.url, { max: 1, onnotice: () => undefined });
    try {
      const updated = await sql.begin(async (tx) => {
        const r = await tx`UPDATE accounts SET balance = 0 WHERE id <= ${2}`;
        return r.count;
      });
      expect(updated).toBe(2);
      const [zeroed, failed, after] = await Promise.all([
        sql`SELECT count(*)::int AS n FROM accounts WHERE balance = 0`,
        sql`SELECT 1/0`.catch((err: Error) => err.message),
        sql`SELECT owner FROM accounts WHERE id = ${7}`,
      ]);
      expect(zeroed).toMatchObject([{ n: 2 }]);
      expect(failed).toBe('division by zero');
      expect(after).toMatchObject([{ owner: 'owner 7' }]);
      await expect(
        sql.begin(async (tx) => {
          await tx`INSERT INTO accounts VALUES (${50}, ${'inside'}, ${1})`;
          throw new Error('client gives up');
        }),
      ).rejects.toThrow('client gives up');
      expect(await sql`SELECT count(*)::int AS n FROM accounts WHERE id = 50`).toMatchObject([{ n: 0 }]);
    } finally {
      await sql.end();
    }
    const rows = join(dir, 'accounts.tsv');
    writeFileSync(rows, '11\towner 11\t110\n12\towner 12\t120\n');
    const copy = await run('psql', [
      gw.url,
      '-X',
      '-A',
      '-t',
      '-c',
      `\\copy accounts (id, owner, balance) FROM '${rows}'`,
      '-c',
      'SELECT count(*) FROM accounts',
    ]);
    expect(copy.status).toBe(0);
    expect(copy.out.trim().split('\n')).toEqual(['COPY 2', '12']);
    expect(await snapshot()).toEqual(before);
  });

  it('runs node-pg-migrate: a transactional migration and one with CREATE INDEX CONCURRENTLY outside a transaction', async () => {
    const before = await snapshot();
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(
      join(migrations, '1700000000001_orders.sql'),
      `-- Up Migration
CREATE TABLE orders (id int PRIMARY KEY, account_id int REFERENCES accounts (id));
INSERT INTO orders SELECT g, g FROM generate_series(1, 5) g;
UPDATE accounts SET balance = balance * 2 WHERE id IN (SELECT account_id FROM orders);
-- Down Migration
DROP TABLE orders;
`,
    );
    writeFileSync(
      join(migrations, '1700000000002_index.cjs'),
      `exports.up = (pgm) => {
  pgm.noTransaction();
  pgm.createIndex('orders', 'account_id', { concurrently: true });
};
`,
    );
    const r = await run(
      resolve('node_modules/.bin/node-pg-migrate'),
      ['up', '-m', migrations, '--no-check-order'],
      { DATABASE_URL: gw.url },
    );
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('Migrations complete!');
    expect(await snapshot()).toEqual(before);
    expect(await server.query("SELECT to_regclass('pgmigrations') AS t")).toEqual([{ t: null }]);
    const resultOf = resultIn(transcript());
    // node-pg-migrate sends a SQL file as one string: its result sums the rows of its statements.
    expect(resultOf('-- Up Migration\nCREATE TABLE orders')).toMatchObject({ tag: 'UPDATE 5', rows: 10 });
    expect(resultOf('CREATE INDEX CONCURRENTLY')).toMatchObject({ tag: 'SKIPPED (dry run)' });
  });
});
