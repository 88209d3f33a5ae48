// What fires on the relations a statement touches (triggers, rules, views, row-security
// policies, defaults, generated columns, checks), read from the catalog on the side connection
// before the statement is analysed, and kept briefly per relation: a backfill's thousands of
// writes to one table cost one read per `ttlMs`. Objects created, changed or dropped through the
// gateway invalidate the cache at once (see catalog-scope.ts and catalog-barrier.ts); objects
// changed on another connection are seen when the entry expires.
import type { FiredObject, FiredResolver } from '../sql/types.js';

/** Relations one read may ask about. */
const MAX_TABLES_PER_READ = 500;

export interface FiredCatalogOptions {
  /** How long what fires on a relation is taken as read. Default 2 s. */
  ttlMs?: number;
  /** Relations kept at most. Default 5000. */
  maxTables?: number;
  now?: () => number;
}

export class FiredCatalog implements FiredResolver {
  private readonly entries = new Map<string, { objects: FiredObject[]; at: number }>();
  private readonly ttlMs: number;
  private readonly maxTables: number;
  private readonly now: () => number;
  /**
   * Reads under way, by relation. When an entry expires, every session's next statement on the
   * relation needs it at once; they wait for one read instead of queueing one each on the side
   * connection (8 identical reads every ttlMs under `pgbench -S -c 8`, the last session held for
   * all eight).
   */
  private readonly reading = new Map<string, Promise<void>>();
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  private generation = 0;
  /** Bumped whenever an answer changes (see FiredResolver.version). */
  version = 0;

  /** `load(tables)`: what fires on each relation (named as statements name it); absent ones fire nothing. */
  constructor(
    private readonly load: (tables: string[]) => Promise<Map<string, FiredObject[]>>,
    opts: FiredCatalogOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 2_000;
    this.maxTables = opts.maxTables ?? 5_000;
    this.now = opts.now ?? Date.now;
  }

  private unread(table: string, now: number): boolean {
    const e = this.entries.get(table);
    return !e || now - e.at > this.ttlMs;
  }

  private missing(tables: readonly string[]): string[] {
    const now = this.now();
    return tables.filter((t) => this.unread(t, now));
  }

  /** Asked before every execution of a prepared statement: allocates nothing. */
  needs(tables: readonly string[]): boolean {
    const now = this.now();
    for (const t of tables) if (this.unread(t, now)) return true;
    return false;
  }

  /** Rejects when the catalog cannot be read: the statement is then refused. */
  async prefetch(tables: readonly string[]): Promise<void> {
    const waits = new Set<Promise<void>>();
    const unread: string[] = [];
    for (const t of this.missing(tables)) {
      const read = this.reading.get(t);
      if (read) waits.add(read);
      else if (unread.length < MAX_TABLES_PER_READ) unread.push(t);
    }
    if (unread.length > 0) {
      const read = this.read(unread);
      for (const t of unread) this.reading.set(t, read);
      const done = () => {
        for (const t of unread) if (this.reading.get(t) === read) this.reading.delete(t);
      };
      read.then(done, done);
      waits.add(read);
    }
    await Promise.all(waits);
  }

  private async read(missing: string[]): Promise<void> {
    const generation = this.generation;
    const found = await this.load(missing);
    if (generation !== this.generation) return;
    const at = this.now();
    for (const t of missing) {
      const objects = found.get(t) ?? [];
      const before = this.entries.get(t);
      // An analysis cached while nothing fired on `t` (or before `t` was evicted) must not be reused.
      if (before ? JSON.stringify(before.objects) !== JSON.stringify(objects) : objects.length > 0)
        this.version++;
      this.entries.delete(t);
      this.entries.set(t, { objects, at });
    }
    while (this.entries.size > this.maxTables) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Served even when just expired: the statement being judged was read for a moment ago. */
  firedBy(table: string): readonly FiredObject[] | undefined {
    return this.entries.get(table)?.objects;
  }

  invalidate(): void {
    this.generation++;
    this.version++;
    this.entries.clear();
    // A read begun before this answers for the catalog as it was: later statements read again.
    this.reading.clear();
  }
}
