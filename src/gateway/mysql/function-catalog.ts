// Bodies of the MySQL / MariaDB stored functions and procedures a statement calls, read from
// information_schema.ROUTINES (see ../function-catalog.ts for the cache and its fixed point).
// ROUTINE_DEFINITION is NULL when the side connection's account may not see the body (another
// definer, no SHOW CREATE ROUTINE): such a routine is returned as `hidden`, and its call is opaque.
import { mysqlCalledFunctions } from '../../sql/mysql/calls.js';
import { FunctionCatalogCache, type FunctionCatalogOptions } from '../function-catalog.js';
import type { MysqlSide } from '../side-connection.js';

interface Row {
  s: string;
  n: string;
  b: string | null;
}

const QUERY = `SELECT ROUTINE_SCHEMA AS s, ROUTINE_NAME AS n, ROUTINE_DEFINITION AS b
  FROM information_schema.ROUTINES WHERE LOWER(ROUTINE_NAME) IN (?)`;

export class MysqlFunctionCatalog extends FunctionCatalogCache {
  constructor(db: Pick<MysqlSide, 'query'>, opts: FunctionCatalogOptions = {}) {
    super(
      async (names) => {
        const [rows] = (await db.query(QUERY, [names])) as [Row[], unknown];
        return rows.map((r) => ({
          schema: String(r.s),
          name: String(r.n),
          language: r.b === null ? 'hidden' : 'sql',
          body: r.b ?? '',
          securityDefiner: false,
        }));
      },
      (fn) => mysqlCalledFunctions(fn.body, { dialect: 'mysql' }).map((c) => c.name),
      opts,
    );
  }
}
