// One hand-written pass over statement text that yields, together:
//  - the digest: tokens with literals replaced by `?` (ProxySQL style), the key of the shape cache;
//  - the canonical form: tokens joined by single spaces, unquoted words lower-cased (ASCII only,
//    as the server folds), quoted identifiers and literals kept verbatim, comments dropped;
//  - token start offsets, so cached finding locations can be moved onto a new text of the same shape.
// It lexes Postgres text like the server does (nested comments, dollar quotes, escape strings,
// literal continuation); MySQL has its own lexer (mysql/lexer.ts). When it meets something it
// cannot lex with certainty (an unterminated literal or comment) it returns undefined and
// callers fall back to the real parser.
// It runs for every statement whose shape is cached, so it allocates no string per token: it
// writes the digest and the canonical form as character codes into scratch buffers and makes
// one string of each at the end. The per-token canonical strings (`tokens`) are only split out
// by `lex`, for callers that need them.
import { canonicalOf } from './canonical.js';
import { isDigit, isIdentChar, isIdentStart } from './chars.js';

export interface LexOptions {
  /** The only dialect this lexer reads; callers name it so MySQL text never comes here. */
  dialect: 'postgres';
  /** With standard_conforming_strings off, `\` escapes inside plain '…' strings. */
  standardConformingStrings?: boolean;
}

export interface Scanned {
  digest: string;
  /** The canonical form of the whole text: every token's canonical text, joined by ' '. */
  canonical: string;
  /** Offset in `canonical` of every token's canonical text. */
  canonicalStarts: number[];
  /** Start offset (in characters) of every token, in order. */
  starts: number[];
  /** End offset of every token. */
  ends: number[];
  /** Index of each top-level `;` token. */
  semicolons: readonly number[];
  /** Index of each literal token (a `?` in the digest). */
  literals: readonly number[];
  /** Postgres with standard_conforming_strings off: a plain string contains a backslash. */
  backslashInPlainString: boolean;
}

export interface Lexed extends Scanned {
  /** Canonical text of every token, in order (join with ' ' for the canonical form). */
  tokens: string[];
}

/** Postgres operator characters, and those that let an operator end in `+` or `-`. */
const PG_OP = new Uint8Array(128);
for (const c of '~!@#^&|`?+-*/%<>=') PG_OP[c.charCodeAt(0)] = 1;
for (const c of '~!@#^&|`?%') PG_OP[c.charCodeAt(0)] = 2;

function isPgOp(c: number): boolean {
  return c < 128 && PG_OP[c] !== 0;
}
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isHexOrUnderscore(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 95;
}

/** How a token is written: its source text, its source text with A–Z lower-cased (the servers
 * fold ASCII letters only), or its source text in the canonical form and `?` in the digest (`?.`
 * for a number the server reads as a float: one too large for an integer is a float, and the
 * grammar takes an integer where a float is an error). */
enum Kind {
  Verbatim,
  Word,
  Literal,
  FloatLiteral,
}

const QUESTION = 63;
const DOT = 46;
const SPACE = 32;

/**
 * Character codes of the canonical form and the digest. They are written one byte a character
 * first, which makes one-byte strings (they hash faster); a token beyond Latin-1 (rare) makes
 * the lexer start again with two bytes a character.
 */
class Output {
  readonly canonical: Uint8Array | Uint16Array;
  readonly digest: Uint8Array | Uint16Array;
  /** The same memory as bytes, to decode from. */
  private readonly bytes: [Buffer, Buffer];

  constructor(
    readonly wide: boolean,
    chars: number,
  ) {
    this.canonical = wide ? new Uint16Array(chars) : new Uint8Array(chars);
    this.digest = wide ? new Uint16Array(chars) : new Uint8Array(chars);
    this.bytes = [Buffer.from(this.canonical.buffer), Buffer.from(this.digest.buffer)];
  }

  canonicalString(length: number): string {
    return this.decode(this.canonical, this.bytes[0], length);
  }

  digestString(length: number): string {
    return this.decode(this.digest, this.bytes[1], length);
  }

  private decode(codes: Uint8Array | Uint16Array, bytes: Buffer, length: number): string {
    if (!this.wide) return bytes.toString('latin1', 0, length);
    if (littleEndian) return bytes.toString('utf16le', 0, length * 2);
    let out = '';
    for (let i = 0; i < length; i += 4096) {
      out += String.fromCharCode.apply(null, Array.from(codes.subarray(i, Math.min(length, i + 4096))));
    }
    return out;
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Scratch reused by every lexing pass; texts too long for it get buffers of their own. */
const SCRATCH_CHARS = 64 * 1024;
const scratch: { narrow?: Output; wide?: Output } = {};

function output(textLength: number, wide: boolean): Output {
  // Every token adds at most one separator and no more characters than its source text.
  const need = 2 * textLength + 2;
  if (need > SCRATCH_CHARS) return new Output(wide, need);
  if (wide) return (scratch.wide ??= new Output(true, SCRATCH_CHARS));
  return (scratch.narrow ??= new Output(false, SCRATCH_CHARS));
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Whether the server reads the number [start, end) as an integer: it fits in 32 bits (a larger
 * one is a float). `_` separates digits.
 */
function fitsInteger(s: string, start: number, end: number, radix: number): boolean {
  let value = 0;
  for (let k = radix === 10 ? start : start + 2; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c === 95) continue;
    const digit = c <= 57 ? c - 48 : (c | 32) - 87;
    value = value * radix + digit;
    if (value > INT32_MAX) return false;
  }
  return true;
}

class Lexer {
  private i = 0;
  private readonly n: number;
  private readonly out: Output;
  private canonicalLength = 0;
  private digestLength = 0;
  readonly canonicalStarts: number[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly semicolons: number[] = [];
  readonly literals: number[] = [];
  backslashInPlainString = false;
  /** The last word was UESCAPE: its string is part of the code, not a value (see `word`). */
  private escapeNext = false;
  /** A token has a character beyond Latin-1 and the output is one byte a character. */
  beyondLatin1 = false;
  private readonly backslash: boolean;

  constructor(
    private readonly s: string,
    opts: LexOptions,
    wide: boolean,
  ) {
    this.n = s.length;
    this.out = output(s.length, wide);
    this.backslash = opts.standardConformingStrings === false;
  }

  private push(start: number, end: number, kind: Kind): void {
    const { canonical, digest } = this.out;
    let c = this.canonicalLength;
    let d = this.digestLength;
    if (this.starts.length > 0) {
      canonical[c++] = SPACE;
      digest[d++] = SPACE;
    }
    this.canonicalStarts.push(c);
    const s = this.s;
    let bits = 0;
    if (kind === Kind.Literal || kind === Kind.FloatLiteral) {
      for (let k = start; k < end; k++) {
        const code = s.charCodeAt(k);
        bits |= code;
        canonical[c++] = code;
      }
      digest[d++] = QUESTION;
      if (kind === Kind.FloatLiteral) digest[d++] = DOT;
      this.literals.push(this.starts.length);
    } else {
      const fold = kind === Kind.Word ? 32 : 0;
      for (let k = start; k < end; k++) {
        const code = s.charCodeAt(k);
        bits |= code;
        const folded = code >= 65 && code <= 90 ? code + fold : code;
        canonical[c++] = folded;
        digest[d++] = folded;
      }
    }
    if (bits > 0xff && !this.out.wide) this.beyondLatin1 = true;
    this.canonicalLength = c;
    this.digestLength = d;
    this.escapeNext = false;
    this.starts.push(start);
    this.ends.push(end);
  }

  get canonical(): string {
    return this.out.canonicalString(this.canonicalLength);
  }

  get digest(): string {
    return this.out.digestString(this.digestLength);
  }

  /** Returns false when the text cannot be lexed with certainty. */
  run(): boolean {
    const s = this.s;
    while (this.i < this.n) {
      const c = s.charCodeAt(this.i);
      // Spaces and words first: they are most of any text, and no other branch takes them.
      if (isSpace(c)) {
        this.i++;
        continue;
      }
      if (isIdentStart(c)) {
        if (!this.word()) return false;
        continue;
      }
      const next = this.i + 1 < this.n ? s.charCodeAt(this.i + 1) : 0;
      if (c === 45 && next === 45) {
        this.lineComment();
      } else if (c === 47 && next === 42) {
        if (!this.blockComment()) return false;
      } else if (c === 39) {
        if (!this.quoted(this.i, this.i, 39, this.backslash, true)) return false;
      } else if (c === 34) {
        if (!this.quotedIdent(this.i, 34)) return false;
      } else if (c === 36) {
        if (!this.dollar()) return false;
      } else if (isDigit(c) || (c === 46 && isDigit(next))) {
        this.number();
      } else if (c === 59) {
        this.semicolons.push(this.starts.length);
        this.push(this.i, this.i + 1, Kind.Verbatim);
        this.i++;
      } else {
        this.operator();
      }
    }
    return true;
  }

  private lineComment(): void {
    const nl = this.s.indexOf('\n', this.i);
    this.i = nl < 0 ? this.n : nl + 1;
  }

  private blockComment(): boolean {
    const s = this.s;
    // Postgres block comments nest.
    let depth = 1;
    let j = this.i + 2;
    while (j < this.n) {
      if (s.charCodeAt(j) === 42 && s.charCodeAt(j + 1) === 47) {
        depth--;
        j += 2;
        if (depth === 0) {
          this.i = j;
          return true;
        }
      } else if (s.charCodeAt(j) === 47 && s.charCodeAt(j + 1) === 42) {
        depth++;
        j += 2;
      } else j++;
    }
    return false;
  }

  /** A quoted literal starting at `open`; `start` includes any prefix (E, X, N, U&, _charset). */
  private quoted(
    start: number,
    open: number,
    quote: number,
    backslash: boolean,
    plain: boolean,
    doubling = true,
  ): boolean {
    const s = this.s;
    let j = open + 1;
    for (;;) {
      if (j >= this.n) return false;
      const c = s.charCodeAt(j);
      if (c === 92 && backslash) {
        if (plain) this.backslashInPlainString = true;
        j += 2;
      } else if (c === quote) {
        if (doubling && s.charCodeAt(j + 1) === quote) j += 2;
        else {
          const next = quote === 39 ? this.continuation(j + 1) : -1;
          if (next < 0) break;
          j = next + 1;
        }
      } else j++;
    }
    j++;
    this.push(start, j, this.escapeNext ? Kind.Verbatim : Kind.Literal);
    this.i = j;
    return true;
  }

  /**
   * Postgres continues a string literal across whitespace that holds a newline:
   * 'a'<newline>'b' is the one literal 'ab'. Returns the offset of the continuing quote, or -1.
   */
  private continuation(from: number): number {
    const s = this.s;
    let k = from;
    let newline = false;
    while (k < this.n && isSpace(s.charCodeAt(k))) {
      const c = s.charCodeAt(k);
      if (c === 10 || c === 13) newline = true;
      k++;
    }
    return newline && s.charCodeAt(k) === 39 ? k : -1;
  }

  private quotedIdent(start: number, quote: number): boolean {
    const s = this.s;
    let j = this.i + 1;
    for (;;) {
      if (j >= this.n) return false;
      if (s.charCodeAt(j) === quote) {
        if (s.charCodeAt(j + 1) === quote) j += 2;
        else break;
      } else j++;
    }
    j++;
    this.push(start, j, Kind.Verbatim);
    this.i = j;
    return true;
  }

  private dollar(): boolean {
    const s = this.s;
    const start = this.i;
    let j = this.i + 1;
    if (isDigit(s.charCodeAt(j))) {
      while (j < this.n && isDigit(s.charCodeAt(j))) j++;
      this.push(start, j, Kind.Verbatim);
      this.i = j;
      return true;
    }
    if (s.charCodeAt(j) !== 36) {
      if (!isIdentStart(s.charCodeAt(j))) {
        this.operator();
        return true;
      }
      while (j < this.n && (isIdentStart(s.charCodeAt(j)) || isDigit(s.charCodeAt(j)))) j++;
      if (s.charCodeAt(j) !== 36) {
        this.operator();
        return true;
      }
    }
    const tag = s.slice(start, j + 1);
    const close = s.indexOf(tag, j + 1);
    if (close < 0) return false;
    const end = close + tag.length;
    this.push(start, end, Kind.Literal);
    this.i = end;
    return true;
  }

  private number(): void {
    const s = this.s;
    const start = this.i;
    let j = this.i;
    let radix = 10;
    const c1 = s.charCodeAt(j + 1) | 32;
    if (s.charCodeAt(j) === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) {
      // 0x…, 0o…, 0b…
      radix = c1 === 120 ? 16 : c1 === 111 ? 8 : 2;
      j += 2;
      while (j < this.n && isHexOrUnderscore(s.charCodeAt(j))) j++;
    } else {
      j = this.digits(j);
      if (s.charCodeAt(j) === 46 && s.charCodeAt(j + 1) !== 46) {
        j = this.digits(j + 1);
        radix = 0;
      }
      if ((s.charCodeAt(j) | 32) === 101) {
        const sign = s.charCodeAt(j + 1);
        const from = isDigit(sign)
          ? j + 1
          : (sign === 43 || sign === 45) && isDigit(s.charCodeAt(j + 2))
            ? j + 2
            : -1;
        if (from > 0) {
          j = this.digits(from);
          radix = 0;
        }
      }
    }
    this.push(start, j, radix !== 0 && fitsInteger(s, start, j, radix) ? Kind.Literal : Kind.FloatLiteral);
    this.i = j;
  }

  private digits(from: number): number {
    let j = from;
    while (j < this.n && (isDigit(this.s.charCodeAt(j)) || this.s.charCodeAt(j) === 95)) j++;
    return j;
  }

  private word(): boolean {
    const s = this.s;
    const start = this.i;
    const c = s.charCodeAt(start);
    const lower = c | 32;
    const next = s.charCodeAt(start + 1);
    // Literal prefixes: E'…' B'…' X'…' N'…' and U&'…' / U&"…".
    if (next === 39 && (lower === 101 || lower === 98 || lower === 120 || lower === 110)) {
      if (lower === 110) {
        // N'…' is the keyword NCHAR then a plain string (as the server lexes it).
        this.push(start, start + 1, Kind.Word);
        return this.quoted(start + 1, start + 1, 39, this.backslash, true);
      }
      // Bit strings (B'…', X'…') end at the first quote: no '' inside.
      const escapeString = lower === 101;
      return this.quoted(start, start + 1, 39, escapeString, false, escapeString);
    }
    if (lower === 117 && next === 38) {
      const q = s.charCodeAt(start + 2);
      if (q === 39) return this.quoted(start, start + 2, 39, false, false);
      if (q === 34) {
        this.i += 2;
        return this.quotedIdent(start, 34);
      }
    }
    let j = start;
    while (j < this.n && isIdentChar(s.charCodeAt(j))) j++;
    this.push(start, j, Kind.Word);
    // U&'…' UESCAPE '!': which character escapes decides whether the string parses at all.
    this.escapeNext = j - start === 7 && s.slice(start, j).toLowerCase() === 'uescape';
    this.i = j;
    return true;
  }

  private operator(): void {
    const s = this.s;
    const start = this.i;
    if (isPgOp(s.charCodeAt(start))) {
      let j = start;
      while (j < this.n && isPgOp(s.charCodeAt(j))) {
        const c = s.charCodeAt(j);
        const after = s.charCodeAt(j + 1);
        if ((c === 47 && after === 42) || (c === 45 && after === 45)) break;
        j++;
      }
      let len = Math.max(j - start, 1);
      const last = s.charCodeAt(start + len - 1);
      if (len > 1 && (last === 43 || last === 45)) {
        let special = false;
        for (let k = start; k < start + len - 1; k++) if (PG_OP[s.charCodeAt(k)] === 2) special = true;
        if (!special) {
          let end = s.charCodeAt(start + len - 1);
          do {
            len--;
            end = s.charCodeAt(start + len - 1);
          } while (len > 1 && (end === 43 || end === 45));
        }
      }
      this.push(start, start + len, Kind.Verbatim);
      this.i = start + len;
      return;
    }
    const len = this.punctuationLength(start);
    this.push(start, start + len, Kind.Verbatim);
    this.i = start + len;
  }

  /** `:=`, `::` and `..` are one token; any other punctuation is one character. */
  private punctuationLength(start: number): number {
    const c = this.s.charCodeAt(start);
    const next = this.s.charCodeAt(start + 1);
    return (c === 58 && (next === 61 || next === 58)) || (c === 46 && next === 46) ? 2 : 1;
  }
}

/**
 * Lexes `text` into the digest, the canonical form and token offsets; undefined when it cannot
 * be lexed with certainty (unterminated literal or comment).
 */
export function scan(text: string, opts: LexOptions): Scanned | undefined {
  let lexer = new Lexer(text, opts, false);
  let lexable = lexer.run();
  if (lexer.beyondLatin1) {
    lexer = new Lexer(text, opts, true);
    lexable = lexer.run();
  }
  if (!lexable) return undefined;
  return {
    digest: lexer.digest,
    canonical: lexer.canonical,
    canonicalStarts: lexer.canonicalStarts,
    starts: lexer.starts,
    ends: lexer.ends,
    semicolons: lexer.semicolons,
    literals: lexer.literals,
    backslashInPlainString: lexer.backslashInPlainString,
  };
}

/** `scanned` with each token's canonical text split out. */
export function withTokens(scanned: Scanned): Lexed {
  const n = scanned.canonicalStarts.length;
  const tokens = new Array<string>(n);
  for (let i = 0; i < n; i++) tokens[i] = canonicalOf(scanned, i, i + 1);
  return { ...scanned, tokens };
}

/** Lexes `text`; undefined when it cannot be lexed with certainty (unterminated literal or comment). */
export function lex(text: string, opts: LexOptions): Lexed | undefined {
  const scanned = scan(text, opts);
  return scanned && withTokens(scanned);
}
