import { describe, expect, it } from 'vitest';
import { decode, readingDependsOnState } from '../../src/sql/postgres/encoding.js';

const b = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const read = (buf: Buffer, client: string, server = 'UTF8') => decode(buf, 0, buf.length, client, server);

describe('client bytes decoded as the server converts them', () => {
  it('takes a backslash as the second byte of a multibyte character where the server does', () => {
    const attack = b("SELECT E'", [0x95, 0x5c], "' ; DROP TABLE t; --'");
    expect(read(attack, 'SJIS')).toEqual({ text: "SELECT E'表' ; DROP TABLE t; --'" });
    expect(read(b("SELECT '", [0xa5, 0x5c], "'"), 'BIG5')).toEqual({ text: "SELECT '功'" });
    expect(read(b("SELECT '", [0x81, 0x5c], "'"), 'GBK')).toEqual({ text: "SELECT '乗'" });
    expect(read(b("SELECT '", [0x81, 0x5c], "'"), 'GB18030')).toEqual({ text: "SELECT '乗'" });
    // Read as UTF-8 the same bytes are invalid; as LATIN1 the backslash stands alone.
    expect(read(attack, 'UTF8')).toMatchObject({ code: '22021' });
    expect(read(attack, 'LATIN1')).toEqual({ text: "SELECT E'\u0095\\' ; DROP TABLE t; --'" });
  });

  it('refuses invalid and unmapped sequences instead of replacing them', () => {
    for (const [bytes, enc] of [
      [[0x81, 0x27], 'SJIS'],
      [[0x80], 'SJIS'],
      [[0xff, 0xfe], 'UTF8'],
      [[0xed, 0xa0, 0x80], 'UTF8'],
      [[0x81, 0x00], 'BIG5'],
    ] as const) {
      const d = read(b('x', [...bytes], 'y'), enc);
      expect('error' in d, `${enc} ${bytes}`).toBe(true);
      expect(JSON.stringify(d)).not.toContain('\ufffd');
    }
    // A lead byte at the end of the text has no second byte.
    expect(read(b('x', [0x81]), 'GBK')).toMatchObject({ code: '22021' });
    // A pair Postgres' BIG5 table maps differently from iconv-lite's: refused, not guessed.
    expect(read(b([0xa1, 0x45]), 'BIG5')).toMatchObject({ code: '0A000' });
  });

  it('reads ASCII the same in every encoding and refuses what it cannot read exactly', () => {
    expect(read(b('SELECT 1'), 'EUC_TW')).toEqual({ text: 'SELECT 1' });
    expect(read(b('SELECT ', [0xc4, 0xa1]), 'EUC_TW')).toMatchObject({ code: '0A000' });
    expect(read(b('SELECT ', [0xc4, 0xa1]), 'JOHAB')).toMatchObject({ code: '0A000' });
    // Client-only encodings are read here on the way to a UTF8 database only.
    expect(read(b([0x95, 0x5c]), 'SJIS', 'EUC_JP')).toMatchObject({ code: '0A000' });
  });

  it('follows a SQL_ASCII database: bytes pass unconverted, one character each', () => {
    expect(read(b([0xe9, 0x5c]), 'SQL_ASCII', 'SQL_ASCII')).toEqual({ text: '\u00e9\\' });
    expect(read(b([0xc3, 0xa9]), 'UTF8', 'SQL_ASCII')).toEqual({ text: '\u00c3\u00a9' });
    expect(read(b([0x95, 0x5c]), 'SJIS', 'SQL_ASCII')).toMatchObject({ code: '22021' });
    // A SQL_ASCII client on a UTF8 database is validated as UTF-8.
    expect(read(b([0xc3, 0xa9]), 'SQL_ASCII')).toEqual({ text: 'é' });
    expect(read(b([0xe9]), 'SQL_ASCII')).toMatchObject({ code: '22021' });
  });
});

describe('which bytes depend on the session state', () => {
  it('flags backslashes and high bytes only', () => {
    expect(readingDependsOnState(b("SELECT 'a'; DROP TABLE t"), 0, 24)).toBe(false);
    expect(readingDependsOnState(b("SELECT 'a\\'"), 0, 11)).toBe(true);
    expect(readingDependsOnState(b("SELECT '", [0xc3, 0xa9], "'"), 0, 11)).toBe(true);
  });
});
