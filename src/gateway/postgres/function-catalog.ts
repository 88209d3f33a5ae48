// Bodies of the Postgres user functions a statement calls, read from pg_proc (see
// ../function-catalog.ts for the cache and its fixed point). Built-ins (pg_catalog) are not
// returned: the analyzer knows the dangerous ones by name. Native (C/internal) functions of
// extensions are returned with their extension and no readable body.
import { functionCalls } from '../../sql/analyze.js';
import { FunctionCatalogCache, type FunctionCatalogOptions } from '../function-catalog.js';

/** What we need of a node-postgres Client or Pool. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

interface Row {
  schema: string;
  name: string;
  language: string;
  body: string | null;
  secdef: boolean;
  definition: string | null;
  extension: string | null;
}

const QUERY = `
SELECT n.nspname AS schema, p.proname AS name, l.lanname AS language,
       p.prosrc AS body, p.prosecdef AS secdef,
       CASE WHEN p.prokind IN ('f', 'p') AND l.lanname NOT IN ('internal', 'c')
            THEN pg_catalog.pg_get_functiondef(p.oid) END AS definition,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
           AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e' LIMIT 1) AS extension
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE lower(p.proname) = ANY($1::text[])
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;

export class PostgresFunctionCatalog extends FunctionCatalogCache {
  constructor(db: Queryable, opts: FunctionCatalogOptions = {}) {
    super(
      async (names) =>
        ((await db.query(QUERY, [names])).rows as Row[]).map((raw) => ({
          schema: raw.schema,
          name: raw.name,
          language: raw.language,
          body: raw.body ?? '',
          securityDefiner: raw.secdef,
          ...(raw.definition ? { definition: raw.definition } : {}),
          ...(raw.extension ? { extension: raw.extension } : {}),
        })),
      (fn) => functionCalls(fn).map((c) => c.name),
      opts,
    );
  }
}
