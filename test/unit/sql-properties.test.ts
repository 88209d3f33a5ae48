// Property tests: formatting never changes a verdict; any change of a literal or an identifier
// changes the statement hash.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decide, defaultPolicy } from '../../src/policy/index.js';
import { lex } from '../../src/sql/digest.js';
import { analyzePostgres } from '../../src/sql/postgres/analyze.js';
import { canonicalFromScan, loadPostgresParser } from '../../src/sql/postgres/parser.js';
import { POSTGRES_CORPUS } from '../fixtures/postgres-corpus.js';

const ctx = () => ({ dialect: 'postgres' as const });
const policy = defaultPolicy();

function judgement(sql: string): { rules: string[]; action: string } {
  const a = analyzePostgres(sql, ctx());
  return { rules: [...new Set(a.findings.map((f) => f.rule))].sort(), action: decide(a, policy).action };
}

const lexable = POSTGRES_CORPUS.filter((e) => e.sql.trim() !== '' && lex(e.sql, { dialect: 'postgres' }));
const GAPS = [
  ' ',
  '  ',
  '\n',
  '\t',
  ' /* note */ ',
  ' /* a /* nested */ b */ ',
  ' -- line comment\n',
  '\r\n  ',
];

/** Re-joins the statement's tokens with random whitespace/comments and random word case. */
function reformat(sql: string, gaps: number[], cases: boolean[]): string {
  const lexed = lex(sql, { dialect: 'postgres' })!;
  let out = '';
  for (let i = 0; i < lexed.starts.length; i++) {
    let token = sql.slice(lexed.starts[i], lexed.ends[i]);
    if (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(token)) {
      token = cases[i % cases.length] ? token.toUpperCase() : token.toLowerCase();
    }
    out += (i === 0 ? '' : GAPS[gaps[i % gaps.length]!]) + token;
  }
  return out;
}

beforeAll(async () => {
  await loadPostgresParser();
});

describe('verdicts do not depend on formatting', () => {
  it('survives added comments, whitespace and case changes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...lexable),
        fc.array(fc.integer({ min: 0, max: GAPS.length - 1 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        (entry, gaps, cases) => {
          const variant = reformat(entry.sql, gaps, cases);
          expect([variant, judgement(variant)]).toEqual([variant, judgement(entry.sql)]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('survives harmless parentheses around a WHERE condition or a whole SELECT', () => {
    const wheres = lexable.filter(
      (e) => /^(DELETE|UPDATE)\b[^;$]*\bWHERE\b/i.test(e.sql) && !/RETURNING|;|\$/i.test(e.sql),
    );
    const selects = lexable.filter((e) => /^SELECT\b/i.test(e.sql) && !/;|\bINTO\b|\$|--|\/\*/i.test(e.sql));
    expect(wheres.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(fc.constantFrom(...wheres), fc.integer({ min: 1, max: 3 }), (entry, depth) => {
        const variant = entry.sql.replace(
          /\bWHERE\b(.*)$/is,
          (_, cond: string) => `WHERE ${'('.repeat(depth)}${cond}${')'.repeat(depth)}`,
        );
        expect([variant, judgement(variant)]).toEqual([variant, judgement(entry.sql)]);
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...selects), (entry) => {
        const variant = `(${entry.sql})`;
        expect([variant, judgement(variant)]).toEqual([variant, judgement(entry.sql)]);
      }),
    );
  });
});

describe('the canonical hash', () => {
  const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
  const text = fc.string({ maxLength: 12 }).map((s) => s.replace(/'/g, "''"));

  it('changes when a literal or an identifier changes, and only then', () => {
    fc.assert(
      fc.property(ident, ident, fc.integer(), fc.integer(), text, text, (t1, t2, n1, n2, s1, s2) => {
        const sql = (t: string, n: number, s: string) => `SELECT * FROM ${t} WHERE a = ${n} AND b = '${s}'`;
        const h = (q: string) => analyzePostgres(q, ctx()).hash;
        const base = h(sql(t1, n1, s1));
        expect(h(sql(t2, n1, s1)) === base).toBe(t1 === t2);
        expect(h(sql(t1, n2, s1)) === base).toBe(n1 === n2);
        expect(h(sql(t1, n1, s2)) === base).toBe(s1 === s2);
        expect(h(`select  *  from ${t1}\n/* c */ where a=${n1} and b='${s1}'`)).toBe(base);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the digest lexer', () => {
  const PIECES = [
    'SELECT',
    'x',
    'Foo',
    'ÄB',
    '"Q""x"',
    "'a''b'",
    "'\\'",
    "E'\\''",
    "e'x\\\\'",
    '$$a;b$$',
    '$t$ $$ $t$',
    '$1',
    '/* c /* n */ */',
    '-- c\n',
    '1.5',
    '.5',
    '1e3',
    '0x1F',
    '1_000',
    '::',
    ':=',
    '<>',
    '<-',
    '@-',
    '+',
    '-',
    '*',
    '/',
    ';',
    '(',
    ')',
    ',',
    "U&'x'",
    'U&"y"',
    "N'z'",
    "B'01'",
    "X'ff'",
    'a$b',
    '||',
    '~~*',
    '!=',
    '>=',
    '=>',
    '..',
    '[',
    ']',
    '%',
    '^',
    '#',
    '.',
    ':',
    '!',
    '?',
    '&',
    '|',
    '~',
    '=',
    '<',
    '>',
  ];
  const SEPARATORS = ['', ' ', '\n', '  '];

  it('tokenizes like the server lexer (scanSync) on random token soup', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPARATORS)), { maxLength: 25 }),
        (parts) => {
          const sql = parts.map(([p, sep]) => p + sep).join('');
          const mine = lex(sql, { dialect: 'postgres' });
          let reference: string;
          try {
            reference = canonicalFromScan(sql);
          } catch {
            return; // the server lexer rejects it too: such text is reported unparseable
          }
          if (mine) expect([sql, mine.tokens.join(' ')]).toEqual([sql, reference]);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
