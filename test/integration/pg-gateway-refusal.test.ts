// Refused and held statements: nothing of them reaches the database, the client's session goes
// on, and held statements keep everything pipelined behind them waiting, in order.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalChannel, ApprovalOutcome, ApprovalRequest } from '../../src/approvals/types.js';
import { startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import type { Recorder } from '../../src/transcript/recorder.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { STRICT_POLICY, testContext } from '../support/gateway-context.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { gatewayFor, msg, rawClient, type TestGateway } from './pg-harness.js';

/** An approval channel whose outcomes the test decides. */
class TestApprovals implements ApprovalChannel {
  readonly name = 'test';
  readonly requests: ApprovalRequest[] = [];
  private waiting: { request: ApprovalRequest; resolve: (o: ApprovalOutcome) => void }[] = [];

  request(request: ApprovalRequest): Promise<ApprovalOutcome> {
    this.requests.push(request);
    return new Promise((resolve) => this.waiting.push({ request, resolve }));
  }

  decide(decision: 'approved' | 'denied', reason?: string): void {
    const next = this.waiting.shift();
    if (!next) throw new Error('no approval request is waiting');
    next.resolve({
      decision,
      by: ['reviewer'],
      decidedAt: new Date().toISOString(),
      hashes: decision === 'approved' ? next.request.statements.map((s) => s.hash) : [],
      ...(reason ? { reason } : {}),
    });
  }

  async requested(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise((r) => setTimeout(r, 10));
  }
}

let server: PgServer;
let gw: TestGateway;
const approvals = new TestApprovals();

beforeAll(async () => {
  server = await startPostgres();
  gw = await gatewayFor(server, {
    approvals,
    // Lock-heavy statements (an ADD COLUMN … UNIQUE builds an index under lock) are held for
    // approval; exfiltration is denied, as by default.
    policy: `${STRICT_POLICY}  lock-heavy: review\n`,
  });
});

afterAll(async () => {
  await gw?.close();
  await server?.stop();
});

const clients: { end(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end()));
});

async function table(name: string, rows: number[]): Promise<void> {
  await server.query(`drop table if exists ${name}; create table ${name}(id int)`);
  if (rows.length) await server.query(`insert into ${name} select unnest($1::int[])`, [rows]);
}

async function ids(name: string): Promise<number[]> {
  return (await server.query<{ id: number }>(`select id from ${name} order by id`)).map((r) => r.id);
}

describe('denied statements', () => {
  it('inside a transaction: refused with 42501, the transaction fails like on a server error, the session goes on', async () => {
    await table('tx_t', [1, 2]);
    const c = await gw.client();
    clients.push(c);
    await c.query('begin');
    await c.query('insert into tx_t values (3)');
    const refused = await c.query('delete from tx_t').catch((e: pg.DatabaseError) => e);
    expect(refused).toMatchObject({ code: '42501' });
    expect((refused as Error).message).toContain('destructive/delete-without-where');
    const next = await c.query('select 1').catch((e: pg.DatabaseError) => e.code);
    expect(next).toBe('25P02');
    await c.query('commit');
    expect(await ids('tx_t')).toEqual([1, 2]);
    expect((await c.query('select count(*)::int as n from tx_t')).rows).toEqual([{ n: 2 }]);
  });

  it('in a multi-statement string: nothing of the string runs', async () => {
    await table('multi_t', [1]);
    const c = await gw.client();
    clients.push(c);
    const refused = await c
      .query('insert into multi_t values (5); truncate multi_t')
      .catch((e: pg.DatabaseError) => e);
    expect(refused).toMatchObject({ code: '42501' });
    expect((await c.query('select count(*)::int as n from multi_t')).rows).toEqual([{ n: 1 }]);
    expect(await ids('multi_t')).toEqual([1]);
  });

  it('in a pipeline of separately synced queries: only the refused one fails', async () => {
    await table('pipe_t', [1]);
    const sql = postgres(gw.url, { max: 1, onnotice: () => {} });
    clients.push(sql);
    const results = await Promise.all([
      sql`insert into pipe_t values (2)`.then(() => 'ok'),
      sql`delete from pipe_t`.then(
        () => 'ran',
        (e: { code: string }) => e.code,
      ),
      sql`insert into pipe_t values (3)`.then(() => 'ok'),
      sql`select count(*)::int as n from pipe_t`.then((r) => r[0]?.n),
    ]);
    expect(results).toEqual(['ok', '42501', 'ok', 3]);
    expect(await ids('pipe_t')).toEqual([1, 2, 3]);
  });

  it('in one extended-protocol batch: the implicit transaction rolls back as on a server error', async () => {
    await table('batch_t', [1]);
    const raw = await rawClient(gw);
    clients.push({ end: async () => raw.socket.end() });
    raw.send(
      msg.parse('insert into batch_t values (2)'),
      msg.bind(),
      msg.execute(),
      msg.parse('delete from batch_t'),
      msg.bind(),
      msg.execute(),
      msg.parse('insert into batch_t values (3)'),
      msg.bind(),
      msg.execute(),
      msg.sync(),
    );
    const reply = await raw.untilReady();
    expect(reply).toEqual({ types: '12CEZ', errors: ['42501'], status: 'I' });
    expect(await ids('batch_t')).toEqual([1]);
    raw.send(msg.parse('select 1'), msg.bind(), msg.execute(), msg.sync());
    expect(await raw.untilReady()).toEqual({ types: '12DCZ', errors: [], status: 'I' });
  });
});

describe('denied COPY', () => {
  it('refuses COPY FROM STDIN before any data is sent, and psql goes on', async () => {
    await table('copy_locked', []);
    const dir = mkdtempSync(join(tmpdir(), 'guardrail-copy-'));
    writeFileSync(join(dir, 'in.csv'), '1\n2\n');
    // psql sends COPY … FROM STDIN with this WHERE; reading a server file in it is exfiltration.
    const out = await new Promise<string>((resolve) => {
      execFile(
        'psql',
        [
          gw.url,
          '-X',
          '-c',
          `\\copy copy_locked from '${join(dir, 'in.csv')}' with csv where pg_read_file('/etc/hostname') is not null`,
          '-c',
          'select 40 + 2 as after',
        ],
        (_err, stdout, stderr) => resolve(stdout + stderr),
      );
    });
    expect(out).toContain('guardrail: denied by policy (exfiltration/server-file)');
    expect(out).toContain('42');
    expect(await ids('copy_locked')).toEqual([]);
  });
});

describe('held statements', () => {
  it('hold everything pipelined behind them until approved, then run in order', async () => {
    await table('held_t', [1]);
    const sql = postgres(gw.url, { max: 1, onnotice: () => {} });
    clients.push(sql);
    const done: string[] = [];
    const track = <T>(name: string, p: Promise<T>) =>
      p.then(
        (v) => {
          done.push(name);
          return v;
        },
        (e: { code?: string }) => {
          done.push(name);
          return e.code;
        },
      );
    const before = approvals.requests.length;
    const first = track('first', sql`insert into held_t values (2)`);
    const held = track('held', sql`alter table held_t add column note text unique`);
    const after = track('after', sql`insert into held_t values (3)`);
    const read = track('read', sql`select count(*)::int as n from held_t`);
    await approvals.requested(before + 1);
    await first;
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toEqual(['first']);
    expect(await ids('held_t')).toEqual([1, 2]);
    expect(approvals.requests.at(-1)?.statements[0]?.text).toBe(
      'alter table held_t add column note text unique',
    );
    approvals.decide('approved');
    await Promise.all([held, after, read]);
    expect(done).toEqual(['first', 'held', 'after', 'read']);
    expect(await read).toEqual([{ n: 3 }]);
    const cols = await server.query(
      "select 1 from information_schema.columns where table_name = 'held_t' and column_name = 'note'",
    );
    expect(cols).toHaveLength(1);
  });

  it('are refused when denied, and the session goes on', async () => {
    await table('deny_t', [1]);
    const sql = postgres(gw.url, { max: 1, onnotice: () => {} });
    clients.push(sql);
    const before = approvals.requests.length;
    const held = sql`alter table deny_t add column x int unique`.catch(
      (e: { code: string; message: string }) => e,
    );
    const after = sql`insert into deny_t values (2)`;
    await approvals.requested(before + 1);
    approvals.decide('denied', 'not today');
    const refusal = await held;
    expect(refusal).toMatchObject({ code: '42501' });
    expect((refusal as { message: string }).message).toContain('not today');
    await after;
    expect(await ids('deny_t')).toEqual([1, 2]);
    const cols = await server.query(
      "select 1 from information_schema.columns where table_name = 'deny_t' and column_name = 'x'",
    );
    expect(cols).toHaveLength(0);
  });

  it('hold a simple-protocol statement inside a transaction', async () => {
    await table('simple_held_t', [1]);
    const c = await gw.client();
    clients.push(c);
    await c.query('begin');
    const before = approvals.requests.length;
    const held = c.query('alter table simple_held_t add column y int unique');
    await approvals.requested(before + 1);
    approvals.decide('approved');
    await held;
    await c.query('insert into simple_held_t values (2, 2)');
    await c.query('commit');
    expect(await ids('simple_held_t')).toEqual([1, 2]);
  });
});

/** A recorder whose disk fills up when the test says so. */
class BreakableRecorder implements Recorder {
  failed: Error | undefined;
  lines = 0;
  record(): void {
    if (this.failed) throw this.failed;
    this.lines++;
  }
  flush(): void {}
  close(): void {}
}

describe('transcript failure', () => {
  it('refuses every statement once the transcript cannot be written, without harming the gateway', async () => {
    const recorder = new BreakableRecorder();
    const broken = await startPostgresGateway({
      upstream: server.url(),
      context: await testContext({ dialect: 'postgres', recorder }),
    });
    try {
      const c = new pg.Client({ connectionString: broken.url });
      await c.connect();
      expect((await c.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
      recorder.failed = new Error('disk full');
      const refused = await c.query('select 2').catch((e: pg.DatabaseError) => e);
      expect(refused).toMatchObject({ code: '42501' });
      expect((refused as Error).message).toContain('transcript unavailable: disk full');
      const again = await c.query('select 3').catch((e: pg.DatabaseError) => e.code);
      expect(again).toBe('42501');
      await c.end();
    } finally {
      await broken.close().catch(() => undefined);
    }
    const healthy = await gw.client();
    clients.push(healthy);
    expect((await healthy.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });
});

describe('transcript', () => {
  it('records verdicts, approvals and refusals, and verifies', () => {
    const lines = gw.transcript();
    expect(verifyTranscript(readFileSync(gw.transcriptPath, 'utf8')).ok).toBe(true);
    const verdicts = lines.filter((l) => l.type === 'verdict').map((l) => l.action);
    expect(verdicts).toContain('deny');
    expect(verdicts).toContain('review');
    const decided = lines.filter((l) => l.type === 'approval.decided').map((l) => l.outcome);
    expect(decided).toEqual(expect.arrayContaining(['approved', 'denied']));
    const refusals = lines.filter((l) => l.type === 'result' && l.error?.code === '42501');
    expect(refusals.length).toBeGreaterThanOrEqual(5);
  });
});
