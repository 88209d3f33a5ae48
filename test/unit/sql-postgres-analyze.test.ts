import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzePostgres,
  calledFunctions,
  clearAnalysisCaches,
  reachedPostgres,
} from '../../src/sql/postgres/analyze.js';
import { canonicalFromScan, loadPostgresParser } from '../../src/sql/postgres/parser.js';
import { postgresState } from '../../src/sql/postgres/state.js';
import type { AnalysisContext, FiredObject, FunctionBody } from '../../src/sql/types.js';
import { POSTGRES_CORPUS } from '../fixtures/postgres-corpus.js';

const ctx = (extra: Partial<AnalysisContext> = {}): AnalysisContext => ({ dialect: 'postgres', ...extra });
const rules = (text: string, c: AnalysisContext = ctx()) =>
  analyzePostgres(text, c).findings.map((f) => f.rule);

beforeAll(async () => {
  await loadPostgresParser();
});

describe('Postgres analysis: session memory', () => {
  it('judges a call by the body of a function created in an earlier statement of the session', () => {
    const session = ctx();
    expect(
      rules('CREATE FUNCTION wipe() RETURNS void LANGUAGE sql AS $$ DELETE FROM users $$', session),
    ).toEqual([]);
    expect(rules('SELECT wipe()', session)).toEqual(['destructive/delete-without-where']);
    expect(rules('SELECT wipe()', ctx())).toEqual([]);
  });

  it('unions a session function with catalog overloads of the same name', () => {
    const catalogBody: FunctionBody = {
      schema: 'public',
      name: 'tidy',
      language: 'plpgsql',
      body: ' BEGIN TRUNCATE audit; END ',
      securityDefiner: false,
    };
    const session = ctx({ functions: { lookup: (name) => (name === 'tidy' ? catalogBody : undefined) } });
    rules('CREATE FUNCTION tidy(x int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', session);
    expect(rules('SELECT tidy()', session)).toEqual(['destructive/truncate']);
  });

  it('uses the full definition from the catalog (parameters, trigger functions)', () => {
    const fn: FunctionBody = {
      schema: 'app',
      name: 'on_insert',
      language: 'plpgsql',
      body: '',
      securityDefiner: false,
      definition:
        'CREATE OR REPLACE FUNCTION app.on_insert() RETURNS trigger LANGUAGE plpgsql AS $function$ BEGIN NEW.x := 1; DELETE FROM app.audit; RETURN NEW; END $function$',
    };
    const session = ctx({
      functions: { lookup: () => undefined, lookupAll: (n) => (n === 'on_insert' ? [fn] : []) },
    });
    // Creating the trigger runs nothing, but from then on every write to app.t empties app.audit,
    // writes made outside the gateway included: the whole-table DELETE is judged at creation.
    const created = analyzePostgres(
      'CREATE TRIGGER t BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.on_insert()',
      session,
    );
    expect(created.findings.map((f) => f.rule)).toEqual(['destructive/delete-without-where']);
    expect(created.findings[0]?.message).toContain('trigger on app.t: via app.on_insert()');
    expect(calledFunctions('INSERT INTO app.t VALUES (1)', session)).toEqual([
      { name: 'on_insert', schema: 'app' },
    ]);
    const a = analyzePostgres('INSERT INTO app.t VALUES (1)', session);
    expect(a.findings.map((f) => f.rule)).toEqual(['destructive/delete-without-where']);
    expect(a.findings[0]?.message).toContain('trigger on app.t: via app.on_insert()');
    // Another session never created that trigger: its writes run nothing of it.
    expect(analyzePostgres('INSERT INTO app.t VALUES (1)', ctx()).findings).toEqual([]);
  });

  it('keeps row-scoped writes of a trigger function quiet at CREATE TRIGGER', () => {
    const fn: FunctionBody = {
      schema: 'app',
      name: 'keep_audit',
      language: 'plpgsql',
      body: '',
      securityDefiner: false,
      definition:
        'CREATE FUNCTION app.keep_audit() RETURNS trigger LANGUAGE plpgsql AS $function$ BEGIN INSERT INTO app.audit VALUES (NEW.id); DELETE FROM app.audit WHERE id = OLD.id; UPDATE app.t SET n = n + 1 WHERE id = NEW.id; RETURN NEW; END $function$',
    };
    const session = ctx({
      functions: { lookup: () => undefined, lookupAll: (n) => (n === 'keep_audit' ? [fn] : []) },
    });
    const created = analyzePostgres(
      'CREATE TRIGGER k AFTER INSERT OR DELETE ON app.t FOR EACH ROW EXECUTE FUNCTION app.keep_audit()',
      session,
    );
    expect(created.findings).toEqual([]);
    expect(analyzePostgres('INSERT INTO app.t VALUES (1)', session).findings).toEqual([]);
  });

  it('stops at recursive functions', () => {
    const session = ctx();
    rules('CREATE FUNCTION r() RETURNS int LANGUAGE sql AS $$ SELECT r() $$', session);
    expect(rules('SELECT r()', session)).toEqual([]);
  });

  it('remembers tables created earlier: lock-heavy rules do not apply to them', () => {
    const session = ctx();
    rules('CREATE TABLE fresh (id int)', session);
    expect(rules('CREATE INDEX ON fresh (id)', session)).toEqual([]);
    expect(rules('CREATE INDEX ON old (id)', session)).toEqual(['lock-heavy/blocking-index']);
    expect(rules('CREATE TABLE IF NOT EXISTS maybe (id int); CREATE INDEX ON maybe (id)', session)).toEqual([
      'lock-heavy/blocking-index',
    ]);
  });

  it('remembers temporary tables apart, and forgets one when a table of its name is dropped', () => {
    const session = ctx();
    analyzePostgres('CREATE TEMP TABLE scratch (id int); CREATE TABLE kept (id int)', session);
    analyzePostgres('CREATE TEMPORARY TABLE t2 AS SELECT 1 AS id; SELECT 1 AS id INTO TEMP t3', session);
    expect([...session.memory!.temporaryTables].sort()).toEqual(['scratch', 't2', 't3']);
    analyzePostgres('DROP TABLE public.scratch', session);
    expect(session.memory!.temporaryTables.has('scratch')).toBe(false);
  });

  it('follows SQL-level prepared statements across calls', () => {
    const session = ctx();
    expect(rules('PREPARE p AS DELETE FROM users', session)).toEqual(['destructive/delete-without-where']);
    expect(rules('EXECUTE p', session)).toEqual(['destructive/delete-without-where']);
    rules('DEALLOCATE p', session);
    expect(rules('EXECUTE p', session)).toEqual(['opaque/dynamic-sql']);
    rules('PREPARE q AS SELECT 1', session);
    expect(rules('EXECUTE q', session)).toEqual([]);
  });

  it('judges what an EXECUTE fires as the catalog says now, and lists its relations for the catalog read', () => {
    const wipe: FunctionBody = {
      schema: 'public',
      name: 'wipe',
      language: 'sql',
      body: 'DELETE FROM canary',
      securityDefiner: false,
    };
    const triggers = new Map<string, FiredObject[]>();
    const session = ctx({
      fired: { firedBy: (t) => triggers.get(t) ?? [] },
      functions: {
        lookup: () => undefined,
        lookupAll: (n) => (n === 'wipe' ? [wipe] : []),
        known: () => true,
      },
    });
    expect(rules('PREPARE ins AS INSERT INTO t VALUES (1)', session)).toEqual([]);
    expect(rules('EXECUTE ins', session)).toEqual([]);
    expect(reachedPostgres('EXECUTE ins', session).relations).toEqual(['t']);
    // A trigger created since the PREPARE.
    triggers.set('t', [{ what: 'trigger wipe_t', events: 'i', fn: { name: 'wipe' } }]);
    expect(rules('EXECUTE ins', session)).toEqual(['destructive/delete-without-where']);
  });

  it('treats strings as opaque while standard_conforming_strings is off, as the server reports it', () => {
    const state = postgresState();
    const session = ctx({ postgres: state });
    expect(rules("SELECT 'a\\'", session)).toEqual([]);
    // A SET the analyzer reads changes nothing: only the server's report does.
    rules('SET standard_conforming_strings = off', session);
    expect(state.standardConformingStrings).toBe(true);
    state.parameter('standard_conforming_strings', 'off');
    // Off, the server reads 'x\'' ; DROP … as a string then a DROP; the parser would not.
    expect(rules("SELECT 'x\\'' ; DROP TABLE users; -- '", session)).toEqual(['opaque/unparseable']);
    expect(rules("SELECT E'x\\'' ; DROP TABLE users; -- '", session)).toEqual(['destructive/drop-table']);
    expect(rules("SELECT 'plain'", session)).toEqual([]);
    // Nested code is read by the server under the same setting: a backslash in it is unreadable.
    expect(rules("DO $$ BEGIN PERFORM 'x\\'' ; DROP TABLE users; -- '; END $$", session)).toEqual([
      'opaque/unparseable',
    ]);
    expect(rules("DO $$ BEGIN PERFORM 'x'; END $$", session)).toEqual([]);
    // While an unanswered message may have changed it, the stricter reading applies.
    state.parameter('standard_conforming_strings', 'on');
    state.unsettled = true;
    expect(rules("SELECT 'x\\'' ; DROP TABLE users; -- '", session)).toEqual(['opaque/unparseable']);
    state.unsettled = false;
    expect(rules("SELECT 'x\\'' ; DROP TABLE users; -- '", session)).toEqual([]);
  });

  it('reads a whole input strictly when a statement in it turns standard_conforming_strings off', () => {
    const session = ctx();
    const text = "SET standard_conforming_strings = off; SELECT 'x\\'' ; DROP TABLE users; -- '";
    expect(rules(text, session)).toEqual(['opaque/unparseable']);
    expect(session.postgres).toBeUndefined();
  });
});

describe('Postgres analysis: limits, locations, statements', () => {
  it('reports statements over the size cap as opaque without parsing them', () => {
    const big = `SELECT '${'x'.repeat(200)}'`;
    const a = analyzePostgres(big, ctx({ maxStatementLength: 100 }));
    expect(a.findings.map((f) => f.rule)).toEqual(['opaque/oversized']);
    expect(a.opaque).toBe(true);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rules(big)).toEqual([]);
  });

  it('reports line and column of each finding, counting characters not bytes', () => {
    const a = analyzePostgres("SELECT 'ééé';\n\n  DROP TABLE x;\nSELECT 1; TRUNCATE y", ctx());
    expect(a.findings.map((f) => [f.rule, f.location])).toEqual([
      ['destructive/drop-table', { line: 3, column: 3 }],
      ['destructive/truncate', { line: 4, column: 20 }],
    ]);
    expect(a.statements.map((s) => s.text)).toEqual([
      "SELECT 'ééé'",
      'DROP TABLE x',
      'SELECT 1',
      'TRUNCATE y',
    ]);
    expect(a.statements[1]?.offset).toBe(17);
  });

  it('reports statements too deeply nested to walk as opaque instead of failing', () => {
    const a = analyzePostgres(`DELETE FROM t WHERE ${'NOT '.repeat(6000)}false; SELECT 1`, ctx());
    expect(a.findings.map((f) => f.rule)).toEqual(['opaque/unparseable']);
    expect(a.statements.map((s) => s.opaque)).toEqual([true, false]);
  });

  it('reports the position of a syntax error', () => {
    const a = analyzePostgres('SELECT 1;\nDELET FROM x', ctx());
    expect(a.findings[0]?.rule).toBe('opaque/unparseable');
    expect(a.findings[0]?.location).toEqual({ line: 2, column: 1 });
  });

  it("judges a write to pg_catalog relations as a catalog write, not to the user's own pg_ tables", () => {
    expect(rules("UPDATE pg_settings SET setting = 'off' WHERE name = 'x'")).toContain(
      'privilege/catalog-write',
    );
    expect(rules('DELETE FROM pg_largeobject WHERE loid = 1')).toContain('privilege/catalog-write');
    expect(rules('INSERT INTO public.pg_class VALUES (1)')).not.toContain('privilege/catalog-write');
    expect(rules('INSERT INTO pg_cursor_test VALUES (1)')).toEqual([]);
    expect(rules('UPDATE pg_stream_test SET v = 1 WHERE id = 2')).toEqual([]);
  });

  it('marks read-only statements', () => {
    expect(analyzePostgres('SELECT * FROM t; SHOW x', ctx()).readOnly).toBe(true);
    expect(analyzePostgres('SELECT * FROM t FOR UPDATE', ctx()).readOnly).toBe(false);
    expect(analyzePostgres('INSERT INTO t VALUES (1)', ctx()).readOnly).toBe(false);
    expect(
      analyzePostgres('WITH d AS (DELETE FROM t WHERE id = 1 RETURNING 1) SELECT 1', ctx()).readOnly,
    ).toBe(false);
  });

  it('lists the functions a statement calls, for the catalog prefetch', () => {
    const calls = calledFunctions(
      'SELECT app.f(1), g() FROM t; CREATE TRIGGER x AFTER INSERT ON t EXECUTE FUNCTION h()',
      ctx(),
    );
    expect(calls).toEqual([{ name: 'f', schema: 'app' }, { name: 'g' }, { name: 'h' }]);
  });
});

describe('Postgres analysis: messages', () => {
  it('names subcommands and object kinds as SQL writes them, not as the parser does', () => {
    const messages = (sql: string) => analyzePostgres(sql, ctx()).findings.map((f) => f.message);
    expect(messages('ALTER TABLE users DISABLE TRIGGER USER')).toEqual([
      'ALTER TABLE users DISABLE TRIGGER USER stops it firing',
    ]);
    expect(messages('ALTER TABLE users DISABLE TRIGGER ALL')).toEqual([
      'ALTER TABLE users DISABLE TRIGGER ALL stops it firing',
    ]);
    expect(messages('ALTER TABLE users ENABLE REPLICA TRIGGER audit')).toEqual([
      'ALTER TABLE users ENABLE REPLICA TRIGGER audit stops it firing',
    ]);
    expect(messages('ALTER TABLE users SET TABLESPACE fast')).toEqual(['SET TABLESPACE rewrites users']);
    expect(messages('DROP MATERIALIZED VIEW totals')).toEqual(['DROP MATERIALIZED VIEW totals']);
    expect(messages('DROP TEXT SEARCH CONFIGURATION english_app')).toEqual([
      'DROP TEXT SEARCH CONFIGURATION english_app',
    ]);
  });
});

describe('Postgres analysis: caches', () => {
  it('does not reuse a shape result that depends on a literal', () => {
    clearAnalysisCaches();
    expect(rules('DELETE FROM t WHERE 1 = 2')).toEqual([]);
    expect(rules('DELETE FROM t WHERE 1 = 1')).toEqual(['destructive/delete-without-where']);
    expect(rules("DO $$ BEGIN RAISE NOTICE 'x'; END $$")).toEqual([]);
    expect(rules('DO $$ BEGIN DELETE FROM users; END $$')).toEqual(['destructive/delete-without-where']);
    expect(rules("SET ROLE 'none'")).toEqual([]);
    expect(rules("SET ROLE 'postgres'")).toEqual(['privilege/set-role']);
  });

  it('moves cached locations onto a text of the same shape with longer literals', () => {
    clearAnalysisCaches();
    const a = analyzePostgres("SELECT 'a'; CREATE INDEX ON t (x)", ctx());
    const b = analyzePostgres("SELECT 'aaaaaaaaaa'; CREATE INDEX ON t (x)", ctx());
    expect(a.findings[0]?.location).toEqual({ line: 1, column: 29 });
    expect(b.findings[0]?.location).toEqual({ line: 1, column: 38 });
    expect(b.statements.map((s) => s.text)).toEqual(["SELECT 'aaaaaaaaaa'", 'CREATE INDEX ON t (x)']);
    expect(b.hash).not.toBe(a.hash);
  });

  it('gives the same hash warm and cold', () => {
    clearAnalysisCaches();
    const cold = analyzePostgres('SELECT * FROM users WHERE id = 42', ctx());
    const warm = analyzePostgres('SELECT * FROM users WHERE id = 42', ctx());
    clearAnalysisCaches();
    analyzePostgres('SELECT * FROM users WHERE id = 7', ctx());
    const shape = analyzePostgres('SELECT * FROM users WHERE id = 42', ctx());
    expect(warm.hash).toBe(cold.hash);
    expect(shape.hash).toBe(cold.hash);
    expect(shape.canonical).toBe('select * from users where id = 42');
  });
});

describe('canonical form', () => {
  it('matches the form derived from the server lexer (scanSync) on the whole corpus', () => {
    for (const e of POSTGRES_CORPUS) {
      const a = analyzePostgres(e.sql, ctx());
      if (a.opaque) continue;
      expect([e.sql, a.canonical]).toEqual([e.sql, canonicalFromScan(e.sql)]);
    }
  });

  it('ignores whitespace, comments and keyword case; keeps literals and quoted identifiers', () => {
    const h = (t: string) => analyzePostgres(t, ctx()).hash;
    expect(h('select  *\nFROM Users -- c\n where ID = 1')).toBe(
      h('SELECT * /* x */ from users WHERE id = 1'),
    );
    expect(h('SELECT * FROM "Users"')).not.toBe(h('SELECT * FROM users'));
    expect(h("SELECT 'A'")).not.toBe(h("SELECT 'a'"));
    expect(h('SELECT 1')).not.toBe(h('SELECT 2'));
    expect(h('SELECT Ä')).not.toBe(h('SELECT ä'));
  });
});
