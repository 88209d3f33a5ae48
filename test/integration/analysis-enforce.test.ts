// The real analyzer and policy in front of a real PostgreSQL: every statement of the corpus that
// would change or destroy something is sent through the gateway with a real client, in enforce
// mode with a policy that denies every finding, and the database must come out unchanged.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresFunctionCatalog } from '../../src/gateway/postgres/function-catalog.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import type { GatewayContext } from '../../src/gateway/session-types.js';
import { decide, parsePolicy } from '../../src/policy/index.js';
import { analyze, calledFunctions, loadAnalyzers } from '../../src/sql/analyze.js';
import type { AnalysisContext } from '../../src/sql/types.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { POSTGRES_CORPUS } from '../fixtures/postgres-corpus.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

const SEED = `
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, admin boolean DEFAULT false, name text, active boolean, last_login timestamptz);
INSERT INTO users VALUES (1, 'a@x', false, 'a', true, now()), (2, 'b@x', false, 'b', true, now()), (3, 'c@x', true, 'c', false, now());
CREATE TABLE t (id int, x int, v int, a int, b int);
INSERT INTO t VALUES (1, 1, 1, 1, 1), (2, 2, 2, 2, 2);
CREATE TABLE s (id int, v int);
INSERT INTO s VALUES (1, 10);
CREATE TABLE src (id int);
INSERT INTO src VALUES (1);
CREATE TABLE audit (x int);
INSERT INTO audit VALUES (1), (2);
CREATE TABLE accounts (id int, name text);
INSERT INTO accounts VALUES (1, 'acme');
CREATE TABLE orders (id int PRIMARY KEY, user_id int, amount numeric);
INSERT INTO orders VALUES (1, 1, 10);
CREATE TABLE sessions (id int, expires_at timestamptz);
CREATE TABLE staging (id int);
INSERT INTO staging VALUES (1);
CREATE TABLE measurements (ts date, v int) PARTITION BY RANGE (ts);
CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
INSERT INTO measurements VALUES ('2020-06-01', 1);
CREATE TABLE documents (id int);
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE INDEX users_email_idx ON users (email);
CREATE SEQUENCE users_id_seq;
CREATE VIEW v_users AS SELECT * FROM users;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM audit; END $$;
CREATE ROLE app LOGIN;
CREATE ROLE alice LOGIN;
CREATE ROLE reporting;
CREATE SCHEMA app;
`;

const SNAPSHOT = `
WITH user_ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%')
SELECT string_agg(x, E'\\n' ORDER BY x) AS snapshot FROM (
  SELECT 'rel ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || c.relrowsecurity || ' ' || coalesce(c.relacl::text, '') || ' ' || pg_get_userbyid(c.relowner)
    FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT 'col ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace IN (SELECT oid FROM user_ns) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT 'con ' || conname || ' ' || conrelid::regclass || ' ' || convalidated FROM pg_constraint WHERE connamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT 'role ' || rolname || ' ' || rolsuper || ' ' || rolcreaterole || ' ' || rolcanlogin || ' ' || coalesce(rolpassword, '') FROM pg_authid
  UNION ALL SELECT 'member ' || m.roleid::regrole || ' ' || m.member::regrole FROM pg_auth_members m
  UNION ALL SELECT 'fn ' || p.oid::regprocedure || ' ' || p.prosecdef || ' ' || md5(p.prosrc) || ' ' || pg_get_userbyid(p.proowner) FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT 'trg ' || tgname FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'rule ' || rulename FROM pg_rewrite WHERE ev_class IN (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM user_ns)) AND rulename <> '_RETURN'
  UNION ALL SELECT 'ext ' || extname FROM pg_extension
  UNION ALL SELECT 'srv ' || srvname FROM pg_foreign_server
  UNION ALL SELECT 'nsp ' || nspname FROM pg_namespace
  UNION ALL SELECT 'db ' || datname FROM pg_database
  UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT 'lo ' || count(*) FROM pg_largeobject_metadata
  UNION ALL SELECT 'defacl ' || count(*) FROM pg_default_acl
  UNION ALL SELECT 'users ' || string_agg(u::text, ';' ORDER BY u.id) FROM users u
  UNION ALL SELECT 't ' || string_agg(r::text, ';' ORDER BY r.id) FROM t r
  UNION ALL SELECT 'audit ' || count(*) FROM audit
  UNION ALL SELECT 'accounts ' || count(*) FROM accounts
  UNION ALL SELECT 'orders ' || string_agg(o::text, ';') FROM orders o
  UNION ALL SELECT 'staging ' || count(*) FROM staging
  UNION ALL SELECT 'measurements ' || count(*) FROM measurements
  UNION ALL SELECT 'src ' || count(*) FROM src
) s(x)`;

const denyAll = parsePolicy(
  [
    'categories:',
    '  destructive: deny',
    '  privilege: deny',
    '  opaque: deny',
    '  exfiltration: deny',
    '  lock-heavy: deny',
    '  mass-change: deny',
  ].join('\n'),
  'deny-all.yml',
);

let server: PgServer;
let gateway: PostgresGateway;

async function snapshot(): Promise<string> {
  const [row] = await server.query<{ snapshot: string }>(SNAPSHOT);
  return row!.snapshot;
}

beforeAll(async () => {
  await loadAnalyzers();
  server = await startPostgres();
  const admin = await server.client();
  await admin.query(SEED);
  await admin.end();
  const context: GatewayContext = {
    dialect: 'postgres',
    mode: 'enforce',
    analyze,
    decide: (analysis) => decide(analysis, denyAll),
    recorder: new MemoryRecorder(),
    preapproved: new Set(),
    approvalTimeoutMs: 1_000,
    database: { name: server.database, host: server.host, role: server.user },
    redact: (text) => text,
  };
  gateway = await startPostgresGateway({ upstream: server.url(), context });
});

afterAll(async () => {
  await gateway?.close();
  await server?.stop();
});

describe('enforcement with the real analyzer', () => {
  it('refuses every destructive corpus statement and leaves the database unchanged', async () => {
    const before = await snapshot();
    const client = new pg.Client({ connectionString: gateway.url });
    await client.connect();
    const destructive = POSTGRES_CORPUS.filter((e) => e.destructive);
    expect(destructive.length).toBeGreaterThan(100);
    const forwarded: string[] = [];
    for (const e of destructive) {
      try {
        await client.query(e.sql);
        forwarded.push(e.sql);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== '42501') forwarded.push(`${e.sql} (${code}: ${(err as Error).message})`);
      }
      // The session stays usable after every refusal.
      const { rows } = await client.query('SELECT count(*)::int AS n FROM users');
      expect(rows[0].n).toBe(3);
    }
    await client.end();
    expect(forwarded).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('forwards benign statements', async () => {
    const client = new pg.Client({ connectionString: gateway.url });
    await client.connect();
    const { rows } = await client.query('SELECT email FROM users WHERE id = 2');
    expect(rows).toEqual([{ email: 'b@x' }]);
    await client.query('BEGIN');
    await client.query("UPDATE users SET name = 'bee' WHERE id = 2");
    await client.query('ROLLBACK');
    await client.end();
  });
});

describe('function bodies from the catalog', () => {
  it('judges a call to an existing user function by its body', async () => {
    const side = await server.client();
    try {
      const catalog = new PostgresFunctionCatalog(side);
      const ctx: AnalysisContext = { dialect: 'postgres', functions: catalog };
      const text = 'SELECT purge(), f(1), now()';
      await catalog.prefetch(calledFunctions(text, ctx));
      expect(catalog.lookupAll('purge').map((b) => [b.schema, b.language])).toEqual([['public', 'plpgsql']]);
      expect(catalog.lookup('now')).toBeUndefined();
      const analysis = analyze(text, ctx);
      expect(analysis.findings.map((f) => f.rule)).toEqual(['destructive/delete-without-where']);
      expect(analysis.findings[0]?.message).toContain('via purge()');
      expect(analyze('SELECT purge()', { dialect: 'postgres' }).findings).toEqual([]);
    } finally {
      await side.end();
    }
  });

  it('refuses to prefetch when the catalog cannot be read', async () => {
    const side = await server.client();
    await side.end();
    const catalog = new PostgresFunctionCatalog(side);
    await expect(catalog.prefetch([{ name: 'purge' }])).rejects.toThrow();
  });
});
