// Real clients through the Postgres gateway give the same results as connected directly.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { gatewayFor, type TestGateway } from './pg-harness.js';

// Nothing the clients do here is refused: these suites compare behaviour, not policy.
// (Exfiltration stays denied and opaque statements held: a policy cannot allow those wholesale.)
const POLICY = `categories:
  destructive: allow
  privilege: allow
  lock-heavy: allow
  mass-change: allow
`;

let server: PgServer;
let gw: TestGateway;
const dir = mkdtempSync(join(tmpdir(), 'guardrail-clients-'));

beforeAll(async () => {
  server = await startPostgres();
  gw = await gatewayFor(server, { policy: POLICY, unixSocketDir: dir });
});

afterAll(async () => {
  await gw?.close();
  await server?.stop();
});

/** Runs a client program; asynchronously, since the gateway under test shares this event loop. */
function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ stdout, stderr, status });
    });
  });
}

async function psql(url: string, script: string, env: Record<string, string> = {}) {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(file, script);
  const r = await run('psql', [url, '-X', '-q', '-f', file], env);
  return { out: `${r.stdout}${r.stderr}`.replaceAll(file, 'SCRIPT'), status: r.status };
}

describe('psql', () => {
  it('runs a script with errors, transactions, multi-statement strings and \\copy both ways like direct', async () => {
    const csvIn = join(dir, 'in.csv');
    writeFileSync(csvIn, '10,ten\n11,eleven\n12,"with, comma"\n');
    const script = (schema: string, out: string) => `
drop schema if exists ${schema} cascade;
create schema ${schema};
set search_path = ${schema};
create table items(id int primary key, name text);
insert into items values (1, 'a'), (2, 'b');
insert into items values (1, 'duplicate');
select 1/0;
begin;
insert into items values (3, 'c');
select * from no_such_table;
insert into items values (4, 'd');
commit;
begin;
insert into items values (5, 'e');
commit;
select 1 as one \\; select 2 as two \\; insert into items values (6, 'f');
select 'x' as a \\; select * from no_such_table \\; insert into items values (7, 'g');
\\copy items from '${csvIn}' with (format csv)
\\copy items to '${out}' with (format csv)
\\copy (select id, upper(name) from items order by id) to stdout with csv
select * from items order by id;
drop schema ${schema} cascade;
`;
    const direct = await psql(server.url(), script('direct_s', join(dir, 'direct.csv')));
    const through = await psql(gw.url, script('direct_s', join(dir, 'gw.csv')));
    expect(direct.out).toContain('duplicate key');
    expect(direct.out).toContain('with, comma');
    expect(through.out).toBe(direct.out);
    expect(through.status).toBe(direct.status);
    expect(readFileSync(join(dir, 'gw.csv'), 'utf8')).toBe(readFileSync(join(dir, 'direct.csv'), 'utf8'));
  });

  it('connects over the Unix socket', async () => {
    const r = await psql(
      `postgres://${gw.user}@/${gw.database}?host=${dir}&port=${gw.port}`,
      'select 40 + 2 as answer;',
      {
        PGPASSWORD: gw.password,
      },
    );
    expect(r.out).toContain('42');
    expect(r.status).toBe(0);
  });
});

describe('pgbench', () => {
  it('initialises (COPY FROM STDIN) and runs in simple, extended and prepared modes', async () => {
    const bench = (...args: string[]) => run('pgbench', [...args, gw.url]);
    const init = await bench('-i', '-s', '1', '-q');
    expect(init.stderr).toContain('done');
    expect(init.status).toBe(0);
    for (const mode of ['simple', 'extended', 'prepared']) {
      for (const extra of [['-S'], []]) {
        const result = await bench('-n', '-M', mode, '-c', '4', '-j', '2', '-t', '50', ...extra);
        expect(result.stdout, result.stderr).toContain('number of transactions actually processed: 200/200');
        expect(result.status).toBe(0);
      }
    }
    const direct = await run('psql', [
      server.url(),
      '-X',
      '-At',
      '-c',
      'select count(*) from pgbench_history',
    ]);
    expect(direct.stdout.trim()).toBe(String(3 * 200));
  });
});

describe('node-postgres', () => {
  it('handles parameters, named prepared statements and pipelined queries', async () => {
    const c = new pg.Client({ connectionString: gw.url, pipeline: true } as pg.ClientConfig);
    await c.connect();
    try {
      await c.query('create temp table kv(k text primary key, v int)');
      const inserts = Array.from({ length: 20 }, (_, i) =>
        c.query({ name: 'ins', text: 'insert into kv values ($1, $2) returning v', values: [`k${i}`, i] }),
      );
      const results = await Promise.all(inserts);
      expect(results.map((r) => r.rows[0].v)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const dup = c
        .query('insert into kv values ($1, $2)', ['k1', 1])
        .catch((e: Error & { code: string }) => e.code);
      const after = c.query('select sum(v)::int as s, $1::text as tag from kv', ['t']);
      expect(await dup).toBe('23505');
      expect((await after).rows).toEqual([{ s: 190, tag: 't' }]);
      const types = await c.query('select $1::int4 + 1 as n, $2::bytea as b, $3::jsonb as j', [
        41,
        Buffer.from([0, 1, 2]),
        { a: [1] },
      ]);
      expect(types.rows).toEqual([{ n: 42, b: Buffer.from([0, 1, 2]), j: { a: [1] } }]);
    } finally {
      await c.end();
    }
  });

  it('cancels a running pg_sleep with the client cancel', async () => {
    const c = new pg.Client({ connectionString: gw.url });
    await c.connect();
    try {
      const sleeping = c.query('select pg_sleep(30)').catch((e: Error & { code: string }) => e.code);
      await new Promise((r) => setTimeout(r, 300));
      const canceller = new pg.Client({ connectionString: gw.url });
      // pg's cancel is public but untyped; it takes the query object the client tracks.
      const internals = c as unknown as { activeQuery: unknown };
      (canceller as unknown as { cancel(c: pg.Client, q: unknown): void }).cancel(c, internals.activeQuery);
      expect(await sleeping).toBe('57014');
      expect((await c.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await c.end();
    }
  });
});

describe('notifications', () => {
  it('passes LISTEN/NOTIFY through', async () => {
    const c = new pg.Client({ connectionString: gw.url });
    await c.connect();
    try {
      const got = new Promise<{ channel: string; payload?: string }>((resolve) =>
        c.on('notification', resolve),
      );
      await c.query('listen guardrail_news');
      await server.query("select pg_notify('guardrail_news', 'hello')");
      expect(await got).toMatchObject({ channel: 'guardrail_news', payload: 'hello' });
    } finally {
      await c.end();
    }
  });
});

describe('postgres.js', () => {
  it('pipelines many queries and transactions, and cancels', async () => {
    const sql = postgres(gw.url, { max: 1, onnotice: () => {} });
    try {
      await sql`create table if not exists pj(id int primary key, v text)`;
      await sql`truncate pj`.catch(() => undefined);
      const many = await Promise.all(
        Array.from({ length: 200 }, (_, i) => sql`select ${i}::int as i, ${`v${i}`} as v`),
      );
      expect(many.map((r) => r[0]?.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      await sql.begin(async (tx) => {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) => tx`insert into pj values (${i}, ${String(i)})`),
        );
      });
      const failed = await sql
        .begin(async (tx) => {
          await tx`insert into pj values (1000, 'x')`;
          await tx`insert into pj values (1, 'dup')`;
        })
        .catch((e: { code: string }) => e.code);
      expect(failed).toBe('23505');
      expect((await sql`select count(*)::int as n from pj`)[0]?.n).toBe(50);
      const q = sql`select pg_sleep(30)`;
      const result = q.then(
        () => 'finished',
        (e: { code: string }) => e.code,
      );
      await new Promise((r) => setTimeout(r, 300));
      q.cancel();
      expect(await result).toBe('57014');
      await sql`drop table pj`;
    } finally {
      await sql.end();
    }
  });
});

describe('psycopg2', () => {
  it('runs parameters, transactions, executemany, COPY and cancel from Python', async () => {
    const script = `
import sys, threading, time, io, psycopg2
conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()
cur.execute("create temp table py(id int, name text)")
cur.executemany("insert into py values (%s, %s)", [(i, "n%d" % i) for i in range(10)])
conn.commit()
cur.execute("select count(*), sum(id) from py where name like %s", ("n%",))
print("rows", cur.fetchone())
try:
    cur.execute("select 1/0")
except psycopg2.Error as e:
    print("error", e.pgcode)
conn.rollback()
cur.copy_from(io.StringIO("100\\tcopied\\n101\\tcopied\\n"), "py")
out = io.StringIO()
cur.copy_expert("copy (select * from py where id >= 100 order by id) to stdout", out)
print("copy", out.getvalue().replace("\\n", "|"))
threading.Timer(0.3, conn.cancel).start()
try:
    cur.execute("select pg_sleep(30)")
except psycopg2.Error as e:
    print("cancel", e.pgcode)
conn.rollback()
cur.execute("select 'still usable'")
print(cur.fetchone()[0])
conn.close()
`;
    const file = join(dir, 'client.py');
    writeFileSync(file, script);
    const direct = await run('/usr/bin/python3', [file, server.url()]);
    const through = await run('/usr/bin/python3', [file, gw.url]);
    expect(direct.stdout).toContain('rows (10, 45)');
    expect(direct.stdout).toContain('cancel 57014');
    expect(through.stderr).toBe('');
    expect(through.stdout).toBe(direct.stdout);
  });
});

describe('transcript', () => {
  it('has statement, verdict and result lines and verifies', () => {
    const lines = gw.transcript();
    const types = new Set(lines.map((l) => l.type));
    for (const t of ['gateway.start', 'session.start', 'statement', 'verdict', 'result', 'session.end'])
      expect(types).toContain(t);
    expect(verifyTranscript(readFileSync(gw.transcriptPath, 'utf8')).ok).toBe(true);
    const copy = lines.find((l) => l.type === 'statement' && l.via === 'copy');
    expect(copy).toBeDefined();
  });
});
