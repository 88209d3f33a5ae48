// A client who wants a masked value, through the routes that carry it out of a statement besides
// its result columns: session settings written by set_config and read back with current_setting,
// SHOW or pg_settings; server errors whose message or detail quote a value derived from it
// (json, regclass, xml, per-character date arithmetic, a predicate's cast); notices of a DO
// block. Real client (node-postgres) and real server; the client's every field and the transcript
// are searched for the planted values and their simple transformations.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { pgGatewayWithSide, type SideGateway } from '../support/gateway-with-side.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { plantedIn } from '../support/planted.js';

// Shapes no detector knows: only lineage can hide them.
const EMAIL = 'zed.planted@example.org';
const SSN = 'QX7PLANT99';

let server: PgServer;
let running: SideGateway;
let gw: GatewayHandle;
let recorder: FileRecorder;
const transcriptPath = join(mkdtempSync(join(tmpdir(), 'guardrail-taint-')), 'transcript.jsonl');

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE TABLE users (id int PRIMARY KEY, name text, email text, ssn text);
    CREATE TABLE evidence (v text);
    INSERT INTO users VALUES (1, 'Zed', '${EMAIL}', '${SSN}');
    CREATE FUNCTION probe_notice() RETURNS int LANGUAGE plpgsql AS
      $f$ BEGIN RAISE NOTICE 'v=%', (SELECT email FROM users LIMIT 1); RETURN 1; END $f$;
    CREATE FUNCTION probe_value() RETURNS text LANGUAGE sql AS $f$ SELECT ssn FROM users LIMIT 1 $f$;`);
  recorder = new FileRecorder(transcriptPath);
  const policy = defaultPolicy();
  policy.masking = {
    columns: ['public.users.email', '*.ssn'],
    custom: [],
    onWire: true,
    replacement: '[masked]',
  };
  // DO blocks are opaque to the analyzer; this test is about what masking lets out of them.
  policy.categories = { ...policy.categories, opaque: 'allow' };
  running = await pgGatewayWithSide(server, { policy, recorder });
  gw = running.gateway;
});

afterAll(async () => {
  await running?.close();
  recorder?.close();
  await server?.stop();
});

/** Everything the client saw: rows, every error field, every notice field. */
class Seen {
  readonly text: string[] = [];
  readonly errors: pg.DatabaseError[] = [];
  async run(c: pg.Client, sql: string): Promise<void> {
    try {
      const r = await c.query(sql);
      this.text.push(JSON.stringify(r.rows));
    } catch (err) {
      const e = err as pg.DatabaseError;
      this.errors.push(e);
      this.text.push(JSON.stringify({ ...e, message: e.message }));
    }
  }
}

async function client(seen: Seen): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gw.url });
  c.on('notice', (n) => seen.text.push(JSON.stringify({ ...n, message: n.message })));
  await c.connect();
  return c;
}

function expectNothingOf(text: string): void {
  expect(plantedIn(text, [EMAIL, SSN])).toEqual([]);
}

function transcript(): string {
  recorder.flush();
  return readFileSync(transcriptPath, 'utf8');
}

describe('taint: what a statement that reads a masked column produces besides its rows', () => {
  it('session settings written from masked columns come back masked (current_setting, SHOW, pg_settings)', async () => {
    const seen = new Seen();
    const c = await client(seen);
    try {
      await seen.run(c, "SELECT set_config('x.y', email || '/' || ssn, false) FROM users");
      await seen.run(c, "SELECT set_config('x.t', translate(ssn, 'Q', 'q'), false) FROM users");
      await seen.run(c, "SELECT current_setting('x.y') AS v");
      await seen.run(c, "SELECT upper(current_setting('x.t')) AS v");
      await seen.run(c, 'SHOW x.y');
      await seen.run(c, "SELECT name, setting FROM pg_settings WHERE name LIKE 'x.%'");
      // The setting really holds the value: copied where the test reads it past the gateway.
      await c.query("INSERT INTO evidence SELECT current_setting('x.y')");
    } finally {
      await c.end();
    }
    expect(seen.errors).toEqual([]);
    expect(await server.query('SELECT v FROM evidence')).toEqual([{ v: `${EMAIL}/${SSN}` }]);
    expect(seen.text.join('\n')).toContain('[masked]');
    expectNothingOf(seen.text.join('\n'));
    expectNothingOf(transcript());
  });

  it('errors that quote derived values keep their SQLSTATE and say masking withheld the text', async () => {
    const seen = new Seen();
    const c = await client(seen);
    const routes = [
      ["SELECT translate(email, '.@', '__')::json FROM users", '22P02'],
      [`SELECT ('"' || ssn || '"')::regclass FROM users`, '42P01'],
      ["SELECT ('<' || email)::xml FROM users", '2200N'],
      ['SELECT make_date(2000, ascii(substr(ssn, 2, 1)) + 100, 1) FROM users', '22008'],
      ['SELECT id FROM users WHERE ssn::int > 0', '22P02'],
      ['SELECT id FROM users u JOIN (SELECT 1 AS k) k ON u.email::numeric = k.k', '22P02'],
      ["SELECT id FROM users ORDER BY replace(email, '@', '_')::int", '22P02'],
    ] as const;
    try {
      for (const [sql] of routes) await seen.run(c, sql);
    } finally {
      await c.end();
    }
    expect(seen.errors.map((e) => e.code)).toEqual(routes.map(([, code]) => code));
    for (const e of seen.errors) {
      expect(e.message).toMatch(/masking withheld the text/);
      expect(e.detail).toBeUndefined();
      expect(e.hint).toBeUndefined();
      expect(e.where).toBeUndefined();
    }
    expectNothingOf(seen.text.join('\n'));
    expectNothingOf(transcript());
  });

  it('notices and errors raised by a DO block that reads masked columns', async () => {
    const seen = new Seen();
    const c = await client(seen);
    try {
      await seen.run(c, "DO $$ BEGIN RAISE NOTICE 'v=%', (SELECT upper(email) FROM users LIMIT 1); END $$");
      await seen.run(
        c,
        "DO $$ BEGIN RAISE EXCEPTION 'v=%', (SELECT ssn FROM users LIMIT 1) USING HINT = (SELECT email FROM users LIMIT 1); END $$",
      );
    } finally {
      await c.end();
    }
    expect(seen.errors.map((e) => e.code)).toEqual(['P0001']);
    expect(seen.text.join('\n')).toMatch(/masking withheld the text/);
    expectNothingOf(seen.text.join('\n'));
    expectNothingOf(transcript());
  });

  it('set_config inside a CTE, user functions, xml-of-query helpers, whole rows and SQL PREPARE let nothing out', async () => {
    const seen = new Seen();
    const c = await client(seen);
    try {
      await seen.run(
        c,
        "WITH s AS (SELECT set_config('x.c', email, false) AS v FROM users) SELECT count(*) FROM s",
      );
      await seen.run(c, "SELECT current_setting('x.c') AS v");
      await c.query("INSERT INTO evidence SELECT current_setting('x.c')");
      await seen.run(c, 'SELECT probe_notice()');
      await seen.run(c, 'SELECT probe_value() AS v');
      await seen.run(c, 'SELECT probe_value()::int AS v');
      await seen.run(c, 'COPY (SELECT ssn::int FROM users) TO STDOUT');
      await seen.run(c, "SELECT query_to_xml('select email from users', true, false, '') AS v");
      await seen.run(c, "SELECT table_to_xml('users', true, false, '') AS v");
      await seen.run(c, "SELECT database_to_xml(true, false, '') AS v");
      await seen.run(c, "SELECT schema_to_xml('public', true, false, '') AS v");
      await seen.run(c, 'SELECT row_to_json(u) AS v FROM users u');
      await seen.run(c, 'SELECT u::text AS v FROM users u');
      await seen.run(c, 'SELECT xmlelement(name x, (SELECT ssn FROM users)) AS v');
      await seen.run(c, 'PREPARE p AS SELECT ssn FROM users');
      await seen.run(c, 'EXECUTE p');
    } finally {
      await c.end();
    }
    // The CTE really wrote the setting (the server's copy, read past the gateway), yet came back masked.
    expect(seen.text[1]).toBe('[{"v":"[masked]"}]');
    expect(await server.query('SELECT v FROM evidence WHERE v = $1', [EMAIL])).toHaveLength(1);
    expectNothingOf(seen.text.join('\n'));
    expectNothingOf(transcript());
  });

  it('leaves errors of statements that read no masked column as they were', async () => {
    const seen = new Seen();
    const c = await client(seen);
    try {
      await seen.run(c, 'SELECT id / 0 FROM users WHERE name IS NOT NULL ORDER BY name');
    } finally {
      await c.end();
    }
    expect(seen.errors[0]?.message).toBe('division by zero');
  });
});
