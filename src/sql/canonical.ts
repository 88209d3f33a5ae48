// The canonical form of a statement (what an approval binds to) and small text helpers.
// Canonical: tokens joined by single spaces, comments and whitespace dropped, unquoted words
// lower-cased, literals, quoted identifiers and order kept. Its sha256 is the statement hash.
import { hash } from 'node:crypto';
import type { Scanned } from './digest.js';
import type { Location } from './types.js';

/** sha256 hex; the one-shot `crypto.hash` costs a third of createHash/update/digest. */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/** Index of the first token starting at or after `offset`. */
export function firstTokenAtOrAfter(lexed: { starts: ArrayLike<number> }, offset: number): number {
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
export function tokenAt(lexed: { starts: ArrayLike<number> }, offset: number): number {
  return Math.max(0, firstTokenAtOrAfter(lexed, offset + 1) - 1);
}

/** The canonical form of tokens [from, to): a slice of the whole text's canonical form. */
export function canonicalOf(scanned: Scanned, from: number, to: number): string {
  const starts = scanned.canonicalStarts;
  if (from >= to || from >= starts.length) return '';
  return scanned.canonical.slice(starts[from], canonicalEnd(scanned, to));
}

/** Where the canonical form of tokens [from, to) ends in the whole text's (see `canonicalOf`). */
export function canonicalEnd(scanned: Scanned, to: number): number {
  return to < scanned.canonicalStarts.length ? scanned.canonicalStarts[to]! - 1 : scanned.canonical.length;
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
