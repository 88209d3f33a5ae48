// Column masking on the Postgres wire and in the transcript: real clients (psql, pg in text and
// binary mode, postgres.js) see masked values, expressions over masked columns end masked or
// refused, server messages quoting values are redacted, and the transcript holds none of the
// planted values.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { verifyTranscript } from '../../src/transcript/verify.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

// Values no detector recognises: only the column rules can hide them.
const PLANTED = {
  email1: 'PLANTED-MAIL-ALPHA',
  email2: 'PLANTED-MAIL-BRAVO',
  ssn: 'PLANTED-SSN-0042',
  holder: 'PLANTED-HOLDER-ZULU',
  phone: 'PLANTED-PHONE-ECHO',
};
const RULES = ['public.users.email', '*.ssn', 'billing.cards.*', 'app.accounts.phone'];

// app.accounts.phone is masked; public.accounts.phone, the same name one schema over, is not.
const FIXTURES = `
  CREATE TABLE users (id int PRIMARY KEY, name text, email text UNIQUE, ssn text);
  CREATE SCHEMA billing;
  CREATE TABLE billing.cards (id int, user_id int, holder varchar(40), cvv int, expires date);
  CREATE VIEW contacts AS SELECT id, upper(email) AS contact FROM users;
  INSERT INTO users VALUES (1, 'Alice', '${PLANTED.email1}', '${PLANTED.ssn}'), (2, 'Bob', '${PLANTED.email2}', NULL);
  INSERT INTO billing.cards VALUES (1, 1, '${PLANTED.holder}', 987, '2031-01-01');
  CREATE SCHEMA app;
  CREATE TABLE app.accounts (id int, phone text);
  CREATE TABLE public.accounts (id int, phone text);
  INSERT INTO app.accounts VALUES (1, '${PLANTED.phone}');
  INSERT INTO public.accounts VALUES (1, 'public-phone');
`;

async function maskingGateway(
  pgServer: PgServer,
  sideConnection: PgSide,
  rec: FileRecorder,
  onWire: boolean,
  mode?: 'dry-run',
): Promise<PostgresGateway> {
  const policy = defaultPolicy();
  policy.masking = { columns: RULES, custom: [], onWire, replacement: '[masked]' };
  const context = await createGatewayContext({
    dialect: 'postgres',
    policy,
    ...(mode ? { mode } : {}),
    recorder: rec,
    side: { dialect: 'postgres', connection: sideConnection },
    database: { name: pgServer.database, host: `${pgServer.host}:${pgServer.port}`, role: pgServer.user },
  });
  return startPostgresGateway({
    upstream: pgServer.url(),
    context,
    masking: context.masking,
    catalog: sideConnection,
  });
}

let server: PgServer;
let side: PgSide;
let gw: PostgresGateway;
let recorder: FileRecorder;
const dir = mkdtempSync(join(tmpdir(), 'guardrail-masking-'));
const transcriptPath = join(dir, 'transcript.jsonl');

beforeAll(async () => {
  server = await startPostgres();
  await server.query(FIXTURES);
  recorder = new FileRecorder(transcriptPath);
  side = postgresSide(server.url());
  gw = await maskingGateway(server, side, recorder, true);
});

afterAll(async () => {
  await gw?.close();
  recorder?.close();
  await side?.close();
  await server?.stop();
});

function run(cmd: string, args: string[]): Promise<{ out: string; status: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ out: `${stdout}${stderr}`, status: err ? 1 : 0 });
    });
  });
}

const psql = (...args: string[]) => run('psql', [gw.url, '-X', '-A', '-t', ...args]);

async function pgClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gw.url });
  await c.connect();
  return c;
}

function expectNoPlanted(text: string): void {
  for (const v of Object.values(PLANTED)) expect(text).not.toContain(v);
}

function transcript(): TranscriptLine[] {
  recorder.flush();
  return readTranscript(readFileSync(transcriptPath, 'utf8')).lines;
}

describe('psql', () => {
  it('sees masked values in text results; non-text masked columns arrive as NULL', async () => {
    const r = await psql('-c', 'SELECT u.id, u.name, u.email, u.ssn FROM users u ORDER BY id');
    expect(r.status).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['1|Alice|[masked]|[masked]', '2|Bob|[masked]|[masked]']);
    // billing.cards.* masks every column of the table, its integer id too.
    const cards = await psql('-c', 'SELECT id, holder, cvv, expires FROM billing.cards');
    expect(cards.out.trim()).toBe('|[masked]||');
  });

  it('masks COPY TO STDOUT through \\copy in text and CSV, and refuses binary COPY of masked columns', async () => {
    const text = await psql('-c', '\\copy users TO STDOUT');
    expect(text.out.trim().split('\n')).toEqual([
      '1\tAlice\t[masked]\t[masked]',
      '2\tBob\t[masked]\t[masked]',
    ]);
    const csv = await psql(
      '-c',
      '\\copy (SELECT id, email, name FROM users ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)',
    );
    expect(csv.out.trim().split('\n')).toEqual(['id,email,name', '1,"[masked]",Alice', '2,"[masked]",Bob']);
    const binary = await psql('-c', '\\copy users TO STDOUT WITH (FORMAT binary)');
    expect(binary.out).toContain('COPY in binary format cannot be masked');
    expectNoPlanted(binary.out);
    const plain = await psql(
      '-c',
      '\\copy (SELECT id, name FROM users ORDER BY id) TO STDOUT WITH (FORMAT csv)',
    );
    expect(plain.out.trim().split('\n')).toEqual(['1,Alice', '2,Bob']);
  });

  it('withholds the text of a unique violation raised by a statement that reads the masked column', async () => {
    const r = await psql(
      '-v',
      'VERBOSITY=verbose',
      '-c',
      'INSERT INTO users (id, email) SELECT 100, email FROM users WHERE id = 1',
    );
    expect(r.status).not.toBe(0);
    // The statement reads email, so every field of its error may carry it: only the SQLSTATE stays.
    expect(r.out).toContain('23505: guardrail: masking withheld the text');
    expect(r.out).not.toContain('Key (email)');
    expectNoPlanted(r.out);
  });

  it('redacts the values a unique violation quotes', async () => {
    const r = await psql(
      '-v',
      'VERBOSITY=verbose',
      '-c',
      "UPDATE users SET email = 'PLANTED-MAIL-' || 'ALPHA' WHERE id = 2",
    );
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('duplicate key value');
    expect(r.out).toContain('Key (email)=([redacted]) already exists');
    expectNoPlanted(r.out);
  });
});

describe('pg', () => {
  it('reads each result its own way when row descriptions repeat or differ by a byte', async () => {
    const c = await pgClient();
    try {
      // The same output name over a masked and an unmasked column, and names of equal length.
      const seen: unknown[] = [];
      for (const q of [
        'SELECT email AS col FROM users WHERE id = 1',
        'SELECT name AS col FROM users WHERE id = 1',
        'SELECT email AS col FROM users WHERE id = 1',
        "SELECT 'x' AS aa",
        "SELECT 'x' AS bb",
        "SELECT 'x' AS aa",
      ])
        seen.push((await c.query(q)).rows[0]);
      expect(seen).toEqual([
        { col: '[masked]' },
        { col: 'Alice' },
        { col: '[masked]' },
        { aa: 'x' },
        { bb: 'x' },
        { aa: 'x' },
      ]);
      const samples = transcript()
        .filter((l) => l.type === 'rows')
        .slice(-3)
        .map((l) => l.type === 'rows' && l.columns);
      expect(samples).toEqual([['aa'], ['bb'], ['aa']]);
    } finally {
      await c.end();
    }
  });

  it('sees masked values in text mode, extended protocol and binary results', async () => {
    const c = await pgClient();
    try {
      const text = await c.query('SELECT id, name, email FROM users ORDER BY id');
      expect(text.rows).toEqual([
        { id: 1, name: 'Alice', email: '[masked]' },
        { id: 2, name: 'Bob', email: '[masked]' },
      ]);
      const extended = await c.query('SELECT name, email, ssn FROM users WHERE id = $1', [1]);
      expect(extended.rows).toEqual([{ name: 'Alice', email: '[masked]', ssn: '[masked]' }]);
      const binary = await c.query({
        text: 'SELECT u.id, u.name, u.email, c.holder, c.cvv FROM users u JOIN billing.cards c ON c.user_id = u.id WHERE u.id = $1',
        values: [1],
        binary: true,
      } as pg.QueryConfig);
      expect(binary.rows).toEqual([
        { id: 1, name: 'Alice', email: '[masked]', holder: '[masked]', cvv: null },
      ]);
      const named = { name: 'by-id', text: 'SELECT email, name FROM users WHERE id = $1' };
      for (const id of [1, 2]) {
        const r = await c.query({ ...named, values: [id] });
        expect(r.rows[0].email).toBe('[masked]');
      }
    } finally {
      await c.end();
    }
  });

  it.each([
    ['lower(email)', 'SELECT lower(email) AS v FROM users'],
    ['email concatenation', "SELECT email || '' AS v FROM users"],
    ['a view over email', 'SELECT contact AS v FROM contacts'],
    ['a subquery', 'SELECT (SELECT email FROM users u2 WHERE u2.id = u.id) AS v FROM users u'],
    ['a CTE', 'WITH e AS (SELECT email AS m FROM users) SELECT m AS v FROM e'],
    ['a derived table', 'SELECT x.v FROM (SELECT ssn AS v FROM users) x'],
    ['a whole-row value', 'SELECT u::text AS v FROM users u'],
    ['a join to masked cards', 'SELECT holder AS v FROM users JOIN billing.cards c ON c.user_id = users.id'],
  ])('%s ends masked or refused', async (_name, sql) => {
    const c = await pgClient();
    try {
      const r = await c.query(sql).then(
        (res) => ({ rows: res.rows as { v: unknown }[] }),
        (err: Error) => ({ error: err.message }),
      );
      if ('error' in r) expect(r.error).toMatch(/^guardrail: masking/);
      else {
        expect(r.rows.length).toBeGreaterThan(0);
        for (const row of r.rows) expect([null, '[masked]']).toContain(row.v);
      }
      expectNoPlanted(JSON.stringify(r));
    } finally {
      await c.end();
    }
  });

  it('refuses what lineage cannot follow, and the session goes on', async () => {
    const c = await pgClient();
    try {
      await expect(
        c.query("SELECT query_to_xml('select email from users', true, false, '')"),
      ).rejects.toThrow(/guardrail: masking cannot judge this statement/);
      const r = await c.query('SELECT name FROM users WHERE id = 2');
      expect(r.rows).toEqual([{ name: 'Bob' }]);
    } finally {
      await c.end();
    }
  });

  it('sees DDL: a view created later is followed after the catalog is refreshed', async () => {
    const c = await pgClient();
    try {
      await c.query('CREATE VIEW later_contacts AS SELECT id, email AS address FROM users');
      const r = await c.query('SELECT address FROM later_contacts ORDER BY id');
      expect(r.rows).toEqual([{ address: '[masked]' }, { address: '[masked]' }]);
      // Inside a transaction the side connection cannot see the new view: refused, not leaked.
      await c.query('BEGIN');
      await c.query('CREATE VIEW tx_contacts AS SELECT email AS address FROM users');
      const inTx = await c.query('SELECT address FROM tx_contacts').then(
        (res) => JSON.stringify(res.rows),
        (err: Error) => err.message,
      );
      expectNoPlanted(inTx);
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
  });
});

describe('search path', () => {
  it('follows the search_path the server reports (PostgreSQL 18)', async () => {
    const c = await pgClient();
    try {
      await c.query('SET search_path = app, public');
      expect((await c.query('SELECT lower(phone) AS v FROM accounts')).rows).toEqual([{ v: '[masked]' }]);
      await c.query('SET search_path = public');
      expect((await c.query('SELECT lower(phone) AS v FROM accounts')).rows).toEqual([{ v: 'public-phone' }]);
    } finally {
      await c.end();
    }
  });

  it('refuses unqualified names once the path changed on a server that does not report it (PostgreSQL 15)', async () => {
    const old = await startPostgres({ flavor: 'system' });
    const oldSide = postgresSide(old.url());
    const rec = new FileRecorder(join(dir, 'system.jsonl'));
    const oldGw = await maskingGateway(old, oldSide, rec, true);
    const c = new pg.Client({ connectionString: oldGw.url });
    try {
      await old.query(FIXTURES);
      await c.connect();
      expect((await c.query('SELECT lower(phone) AS v FROM app.accounts')).rows).toEqual([{ v: '[masked]' }]);
      expect((await c.query('SELECT lower(phone) AS v FROM accounts')).rows).toEqual([{ v: 'public-phone' }]);
      await c.query('SET search_path = app, public');
      await expect(c.query('SELECT lower(phone) AS v FROM accounts')).rejects.toThrow(
        /qualify relation names/,
      );
      expect((await c.query('SELECT lower(phone) AS v FROM app.accounts')).rows).toEqual([{ v: '[masked]' }]);
    } finally {
      await c.end();
      await oldGw.close();
      rec.close();
      await oldSide.close();
      await old.stop();
    }
  });
});

describe('in a dry run', () => {
  it("masks rows; a catalog read that would wait on the session's own locks is refused, not hung", async () => {
    const rec = new FileRecorder(join(dir, 'dry-run.jsonl'));
    const dry = await maskingGateway(server, side, rec, true, 'dry-run');
    const c = new pg.Client({ connectionString: dry.url });
    await c.connect();
    try {
      expect((await c.query('SELECT contact FROM contacts ORDER BY id')).rows).toEqual([
        { contact: '[masked]' },
        { contact: '[masked]' },
      ]);
      // The dry run's transaction now holds users locked; the view's definition cannot be read.
      // (What fires on the view is read first, before masking's lineage, and gives up on the lock.)
      await c.query('ALTER TABLE users ADD COLUMN nickname text');
      await expect(c.query('SELECT contact FROM contacts')).rejects.toThrow(
        /guardrail: what it calls or fires could not be read from the catalog: canceling statement due to lock timeout/,
      );
      // The column the dry run added is not in the committed catalog: refused, not guessed.
      await expect(c.query('SELECT nickname FROM users')).rejects.toThrow(/nickname cannot be traced/);
      expect((await c.query('SELECT id, email FROM users WHERE id = 1')).rows).toEqual([
        { id: 1, email: '[masked]' },
      ]);
    } finally {
      await c.end();
      await dry.close();
      rec.close();
    }
    expect(
      await server.query("SELECT count(*)::int AS n FROM pg_attribute WHERE attname = 'nickname'"),
    ).toEqual([{ n: 0 }]);
  });
});

describe('postgres.js', () => {
  it('sees masked values through prepared statements executed again without a Describe', async () => {
    const sql = postgres(gw.url, { max: 1, onnotice: () => undefined });
    try {
      for (const id of [1, 2, 1]) {
        const rows = await sql`SELECT id, email, name FROM users WHERE id = ${id}`;
        expect(rows[0]).toMatchObject({ id, email: '[masked]' });
      }
      const cards = await sql`SELECT holder, cvv, expires FROM billing.cards`;
      expect([...cards]).toEqual([{ holder: '[masked]', cvv: null, expires: null }]);
    } finally {
      await sql.end();
    }
  });
});

describe('transcript', () => {
  it('has masked row samples and none of the planted values', async () => {
    await gw.close('test done');
    recorder.flush();
    const raw = readFileSync(transcriptPath, 'utf8');
    expectNoPlanted(raw);
    const lines = transcript();
    const rows = lines.filter((l) => l.type === 'rows') as Extract<TranscriptLine, { type: 'rows' }>[];
    const users = rows.find((r) => r.columns.join() === 'id,name,email,ssn');
    expect(users?.masked).toEqual(['email', 'ssn']);
    expect(users?.sample).toEqual([
      ['1', 'Alice', '[masked]', '[masked]'],
      ['2', 'Bob', '[masked]', '[masked]'],
    ]);
    const dup = lines.find(
      (l) => l.type === 'result' && l.error?.message.includes('duplicate key'),
    ) as Extract<TranscriptLine, { type: 'result' }>;
    expect(dup.error?.message).toContain('Key (email)=([redacted])');
    expect(verifyTranscript(raw).ok).toBe(true);
  });
});

describe('masking off the wire', () => {
  it('leaves results as they are but keeps the transcript masked', async () => {
    const path = join(dir, 'off-wire.jsonl');
    const rec = new FileRecorder(path);
    const off = await maskingGateway(server, side, rec, false);
    const c = new pg.Client({ connectionString: off.url });
    await c.connect();
    try {
      const r = await c.query('SELECT name, lower(email) AS e FROM users WHERE id = 1');
      expect(r.rows).toEqual([{ name: 'Alice', e: PLANTED.email1.toLowerCase() }]);
      const dup = await c
        .query('INSERT INTO users (id, email) SELECT 101, email FROM users WHERE id = 2')
        .catch((err: pg.DatabaseError) => err);
      expect((dup as pg.DatabaseError).detail).toContain(PLANTED.email2);
    } finally {
      await c.end();
      await off.close();
      rec.close();
    }
    const raw = readFileSync(path, 'utf8');
    expect(raw).toContain('Alice');
    expect(raw).not.toContain(PLANTED.email1.toLowerCase());
    expectNoPlanted(raw);
  });
});
