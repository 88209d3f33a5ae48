import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValueDetectors, validateCustomPattern } from '../../src/masking/detectors.js';
import { DETECTOR_NAMES, MaskingConfigError } from '../../src/masking/types.js';

const fixtures = join(import.meta.dirname, '../fixtures/masking');
const ordinary = readFileSync(join(fixtures, 'ordinary.txt'), 'utf8').split('\n').filter(Boolean);
const planted: { detector: string; value: string; secret: string }[] = readFileSync(
  join(fixtures, 'planted.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));

/** The documented bound: fewer than 0.5 % of ordinary values may be flagged. */
const MAX_FALSE_POSITIVE_RATE = 0.005;

describe('value detectors', () => {
  const all = new ValueDetectors();

  it('flags fewer than 0.5% of an ordinary-value corpus', () => {
    expect(ordinary.length).toBeGreaterThanOrEqual(2000);
    const flagged = ordinary.filter((v) => all.detects(v));
    const rate = flagged.length / ordinary.length;
    console.log(
      `false-positive rate: ${(rate * 100).toFixed(3)}% (${flagged.length} of ${ordinary.length})`,
      flagged.slice(0, 10),
    );
    expect(rate).toBeLessThan(MAX_FALSE_POSITIVE_RATE);
  });

  it('catches every planted value, with the detector meant for it', () => {
    expect(planted.length).toBeGreaterThan(400);
    expect(new Set(planted.map((p) => p.detector))).toEqual(new Set(DETECTOR_NAMES));
    const missed: string[] = [];
    for (const p of planted) {
      const redacted = all.redact(p.value);
      if (redacted.includes(p.secret)) missed.push(`${p.detector} (all detectors)`);
      if (!new ValueDetectors({ detectors: [p.detector] }).detects(p.value))
        missed.push(`${p.detector} (alone)`);
    }
    expect(missed).toEqual([]);
  });

  it('checks Luhn, SSN areas and IBAN checksums rather than shapes', () => {
    const cards = new ValueDetectors({ detectors: ['credit-card'] });
    expect(cards.detects('4111 1111 1111 1111')).toBe(true);
    expect(cards.detects('4111 1111 1111 1112')).toBe(false);
    expect(cards.detects('1111111111111117')).toBe(false); // Luhn-valid, but no card issuer starts with 1
    expect(cards.detects('0.4111111111111111')).toBe(false); // the digits of a fraction
    const ssn = new ValueDetectors({ detectors: ['us-ssn'] });
    expect(ssn.detects('SSN 123-45-6789')).toBe(true);
    for (const bad of ['000-12-3456', '666-12-3456', '912-12-3456', '123-00-4567', '123-45-0000']) {
      expect(ssn.detects(bad)).toBe(false);
    }
    const iban = new ValueDetectors({ detectors: ['iban'] });
    expect(iban.redact('pay to DE89 3704 0044 0532 0130 00 today')).toBe('pay to [redacted:iban] today');
    expect(iban.detects('DE88 3704 0044 0532 0130 00')).toBe(false);
    expect(iban.detects('GB82WEST12345698765432')).toBe(true);
  });

  it('accepts JWTs only when the header is JSON with an alg', () => {
    const jwt = new ValueDetectors({ detectors: ['jwt'] });
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const notJwt = Buffer.from('{"typ":"x"}').toString('base64url');
    expect(jwt.detects(`${header}.eyJzdWIiOiIxIn0.`)).toBe(true);
    expect(jwt.detects(`${notJwt}.eyJzdWIiOiIxIn0.abc`)).toBe(false);
  });

  it('redacts a private key without an END marker to the end of the value', () => {
    const keys = new ValueDetectors({ detectors: ['private-key'] });
    expect(keys.redact('key: -----BEGIN RSA PRIVATE KEY-----\nMIIEow…truncated')).toBe(
      'key: [redacted:private-key]',
    );
  });

  it('replaces only the secret part of key/value and URL forms', () => {
    expect(all.redact('postgres://app:hunter2@db:5432/x')).toBe(
      'postgres://app:[redacted:credential-field]@db:5432/x',
    );
    expect(all.redact('AccountName=a;AccountKey=abcdEFGH1234+/==;EndpointSuffix=x')).toBe(
      'AccountName=a;AccountKey=[redacted:azure-key];EndpointSuffix=x',
    );
  });

  it('runs only the enabled built-in detectors plus custom ones', () => {
    const some = new ValueDetectors({
      detectors: ['email'],
      custom: [{ name: 'employee-id', pattern: 'EMP-[0-9]{6}' }],
    });
    expect(some.redact('EMP-123456 alice@example.com 4111111111111111')).toBe(
      '[redacted:employee-id] [redacted:email] 4111111111111111',
    );
  });

  it('finds custom matches across the windows long values are cut into', () => {
    const custom = new ValueDetectors({
      detectors: [],
      custom: [{ name: 'ticket', pattern: 'TICKET-[0-9]{8}' }],
    });
    const at = 2048 - 7; // crosses the end of the first window: found in the overlapping second one
    const text = `${'x'.repeat(at)}TICKET-12345678${'y'.repeat(10_000)}TICKET-87654321`;
    expect(custom.find(text).map((s) => [s.start, s.end])).toEqual([
      [at, at + 15],
      [text.length - 15, text.length],
    ]);
  });

  it('rejects custom patterns that could backtrack catastrophically or are unusable', () => {
    for (const [pattern, message] of [
      ['(a+)+$', /repeated without bound/],
      ['(a|aa)*b', /repeated without bound/],
      ['(\\w+\\s?)*x', /repeated without bound/],
      ['(a)\\1', /backreferences/],
      ['a*', /empty string/],
      ['[unclosed', /invalid regular expression/],
      ['x'.repeat(600), /1 to 512 characters/],
    ] as const) {
      expect(() => validateCustomPattern('custom-x', pattern)).toThrow(MaskingConfigError);
      expect(() => validateCustomPattern('custom-x', pattern)).toThrow(message);
    }
    expect(() => validateCustomPattern('email', 'x')).toThrow(/built-in/);
    expect(() => new ValueDetectors({ detectors: ['emails'] })).toThrow(/unknown detector "emails"/);
    expect(validateCustomPattern('ok', '(?:ab){2,5}-[0-9]+').source).toBe('(?:ab){2,5}-[0-9]+');
  });

  it('withholds values too long to scan', () => {
    expect(all.redact('a'.repeat(5 * 1024 * 1024))).toBe('[redacted:oversized]');
    const custom = new ValueDetectors({ custom: [{ name: 'c', pattern: '[a-z]+@[a-z]+' }] });
    expect(custom.redact('a'.repeat(1024 * 1024 + 1))).toBe('[redacted:oversized]');
    expect(custom.redact('1'.repeat(1024 * 1024))).toBe('1'.repeat(1024 * 1024));
  });
});
