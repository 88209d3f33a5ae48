// What one migration statement does to the schema, as far as judging later statements needs:
// tables and their column types, objects created and dropped (by kind and name), and writes
// with a WHERE. Names are bare (schema dropped) and lower-cased, so `public.users` and `users`
// are one table; objects that live in a table's namespace carry it (`trigger:users.audit`).
import type { ColumnType } from './column-types.js';

export type ObjectKind = 'view' | 'index' | 'trigger' | 'function' | 'constraint';

export type SchemaEvent =
  | { kind: 'table'; table: string; columns: [string, ColumnType][] }
  | { kind: 'drop-table'; table: string }
  | { kind: 'rename-table'; from: string; to: string }
  | { kind: 'column'; table: string; column: string; type: ColumnType }
  | { kind: 'drop-column'; table: string; column: string }
  | { kind: 'rename-column'; table: string; from: string; to: string }
  /** A type change; `to` renames the column at the same time (MySQL CHANGE). */
  | { kind: 'retype'; table: string; column: string; to?: string; type: ColumnType; using: boolean }
  | { kind: 'create'; object: string }
  /** A DROP of these objects; `cascade` drops dependents too, which no recreation brings back. */
  | { kind: 'drop'; objects: string[]; cascade: boolean }
  | { kind: 'enum'; name: string; labels: string[] }
  | { kind: 'enum-value'; name: string; label: string }
  /** DELETE or UPDATE with a WHERE: changes some existing rows. */
  | { kind: 'write'; table: string; verb: 'DELETE' | 'UPDATE' };

/** `schema.name` or `name` → `name`, lower-cased. */
export function bareName(name: string): string {
  return (name.split('.').pop() ?? name).toLowerCase();
}

export function objectKey(kind: ObjectKind, name: string, table?: string): string {
  return `${kind}:${table ? `${bareName(table)}.` : ''}${bareName(name)}`;
}
