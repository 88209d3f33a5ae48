// MySQL result columns carry their origin (schema, org_table, org_name) in the column definition,
// so direct columns are judged by the rules. An expression has no origin; when a statement reads a
// table that a rule could mask, such a column cannot be cleared and the result is refused.
import type { ColumnMatcher } from './columns.js';

export interface MysqlColumn {
  /** Column definition fields: `schema`, `org_table`, `org_name`, and the alias `name`. */
  schema: string;
  orgTable: string;
  orgName: string;
  name: string;
}

export interface TableRef {
  schema: string;
  table: string;
}

export type MysqlColumnPlan = { refuse: false; masked: boolean[] } | { refuse: true; reason: string };

const key = (schema: string, table: string) => `${schema.toLowerCase()}.${table.toLowerCase()}`;

/**
 * `referencedTables`: every base table the statement reads, with views expanded by the gateway
 * (a view's org_table is the view, whose columns the rules do not name). A column whose origin is
 * not one of these tables counts as unknown. `columnsOf` (from information_schema.COLUMNS) narrows
 * which tables have masked columns; without it a table counts when any rule could match it.
 */
export function mysqlColumnPlan(
  columns: readonly MysqlColumn[],
  matcher: ColumnMatcher,
  referencedTables: readonly TableRef[],
  columnsOf?: (schema: string, table: string) => readonly string[] | undefined,
): MysqlColumnPlan {
  const known = new Set(referencedTables.map((t) => key(t.schema, t.table)));
  const sensitive = referencedTables.filter((t) => {
    const cols = columnsOf?.(t.schema, t.table);
    return cols
      ? cols.some((c) => matcher.matches(t.schema, t.table, c))
      : matcher.mayMatchTable(t.schema, t.table);
  });
  const masked: boolean[] = [];
  for (const c of columns) {
    if (c.orgTable && c.orgName && known.has(key(c.schema, c.orgTable))) {
      masked.push(matcher.matches(c.schema, c.orgTable, c.orgName));
    } else if (sensitive.length > 0) {
      const tables = sensitive.map((t) => `${t.schema}.${t.table}`).join(', ');
      return {
        refuse: true,
        reason: `result column "${c.name}" is an expression or comes from a view or derived table, and the statement reads ${tables}, which has masked columns; select masked columns directly or leave them out`,
      };
    } else {
      masked.push(false);
    }
  }
  return { refuse: false, masked };
}
