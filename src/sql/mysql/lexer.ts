// A single-pass MySQL/MariaDB lexer. It decides what the server will see: which characters are
// strings, identifiers, comments and code. Executable comments (`/*! … */`, `/*!50000 … */`,
// MariaDB `/*M! … */`) run or not by the rules and version of the server in the flags: the
// markers of one that runs are dropped and its content lexed as tokens; one that does not run
// is a comment. Without a server every one is code (callers that must be exact fork over
// executableReadings). No regular expressions on the hot path.

import { GuardrailError, type GuardrailErrorCode } from '../../errors/guardrail-error.js';
import { isDigit, isIdentChar } from '../chars.js';
import { runsExecutable } from './server.js';
import type { LexFlags } from './sql-mode.js';

export type TokenKind =
  | 'word' // unquoted identifier or keyword
  | 'qident' // `quoted` identifier, or "quoted" under ANSI_QUOTES
  | 'string' // '…' or "…"; `prefix` is X, B or N for X'…', B'…', N'…'
  | 'number'
  | 'var' // @name, @'name'
  | 'sysvar' // @@name, @@session.name
  | 'param' // ?
  | 'op'
  | 'punct'; // ( ) , ; .

export interface Token {
  kind: TokenKind;
  /** Source text of the token. */
  text: string;
  /** Strings and quoted identifiers: the unescaped value; words: as written; vars: the name. */
  value: string;
  /** Upper-cased `value` for words, '' otherwise. */
  upper: string;
  start: number;
  end: number;
  /** Whitespace or a comment separates this token from the previous one. */
  spaced: boolean;
  /** For strings: X, B or N; or the charset introducer is a separate word token. */
  prefix?: string;
  /** The token came from inside an executable comment. */
  executable?: boolean;
  /**
   * Tokens of the optimizer hint comments (`/*+ …`) just before this one. MySQL 8 runs them:
   * `SET_VAR(foreign_key_checks = 0)` switches a check off for the statement.
   */
  hint?: Token[];
}

export class LexError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_SQL_LEX';

  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const C_NL = 10;
const C_CR = 13;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * The end of a comment whose content starts at `p`. An executable comment the server does not
 * run may hold one level of ordinary comments (`/*!99999 a /* b *\/ c *\/` is all comment);
 * an ordinary comment ends at the first `*\/`.
 */
function skipComment(s: string, p: number, start: number, nested: boolean): number {
  for (;;) {
    const close = s.indexOf('*/', p);
    if (close < 0) throw new LexError('unterminated comment', start);
    const open = nested ? s.indexOf('/*', p) : -1;
    if (open < 0 || open >= close) return close + 2;
    const inner = s.indexOf('*/', open + 2);
    if (inner < 0) throw new LexError('unterminated comment', start);
    p = inner + 2;
  }
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

const THREE_CHAR_OPS = ['<=>', '->>'];
const TWO_CHAR_OPS = [':=', '<=', '>=', '<>', '!=', '<<', '>>', '&&', '||', '->'];
const PUNCT = new Set(['(', ')', ',', ';', '.']);

const BACKSLASH_ESCAPES: Record<string, string> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  // \% and \_ keep their backslash (they matter to LIKE).
  '%': '\\%',
  _: '\\_',
};

export interface LexerState {
  pos: number;
  inExecutable: boolean;
}

/**
 * Pull lexer: `next()` returns tokens until the end of input. Comments are skipped; `spaced`
 * remembers that something separated two tokens. Throws LexError for unterminated strings,
 * identifiers and comments: the server would reject them too, and we must not guess.
 */
export class Lexer {
  pos: number;
  private inExecutable: boolean;
  private sawGap = false;
  private hint: Token[] | undefined;
  /** Executable comments seen so far. */
  executableComments = 0;

  constructor(
    readonly src: string,
    readonly flags: LexFlags,
    state: LexerState = { pos: 0, inExecutable: false },
    /** A client-side delimiter other than `;` (scripts only): reported as a `punct` ';' token. */
    readonly delimiter?: string,
  ) {
    this.pos = state.pos;
    this.inExecutable = state.inExecutable;
  }

  state(): LexerState {
    return { pos: this.pos, inExecutable: this.inExecutable };
  }

  /** Skips whitespace and comments; returns false at end of input. */
  private skipTrivia(): boolean {
    const s = this.src;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (Number.isNaN(c)) return false;
      if (isSpace(c)) {
        this.pos++;
        this.sawGap = true;
        continue;
      }
      if (c === 35 /* # */) {
        this.skipLine();
        continue;
      }
      if (c === 45 /* - */ && s.charCodeAt(this.pos + 1) === 45) {
        // MySQL needs whitespace or a control character after `--`; `1--1` is arithmetic.
        const after = s.charCodeAt(this.pos + 2);
        if (Number.isNaN(after) || after <= 32) {
          this.skipLine();
          continue;
        }
        return true;
      }
      if (c === 47 /* / */ && s.charCodeAt(this.pos + 1) === 42 /* * */) {
        const start = this.pos;
        let p = this.pos + 2;
        let executable = false;
        let maria = false;
        if (s.charCodeAt(p) === 33 /* ! */) {
          executable = true;
          p++;
        } else if ((s.charCodeAt(p) === 77 || s.charCodeAt(p) === 109) && s.charCodeAt(p + 1) === 33) {
          executable = true; // MariaDB /*M!
          maria = true;
          p += 2;
        }
        if (executable) {
          if (this.inExecutable) throw new LexError('nested executable comment', start);
          // Exactly five digits are a version, six when a sixth follows (MariaDB, sql_lex.cc).
          let version: number | undefined;
          let digits = 0;
          while (digits < 5 && isDigit(s.charCodeAt(p + digits))) digits++;
          if (digits === 5) {
            const six = this.flags.server?.flavour !== 'mysql' && isDigit(s.charCodeAt(p + 5));
            version = Number(s.slice(p, p + (six ? 6 : 5)));
            p += six ? 6 : 5;
          }
          const server = this.flags.server;
          if (server && !runsExecutable(server, maria, version)) {
            this.pos = skipComment(s, p, start, true);
            this.sawGap = true;
            continue;
          }
          this.pos = p;
          this.inExecutable = true;
          this.executableComments++;
          this.sawGap = true;
          continue;
        }
        const end = skipComment(s, p, start, false);
        if (s.charCodeAt(p) === 43 /* + */) this.hintTokens(p + 1, end - 2);
        this.pos = end;
        this.sawGap = true;
        continue;
      }
      if (this.inExecutable && c === 42 && s.charCodeAt(this.pos + 1) === 47) {
        this.pos += 2;
        this.inExecutable = false;
        this.sawGap = true;
        continue;
      }
      return true;
    }
  }

  private hintTokens(from: number, to: number): void {
    const lx = new Lexer(this.src.slice(0, to), this.flags, { pos: from, inExecutable: false });
    const tokens = this.hint ?? [];
    try {
      for (let t = lx.next(); t; t = lx.next()) tokens.push(t);
    } catch (err) {
      // The server ignores a hint it cannot read, with a warning.
      if (!(err instanceof LexError)) throw err;
    }
    this.hint = tokens;
  }

  private skipLine(): void {
    const s = this.src;
    let p = this.pos;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === C_NL || c === C_CR) break;
      p++;
    }
    this.pos = p;
    this.sawGap = true;
  }

  /**
   * Index of the end of a quoted run starting at `start` (the opening character), and its
   * unescaped value. `quote` closes it (`]` for MSSQL `[…]`); doubled, it stands for itself.
   */
  private quoted(
    start: number,
    quote: number,
    backslash: boolean,
    what: string,
  ): { end: number; value: string } {
    const s = this.src;
    let p = start + 1;
    let value = '';
    let run = p;
    for (;;) {
      if (p >= s.length) throw new LexError(`unterminated ${what}`, start);
      const c = s.charCodeAt(p);
      if (c === quote) {
        if (s.charCodeAt(p + 1) === quote) {
          value += s.slice(run, p + 1);
          p += 2;
          run = p;
          continue;
        }
        value += s.slice(run, p);
        return { end: p + 1, value };
      }
      if (backslash && c === 92) {
        if (p + 1 >= s.length) throw new LexError(`unterminated ${what}`, start);
        value += s.slice(run, p);
        const e = s[p + 1]!;
        value += BACKSLASH_ESCAPES[e] ?? e;
        p += 2;
        run = p;
        continue;
      }
      p++;
    }
  }

  next(): Token | undefined {
    this.sawGap = false;
    this.hint = undefined;
    if (!this.skipTrivia()) return undefined;
    const s = this.src;
    const start = this.pos;
    const spaced = this.sawGap;
    const executable = this.inExecutable || undefined;
    const hint = this.hint;
    const c = s.charCodeAt(start);
    const make = (kind: TokenKind, end: number, value: string, extra: Partial<Token> = {}): Token => {
      this.pos = end;
      const text = s.slice(start, end);
      return {
        kind,
        text,
        value,
        upper: kind === 'word' ? value.toUpperCase() : '',
        start,
        end,
        spaced,
        ...(executable ? { executable } : {}),
        ...(hint ? { hint } : {}),
        ...extra,
      };
    };

    if (this.delimiter && s.startsWith(this.delimiter, start)) {
      return make('punct', start + this.delimiter.length, ';');
    }

    // Strings.
    if (c === 39 || (c === 34 && !this.flags.ansiQuotes)) {
      const q = this.quoted(start, c, !this.flags.noBackslashEscapes, 'string');
      return make('string', q.end, q.value);
    }
    // Quoted identifiers: backslash is never an escape there.
    if (c === 96 || c === 34) {
      const q = this.quoted(start, c, false, 'quoted identifier');
      return make('qident', q.end, q.value);
    }
    if (c === 91 /* [ */ && this.flags.brackets) {
      const q = this.quoted(start, 93 /* ] */, false, 'quoted identifier');
      return make('qident', q.end, q.value);
    }
    if (c === 64 /* @ */) {
      if (s.charCodeAt(start + 1) === 64) {
        // @@name, @@scope.name, and either part `quoted` (@@session.`sql_log_bin`): the value
        // is the name the server resolves, quotes removed.
        let p = start + 2;
        let value = '';
        for (;;) {
          if (s.charCodeAt(p) === 96) {
            const q = this.quoted(p, 96, false, 'quoted identifier');
            value += q.value;
            p = q.end;
          } else {
            const from = p;
            while (p < s.length && isIdentChar(s.charCodeAt(p))) p++;
            if (p === from) throw new LexError('malformed system variable', start);
            value += s.slice(from, p);
          }
          const after = s.charCodeAt(p + 1);
          if (s.charCodeAt(p) !== 46 || !(isIdentChar(after) || after === 96)) break;
          value += '.';
          p++;
        }
        return make('sysvar', p, value);
      }
      const q = s.charCodeAt(start + 1);
      if (q === 39 || q === 34 || q === 96) {
        const r = this.quoted(start + 1, q, q !== 96 && !this.flags.noBackslashEscapes, 'variable name');
        return make('var', r.end, r.value);
      }
      let p = start + 1;
      while (p < s.length && (isIdentChar(s.charCodeAt(p)) || s.charCodeAt(p) === 46)) p++;
      return make('var', p, s.slice(start + 1, p));
    }
    // X'..', B'..', N'..'
    if (
      (c === 88 || c === 120 || c === 66 || c === 98 || c === 78 || c === 110) &&
      s.charCodeAt(start + 1) === 39
    ) {
      const prefix = s[start]!.toUpperCase();
      const q = this.quoted(start + 1, 39, prefix === 'N' && !this.flags.noBackslashEscapes, 'string');
      return make('string', q.end, q.value, { prefix });
    }
    if (c === 46 && isDigit(s.charCodeAt(start + 1)) && !(this.prevWordLike(start) && !spaced)) {
      return make('number', this.numberEnd(start), s.slice(start, this.numberEnd(start)));
    }
    if (isIdentChar(c)) {
      let p = start;
      while (p < s.length && isIdentChar(s.charCodeAt(p))) p++;
      const word = s.slice(start, p);
      const num = this.numberLike(start, p);
      if (num !== undefined) return make('number', num, s.slice(start, num));
      return make('word', p, word);
    }
    if (c === 63) return make('param', start + 1, '?');
    const ch = s[start]!;
    if (PUNCT.has(ch)) return make('punct', start + 1, ch);
    for (const op of THREE_CHAR_OPS) if (s.startsWith(op, start)) return make('op', start + 3, op);
    for (const op of TWO_CHAR_OPS) if (s.startsWith(op, start)) return make('op', start + 2, op);
    const code = s.codePointAt(start)!;
    const len = code > 0xffff ? 2 : 1;
    return make('op', start + len, s.slice(start, start + len));
  }

  private prevWordLike(start: number): boolean {
    const c = this.src.charCodeAt(start - 1);
    return isIdentChar(c) || c === 96 || c === 34;
  }

  /** `start..wordEnd` is an identifier-character run: is it a number (123, 1.5e3, 0x1F, 0b01)? */
  private numberLike(start: number, wordEnd: number): number | undefined {
    const s = this.src;
    let p = start;
    if (!isDigit(s.charCodeAt(p))) return undefined;
    if (s.charCodeAt(p) === 48 && (s.charCodeAt(p + 1) === 120 || s.charCodeAt(p + 1) === 98)) {
      const hex = s.charCodeAt(p + 1) === 120;
      let q = p + 2;
      while (q < wordEnd && (hex ? isHex(s.charCodeAt(q)) : s.charCodeAt(q) === 48 || s.charCodeAt(q) === 49))
        q++;
      if (q === wordEnd && q > p + 2) return q;
    }
    while (p < wordEnd && isDigit(s.charCodeAt(p))) p++;
    if (p === wordEnd) return this.numberEnd(start);
    // 1e5 / 1e (followed by sign)
    if (s.charCodeAt(p) === 101 || s.charCodeAt(p) === 69) {
      const end = this.numberEnd(start);
      if (end >= wordEnd) return end;
    }
    return undefined; // identifiers may start with digits: 1abc
  }

  /** End of a numeric literal starting at `start`: digits [. digits] [e [+-] digits]. */
  private numberEnd(start: number): number {
    const s = this.src;
    let p = start;
    while (isDigit(s.charCodeAt(p))) p++;
    if (s.charCodeAt(p) === 46) {
      p++;
      while (isDigit(s.charCodeAt(p))) p++;
    }
    const e = s.charCodeAt(p);
    if (e === 101 || e === 69) {
      let q = p + 1;
      if (s.charCodeAt(q) === 43 || s.charCodeAt(q) === 45) q++;
      if (isDigit(s.charCodeAt(q))) {
        while (isDigit(s.charCodeAt(q))) q++;
        p = q;
      }
    }
    return p;
  }
}

/** Lexes a whole string (no statement splitting). */
export function tokenize(src: string, flags: LexFlags): Token[] {
  const lx = new Lexer(src, flags);
  const out: Token[] = [];
  for (let t = lx.next(); t; t = lx.next()) out.push(t);
  return out;
}
