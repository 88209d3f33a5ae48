// The shape cache must be invisible: a statement analysed from a cached shape (same tokens, new
// literals) gives exactly the analysis a cold parse of the same text gives — findings, locations,
// offsets, canonical forms and hashes.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { lex } from '../../src/sql/digest.js';
import {
  analysisCacheStats,
  analyzePostgres,
  calledFunctions,
  clearAnalysisCaches,
} from '../../src/sql/postgres/analyze.js';
import { canonicalFromScan, loadPostgresParser } from '../../src/sql/postgres/parser.js';
import { postgresState } from '../../src/sql/postgres/state.js';
import type { Analysis, AnalysisContext } from '../../src/sql/types.js';
import { POSTGRES_CORPUS } from '../fixtures/postgres-corpus.js';

const PGBENCH = 'SELECT abalance FROM pgbench_accounts WHERE aid = 1;';
const EXTRA = [
  PGBENCH,
  'UPDATE pgbench_accounts SET abalance = abalance + 5 WHERE aid = 7',
  "SELECT u.id, u.email FROM users u\n  JOIN orders o ON o.user_id = u.id\n  WHERE u.id = 42 AND o.status IN ('paid', 'shipped') LIMIT 50",
  "DELETE FROM users WHERE id = 3; SELECT 'x' AS a, 12.5 AS b;\nDROP TABLE t",
  "SELECT 1 FROM t WHERE a = 'ÄÖ' AND b = 0x1F AND c = 1e3",
  // Beyond Latin-1: identifiers, a quoted identifier, a literal with a surrogate pair, a comment.
  'SELECT łódź, "Ωmega" FROM t /* ✓ */ WHERE a = \'😀€\' AND b = 2',
];

const INTEGER = /^[0-9]+$/;
const DECIMAL = /^[0-9]*\.[0-9]+$/;
const PLAIN_STRING = /^'[^'\\\n]*'$/;

/**
 * `sql` with its numeric and plain string literals replaced (values of other lengths, so
 * positions after them move); undefined when it has no such literal.
 */
function vary(sql: string, seed: number): string | undefined {
  const lexed = lex(sql, { dialect: 'postgres' });
  if (!lexed) return undefined;
  let out = '';
  let from = 0;
  let changed = false;
  for (let i = 0; i < lexed.starts.length; i++) {
    const token = sql.slice(lexed.starts[i], lexed.ends[i]);
    let replacement: string | undefined;
    if (INTEGER.test(token)) replacement = String(Number(token) * 1000 + seed);
    else if (DECIMAL.test(token)) replacement = `${seed}.${seed * 7}`;
    else if (PLAIN_STRING.test(token))
      replacement = `'v${seed}\n${'é€'.repeat(seed % 3)}${token.slice(1, -1)}'`;
    if (replacement === undefined) continue;
    out += sql.slice(from, lexed.starts[i]) + replacement;
    from = lexed.ends[i]!;
    changed = true;
  }
  return changed ? out + sql.slice(from) : undefined;
}

function analyze(sql: string, standardConformingStrings: boolean): Analysis {
  const ctx: AnalysisContext = {
    dialect: 'postgres',
    postgres: postgresState({ standardConformingStrings }),
  };
  return analyzePostgres(sql, ctx);
}

const bases = [...EXTRA, ...POSTGRES_CORPUS.map((e) => e.sql)];
const cases = bases.flatMap((base) =>
  [1, 2, 3].map((seed) => ({ base, variant: vary(base, seed) })).filter((c) => c.variant !== undefined),
) as { base: string; variant: string }[];

beforeAll(async () => {
  await loadPostgresParser();
});

describe('Postgres shape cache', () => {
  it('varies literals in a few hundred corpus statements', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  for (const scs of [true, false]) {
    it(`gives a statement of a cached shape exactly its cold analysis (standard_conforming_strings ${scs ? 'on' : 'off'})`, () => {
      let shapeHits = 0;
      for (const { base, variant } of cases) {
        clearAnalysisCaches();
        analyze(base, scs);
        const fromShape = analyze(variant, scs);
        shapeHits += analysisCacheStats().shapeHits;
        clearAnalysisCaches();
        const cold = analyze(variant, scs);
        expect(analysisCacheStats()).toEqual({ exactHits: 0, shapeHits: 0, parses: 1 });
        expect([variant, fromShape]).toEqual([variant, cold]);
      }
      // Most of them really come from the cache (the rest read a literal's value, or do not
      // parse, and are parsed again).
      expect(shapeHits).toBeGreaterThan(cases.length / 3);
    });
  }

  it("never reuses a shape whose findings name a literal's value", () => {
    const pairs = [
      ["SET SESSION AUTHORIZATION 'app'", "SET SESSION AUTHORIZATION 'postgres'", 'postgres'],
      ["LOAD 'safe.so'", "LOAD 'evil.so'", 'evil.so'],
      ["SELECT 1; LOAD E'safe.so'", "SELECT 2; LOAD E'evil\\x2eso'", 'evil.so'],
    ];
    for (const [first, second, object] of pairs) {
      clearAnalysisCaches();
      analyze(first!, true);
      expect([second, analyze(second!, true).findings.flatMap((f) => f.objects)]).toEqual([second, [object]]);
    }
  });

  it('writes canonical forms and digests beyond Latin-1 like the server lexer', () => {
    const wide = 'SELECT Łódź, "Ωmega" FROM t /* ✓ */ WHERE a = \'😀€\' AND ß = 2';
    const narrow = 'SELECT Lodz, "Omega" FROM t WHERE a = \'ab\' AND ß = 2';
    expect(lex(wide, { dialect: 'postgres' })?.tokens.join(' ')).toBe(canonicalFromScan(wide));
    expect(lex(wide, { dialect: 'postgres' })?.digest).toBe(
      'select Łódź , "Ωmega" from t where a = ? and ß = ?',
    );
    expect(lex(narrow, { dialect: 'postgres' })?.digest).toBe(
      'select lodz , "Omega" from t where a = ? and ß = ?',
    );
    expect(analyze(wide, true).canonical).toBe(canonicalFromScan(wide));
  });

  it('gives the same text again exactly its cold analysis, and a new object each time', () => {
    for (const sql of bases) {
      clearAnalysisCaches();
      const cold = analyze(sql, true);
      const again = analyze(sql, true);
      expect([sql, again]).toEqual([sql, cold]);
      expect(again).not.toBe(cold);
    }
  });

  it('keeps the pgbench select cached by shape and hashes each text exactly', () => {
    clearAnalysisCaches();
    const first = analyze(PGBENCH, true);
    const texts = Array.from({ length: 50 }, (_, i) => PGBENCH.replace('= 1;', `= ${i * 37 + 2};`));
    const analyses = texts.map((t) => analyze(t, true));
    expect(analysisCacheStats()).toEqual({ exactHits: 0, shapeHits: 50, parses: 1 });
    expect(first.canonical).toBe('select abalance from pgbench_accounts where aid = 1 ;');
    expect(first.statements[0]?.canonical).toBe('select abalance from pgbench_accounts where aid = 1');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    analyses.forEach((a, i) => {
      expect(a.canonical).toBe(`${texts[i]!.slice(0, -1).toLowerCase()} ;`);
      expect(a.hash).toBe(sha256(a.canonical));
      expect(a.statements[0]?.hash).toBe(sha256(a.canonical.slice(0, -2)));
    });
    expect(new Set(analyses.map((a) => a.hash)).size).toBe(50);
    expect(new Set(analyses.map((a) => a.statements[0]?.hash)).size).toBe(50);
    expect(analyses.every((a) => a.readOnly && a.findings.length === 0)).toBe(true);
  });

  it('does the work once when the gateway asks for called functions and then the analysis', () => {
    clearAnalysisCaches();
    analyze(PGBENCH, true);
    const text = PGBENCH.replace('= 1;', '= 99;');
    const ctx: AnalysisContext = { dialect: 'postgres' };
    expect(calledFunctions(text, ctx)).toEqual([]);
    const a = analyzePostgres(text, ctx);
    expect(analysisCacheStats()).toEqual({ exactHits: 1, shapeHits: 1, parses: 1 });
    clearAnalysisCaches();
    expect(a).toEqual(analyze(text, true));
  });

  it('reuses the shape of a write whose WHERE compares a column with a literal', () => {
    clearAnalysisCaches();
    const update = (aid: number, delta: number) =>
      `UPDATE pgbench_accounts SET abalance = abalance + ${delta} WHERE aid = ${aid}`;
    analyze(update(1, 5), true);
    for (let i = 2; i < 12; i++) analyze(update(i, i * 3), true);
    expect(analysisCacheStats()).toEqual({ exactHits: 0, shapeHits: 10, parses: 1 });
    // A WHERE made of literals alone is still judged by its values.
    const rules = (sql: string) => analyze(sql, true).findings.map((f) => f.rule);
    expect(rules('DELETE FROM t WHERE 1 = 2')).toEqual([]);
    expect(rules('DELETE FROM t WHERE 1 = 1')).toContain('destructive/delete-without-where');
    expect(rules('DELETE FROM t WHERE 7 = id OR 2 = 2')).toContain('destructive/delete-without-where');
    expect(rules('DELETE FROM t WHERE 7 = id OR 2 = 3')).toEqual([]);
  });

  it('judges a WHERE that only parameters decide by its shape, and literals beside them by value', () => {
    const rules = (sql: string) => analyze(sql, true).findings.map((f) => f.rule);
    clearAnalysisCaches();
    expect(rules('DELETE FROM t WHERE $1 = 1 OR id = 2')).toEqual(['destructive/delete-without-where']);
    expect(rules('DELETE FROM t WHERE $1 = 70 OR id = 9')).toEqual(['destructive/delete-without-where']);
    expect(rules('DELETE FROM t WHERE id = $1')).toEqual([]);
    expect(rules('DELETE FROM t WHERE id = $2')).toEqual([]);
    expect(analysisCacheStats()).toEqual({ exactHits: 0, shapeHits: 1, parses: 3 });
    clearAnalysisCaches();
    expect(rules('DELETE FROM t WHERE 1 = 1 AND $1')).toEqual(['destructive/delete-without-where']);
    expect(rules('DELETE FROM t WHERE 1 = 2 AND $1')).toEqual([]);
    expect(rules('DELETE FROM t WHERE 3 = 3 AND $1')).toEqual(['destructive/delete-without-where']);
    expect(analysisCacheStats().shapeHits).toBe(0);
  });
});
