// Bodies of the user functions a statement calls, read from pg_proc on a side connection so the
// analyzer (which is synchronous and pure) can judge `SELECT f()` by what f does. The gateway
// awaits `prefetch(calledFunctions(text, ctx))` before analysing, then the analyzer's lookups
// are answered from this cache. Built-ins (pg_catalog) and C/internal functions (extension
// code installed by a superuser) are not returned: the analyzer knows the dangerous ones by name.
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
}

interface Entry {
  bodies: FunctionBody[];
  fetchedAt: number;
}

const QUERY = `
SELECT n.nspname AS schema, p.proname AS name, l.lanname AS language, p.prosrc AS body,
       p.prosecdef AS secdef,
       CASE WHEN p.prokind IN ('f', 'p') THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE lower(p.proname) = ANY($1::text[])
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND l.lanname NOT IN ('internal', 'c')`;

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

  needs(calls: readonly { name: string }[]): boolean {
    return calls.some((c) => !this.fresh(c.name.toLowerCase()));
  }

  /**
   * Loads the bodies of `calls` not cached yet. Rejects when the catalog cannot be read: the
   * caller must then refuse the statement (a call it cannot see into is not judged).
   */
  async prefetch(calls: readonly { name: string; schema?: string }[]): Promise<void> {
    const missing = [...new Set(calls.map((c) => c.name.toLowerCase()))].filter((n) => !this.fresh(n));
    if (missing.length === 0) return;
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
      });
    }
    for (const [name, bodies] of found) {
      this.entries.delete(name);
      this.entries.set(name, { bodies, fetchedAt });
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
