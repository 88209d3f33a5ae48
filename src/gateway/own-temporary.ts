// Writes to the session's own temporary tables touch nothing that existed before the session, and
// the side connection cannot see those tables to count their rows, so their estimates do not count
// toward the mass-change rule. The session's memory of its temporary tables can be stale, though:
// `DISCARD TEMP` or a function that drops one leaves the name to whatever the session's search path
// finds next, a permanent table the side connection's own path may not find. So the exemption
// holds only for a name that no permanent relation has in any schema; otherwise the estimate
// counts (its rows unknown: the rule fires), and a read failure exempts nothing.
import type { PgSide } from './side-connection.js';

const PERMANENT = `
SELECT DISTINCT c.relname AS name FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = ANY($1::text[]) AND c.relpersistence <> 't'`;

/** `tmp` or `pg_temp.tmp` naming a temporary table of the session: its bare name. */
function temporaryName(table: string, temporary: ReadonlySet<string>): string | undefined {
  const parts = table.split('.');
  const bare = parts.at(-1)!;
  const named = parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_temp');
  return named && temporary.has(bare) ? bare : undefined;
}

/** The estimates that are writes to the session's own temporary tables and to nothing else. */
export async function ownTemporaryEstimates<E extends { table: string }>(
  side: Pick<PgSide, 'query'>,
  estimates: readonly E[],
  temporary: ReadonlySet<string>,
): Promise<Set<E>> {
  const named = estimates.flatMap((e) => {
    const name = temporaryName(e.table, temporary);
    return name === undefined ? [] : [{ e, name }];
  });
  if (named.length === 0) return new Set();
  let permanent: Set<string>;
  try {
    const { rows } = await side.query(PERMANENT, [[...new Set(named.map((n) => n.name))]]);
    permanent = new Set(rows.map((r) => String(r.name)));
  } catch {
    return new Set();
  }
  return new Set(named.filter((n) => !permanent.has(n.name)).map((n) => n.e));
}
