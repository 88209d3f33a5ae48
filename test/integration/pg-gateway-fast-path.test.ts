// Fast-path FunctionCalls through a gateway in enforce mode: judged by the function their OID
// names, like the equivalent SELECT. What ran is proven from the server: the large objects that
// are left, the sessions that are still alive, the files that were not written.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type AuditGateway, auditPostgres, type Target } from '../compat/harness.js';
import { run, SYSTEM_PYTHON } from '../support/mysql-clients.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { connectSocket, frame, MessageStream, startSession } from '../support/pg-wire.js';

let db: PgServer;
let enforce: AuditGateway;
let through: Target;

beforeAll(async () => {
  db = await startPostgres();
  enforce = await auditPostgres(db, 'enforce');
  through = enforce.targets[1]!;
});
afterAll(async () => {
  await enforce?.close();
  await db?.stop();
});

const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};
/** A text-format argument. */
const text = (s: string) => ({ format: 0, value: Buffer.from(s) });
const binary = (value: Buffer) => ({ format: 1, value });

/** A FunctionCall message, written byte by byte as libpq's PQfn writes it. */
function functionCall(oid: number, args: { format: number; value: Buffer }[], resultFormat = 1): Buffer {
  const oidBytes = Buffer.alloc(4);
  oidBytes.writeUInt32BE(oid);
  return frame(
    'F',
    oidBytes,
    int16(args.length),
    ...args.map((a) => int16(a.format)),
    int16(args.length),
    ...args.flatMap((a) => [int32(a.value.length), a.value]),
    int16(resultFormat),
  );
}

interface Answer {
  types: string;
  /** The first column of the last DataRow, as text. */
  row?: string;
  code?: string;
  message?: string;
  value?: Buffer | null;
}

/** A protocol-level session through the gateway that reads each answer up to ReadyForQuery. */
async function wireSession(t: Target) {
  const socket = await connectSocket(t.host, t.port);
  const stream = new MessageStream(socket);
  await startSession(socket, stream, t.password, { user: t.user, database: t.database });
  return {
    stream,
    async call(message: Buffer): Promise<Answer> {
      socket.write(message);
      const a: Answer = { types: '' };
      for (;;) {
        const m = await stream.next(Date.now() + 10_000);
        a.types += m.type;
        if (m.type === 'E') {
          const fields = m.body.toString('utf8');
          a.code = /\0C([0-9A-Z]{5})\0/.exec(`\0${fields}`)?.[1];
          a.message = /\0M([^\0]*)\0/.exec(`\0${fields}`)?.[1];
        }
        if (m.type === 'D') a.row = m.body.toString('utf8', 6, 6 + m.body.readInt32BE(2));
        if (m.type === 'V') {
          const len = m.body.readInt32BE(0);
          a.value = len < 0 ? null : m.body.subarray(4, 4 + len);
        }
        if (m.type === 'Z') return a;
      }
    },
    close: () => socket.end(frame('X')),
  };
}

async function oidOf(signature: string): Promise<number> {
  const rows = await db.query<{ oid: string }>('SELECT $1::regprocedure::oid::int8 AS oid', [signature]);
  return Number(rows[0]!.oid);
}

async function largeObjectExists(oid: number): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1', [oid]);
  return rows.length === 1;
}

function verdictOf(recorder: AuditGateway['recorder'], needle: RegExp) {
  const s = recorder.lines.findLast((l) => l.type === 'statement' && needle.test(l.text));
  return recorder.lines.find((l) => l.type === 'verdict' && s?.type === 'statement' && l.id === s.id);
}

const pyEnv = (t: Target) => ({
  PGHOST: t.host,
  PGPORT: String(t.port),
  PGUSER: t.user,
  PGPASSWORD: t.password,
  PGDATABASE: t.database,
  PGSSLMODE: 'disable',
});

describe('large objects through an enforcing gateway (psycopg2 lobject)', () => {
  it("refuses lo_unlink of another's large object, which stays; unlinks the session's own", async () => {
    const [foreign] = await db.query<{ oid: number }>(
      "SELECT lo_from_bytea(0, convert_to('keep me', 'UTF8')) AS oid",
    );
    const script = `
import sys, psycopg2
conn = psycopg2.connect("")
try:
    conn.lobject(int(sys.argv[1])).unlink()
    print("foreign unlinked")
except psycopg2.Error as e:
    print("foreign refused", str(e).splitlines()[0])
conn.rollback()
lo = conn.lobject(0, "wb")
lo.write(b"mine")
own = lo.oid
lo.close()
conn.commit()
print("own", own)
conn.lobject(own).unlink()
conn.commit()
print("own unlinked")
conn.close()
`;
    const out = await run(SYSTEM_PYTHON, ['-c', script, String(foreign!.oid)], '', pyEnv(through));
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(
      /^foreign refused ERROR: {2}guardrail: needs approval \(destructive\/drop-other\) but no approval channel is configured.*\nown \d+\nown unlinked\n$/,
    );
    // The server still has the foreign object, and no longer the session's own.
    expect(await largeObjectExists(foreign!.oid)).toBe(true);
    const own = Number(/own (\d+)/.exec(out.stdout)![1]);
    expect(own).not.toBe(foreign!.oid);
    expect(await largeObjectExists(own)).toBe(false);
    expect(
      verdictOf(enforce.recorder, new RegExp(`^SELECT pg_catalog\\.lo_unlink\\(${foreign!.oid}\\)$`)),
    ).toMatchObject({ action: 'review', rules: ['destructive/drop-other'] });
    expect(
      verdictOf(enforce.recorder, new RegExp(`^SELECT pg_catalog\\.lo_unlink\\(${own}\\)$`)),
    ).toMatchObject({
      action: 'allow',
      rules: [],
    });
  });

  it('refuses SELECT lo_unlink of a foreign object by SQL too, and allows it for an object SELECT lo_creat made', async () => {
    const [foreign] = await db.query<{ oid: number }>('SELECT lo_creat(-1) AS oid');
    const c = new pg.Client({
      host: through.host,
      port: through.port,
      user: through.user,
      password: through.password,
      database: through.database,
    });
    await c.connect();
    const refused = await c.query(`SELECT lo_unlink(${foreign!.oid})`).catch((e: pg.DatabaseError) => e.code);
    const { rows } = await c.query<{ oid: number }>('SELECT lo_creat(-1) AS oid');
    const own = await c.query(`SELECT lo_unlink(${rows[0]!.oid}) AS ok`);
    // Made in a transaction that was rolled back: the OID is free again, and another session takes it.
    await c.query('BEGIN');
    const undone = (await c.query<{ oid: number }>('SELECT lo_creat(-1) AS oid')).rows[0]!.oid;
    await c.query('ROLLBACK');
    await db.query('SELECT lo_create($1)', [undone]);
    const retaken = await c.query(`SELECT lo_unlink(${undone})`).catch((e: pg.DatabaseError) => e.code);
    await c.end();
    expect(retaken).toBe('42501');
    expect(await largeObjectExists(undone)).toBe(true);
    expect(refused).toBe('42501');
    expect(own.rows).toEqual([{ ok: 1 }]);
    expect(await largeObjectExists(foreign!.oid)).toBe(true);
    expect(await largeObjectExists(rows[0]!.oid)).toBe(false);
  });
});

describe('large objects of a prepared transaction rolled back later', () => {
  let server: PgServer;
  let gateway: AuditGateway;
  beforeAll(async () => {
    server = await startPostgres({ settings: { max_prepared_transactions: '2' } });
    gateway = await auditPostgres(server, 'enforce');
  });
  afterAll(async () => {
    await gateway?.close();
    await server?.stop();
  });

  it("does not count an object of a ROLLBACK PREPARED transaction as the session's once its OID is taken", async () => {
    const t = gateway.targets[1]!;
    const c = new pg.Client({
      host: t.host,
      port: t.port,
      user: t.user,
      password: t.password,
      database: t.database,
    });
    await c.connect();
    await c.query('BEGIN');
    const undone = (await c.query<{ oid: number }>('SELECT lo_creat(-1) AS oid')).rows[0]!.oid;
    const prepared = await c.query("PREPARE TRANSACTION 'lo_gone'").then(
      () => 'ok',
      (e: pg.DatabaseError) => e.message,
    );
    const rolled = await c.query("ROLLBACK PREPARED 'lo_gone'").then(
      () => 'ok',
      (e: pg.DatabaseError) => e.message,
    );
    // The OID is free again: another session takes it for its own object.
    await server.query('SELECT lo_create($1)', [undone]);
    const retaken = await c.query(`SELECT lo_unlink(${undone})`).catch((e: pg.DatabaseError) => e.code);
    await c.end();
    expect({ prepared, rolled }).toEqual({ prepared: 'ok', rolled: 'ok' });
    expect(retaken).toBe('42501');
    const rows = await server.query('SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1', [undone]);
    expect(rows.length).toBe(1);
  });
});

describe('raw FunctionCall messages through an enforcing gateway', () => {
  it("refuses pg_terminate_backend by OID against another session, which survives; a harmless call's value comes back", async () => {
    const victim = await db.client();
    const [{ pid }] = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [
      { pid: number },
    ];
    const terminate = await oidOf('pg_catalog.pg_terminate_backend(integer, bigint)');
    const abs = await oidOf('pg_catalog.abs(integer)');
    const s = await wireSession(through);
    const refused = await s.call(functionCall(terminate, [binary(int32(pid)), binary(int64(0))]));
    // Near miss: an ordinary function by OID runs, and its binary result arrives as the server sent it.
    const ok = await s.call(functionCall(abs, [binary(int32(-42))]));
    const asText = await s.call(functionCall(abs, [text('-7')], 0));
    s.close();
    expect(refused).toMatchObject({ types: 'EZ', code: '42501' });
    expect(refused.message).toMatch(/exfiltration\/admin-function/);
    expect(ok).toMatchObject({ types: 'VZ', value: int32(42) });
    expect(asText).toMatchObject({ types: 'VZ', value: Buffer.from('7') });
    // The other session is alive, on the server and to its own client.
    expect(await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).toHaveLength(1);
    expect((await victim.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await victim.end();
    expect(
      verdictOf(enforce.recorder, new RegExp(`^SELECT pg_catalog\\.pg_terminate_backend\\(${pid}, 0\\)$`)),
    ).toMatchObject({
      action: 'deny',
      rules: ['exfiltration/admin-function'],
    });
  });

  it('lets a session terminate itself by OID, as SELECT pg_terminate_backend(<its own pid>) may', async () => {
    const terminate = await oidOf('pg_catalog.pg_terminate_backend(integer, bigint)');
    const s = await wireSession(through);
    const pid = Number((await s.call(frame('Q', 'SELECT pg_backend_pid()'))).row);
    const ended = await s
      .call(functionCall(terminate, [binary(int32(pid)), binary(int64(0))]))
      .catch((e: Error) => e.message);
    // The server's own FATAL 57P01 (or the close right behind it): the gateway let it run.
    expect(typeof ended === 'string' ? ended : ended.code).toMatch(/^(?:57P01|connection closed)$/);
    for (
      let i = 0;
      i < 50 && (await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length;
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    expect(await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).toHaveLength(0);
  });

  it('refuses lo_import and lo_export of server files by OID: no object made, no file written', async () => {
    const before = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_largeobject_metadata');
    const [lo] = await db.query<{ oid: number }>(
      "SELECT lo_from_bytea(0, convert_to('secret', 'UTF8')) AS oid",
    );
    const file = join(mkdtempSync(join(tmpdir(), 'guardrail-fp-')), 'exported');
    const s = await wireSession(through);
    const imported = await s.call(
      functionCall(await oidOf('pg_catalog.lo_import(text)'), [text('/etc/hostname')]),
    );
    const exported = await s.call(
      functionCall(await oidOf('pg_catalog.lo_export(oid, text)'), [binary(int32(lo!.oid)), text(file)]),
    );
    const after = await s.call(frame('Q', 'SELECT 1'));
    s.close();
    expect(imported).toMatchObject({ types: 'EZ', code: '42501' });
    expect(imported.message).toMatch(/exfiltration\/large-object/);
    expect(exported).toMatchObject({ types: 'EZ', code: '42501' });
    expect(after).toMatchObject({ types: 'TDCZ' });
    expect(existsSync(file)).toBe(false);
    const now = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_largeobject_metadata');
    expect(now[0]!.n).toBe(before[0]!.n + 1);
    // Recorded like the SELECT it is judged as, the path as a value.
    expect(
      verdictOf(enforce.recorder, /^SELECT pg_catalog\.lo_import\('\/etc\/hostname'::text\)$/),
    ).toMatchObject({
      action: 'deny',
      rules: ['exfiltration/large-object'],
    });
  });

  it('refuses a call of an OID that names no function with a clear error, and the session goes on', async () => {
    const s = await wireSession(through);
    const unknown = await s.call(functionCall(4_000_000_000, [text('x')]));
    const after = await s.call(frame('Q', 'SELECT 1'));
    s.close();
    expect(unknown).toMatchObject({ types: 'EZ', code: '42501' });
    expect(unknown.message).toMatch(/function OID 4000000000 refused: no committed function has that OID/);
    expect(after).toMatchObject({ types: 'TDCZ' });
  });
});

describe('large objects in a dry run', () => {
  let dry: AuditGateway;
  beforeAll(async () => {
    dry = await auditPostgres(db, 'dry-run');
  });
  afterAll(async () => {
    await dry?.close();
  });

  it('run inside the rolled-back transaction: psycopg2 sees its object, the server keeps nothing', async () => {
    const count = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_largeobject_metadata'))[0]!.n;
    const before = await count();
    const script = `
import psycopg2
conn = psycopg2.connect("")
lo = conn.lobject(0, "wb")
lo.write(b"dry")
oid = lo.oid
lo.close()
conn.commit()
print("read", conn.lobject(oid, "rb").read())
conn.commit()
conn.close()
`;
    const out = await run(SYSTEM_PYTHON, ['-c', script], '', pyEnv(dry.targets[1]!));
    expect(out).toMatchObject({ code: 0, stdout: "read b'dry'\n", stderr: '' });
    // The session has ended (its transaction rolled back) once the gateway recorded its end.
    for (let i = 0; i < 100 && !dry.recorder.lines.some((l) => l.type === 'session.end'); i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    expect(await count()).toBe(before);
  });
});

describe('a fast-path call whose result reads a masked column', () => {
  let gw: Awaited<ReturnType<typeof startPostgresGateway>>;
  let side: ReturnType<typeof postgresSide>;
  beforeAll(async () => {
    await db.query(`
      CREATE TABLE fp_secrets (id int PRIMARY KEY, token text);
      INSERT INTO fp_secrets VALUES (1, 'PLANTED-TOKEN-FASTPATH');
      CREATE FUNCTION fp_token(i int) RETURNS text LANGUAGE sql AS 'SELECT token FROM fp_secrets WHERE id = i';
      CREATE FUNCTION fp_plain(i int) RETURNS int LANGUAGE sql AS 'SELECT i * 2';`);
    const policy = defaultPolicy();
    policy.masking = {
      columns: ['public.fp_secrets.token'],
      custom: [],
      onWire: true,
      replacement: '[masked]',
    };
    side = postgresSide(db.url());
    const context = await createGatewayContext({
      dialect: 'postgres',
      policy,
      mode: 'audit',
      recorder: new MemoryRecorder(),
      side: { dialect: 'postgres', connection: side },
      database: { name: db.database, host: `${db.host}:${db.port}`, role: db.user },
    });
    gw = await startPostgresGateway({ upstream: db.url(), context, masking: context.masking, catalog: side });
  });
  afterAll(async () => {
    await gw?.close();
    await side?.close();
  });

  it('is refused even in audit mode (its value could not be masked); the same call by SELECT comes back masked', async () => {
    const s = await wireSession({
      ...through,
      host: gw.host,
      port: gw.port,
      user: gw.user,
      password: gw.password,
    });
    // A setting written from a masked column: reading it back is masked (masking's setting taint).
    const wrote = await s.call(
      frame('Q', "SELECT set_config('fp.copy', token, false) IS NOT NULL FROM fp_secrets"),
    );
    const bySelect = await s.call(frame('Q', "SELECT current_setting('fp.copy')"));
    const currentSetting = await oidOf('pg_catalog.current_setting(text)');
    const byCall = await s.call(functionCall(currentSetting, [text('fp.copy')], 0));
    // Near misses: plain built-ins, by OID, text and binary.
    const md5 = await s.call(functionCall(await oidOf('pg_catalog.md5(text)'), [text('abc')], 0));
    const abs = await s.call(functionCall(await oidOf('pg_catalog.abs(integer)'), [binary(int32(-42))]));
    // A user function is refused by masking whichever way it is called (it cannot see inside).
    const userBySelect = await s.call(frame('Q', 'SELECT fp_token(1)'));
    const userByCall = await s.call(
      functionCall(await oidOf('public.fp_token(integer)'), [binary(int32(1))], 0),
    );
    s.close();
    expect(wrote).toMatchObject({ types: 'TDCZ' });
    expect(bySelect).toMatchObject({ types: 'TDCZ', row: '[masked]' });
    expect(byCall).toMatchObject({ types: 'EZ', code: '42501' });
    expect(byCall.message).toMatch(/pg_catalog\.current_setting reads masked data.*call it with SELECT/);
    expect(md5).toMatchObject({ types: 'VZ', value: Buffer.from('900150983cd24fb0d6963f7d28e17f72') });
    expect(abs).toMatchObject({ types: 'VZ', value: int32(42) });
    expect(userBySelect).toMatchObject({ types: 'EZ', code: '42501' });
    expect(userByCall).toMatchObject({
      types: 'EZ',
      code: '42501',
      message: userBySelect.message?.replace('fp_token', 'public.fp_token'),
    });
  });
});
