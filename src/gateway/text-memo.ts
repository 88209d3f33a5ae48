// A memo of what is read from statement texts (their redaction, their secret placeholders), for
// the gateway context: texts come again with every execution of a prepared statement.
import { SecondSighting } from '../sql/admission.js';
import { Lru } from '../sql/cache.js';
import type { AnalysisContext } from '../sql/types.js';

/** What is read of statement texts is kept for this many texts up to this length (see TextMemo). */
const TEXTS_CACHED = 512;
const CACHED_TEXT_MAX = 4096;
/** Texts remembered as seen once (a 32-bit hash each). */
const TEXTS_SIGHTED = 4096;

/** A Postgres session reading plain strings with backslash escapes (no sql_mode is spelt so). */
const ESCAPED_STRINGS = 'standard_conforming_strings=off';

/** How a statement text is lexed in `ctx`: MySQL's sql_mode, or Postgres's reading of '…'. */
function lexingOf(ctx: AnalysisContext | undefined): string | undefined {
  return ctx?.sqlMode ?? (ctx?.postgres?.standardConformingStrings === false ? ESCAPED_STRINGS : undefined);
}

/**
 * `compute` for a statement text, once per text and the way it is lexed (sql_mode, or
 * standard_conforming_strings),
 * from the text's second sighting on. Prepared executions and ORMs repeat a text; statements with
 * their values inline are mostly seen once, and keeping each of those cost more than reading it
 * again: every text and the cache's maps lived long enough to be promoted to V8's old generation
 * and collected there (pgbench -S: ~100 of the ~180 bytes a round trip promoted). Keyed by the
 * text alone, each value with the mode it was read under: a session's mode seldom changes, and a
 * key joining the two was a new string per statement.
 */
export class TextMemo<V> {
  private readonly kept = new Lru<string, { mode: string | undefined; value: V }>(TEXTS_CACHED);
  private readonly seen = new SecondSighting(TEXTS_SIGHTED);

  get(text: string, ctx: AnalysisContext | undefined, compute: () => V): V {
    if (text.length > CACHED_TEXT_MAX) return compute();
    const mode = lexingOf(ctx);
    const hit = this.kept.get(text);
    if (hit !== undefined && hit.mode === mode) return hit.value;
    const value = compute();
    if (hit !== undefined || this.seen.again(text)) this.kept.set(text, { mode, value });
    return value;
  }
}
