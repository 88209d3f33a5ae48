// What a statement may change in the catalog, as names, and which judgements such a change holds
// up (the catalog barrier's unit of waiting): a change names what it may alter, unless its effect
// reaches objects it does not name, and then it is scoped to everything.
import { beforeAll, describe, expect, it } from 'vitest';
import { type ChangeScope, catalogChange, reachedNames, touches } from '../../src/gateway/catalog-scope.js';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';
import type { Dialect } from '../../src/sql/types.js';

beforeAll(loadAnalyzers);

const scopeOf = (text: string, code: string[] = [], dialect: Dialect = 'postgres') => {
  const scope = catalogChange(analyze(text, { dialect }), text, code, { dialect });
  return scope instanceof Set ? [...scope].sort() : scope;
};

describe('catalogChange', () => {
  it.each([
    ['INSERT INTO t VALUES (1)', []],
    ['UPDATE t SET a = 1 WHERE id = 2', ['BEGIN INSERT INTO audit VALUES (NEW.id); RETURN NEW; END']],
    ['SELECT * FROM t', []],
    ['CALL p()', ['BEGIN UPDATE t SET a = 1 WHERE id = 1; END']],
    ['COMMIT', []],
    ['ROLLBACK', []],
  ])('%s (reaching %j) changes nothing', (text, code) => {
    expect(scopeOf(text, code)).toBeUndefined();
  });

  it.each([
    [
      'CREATE TRIGGER x AFTER INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION f()',
      [
        'after',
        'create',
        'each',
        'execute',
        'f',
        'for',
        'function',
        'insert',
        'on',
        'row',
        's',
        't',
        'trigger',
        'x',
      ],
    ],
    [
      'ALTER TABLE "Dot.Ted" ADD COLUMN c int DEFAULT 0',
      ['add', 'alter', 'c', 'column', 'default', 'dot.ted', 'int', 'table'],
    ],
    ['CREATE POLICY p ON t USING (true)', ['create', 'on', 'p', 'policy', 't', 'true', 'using']],
    [
      'CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT g() $$',
      ['as', 'create', 'f', 'function', 'g', 'int', 'language', 'or', 'replace', 'returns', 'select', 'sql'],
    ],
    ['ALTER TABLE a RENAME TO b', ['a', 'alter', 'b', 'rename', 'table', 'to']],
  ])('%s names what it alters', (text, names) => {
    expect(scopeOf(text)).toEqual(names);
  });

  it("reads names with the server's lexer: a quote in a comment does not pair with one in a string", () => {
    expect(
      scopeOf(`CREATE TRIGGER w AFTER INSERT /* " */ ON wrapped_t FOR EACH ROW EXECUTE FUNCTION f('"')`),
    ).toContain('wrapped_t');
    expect(
      scopeOf("CREATE TRIGGER w AFTER INSERT ON t /* ` */ FOR EACH ROW SET @a = '`'", [], 'mysql'),
    ).toContain('t');
  });

  it('matches a quoted name with dots or spaces to the way the analyzer writes what a statement reached', () => {
    const t = 'CREATE TRIGGER x AFTER INSERT ON "c d" FOR EACH ROW EXECUTE FUNCTION f()';
    const scope = catalogChange(analyze(t, { dialect: 'postgres' }), t, [], { dialect: 'postgres' })!;
    expect(touches(scope, { relations: ['a.b.c d'], calls: [] })).toBe(true);
    expect(touches(scope, { relations: ['a.b.c'], calls: [] })).toBe(false);
  });

  it('names what a MySQL RENAME TABLE and a trigger with a definer alter', () => {
    expect(scopeOf('RENAME TABLE a TO b, c TO `a`', [], 'mysql')).toEqual([
      'a',
      'b',
      'c',
      'rename',
      'table',
      'to',
    ]);
    expect(
      scopeOf('CREATE DEFINER=`u`@`%` TRIGGER x AFTER INSERT ON t FOR EACH ROW SET @a = 1', [], 'mysql'),
    ).toContain('t');
  });

  it.each([
    // Code that may change the catalog, through dynamic SQL or DDL in a body it reaches.
    ['INSERT INTO t VALUES (1)', ['BEGIN EXECUTE q; RETURN NEW; END']],
    ['SELECT f()', ['BEGIN CREATE TRIGGER y AFTER INSERT ON u FOR EACH ROW EXECUTE FUNCTION g(); END']],
    ["SELECT query_to_xml('CREATE TABLE x ()', true, false, '')", []],
    // Changes whose effect reaches objects they do not name.
    ['CREATE SCHEMA s', []],
    ['ALTER DOMAIN d ADD CONSTRAINT c CHECK (f(VALUE))', []],
    ['GRANT admin TO app', []],
    ['CREATE EXTENSION hstore', []],
    ['DO $$ BEGIN PERFORM 1; END $$', []],
    ['SET search_path = s, public', []],
    // A prepared transaction's DDL becomes visible when it is committed, from any session.
    ["COMMIT PREPARED 'migration'", []],
    ["ROLLBACK PREPARED 'migration'", []],
    // A named change next to a data statement that may change the catalog.
    ["CREATE TABLE x (a int); SELECT query_to_xml('DROP TABLE y', true, false, '')", []],
    ['SELEC broken', []],
    // A name spelled with Unicode escapes: its letters are not its name.
    ['CREATE TRIGGER x AFTER INSERT ON U&"\\0074" FOR EACH ROW EXECUTE FUNCTION f()', []],
  ])('%s (reaching %j) may change anything', (text, code) => {
    expect(scopeOf(text, code)).toBe('all');
  });
});

describe('touches', () => {
  const scope: ChangeScope = new Set(['t', 'f', 'dot.ted']);
  it.each([
    [{ relations: ['public.t'], calls: [] }, true],
    [{ relations: ['"Dot.Ted"'], calls: [] }, true],
    [{ relations: ['app.`t`'], calls: [] }, true],
    [{ relations: ['u'], calls: [{ name: 'F' }] }, true],
    [{ relations: ['t_history'], calls: [{ name: 'g' }] }, false],
    [{ relations: ['ted'], calls: [] }, false],
  ])('%j: %s', (r, expected) => {
    expect(touches(scope, r)).toBe(expected);
    expect(touches('all', r)).toBe(true);
  });

  it('reads the last part of a relation name, quoted or not', () => {
    expect(reachedNames({ relations: ['s.T', '"a"."b.c"', '`x`.`y``z`'], calls: [{ name: 'Fn' }] })).toEqual([
      't',
      'b.c',
      'y`z',
      'fn',
    ]);
  });
});
