// Text templates: a text already lexed, cut at its simple literals, so that a text differing from
// it only in those literals' values is recognised by comparing the rest, without lexing it. A
// `pgbench -S` select with a new aid costs a hash over its characters, two `startsWith` and a scan
// of the digits, where lexing it cost several times more.
//
// Why a match lexes exactly like the template's own text: lexers read left to right, and every
// decision they take before a literal, or about where it ends, looks only at the literal's first
// character and at what follows it. A slot is therefore only a whole literal token of the lexed
// text that is
//  - a run of at most 9 ASCII digits followed by neither an identifier character nor `.` (so no
//    other such run can grow into `0x…`, `1.5`, `1e5`, `1_000` or an identifier, nor be too
//    large for an integer, which both servers lex as another kind of number), or
//  - a quoted string `'…'` holding neither a quote nor a backslash (so it ends at its second
//    quote whatever the escaping rules, and what follows decides alone whether it continues),
// and preceded by a space, `(`, `,`, `=`, `<` or `>` (never by a prefix that changes its meaning:
// E'…', N'…', _charset'…', $1, `/*!` version digits). Everything else is compared as written.
// A matching text thus lexes into the same tokens with only the slots' values changed: the same
// digest, the canonical form with the new literals in it, and token offsets moved by the change
// in the slots' lengths. Tests compare that with lexing the text (sql-template.test.ts).

import { isDigit, isIdentChar } from './chars.js';
import { FNV_OFFSET, FNV_PRIME } from './fnv.js';

/** A slot holds a run of digits. */
export const NUMBER = 1;
/** A slot holds a '…' string without quotes or backslashes inside. */
export const STRING = 2;

export interface Template<T> {
  /** The text around the slots, in order: one more than there are slots. */
  segments: string[];
  /** NUMBER or STRING, for each slot. */
  kinds: number[];
  value: T;
}

/** Any run of this many digits is below 2^31: a 32-bit integer to either server. */
const MAX_DIGITS = 9;

function leadsSlot(c: number): boolean {
  return (
    c === 32 || c === 9 || c === 10 || c === 13 || c === 40 || c === 44 || c === 61 || c === 60 || c === 62
  );
}

/**
 * Whether the token [start, end) of `text` can be a slot, and of which kind (0 when not). The
 * caller names only whole literal tokens its lexer found.
 */
export function slotKind(text: string, start: number, end: number): number {
  if (start === 0 || !leadsSlot(text.charCodeAt(start - 1))) return 0;
  if (isDigit(text.charCodeAt(start))) {
    if (end - start > MAX_DIGITS) return 0;
    for (let i = start; i < end; i++) if (!isDigit(text.charCodeAt(i))) return 0;
    const after = text.charCodeAt(end);
    return end < text.length && (isIdentChar(after) || after === 46) ? 0 : NUMBER;
  }
  if (text.charCodeAt(start) !== 39 || end - start < 2 || text.charCodeAt(end - 1) !== 39) return 0;
  for (let i = start + 1; i < end - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 || c === 92) return 0;
  }
  return STRING;
}

/**
 * A hash of `text` that every text matching the same template shares: runs of digits that do not
 * continue an identifier and the insides of '…' count as one mark each. (It only finds the
 * template to compare with; a text it puts in the wrong place simply does not match.) With
 * `whole`, the same pass also leaves there (at 0) a hash of every character, seeded alike.
 */
export function skeleton(text: string, seed = FNV_OFFSET, whole?: Int32Array): number {
  let h = seed;
  let all = seed;
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (isDigit(c) && (i === 0 || !isIdentChar(text.charCodeAt(i - 1)))) {
      do {
        all = Math.imul(all ^ c, FNV_PRIME);
        c = text.charCodeAt(++i);
      } while (i < n && isDigit(c));
      c = 1;
    } else if (c === 39) {
      const close = text.indexOf("'", i + 1);
      const end = close < 0 ? n : close + 1;
      for (; i < end; i++) all = Math.imul(all ^ text.charCodeAt(i), FNV_PRIME);
      c = 2;
    } else {
      all = Math.imul(all ^ c, FNV_PRIME);
      i++;
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  if (whole) whole[0] = all;
  return h;
}

/** FNV-1a of a string, to seed `skeleton` with what else a template depends on. */
export function seedOf(key: string): number {
  return skeleton(key, FNV_OFFSET ^ 0x5bd1e995);
}

/**
 * Cuts `text` at the tokens [starts[i], ends[i]) that can be slots. Returns undefined when none
 * can. `slots` receives the indexes (into starts/ends) of the tokens that became slots.
 */
export function cut<T>(
  text: string,
  starts: readonly number[],
  ends: readonly number[],
  candidates: Iterable<number>,
  value: (slots: number[]) => T | undefined,
): Template<T> | undefined {
  const segments: string[] = [];
  const kinds: number[] = [];
  const slots: number[] = [];
  let from = 0;
  for (const i of candidates) {
    const kind = slotKind(text, starts[i]!, ends[i]!);
    if (kind === 0) continue;
    segments.push(text.slice(from, starts[i]));
    kinds.push(kind);
    slots.push(i);
    from = ends[i]!;
  }
  if (slots.length === 0) return undefined;
  segments.push(text.slice(from));
  const v = value(slots);
  return v === undefined ? undefined : { segments, kinds, value: v };
}

/**
 * Matches `text` against `t`: on success, `bounds` holds each slot's start and end in `text`
 * (2 numbers a slot) and true is returned.
 */
export function match(t: Template<unknown>, text: string, bounds: number[]): boolean {
  const { segments, kinds } = t;
  let p = segments[0]!.length;
  if (!text.startsWith(segments[0]!)) return false;
  for (let k = 0; k < kinds.length; k++) {
    const start = p;
    if (kinds[k] === NUMBER) {
      while (p < text.length && isDigit(text.charCodeAt(p))) p++;
      if (p === start || p - start > MAX_DIGITS) return false;
    } else {
      if (text.charCodeAt(p) !== 39) return false;
      const close = text.indexOf("'", p + 1);
      if (close < 0) return false;
      for (let i = p + 1; i < close; i++) if (text.charCodeAt(i) === 92) return false;
      p = close + 1;
    }
    bounds[2 * k] = start;
    bounds[2 * k + 1] = p;
    const segment = segments[k + 1]!;
    if (!text.startsWith(segment, p)) return false;
    p += segment.length;
  }
  return p === text.length;
}
