// A hand-written Postgres tokenizer for the statements the gateway sees most (plain words,
// numbers, $n parameters, '…' strings, "…" identifiers, -- and /* */ comments). The real scanner
// (libpg-query scanSync) costs tens to hundreds of microseconds per call; this costs about one.
// It accepts only what it lexes exactly as the real scanner does and returns undefined for
// anything else (E'' and other prefixed strings, dollar quotes, odd numbers, operators the
// scanner would split, non-ASCII outside literals, control characters, unterminated literals),
// so the caller falls back to the real scanner. The masking-fastpath tests compare both over
// generated text.
// It is not sql/digest.ts's scanner, which serves the analyzer's shape cache: that one drops
// comments (redaction must read them), folds words into a canonical form rather than classifying
// tokens as the scanner does, and accepts far more than this tokenizer can prove scanner-exact.
import type { Token } from './sql-tokens.js';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const DOLLAR = 36;
const AMP = 38;
const QUOTE = 39;
const STAR = 42;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const COLON = 58;
const EQ = 61;

// Classes of ASCII characters; from 128 up everything outside literals is left to the scanner.
const IDENT_START = 1;
const IDENT_CHAR = 2;
const DIGIT = 4;
const WHITE = 8;
/** An operator character: a run of them is one operator token. */
const OP = 16;
/** Always a token of its own. */
const SINGLE = 32;
const UPPER = 64;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  let cls = 0;
  if (/[A-Za-z_]/.test(ch)) cls |= IDENT_START | IDENT_CHAR;
  if (/[A-Z]/.test(ch)) cls |= UPPER;
  if (/[0-9$]/.test(ch)) cls |= IDENT_CHAR;
  if (/[0-9]/.test(ch)) cls |= DIGIT;
  if (/[ \t\n\v\f\r]/.test(ch)) cls |= WHITE;
  if ('~!@#^&|`?+-*/%<>='.includes(ch)) cls |= OP;
  if (',()[];'.includes(ch)) cls |= SINGLE;
  CLASS[c] = cls;
}

/** False for NaN (past the end) and non-ASCII. */
function is(c: number, cls: number): boolean {
  return c < 128 && (CLASS[c]! & cls) !== 0;
}

/**
 * NUL ends the scanner's C string; other control characters but tab, LF and CR inside a token
 * break libpg-query's JSON output, so the scanner fails on them.
 */
function breaksScanner(c: number): boolean {
  return c < SPACE && c !== TAB && c !== LF && c !== CR;
}

/** Tokens exactly as `tokenizePostgres` would return them, or undefined when unsure. */
export function tokenizePostgresFast(text: string): Token[] | undefined {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    if (is(c, WHITE)) {
      i++;
    } else if (is(c, IDENT_START)) {
      let upper = false;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (!is(d, IDENT_CHAR)) break;
        if (is(d, UPPER)) upper = true;
      }
      const next = text.charCodeAt(i);
      // Non-ASCII identifier characters; E'…', B'…', X'…', N'…', U&'…', U&"…" literals.
      if (next >= 128 || next === QUOTE || next === DOUBLE_QUOTE || next === AMP) return undefined;
      const word = text.slice(start, i);
      out.push({ kind: 'word', start, end: i, value: upper ? word.toLowerCase() : word });
    } else if (is(c, DIGIT)) {
      while (is(text.charCodeAt(i), DIGIT)) i++;
      if (text.charCodeAt(i) === DOT && is(text.charCodeAt(i + 1), DIGIT)) {
        i++;
        while (is(text.charCodeAt(i), DIGIT)) i++;
      }
      // 1e5, 0x1F, 1_000, 1., 1..2 and trailing junk: left to the scanner.
      if (!endsNumber(text.charCodeAt(i))) return undefined;
      out.push({ kind: 'number', start, end: i, value: text.slice(start, i) });
    } else if (c === DOLLAR) {
      // $1 is a parameter; $tag$ and $$ open dollar-quoted strings.
      i++;
      while (is(text.charCodeAt(i), DIGIT)) i++;
      // The scanner rejects parameter numbers past the int range.
      if (i === start + 1 || i - start > 10 || !endsNumber(text.charCodeAt(i))) return undefined;
      out.push({ kind: 'punct', start, end: i, value: text.slice(start, i) });
    } else if (c === QUOTE) {
      i = quotedEnd(text, start, QUOTE);
      if (i < 0 || continuesString(text, i)) return undefined;
      out.push({ kind: 'string', start, end: i, value: text.slice(start, i) });
    } else if (c === DOUBLE_QUOTE) {
      i = quotedEnd(text, start, DOUBLE_QUOTE);
      if (i < 0 || i === start + 2) return undefined; // unterminated, or "" (an error)
      out.push({ kind: 'word', start, end: i, value: text.slice(start + 1, i - 1).replace(/""/g, '"') });
    } else if (c === MINUS && text.charCodeAt(i + 1) === MINUS) {
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === LF || d === CR) break;
        if (breaksScanner(d)) return undefined;
      }
      out.push({ kind: 'comment', start, end: i, value: text.slice(start, i) });
    } else if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      i = blockCommentEnd(text, start);
      if (i < 0) return undefined;
      out.push({ kind: 'comment', start, end: i, value: text.slice(start, i) });
    } else if (is(c, OP)) {
      while (is(text.charCodeAt(i), OP)) i++;
      const op = text.slice(start, i);
      // The scanner cuts an operator at an embedded comment start and drops a trailing + or -
      // (`=-1` is `=` and `-`); such runs are left to it.
      const last = op.charCodeAt(op.length - 1);
      if (op.length > 1 && (last === PLUS || last === MINUS || op.includes('--') || op.includes('/*'))) {
        return undefined;
      }
      out.push({ kind: 'punct', start, end: i, value: op });
    } else if (c === COLON) {
      const next = text.charCodeAt(i + 1);
      i += next === COLON || next === EQ ? 2 : 1;
      out.push({ kind: 'punct', start, end: i, value: text.slice(start, i) });
    } else if (c === DOT) {
      const next = text.charCodeAt(i + 1);
      if (next === DOT || is(next, DIGIT)) return undefined;
      i++;
      out.push({ kind: 'punct', start, end: i, value: '.' });
    } else if (is(c, SINGLE)) {
      i++;
      out.push({ kind: 'punct', start, end: i, value: text[start]! });
    } else {
      return undefined;
    }
  }
  // The scanner rejects text without tokens.
  return out.length > 0 ? out : undefined;
}

/** Whether the character after a number or parameter ends it cleanly (NaN: the end of the text). */
function endsNumber(next: number): boolean {
  return !(next >= 128 || is(next, IDENT_CHAR) || next === DOT);
}

/** End (exclusive) of a literal opened at `open`, with doubled quotes inside; -1 if unterminated or unscannable. */
function quotedEnd(text: string, open: number, quote: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (breaksScanner(c)) return -1;
    if (c !== quote) continue;
    if (text.charCodeAt(i + 1) !== quote) return i + 1;
    i++;
  }
  return -1;
}

/**
 * 'a'<newline>'b' is one literal to the scanner (also across a -- comment); such
 * continuations are left to it, and so is any literal followed by another quote or a dash.
 */
function continuesString(text: string, end: number): boolean {
  let i = end;
  while (is(text.charCodeAt(i), WHITE)) i++;
  const c = text.charCodeAt(i);
  return c === QUOTE || c === MINUS;
}

/** End (exclusive) of a possibly nested block comment opened at `open`; -1 if unterminated or unscannable. */
function blockCommentEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (breaksScanner(c)) return -1;
    if (c === SLASH && text.charCodeAt(i + 1) === STAR) {
      depth++;
      i++;
    } else if (c === STAR && text.charCodeAt(i + 1) === SLASH) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
