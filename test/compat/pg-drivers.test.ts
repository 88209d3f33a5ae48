// node-postgres and raw protocol clients, straight against PostgreSQL and through an audit-mode
// gateway: what a driver sees must be the same.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, rawClient } from '../integration/pg-harness.js';
import { run, SYSTEM_PYTHON } from '../support/mysql-clients.js';
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

/** An answer to a first packet: 'N' (no TLS), a protocol 2 error, or protocol 3 messages. */
function answer(got: Buffer): string[] {
  if (got.length === 1 && got[0] === 0x4e) return ['N'];
  // The old format is 'E' and the text; a v3 message has a length word whose top byte is 0.
  if (got[0] === 0x45 && got[1] !== 0) return [`E (protocol 2) ${got.subarray(1, 7).toString('latin1')}`];
  return messages(got);
}

/** Sends bytes as a new connection's first packet (then half-closes if asked) and reads the answer until the close. */
function firstPacket(t: Target, bytes: Buffer, halfClose: boolean): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: t.host, port: t.port });
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer(got)));
    socket.on('connect', () => {
      socket.write(bytes);
      if (halfClose) socket.end();
    });
    setTimeout(() => reject(new Error('the connection stayed open')), 10_000).unref();
  });
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const startupPacket = (version: number, body: string) => {
  const rest = Buffer.concat([int32(version), Buffer.from(body)]);
  return Buffer.concat([int32(rest.length + 4), rest]);
};

describe('a first packet that is not a start-up message', () => {
  // What PostgreSQL does with each is the expectation; the gateway must do the same.
  const cases: [string, Buffer, boolean][] = [
    ['Terminate first (a driver that connects and ends at once)', frame('X'), false],
    ['a Query first', frame('Q', 'SELECT 1'), false],
    ['nothing at all', Buffer.alloc(0), true],
    ['a length word too short', int32(4), false],
    ['a packet cut short', Buffer.concat([int32(100), int32(196608)]), true],
    ['protocol 2.0', startupPacket(0x20000, 'user\0x\0\0'), false],
    ['no user name', startupPacket(0x30000, 'database\0x\0\0'), false],
    ['a missing terminator', startupPacket(0x30000, 'user\0x\0'), false],
    ['a CancelRequest of the wrong length', Buffer.concat([int32(12), int32(80877102), int32(1)]), false],
  ];
  for (const [name, bytes, halfClose] of cases)
    it(name, async () => {
      const r = await onBoth(audit.targets, (t) => firstPacket(t, bytes, halfClose));
      expect(r.gateway).toEqual(r.direct);
    });
});

describe("the user's own tables named pg_…", () => {
  it('are read and written like any table, and the audit transcript holds no catalog-write finding', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = new pg.Client(config(t));
      await c.connect();
      const table = `pg_cursor_test_${t.name}`;
      await c.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
      const inserted = await c.query(`INSERT INTO ${table} VALUES ($1, $2), (2, 'b')`, [1, 'a']);
      const updated = await c.query(`UPDATE ${table} SET v = 'c' WHERE id = 2`);
      const { rows } = await c.query(`SELECT id, v FROM ${table} ORDER BY id`);
      await c.end();
      return { inserted: inserted.rowCount, updated: updated.rowCount, rows };
    });
    expect(r.direct).toEqual({
      inserted: 2,
      updated: 1,
      rows: [
        { id: 1, v: 'a' },
        { id: 2, v: 'c' },
      ],
    });
    expect(r.gateway).toEqual(r.direct);
    const verdicts = audit.recorder.lines.filter((l) => l.type === 'verdict');
    const statements = audit.recorder.lines.filter(
      (l) => l.type === 'statement' && l.text.includes('pg_cursor_test_gateway'),
    );
    // Four statements judged, plus the one execution (with its values) of the parameterised INSERT.
    const executions = statements.filter((l) => l.type === 'statement' && l.preparedAs !== undefined);
    expect(statements).toHaveLength(5);
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ params: ['1', 'a'] });
    for (const s of statements.filter((l) => !executions.includes(l))) {
      const v = verdicts.find((x) => x.type === 'verdict' && s.type === 'statement' && x.id === s.id);
      expect(v).toMatchObject({ action: 'allow' });
      expect(v?.type === 'verdict' && v.rules).not.toContain('privilege/catalog-write');
    }
  });
});

/** Waits until the backend runs pg_sleep: a cancel sent earlier would find nothing to cancel. */
async function sleepingIn(pid: number): Promise<void> {
  for (;;) {
    const rows = await db.query(
      "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
      [pid],
    );
    if (rows.length > 0) return;
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('the backend process id a driver is given', () => {
  it('is what pg_backend_pid() says, and tags the session’s own notifications', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = new pg.Client(config(t));
      await c.connect();
      const known = (c as unknown as { processID: number }).processID;
      const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const got = new Promise<pg.Notification>((resolve) => c.once('notification', resolve));
      await c.query('LISTEN compat_news');
      await c.query("NOTIFY compat_news, 'mine'");
      const n = await got;
      await c.end();
      return { same: known === rows[0]!.pid, own: n.processId === known, payload: n.payload };
    });
    expect(r.direct).toEqual({ same: true, own: true, payload: 'mine' });
    expect(r.gateway).toEqual(r.direct);
  });

  it('cancels a running query by that id: pg_cancel_backend from another session and the CancelRequest', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const codes: string[] = [];
      const c = new pg.Client(config(t));
      const other = new pg.Client(config(t));
      await Promise.all([c.connect(), other.connect()]);
      const pid = (c as unknown as { processID: number }).processID;
      // pg_cancel_backend(pid) with the id the driver knows, from a second session.
      let sleeping = c.query('SELECT pg_sleep(30)').catch((e: pg.DatabaseError) => e.code ?? '');
      await sleepingIn(pid);
      const cancelled = await other.query<{ ok: boolean }>('SELECT pg_cancel_backend($1) AS ok', [pid]);
      codes.push(String(cancelled.rows[0]!.ok), String(await sleeping));
      // The protocol's CancelRequest, as node-postgres sends it.
      sleeping = c.query('SELECT pg_sleep(30)').catch((e: pg.DatabaseError) => e.code ?? '');
      await sleepingIn(pid);
      const canceller = new pg.Client(config(t));
      const internals = c as unknown as { activeQuery: unknown };
      (canceller as unknown as { cancel(c: pg.Client, q: unknown): void }).cancel(c, internals.activeQuery);
      codes.push(String(await sleeping));
      const after = await c.query<{ one: number }>('SELECT 1 AS one');
      await Promise.all([c.end(), other.end()]);
      return { codes, after: after.rows };
    });
    expect(r.direct).toEqual({ codes: ['true', '57014', '57014'], after: [{ one: 1 }] });
    expect(r.gateway).toEqual(r.direct);
  });
});

describe("the session's own temporary tables", () => {
  it('take writes by key without a mass-change finding, though the side connection cannot see them', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = new pg.Client(config(t));
      await c.connect();
      await c.query('CREATE TEMP TABLE scratch (id int PRIMARY KEY, v text)');
      await c.query("INSERT INTO scratch SELECT g, 'x' FROM generate_series(1, 200) g");
      const updated = await c.query("UPDATE scratch SET v = 'y' WHERE id = 123");
      const deleted = await c.query('DELETE FROM pg_temp.scratch WHERE id = 7');
      const { rows } = await c.query("SELECT count(*)::int AS n FROM scratch WHERE v = 'y'");
      await c.end();
      return { updated: updated.rowCount, deleted: deleted.rowCount, rows };
    });
    expect(r.direct).toEqual({ updated: 1, deleted: 1, rows: [{ n: 1 }] });
    expect(r.gateway).toEqual(r.direct);
    const writes = audit.recorder.lines.filter(
      (l) => l.type === 'statement' && /^(UPDATE|DELETE FROM) (pg_temp\.)?scratch/.test(l.text),
    );
    expect(writes).toHaveLength(2);
    for (const s of writes) {
      const v = audit.recorder.lines.find(
        (x) => x.type === 'verdict' && s.type === 'statement' && x.id === s.id,
      );
      expect(v).toMatchObject({ action: 'allow', rules: [] });
    }
  });
});

describe('psycopg2', () => {
  // The pid psycopg2 knows, its own notifications, and pg_cancel_backend by that pid from another session.
  const script = `
import threading, time, psycopg2
conn = psycopg2.connect("")
conn.autocommit = True
pid = conn.get_backend_pid()
cur = conn.cursor()
cur.execute("select pg_backend_pid()")
print("pid matches", cur.fetchone()[0] == pid)
cur.execute("listen py_news")
cur.execute("notify py_news, 'mine'")
conn.poll()
n = conn.notifies.pop(0)
print("own notification", n.pid == pid, n.payload)
other = psycopg2.connect("")
# Each poll its own transaction: pg_stat_activity is a snapshot taken once per transaction.
other.autocommit = True
def stop():
    c2 = other.cursor()
    while True:
        c2.execute("select count(*) from pg_stat_activity where pid = %s and state = 'active' and query like 'select pg_sleep%%'", (pid,))
        if c2.fetchone()[0]:
            break
        time.sleep(0.02)
    c2.execute("select pg_cancel_backend(%s)", (pid,))
threading.Thread(target=stop).start()
try:
    cur.execute("select pg_sleep(30)")
except psycopg2.Error as e:
    print("cancelled", e.pgcode)
cur.execute("select 'still usable'")
print(cur.fetchone()[0])
other.close()
conn.close()
`;
  it('sees the same pid, notifications and cancel directly and through the gateway', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const out = await run(SYSTEM_PYTHON, ['-c', script], '', {
        PGHOST: t.host,
        PGPORT: String(t.port),
        PGUSER: t.user,
        PGPASSWORD: t.password,
        PGDATABASE: t.database,
        PGSSLMODE: 'disable',
      });
      return { code: out.code, stdout: out.stdout, stderr: out.stderr };
    });
    expect(r.direct).toEqual({
      code: 0,
      stdout: 'pid matches True\nown notification True mine\ncancelled 57014\nstill usable\n',
      stderr: '',
    });
    expect(r.gateway).toEqual(r.direct);
  });
});

describe('a statement the server cannot parse, through a gateway in enforce mode', () => {
  let enforce: AuditGateway;
  beforeAll(async () => {
    enforce = await auditPostgres(db, 'enforce');
  });
  afterAll(async () => {
    await enforce?.close();
  });

  it("gets the server's own syntax error (42601, message, position), and the session goes on", async () => {
    const r = await onBoth(enforce.targets, async (t) => {
      const c = new pg.Client(config(t));
      await c.connect();
      const errors: unknown[] = [];
      for (const q of [
        'CREATE TABLE compat_syntax (id int); SELEC 1',
        { text: 'SELECT * FORM compat_missing WHERE id = $1', values: [1] },
      ]) {
        const e = (await c.query(q).catch((err: pg.DatabaseError) => err)) as pg.DatabaseError;
        errors.push({ severity: e.severity, code: e.code, message: e.message, position: e.position });
      }
      const { rows } = await c.query("SELECT to_regclass('compat_syntax') IS NULL AS absent");
      await c.end();
      return { errors, rows };
    });
    expect(r.direct).toEqual({
      errors: [
        { severity: 'ERROR', code: '42601', message: 'syntax error at or near "SELEC"', position: '38' },
        { severity: 'ERROR', code: '42601', message: 'syntax error at or near "FORM"', position: '10' },
      ],
      rows: [{ absent: true }],
    });
    expect(r.gateway).toEqual(r.direct);
    // Recorded as refused for being unparseable, with the server's error as the outcome.
    const statement = enforce.recorder.lines.find(
      (l) => l.type === 'statement' && l.text.includes('SELEC 1'),
    );
    const id = statement?.type === 'statement' ? statement.id : undefined;
    expect(enforce.recorder.lines.find((l) => l.type === 'verdict' && l.id === id)).toMatchObject({
      action: 'deny',
      rules: ['opaque/unparseable'],
    });
    expect(enforce.recorder.lines.find((l) => l.type === 'result' && l.id === id)).toMatchObject({
      error: { code: '42601', message: 'syntax error at or near "SELEC"' },
    });
  });

  it('keeps a parseable statement the policy holds as a refusal (not a syntax error)', async () => {
    const c = new pg.Client(config(enforce.targets[1]!));
    await c.connect();
    await c.query('CREATE TABLE compat_kept (id int)');
    const e = (await c
      .query('DROP TABLE compat_kept')
      .catch((err: pg.DatabaseError) => err)) as pg.DatabaseError;
    await c.end();
    expect(e.code).toBe('42501');
    expect(await db.query("SELECT to_regclass('compat_kept') IS NOT NULL AS present")).toEqual([
      { present: true },
    ]);
  });
});

describe('a session that cancels or terminates itself', () => {
  it('does so as directly, with no admin-function finding; another session’s pid stays one', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = new pg.Client(config(t));
      c.on('error', () => {});
      await c.connect();
      const other = new pg.Client(config(t));
      await other.connect();
      const { rows } = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const otherPid = rows[0]!.pid;
      const outcome = async (text: string) =>
        c.query(text).then(
          (res) => ({ rows: res.rows }),
          (e: pg.DatabaseError) => ({ code: e.code, message: e.message }),
        );
      const cancelled = await outcome('SELECT pg_cancel_backend(pg_backend_pid()) AS own');
      const othersCancel = await outcome(`SELECT pg_cancel_backend(${otherPid}) AS others`);
      const { rows: own } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const terminated = await outcome(`SELECT pg_terminate_backend(${own[0]!.pid})`);
      const otherAlive = (await other.query('SELECT 1 AS one')).rows;
      await other.end();
      await c.end().catch(() => undefined);
      return { cancelled, othersCancel, terminated, otherAlive };
    });
    expect(r.direct.othersCancel).toEqual({ rows: [{ others: true }] });
    expect(r.direct.terminated).toMatchObject({ code: '57P01' });
    expect(r.direct.otherAlive).toEqual([{ one: 1 }]);
    expect(r.gateway).toEqual(r.direct);
    const verdictOf = (needle: RegExp) => {
      const s = audit.recorder.lines.find((l) => l.type === 'statement' && needle.test(l.text));
      return audit.recorder.lines.find(
        (l) => l.type === 'verdict' && s?.type === 'statement' && l.id === s.id,
      );
    };
    expect(verdictOf(/pg_cancel_backend\(pg_backend_pid\(\)\)/)).toMatchObject({ action: 'allow' });
    expect(verdictOf(/pg_terminate_backend\(\d+\)/)).toMatchObject({ action: 'allow' });
    expect(verdictOf(/pg_cancel_backend\(\d+\) AS others/)).toMatchObject({
      rules: ['exfiltration/admin-function'],
    });
  });
});

/** Statement lines of the fast-path calls a scenario made, with their verdicts. */
function fastPathCalls(recorder: AuditGateway['recorder'], from: number) {
  const lines = recorder.lines.slice(from);
  return lines.flatMap((l) => {
    if (l.type !== 'statement' || l.via !== 'fast-path') return [];
    const v = lines.find((x) => x.type === 'verdict' && x.id === l.id);
    return [{ text: l.text, params: l.params, rules: v?.type === 'verdict' ? v.rules : undefined }];
  });
}

describe('large objects', () => {
  // psycopg2's lobject is libpq's lo_* functions: fast-path calls by function OID.
  const lobject = `
import psycopg2
conn = psycopg2.connect("")
lo = conn.lobject(0, "wb")
oid = lo.oid
print("written", lo.write(b"guardrail large object \\x00\\x01 payload"))
lo.close()
conn.commit()
lo = conn.lobject(oid, "rb")
lo.seek(10)
print("tell", lo.tell())
print("read", lo.read(12))
lo.seek(0)
print("all", lo.read())
lo.close()
lo = conn.lobject(oid, "wb")
lo.truncate(5)
lo.close()
print("truncated", conn.lobject(oid, "rb").read())
conn.lobject(oid).unlink()
conn.commit()
cur = conn.cursor()
cur.execute("select count(*) from pg_largeobject_metadata where oid = %s", (oid,))
print("left", cur.fetchone()[0])
try:
    conn.lobject(oid, "rb")
except psycopg2.Error as e:
    print("reopen", e.pgcode)
conn.close()
`;
  it('psycopg2 lobject creates, writes, seeks, reads, truncates and unlinks as directly', async () => {
    const from = audit.recorder.lines.length;
    const r = await onBoth(audit.targets, async (t) => {
      const out = await run(SYSTEM_PYTHON, ['-c', lobject], '', {
        PGHOST: t.host,
        PGPORT: String(t.port),
        PGUSER: t.user,
        PGPASSWORD: t.password,
        PGDATABASE: t.database,
        PGSSLMODE: 'disable',
      });
      return { code: out.code, stdout: out.stdout, stderr: out.stderr };
    });
    expect(r.direct).toEqual({
      code: 0,
      stdout:
        "written 33\ntell 10\nread b'large object'\nall b'guardrail large object \\x00\\x01 payload'\ntruncated b'guard'\nleft 0\nreopen None\n",
      stderr: '',
    });
    expect(r.gateway).toEqual(r.direct);
    // Judged as the equivalent SELECTs: the session's own object, no finding; the data by length only.
    const calls = fastPathCalls(audit.recorder, from);
    const names = calls.map((c) => /^SELECT pg_catalog\.(\w+)\(/.exec(c.text)?.[1]);
    expect(new Set(names)).toEqual(
      new Set([
        'lo_creat',
        'lo_open',
        'lowrite',
        'lo_close',
        'lo_lseek64',
        'lo_tell64',
        'loread',
        'lo_truncate64',
        'lo_unlink',
      ]),
    );
    for (const c of calls) expect(c.rules).toEqual([]);
    const write = calls.find((c) => c.text.includes('lowrite'));
    expect(write).toMatchObject({
      text: expect.stringMatching(/^SELECT pg_catalog\.lowrite\(\d+, \$1::bytea\)$/),
      params: ['<bytea 33 bytes>'],
    });
    expect(JSON.stringify(audit.recorder.lines.slice(from))).not.toContain('payload');
  });

  it('node-postgres uses the SQL-level lo_ functions as directly', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = new pg.Client(config(t));
      await c.connect();
      await c.query('BEGIN');
      const created = await c.query<{ oid: number }>('SELECT lo_from_bytea(0, $1) AS oid', [
        Buffer.from('hello'),
      ]);
      const oid = created.rows[0]!.oid;
      await c.query('SELECT lo_put($1, 5, $2)', [oid, Buffer.from(' world')]);
      const got = await c.query<{ v: Buffer }>('SELECT lo_get($1) AS v', [oid]);
      const fd = await c.query<{ fd: number }>('SELECT lo_open($1, 262144) AS fd', [oid]);
      const read = await c.query<{ v: Buffer }>('SELECT loread($1, 3) AS v', [fd.rows[0]!.fd]);
      const fresh = await c.query<{ oid: number }>('SELECT lo_creat(-1) AS oid');
      await c.query('COMMIT');
      const unlinked = await c.query(`SELECT lo_unlink(${fresh.rows[0]!.oid}) AS ok`);
      const gone = await c.query(`SELECT lo_unlink(${oid}) AS ok`);
      const left = await c.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_largeobject_metadata WHERE oid = ANY($1::oid[])',
        [[oid, fresh.rows[0]!.oid]],
      );
      await c.end();
      return {
        got: got.rows[0]!.v.toString(),
        read: read.rows[0]!.v.toString(),
        unlinked: unlinked.rows,
        gone: gone.rows,
        left: left.rows,
      };
    });
    expect(r.direct).toEqual({
      got: 'hello world',
      read: 'hel',
      unlinked: [{ ok: 1 }],
      gone: [{ ok: 1 }],
      left: [{ n: 0 }],
    });
    expect(r.gateway).toEqual(r.direct);
    // Both objects were created by the session (the OIDs came back in its rows): no finding.
    const unlinks = audit.recorder.lines.filter(
      (l) => l.type === 'statement' && /^SELECT lo_unlink\(\d+\) AS ok$/.test(l.text),
    );
    expect(unlinks).toHaveLength(2);
    for (const s of unlinks) {
      const v = audit.recorder.lines.find(
        (x) => x.type === 'verdict' && s.type === 'statement' && x.id === s.id,
      );
      expect(v).toMatchObject({ action: 'allow', rules: [] });
    }
  });

  it('psql \\lo_import, \\lo_export and \\lo_unlink (libpq fast-path) work as directly', async () => {
    const from = audit.recorder.lines.length;
    const dir = mkdtempSync(join(tmpdir(), 'guardrail-lo-'));
    const input = join(dir, 'in.bin');
    writeFileSync(input, Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)));
    const r = await onBoth(audit.targets, async (t) => {
      const output = join(dir, `out-${t.name}.bin`);
      const out = await run(
        'psql',
        ['-X', '-v', 'ON_ERROR_STOP=1', '-f', '-'],
        `\\lo_import ${input}\n\\lo_export :LASTOID ${output}\n\\lo_unlink :LASTOID\nSELECT count(*) FROM pg_largeobject_metadata WHERE oid = :LASTOID;\n`,
        {
          PGHOST: t.host,
          PGPORT: String(t.port),
          PGUSER: t.user,
          PGPASSWORD: t.password,
          PGDATABASE: t.database,
          PGSSLMODE: 'disable',
        },
      );
      return {
        code: out.code,
        stdout: out.stdout.replace(/\d{4,}/g, 'OID'),
        stderr: out.stderr,
        same: readFileSync(output).equals(readFileSync(input)),
      };
    });
    expect(r.direct).toMatchObject({ code: 0, stderr: '', same: true });
    expect(r.direct.stdout).toMatch(/^lo_import OID\nlo_export\nlo_unlink OID\n/);
    expect(r.gateway).toEqual(r.direct);
    // libpq's client-side import is lo_creat + lowrite: the object is the session's own to unlink.
    const calls = fastPathCalls(audit.recorder, from);
    expect(calls.filter((c) => c.text.startsWith('SELECT pg_catalog.lo_unlink('))).toHaveLength(1);
    expect(calls.filter((c) => c.text.startsWith('SELECT pg_catalog.lowrite(')).length).toBeGreaterThan(1);
    for (const c of calls) expect(c.rules).toEqual([]);
  });
});
