// Catalog facts an estimate needs again and again (a table's unique keys), per side connection
// and table, for a short time. A backfill sends thousands of by-key writes a second; asking the
// catalog for each would cost a round trip apiece. The facts may then be up to `ttlMs` old,
// which is no worse than the estimate itself: rows change between it and the write too.
import type { ImpactEstimate, ImpactKind } from './types.js';

export class CatalogCache<V> {
  private readonly byConnection = new WeakMap<object, Map<string, { at: number; value: V }>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(connection: object, key: string): V | undefined {
    const hit = this.byConnection.get(connection)?.get(key);
    return hit && this.now() - hit.at < this.ttlMs ? hit.value : undefined;
  }

  set(connection: object, key: string, value: V): void {
    let entries = this.byConnection.get(connection);
    if (!entries) {
      entries = new Map();
      this.byConnection.set(connection, entries);
    }
    // Bounded by the tables a job writes to; expired entries are dropped as they are met.
    for (const [k, e] of entries) if (this.now() - e.at >= this.ttlMs) entries.delete(k);
    entries.set(key, { at: this.now(), value });
  }
}

/** How long a table's unique keys are taken as read. */
export const UNIQUE_KEYS_TTL_MS = 1_000;

/** The estimate of a write whose WHERE fixes every column of a unique key: one row at most. */
export function oneRowEstimate(
  kind: ImpactKind,
  table: string,
  lockLevel: string,
  key: string[],
): ImpactEstimate {
  return {
    kind,
    table,
    notes: [`at most one row: the WHERE fixes every column of a unique key (${key.join(', ')})`],
    unavailable: [],
    lockLevel,
    rowsEstimated: 1,
  };
}
