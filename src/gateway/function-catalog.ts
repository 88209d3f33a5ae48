// Bodies of the stored functions a statement calls, read from the database's catalog on the side
// connection so the analyzer (synchronous and pure) can judge `SELECT f()` by what f does. The
// gateway awaits `prefetch(calledFunctions(text, ctx))` before analysing; the analyzer's lookups
// are then answered from this cache. The calls inside fetched bodies are fetched too, round
// after round, until nothing new is called (a fixed point) or the bound on round trips is
// reached; a name never answered for is not `known`, and the analyzer treats its call as opaque.
// Each dialect supplies how to read bodies and which calls a body makes.
import type { FunctionBody } from '../sql/types.js';
import type { FunctionCatalog } from './session-types.js';

interface Entry {
  bodies: FunctionBody[];
  /** Lower-cased names the bodies call: fetched in the next round, checked by `needs`. */
  calls: string[];
  fetchedAt: number;
}

/** Catalog round trips one statement's call graph may take before the rest is left opaque. */
const MAX_ROUNDS = 4;
/** Names one round may ask for. */
const MAX_NAMES_PER_ROUND = 500;

export interface FunctionCatalogOptions {
  /** How long a looked-up name (found or not) is trusted. Default 60 s. */
  ttlMs?: number;
  /** Names kept at most. Default 5000. */
  maxNames?: number;
  now?: () => number;
}

export class FunctionCatalogCache implements FunctionCatalog {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxNames: number;
  private readonly now: () => number;
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  private generation = 0;
  /** Bumped whenever an answer may have changed: a judgement made under another version is stale. */
  version = 0;

  /**
   * `load(names)`: every stored function or procedure with one of these lower-cased names.
   * `callsOf(fn)`: the names its body calls.
   */
  constructor(
    private readonly load: (names: string[]) => Promise<FunctionBody[]>,
    private readonly callsOf: (fn: FunctionBody) => string[],
    opts: FunctionCatalogOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxNames = opts.maxNames ?? 5_000;
    this.now = opts.now ?? Date.now;
  }

  private fresh(name: string): Entry | undefined {
    const e = this.entries.get(name);
    return e && this.now() - e.fetchedAt <= this.ttlMs ? e : undefined;
  }

  /**
   * Names reachable from `calls` through cached bodies that are not cached (fresh) themselves:
   * what the next round must fetch.
   */
  private missing(calls: readonly { name: string }[]): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const stack = calls.map((c) => c.name.toLowerCase());
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const e = this.fresh(name);
      if (e) stack.push(...e.calls);
      else out.push(name);
    }
    return out;
  }

  needs(calls: readonly { name: string }[]): boolean {
    return this.missing(calls).length > 0;
  }

  known(name: string): boolean {
    return this.fresh(name.toLowerCase()) !== undefined;
  }

  /**
   * Loads the bodies of `calls` and of everything they call, to a fixed point within
   * MAX_ROUNDS round trips. Rejects when the catalog cannot be read: the caller must then refuse
   * the statement (a call it cannot see into is not judged). `rounds`: fewer round trips, when the
   * caller follows the fixed point itself (see ../resolve.ts).
   */
  async prefetch(calls: readonly { name: string; schema?: string }[], rounds = MAX_ROUNDS): Promise<void> {
    for (let round = 0; round < Math.min(rounds, MAX_ROUNDS); round++) {
      const missing = this.missing(calls).slice(0, MAX_NAMES_PER_ROUND);
      if (missing.length === 0) return;
      await this.fetch(missing);
    }
  }

  private async fetch(missing: string[]): Promise<void> {
    const generation = this.generation;
    const rows = await this.load(missing);
    if (generation !== this.generation) return;
    const fetchedAt = this.now();
    const found = new Map<string, FunctionBody[]>(missing.map((n) => [n, []]));
    for (const fn of rows) found.get(fn.name.toLowerCase())?.push(fn);
    for (const [name, bodies] of found) {
      const calls = [...new Set(bodies.flatMap((b) => this.callsOf(b).map((c) => c.toLowerCase())))];
      // A name read for the first time was relied on by nobody (an evicted one bumped the version).
      const before = this.entries.get(name);
      if (before && JSON.stringify(before.bodies) !== JSON.stringify(bodies)) this.version++;
      this.entries.delete(name);
      this.entries.set(name, { bodies, calls, fetchedAt });
    }
    while (this.entries.size > this.maxNames) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
      this.version++;
    }
  }

  lookupAll(name: string, schema?: string): FunctionBody[] {
    const bodies = this.entries.get(name.toLowerCase())?.bodies ?? [];
    return schema === undefined ? bodies : bodies.filter((b) => b.schema === schema);
  }

  lookup(name: string, schema?: string): FunctionBody | undefined {
    return this.lookupAll(name, schema)[0];
  }

  /** Forgets everything (after DDL that may have replaced functions). */
  invalidate(): void {
    this.generation++;
    this.version++;
    this.entries.clear();
  }
}
