// Column types of the tables a statement changes the type of, read on the side connection just
// before it is analysed, so `ALTER COLUMN … TYPE` / `MODIFY` is judged by the type the column has:
// unchanged says nothing, narrowing needs review (destructive/narrowing-type). Entries live until
// the next statement that may change the schema (any non-read-only statement invalidates them).
// A catalog that cannot be read leaves the old type unknown: the analyzer's lock warning stands.
import { type CatalogColumn, catalogColumns } from '../sql/migration/catalog-types.js';
import type { ColumnType } from '../sql/migration/column-types.js';
import { retypedTables } from '../sql/migration/judge.js';
import type { AnalysisContext, ColumnResolver, Dialect } from '../sql/types.js';
import type { MysqlSide, PgSide } from './side-connection.js';

const PG_QUERY = `
SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS "notNull",
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
          FROM pg_catalog.pg_enum e WHERE e.enumtypid = a.atttypid) AS labels
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`;

const MYSQL_QUERY = `
SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE = 'NO' AS notNull
  FROM information_schema.COLUMNS
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`;

export type ColumnQuery = (table: string) => Promise<CatalogColumn[]>;

export function postgresColumnQuery(side: PgSide): ColumnQuery {
  return async (table) => {
    const { rows } = await side.query(PG_QUERY, [table]);
    return rows.map((r) => ({
      name: String(r.name),
      type: String(r.type),
      notNull: r.notNull === true,
      ...(Array.isArray(r.labels) ? { labels: r.labels.map(String) } : {}),
    }));
  };
}

export function mysqlColumnQuery(side: MysqlSide): ColumnQuery {
  return async (table) => {
    const [rows] = await side.query(MYSQL_QUERY, [table]);
    return (rows as Record<string, unknown>[]).map((r) => ({
      name: String(r.name),
      type: String(r.type),
      notNull: Number(r.notNull) === 1,
    }));
  };
}

export class ColumnCatalog implements ColumnResolver {
  private readonly tables = new Map<string, ReadonlyMap<string, ColumnType> | undefined>();

  constructor(
    private readonly dialect: Dialect,
    private readonly query: ColumnQuery,
  ) {}

  needs(tables: readonly string[]): boolean {
    return tables.some((t) => !this.tables.has(t));
  }

  /** Reads the tables not read since the last invalidation; a failure leaves them unknown. */
  async prefetch(tables: readonly string[]): Promise<void> {
    for (const t of tables) {
      if (this.tables.has(t)) continue;
      try {
        const cols = await this.query(t);
        this.tables.set(t, cols.length ? catalogColumns(this.dialect, cols) : undefined);
      } catch {
        this.tables.set(t, undefined);
      }
    }
  }

  columnsOf(table: string): ReadonlyMap<string, ColumnType> | undefined {
    return this.tables.get(table);
  }

  invalidate(): void {
    this.tables.clear();
  }
}

/**
 * One session's view of the catalog. A table whose column types this session changed inside a
 * transaction is not looked up until the transaction ends: the side connection still sees the old
 * types (Postgres DDL is transactional; MySQL commits DDL at once).
 */
export class SessionColumns implements ColumnResolver {
  private readonly altered = new Set<string>();
  private last: { text: string; tables: string[] } | undefined;

  private readonly transactionalDdl: boolean;

  constructor(
    private readonly catalog: ColumnCatalog,
    dialect: Dialect,
    private readonly ctx: () => AnalysisContext,
  ) {
    this.transactionalDdl = dialect === 'postgres';
  }

  private retyped(text: string): string[] {
    if (this.last?.text !== text) this.last = { text, tables: retypedTables(text, this.ctx()) };
    return this.last.tables;
  }

  /** Tables to read from the catalog before `text` is analysed. */
  wanted(text: string): string[] {
    const tables = this.retyped(text).filter((t) => !this.altered.has(t));
    return this.catalog.needs(tables) ? tables : [];
  }

  prefetch(tables: readonly string[]): Promise<void> {
    return this.catalog.prefetch(tables);
  }

  columnsOf(table: string): ReadonlyMap<string, ColumnType> | undefined {
    return this.altered.has(table) ? undefined : this.catalog.columnsOf(table);
  }

  /** After `text` was judged; anything but a read may change the schema. */
  judged(text: string, readOnly: boolean, inTransaction: boolean): void {
    // Set.clear() allocates a new table even when empty: this runs for every statement.
    if (!inTransaction) {
      if (this.altered.size > 0) this.altered.clear();
    } else if (this.transactionalDdl) for (const t of this.retyped(text)) this.altered.add(t);
    if (!readOnly) this.catalog.invalidate();
  }
}
