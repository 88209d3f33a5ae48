// A Postgres dry run must not move sequences (nextval() and setval() are not rolled back). The
// dry run already refuses statements that name them; this finds the ones that reach a sequence
// without naming it: a row written to a table whose column defaults draw from one (serial,
// identity, DEFAULT nextval(…), a default calling a user function) or whose trigger calls one,
// and a call of a user function whose body (through the calls it makes) names nextval() or
// setval(). Table facts are read on the side connection before the statement is judged (cached
// for a short while); what the dry run's own DDL changed is invisible there, so a table it gave
// such defaults or triggers is taken to move a sequence on every write (sequence-use.ts).
import { calledFunctions, functionCalls } from '../../sql/analyze.js';
import {
  ANY_WRITE,
  bodyMovesSequences,
  movesSequence,
  ownSequenceDdl,
  rowWrites,
  sequenceFunctionsDefined,
} from '../../sql/postgres/sequence-use.js';
import { sessionBodies } from '../../sql/postgres/session.js';
import type { AnalysisContext } from '../../sql/types.js';
import type { Queryable } from './function-catalog.js';

/** How long what the side connection said about a table is trusted. */
const TTL_MS = 30_000;
/** Functions followed at most per statement: beyond, the call is taken to move a sequence. */
const MAX_FUNCTIONS = 200;

// Any table of the name, in any schema: the session's search_path is not the side connection's.
const QUERY = `
SELECT c.relname AS t, a.attname AS c
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
 WHERE c.relname = ANY($1::text[])
   AND (a.attidentity <> ''
        OR pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~* '(nextval|setval)\\s*\\('
        OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend x
                    WHERE x.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND x.objid = d.oid
                      AND x.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass))
UNION ALL
SELECT c.relname, '${ANY_WRITE}'
  FROM pg_catalog.pg_trigger g
  JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid
  JOIN pg_catalog.pg_proc p ON p.oid = g.tgfoid
 WHERE c.relname = ANY($1::text[]) AND NOT g.tgisinternal AND p.prosrc ~* '(nextval|setval)\\s*\\('`;

/** The user functions a statement calls; none when it cannot be parsed (the server runs nothing). */
function callsOf(text: string, ctx: AnalysisContext): { name: string; schema?: string }[] {
  try {
    return calledFunctions(text, ctx);
  } catch {
    return [];
  }
}

interface SessionFacts {
  /** Tables this session's DDL gave defaults or triggers the catalog does not show yet. */
  marked: Set<string>;
  /** Lower-cased names of functions whose calls reach nextval() or setval(). */
  movers: Set<string>;
}

export class SequenceCatalog {
  private readonly tables = new Map<string, { columns: readonly string[] | undefined; at: number }>();
  private readonly sessions = new WeakMap<AnalysisContext, SessionFacts>();

  constructor(private readonly side: Queryable) {}

  private facts(ctx: AnalysisContext): SessionFacts {
    let f = this.sessions.get(ctx);
    if (!f) this.sessions.set(ctx, (f = { marked: new Set(), movers: new Set() }));
    return f;
  }

  /**
   * Before a statement is judged, once the bodies of the functions it calls are cached: notes
   * what it defines, follows its calls, and reads the tables it writes. A promise when the side
   * connection must be asked.
   */
  prefetch(text: string, ctx: AnalysisContext): Promise<void> | undefined {
    const f = this.facts(ctx);
    for (const t of ownSequenceDdl(text)) f.marked.add(t);
    for (const name of sequenceFunctionsDefined(text)) f.movers.add(name);
    this.follow(text, ctx, f);
    const now = Date.now();
    const wanted = [...new Set(rowWrites(text).map((w) => w.relname))].filter((t) => {
      const hit = this.tables.get(t);
      return !f.marked.has(t) && (hit === undefined || now - hit.at > TTL_MS);
    });
    return wanted.length > 0 ? this.read(wanted) : undefined;
  }

  private async read(tables: string[]): Promise<void> {
    const at = Date.now();
    try {
      const { rows } = await this.side.query(QUERY, [tables]);
      const found = new Map<string, string[]>(tables.map((t) => [t, []]));
      for (const r of rows as { t: string; c: string }[]) found.get(r.t)?.push(r.c);
      for (const [t, columns] of found) this.tables.set(t, { columns, at });
    } catch {
      // Unknown: every write to them is taken to move a sequence.
      for (const t of tables) this.tables.set(t, { columns: undefined, at });
    }
  }

  /** The user functions the text calls whose bodies, through their own calls, name a sequence function. */
  private follow(text: string, ctx: AnalysisContext, f: SessionFacts): void {
    const bodiesOf = sessionBodies(ctx.memory, ctx.functions);
    for (const call of callsOf(text, ctx)) {
      const name = call.name.toLowerCase();
      if (f.movers.has(name)) continue;
      const seen = new Set<string>();
      const queue: { name: string; schema?: string }[] = [call];
      while (queue.length > 0) {
        const next = queue.shift()!;
        const key = `${next.schema ?? ''}.${next.name.toLowerCase()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const bodies = bodiesOf(next.name.toLowerCase(), next.schema);
        if (
          seen.size > MAX_FUNCTIONS ||
          f.movers.has(next.name.toLowerCase()) ||
          bodies.some((b) => bodyMovesSequences(b.definition ?? b.body))
        ) {
          f.movers.add(name);
          break;
        }
        for (const b of bodies) queue.push(...functionCalls(b));
      }
    }
  }

  /** Why running this statement (one of a judged input) would move a sequence, or undefined. */
  reason(text: string, ctx: AnalysisContext): string | undefined {
    const f = this.facts(ctx);
    for (const w of rowWrites(text)) {
      if (f.marked.has(w.relname))
        return `${w.verb} ${w.relname}: this dry run gave it defaults or triggers that may draw from a sequence`;
      const why = movesSequence(w, this.tables.get(w.relname)?.columns);
      if (why) return why;
    }
    const mover = callsOf(text, ctx).find((c) => f.movers.has(c.name.toLowerCase()));
    return mover ? `calls ${mover.name}(), which calls nextval() or setval()` : undefined;
  }
}
