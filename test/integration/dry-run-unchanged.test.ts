// A dry run must not change anything a reader can see. A migration that calls a stored function
// which inserts rows (directly, in a derived table, as a prepared statement) and moves sequences
// (nextval, setval, NEXT VALUE FOR) runs through the gateway in `mode: dry-run`; a dump of the
// database before and after (pg_dump, mariadb-dump) is byte-for-byte the same, and the
// transcript says which statements were not executed and why.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { connectThrough, mysqlGatewayWithSide, pgGatewayWithSide } from '../support/gateway-with-side.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

const dir = mkdtempSync(join(tmpdir(), 'guardrail-dry-unchanged-'));

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ out: `${stdout}${stderr}`, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
  });
}

function lines(path: string): TranscriptLine[] {
  return readTranscript(readFileSync(path, 'utf8')).lines;
}

let pgServer: PgServer;
let maria: MariaDbServer;

beforeAll(async () => {
  [pgServer, maria] = await Promise.all([startPostgres({ flavor: 'system' }), startMariaDb()]);
}, 120_000);

afterAll(async () => {
  await pgServer?.stop();
  await maria?.stop();
});

describe('a dry run writes nothing', () => {
  it('PostgreSQL: nextval and setval are not executed; the pg_dump is unchanged', async () => {
    await pgServer.query(`
      CREATE SEQUENCE s;
      SELECT nextval('s');
      CREATE TABLE log (n int);
      CREATE FUNCTION wr() RETURNS int LANGUAGE sql AS $$ INSERT INTO log VALUES (1) RETURNING n $$;`);
    const dump = async () => {
      const r = await run(join(pgServer.binDir, 'pg_dump'), ['--no-owner', pgServer.url()]);
      expect(r.code).toBe(0);
      // pg_dump fences its output with a new random key each run; the rest is the database.
      return r.out.replace(/^\\(?:un)?restrict .*$/gm, '');
    };
    const before = await dump();
    const transcriptPath = join(dir, 'pg.jsonl');
    const recorder = new FileRecorder(transcriptPath);
    const running = await pgGatewayWithSide(pgServer, { policy: defaultPolicy(), mode: 'dry-run', recorder });
    const gw = running.gateway;
    const migration = join(dir, 'migration.sql');
    writeFileSync(
      migration,
      [
        "SELECT nextval('s');",
        "SELECT setval('s', 500);",
        "WITH n AS (SELECT nextval('s') AS v) SELECT v FROM n;",
        'SELECT wr();',
        'SELECT * FROM (SELECT wr()) d;',
        'INSERT INTO log VALUES (7);',
        'CREATE TABLE added (a int);',
        "PREPARE p AS SELECT nextval('s'); EXECUTE p;",
      ].join('\n'),
    );
    let out: string;
    try {
      out = (await run('psql', [gw.url, '-X', '-f', migration])).out;
    } finally {
      await running.close();
      recorder.close();
    }
    expect(out).toContain('not executed: the statement calls nextval() or setval()');
    const after = await dump();
    expect(after).toBe(before);
    expect(await pgServer.query('SELECT last_value::int AS v FROM s')).toEqual([{ v: 1 }]);
    const errors = lines(transcriptPath).filter(
      (l): l is Extract<TranscriptLine, { type: 'result' }> => l.type === 'result' && l.error !== undefined,
    );
    expect(errors.some((l) => /nextval\(\) or setval\(\)/.test(l.error!.message))).toBe(true);
  }, 60_000);

  it('PostgreSQL: writes that draw from a sequence without naming it are not executed; plain ones are', async () => {
    await pgServer.query(`
      CREATE TABLE serials (id serial PRIMARY KEY, note text);
      CREATE TABLE idents (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
      CREATE SEQUENCE shared;
      CREATE TABLE borrowed (id bigint DEFAULT nextval('shared'), note text);
      CREATE TABLE plain (id int PRIMARY KEY, note text);
      CREATE SEQUENCE counter;
      CREATE FUNCTION next_id() RETURNS bigint LANGUAGE sql AS $$ SELECT nextval('counter') $$;
      CREATE FUNCTION outer_id() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN next_id() + 1; END $$;
      CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.id := nextval('counter'); RETURN NEW; END $$;
      CREATE TABLE stamped (id bigint, note text);
      CREATE TRIGGER stamp BEFORE INSERT ON stamped FOR EACH ROW EXECUTE FUNCTION stamp();`);
    // pg_sequence_last_value is NULL until the first nextval (is_called false), then the value.
    const positions = () =>
      pgServer.query<{ s: string; v: string | null }>(
        `SELECT s::text, pg_sequence_last_value(s)::text AS v
           FROM unnest(ARRAY['serials_id_seq', 'idents_id_seq', 'shared', 'counter']::regclass[]) s ORDER BY 1`,
      );
    const dump = async () => {
      const r = await run(join(pgServer.binDir, 'pg_dump'), ['--no-owner', pgServer.url()]);
      expect(r.code).toBe(0);
      return r.out.replace(/^\\(?:un)?restrict .*$/gm, '');
    };
    const before = await dump();
    const sequencesBefore = await positions();
    const transcriptPath = join(dir, 'pg-defaults.jsonl');
    const recorder = new FileRecorder(transcriptPath);
    const running = await pgGatewayWithSide(pgServer, { policy: defaultPolicy(), mode: 'dry-run', recorder });
    const migration = join(dir, 'defaults.sql');
    writeFileSync(
      migration,
      [
        "INSERT INTO serials (note) VALUES ('a'), ('b');",
        "INSERT INTO idents (note) VALUES ('a');",
        "INSERT INTO borrowed (note) VALUES ('a');",
        "INSERT INTO serials VALUES (DEFAULT, 'c');",
        "WITH x AS (INSERT INTO serials (note) VALUES ('d') RETURNING id) SELECT count(*) FROM x;",
        "INSERT INTO stamped (note) VALUES ('a');",
        'SELECT outer_id();',
        'COPY serials (note) FROM STDIN;\nfrom copy\n\\.',
        // Its own new table's serial is rolled back with it; a default on an existing sequence is not.
        "CREATE TABLE fresh (id serial, note text); INSERT INTO fresh (note) VALUES ('x');",
        "CREATE TABLE fresh2 (id bigint DEFAULT nextval('shared')); INSERT INTO fresh2 DEFAULT VALUES;",
        // Near misses: every column supplied, no sequence behind the table: executed as before.
        "INSERT INTO plain (id, note) VALUES (1, 'kept'), (2, 'kept');",
        "INSERT INTO serials (id, note) VALUES (100, 'explicit');",
        "UPDATE serials SET note = 'u';",
      ].join('\n'),
    );
    let out: string;
    try {
      out = (await run('psql', [running.gateway.url, '-X', '-f', migration])).out;
    } finally {
      await running.close();
      recorder.close();
    }
    expect(await dump()).toBe(before);
    expect(await positions()).toEqual(sequencesBefore);
    const events = lines(transcriptPath);
    const resultOf = (prefix: string) => {
      const st = events.find((l) => l.type === 'statement' && l.text.startsWith(prefix));
      return events.find((l) => l.type === 'result' && st?.type === 'statement' && l.id === st.id) as
        | { tag?: string; error?: { message: string } }
        | undefined;
    };
    for (const skipped of [
      "INSERT INTO serials (note) VALUES ('a')",
      'INSERT INTO idents (note)',
      'INSERT INTO borrowed (note)',
      'INSERT INTO serials VALUES (DEFAULT',
      'INSERT INTO stamped (note)',
    ])
      expect(resultOf(skipped)?.tag, skipped).toBe('SKIPPED (dry run)');
    for (const refused of ['WITH x AS (INSERT INTO serials', 'SELECT outer_id()', 'COPY serials (note)'])
      expect(resultOf(refused)?.error?.message, refused).toMatch(/moves a sequence through a column default/);
    expect(resultOf('INSERT INTO fresh (note)')?.tag).toBe('INSERT 0 1');
    expect(resultOf('INSERT INTO fresh2 DEFAULT VALUES')?.tag).toBe('SKIPPED (dry run)');
    expect(resultOf('INSERT INTO plain (id, note)')?.tag).toBe('INSERT 0 2');
    expect(resultOf('INSERT INTO serials (id, note)')?.tag).toBe('INSERT 0 1');
    expect(resultOf('UPDATE serials SET note')?.tag).toBe('UPDATE 1');
    const notices = events
      .filter((l) => l.type === 'notice' && l.code === 'dry-run-skipped')
      .map((l) => (l as { message: string }).message);
    expect(notices).toEqual(
      expect.arrayContaining([expect.stringMatching(/INSERT serials: id draws from a sequence/)]),
    );
    expect(out).toContain('not executed: INSERT idents: id draws from a sequence');
  }, 60_000);

  it('MySQL: stored functions that write and sequence functions do not run; the mariadb-dump is unchanged', async () => {
    await maria.admin(`
      CREATE TABLE app.log (n int);
      CREATE SEQUENCE app.s;
      CREATE FUNCTION app.wr() RETURNS int MODIFIES SQL DATA BEGIN INSERT INTO app.log VALUES (1); RETURN 1; END;`);
    const dump = async () => {
      const r = await run('mariadb-dump', [
        '--skip-dump-date',
        '--routines',
        `--socket=${maria.socket}`,
        '-uroot',
        'app',
      ]);
      expect(r.code).toBe(0);
      return r.out;
    };
    const before = await dump();
    const transcriptPath = join(dir, 'my.jsonl');
    const recorder = new FileRecorder(transcriptPath);
    const running = await mysqlGatewayWithSide(maria, { policy: defaultPolicy(), mode: 'dry-run', recorder });
    const gw = running.gateway;
    const c: mysql.Connection = await connectThrough(maria, gw, 'app');
    const outcomes: string[] = [];
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        await f();
        outcomes.push('ok');
      } catch (err) {
        outcomes.push(String((err as { errno?: number }).errno));
      }
    };
    try {
      await attempt(() => c.query('SELECT wr()'));
      await attempt(() => c.query('SELECT * FROM (SELECT wr()) d'));
      await attempt(() => c.execute('SELECT wr()'));
      await attempt(() => c.query('SELECT NEXTVAL(s)'));
      await attempt(() => c.query('SELECT NEXT VALUE FOR s'));
      await attempt(() => c.query('SELECT SETVAL(s, 500)'));
      // A read-write transaction would lift the read-only session: not executed either.
      await attempt(() => c.query('START TRANSACTION READ WRITE'));
      await attempt(() => c.query('SELECT wr()'));
      await attempt(() => c.query('COMMIT'));
      await attempt(() => c.query('INSERT INTO log VALUES (7)'));
      // A prepared write: prepared as a stand-in, its execution answered without running.
      await attempt(() => c.execute('INSERT INTO log VALUES (?)', [8]));
      await attempt(() => c.query('SELECT count(*) FROM log'));
    } finally {
      await c.end();
      await running.close();
      recorder.close();
    }
    // SETVAL is a finding (destructive/sequence-reset): a MySQL dry run answers it without running it.
    expect(outcomes).toEqual([
      '1792',
      '1792',
      '1792',
      '1792',
      '1792',
      'ok',
      'ok',
      '1792',
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
    const after = await dump();
    expect(after).toBe(before);
    const skipped = lines(transcriptPath).filter((l) => l.type === 'notice' && l.code === 'dry-run-skipped');
    expect(
      skipped.filter((l) => /session is read-only/.test((l as { message: string }).message)),
    ).toHaveLength(6);
  }, 60_000);

  it('MySQL: a SET STATEMENT around a read cannot lift the read-only session', async () => {
    await maria.admin(`
      CREATE TABLE app.log2 (n int);
      CREATE FUNCTION app.wr2() RETURNS int MODIFIES SQL DATA BEGIN INSERT INTO app.log2 VALUES (1); RETURN 1; END;`);
    const running = await mysqlGatewayWithSide(maria, {
      policy: defaultPolicy(),
      mode: 'dry-run',
      recorder: new FileRecorder(join(dir, 'my-set-statement.jsonl')),
    });
    const c: mysql.Connection = await connectThrough(maria, running.gateway, 'app');
    try {
      for (const text of [
        'SET STATEMENT transaction_read_only = 0 FOR SELECT wr2()',
        'SET STATEMENT tx_read_only = OFF FOR SELECT wr2()',
        'SET STATEMENT `transaction_read_only` = 0 FOR SELECT * FROM (SELECT wr2()) d',
      ])
        await c.query(text).catch(() => undefined);
    } finally {
      await c.end();
      await running.close();
    }
    // The server's own table: the function never wrote.
    expect(await maria.admin('SELECT count(*) AS n FROM app.log2')).toEqual([{ n: 0 }]);
  }, 60_000);
});
