// What fires on MySQL / MariaDB tables and views (see ../fired-catalog.ts for the cache): the
// triggers of a table, by event, with their bodies (information_schema.TRIGGERS ACTION_STATEMENT),
// and a view's query (information_schema.VIEWS VIEW_DEFINITION). A name without a schema stands for
// the table of that name in every database: the session's current one may differ from the side
// connection's (USE, COM_INIT_DB, a routine that switches it), and what fires there is what runs.
// A body the side connection's account may not
// see comes back empty: the relation is then reported to fire hidden code (opaque).
import type { FiredObject } from '../../sql/types.js';
import { FiredCatalog, type FiredCatalogOptions } from '../fired-catalog.js';
import type { MysqlSide } from '../side-connection.js';

interface Row {
  k: string;
  s: string;
  t: string;
  n: string;
  e: string;
  b: string | null;
}

const QUERY = `
SELECT 'trigger' AS k, EVENT_OBJECT_SCHEMA AS s, EVENT_OBJECT_TABLE AS t, TRIGGER_NAME AS n,
       EVENT_MANIPULATION AS e, ACTION_STATEMENT AS b
  FROM information_schema.TRIGGERS
 WHERE LOWER(EVENT_OBJECT_TABLE) IN (?)
UNION ALL
SELECT 'view', TABLE_SCHEMA, TABLE_NAME, TABLE_NAME, 'SELECT', VIEW_DEFINITION
  FROM information_schema.VIEWS
 WHERE LOWER(TABLE_NAME) IN (?)`;

const EVENTS: Record<string, string> = { INSERT: 'i', UPDATE: 'u', DELETE: 'd', SELECT: 'siud' };

/**
 * The tables `name` may mean: names come joined with dots as the statement wrote them (`db.t`),
 * and a quoted part may itself hold a dot (`` `dot.ted` ``), so the whole name is read as a table
 * in any database, and every cut into a database and a table as one more reading.
 */
function readings(name: string): { schema: string | undefined; table: string }[] {
  const parts = name.split('.');
  const out: { schema: string | undefined; table: string }[] = [{ schema: undefined, table: name }];
  for (let k = 1; k < parts.length; k++)
    out.push({ schema: parts.slice(0, k).join('.'), table: parts.slice(k).join('.') });
  return out;
}

export async function loadMysqlFired(
  db: Pick<MysqlSide, 'query'>,
  tables: string[],
): Promise<Map<string, FiredObject[]>> {
  const wanted = tables.map(readings);
  const lower = [...new Set(wanted.flat().map((w) => w.table.toLowerCase()))];
  const [rows] = (await db.query(QUERY, [lower, lower])) as [Row[], unknown];
  const out = new Map<string, FiredObject[]>();
  tables.forEach((name, i) => {
    const means = (r: Row) =>
      wanted[i]!.some(
        ({ schema, table }) =>
          String(r.t).toLowerCase() === table.toLowerCase() &&
          (schema === undefined || String(r.s).toLowerCase() === schema.toLowerCase()),
      );
    const objects = rows.filter(means).map(
      (r): FiredObject => ({
        what: `${r.k} ${r.n}`,
        events: EVENTS[String(r.e).toUpperCase()] ?? 'siud',
        // Empty or NULL: hidden from the side connection's account, code that cannot be read.
        ...(r.b ? { sql: r.b } : { hidden: true as const }),
        ...(r.k === 'view' ? { view: true as const } : {}),
      }),
    );
    if (objects.length > 0) out.set(name, objects);
  });
  return out;
}

export class MysqlFiredCatalog extends FiredCatalog {
  constructor(db: Pick<MysqlSide, 'query'>, opts: FiredCatalogOptions = {}) {
    super((tables) => loadMysqlFired(db, tables), opts);
  }
}
