// One hand-written pass over statement text that yields, together:
//  - the digest: tokens with literals replaced by `?` (ProxySQL style), the key of the shape cache;
//  - the canonical form: tokens joined by single spaces, unquoted words lower-cased (ASCII only,
//    as the servers fold), quoted identifiers and literals kept verbatim, comments dropped;
//  - token start offsets, so cached finding locations can be moved onto a new text of the same shape.
// It lexes like the server does (nested comments and dollar quotes for Postgres, executable
// comments, backticks and backslash escapes for MySQL). When it meets something it cannot lex
// with certainty (an unterminated literal or comment) it returns undefined and callers fall
// back to the real parser.
import type { Dialect } from './types.js';

export interface LexOptions {
  dialect: Dialect;
  /** Postgres: with standard_conforming_strings off, `\` escapes inside plain '…' strings. */
  standardConformingStrings?: boolean;
  /** MySQL: the session's sql_mode (ANSI_QUOTES, NO_BACKSLASH_ESCAPES). */
  sqlMode?: string;
}

export interface Lexed {
  digest: string;
  /** Canonical text of every token, in order (join with ' ' for the canonical form). */
  tokens: string[];
  /** Start offset (in characters) of every token, in order. */
  starts: number[];
  /** End offset of every token. */
  ends: number[];
  /** Index of each top-level `;` token. */
  semicolons: number[];
  /** Postgres with standard_conforming_strings off: a plain string contains a backslash. */
  backslashInPlainString: boolean;
}

const PG_OP_CHARS = '~!@#^&|`?+-*/%<>=';
const PG_OP_SPECIAL = '~!@#^&|`?%';

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}

const UPPER = /[A-Z]/;

function lowerAscii(s: string): string {
  return UPPER.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

class Lexer {
  private i = 0;
  private readonly n: number;
  readonly digest: string[] = [];
  readonly canonical: string[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly semicolons: number[] = [];
  backslashInPlainString = false;
  private execComment = 0;
  private readonly pg: boolean;
  private readonly backslash: boolean;
  private readonly ansiQuotes: boolean;

  constructor(
    private readonly s: string,
    opts: LexOptions,
  ) {
    this.n = s.length;
    this.pg = opts.dialect === 'postgres';
    const mode = (opts.sqlMode ?? '').toUpperCase();
    this.backslash = this.pg
      ? opts.standardConformingStrings === false
      : !mode.includes('NO_BACKSLASH_ESCAPES');
    this.ansiQuotes = !this.pg && mode.includes('ANSI_QUOTES');
  }

  private push(start: number, end: number, canonical: string, digest: string): void {
    this.starts.push(start);
    this.ends.push(end);
    this.canonical.push(canonical);
    this.digest.push(digest);
  }

  /** Returns false when the text cannot be lexed with certainty. */
  run(): boolean {
    const s = this.s;
    while (this.i < this.n) {
      const c = s.charCodeAt(this.i);
      const next = this.i + 1 < this.n ? s.charCodeAt(this.i + 1) : 0;
      if (isSpace(c)) {
        this.i++;
      } else if (c === 45 && next === 45 && (this.pg || this.mysqlDashComment())) {
        this.lineComment();
      } else if (c === 35 && !this.pg) {
        this.lineComment();
      } else if (c === 47 && next === 42) {
        if (!this.blockComment()) return false;
      } else if (c === 42 && next === 47 && this.execComment > 0) {
        this.execComment--;
        this.push(this.i, this.i + 2, '*/', '*/');
        this.i += 2;
      } else if (c === 39) {
        if (!this.quoted(this.i, this.i, 39, this.backslash, true)) return false;
      } else if (c === 34) {
        if (this.pg || this.ansiQuotes) {
          if (!this.quotedIdent(this.i, 34)) return false;
        } else if (!this.quoted(this.i, this.i, 34, this.backslash, true)) return false;
      } else if (c === 96 && !this.pg) {
        if (!this.quotedIdent(this.i, 96)) return false;
      } else if (c === 36 && this.pg) {
        if (!this.dollar()) return false;
      } else if (isDigit(c) || (c === 46 && isDigit(next))) {
        this.number();
      } else if (isIdentStart(c)) {
        if (!this.word()) return false;
      } else if (c === 64 && !this.pg) {
        this.mysqlVariable();
      } else if (c === 59) {
        if (this.execComment === 0) this.semicolons.push(this.starts.length);
        this.push(this.i, this.i + 1, ';', ';');
        this.i++;
      } else {
        this.operator();
      }
    }
    return this.execComment === 0;
  }

  private mysqlDashComment(): boolean {
    const after = this.i + 2 < this.n ? this.s.charCodeAt(this.i + 2) : 32;
    return after <= 32;
  }

  private lineComment(): void {
    const nl = this.s.indexOf('\n', this.i);
    this.i = nl < 0 ? this.n : nl + 1;
  }

  private blockComment(): boolean {
    const s = this.s;
    if (!this.pg && (s[this.i + 2] === '!' || (s[this.i + 2] === 'M' && s[this.i + 3] === '!'))) {
      // MySQL/MariaDB executable comment: its content is code.
      const start = this.i;
      let j = this.i + (s[this.i + 2] === 'M' ? 4 : 3);
      while (j < this.n && isDigit(s.charCodeAt(j))) j++;
      const marker = s.slice(start, j);
      this.push(start, j, marker, marker);
      this.execComment++;
      this.i = j;
      return true;
    }
    let depth = 1;
    let j = this.i + 2;
    while (j < this.n) {
      if (s.charCodeAt(j) === 42 && s.charCodeAt(j + 1) === 47) {
        depth--;
        j += 2;
        if (depth === 0 || !this.pg) {
          this.i = j;
          return true;
        }
      } else if (this.pg && s.charCodeAt(j) === 47 && s.charCodeAt(j + 1) === 42) {
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
        if (plain && this.pg) this.backslashInPlainString = true;
        j += 2;
      } else if (c === quote) {
        if (doubling && s.charCodeAt(j + 1) === quote) j += 2;
        else {
          const next = quote === 39 && this.pg ? this.continuation(j + 1) : -1;
          if (next < 0) break;
          j = next + 1;
        }
      } else j++;
    }
    j++;
    const text = s.slice(start, j);
    this.push(start, j, text, '?');
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
      if (s[k] === '\n' || s[k] === '\r') newline = true;
      k++;
    }
    return newline && s[k] === "'" ? k : -1;
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
    const text = s.slice(start, j);
    this.push(start, j, text, text);
    this.i = j;
    return true;
  }

  private dollar(): boolean {
    const s = this.s;
    const start = this.i;
    let j = this.i + 1;
    if (isDigit(s.charCodeAt(j))) {
      while (j < this.n && isDigit(s.charCodeAt(j))) j++;
      const text = s.slice(start, j);
      this.push(start, j, text, text);
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
    const text = s.slice(start, end);
    this.push(start, end, text, '?');
    this.i = end;
    return true;
  }

  private number(): void {
    const s = this.s;
    const start = this.i;
    let j = this.i;
    const c1 = s[j + 1];
    if (s[j] === '0' && c1 !== undefined && 'xXoObB'.includes(c1) && this.pg) {
      j += 2;
      while (j < this.n && /[0-9a-fA-F_]/.test(s[j]!)) j++;
    } else {
      while (j < this.n && (isDigit(s.charCodeAt(j)) || s[j] === '_')) j++;
      if (s[j] === '.' && s[j + 1] !== '.') {
        j++;
        while (j < this.n && (isDigit(s.charCodeAt(j)) || s[j] === '_')) j++;
      }
      if ((s[j] === 'e' || s[j] === 'E') && /[0-9]|[+-][0-9]/.test(s.slice(j + 1, j + 3))) {
        j += 2;
        while (j < this.n && (isDigit(s.charCodeAt(j)) || s[j] === '_')) j++;
      }
    }
    const text = s.slice(start, j);
    this.push(start, j, text, '?');
    this.i = j;
  }

  private word(): boolean {
    const s = this.s;
    const start = this.i;
    const c = s[this.i]!;
    const next = s[this.i + 1];
    // Literal prefixes: E'…' B'…' X'…' N'…' and U&'…' / U&"…" (Postgres); X'…' B'…' N'…' (MySQL).
    if (next === "'" && 'eEbBxXnN'.includes(c)) {
      if (this.pg && (c === 'n' || c === 'N')) {
        // N'…' is the keyword NCHAR then a plain string (as the server lexes it).
        this.push(start, start + 1, 'n', 'n');
        return this.quoted(start + 1, start + 1, 39, this.backslash, true);
      }
      const escapes = this.pg ? c === 'e' || c === 'E' : this.backslash;
      // Postgres bit strings (B'…', X'…') end at the first quote: no '' inside.
      const doubling = !this.pg || c === 'e' || c === 'E';
      return this.quoted(start, this.i + 1, 39, escapes, false, doubling);
    }
    if ((c === 'u' || c === 'U') && next === '&' && this.pg) {
      const q = s[this.i + 2];
      if (q === "'") return this.quoted(start, this.i + 2, 39, false, false);
      if (q === '"') {
        this.i += 2;
        return this.quotedIdent(start, 34);
      }
    }
    let j = this.i;
    while (j < this.n && isIdentChar(s.charCodeAt(j))) j++;
    const text = s.slice(start, j);
    if (!this.pg && text.startsWith('_') && s[j] === "'") {
      // MySQL charset introducer: _utf8mb4'…'
      return this.quoted(start, j, 39, this.backslash, false);
    }
    const lower = lowerAscii(text);
    this.push(start, j, lower, lower);
    this.i = j;
    return true;
  }

  private mysqlVariable(): void {
    const s = this.s;
    const start = this.i;
    let j = this.i + 1;
    if (s[j] === '@') j++;
    while (j < this.n && (isIdentChar(s.charCodeAt(j)) || s[j] === '.')) j++;
    const lower = lowerAscii(s.slice(start, j));
    this.push(start, j, lower, lower);
    this.i = j;
  }

  private operator(): void {
    const s = this.s;
    const start = this.i;
    const c = s[start]!;
    if (this.pg && PG_OP_CHARS.includes(c)) {
      let j = start;
      while (j < this.n && PG_OP_CHARS.includes(s[j]!)) {
        if ((s[j] === '/' && s[j + 1] === '*') || (s[j] === '-' && s[j + 1] === '-')) break;
        j++;
      }
      let len = Math.max(j - start, 1);
      const last = s[start + len - 1];
      if (len > 1 && (last === '+' || last === '-')) {
        let special = false;
        for (let k = start; k < start + len - 1; k++) if (PG_OP_SPECIAL.includes(s[k]!)) special = true;
        if (!special) {
          do len--;
          while (len > 1 && (s[start + len - 1] === '+' || s[start + len - 1] === '-'));
        }
      }
      const text = s.slice(start, start + len);
      this.push(start, start + len, text, text);
      this.i = start + len;
      return;
    }
    const two = s.slice(start, start + 2);
    const three = s.slice(start, start + 3);
    const len = [':=', '::', '..'].includes(two) && this.pg ? 2 : this.mysqlOperatorLength(two, three);
    const text = s.slice(start, start + len);
    this.push(start, start + len, text, text);
    this.i = start + len;
  }

  private mysqlOperatorLength(two: string, three: string): number {
    if (this.pg) return 1;
    if (three === '<=>' || three === '->>') return 3;
    if (['<=', '>=', '<>', '!=', '||', '&&', ':=', '->', '<<', '>>'].includes(two)) return 2;
    return 1;
  }
}

/** Lexes `text`; undefined when it cannot be lexed with certainty (unterminated literal or comment). */
export function lex(text: string, opts: LexOptions): Lexed | undefined {
  const lexer = new Lexer(text, opts);
  if (!lexer.run()) return undefined;
  return {
    digest: lexer.digest.join(' '),
    tokens: lexer.canonical,
    starts: lexer.starts,
    ends: lexer.ends,
    semicolons: lexer.semicolons,
    backslashInPlainString: lexer.backslashInPlainString,
  };
}

/** The digest alone (literals replaced by `?`): the key of the shape cache. */
export function digest(text: string, opts: LexOptions): string | undefined {
  return lex(text, opts)?.digest;
}
