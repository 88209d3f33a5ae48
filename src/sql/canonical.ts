// The canonical form of a statement (what an approval binds to) and small text helpers.
// Canonical: tokens joined by single spaces, comments and whitespace dropped, unquoted words
// lower-cased, literals, quoted identifiers and order kept. Its sha256 is the statement hash.
import { createHash } from 'node:crypto';
import type { Lexed } from './digest.js';
import type { Location } from './types.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Index of the first token starting at or after `offset`. */
export function firstTokenAtOrAfter(lexed: Lexed, offset: number): number {
  let lo = 0;
  let hi = lexed.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lexed.starts[mid]! < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the token containing (or last starting before) `offset`. */
export function tokenAt(lexed: Lexed, offset: number): number {
  return Math.max(0, firstTokenAtOrAfter(lexed, offset + 1) - 1);
}

/** The canonical form of tokens [from, to). */
export function canonicalOf(lexed: Lexed, from: number, to: number): string {
  return lexed.tokens.slice(from, to).join(' ');
}

/** 1-based line and column of a character offset. */
export function locationOf(text: string, offset: number): Location {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
