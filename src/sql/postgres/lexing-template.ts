// Postgres texts recognised by template (../template.ts): the lexing pass's result for a text that
// matches a template is built from the template's own, with the slots' literals put in.
import type { Scanned } from '../digest.js';
import { cut, type Template } from '../template.js';

/**
 * What lexing a template's text gives, but for the slots' literals. (Offsets are typed-array
 * copies: the lexer's own arrays are made for every statement and should not live long.)
 */
export interface Lexing {
  digest: string;
  /** The canonical form around the slots' literals (which it keeps verbatim). */
  canonical: string[];
  canonicalStarts: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  semicolons: readonly number[];
  literals: readonly number[];
  backslashInPlainString: boolean;
  /** The token index of each slot. */
  slots: number[];
}

/** The template of a lexed text, or undefined when no literal can be a slot. */
export function lexingTemplate(text: string, scanned: Scanned): Template<Lexing> | undefined {
  const { starts, ends, canonicalStarts } = scanned;
  return cut(text, starts, ends, scanned.literals, (slots) => {
    const canonical: string[] = [];
    let from = 0;
    for (const i of slots) {
      canonical.push(scanned.canonical.slice(from, canonicalStarts[i]));
      from = canonicalStarts[i]! + ends[i]! - starts[i]!;
    }
    canonical.push(scanned.canonical.slice(from));
    return {
      digest: scanned.digest,
      canonical,
      canonicalStarts: Int32Array.from(canonicalStarts),
      starts: Int32Array.from(starts),
      ends: Int32Array.from(ends),
      // Shared by every text of the template, so frozen.
      semicolons: Object.freeze([...scanned.semicolons]),
      literals: Object.freeze([...scanned.literals]),
      backslashInPlainString: scanned.backslashInPlainString,
      slots,
    };
  });
}

/** What lexing `text` gives, when it matched `t` with its slots at `bounds` (see `match`). */
export function lexedFrom(t: Template<Lexing>, text: string, bounds: readonly number[]): Scanned {
  const v = t.value;
  const n = v.starts.length;
  const starts = new Array<number>(n);
  const ends = new Array<number>(n);
  const canonicalStarts = new Array<number>(n);
  let shift = 0;
  let k = 0;
  let next = v.slots[0];
  for (let i = 0; i < n; i++) {
    canonicalStarts[i] = v.canonicalStarts[i]! + shift;
    if (i === next) {
      const start = bounds[2 * k]!;
      const end = bounds[2 * k + 1]!;
      starts[i] = start;
      ends[i] = end;
      shift += end - start - (v.ends[i]! - v.starts[i]!);
      next = v.slots[++k];
    } else {
      starts[i] = v.starts[i]! + shift;
      ends[i] = v.ends[i]! + shift;
    }
  }
  return {
    digest: v.digest,
    canonical: canonicalFrom(t, text, bounds),
    canonicalStarts,
    starts,
    ends,
    semicolons: v.semicolons,
    literals: v.literals,
    backslashInPlainString: v.backslashInPlainString,
  };
}

/** The canonical form of `text`, when it matched `t` with its slots at `bounds`. */
export function canonicalFrom(t: Template<Lexing>, text: string, bounds: readonly number[]): string {
  const pieces = t.value.canonical;
  let canonical = pieces[0]!;
  for (let k = 1; k < pieces.length; k++)
    canonical += text.slice(bounds[2 * k - 2], bounds[2 * k - 1]) + pieces[k]!;
  return canonical;
}
