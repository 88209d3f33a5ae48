// Each attack class of issue 13 on Postgres, with real clients against a real server through the
// gateway (default enforce policy, no approval channel: anything needing review is refused):
// a multibyte character that swallows a backslash, standard_conforming_strings changed behind
// the gateway's back (set_config, a function, RESET, ROLLBACK of a SET, COMMIT of SET LOCAL, a
// start-up option, an extended-protocol batch), and quoted spellings of names the rules compare.
// Every case proves from the server that nothing ran: the canary table is still there and the
// setting is unchanged. Ordinary UTF-8, LATIN1 and pipelining clients keep working.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { wire, wireClient } from '../support/pg-wire.js';

let server: PgServer;
let gw: PostgresGateway;
const dir = mkdtempSync(join(tmpdir(), 'guardrail-pg-state-'));

/** The gateway as the action runs it by default: enforce, default policy, no approval channel. */
async function enforcing(db: PgServer): Promise<PostgresGateway> {
  const context = await createGatewayContext({
    dialect: 'postgres',
    policy: defaultPolicy(),
    recorder: new MemoryRecorder(),
    database: { name: db.database, host: db.host, role: db.user },
  });
  return startPostgresGateway({ upstream: db.url(), context });
}

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE TABLE t (id int, v text);
    CREATE FUNCTION flip() RETURNS text LANGUAGE sql AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$;
  `);
  gw = await enforcing(server);
});

afterAll(async () => {
  await gw?.close();
  await server?.stop();
});

beforeEach(async () => {
  await server.query(
    'DROP TABLE IF EXISTS canary; CREATE TABLE canary (id int); INSERT INTO canary VALUES (1)',
  );
});

async function canaryStands(): Promise<void> {
  const rows = await server.query<{ n: number }>('SELECT count(*)::int AS n FROM canary');
  expect(rows).toEqual([{ n: 1 }]);
}

function connect(params: Record<string, string> = {}) {
  return wireClient({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database: gw.database,
    params,
  });
}

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** Read with standard_conforming_strings off: a string, then a DROP; on: one string. */
const SCS_PAYLOAD = "SELECT 'x\\'' ; DROP TABLE canary; -- '";

function run(cmd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, encoding: 'latin1' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('a multibyte character whose second byte is a backslash', () => {
  // Lead bytes that pair with 0x5C in each encoding (UHC has no such pair: the server refuses it).
  const cases: [string, number][] = [
    ['SJIS', 0x95],
    ['BIG5', 0xa5],
    ['GBK', 0x81],
    ['GB18030', 0x81],
    ['UHC', 0x81],
  ];

  it.each(cases)(
    '%s from the start-up packet (parameter and options), SET and set_config pipelined ahead',
    async (encoding, lead) => {
      const attack = wire.query(bytes("SELECT E'", [lead, 0x5c], "' ; DROP TABLE canary; --'"));
      const startups: Record<string, string>[] = [
        { client_encoding: encoding },
        { options: `-c client_encoding=${encoding}` },
      ];
      for (const params of startups) {
        const a = await connect(params);
        expect(a.parameters.client_encoding).toBe(encoding);
        a.send(attack);
        const r1 = await a.replies(1);
        expect(r1.errors.length).toBe(1);
        a.close();
      }
      // The switch is made in the same write, by SET and by set_config.
      for (const change of [
        `SET client_encoding = '${encoding}'`,
        `SELECT set_config('client_encoding', '${encoding}', false)`,
      ]) {
        const b = await connect();
        b.send(wire.query(change), attack);
        const r = await b.replies(2);
        expect(r.errors.length).toBe(1);
        b.close();
      }
      await canaryStands();
    },
  );

  // Read as LATIN1 the payload is one string; as SJIS (0x95 0x5C is one character) it drops the
  // canary. The gateway confirmed LATIN1; the undo in the same write restores SJIS unannounced.
  it.each([
    [
      'ROLLBACK TO SAVEPOINT',
      ['BEGIN', 'SAVEPOINT s', "SET client_encoding = 'LATIN1'"],
      'ROLLBACK TO SAVEPOINT s',
    ],
    ['DISCARD ALL', ["SET client_encoding = 'LATIN1'"], 'DISCARD ALL'],
  ])('SJIS restored by %s in the same write as the payload', async (_, setup, undo) => {
    const c = await connect({ client_encoding: 'SJIS' });
    for (const s of setup) {
      c.send(wire.query(s));
      expect((await c.replies(1)).errors, s).toEqual([]);
    }
    c.send(wire.query(undo), wire.query(bytes("SELECT E'", [0x95, 0x5c], "' ; DROP TABLE canary; --'")));
    const r = await c.replies(2);
    expect(r.errors.length).toBe(1);
    c.send(wire.query('SELECT 1'));
    await c.replies(1);
    c.close();
    await canaryStands();
  });

  it('in an extended-protocol batch behind the switch: refused as unreadable', async () => {
    const c = await connect();
    c.send(
      wire.parse("SELECT set_config('client_encoding', 'SJIS', false)"),
      wire.bind(),
      wire.execute(),
      wire.parse(bytes("SELECT E'", [0x95, 0x5c], "' ; DROP TABLE canary; --'")),
      wire.bind(),
      wire.execute(),
      wire.sync(),
    );
    const r = await c.replies(1);
    expect(r.errors).toEqual(['0A000']);
    c.close();
    await canaryStands();
  });

  it('from psql (PGCLIENTENCODING=SJIS) and psycopg2 (SJIS connection, bytes query)', async () => {
    const file = join(dir, 'sjis.sql');
    writeFileSync(file, bytes("SELECT E'", [0x95, 0x5c], "' AS v ; DROP TABLE canary; --'\n"));
    const p = await run('psql', [gw.url, '-X', '-q', '-A', '-t', '-f', file], { PGCLIENTENCODING: 'SJIS' });
    // psql reads the file in SJIS too: it sends the SELECT (which runs) and the DROP (refused).
    expect(Buffer.from(p.stdout, 'latin1')).toEqual(Buffer.from([0x95, 0x5c, 0x0a]));
    expect(p.stderr).toContain('guardrail');
    const py = join(dir, 'sjis.py');
    writeFileSync(
      py,
      [
        'import sys, psycopg2',
        'c = psycopg2.connect(sys.argv[1]); c.set_client_encoding("SJIS"); cur = c.cursor()',
        'try:',
        `    cur.execute(b"SELECT E'\\x95\\\\' ; DROP TABLE canary; --'")`,
        '    print("ran")',
        'except psycopg2.Error as e:',
        '    print(e.pgcode)',
      ].join('\n'),
    );
    const r = await run('/usr/bin/python3', [py, gw.url], {});
    expect(r.stdout.trim()).toBe('42501');
    await canaryStands();
  });
});

describe('standard_conforming_strings changed where the gateway cannot see it', () => {
  async function attempt(
    params: Record<string, string>,
    setup: string[],
    pipelined: Buffer[],
    readies: number,
  ) {
    const c = await connect(params);
    for (const s of setup) {
      c.send(wire.query(s));
      const r = await c.replies(1);
      expect(r.errors, s).toEqual([]);
    }
    c.send(...pipelined);
    const r = await c.replies(readies);
    c.close();
    await canaryStands();
    return r;
  }

  it('set_config in the same write', async () => {
    const r = await attempt(
      {},
      [],
      [wire.query("SELECT set_config('standard_conforming_strings', 'off', false)"), wire.query(SCS_PAYLOAD)],
      2,
    );
    expect(r.errors).toEqual(['42501']);
  });

  it('a user function in the same write', async () => {
    const r = await attempt({}, [], [wire.query('SELECT flip()'), wire.query(SCS_PAYLOAD)], 2);
    expect(r.errors).toEqual(['42501']);
  });

  it('a start-up option', async () => {
    const r = await attempt(
      { options: '-c standard_conforming_strings=off' },
      [],
      [wire.query(SCS_PAYLOAD)],
      1,
    );
    expect(r.errors).toEqual(['42501']);
  });

  it('ROLLBACK undoing a SET, in the same write', async () => {
    const r = await attempt(
      { options: '-c standard_conforming_strings=off' },
      ['BEGIN', 'SET standard_conforming_strings = on'],
      [wire.query('ROLLBACK'), wire.query(SCS_PAYLOAD)],
      2,
    );
    expect(r.errors).toEqual(['42501']);
  });

  it('COMMIT ending a SET LOCAL, in the same write', async () => {
    const r = await attempt(
      { options: '-c standard_conforming_strings=off' },
      ['BEGIN', 'SET LOCAL standard_conforming_strings = on'],
      [wire.query('COMMIT'), wire.query(SCS_PAYLOAD)],
      2,
    );
    expect(r.errors).toEqual(['42501']);
  });

  it('RESET back to the start-up value, in the same write', async () => {
    const r = await attempt(
      { options: '-c standard_conforming_strings=off' },
      ['SET standard_conforming_strings = on'],
      [wire.query('RESET standard_conforming_strings'), wire.query(SCS_PAYLOAD)],
      2,
    );
    expect(r.errors).toEqual(['42501']);
  });

  it('a DO block and a function body read when standard_conforming_strings is off', async () => {
    const body = "BEGIN PERFORM 'x\\'' ; DROP TABLE canary; -- '; END";
    // Created while on (its body reads as one PERFORM), called once the server reports off.
    const created = await attempt(
      {},
      [
        `CREATE FUNCTION sneaky() RETURNS void LANGUAGE plpgsql AS $$ ${body} $$`,
        'SET standard_conforming_strings = off',
      ],
      [wire.query(`DO $$ ${body} $$`), wire.query('SELECT sneaky()')],
      2,
    );
    expect(created.errors).toEqual(['42501', '42501']);
    await server.query('DROP FUNCTION sneaky()');
  });

  it('set_config earlier in the same extended-protocol batch', async () => {
    const r = await attempt(
      {},
      [],
      [
        wire.parse("SELECT set_config('standard_conforming_strings', 'off', false)"),
        wire.bind(),
        wire.execute(),
        wire.parse(SCS_PAYLOAD),
        wire.bind(),
        wire.execute(),
        wire.sync(),
      ],
      1,
    );
    expect(r.errors).toEqual(['42501']);
  });
});

describe('quoted and case-varied spellings of the names rules compare', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: gw.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  async function refused(sql: string): Promise<void> {
    await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
  }

  it('keeps session_replication_role, search_path and the server files untouched', async () => {
    const path = (await client.query('SHOW search_path')).rows[0].search_path;
    for (const sql of [
      'SET "session_replication_role" = replica',
      'SET "Session_Replication_Role" TO replica',
      'SET SESSION "session_replication_role" = \'replica\'',
      'SELECT "pg_catalog"."set_config"(\'session_replication_role\', \'replica\', false)',
      "SELECT pg_catalog.set_config('Session_Replication_Role', 'replica', false)",
      'SET "search_path" = evil, pg_catalog',
      "SELECT \"set_config\"('search_path', 'evil, pg_catalog', false)",
      'SELECT "pg_read_file"(\'/etc/hostname\')',
      'SELECT U&"pg_read_\\0066ile"(\'/etc/hostname\')',
      'SELECT "pg_catalog"."pg_read_file"(\'/etc/hostname\')',
      'DROP TABLE "canary"',
      'DROP TABLE "public"."canary"',
    ])
      await refused(sql);
    expect((await client.query('SHOW session_replication_role')).rows).toEqual([
      { session_replication_role: 'origin' },
    ]);
    expect((await client.query('SHOW search_path')).rows[0].search_path).toBe(path);
    await canaryStands();
  });
});

describe('ordinary clients keep working', () => {
  it('UTF-8 text with backslashes, pipelined by postgres.js', async () => {
    const sql = postgres(gw.url, { max: 1, onnotice: () => undefined });
    try {
      const rows = await Promise.all([
        sql`SELECT 'café \\ 中文' AS v`,
        sql.unsafe("SELECT E'tab\\there' AS v"),
        sql.unsafe("SELECT 'ünïcödé' AS v"),
        sql`SELECT ${'back\\slash'}::text AS v`,
      ]);
      expect(rows.map((r) => r[0]?.v)).toEqual(['café \\ 中文', 'tab\there', 'ünïcödé', 'back\\slash']);
    } finally {
      await sql.end();
    }
  });

  it('a LATIN1 client (psql with PGCLIENTENCODING=LATIN1) stores what it means', async () => {
    const file = join(dir, 'latin1.sql');
    writeFileSync(
      file,
      Buffer.from(
        "INSERT INTO t VALUES (1, 'caf\xe9 \\ na\xefve');\nSELECT v FROM t WHERE id = 1;\n",
        'latin1',
      ),
    );
    const r = await run('psql', [gw.url, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-f', file], {
      PGCLIENTENCODING: 'LATIN1',
    });
    expect(r.code).toBe(0);
    expect(Buffer.from(r.stdout, 'latin1')).toEqual(Buffer.from('caf\xe9 \\ na\xefve\n', 'latin1'));
    const rows = await server.query<{ v: string }>('SELECT v FROM t WHERE id = 1');
    expect(rows).toEqual([{ v: 'café \\ naïve' }]);
    await server.query('DELETE FROM t');
  });

  it('an SJIS client sends Japanese text through (psycopg2)', async () => {
    const py = join(dir, 'sjis-ok.py');
    writeFileSync(
      py,
      [
        'import sys, psycopg2',
        'c = psycopg2.connect(sys.argv[1]); c.set_client_encoding("SJIS"); cur = c.cursor()',
        'cur.execute("INSERT INTO t VALUES (2, %s)", ("表示\\\\",)); cur.execute("SELECT v FROM t WHERE id = 2")',
        'print(cur.fetchone()[0] == "表示\\\\"); c.commit()',
      ].join('\n'),
    );
    const r = await run('/usr/bin/python3', [py, gw.url], {});
    expect(r.stdout.trim()).toBe('True');
    expect(await server.query('SELECT v FROM t WHERE id = 2')).toEqual([{ v: '表示\\' }]);
    await server.query('DELETE FROM t');
  });
});

describe('pg_dump output restores through the gateway unchanged', () => {
  // pg_dump must match the server's major version: the system's PostgreSQL serves this part.
  let system: PgServer;
  let systemGw: PostgresGateway;
  const rows = 'SELECT id, v FROM src.notes ORDER BY id';

  beforeAll(async () => {
    system = await startPostgres({ flavor: 'system' });
    systemGw = await enforcing(system);
  });

  afterAll(async () => {
    await systemGw?.close();
    await system?.stop();
  });

  it.each(['UTF8', 'SJIS'])('a plain-format dump in %s, restored with psql', async (encoding) => {
    await system.query(`
      DROP SCHEMA IF EXISTS src CASCADE;
      CREATE SCHEMA src;
      CREATE TABLE src.notes (id int PRIMARY KEY, v text NOT NULL);
      INSERT INTO src.notes VALUES (1, E'back\\\\slash'), (2, 'it''s'), (3, '表示 ソフト'), (4, E'tab\\there \\\\ end');
      COMMENT ON TABLE src.notes IS '表\\ notes';
    `);
    const before = await system.query(rows);
    const file = join(dir, `dump-${encoding}.sql`);
    const env = { PGPASSWORD: system.password };
    const dump = await run(
      join(system.binDir, 'pg_dump'),
      [
        '-h',
        system.host,
        '-p',
        String(system.port),
        '-U',
        system.user,
        '-n',
        'src',
        '--no-owner',
        `--encoding=${encoding}`,
        '-f',
        file,
        system.database,
      ],
      env,
    );
    expect(dump.stderr).toBe('');
    await system.query('DROP SCHEMA src CASCADE');
    const restore = await run('psql', [systemGw.url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], {});
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(await system.query(rows)).toEqual(before);
    expect(await system.query("SELECT obj_description('src.notes'::regclass) AS c")).toEqual([
      { c: '表\\ notes' },
    ]);
  });
});
