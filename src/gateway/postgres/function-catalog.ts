// Bodies of the user functions a statement calls, read from pg_proc on a side connection so the
// analyzer (which is synchronous and pure) can judge `SELECT f()` by what f does. The gateway
// awaits `prefetch(calledFunctions(text, ctx))` before analysing, then the analyzer's lookups
// are answered from this cache. The calls inside fetched bodies are fetched too, round after
// round, until nothing new is called (a fixed point) or the bound on round trips is reached;
// a name never answered for is `known` to no one, and the analyzer treats its call as opaque.
// Built-ins (pg_catalog) are not returned: the analyzer knows the dangerous ones by name. Native
// (C/internal) functions of extensions are returned with their extension, without a body.
import { functionCalls } from '../../sql/analyze.js';
import type { FunctionBody } from '../../sql/types.js';
import type { FunctionCatalog } from '../session.js';

/** What we need of a node-postgres Client or Pool. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

interface Row {
  schema: string;
  name: string;
  language: string;
  body: string | null;
  secdef: boolean;
  definition: string | null;
  extension: string | null;
}

interface Entry {
  bodies: FunctionBody[];
  /** Lower-cased names the bodies call: fetched in the next round, checked by `needs`. */
  calls: string[];
  fetchedAt: number;
}

const QUERY = `
SELECT n.nspname AS schema, p.proname AS name, l.lanname AS language,
       p.prosrc AS body, p.prosecdef AS secdef,
       CASE WHEN p.prokind IN ('f', 'p') AND l.lanname NOT IN ('internal', 'c')
            THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
           AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e' LIMIT 1) AS extension
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE lower(p.proname) = ANY($1::text[])
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;

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

export class PostgresFunctionCatalog implements FunctionCatalog {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxNames: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Queryable,
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
   * the statement (a call it cannot see into is not judged).
   */
  async prefetch(calls: readonly { name: string; schema?: string }[]): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const missing = this.missing(calls).slice(0, MAX_NAMES_PER_ROUND);
      if (missing.length === 0) return;
      await this.fetch(missing);
    }
  }

  private async fetch(missing: string[]): Promise<void> {
    const { rows } = await this.db.query(QUERY, [missing]);
    const fetchedAt = this.now();
    const found = new Map<string, FunctionBody[]>(missing.map((n) => [n, []]));
    for (const raw of rows as Row[]) {
      const key = raw.name.toLowerCase();
      found.get(key)?.push({
        schema: raw.schema,
        name: raw.name,
        language: raw.language,
        body: raw.body ?? '',
        securityDefiner: raw.secdef,
        ...(raw.definition ? { definition: raw.definition } : {}),
        ...(raw.extension ? { extension: raw.extension } : {}),
      });
    }
    for (const [name, bodies] of found) {
      const calls = [...new Set(bodies.flatMap((b) => functionCalls(b).map((c) => c.name.toLowerCase())))];
      this.entries.delete(name);
      this.entries.set(name, { bodies, calls, fetchedAt });
    }
    while (this.entries.size > this.maxNames) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
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
    this.entries.clear();
  }
}
