// Client bytes → text, exactly as the server reads them. The server converts every Query and
// Parse from the client encoding to its own before its lexer sees a byte, so what decides the
// meaning of a statement is that conversion (src/backend/utils/mb/mbutils.c, pg_any_to_server):
//  - client = server encoding, or client SQL_ASCII: no conversion, the bytes are validated
//    under the server encoding;
//  - server SQL_ASCII: no conversion; an ASCII-safe client encoding is validated, any other may
//    send ASCII only;
//  - otherwise each character is found where `pg_encoding_verifymbchar` says it ends and looked
//    up in the conversion map; a bad sequence or one without a mapping fails the whole message.
// Every server encoding keeps bytes below 0x80 as ASCII, so the lexer-significant characters
// (quotes, backslash, semicolon, `$`, `*`, `/`, `-`) are single bytes in every reading but one:
// the client-only encodings SJIS, BIG5, GBK, UHC and GB18030, whose second byte may be 0x5C.
// For those the character boundaries here are Postgres' own (verifychar), and each multibyte
// character is decoded on its own; one that iconv-lite does not map to exactly the server's
// character (see UNEXACT), or maps to ASCII, fails the message here, before the server sees it.
// Encodings without an exact decoder here are refused.
import { isAscii as asciiOnly, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/** Decoded text, or why the bytes cannot be read as the server reads them. */
export type Decoded = { text: string } | { error: string; code: string };

/** The bytes are not valid in the encoding: the server would refuse them too. */
const BAD_BYTES = '22021';
/** The gateway cannot read this encoding exactly. */
const UNSUPPORTED = '0A000';

/** Postgres client encodings whose non-ASCII bytes never include an ASCII byte, by iconv-lite name. */
const ASCII_SAFE: Readonly<Record<string, string>> = {
  LATIN1: 'iso-8859-1',
  LATIN2: 'iso-8859-2',
  LATIN3: 'iso-8859-3',
  LATIN4: 'iso-8859-4',
  LATIN5: 'iso-8859-9',
  LATIN6: 'iso-8859-10',
  LATIN7: 'iso-8859-13',
  LATIN8: 'iso-8859-14',
  LATIN9: 'iso-8859-15',
  LATIN10: 'iso-8859-16',
  ISO_8859_5: 'iso-8859-5',
  ISO_8859_6: 'iso-8859-6',
  ISO_8859_7: 'iso-8859-7',
  ISO_8859_8: 'iso-8859-8',
  WIN866: 'cp866',
  WIN874: 'windows-874',
  WIN1250: 'windows-1250',
  WIN1251: 'windows-1251',
  WIN1252: 'windows-1252',
  WIN1253: 'windows-1253',
  WIN1254: 'windows-1254',
  WIN1255: 'windows-1255',
  WIN1256: 'windows-1256',
  WIN1257: 'windows-1257',
  WIN1258: 'windows-1258',
  KOI8R: 'koi8-r',
  KOI8U: 'koi8-u',
};

interface Multibyte {
  iconv: string;
  /** Length of the character at `i` as Postgres' verifychar finds it, -1 when invalid. */
  length: (b: Buffer, i: number, end: number) => number;
  /** A trailing byte may be ASCII (client-only encodings). */
  asciiUnsafe: boolean;
}

/** Multibyte encodings: characters found where Postgres finds them, then decoded one by one. */
const MULTIBYTE: Readonly<Record<string, Multibyte>> = {
  SJIS: { iconv: 'cp932', length: sjisLength, asciiUnsafe: true },
  BIG5: { iconv: 'cp950', length: twoByteLength, asciiUnsafe: true },
  GBK: { iconv: 'cp936', length: twoByteLength, asciiUnsafe: true },
  UHC: { iconv: 'cp949', length: twoByteLength, asciiUnsafe: true },
  GB18030: { iconv: 'gb18030', length: gb18030Length, asciiUnsafe: true },
  EUC_JP: { iconv: 'eucjp', length: eucJpLength, asciiUnsafe: false },
  EUC_KR: { iconv: 'euc-kr', length: eucLength, asciiUnsafe: false },
  EUC_CN: { iconv: 'gb2312', length: eucLength, asciiUnsafe: false },
};

/**
 * Multibyte characters iconv-lite decodes differently from a supported server version (found by
 * test/integration/pg-encodings.test.ts, which compares every sequence with the server's own
 * convert_from): a message containing one is refused rather than misread.
 */
const UNEXACT: Readonly<Record<string, ReadonlySet<number>>> = {
  // Postgres' BIG5 table is plain Big5 (some entries even map to U+FFFD); iconv-lite's is CP950.
  BIG5: new Set([
    0xa145, 0xa14e, 0xa15a, 0xa1c2, 0xa1c3, 0xa1c5, 0xa1e3, 0xa1f2, 0xa1f3, 0xa1fe, 0xa240, 0xa241, 0xa242,
    0xa244, 0xa246, 0xa247, 0xa2cc, 0xa2ce,
  ]),
  // GB18030-2005 (Postgres 15–18) against iconv-lite's GB18030-2022 swaps.
  GB18030: new Set([0xa3a0, 0xa8bc, 0x8135f437]),
  EUC_CN: new Set([0xa1a4, 0xa1aa]),
  EUC_JP: new Set([0x8fa2c3]),
};

const eucByte = (c: number | undefined): boolean => c !== undefined && c >= 0xa1 && c <= 0xfe;

/** pg_euckr/euccn_verifychar: two bytes, both 0xA1–0xFE. */
function eucLength(b: Buffer, i: number, end: number): number {
  return i + 1 < end && eucByte(b[i]) && eucByte(b[i + 1]) ? 2 : -1;
}

/** pg_eucjp_verifychar: SS2 + kana, SS3 + two bytes, or two bytes. */
function eucJpLength(b: Buffer, i: number, end: number): number {
  const c1 = b[i]!;
  if (c1 === 0x8e) return i + 1 < end && b[i + 1]! >= 0xa1 && b[i + 1]! <= 0xdf ? 2 : -1;
  if (c1 === 0x8f) return i + 2 < end && eucByte(b[i + 1]) && eucByte(b[i + 2]) ? 3 : -1;
  return eucLength(b, i, end);
}

/** pg_sjis_verifychar: 0xA1–0xDF is one byte (kana); any other high byte leads a pair. */
function sjisLength(b: Buffer, i: number, end: number): number {
  const c1 = b[i]!;
  if (c1 >= 0xa1 && c1 <= 0xdf) return 1;
  if (i + 1 >= end) return -1;
  const c2 = b[i + 1]!;
  const head = (c1 >= 0x81 && c1 <= 0x9f) || (c1 >= 0xe0 && c1 <= 0xfc);
  const tail = (c2 >= 0x40 && c2 <= 0x7e) || (c2 >= 0x80 && c2 <= 0xfc);
  return head && tail ? 2 : -1;
}

/** pg_big5/gbk/uhc_verifychar: a high byte and any byte but NUL (the map then decides). */
function twoByteLength(b: Buffer, i: number, end: number): number {
  return i + 1 < end && b[i + 1] !== 0 ? 2 : -1;
}

/** pg_gb18030_verifychar: four bytes when the second is a digit, else two. */
function gb18030Length(b: Buffer, i: number, end: number): number {
  const c1 = b[i]!;
  const c2 = b[i + 1];
  if (c2 === undefined || i + 1 >= end) return -1;
  if (i + 3 < end && c2 >= 0x30 && c2 <= 0x39) {
    const c3 = b[i + 2]!;
    const c4 = b[i + 3]!;
    return c1 >= 0x81 && c1 <= 0xfe && c3 >= 0x81 && c3 <= 0xfe && c4 >= 0x30 && c4 <= 0x39 ? 4 : -1;
  }
  if (c1 >= 0x81 && c1 <= 0xfe && ((c2 >= 0x40 && c2 <= 0x7e) || (c2 >= 0x80 && c2 <= 0xfe))) return 2;
  return -1;
}

function isAscii(b: Buffer, start: number, end: number): boolean {
  return asciiOnly(b.subarray(start, end));
}

/**
 * Whether the reading of these bytes can depend on session settings: a high byte (the client
 * encoding decides what it is, and in a client-only encoding, what follows it) or a backslash
 * (standard_conforming_strings decides whether it escapes). Other bytes read alike under all.
 */
export function readingDependsOnState(b: Buffer, start: number, end: number): boolean {
  const slash = b.indexOf(0x5c, start);
  return (slash >= 0 && slash < end) || highBytes(b, start, end);
}

/** A byte of 0x80 or more: what it reads as depends on the client encoding. */
export function highBytes(b: Buffer, start: number, end: number): boolean {
  return !isAscii(b, start, end);
}

function hex(b: Buffer, at: number, len: number): string {
  return [...b.subarray(at, at + len)].map((x) => `0x${x.toString(16).padStart(2, '0')}`).join(' ');
}

function badBytes(b: Buffer, at: number, encoding: string): Decoded {
  return { error: `invalid byte sequence for encoding "${encoding}": ${hex(b, at, 4)}`, code: BAD_BYTES };
}

function unsupported(client: string, server: string): Decoded {
  return {
    error: `client_encoding "${client}" (server encoding "${server}") cannot be read exactly by the gateway; use UTF8`,
    code: UNSUPPORTED,
  };
}

/** Decodes in an ASCII-safe single- or multibyte encoding; any byte iconv-lite cannot map is refused. */
function decodeSafe(b: Buffer, start: number, end: number, name: string, encoding: string): Decoded {
  if (name === 'utf8') {
    // Node's check, like Postgres' pg_utf8_islegal, refuses overlong forms and surrogates.
    return isUtf8(b.subarray(start, end))
      ? { text: b.toString('utf8', start, end) }
      : { error: `invalid byte sequence for encoding "${encoding}"`, code: BAD_BYTES };
  }
  const text = iconv.decode(b.subarray(start, end), name);
  const bad = text.indexOf('\ufffd');
  if (bad >= 0) return badBytes(b, start + bad, encoding);
  return { text };
}

const charCache = new Map<string, Map<number, string>>();

/** One multibyte character: only a non-ASCII character iconv-lite maps exactly. */
function decodeChar(b: Buffer, at: number, len: number, encoding: string, name: string): string | undefined {
  let code = 0;
  for (let k = 0; k < len; k++) code = code * 256 + b[at + k]!;
  let cache = charCache.get(encoding);
  if (!cache) charCache.set(encoding, (cache = new Map()));
  const hit = cache.get(code);
  if (hit !== undefined) return hit || undefined;
  let ch = iconv.decode(b.subarray(at, at + len), name);
  const exact =
    ch.length > 0 &&
    !ch.includes('\ufffd') &&
    [...ch].length === 1 &&
    ch.codePointAt(0)! >= 0x80 &&
    !UNEXACT[encoding]?.has(code);
  if (!exact) ch = '';
  if (cache.size < 100_000) cache.set(code, ch);
  return ch || undefined;
}

function decodeMultibyte(b: Buffer, start: number, end: number, encoding: string): Decoded {
  const spec = MULTIBYTE[encoding]!;
  let out = '';
  let from = start;
  let i = start;
  while (i < end) {
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    if (i > from) out += b.toString('latin1', from, i);
    const len = spec.length(b, i, end);
    if (len < 0) return badBytes(b, i, encoding);
    const ch = decodeChar(b, i, len, encoding, spec.iconv);
    if (ch === undefined)
      return {
        error: `the character ${hex(b, i, len)} of encoding "${encoding}" has no reading the gateway knows to be the server's`,
        code: UNSUPPORTED,
      };
    out += ch;
    i += len;
    from = i;
  }
  if (end > from) out += b.toString('latin1', from, end);
  return { text: out };
}

/**
 * Decodes the bytes `b[start, end)` of a Query or Parse as the server will read them, given the
 * session's client_encoding and server_encoding (Postgres' canonical names, upper case, as
 * ParameterStatus reports them).
 */
export function decode(b: Buffer, start: number, end: number, client: string, server: string): Decoded {
  // Every Postgres encoding, client-only ones included, reads bytes below 0x80 as ASCII.
  if (isAscii(b, start, end)) return { text: b.toString('latin1', start, end) };
  if (server === 'SQL_ASCII') {
    // No conversion: the lexer reads the bytes one by one, which is what a byte-per-character
    // reading gives. An ASCII-unsafe client may not send high bytes at all.
    if (client === 'SQL_ASCII') return { text: b.toString('latin1', start, end) };
    if (MULTIBYTE[client]?.asciiUnsafe) return badBytes(b, start, client);
    const checked = decodeAs(b, start, end, client);
    if (!checked) return unsupported(client, server);
    return 'error' in checked ? checked : { text: b.toString('latin1', start, end) };
  }
  // Same encoding, or SQL_ASCII from the client: no conversion, validated under the server's.
  const reading = client === server || client === 'SQL_ASCII' ? server : client;
  // A client-only encoding's characters are found as above only on the way to UTF8.
  if (MULTIBYTE[reading]?.asciiUnsafe && server !== 'UTF8') return unsupported(client, server);
  return decodeAs(b, start, end, reading) ?? unsupported(client, server);
}

function decodeAs(b: Buffer, start: number, end: number, encoding: string): Decoded | undefined {
  if (encoding === 'UTF8') return decodeSafe(b, start, end, 'utf8', encoding);
  const safe = ASCII_SAFE[encoding];
  if (safe) return decodeSafe(b, start, end, safe, encoding);
  return MULTIBYTE[encoding] ? decodeMultibyte(b, start, end, encoding) : undefined;
}
