// `guardrail replay --against` on real servers. A session is recorded the way the gateway records
// it (statement, verdict, approval, result events through FileRecorder) while its statements run
// for real on a first database; the replay on a fresh copy must agree, and a copy that was edited
// beforehand must show the divergences with the statement id and both values.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/replay.js';
import { replayAgainst } from '../../src/cli/replay-against.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

type Outcome = { tag?: string; rows?: number; error?: { code: string; message: string } };

interface Step {
  conn: number;
  id: string;
  /** What actually runs on the first database. */
  text: string;
  params?: unknown[];
  /** What the transcript shows, when masking changed it. */
  recordedText?: string;
  recordedParams?: unknown[];
  via?: 'simple' | 'extended' | 'prepared';
  action?: 'allow' | 'deny' | 'review';
}

/** Records steps as the gateway would; `exec` runs a forwarded statement on the first database. */
class SessionRecorder {
  readonly dir = mkdtempSync(join(tmpdir(), 'guardrail-replay-'));
  readonly file = join(this.dir, 'transcript.jsonl');
  private readonly rec = new FileRecorder(this.file);

  constructor(dialect: string) {
    this.rec.record(0, {
      type: 'gateway.start',
      dialect,
      upstream: 'first',
      mode: 'enforce',
      version: 'test',
    });
  }

  event(conn: number, e: TranscriptEvent): void {
    this.rec.record(conn, e);
  }

  async step(s: Step, exec: (s: Step) => Promise<Outcome>): Promise<void> {
    const action = s.action ?? 'allow';
    const params = s.recordedParams ?? s.params;
    this.event(s.conn, {
      type: 'statement',
      id: s.id,
      text: s.recordedText ?? s.text,
      via: s.via ?? (s.params ? 'extended' : 'simple'),
      hash: s.id.padEnd(64, '0'),
      inTransaction: false,
      ...(params ? { params } : {}),
    });
    const rules = action === 'allow' ? [] : ['destructive/test'];
    this.event(s.conn, { type: 'verdict', id: s.id, action, rules, findings: [], enforced: true });
    if (action === 'deny') {
      this.event(s.conn, {
        type: 'result',
        id: s.id,
        durationMs: 0,
        error: { code: '42501', message: 'guardrail: denied by policy' },
      });
      return;
    }
    if (action === 'allow') await this.ran(s, exec);
  }

  async ran(s: Step, exec: (s: Step) => Promise<Outcome>): Promise<void> {
    const o = await exec(s);
    this.event(s.conn, { type: 'result', id: s.id, durationMs: 1, ...o });
  }

  close(): void {
    this.rec.close();
  }
}

/** Runs `guardrail replay FILE --against URL` in-process and returns its exit code and output. */
async function cli(file: string, url: string): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    chunks.push(`${a.join(' ')}\n`);
  });
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    const code = await run([file, '--against', url]);
    return { code, out: chunks.join('') };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

const SCHEMA = `CREATE TABLE items (id int PRIMARY KEY, name varchar(20), qty int)`;
const ROWS = `INSERT INTO items VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3), (4, 'd', 4), (5, 'e', 5)`;

describe('Postgres', () => {
  let db: PgServer;
  let session: SessionRecorder;
  const clients = new Map<number, pg.Client>();

  const exec = async (s: Step): Promise<Outcome> => {
    let c = clients.get(s.conn);
    if (!c) {
      c = await db.client('first');
      clients.set(s.conn, c);
    }
    try {
      const r = await c.query(s.text, s.params);
      const tag = [r.command, ...(r.command === 'INSERT' ? ['0'] : []), r.rowCount].join(' ');
      return { tag, rows: r.rowCount ?? 0 };
    } catch (err) {
      return { error: { code: (err as { code: string }).code, message: (err as Error).message } };
    }
  };

  beforeAll(async () => {
    db = await startPostgres();
    for (const name of ['first', 'fresh', 'edited']) {
      await db.query(`CREATE DATABASE ${name}`);
      const c = await db.client(name);
      await c.query(`${SCHEMA}; ${ROWS}`);
      await c.end();
    }
    session = new SessionRecorder('postgres');
    const step = (s: Step) => session.step(s, exec);
    await step({ conn: 1, id: 's1', text: 'UPDATE items SET qty = qty + 1 WHERE qty >= $1', params: [3] });
    // s2 waits for approval while conn 2 inserts the row it deletes: the replay must follow the
    // order of release, not the order the statements arrived in.
    await step({ conn: 1, id: 's2', text: 'DELETE FROM items WHERE id = 6', action: 'review' });
    session.event(1, {
      type: 'approval.requested',
      id: 's2',
      requestId: 'gr-1',
      channel: 'github',
      deadline: new Date().toISOString(),
    });
    await step({ conn: 2, id: 's3', text: "INSERT INTO items VALUES (6, 'f', 6)" });
    session.event(1, {
      type: 'approval.decided',
      id: 's2',
      requestId: 'gr-1',
      outcome: 'approved',
      by: ['alice'],
    });
    await session.ran({ conn: 1, id: 's2', text: 'DELETE FROM items WHERE id = 6' }, exec);
    await step({ conn: 1, id: 's4', text: "INSERT INTO items VALUES (1, 'dup', 1)" });
    await step({ conn: 2, id: 's5', text: 'DROP TABLE items', action: 'deny' });
    await step({
      conn: 2,
      id: 's6',
      text: "UPDATE items SET name = 'secret' WHERE id = 2",
      recordedText: "UPDATE items SET name = '[masked]' WHERE id = 2",
    });
    await step({
      conn: 1,
      id: 's7',
      text: 'SELECT id FROM items WHERE name = $1',
      params: ['secret'],
      recordedParams: ['[redacted:email]'],
    });
    await step({ conn: 2, id: 's8', text: 'BEGIN' });
    await step({ conn: 2, id: 's9', text: 'DELETE FROM items WHERE qty > $1', params: [4] });
    await step({ conn: 2, id: 's10', text: 'COMMIT' });
    await step({ conn: 1, id: 's11', text: 'SELECT * FROM items ORDER BY id' });
    session.close();
    for (const c of clients.values()) await c.end();
  });

  afterAll(async () => {
    rmSync(session?.dir ?? '/nonexistent', { recursive: true, force: true });
    await db?.stop();
  });

  it('a fresh copy replays without divergence; masked statements are not run; refused ones are skipped', async () => {
    const { lines } = readTranscript(readFileSync(session.file, 'utf8'));
    const report = await replayAgainst(lines, db.url('fresh'));
    expect(report.divergences).toBe(0);
    expect(report.refused).toBe(1);
    expect(report.outcomes.map((o) => [o.id, o.status])).toEqual([
      ['s1', 'same'],
      ['s3', 'same'],
      ['s2', 'same'],
      ['s4', 'same'],
      ['s6', 'not-reproducible'],
      ['s7', 'not-reproducible'],
      ['s8', 'same'],
      ['s9', 'same'],
      ['s10', 'same'],
      ['s11', 'same'],
    ]);
    expect(report.outcomes.find((o) => o.id === 's2')?.replayed?.rows).toBe(1);
    expect(report.outcomes.find((o) => o.id === 's4')?.replayed?.error?.code).toBe('23505');
    const fresh = await db.client('fresh');
    try {
      // The masked UPDATE never ran: the scratch row keeps its name.
      expect((await fresh.query('SELECT name FROM items WHERE id = 2')).rows).toEqual([{ name: 'b' }]);
      expect((await fresh.query('SELECT id FROM items ORDER BY id')).rows).toEqual([
        { id: 1 },
        { id: 2 },
        { id: 3 },
      ]);
    } finally {
      await fresh.end();
    }
  });

  it('reports each divergence with the statement id and both values, and exits 1', async () => {
    const edited = await db.client('edited');
    await edited.query('DELETE FROM items WHERE id IN (1, 4)');
    await edited.end();
    const { code, out } = await cli(session.file, db.url('edited'));
    expect(code).toBe(1);
    expect(out).toContain('DIVERGED conn 1 s1: rows: recorded 3, replayed 2');
    expect(out).toContain('DIVERGED conn 1 s4: recorded error 23505, replayed no error');
    expect(out).toMatch(/NOT REPRODUCIBLE conn 2 s6: the recorded text contains a masked or redacted value/);
    expect(out).toMatch(/1 refused by the gateway/);
    expect(out).not.toContain(db.password);
  });

  it('exits 0 through the CLI when nothing diverges', async () => {
    await db.query('CREATE DATABASE again');
    const c = await db.client('again');
    await c.query(`${SCHEMA}; ${ROWS}`);
    await c.end();
    const { code, out } = await cli(session.file, db.url('again'));
    expect(out).toMatch(/0 diverged, 2 not reproducible, 1 refused/);
    expect(code).toBe(0);
  });
});

describe('MariaDB', () => {
  let db: MariaDbServer;
  let session: SessionRecorder;
  const conns = new Map<number, mysql.Connection>();
  const url = (database: string) => db.url().replace(/\/app$/, `/${database}`);

  const exec = async (s: Step): Promise<Outcome> => {
    let c = conns.get(s.conn);
    if (!c) {
      c = await db.connect({ database: 'first' });
      conns.set(s.conn, c);
    }
    try {
      const [r] = s.params ? await c.execute(s.text, s.params as never[]) : await c.query(s.text);
      return Array.isArray(r) && r.length > 0
        ? { tag: 'RESULT', rows: r.length }
        : { tag: 'OK', rows: (r as { affectedRows?: number }).affectedRows ?? 0 };
    } catch (err) {
      return { error: { code: (err as { sqlState: string }).sqlState, message: (err as Error).message } };
    }
  };

  beforeAll(async () => {
    db = await startMariaDb();
    for (const name of ['first', 'fresh', 'edited'])
      await db.admin(`CREATE DATABASE ${name}; USE ${name}; ${SCHEMA}; ${ROWS};`);
    session = new SessionRecorder('mysql');
    const step = (s: Step) => session.step(s, exec);
    await step({
      conn: 1,
      id: 'm1',
      text: 'UPDATE items SET qty = qty + 1 WHERE qty >= ?',
      params: [3],
      via: 'prepared',
    });
    await step({ conn: 2, id: 'm2', text: "INSERT INTO items VALUES (1, 'dup', 1)" });
    await step({ conn: 2, id: 'm3', text: 'DELETE FROM items WHERE id = 5' });
    await step({ conn: 1, id: 'm4', text: 'TRUNCATE TABLE items', action: 'deny' });
    await step({
      conn: 1,
      id: 'm5',
      text: "UPDATE items SET name = 'secret' WHERE id = 2",
      recordedText: "UPDATE items SET name = '[masked]' WHERE id = 2",
    });
    await step({ conn: 1, id: 'm6', text: 'SELECT * FROM items' });
    session.close();
    for (const c of conns.values()) await c.end();
  });

  afterAll(async () => {
    rmSync(session?.dir ?? '/nonexistent', { recursive: true, force: true });
    await db?.stop();
  });

  it('a fresh copy replays without divergence', async () => {
    const { code, out } = await cli(session.file, url('fresh'));
    expect(out).toMatch(/4 replayed, 4 as recorded, 0 diverged, 1 not reproducible, 1 refused/);
    expect(out).not.toContain(db.password);
    expect(code).toBe(0);
  });

  it('an edited copy shows the divergences', async () => {
    await db.admin('DELETE FROM edited.items WHERE id IN (1, 4)');
    const { code, out } = await cli(session.file, url('edited'));
    expect(out).toContain('DIVERGED conn 1 m1: rows: recorded 3, replayed 2');
    expect(out).toContain('DIVERGED conn 2 m2: recorded error 23000, replayed no error');
    expect(out).toContain('DIVERGED conn 1 m6: rows: recorded 4, replayed 3');
    expect(code).toBe(1);
  });
});
