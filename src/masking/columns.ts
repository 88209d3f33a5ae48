// Which columns are masked: the policy's column patterns, and a cache of column origins keyed the
// way Postgres reports them in RowDescription (table OID, attribute number).
import { MaskingConfigError } from './types.js';

interface Pattern {
  source: string;
  schema: RegExp;
  table: RegExp;
  column: RegExp;
}

const PART = /^[^.\s]+$/;
const ANY = /^/;

function globPart(part: string): RegExp {
  if (part === '*') return ANY;
  const body = part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
  // Case-insensitive on purpose: a pattern that matches more columns masks more, never less.
  return new RegExp(`^${body}$`, 'i');
}

function compilePattern(source: string): Pattern {
  const parts = source.trim().split('.');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !PART.test(p))) {
    throw new MaskingConfigError(
      `masking.columns: "${source}" is not a column pattern (schema.table.column, table.column or column; * matches any part)`,
    );
  }
  const [column, table = '*', schema = '*'] = [...parts].reverse() as [string, string?, string?];
  return { source, schema: globPart(schema), table: globPart(table), column: globPart(column) };
}

export class ColumnMatcher {
  private readonly patterns: Pattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map(compilePattern);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** True when schema.table.column is masked. Names are compared case-insensitively. */
  matches(schema: string, table: string, column: string): boolean {
    return this.patterns.some((p) => p.schema.test(schema) && p.table.test(table) && p.column.test(column));
  }

  /** True when some pattern could mask a column of schema.table (used when its columns are unknown). */
  mayMatchTable(schema: string, table: string): boolean {
    return this.patterns.some((p) => p.schema.test(schema) && p.table.test(table));
  }
}

export interface ColumnOrigin {
  schema: string;
  table: string;
  column: string;
}

/**
 * Column origins by (table OID, attribute number), filled by the gateway from a catalog query on
 * a side connection and cleared after any DDL (OIDs and attnums are reused, names change).
 * Bounded: when full it starts over rather than growing without limit.
 */
export class ColumnResolverCache {
  private readonly entries = new Map<string, { origin: ColumnOrigin | null; masked: boolean }>();

  constructor(
    private readonly matcher: ColumnMatcher,
    private readonly capacity = 10_000,
  ) {}

  private static key(tableOid: number, attnum: number): string {
    return `${tableOid}:${attnum}`;
  }

  has(tableOid: number, attnum: number): boolean {
    return tableOid === 0 || this.entries.has(ColumnResolverCache.key(tableOid, attnum));
  }

  /**
   * Records what the catalog said; `null` means the catalog has no such column. An origin that
   * cannot be named cannot be cleared, so it counts as masked whenever any rule exists.
   */
  set(tableOid: number, attnum: number, origin: ColumnOrigin | null): void {
    if (this.entries.size >= this.capacity) this.entries.clear();
    const masked = origin
      ? this.matcher.matches(origin.schema, origin.table, origin.column)
      : !this.matcher.empty;
    this.entries.set(ColumnResolverCache.key(tableOid, attnum), { origin, masked });
  }

  origin(tableOid: number, attnum: number): ColumnOrigin | null | undefined {
    return this.entries.get(ColumnResolverCache.key(tableOid, attnum))?.origin;
  }

  /**
   * Masked per the rules; undefined when the pair was never looked up (the gateway must look it
   * up first). Table OID 0 means "not a table column" and is answered by lineage alone.
   */
  masked(tableOid: number, attnum: number): boolean | undefined {
    if (tableOid === 0) return false;
    return this.entries.get(ColumnResolverCache.key(tableOid, attnum))?.masked;
  }

  invalidate(): void {
    this.entries.clear();
  }
}
