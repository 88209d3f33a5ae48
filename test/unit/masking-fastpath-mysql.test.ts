// MySQL statement redaction skips the lexer for text without literals or comments in which no
// detector can find anything: it must give exactly what the slow path gives (the analyzer's
// lexer and every detector rule over every token), under every sql_mode.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMasking, type MaskingConfig } from '../../src/masking/index.js';
import { redactStatementReference } from '../../src/masking/statement.js';
import { UNKNOWN_SQL_MODE } from '../../src/sql/mysql/sql-mode.js';

const planted: string[] = readFileSync(join(import.meta.dirname, '../fixtures/masking/planted.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { value: string }).value);

const CONFIGS: Partial<MaskingConfig>[] = [
  {},
  { detectors: ['email', 'credit-card'] },
  { detectors: [] },
  // Anchored and digit-only custom patterns match a number token but not the whole statement.
  { custom: [{ name: 'five-digits', pattern: '^\\d{5}$' }] },
  { custom: [{ name: 'employee-id', pattern: 'EMP\\d{6}' }] },
];

const MODES = [
  '',
  'ANSI_QUOTES',
  'NO_BACKSLASH_ESCAPES',
  'ANSI_QUOTES,NO_BACKSLASH_ESCAPES',
  UNKNOWN_SQL_MODE,
];

// Mostly pieces the fast path accepts, with the ones it must refuse mixed in.
const piece = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'SELECT',
      'c',
      'FROM',
      'sbtest1',
      'WHERE',
      'id',
      'BETWEEN',
      'AND',
      'ORDER',
      'BY',
      'SUM(k)',
      'DISTINCT',
      'INSERT',
      'INTO',
      'VALUES',
      'UPDATE',
      'SET',
      'password',
      'IDENTIFIED',
      'token',
      'aws',
      'sig',
      'Basic',
      'bearer',
      'EMP123456',
      'ey12345678',
      'AKIAIOSFODNN7EXAMPLE',
      'DE89370400440532013000',
      'user@example.com',
      'https://u:pw@db',
      '@x',
      '@@sql_mode',
      '?',
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '1',
      '12345',
      '4111111111111111',
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      '3782-822463-10005',
      '123-45-6789',
      '83868641912-28773972837-60736120486',
      '0x1F',
      '1.5e3',
      '.5',
    ),
  },
  { weight: 2, arbitrary: fc.nat().map(String) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '(',
      ')',
      ',',
      ';',
      '=',
      ':=',
      '-',
      '--',
      '- -',
      '/',
      '*',
      '/*',
      '\\',
      '.',
      '<>',
      '!',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("'", '"', '`', '$', '#', '\t', '\r\n', '\v', '\0', 'é', '\u00a0', "'x'"),
  },
  { weight: 1, arbitrary: fc.constantFrom(...planted) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

const statement = fc
  .array(fc.tuple(piece, fc.constantFrom(' ', ' ', '', '\n')), { maxLength: 20 })
  .map((parts) => parts.map(([p, g]) => p + g).join(''));

/** What the fast path's pre-check accepts (quotes, comments, non-ASCII aside). */
const plain = (t: string) => /^[\t\n\r -~]*$/.test(t) && !/['"`$#]|--|\/\*/.test(t);

describe('MySQL statement redaction fast path', () => {
  it('gives what the lexer and every detector rule give, under every sql_mode', () => {
    let skipped = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...CONFIGS),
        fc.constantFrom(...MODES),
        statement,
        (config, sqlMode, text) => {
          const masking = compileMasking(config);
          if (plain(text) && !masking.detectors.mayFindInParts(text)) skipped++;
          const expected = redactStatementReference(text, 'mysql', masking.detectors, { sqlMode });
          expect(masking.redactStatement(text, 'mysql', { sqlMode })).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
    // The generator must reach the fast path itself, not only the slow path.
    expect(skipped).toBeGreaterThan(300);
  });

  it('still redacts numbers and unquoted values the detectors find', () => {
    const masking = compileMasking();
    expect(masking.redactStatement('SELECT c FROM t WHERE card = 4111111111111111', 'mysql')).toBe(
      'SELECT c FROM t WHERE card = [redacted:credit-card]',
    );
    const custom = compileMasking({ custom: [{ name: 'five-digits', pattern: '^\\d{5}$' }] });
    expect(custom.redactStatement('SELECT c FROM t WHERE id = 12345', 'mysql')).toBe(
      'SELECT c FROM t WHERE id = [redacted:five-digits]',
    );
    // sysbench's digit groups are not card numbers: the text comes back as it was.
    const text = 'SELECT c FROM sbtest1 WHERE id BETWEEN 83868641912 AND 28773972837';
    expect(masking.redactStatement(text, 'mysql')).toBe(text);
  });
});
