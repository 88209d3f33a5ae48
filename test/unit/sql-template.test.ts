// Text templates (src/sql/template.ts): a text that matches a template must lex exactly as the
// lexer lexes it, and be analysed exactly as a cold analysis does, for any values in its slots —
// including values that look like comments, quotes, dollar quotes or statement ends — and no text
// that lexes differently (another kind of literal, an escape string, a longer number) may match.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analyze, clearAnalysisCaches, mysqlTemplateHits } from '../../src/sql/analyze.js';
import { scan } from '../../src/sql/digest.js';
import { analyzeMysql } from '../../src/sql/mysql/analyze.js';
import type { MysqlAnalysisContext } from '../../src/sql/mysql/session.js';
import { analysisCacheStats, analysisTemplateHits, analyzePostgres } from '../../src/sql/postgres/analyze.js';
import { type Lexing, lexedFrom, lexingTemplate } from '../../src/sql/postgres/lexing-template.js';
import { loadPostgresParser } from '../../src/sql/postgres/parser.js';
import { postgresState } from '../../src/sql/postgres/state.js';
import { match, NUMBER, skeleton, type Template } from '../../src/sql/template.js';
import type { AnalysisContext } from '../../src/sql/types.js';
import { corpus } from '../fixtures/mysql/corpus.js';
import { POSTGRES_CORPUS } from '../fixtures/postgres-corpus.js';

/** Slot values chosen to break a careless matcher: lexer-significant text inside strings. */
const STRINGS = [
  '',
  'x',
  '--',
  '/*',
  '*/',
  '/*!50000 DROP TABLE t */',
  '$$',
  '$a$',
  '"',
  '`',
  ';',
  '; DROP TABLE users; --',
  '\n',
  ' \n ',
  'é😀€',
  '?',
  '$1',
  '%',
  'E',
  'U&',
];
const NUMBERS = ['0', '00', '7', '42', '123456789', '999999999', '0001'];

/** A deterministic pseudo-random sequence. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function pick<T>(list: readonly T[], r: () => number): T {
  return list[Math.floor(r() * list.length)]!;
}

/** A text of template `t` with values from the lists in its slots. */
function instance(t: Template<unknown>, r: () => number): string {
  let out = t.segments[0]!;
  t.kinds.forEach((kind, k) => {
    out += kind === NUMBER ? pick(NUMBERS, r) : `'${pick(STRINGS, r)}'`;
    out += t.segments[k + 1]!;
  });
  return out;
}

/** A text of template `t` whose slots hold new values as long as those of `text` (which matched it). */
function sameLengths(t: Template<unknown>, text: string, r: () => number): string {
  const bounds: number[] = [];
  expect(match(t, text, bounds)).toBe(true);
  const chars = ['-', '/', '*', '$', ';', '\n', 'é', 'x', '?', ' '];
  let out = t.segments[0]!;
  t.kinds.forEach((kind, k) => {
    const length = bounds[2 * k + 1]! - bounds[2 * k]!;
    out +=
      kind === NUMBER
        ? Array.from({ length }, () => String(Math.floor(r() * 10))).join('')
        : `'${Array.from({ length: length - 2 }, () => pick(chars, r)).join('')}'`;
    out += t.segments[k + 1]!;
  });
  return out;
}

const PG_EXTRA = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = 1;',
  "SELECT u.id FROM users u WHERE u.id = 42 AND o.status IN ('paid', 'shipped') LIMIT 50",
  "DELETE FROM users WHERE id = 3; SELECT 'x' AS a, 12.5 AS b;\nDROP TABLE t",
  "SELECT $$ a = 5 $$, 6, E'\\x41', 7, U&'\\0041' UESCAPE '!', 8 /* 9 */ -- 10\n, 11",
  "SELECT 'a'\n'b', 'c' 'd', 5, x'1F', b'01', n'e', 1e5, 1.5, 0x1F, 1_000, 12",
  "SELECT * FROM t WHERE a = 'x' AND b = 5::int AND c = $1 AND d = 5--\n",
  'SELECT łódź, "Ωmega" FROM t /* ✓ */ WHERE a = \'😀€\' AND b = 2',
];

beforeAll(async () => {
  await loadPostgresParser();
});

describe('Postgres lexing by template', () => {
  for (const scs of [true, false]) {
    it(`gives what lexing gives, for any values in the slots (standard_conforming_strings ${scs ? 'on' : 'off'})`, () => {
      const r = rng(scs ? 7 : 11);
      let templates = 0;
      for (const base of [...PG_EXTRA, ...POSTGRES_CORPUS.map((e) => e.sql)]) {
        const scanned = scan(base, { dialect: 'postgres', standardConformingStrings: scs });
        const t = scanned && lexingTemplate(base, scanned);
        if (!t) continue;
        templates++;
        const bounds: number[] = [];
        expect(match(t, base, bounds)).toBe(true);
        expect(lexedFrom(t, base, bounds)).toEqual(scanned);
        for (let i = 0; i < 8; i++) {
          const text = instance(t, r);
          expect([text, match(t, text, bounds)]).toEqual([text, true]);
          expect(skeleton(text)).toBe(skeleton(base));
          const lexed = scan(text, { dialect: 'postgres', standardConformingStrings: scs });
          expect([text, lexedFrom(t, text, bounds)]).toEqual([text, lexed]);
        }
      }
      expect(templates).toBeGreaterThan(100);
    });
  }

  it('matches no text that lexes otherwise, however it is changed', () => {
    // Characters that change how a neighbouring literal lexes.
    const inserts = ['.', 'e', 'E', 'x', '_', '$', "'", '\\', '-', '/', '*', '\n', '0', 'a', '"', ' ', '::'];
    const r = rng(3);
    let matched = 0;
    let tried = 0;
    for (const base of [...PG_EXTRA, ...POSTGRES_CORPUS.map((e) => e.sql)]) {
      const scanned = scan(base, { dialect: 'postgres' });
      const t = scanned && lexingTemplate(base, scanned);
      if (!t) continue;
      for (let i = 0; i < 12; i++) {
        const text = instance(t, r);
        const at = Math.floor(r() * (text.length + 1));
        const changed = text.slice(0, at) + pick(inserts, r) + text.slice(at);
        const bounds: number[] = [];
        tried++;
        if (!match(t, changed, bounds)) continue;
        matched++;
        expect([changed, lexedFrom(t, changed, bounds)]).toEqual([
          changed,
          scan(changed, { dialect: 'postgres' }),
        ]);
      }
    }
    // Some changes land inside a slot and still match (a longer number, a string's content).
    expect(matched).toBeGreaterThan(20);
    expect(matched).toBeLessThan(tried);
  });

  it('makes no slot of a literal whose prefix or neighbours decide how it lexes', () => {
    const slots = (text: string) => {
      const scanned = scan(text, { dialect: 'postgres' })!;
      const t: Template<Lexing> | undefined = lexingTemplate(text, scanned);
      return t ? t.kinds.length : 0;
    };
    for (const text of [
      "SELECT E'a'",
      "SELECT U&'a'",
      "SELECT N'a'",
      "SELECT B'01'",
      "SELECT X'1F'",
      'SELECT $$a$$',
      'SELECT $1',
      'SELECT 1.5',
      'SELECT .5',
      'SELECT 1e5',
      'SELECT 0x1F',
      'SELECT 1_000',
      "SELECT 'it''s'",
      "SELECT 'a\\'",
      "SELECT 'a'\n'b'",
      'SELECT -5',
      'SELECT t.5',
    ])
      expect([text, slots(text)]).toEqual([text, 0]);
    expect(slots("SELECT 5, '5', (5), a=5, a<'5', a>5")).toBe(6);
  });

  it("will not take an escape string, a longer number or another literal's kind for a slot", () => {
    const base = "SELECT * FROM t WHERE a = 5 AND b = 'x'";
    const t = lexingTemplate(base, scan(base, { dialect: 'postgres' })!)!;
    const bounds: number[] = [];
    for (const text of [
      "SELECT * FROM t WHERE a = 5.5 AND b = 'x'",
      "SELECT * FROM t WHERE a = 5e3 AND b = 'x'",
      "SELECT * FROM t WHERE a = 0x1F AND b = 'x'",
      "SELECT * FROM t WHERE a = 1_000 AND b = 'x'",
      "SELECT * FROM t WHERE a = 'x' AND b = 'x'",
      "SELECT * FROM t WHERE a = 5 AND b = E'x'",
      "SELECT * FROM t WHERE a = 5 AND b = 'x''y'",
      "SELECT * FROM t WHERE a = 5 AND b = 'x\\'",
      "SELECT * FROM t WHERE a = 5 AND b = 'x' 'y'",
      "SELECT * FROM t WHERE a = 5 AND b = 'x'\n'y'",
      'SELECT * FROM t WHERE a = 5 AND b = $$x$$',
      "SELECT * FROM t WHERE a = 5 AND b = 'x';",
      // Too large for an integer: the server lexes it as a float.
      "SELECT * FROM t WHERE a = 9999999999 AND b = 'x'",
    ])
      expect([text, match(t, text, bounds)]).toEqual([text, false]);
  });

  it('gives texts whose literals lex as other tokens, or decide whether they parse, digests of their own', () => {
    const digest = (text: string) => scan(text, { dialect: 'postgres' })?.digest;
    // FETCH takes an integer: a number too large for one is a float, and a syntax error there.
    expect(digest('FETCH 2147483647 FROM c')).toBe('fetch ? from c');
    expect(digest('FETCH 2147483648 FROM c')).toBe('fetch ?. from c');
    expect(digest('FETCH 0x7FFFFFFF FROM c')).toBe('fetch ? from c');
    expect(digest('FETCH 0x80000000 FROM c')).toBe('fetch ?. from c');
    expect(digest('FETCH 1_000 FROM c')).toBe('fetch ? from c');
    expect(digest('SELECT 1.5, 1e5, 1e, 15')).toBe('select ?. , ?. , ? e , ?');
    // The UESCAPE character decides whether the string before it parses at all.
    expect(digest("SELECT U&'d!0061t' UESCAPE '!'")).toBe("select ? uescape '!'");
    expect(digest("SELECT U&'d!0061t' UESCAPE ''")).toBe("select ? uescape ''");
  });
});

describe('Postgres analysis by template', () => {
  beforeEach(() => clearAnalysisCaches());

  for (const scs of [true, false]) {
    it(`gives every text of a template its cold analysis (standard_conforming_strings ${scs ? 'on' : 'off'})`, () => {
      const ctx = (): AnalysisContext => ({
        dialect: 'postgres',
        postgres: postgresState({ standardConformingStrings: scs }),
      });
      const r = rng(scs ? 5 : 9);
      let served = 0;
      for (const base of [...PG_EXTRA, ...POSTGRES_CORPUS.map((e) => e.sql)]) {
        const scanned = scan(base, { dialect: 'postgres', standardConformingStrings: scs });
        const t = scanned && lexingTemplate(base, scanned);
        if (!t) continue;
        const texts = [base, ...Array.from({ length: 4 }, () => instance(t, r))];
        clearAnalysisCaches();
        const warm = texts.map((text) => analyzePostgres(text, ctx()));
        served += analysisTemplateHits();
        texts.forEach((text, i) => {
          clearAnalysisCaches();
          expect([text, warm[i]]).toEqual([text, analyzePostgres(text, ctx())]);
        });
      }
      // Most shapes are cached (the rest read a literal's value): their later texts match.
      expect(served).toBeGreaterThan(150);
    });
  }

  it('gives texts whose values keep their lengths their cold analysis (they share token positions)', () => {
    const ctx = (): AnalysisContext => ({ dialect: 'postgres' });
    const r = rng(13);
    let served = 0;
    for (const base of [...PG_EXTRA, ...POSTGRES_CORPUS.map((e) => e.sql)]) {
      const scanned = scan(base, { dialect: 'postgres' });
      const t = scanned && lexingTemplate(base, scanned);
      if (!t) continue;
      const first = instance(t, r);
      const texts = [base, first, ...Array.from({ length: 4 }, () => sameLengths(t, first, r))];
      clearAnalysisCaches();
      const warm = texts.map((text) => analyzePostgres(text, ctx()));
      served += analysisTemplateHits();
      texts.forEach((text, i) => {
        clearAnalysisCaches();
        expect([text, warm[i]]).toEqual([text, analyzePostgres(text, ctx())]);
      });
    }
    expect(served).toBeGreaterThan(250);
  });

  it('keeps a text in the exact-text cache from its second sighting on', () => {
    const ctx: AnalysisContext = { dialect: 'postgres' };
    // A literal decides this one (a WHERE of literals alone), so it is parsed every time it is new.
    const text = (i: number) => `DELETE FROM t WHERE ${i} = ${i}`;
    for (let i = 0; i < 300; i++) analyzePostgres(text(i), ctx);
    expect(analysisCacheStats()).toEqual({ exactHits: 0, shapeHits: 0, parses: 300 });
    // Seen once and no longer among the recent entries: parsed again, and kept from now on.
    const again = analyzePostgres(text(0), ctx);
    expect(analysisCacheStats()).toEqual({ exactHits: 0, shapeHits: 0, parses: 301 });
    expect(analyzePostgres(text(0), ctx)).toEqual(again);
    // The last ones are recent.
    analyzePostgres(text(299), ctx);
    expect(analysisCacheStats()).toEqual({ exactHits: 2, shapeHits: 0, parses: 301 });
    expect(again.findings.map((f) => f.rule)).toContain('destructive/delete-without-where');
  });
});

describe('MySQL analysis by template', () => {
  beforeEach(() => clearAnalysisCaches());

  const contexts: [string, () => MysqlAnalysisContext][] = [
    ['default', () => ({ dialect: 'mysql' })],
    ['STRICT_TRANS_TABLES', () => ({ dialect: 'mysql', sqlMode: 'STRICT_TRANS_TABLES' })],
    ['ANSI_QUOTES', () => ({ dialect: 'mysql', sqlMode: 'ANSI_QUOTES' })],
    ['NO_BACKSLASH_ESCAPES', () => ({ dialect: 'mysql', sqlMode: 'NO_BACKSLASH_ESCAPES' })],
    [
      'MariaDB 10.11',
      () => ({ dialect: 'mysql', sqlMode: '', server: { flavour: 'mariadb', version: 101100 } }),
    ],
    ['MySQL 8.0', () => ({ dialect: 'mysql', sqlMode: '', server: { flavour: 'mysql', version: 80036 } })],
  ];
  const bases = [
    'SELECT c FROM sbtest1 WHERE id=1',
    "SELECT /*!50000 c, */ d FROM t WHERE id = 5 AND e = 'x'",
    "SELECT c FROM t WHERE id = 5 /*!99999 OR 1 = 1 */ AND e = 'x'",
    "SELECT c FROM t /*!50700 WHERE id = 5 */ AND e = 'x'",
    "SELECT 'a' 'b', 5 FROM t WHERE u = 'x'@'y'",
    "SELECT \"a\", `b`, 5 FROM t WHERE c = _utf8mb4'x' AND d = N'y' AND e = X'1F' AND f = 'z'",
    'UPDATE sbtest1 SET k=k+1 WHERE id=7',
    "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')",
    "DELETE FROM t WHERE id = 5 AND name = 'x'",
    "SELECT c FROM t WHERE id = 5 -- '\n AND e = 'x'",
    "SELECT c FROM t WHERE id = 5 # '\n AND e = 'x'",
    ...corpus.filter((c) => !c.mode).map((c) => c.sql),
  ];

  for (const [name, ctx] of contexts) {
    it(`gives every text of a template its cold analysis (${name})`, () => {
      const r = rng(name.length);
      let tried = 0;
      let served = 0;
      for (const base of bases) {
        const scanned = scan(base, { dialect: 'postgres' });
        // Postgres' lexer finds the slots' values for the generator; MySQL's own decides the rest.
        const t = scanned && lexingTemplate(base, scanned);
        if (!t) continue;
        const texts = [base, base, ...Array.from({ length: 4 }, () => instance(t, r))];
        clearAnalysisCaches();
        for (const text of texts)
          expect([text, analyze(text, ctx())]).toEqual([text, analyzeMysql(text, ctx())]);
        served += mysqlTemplateHits();
        tried++;
      }
      expect(tried).toBeGreaterThan(50);
      // Under these two modes MySQL lexes otherwise: no shape is kept, so no template either.
      if (name === 'ANSI_QUOTES' || name === 'NO_BACKSLASH_ESCAPES') expect(served).toBe(0);
      else expect(served).toBeGreaterThan(40);
    });
  }

  it('serves new values of a by-key query and UPDATE without lexing them', () => {
    const ctx: MysqlAnalysisContext = { dialect: 'mysql', sqlMode: '' };
    for (let i = 0; i < 10; i++) {
      const text = `SELECT c FROM sbtest1 WHERE id=${i * 997}`;
      expect(analyze(text, ctx)).toEqual(analyzeMysql(text, ctx));
    }
    // The first is analysed in full, the second lexed for its shape; the rest match its template.
    expect(mysqlTemplateHits()).toBe(8);
  });
});
