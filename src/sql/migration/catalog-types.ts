// Column types as the catalog spells them (Postgres `format_type`, MySQL `COLUMN_TYPE`), read
// with the same readers as migration files: the text is a type clause of a one-column CREATE TABLE.
import type { Dialect } from '../types.js';
import { type ColumnType, columnType } from './column-types.js';
import { mysqlEvents } from './mysql-events.js';
import { postgresEvents } from './postgres-events.js';

export interface CatalogColumn {
  name: string;
  /** `character varying(255)`, `numeric(12,2)`, `enum('a','b')`, `int(10) unsigned`, … */
  type: string;
  notNull: boolean;
  /** Postgres enum types: their labels in order. */
  labels?: string[];
}

/** The columns of one table, keyed by lower-cased name. */
export function catalogColumns(dialect: Dialect, columns: readonly CatalogColumn[]): Map<string, ColumnType> {
  const out = new Map<string, ColumnType>();
  for (const c of columns) {
    let type: ColumnType | undefined;
    if (c.labels) type = { ...columnType('enum', [], dialect, { labels: c.labels }), text: c.type };
    else {
      const probe = `CREATE TABLE guardrail_probe (c ${c.type})`;
      const events =
        dialect === 'postgres' ? postgresEvents(probe, () => undefined) : mysqlEvents(probe, undefined);
      const table = events.find((e) => e.kind === 'table');
      type = table?.kind === 'table' ? table.columns[0]?.[1] : undefined;
    }
    if (type) out.set(c.name.toLowerCase(), c.notNull ? { ...type, notNull: true } : type);
  }
  return out;
}
