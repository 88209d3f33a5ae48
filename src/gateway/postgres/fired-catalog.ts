// What fires on Postgres relations, in one catalog read for many relations (see ../fired-catalog.ts
// for the cache). Each row is one object: a trigger (its function; enabled ones, by event), a rule
// or a view's query (pg_get_ruledef / pg_get_viewdef), a row-security policy (only when row
// security is on for the table), a column default or generated expression, a table check, or a
// check of a domain a column's type is built on. Expressions come back as pg_get_expr prints them,
// with every function name qualified where the search path would not find it. The same is read for
// the tables a write reaches beyond the one it names (child tables and partitions, tables its
// foreign keys cascade to) and listed under the named one, with the events of the named one that
// fire them there.
import { GuardrailError } from '../../errors/guardrail-error.js';
import type { FiredObject } from '../../sql/types.js';
import { FiredCatalog, type FiredCatalogOptions } from '../fired-catalog.js';
import type { Queryable } from './function-catalog.js';

interface Row {
  rel: string;
  m: string;
  skip: boolean;
  depth: number;
  owner: string;
  kind: string;
  label: string;
  events: string;
  fn_schema: string | null;
  fn_name: string | null;
  body: string | null;
}

/**
 * Levels of child tables and foreign-key cascades followed from a relation a statement names; a
 * relation further down is reported unread (opaque).
 */
const MAX_DEPTH = 4;

// The relations a write to a named one also changes, each with `m`: for the named relation's
// events i, u, d, t (in that order) the event the write becomes there ('-': none; 'U': any of
// UPDATE, INSERT, DELETE, as an UPDATE that moves a row to another partition deletes and inserts
// it). A child table (pg_inherits) gets UPDATE, DELETE and TRUNCATE, and INSERT too when it is a
// partition (rows are routed into it); `skip`: reached through a child first, so a statement's
// ONLY excludes it. A table whose foreign key references it with an action gets its rows deleted
// (ON DELETE CASCADE) or updated (SET NULL / SET DEFAULT, ON UPDATE …). `seen` ends cycles (a
// self-referencing key).
const TREE = `rel(name, oid, m, skip, last, depth, seen) AS (
  SELECT named.name, named.oid, 'iudt'::text, false, 'self'::text, 0, ARRAY[named.oid::text || ':iudt']
    FROM named WHERE named.oid IS NOT NULL
  UNION ALL
  SELECT rel.name, e.child, e.m, rel.skip OR (rel.depth = 0 AND e.last = 'child'), e.last, rel.depth + 1,
         rel.seen || (e.child::text || ':' || e.m)
    FROM rel CROSS JOIN LATERAL (
      SELECT i.inhrelid AS child, CASE WHEN pc.relkind = 'p' THEN translate(rel.m, 'u', 'U') ELSE translate(rel.m, 'i', '-') END AS m,
             'child'::text AS last
        FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
       WHERE i.inhparent = rel.oid
      UNION ALL
      SELECT co.conrelid, translate(rel.m, 'iudtU', format('-%s%s-%1$s',
               CASE WHEN co.confupdtype IN ('c', 'n', 'd') THEN 'u' ELSE '-' END,
               CASE co.confdeltype WHEN 'c' THEN 'd' WHEN 'n' THEN 'u' WHEN 'd' THEN 'u' ELSE '-' END)),
             'fk'::text
        FROM pg_catalog.pg_constraint co WHERE co.contype = 'f' AND co.confrelid = rel.oid
    ) e
   WHERE rel.depth < ${MAX_DEPTH} AND e.m <> '----' AND NOT (e.child::text || ':' || e.m) = ANY(rel.seen)
)`;

// pg_get_viewdef and pg_get_ruledef lock the relations a view or rule reads: the read must never
// wait for a lock the client's own open transaction holds (the client would wait for the read, the
// read for the client), so it gives up (and the statement is refused) instead. One string, so the
// limits hold for this read only, whoever else uses the side connection; the names are inlined as
// a dollar-quoted jsonb literal, as parameters would need the extended protocol (one statement).
const LIMITS = "SET LOCAL lock_timeout = '2s'; SET LOCAL statement_timeout = '10s'; ";
const QUOTE = '$guardrail_fired$';

// $1: every reading of each name as statements wrote it (see `readings`): a schema (or none) and a
// relation name. A name with a schema is the one relation it names. One without means whatever
// the session's search path finds first, and the session may have changed its path in ways the
// analyzer cannot read (set_config with a computed value, a function's SET clause), so it stands
// for every relation of that name in any user schema (the session's temporary ones included): the
// side connection's own path would find a harmless table while the session writes a shadowing one.
const QUERY = `
WITH RECURSIVE req AS (
  SELECT r.name, r.schema, r.rel FROM jsonb_to_recordset($1) AS r(name text, schema text, rel text)
), named AS (
  SELECT DISTINCT req.name, c.oid FROM req
    JOIN pg_catalog.pg_class c ON c.relname = req.rel
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
     AND CASE WHEN req.schema IS NULL THEN n.nspname NOT IN ('pg_catalog', 'information_schema')
              WHEN req.schema = 'pg_temp' THEN n.nspname LIKE 'pg\\_temp\\_%'
              ELSE n.nspname = req.schema END
),
${TREE},
dom AS (
  WITH RECURSIVE d(name, oid, col, typ, m, skip, last, depth) AS (
    SELECT rel.name, rel.oid, a.attname::text, a.atttypid, rel.m, rel.skip, rel.last, rel.depth
      FROM rel JOIN pg_catalog.pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
    UNION
    SELECT d.name, d.oid, d.col, t.typbasetype, d.m, d.skip, d.last, d.depth
      FROM d JOIN pg_catalog.pg_type t ON t.oid = d.typ AND t.typtype = 'd'
  ) SELECT * FROM d
)
SELECT rel.name AS rel, rel.m, rel.skip, rel.depth, rel.oid::regclass::text AS owner, 'trigger' AS kind, t.tgname::text AS label,
       concat(CASE WHEN t.tgtype & 4 <> 0 THEN 'i' END, CASE WHEN t.tgtype & 8 <> 0 THEN 'd' END,
              CASE WHEN t.tgtype & 16 <> 0 THEN 'u' END, CASE WHEN t.tgtype & 32 <> 0 THEN 't' END) AS events,
       n.nspname::text AS fn_schema, p.proname::text AS fn_name, NULL::text AS body
  FROM rel JOIN pg_catalog.pg_trigger t ON t.tgrelid = rel.oid
  JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND rel.depth < ${MAX_DEPTH}
   -- A partition's clone of its parent's trigger is the parent's, judged there.
   AND NOT (rel.last = 'child' AND t.tgparentid <> 0)
UNION ALL
-- Rules apply to the relation a query names, not to its children; an RI query names the child.
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, CASE WHEN r.rulename = '_RETURN' THEN 'view' ELSE 'rule' END, r.rulename::text,
       CASE r.ev_type WHEN '1' THEN CASE WHEN r.rulename = '_RETURN' THEN 'siud' ELSE 's' END
                      WHEN '2' THEN 'u' WHEN '3' THEN 'i' ELSE 'd' END,
       NULL, NULL,
       CASE WHEN r.rulename = '_RETURN' THEN pg_catalog.pg_get_viewdef(rel.oid) ELSE pg_catalog.pg_get_ruledef(r.oid) END
  FROM rel JOIN pg_catalog.pg_rewrite r ON r.ev_class = rel.oid
 WHERE r.ev_enabled <> 'D' AND rel.last <> 'child' AND rel.depth < ${MAX_DEPTH}
UNION ALL
-- Policies of the relation named only: children's are not applied, RI queries bypass them.
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, 'policy', pol.polname::text,
       CASE pol.polcmd WHEN 'a' THEN 'i' WHEN 'w' THEN 'u' WHEN 'd' THEN 'd' ELSE 'siud' END,
       NULL, NULL,
       concat_ws(' AND ', pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
                          pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid))
  FROM rel JOIN pg_catalog.pg_class c ON c.oid = rel.oid AND c.relrowsecurity
  JOIN pg_catalog.pg_policy pol ON pol.polrelid = rel.oid
 WHERE rel.depth = 0
UNION ALL
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, CASE WHEN a.attgenerated = '' THEN 'default' ELSE 'generated column' END, a.attname::text,
       'iu', NULL, NULL, pg_catalog.pg_get_expr(d.adbin, d.adrelid)
  FROM rel JOIN pg_catalog.pg_attrdef d ON d.adrelid = rel.oid
  JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum AND NOT a.attisdropped
 WHERE rel.depth < ${MAX_DEPTH}
UNION ALL
SELECT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, 'check', co.conname::text, 'iu', NULL, NULL, pg_catalog.pg_get_expr(co.conbin, co.conrelid)
  FROM rel JOIN pg_catalog.pg_constraint co ON co.conrelid = rel.oid AND co.contype = 'c'
 WHERE rel.depth < ${MAX_DEPTH}
UNION ALL
SELECT dom.name, dom.m, dom.skip, dom.depth, dom.oid::regclass::text, 'domain check', format('%s (column %s)', co.conname, dom.col), 'iu', NULL, NULL,
       pg_catalog.pg_get_expr(co.conbin, 0)
  FROM dom JOIN pg_catalog.pg_constraint co ON co.contypid = dom.typ AND co.contype = 'c'
 WHERE dom.depth < ${MAX_DEPTH}
UNION ALL
-- Relations the bound on depth left unread: what fires there is unknown.
SELECT DISTINCT rel.name, rel.m, rel.skip, rel.depth, rel.oid::regclass::text, 'unread', format('relations beyond %s (%s levels of child tables and cascades)', rel.oid::regclass, ${MAX_DEPTH}),
       '', NULL, NULL, NULL
  FROM rel WHERE rel.depth = ${MAX_DEPTH}`;

/**
 * The relations `name` may mean. Names come joined with dots as the statement wrote them
 * (`schema.table`, `db.schema.table`), and a quoted part may itself hold a dot (`"dot.ted"`), so
 * each split is a reading: the whole name as a relation in any schema, and every way to cut it into
 * a schema and a relation (a leading database name dropped).
 */
function readings(name: string): { name: string; schema: string | null; rel: string }[] {
  const parts = name.split('.');
  const out = [{ name, schema: null as string | null, rel: name }];
  for (let k = 1; k < parts.length; k++)
    for (let j = 0; j < k; j++)
      out.push({ name, schema: parts.slice(j, k).join('.'), rel: parts.slice(k).join('.') });
  return out;
}

function objectOf(r: Row, events: string): FiredObject {
  const what = r.depth > 0 ? `${r.kind} ${r.label} on ${r.owner}` : `${r.kind} ${r.label}`;
  const base = { what, events, ...(r.skip ? { descendant: true as const } : {}) };
  if (r.kind === 'unread') return { ...base, what: r.label, hidden: true };
  if (r.kind === 'trigger')
    return { ...base, fn: { name: r.fn_name ?? '', ...(r.fn_schema ? { schema: r.fn_schema } : {}) } };
  if (r.kind === 'view') return { ...base, sql: r.body ?? '', view: true };
  if (r.kind === 'rule') return { ...base, sql: r.body ?? '' };
  // A domain check reads its value as VALUE, which parses as a column reference.
  return { ...base, expr: r.body ?? 'NULL' };
}

/**
 * The named relation's events on which an object of a child or cascaded table fires: those that
 * become there (`m`) one of the object's own events. Reads of the named relation fire nothing there.
 */
function eventsThrough(r: Row): string {
  if (r.depth === 0) return r.events;
  let out = '';
  [...'iudt'].forEach((e, i) => {
    const there = r.m[i]!;
    const fires = [...(there === 'U' ? 'uid' : there)].some((c) => r.events.includes(c));
    if (there !== '-' && (r.kind === 'unread' || fires)) out += e;
  });
  return out;
}

export async function loadPostgresFired(
  db: Queryable,
  tables: string[],
): Promise<Map<string, FiredObject[]>> {
  const json = JSON.stringify(tables.flatMap(readings));
  if (json.includes(QUOTE))
    throw new GuardrailError('a relation name in the statement cannot be looked up in the catalog', {
      code: 'ERR_CATALOG_READ',
    });
  const results = (await db.query(
    LIMITS + QUERY.replace('$1', () => `${QUOTE}${json}${QUOTE}::jsonb`),
  )) as unknown as { rows: Row[] } | { rows: Row[] }[];
  // A string of several statements answers with one result per statement.
  const { rows } = Array.isArray(results) ? results.at(-1)! : results;
  const out = new Map<string, FiredObject[]>();
  for (const r of rows) {
    // A policy with neither condition (a bare permissive one) runs nothing.
    if (r.kind !== 'trigger' && r.kind !== 'unread' && !r.body) continue;
    const events = eventsThrough(r);
    if (!events) continue;
    const list = out.get(r.rel) ?? [];
    const object = objectOf(r, events);
    // A table reached along several paths shows its objects once per path.
    if (!list.some((o) => JSON.stringify(o) === JSON.stringify(object))) list.push(object);
    out.set(r.rel, list);
  }
  return out;
}

export class PostgresFiredCatalog extends FiredCatalog {
  constructor(db: Queryable, opts: FiredCatalogOptions = {}) {
    super((tables) => loadPostgresFired(db, tables), opts);
  }
}

// The relations joined to the named ones by inheritance (either way: a trigger created on a
// partitioned table is cloned onto its partitions, and a write to a parent reaches its children)
// and by foreign keys (either way: a cascade fires what is on the referencing table), to the depth
// a statement's read follows, by bare name: what a change naming one of them may alter for a
// statement that names another (see ../catalog-scope.ts).
const RELATED = `
WITH RECURSIVE r(oid, depth) AS (
  SELECT c.oid, 0 FROM pg_catalog.pg_class c
   WHERE pg_catalog.lower(c.relname) = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION
  SELECT x.oid, r.depth + 1 FROM r CROSS JOIN LATERAL (
    SELECT i.inhrelid AS oid FROM pg_catalog.pg_inherits i WHERE i.inhparent = r.oid
    UNION ALL SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = r.oid
    UNION ALL SELECT co.conrelid FROM pg_catalog.pg_constraint co WHERE co.contype = 'f' AND co.confrelid = r.oid
    UNION ALL SELECT co.confrelid FROM pg_catalog.pg_constraint co WHERE co.contype = 'f' AND co.conrelid = r.oid
  ) x WHERE r.depth < ${MAX_DEPTH}
)
SELECT DISTINCT pg_catalog.lower(c.relname) AS name FROM r JOIN pg_catalog.pg_class c ON c.oid = r.oid`;

/** The bare, lower-cased names of the relations related to those named `names` (lower-cased; see RELATED). */
export async function relatedPostgresRelations(db: Queryable, names: readonly string[]): Promise<string[]> {
  const { rows } = await db.query(RELATED, [names]);
  return (rows as { name: string }[]).map((r) => r.name);
}
