// Planted confidential values and what a client who wants them would turn them into to get them
// past a filter: the masking tests search every output for all of these.

/** The value, its case variants, `translate`/`replace` of its punctuation, and one character at a time as a number. */
export function variants(v: string): string[] {
  const out = [v, v.toUpperCase(), v.toLowerCase(), v.replace(/[.@]/g, '_'), v.replace('@', '_')];
  // make_date(2000, ascii(c) + 100, 1) reports each character in a date error.
  out.push(...[...v].map((c) => `2000-${c.charCodeAt(0) + 100}-01`));
  return out;
}

/** Which variants of `values` occur in `text`: the test expects none. */
export function plantedIn(text: string, values: readonly string[]): string[] {
  return values.flatMap(variants).filter((v) => text.includes(v));
}
