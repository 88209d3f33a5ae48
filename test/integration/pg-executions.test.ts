// Each execution of a Postgres prepared statement is judged with its own values: a Parse of
// `DELETE … WHERE id BETWEEN $1 AND $2` says nothing of how many rows a Bind reaches, so the
// Bind is held while the write is estimated with the values it binds, and refused (or put to a
// reviewer) when they reach a mass change. Every execution is one transcript line with its values.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalChannel, ApprovalRequest } from '../../src/approvals/types.js';
import type { PostgresGateway } from '../../src/gateway/postgres/listener.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { pgGatewayWithSide, type SideGateway } from '../support/gateway-with-side.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { frame } from '../support/pg-wire.js';
import { postgresWithSide } from '../support/side-gateway.js';
import { rawClient } from './pg-harness.js';

const ROWS = 5000;
let server: PgServer;
let gateway: PostgresGateway;
let close: (() => Promise<void>) | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE TABLE big (id int PRIMARY KEY, v int, note text);
    INSERT INTO big SELECT g, 0, 'n' || g FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE blobs (id int PRIMARY KEY, data bytea);
    INSERT INTO blobs SELECT g, int4send(g) FROM generate_series(1, 2000) g;
    ANALYZE big; ANALYZE blobs;`);
  ({ gateway, close } = await postgresWithSide(server, recorder));
});

afterAll(async () => {
  await close?.();
  await server?.stop();
});

const count = async (table = 'big') =>
  Number((await server.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  return c;
}

type StatementLine = Extract<TranscriptLine, { type: 'statement' }>;
const executionsOf = (text: string): StatementLine[] =>
  recorder.lines.filter(
    (l): l is StatementLine => l.type === 'statement' && !!l.preparedAs && l.text === text,
  );
const impactOf = (id: string) => recorder.lines.find((l) => l.type === 'impact' && l.id === id);

describe('node-postgres with parameters', () => {
  const range = 'DELETE FROM big WHERE id BETWEEN $1 AND $2';

  it('refuses an execution whose values reach a mass change; the rows stay', async () => {
    const c = await client();
    try {
      // Unnamed statement: Parse, Bind, Describe, Execute and Sync arrive in one burst.
      await expect(c.query(range, [0, 1_000_000])).rejects.toThrow(/mass-change\/rows/);
      expect(await count()).toBe(ROWS);
      // Named: the same prepared statement, one execution allowed and the next refused.
      const named = { name: 'range', text: range };
      expect((await c.query({ ...named, values: [1, 3] })).rowCount).toBe(3);
      await expect(c.query({ ...named, values: [4, ROWS] })).rejects.toThrow(/mass-change\/rows/);
      expect(await count()).toBe(ROWS - 3);
      // The session goes on.
      expect(
        (await c.query('SELECT count(*)::int AS n FROM big WHERE id BETWEEN $1 AND $2', [4, 9])).rows[0].n,
      ).toBe(6);
    } finally {
      await c.end();
    }
  });

  it('counts a write whose SET has placeholders of its own with the WHERE values', async () => {
    const c = await client();
    const set = 'UPDATE big SET v = $1 WHERE id BETWEEN $2 AND $3';
    try {
      await expect(c.query(set, [5, 0, 1_000_000])).rejects.toThrow(/mass-change\/rows/);
      expect((await c.query(set, [5, 50, 52])).rowCount).toBe(3);
    } finally {
      await c.end();
    }
    const counted = executionsOf(set).map((l) => JSON.stringify(impactOf(l.id)));
    expect(counted[0]).toMatch(/"rowsExact":\d{4}/);
    expect(counted[1]).toContain('"rowsExact":3');
  });

  it('records one line per execution with its values and its estimate', () => {
    const executions = executionsOf('DELETE FROM big WHERE id BETWEEN $1 AND $2');
    expect(executions.map((l) => l.params)).toEqual([
      ['0', '1000000'],
      ['1', '3'],
      [String(4), String(ROWS)],
    ]);
    const counted = executions.map((l) => {
      const i = impactOf(l.id);
      return i?.type === 'impact'
        ? (Object.values(i.estimate)[0] as { rowsExact?: number }).rowsExact
        : undefined;
    });
    expect(counted).toEqual([ROWS, 3, ROWS - 3]);
    // Each refused execution has its own verdict and result; the allowed one its command tag.
    const [wide, small] = executions;
    expect(recorder.lines.find((l) => l.type === 'verdict' && l.id === wide!.id)).toMatchObject({
      action: 'review',
    });
    expect(recorder.lines.find((l) => l.type === 'result' && l.id === small!.id)).toMatchObject({
      tag: 'DELETE 3',
    });
  });

  it('lets a by-key execution through on the unique-key shortcut, with no estimate of its own', async () => {
    const c = await client();
    try {
      const byKey = { name: 'one', text: 'UPDATE big SET v = $1 WHERE id = $2' };
      for (const id of [10, 11, 12]) expect((await c.query({ ...byKey, values: [7, id] })).rowCount).toBe(1);
    } finally {
      await c.end();
    }
    const executions = executionsOf('UPDATE big SET v = $1 WHERE id = $2');
    expect(executions.map((l) => l.params)).toEqual([
      ['7', '10'],
      ['7', '11'],
      ['7', '12'],
    ]);
    for (const e of executions) expect(impactOf(e.id)).toBeUndefined();
    const prepare = impactOf(executions[0]!.preparedAs!);
    expect(JSON.stringify(prepare)).toContain('unique key (id)');
  });

  it('records values bound to secret columns redacted, as any parameter', async () => {
    await server.query('CREATE TABLE IF NOT EXISTS creds (id int PRIMARY KEY, api_token text)');
    const c = await client();
    try {
      const set = { name: 'rotate', text: 'INSERT INTO creds (id, api_token) VALUES ($1, $2)' };
      await c.query({ ...set, values: [1, 'tok-first-6f1c2a'] });
      await c.query({ ...set, values: [2, 'tok-second-9b7e4d'] });
    } finally {
      await c.end();
    }
    expect(executionsOf('INSERT INTO creds (id, api_token) VALUES ($1, $2)').map((l) => l.params)).toEqual([
      ['1', '[redacted]'],
      ['2', '[redacted]'],
    ]);
    expect(JSON.stringify(recorder.lines)).not.toMatch(/tok-first|tok-second/);
  });

  it('fails closed on a binary value it cannot decode exactly, and only when an estimate needs it', async () => {
    const c = await client();
    try {
      // A Buffer goes in binary format with no declared type: the gateway cannot know its type.
      await expect(
        c.query('DELETE FROM blobs WHERE data <> $1', [Buffer.from([0, 0, 0, 1])]),
      ).rejects.toThrow(/mass-change\/rows.*could not be read exactly/s);
      expect(await count('blobs')).toBe(2000);
      // Reads are never estimated: the same value in a SELECT runs.
      const read = await c.query('SELECT id FROM blobs WHERE data = $1', [Buffer.from([0, 0, 0, 7])]);
      expect(read.rows).toEqual([{ id: 7 }]);
    } finally {
      await c.end();
    }
    const [binary] = executionsOf('DELETE FROM blobs WHERE data <> $1');
    expect(binary!.params).toEqual(['[binary 4 bytes]']);
  });
});

describe('binary parameters of declared types', () => {
  const int4 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeInt32BE(4, 0);
    b.writeInt32BE(n, 4);
    return [...b];
  };
  // Parse declaring two int4 parameters; Bind with both in binary format.
  const parse = frame(
    'P',
    'bin',
    'DELETE FROM big WHERE id BETWEEN $1 AND $2',
    [0, 2, 0, 0, 0, 23, 0, 0, 0, 23],
  );
  const bind = (a: number, b: number) =>
    frame('B', '', 'bin', [0, 1, 0, 1, 0, 2, ...int4(a), ...int4(b), 0, 0]);
  const execute = frame('E', '', [0, 0, 0, 0]);
  const sync = frame('S');

  it('decodes int4 exactly: a small range runs, a wide one is refused', async () => {
    const before = await count();
    const raw = await rawClient(gateway);
    try {
      raw.send(parse, sync);
      expect((await raw.untilReady()).errors).toEqual([]);
      raw.send(bind(20, 21), execute, sync);
      const small = await raw.untilReady();
      expect(small.errors).toEqual([]);
      expect(small.types).toBe('2CZ');
      raw.send(bind(0, 1_000_000), execute, sync);
      const wide = await raw.untilReady();
      expect(wide.errors).toEqual(['42501']);
      expect(wide.status).toBe('I');
      // The prepared statement and the connection survive the refusal.
      raw.send(bind(22, 22), execute, sync);
      expect((await raw.untilReady()).errors).toEqual([]);
    } finally {
      raw.socket.destroy();
    }
    expect(await count()).toBe(before - 3);
    const shown = executionsOf('DELETE FROM big WHERE id BETWEEN $1 AND $2')
      .slice(-3)
      .map((l) => l.params);
    expect(shown).toEqual([
      ['20', '21'],
      ['0', '1000000'],
      ['22', '22'],
    ]);
  });

  it('refuses a Bind of a statement made by SQL PREPARE, whose values no one judged', async () => {
    const before = await count();
    const raw = await rawClient(gateway);
    try {
      for (const name of ['sneaky', 'Sneaky Two']) {
        const quoted = name === 'sneaky' ? name : `"${name}"`;
        raw.send(frame('Q', `PREPARE ${quoted} (int) AS DELETE FROM big WHERE id > $1`));
        expect((await raw.untilReady()).errors).toEqual([]);
        raw.send(frame('B', '', name, [0, 0, 0, 1, 0, 0, 0, 1, 0x30, 0, 0]), execute, sync);
        expect((await raw.untilReady()).errors).toEqual(['42501']);
      }
      // A name nothing prepared gets the server's own answer.
      raw.send(frame('B', '', 'nothing', [0, 0, 0, 0, 0, 0]), execute, sync);
      expect((await raw.untilReady()).errors).toEqual(['26000']);
    } finally {
      raw.socket.destroy();
    }
    expect(await count()).toBe(before);
  });

  it('holds the rest of a pipeline behind a Bind being estimated, in order', async () => {
    const before = await count();
    const raw = await rawClient(gateway);
    try {
      // One burst: a refused execution, then (after its Sync) a small one and a read.
      raw.send(
        parse,
        bind(0, 1_000_000),
        execute,
        sync,
        bind(30, 31),
        execute,
        sync,
        frame('Q', 'SELECT count(*) FROM big'),
      );
      expect((await raw.untilReady()).errors).toEqual(['42501']);
      expect((await raw.untilReady()).types).toBe('2CZ');
      expect((await raw.untilReady()).types).toBe('TDCZ');
    } finally {
      raw.socket.destroy();
    }
    expect(await count()).toBe(before - 2);
  });
});

describe('other clients', () => {
  it('postgres (porsager): a wide execution is refused, a narrow one runs', async () => {
    const sql = postgres(gateway.url, { max: 1, onnotice: () => {} });
    try {
      const before = await count();
      await expect(sql`DELETE FROM big WHERE id BETWEEN ${0} AND ${1_000_000}`).rejects.toThrow(
        /mass-change\/rows/,
      );
      expect(await count()).toBe(before);
      const narrow = await sql`DELETE FROM big WHERE id BETWEEN ${40} AND ${41}`;
      expect(narrow.count).toBe(2);
    } finally {
      await sql.end();
    }
  });

  it('pgbench -M prepared: every wide execution is refused, narrow ones run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guardrail-bind-'));
    const wide = join(dir, 'wide.sql');
    const narrow = join(dir, 'narrow.sql');
    writeFileSync(wide, '\\set lo 0\nDELETE FROM big WHERE id BETWEEN :lo AND 1000000;\n');
    writeFileSync(
      narrow,
      '\\set id random(100, 199)\nUPDATE big SET v = v + 1 WHERE id BETWEEN :id AND :id + 1;\n',
    );
    const before = await count();
    const bench = (file: string) =>
      promisify(execFile)('pgbench', ['-n', '-M', 'prepared', '-t', '5', '-f', file, gateway.url]).then(
        (r) => ({ out: r.stdout + r.stderr, status: 0 }),
        (e: { stdout: string; stderr: string; code: number }) => ({
          out: e.stdout + e.stderr,
          status: e.code,
        }),
      );
    const refused = await bench(wide);
    expect(refused.out).toMatch(/mass-change\/rows/);
    expect(refused.status).not.toBe(0);
    expect(await count()).toBe(before);
    const ran = await bench(narrow);
    expect(ran.out, ran.out).toContain('number of transactions actually processed: 5/5');
    const bumped = await server.query<{ n: string }>(
      'SELECT count(*) AS n FROM big WHERE v > 0 AND id BETWEEN 100 AND 200',
    );
    expect(Number(bumped[0]!.n)).toBeGreaterThan(0);
  });
});

describe('approvals', () => {
  const requests: ApprovalRequest[] = [];
  let decision: 'approved' | 'denied' = 'denied';
  const channel: ApprovalChannel = {
    name: 'test',
    async request(r) {
      requests.push(r);
      return {
        decision,
        by: ['reviewer'],
        hashes: r.statements.map((s) => s.hash),
        decidedAt: new Date().toISOString(),
      };
    },
  };
  let gw: SideGateway;
  const transcript = new MemoryRecorder();

  beforeAll(async () => {
    await server.query(
      'CREATE TABLE held (id int PRIMARY KEY); INSERT INTO held SELECT generate_series(1, 3000); ANALYZE held;',
    );
    gw = await pgGatewayWithSide(server, {
      policy: defaultPolicy(),
      recorder: transcript,
      approvals: channel,
    });
  });
  afterAll(() => gw?.close());

  it('puts a mass-change execution to a reviewer: denied, the rows stay; approved, it runs', async () => {
    const c = new pg.Client({ connectionString: gw.gateway.url });
    await c.connect();
    try {
      const del = { name: 'purge', text: 'DELETE FROM held WHERE id > $1' };
      // Prepared and a small execution: nothing to review.
      expect((await c.query({ ...del, values: [2990] })).rowCount).toBe(10);
      expect(requests).toHaveLength(0);
      await expect(c.query({ ...del, values: [0] })).rejects.toThrow(
        /held for approval .* denied by reviewer/,
      );
      expect(await count('held')).toBe(2990);
      decision = 'approved';
      expect((await c.query({ ...del, values: [1000] })).rowCount).toBe(1990);
    } finally {
      await c.end();
    }
    expect(await count('held')).toBe(1000);
    expect(requests).toHaveLength(2);
    // The reviewer sees what these values reach; the transcript says why each was held.
    expect(JSON.stringify(requests[0]!.statements[0]!.impact)).toContain('"rowsExact":2990');
    expect(JSON.stringify(requests[1]!.statements[0]!.impact)).toContain('"rowsExact":1990');
    const held = transcript.lines.filter((l) => l.type === 'verdict' && l.action === 'review');
    expect(held.map((l) => (l.type === 'verdict' ? l.rules : []))).toEqual([
      ['mass-change/rows'],
      ['mass-change/rows'],
    ]);
  });
});
