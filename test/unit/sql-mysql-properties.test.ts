import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeMysql } from '../../src/sql/mysql/analyze.js';
import { type Token, tokenize } from '../../src/sql/mysql/lexer.js';
import { lexFlags } from '../../src/sql/mysql/sql-mode.js';
import { corpus } from '../fixtures/mysql/corpus.js';

function rules(sql: string, sqlMode?: string): string[] {
  const a = analyzeMysql(sql, { dialect: 'mysql', ...(sqlMode !== undefined ? { sqlMode } : {}) });
  return [...new Set(a.findings.map((f) => f.rule))].sort();
}

function tokensOf(sql: string, mode?: string): Token[] | undefined {
  try {
    return tokenize(sql, lexFlags(mode));
  } catch {
    return undefined;
  }
}

// Each separator starts with whitespace, so it can never fuse with the token before it.
const separator = fc.constantFrom(' ', '\n', '\t ', '  /* c */ ', ' /**/', ' -- c\n', ' # c\n', '\r\n ');

function flipCase(word: string, mask: number): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    out += (mask >> (i % 30)) & 1 ? ch.toUpperCase() : ch.toLowerCase();
  }
  return out;
}

/**
 * Rebuilds `tokens` with the given separators between them and words in another case. Optimizer
 * hints are code and stay (a comment inside one would end it, so their words are only spaced).
 */
function respell(tokens: Token[], seps: string[], mask: number): string {
  let out = '';
  tokens.forEach((t, i) => {
    // 'user'@'host' must stay glued: a space would make the host a user variable.
    if (i > 0) out += t.kind === 'var' && !t.spaced ? '' : seps[i % seps.length]!;
    if (t.hint) out += `/*+ ${respell(t.hint, [' '], mask + i)} */ `;
    out += t.kind === 'word' ? flipCase(t.text, mask + i) : t.text;
  });
  return out;
}

const cases = corpus
  .filter((c) => c.sql.length < 2000)
  .map((c) => ({ ...c, tokens: tokensOf(c.sql, c.mode) }))
  .filter((c) => c.tokens !== undefined && c.tokens.length > 0);

describe('MySQL analysis properties', () => {
  it('comments, whitespace and letter case do not change the rules', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.array(separator, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (c, seps, mask) => {
          const variant = respell(c.tokens!, seps, mask);
          expect(rules(variant, c.mode), variant).toEqual(rules(c.sql, c.mode));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the canonical hash ignores layout but not literals or identifiers', () => {
    const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
    const text = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(
        ident,
        ident,
        fc.integer(),
        fc.integer(),
        text,
        text,
        separator,
        (t1, t2, n1, n2, s1, s2, sep) => {
          const sql = (t: string, n: number, s: string, gap = ' ') =>
            `SELECT *${gap}FROM \`${t}\` WHERE id =${gap}${n} AND name = '${s.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`;
          const hash = (q: string) => analyzeMysql(q, { dialect: 'mysql' }).hash;
          expect(hash(sql(t1, n1, s1, sep))).toBe(hash(sql(t1, n1, s1)));
          expect(hash(sql(t1, n1, s1)) === hash(sql(t2, n1, s1))).toBe(t1 === t2);
          expect(hash(sql(t1, n1, s1)) === hash(sql(t1, n2, s1))).toBe(n1 === n2);
          expect(hash(sql(t1, n1, s1)) === hash(sql(t1, n1, s2))).toBe(s1 === s2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws, and a DROP after any prefix is reported or the input is opaque', () => {
    const piece = fc.constantFrom(
      "'",
      '"',
      '`',
      '\\',
      ';',
      '-- ',
      '--',
      '#',
      '/*',
      '*/',
      '/*!',
      '/*!50000',
      '/*M!',
      ' ',
      '\n',
      'SELECT',
      'DROP',
      'TABLE',
      't',
      '1',
      'BEGIN',
      'NOT ATOMIC',
      'END',
      'IF',
      'THEN',
      'CASE',
      'WHEN',
      '(',
      ')',
      'CREATE PROCEDURE p()',
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW',
      'PREPARE s FROM',
      'EXECUTE s',
      'EXECUTE IMMEDIATE',
      '@s',
      'SET sql_mode =',
      "'ANSI_QUOTES'",
      "'NO_BACKSLASH_ESCAPES'",
      'CONCAT(',
      ',',
      'DELETE FROM t',
      'WHERE',
      '1=1',
      'LOOP',
      'REPEAT',
      'UNTIL',
      'WHILE',
      'DO',
      'l1:',
      'DECLARE',
      'HANDLER FOR',
      'FOR',
      'ELSE',
      'RETURN',
      'CALL p()',
      'EXPLAIN ANALYZE',
      'SET STATEMENT x = 1 FOR',
      'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO',
      'DEFINER = root',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.constantFrom('', 'ANSI_QUOTES', 'NO_BACKSLASH_ESCAPES', 'GUARDRAIL_UNKNOWN_SQL_MODE'),
        (pieces, sqlMode) => {
          const sql = `${pieces.join(' ')}\n;DROP TABLE zzz`;
          const a = analyzeMysql(sql, { dialect: 'mysql', sqlMode });
          const caught = a.findings.some(
            (f) => f.rule === 'destructive/drop-table' || f.category === 'opaque',
          );
          expect(caught, sql).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a WHERE made of constants is judged by its value, however it is parenthesised', () => {
    type Expr = { sql: string; value: boolean };
    const atom = fc.constantFrom<Expr>(
      { sql: '1 = 1', value: true },
      { sql: '1 = 0', value: false },
      { sql: "'a' = 'a'", value: true },
      { sql: "'a' <> 'a'", value: false },
      { sql: 'TRUE', value: true },
      { sql: 'FALSE', value: false },
      { sql: '2 > 1', value: true },
      { sql: '1 IN (2, 3)', value: false },
    );
    const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        tie('e').map((e) => ({ sql: `(${e.sql})`, value: e.value })),
        tie('e').map((e) => ({ sql: `NOT (${e.sql})`, value: !e.value })),
        fc
          .tuple(tie('e'), tie('e'))
          .map(([a, b]) => ({ sql: `(${a.sql}) AND (${b.sql})`, value: a.value && b.value })),
        fc
          .tuple(tie('e'), tie('e'))
          .map(([a, b]) => ({ sql: `(${a.sql}) OR (${b.sql})`, value: a.value || b.value })),
      ),
    })).e;
    fc.assert(
      fc.property(expr, fc.constantFrom('DELETE FROM t WHERE ', 'UPDATE t SET a = 1 WHERE '), (e, head) => {
        const found = rules(head + e.sql);
        const rule = head.startsWith('DELETE')
          ? 'destructive/delete-without-where'
          : 'destructive/update-without-where';
        expect(found, head + e.sql).toEqual(e.value ? [rule] : []);
      }),
      { numRuns: 300 },
    );
  });
});
