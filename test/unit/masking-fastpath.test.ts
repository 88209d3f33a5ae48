// The fast paths of statement, parameter and message redaction must give exactly what the slow
// path gives: the real scanner (libpg-query) and every detector rule over every value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ColumnMatcher } from '../../src/masking/columns.js';
import { ValueDetectors } from '../../src/masking/detectors.js';
import { compileMasking, type MaskingConfig } from '../../src/masking/index.js';
import { redactMessage } from '../../src/masking/message.js';
import { redactParams } from '../../src/masking/params.js';
import { tokenizePostgresFast } from '../../src/masking/pg-fast-tokens.js';
import { tokenizePostgres } from '../../src/masking/sql-tokens.js';
import { redactStatementReference } from '../../src/masking/statement.js';
import { UNKNOWN_SQL_MODE } from '../../src/sql/mysql/sql-mode.js';
import { loadPostgresParser } from '../../src/sql/postgres/parser.js';

// The Postgres parser's WebAssembly is loaded on first use, as the gateway context does.
beforeAll(loadPostgresParser);

const fixtures = join(import.meta.dirname, '../fixtures/masking');
const ordinary = readFileSync(join(fixtures, 'ordinary.txt'), 'utf8').split('\n').filter(Boolean);
const planted: string[] = readFileSync(join(fixtures, 'planted.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { value: string }).value);

/** Detectors with the `mayFind` shortcut turned off: the reference for params and messages. */
class ScanningDetectors extends ValueDetectors {
  override find(text: string) {
    return this.scan(text);
  }
}

const CONFIGS: Partial<MaskingConfig>[] = [
  {},
  { detectors: ['email', 'us-ssn'] },
  { detectors: [] },
  {
    custom: [
      { name: 'employee-id', pattern: 'EMP-\\d{6}' },
      { name: 'anchored', pattern: '^ref[0-9]{3}$' },
      { name: 'lookbehind', pattern: '(?<![a-z])tenant_[a-z]{4}' },
    ],
  },
];

// Pieces of secrets and near-secrets: every detector's planted values, ordinary values, and
// fragments that satisfy a detector's hint without being a secret.
const VALUE_PIECES = [
  ...planted,
  ...ordinary.slice(0, 400),
  'password=s3cret',
  'postgresql://u:pw@db/app',
  'api_key: abc',
  'Bearer abcdefgh12345678',
  'Basic dXNlcjpwYXNz',
  '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
  '-----BEGIN RSA PRIVATE KEY-----\nMIIE',
  'AccountKey=abcdefgh1234',
  'sig=abcdefgh12',
  'EMP-123456',
  'ref123',
  'tenant_acme',
  'xtenant_acme',
  '4111 1111 1111 1111',
  '4111111111111111',
  '1.4111111111111111',
  '123-45-6789',
  'DE89370400440532013000',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc',
  'AKIAIOSFODNN7EXAMPLE',
  'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'xoxb-1234567890-abcdefghij',
  'bob@example.com',
  'héllo ✓ 😀',
  '\ud800',
  'tab\there',
  'line\r\nbreak',
  'vt\u000bff\u000c',
  'ctl\u0001',
  "it''s",
  'a\\b',
  '12345',
  '2024-01-01',
];

const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VALUE_PIECES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(...VALUE_PIECES, ' ', '=', ':', '@', '-', '.', '/'), { maxLength: 4 })
      .map((parts) => parts.join('')),
  },
);

const quoted = (v: string, q: string) => q + v.split(q).join(q + q) + q;

// Statement fragments, including everything the fast tokenizer must leave to the real scanner.
const word = fc.constantFrom(
  'SELECT',
  'abalance',
  'FROM',
  'pgbench_accounts',
  'WHERE',
  'aid',
  'INSERT',
  'INTO',
  'users',
  'VALUES',
  'password',
  'PASSWORD',
  'password_hash',
  'IDENTIFIED',
  'BY',
  'set_config',
  'SET',
  'TO',
  'CREATE',
  'ROLE',
  'USER',
  'e',
  'E',
  'U',
  'n',
  'b',
  'x',
  'a$1',
  '"Quoted"',
  '"a""b"',
  '""',
  '"unterminated',
  '`tick`',
  'é',
  'row',
  'ON',
  'CONFLICT',
);
const number = fc.constantFrom(
  '1',
  '12345',
  '4111111111111111',
  '1.5',
  '.5',
  '1.',
  '1e5',
  '0x1F',
  '1_000',
  '123abc',
  '1..2',
);
const param = fc.constantFrom(
  '$1',
  '$12',
  '$999999999',
  '$2147483647',
  '$2147483648',
  '$1abc',
  '$$',
  '$',
  '$tag$x$tag$',
  '$$password=pw$$',
);
const punct = fc.constantFrom(
  '(',
  ')',
  ',',
  ';',
  '=',
  ':=',
  '::',
  ':',
  '.',
  '+',
  '-',
  '*',
  '/',
  '<=',
  '>=',
  '!=',
  '<>',
  '||',
  '=>',
  '=-',
  '@-',
  '*/',
  '#',
  '{',
  '}',
  '\\',
  '[',
  ']',
  '?',
  '\0',
);
const literal = fc.oneof(
  value.map((v) => quoted(v, "'")),
  value.map((v) => `E${quoted(v, "'")}`),
  value.map((v) => `U&${quoted(v, "'")}`),
  value.map((v) => quoted(v, '"')),
  value.map((v) => `'${v}`),
  value.map((v) => `$q$${v}$q$`),
  value.map((v) => `-- ${v.replace(/[\r\n]/g, ' ')}\n`),
  value.map((v) => `/* ${v} /* nested */ */`),
  value.map((v) => `/* ${v}`),
  value.map((v) => `# ${v}\n`),
  value.map((v) => `/*!80000 ${v} */`),
);
const fragment = fc.oneof(
  { weight: 4, arbitrary: word },
  { weight: 2, arbitrary: number },
  { weight: 1, arbitrary: param },
  { weight: 3, arbitrary: punct },
  { weight: 4, arbitrary: literal },
);
const gap = fc.constantFrom(' ', ' ', ' ', '', '\n', '\t', '\r\n', '\v');
const statement = fc
  .array(fc.tuple(fragment, gap), { maxLength: 24 })
  .map((parts) => parts.map(([f, g]) => f + g).join(''));

// Statements the gateway sees all the time: the fast tokenizer must accept them.
const typical = fc.oneof(
  fc.nat().map((n) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${n}`),
  fc
    .array(fc.stringMatching(/^[a-z ]{0,12}$/), { minLength: 5, maxLength: 5 })
    .map((vs) => `INSERT INTO t (a, b, c, d, e) VALUES (${vs.map((v) => `'${v}'`).join(', ')})`),
  fc.nat().map((n) => `UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = ${n}; -- batch\n`),
);

describe('tokenizePostgresFast', () => {
  it('returns exactly the real scanner’s tokens whenever it returns any', () => {
    let accepted = 0;
    fc.assert(
      fc.property(statement, (text) => {
        const fast = tokenizePostgresFast(text);
        if (!fast) return;
        accepted++;
        expect(fast).toEqual(tokenizePostgres(text));
      }),
      { numRuns: 1500 },
    );
    // The generator must exercise the fast tokenizer, not only its fallbacks.
    expect(accepted).toBeGreaterThan(100);
  });

  it('accepts pgbench statements, short string literals, parameters and comments', () => {
    fc.assert(
      fc.property(typical, (text) => {
        const fast = tokenizePostgresFast(text);
        expect(fast).toBeDefined();
        expect(fast).toEqual(tokenizePostgres(text));
      }),
      { numRuns: 200 },
    );
  });
});

describe('ValueDetectors.find (with the mayFind shortcut)', () => {
  it('finds what scanning every rule finds', () => {
    for (const config of CONFIGS) {
      const detectors = new ValueDetectors(config);
      for (const v of [...planted, ...ordinary, ...VALUE_PIECES])
        expect(detectors.find(v)).toEqual(detectors.scan(v));
      fc.assert(
        fc.property(fc.array(value, { maxLength: 6 }), (parts) => {
          const text = parts.join(' ');
          expect(detectors.find(text)).toEqual(detectors.scan(text));
        }),
        { numRuns: 500 },
      );
    }
  });

  it('skips the rules for ordinary short values and numbers', () => {
    const detectors = new ValueDetectors();
    for (const v of ['12345', 'alice', 'pgbench_accounts', 'héllo', '2024-01-01', '3.14']) {
      expect(detectors.mayFind(v)).toBe(false);
    }
    for (const v of planted) expect(detectors.mayFind(v)).toBe(true);
  });

  it('scans past one window for custom patterns that anchors or lookbehinds make window-dependent', () => {
    const detectors = new ValueDetectors({ custom: [{ name: 'anchored', pattern: '^ref[0-9]{3}' }] });
    // 'ref123' starts the second window (offset 1792) but not the text.
    const text = `${'x'.repeat(1792)}ref123${'y'.repeat(400)}`;
    expect(detectors.find(text)).toEqual(detectors.scan(text));
    expect(detectors.find(text)).not.toEqual([]);
  });
});

describe('redactStatement', () => {
  it('gives what the real scanner and every detector rule give, for Postgres', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONFIGS), fc.oneof(statement, typical), (config, text) => {
        const masking = compileMasking(config);
        const expected = redactStatementReference(text, 'postgres', masking.detectors);
        expect(masking.redactStatement(text, 'postgres')).toBe(expected);
        // Again, now possibly from the cache.
        expect(masking.redactStatement(text, 'postgres')).toBe(expected);
      }),
      { numRuns: 1500 },
    );
  });

  it('gives what the analyzer lexer and every detector rule give, for MySQL under every sql_mode', () => {
    const modes = ['', 'ANSI_QUOTES', 'NO_BACKSLASH_ESCAPES', UNKNOWN_SQL_MODE];
    fc.assert(
      fc.property(
        fc.constantFrom(...CONFIGS),
        fc.constantFrom(...modes),
        statement,
        (config, sqlMode, text) => {
          const masking = compileMasking(config);
          const expected = redactStatementReference(text, 'mysql', masking.detectors, { sqlMode });
          expect(masking.redactStatement(text, 'mysql', { sqlMode })).toBe(expected);
          expect(masking.redactStatement(text, 'mysql', { sqlMode })).toBe(expected);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('keeps results apart per dialect and sql_mode', () => {
    const masking = compileMasking();
    // E'' sends the Postgres text through the real scanner and the cache.
    const text = `SELECT "bob@example.com", E'x' FROM t`;
    expect(masking.redactStatement(text, 'postgres')).toBe(text);
    expect(masking.redactStatement(text, 'mysql')).toBe(`SELECT "[redacted:email]", E'x' FROM t`);
    expect(masking.redactStatement(text, 'mysql', { sqlMode: 'ANSI_QUOTES' })).toBe(text);
    expect(masking.redactStatement(text, 'postgres')).toBe(text);
  });

  it('stays exact when cached texts age out', () => {
    const masking = compileMasking();
    // E'' strings go to the real scanner and so through the cache; 5000 texts fill it twice over.
    const texts = Array.from({ length: 5000 }, (_, i) => `SELECT E'v${i}', 'u${i % 7}@example.com'`);
    const expected = texts.map((t) => redactStatementReference(t, 'postgres', masking.detectors));
    for (const order of [texts.keys(), [...texts.keys()].reverse()]) {
      for (const i of order) expect(masking.redactStatement(texts[i]!, 'postgres')).toBe(expected[i]);
    }
  });

  it('returns text with no literal or comment untouched, unless a detector finds a bare number', () => {
    const masking = compileMasking();
    for (const dialect of ['postgres', 'mysql'] as const) {
      const plain = 'SELECT abalance FROM pgbench_accounts WHERE aid = 41111';
      expect(masking.redactStatement(plain, dialect)).toBe(plain);
      // Near miss: the same text with a card number for the key.
      expect(masking.redactStatement(`${plain}11111111111`, dialect)).toBe(
        'SELECT abalance FROM pgbench_accounts WHERE aid = [redacted:credit-card]',
      );
    }
  });

  it('withholds the text after a NUL instead of leaving it unscanned', () => {
    const masking = compileMasking();
    expect(masking.redactStatement("SELECT 1\0, 'bob@example.com'", 'postgres')).toBe(
      'SELECT 1\0, [redacted: unterminated literal or comment]',
    );
  });

  it('redacts secrets in statements the fast tokenizer accepts', () => {
    const masking = compileMasking();
    const text = "INSERT INTO t (name, mail) VALUES ('bob', 'bob@example.com'); CREATE ROLE r PASSWORD 'pw'";
    expect(tokenizePostgresFast(text)).toBeDefined();
    expect(masking.redactStatement(text, 'postgres')).toBe(
      "INSERT INTO t (name, mail) VALUES ('bob', '[redacted:email]'); CREATE ROLE r PASSWORD '[redacted]'",
    );
  });
});

describe('redactParams and redactMessage', () => {
  const param = fc.oneof(
    value,
    fc.integer(),
    fc.bigInt({ min: 0n, max: 10n ** 20n }),
    fc.double(),
    fc.constant(null),
    fc.boolean(),
    value.map((v) => new TextEncoder().encode(v)),
    fc.dictionary(fc.constantFrom('password', 'mail', 'n'), value),
  );

  it('give what every detector rule gives', () => {
    for (const config of CONFIGS) {
      const fast = new ValueDetectors(config);
      const reference = new ScanningDetectors(config);
      const matcher = new ColumnMatcher(['public.users.email']);
      fc.assert(
        fc.property(fc.array(param, { maxLength: 6 }), (params) => {
          expect(redactParams(params, fast)).toEqual(redactParams(params, reference));
        }),
        { numRuns: 300 },
      );
      fc.assert(
        fc.property(fc.array(value, { maxLength: 4 }), fc.boolean(), (parts, known) => {
          const message = `Key (email)=(${parts.join(', ')}) already exists. ${parts.join(' ')}`;
          const ctx = known ? { schema: 'public', table: 'users' } : {};
          expect(redactMessage(message, fast, matcher, ctx)).toBe(
            redactMessage(message, reference, matcher, ctx),
          );
        }),
        { numRuns: 300 },
      );
    }
  });
});
