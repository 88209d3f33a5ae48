// What masking needs to know about the database, read on the gateway's side connection and
// cached for every session of the run: relations (columns, view definitions) and user functions
// for lineage, and the origin of each (table OID, attnum) a RowDescription names. Lineage is
// synchronous, so it runs against the cache; what it misses is fetched and it runs again.
// Everything is dropped after DDL, since OIDs, attnums and names then mean something else.
import { GuardrailError } from '../../errors/guardrail-error.js';
import type {
  CatalogRelation,
  ColumnResolverCache,
  LineageCatalog,
  LineageResult,
  Masking,
} from '../../masking/index.js';

/** The side connection, or anything that answers SQL the same way. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

// Views and materialized views hold what their query read; every other relation kind is a table.
const RELATIONS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.oid::int8 AS oid,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def,
       array(SELECT a.attname::text FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS cols,
       array(SELECT a.attnum::int FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS nums
  FROM jsonb_to_recordset($1) AS q(s text, r text)
  JOIN pg_namespace n ON n.nspname = q.s
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = q.r
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')`;

const FUNCTIONS_SQL = `
SELECT q.s AS schema, q.f AS name,
       EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE p.proname = q.f AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND (q.s = '' OR n.nspname = q.s)) AS user_defined
  FROM jsonb_to_recordset($1) AS q(s text, f text)`;

const ATTRIBUTES_SQL = `
SELECT q.o::int8 AS oid, q.a::int AS attnum, n.nspname AS schema, c.relname AS table, a.attname AS column
  FROM jsonb_to_recordset($1) AS q(o int8, a int)
  LEFT JOIN pg_attribute a ON a.attrelid = q.o::oid AND a.attnum = q.a AND NOT a.attisdropped
  LEFT JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`;

const DEFAULTS_SQL = 'SELECT current_schemas(true)::text[] AS path, current_user::text AS "user"';

// pg_get_viewdef locks the tables a view reads: a read must never wait for a lock the client's
// own open transaction holds (the client would wait for the read, the read for the client).
// One string, so the limits hold for this read only, whoever else uses the side connection.
const LIMITS = "SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '10s'; ";
const QUOTE = '$guardrail_catalog$';

/** Catalog reads per statement before lineage gives up (each round follows one more level of views). */
const MAX_ROUNDS = 8;
const LINEAGE_CACHE = 512;

const UNSEEN: CatalogRelation = { kind: 'view', columns: [] };

/** What lineage must know of the client's session. */
export interface LineageSession {
  /**
   * The session has DDL the side connection cannot see yet (an open transaction, or earlier in
   * the same string): a relation the catalog does not know may be one it created, so lineage
   * refuses it instead of treating it as unmasked.
   */
  strict?: boolean;
  /** search_path as the server last reported it (PostgreSQL 18 reports it in ParameterStatus). */
  searchPath?: string;
  /** The session changed its search path in a way the gateway cannot follow. */
  pathUnknown?: boolean;
}

/** The schemas of a search_path setting, as current_schemas(true) lists them (temp schema aside). */
function schemasOf(setting: string, user: string): string[] {
  const schemas: string[] = [];
  for (const m of setting.matchAll(/\s*("(?:[^"]|"")*"|[^,]+?)\s*(?:,|$)/g)) {
    const raw = m[1]!;
    if (!raw) continue;
    const name = raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase();
    schemas.push(name === '$user' ? user : name);
  }
  return schemas.includes('pg_catalog') ? schemas : ['pg_catalog', ...schemas];
}

interface Misses {
  relations: Set<string>;
  functions: Set<string>;
  path: boolean;
}

export class MaskingCatalog {
  readonly origins: ColumnResolverCache;
  private readonly relations = new Map<string, CatalogRelation | null>();
  private readonly functions = new Map<string, boolean>();
  private readonly lineages = new Map<string, LineageResult>();
  /** The role's default search path (current_schemas(true) on the side connection) and name. */
  private defaults: { path: string[]; user: string } | undefined;
  /** Bumped by invalidate(): answers to reads begun before it are not stored. */
  private generation = 0;

  constructor(
    readonly masking: Masking,
    private readonly db: Queryable,
  ) {
    this.origins = masking.resolverCache();
  }

  invalidate(): void {
    this.generation++;
    this.relations.clear();
    this.functions.clear();
    this.lineages.clear();
    this.defaults = undefined;
    this.origins.invalidate();
  }

  /**
   * Lineage of every statement of `sql` in `session`'s state; a promise only when the catalog
   * must be read first.
   */
  lineage(sql: string, session: LineageSession = {}): LineageResult | Promise<LineageResult> {
    const cacheable = !session.strict && !session.pathUnknown;
    const key = `${session.searchPath ?? ''}\0${sql}`;
    const known = cacheable ? this.lineages.get(key) : undefined;
    if (known) return known;
    const first = this.attempt(sql, session);
    if ('result' in first) return this.remember(cacheable, key, first.result);
    return this.fetchAndRetry(sql, session, first.misses, 1).then((r) => this.remember(cacheable, key, r));
  }

  private remember(cacheable: boolean, key: string, result: LineageResult): LineageResult {
    if (!cacheable) return result;
    if (this.lineages.size >= LINEAGE_CACHE) this.lineages.clear();
    this.lineages.set(key, result);
    return result;
  }

  private async fetchAndRetry(
    sql: string,
    session: LineageSession,
    misses: Misses,
    round: number,
  ): Promise<LineageResult> {
    await this.fetch(misses);
    const next = this.attempt(sql, session);
    if ('result' in next) return next.result;
    if (round >= MAX_ROUNDS)
      return { refuse: true, reason: 'the masking catalog kept changing while the statement was judged' };
    return this.fetchAndRetry(sql, session, next.misses, round + 1);
  }

  /** The schemas unqualified names resolve in: the session's reported search_path, else the role's default. */
  private pathOf(session: LineageSession): string[] | undefined {
    if (!this.defaults) return undefined;
    return session.searchPath === undefined
      ? this.defaults.path
      : schemasOf(session.searchPath, this.defaults.user);
  }

  private attempt(sql: string, session: LineageSession): { result: LineageResult } | { misses: Misses } {
    const misses: Misses = { relations: new Set(), functions: new Set(), path: false };
    const path = this.pathOf(session);
    const strict = session.strict === true;
    let pathUsed = false;
    const self = this;
    const catalog: LineageCatalog = {
      get searchPath() {
        pathUsed = true;
        if (path) return path;
        misses.path = true;
        return [];
      },
      relation(schema, name) {
        const key = `${schema}.${name}`;
        const r = self.relations.get(key);
        if (r === undefined) misses.relations.add(JSON.stringify([schema, name]));
        if (r === null && strict) {
          // Unseen unless a later schema of the search path holds the name; a view without a
          // definition is one lineage refuses to follow.
          const later = path?.includes(schema) ? path.slice(path.indexOf(schema) + 1) : [];
          if (later.some((s) => self.relations.get(`${s}.${name}`) !== null)) {
            for (const s of later)
              if (!self.relations.has(`${s}.${name}`)) misses.relations.add(JSON.stringify([s, name]));
            return undefined;
          }
          return UNSEEN;
        }
        return r ?? undefined;
      },
      isUserFunction(name, schema) {
        const key = `${schema ?? ''}.${name}`;
        const f = self.functions.get(key);
        if (f === undefined) misses.functions.add(JSON.stringify([schema ?? '', name]));
        return f ?? false;
      },
    };
    const result = this.masking.maskedOutputs(sql, catalog);
    if (misses.path || misses.relations.size > 0 || misses.functions.size > 0) return { misses };
    if (pathUsed && session.pathUnknown && !result.refuse) {
      return {
        result: {
          refuse: true,
          reason:
            'the session changed its search_path (or role) and the server does not report it: qualify relation names with their schema',
        },
      };
    }
    return { result };
  }

  private async fetch(misses: Misses): Promise<void> {
    const generation = this.generation;
    const pairs = (set: Set<string>) => [...set].map((s) => JSON.parse(s) as [string, string]);
    const [path, relations, functions] = await Promise.all([
      misses.path ? this.read(DEFAULTS_SQL) : undefined,
      misses.relations.size
        ? this.read(
            RELATIONS_SQL,
            pairs(misses.relations).map(([s, r]) => ({ s, r })),
          )
        : undefined,
      misses.functions.size
        ? this.read(
            FUNCTIONS_SQL,
            pairs(misses.functions).map(([s, f]) => ({ s, f })),
          )
        : undefined,
    ]);
    if (generation !== this.generation) return;
    if (path?.[0]) this.defaults = { path: path[0].path as string[], user: path[0].user as string };
    for (const key of misses.relations) {
      const [schema, name] = JSON.parse(key) as [string, string];
      this.relations.set(`${schema}.${name}`, null);
    }
    for (const r of relations ?? []) {
      const schema = r.schema as string;
      const table = r.name as string;
      const cols = r.cols as string[];
      const kind = r.kind === 'v' || r.kind === 'm' ? 'view' : 'table';
      this.relations.set(`${schema}.${table}`, {
        kind,
        columns: cols,
        ...(typeof r.def === 'string' ? { definition: r.def } : {}),
      });
      const oid = Number(r.oid);
      (r.nums as number[]).forEach((attnum, i) => {
        this.origins.set(oid, attnum, { schema, table, column: cols[i]! });
      });
    }
    for (const r of functions ?? []) {
      this.functions.set(`${r.schema as string}.${r.name as string}`, r.user_defined === true);
    }
  }

  /**
   * Runs one catalog query under LIMITS, its input ($1) inlined as a dollar-quoted jsonb literal:
   * parameters would need the extended protocol, which takes one statement only.
   */
  private async read(sql: string, input?: unknown): Promise<Record<string, unknown>[]> {
    const json = JSON.stringify(input ?? null);
    if (json.includes(QUOTE))
      throw new GuardrailError('a name in the statement cannot be looked up in the catalog', {
        code: 'ERR_CATALOG_READ',
      });
    const text = LIMITS + sql.replace('$1', `${QUOTE}${json}${QUOTE}::jsonb`);
    // A string of several statements answers with one result per statement.
    const results = (await this.db.query(text)) as unknown as
      | { rows: Record<string, unknown>[] }
      | { rows: Record<string, unknown>[] }[];
    return (Array.isArray(results) ? results.at(-1)! : results).rows;
  }

  /** Fills the origin cache for the (table OID, attnum) pairs a RowDescription named. */
  async resolve(missing: readonly { tableOid: number; attnum: number }[]): Promise<void> {
    const generation = this.generation;
    const rows = await this.read(
      ATTRIBUTES_SQL,
      missing.map((m) => ({ o: m.tableOid, a: m.attnum })),
    );
    if (generation !== this.generation) return;
    for (const r of rows) {
      this.origins.set(
        Number(r.oid),
        Number(r.attnum),
        r.column == null
          ? null
          : { schema: r.schema as string, table: r.table as string, column: r.column as string },
      );
    }
  }
}

// Statements that cannot change what a relation, column or function name means. Anything else
// (DDL, DO, CALL, SET search_path, …) drops the catalog caches once it has run.
const CATALOG_NEUTRAL =
  /^(?:select|insert|update|delete|merge|copy|values|table|with|explain|show|fetch|move|close|begin|start|commit|end|rollback|abort|savepoint|release|prepare|execute|deallocate|listen|unlisten|notify|lock|declare|discard|checkpoint|analyze|vacuum|reset|set\s+(?!search_path|schema|role|session))\b/i;

/** Whether running `text` may change the catalog (its leading comments skipped). */
export function changesCatalog(text: string): boolean {
  const body = text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '').replace(/^\(+\s*/, '');
  return !CATALOG_NEUTRAL.test(body);
}

// Settings that decide which schemas unqualified names resolve in: the path itself, and the
// role that "$user" stands for.
const SESSION_PATH =
  /search_path|\brole\b|session_authorization|session\s+authorization|\bdiscard\b|\breset\s+all\b/i;

/** Whether `text` may change the session's search path (conservatively: it mentions it). */
export function changesSessionPath(text: string): boolean {
  return SESSION_PATH.test(text);
}
