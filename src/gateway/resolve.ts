// Reads from the catalog everything a statement sets in motion before it is analysed: the bodies
// of the functions it reaches and what fires on the relations it touches. Each read can reveal
// more (a trigger's function writes another table, whose rule calls a function, …), so the
// analyzer's `reach` is asked again after each read, to a fixed point or a bound on rounds. What
// is still unread then is judged opaque by the analyzer, never allowed.
import type { AnalysisContext, FiredResolver, FunctionResolver } from '../sql/types.js';

export interface Reached {
  calls: { name: string; schema?: string }[];
  relations: string[];
  /** Bodies and definitions reached: whether running them may change the catalog. */
  code: string[];
}

export type Reach = (text: string, ctx: AnalysisContext) => Reached;

export interface CatalogSource<K> {
  needs(keys: readonly K[]): boolean;
  /** Reads what is missing, in at most `rounds` round trips; rejects when the catalog cannot be read. */
  prefetch(keys: readonly K[], rounds?: number): Promise<void>;
  invalidate(): void;
}

export interface Catalogs {
  functions?: FunctionResolver & CatalogSource<{ name: string; schema?: string }>;
  fired?: FiredResolver & CatalogSource<string>;
  reach?: Reach;
}

/**
 * Rounds of catalog reads one statement may take; each reads the functions and the relations
 * missing at once (a write, its trigger's function, the tables that function writes, their
 * triggers' functions, and one more level).
 */
const MAX_ROUNDS = 5;

function missing(c: Catalogs, r: Reached): Promise<void>[] {
  const reads: Promise<void>[] = [];
  if (c.functions && r.calls.length > 0 && c.functions.needs(r.calls))
    reads.push(c.functions.prefetch(r.calls, 1));
  if (c.fired && r.relations.length > 0 && c.fired.needs(r.relations))
    reads.push(c.fired.prefetch(r.relations));
  return reads;
}

/**
 * What `text` reaches, once everything it reaches is read (or the bound is hit). Synchronous when
 * nothing has to be read (the hot path); throws (or rejects) when the statement cannot be judged.
 */
export function resolveReached(c: Catalogs, text: string, ctx: AnalysisContext): Reached | Promise<Reached> {
  if (!c.reach) return { calls: [], relations: [], code: [] };
  const first = c.reach(text, ctx);
  const reads = missing(c, first);
  if (reads.length === 0) return first;
  return (async () => {
    await Promise.all(reads);
    let r = c.reach!(text, ctx);
    for (let round = 1; round < MAX_ROUNDS; round++) {
      const more = missing(c, r);
      if (more.length === 0) break;
      await Promise.all(more);
      r = c.reach!(text, ctx);
    }
    return r;
  })();
}
