// What a MySQL statement reaches (the routines it calls, the relations it touches) is remembered
// by template: a text differing from one already seen only in simple literals is not lexed again.
// Served or lexed, the answer must be what lexing the text itself gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callsIn } from '../../src/sql/mysql/calls.js';
import { mysqlReached, throughViews, touchedRelations } from '../../src/sql/mysql/fired.js';
import { tokenize } from '../../src/sql/mysql/lexer.js';
import { lexFlags } from '../../src/sql/mysql/sql-mode.js';
import type { AnalysisContext } from '../../src/sql/types.js';

const ctx = (sqlMode?: string): AnalysisContext => ({ dialect: 'mysql', ...(sqlMode ? { sqlMode } : {}) });

/** Lexing the text itself, as mysqlReached did before it remembered anything. */
function lexed(text: string, sqlMode?: string): { calls: string[]; relations: string[] } {
  let tokens: ReturnType<typeof tokenize> = [];
  try {
    tokens = tokenize(text, lexFlags(sqlMode));
  } catch {
    // refused by the lexer: reaches nothing
  }
  return {
    calls: callsIn(tokens).map((c) => `${c.schema ?? ''}.${c.name}`),
    relations: throughViews(touchedRelations(tokens), undefined).map((t) => t.table),
  };
}

function reached(text: string, sqlMode?: string): { calls: string[]; relations: string[] } {
  const r = mysqlReached(text, ctx(sqlMode));
  return { calls: r.calls.map((c) => `${c.schema ?? ''}.${c.name}`), relations: r.relations };
}

describe('mysqlReached by template', () => {
  it('serves a text that differs only in literals, and lexes one that differs elsewhere', () => {
    expect(reached("SELECT f(1), 'a' FROM t1 WHERE id = 1")).toEqual({ calls: ['.f'], relations: ['t1'] });
    expect(reached("SELECT f(22), 'bb' FROM t1 WHERE id = 333")).toEqual({
      calls: ['.f'],
      relations: ['t1'],
    });
    // Near misses: another function, another table, at the same literals.
    expect(reached("SELECT g(1), 'a' FROM t1 WHERE id = 1")).toEqual({ calls: ['.g'], relations: ['t1'] });
    expect(reached("SELECT f(1), 'a' FROM t2 WHERE id = 1")).toEqual({ calls: ['.f'], relations: ['t2'] });
    // A literal that is not a slot (a longer number, a string with a quote) is compared as text.
    expect(reached("SELECT f(1234567890), 'a''b' FROM t1 WHERE id = 1")).toEqual({
      calls: ['.f'],
      relations: ['t1'],
    });
  });

  it('keeps texts lexed under different sql_modes apart', () => {
    const text = 'INSERT INTO "t9" VALUES (1)';
    // A string to the default lexing, a table under ANSI_QUOTES: in either order.
    for (let round = 0; round < 2; round++) {
      expect(reached(text).relations).toEqual([]);
      expect(reached(text, 'ANSI_QUOTES').relations).toEqual(['t9']);
      expect(reached('INSERT INTO "t9" VALUES (2)', 'ANSI_QUOTES').relations).toEqual(['t9']);
      expect(reached('INSERT INTO "t9" VALUES (2)').relations).toEqual([]);
    }
  });

  it('gives what lexing the text gives, for texts built on templates already seen', () => {
    const shapes = [
      (a: string, _b: string) => `SELECT c FROM sbtest${a.length % 4} WHERE id=${a}`,
      (a: string, b: string) => `UPDATE t SET c = '${b}' WHERE id = ${a}`,
      (a: string, b: string) => `INSERT INTO log (a, b) VALUES (${a}, '${b}'), (${a}, NULL)`,
      (a: string, b: string) => `SELECT ${b === '' ? 'f' : 'g'}(${a}) FROM v${a}x JOIN w ON w.id = ${a}`,
      (a: string, b: string) => `CALL p(${a}, '${b}')`,
      (a: string, b: string) => `/*!50000 DELETE FROM t${b.length} */ WHERE id IN (${a}, '${b}')`,
      (a: string, b: string) => `SELECT '${b}' "x" FROM t WHERE id = ${a}`,
    ];
    const digits = fc.stringMatching(/^[0-9]{1,12}$/);
    const chars = fc.stringMatching(/^[a-z '\\"]{0,6}$/);
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes.keys()),
        digits,
        chars,
        fc.constantFrom(undefined, 'ANSI_QUOTES', 'NO_BACKSLASH_ESCAPES'),
        (k, a, b, mode) => {
          const text = shapes[k]!(a, b);
          expect(reached(text, mode)).toEqual(lexed(text, mode));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('touchedRelations', () => {
  const events = (text: string) =>
    Object.fromEntries(
      touchedRelations(tokenize(text, lexFlags(''))).map((t) => [t.table, [...t.events].sort().join('')]),
    );

  it('counts every table of a multi-table write as written, and only its references', () => {
    expect(events('UPDATE a JOIN b ON a.id = b.id SET b.x = 1 WHERE a.y = 2')).toEqual({ a: 'u', b: 'su' });
    expect(events('UPDATE LOW_PRIORITY a, b AS bb SET a.x = bb.x')).toEqual({ a: 'u', b: 'u' });
    expect(events('DELETE a, b FROM a JOIN b ON a.id = b.id WHERE a.y = 2')).toEqual({ a: 'ds', b: 'ds' });
    expect(events('DELETE FROM a USING a JOIN b ON a.id = b.id')).toEqual({ a: 'ds', b: 'ds' });
    expect(events('DELETE a.* FROM a LEFT OUTER JOIN b ON a.id = b.id')).toEqual({ a: 'ds', b: 'ds' });
    // Parenthesised and braced table references are table references.
    expect(events('UPDATE a JOIN (b) ON 1 SET b.x = 1')).toMatchObject({
      a: 'u',
      b: expect.stringContaining('u'),
    });
    expect(events('UPDATE (a JOIN b ON 1) SET b.x = 1')).toMatchObject({
      a: 'u',
      b: expect.stringContaining('u'),
    });
    expect(events('UPDATE { OJ a LEFT OUTER JOIN b ON 1 } SET b.x = 1')).toMatchObject({
      a: 'u',
      b: expect.stringContaining('u'),
    });
    // A subquery reads; SELECT … FOR UPDATE locks and writes nothing.
    expect(events('UPDATE a SET x = (SELECT y FROM c) WHERE id = 1')).toEqual({ a: 'u', c: 's' });
    expect(events('DELETE FROM a WHERE id IN (SELECT id FROM c)')).toEqual({ a: 'ds', c: 's' });
    expect(events('SELECT * FROM a FOR UPDATE')).toEqual({ a: 's' });
  });

  it('counts the rows LOAD DATA … REPLACE replaces as deleted', () => {
    expect(events("LOAD DATA INFILE 'f.csv' REPLACE INTO TABLE p")).toEqual({ p: 'di' });
  });
});
