// A session may cancel or terminate itself: `SELECT pg_cancel_backend(pg_backend_pid())`,
// `pg_terminate_backend(<its own pid>[, <timeout>])`, MySQL `KILL [QUERY] <its own
// CONNECTION_ID()>`. That reaches no other session, so it is not the admin-function finding that
// stopping someone else's session is. Only these exact forms are recognised (the canonical text, so comments and spacing
// do not matter); anything else keeps its findings. Likewise a Postgres session may unlink the
// large objects it created itself (`SELECT lo_unlink(<oid>)`, the OID as a plain number): that is
// cleaning up its own work, not the destructive drop of someone else's object.
import type { Analysis, AnalysisContext, StatementAnalysis } from './types.js';

const POSTGRES_SELF =
  /^select (?:pg_catalog \. )?pg_(?:cancel|terminate)_backend \( (?:(?:pg_catalog \. )?pg_backend_pid \( \)|(\d+))(?: , \d+)? \)(?: as (?:[a-z_][a-z0-9_]*|"[^"]*"))?$/i;
const POSTGRES_OWN_LARGE_OBJECT =
  /^select (?:pg_catalog \. )?lo_unlink \( (\d+) \)(?: as (?:[a-z_][a-z0-9_]*|"[^"]*"))?$/i;
const MYSQL_SELF = /^kill (?:connection |query )?(?:connection_id \( \)|(\d+))$/i;
/** What a self-signal is reported as: the admin call, and (MySQL) KILL that the SQL parser cannot read. */
const CLEARED = new Set(['exfiltration/admin-function', 'opaque/unparseable']);
/** What unlinking one's own large object is reported as. */
const CLEARED_UNLINK = new Set(['destructive/drop-other']);

/** The findings a statement loses for touching only the session's own backend or large objects. */
function ownWork(s: StatementAnalysis, ctx: AnalysisContext): ReadonlySet<string> | undefined {
  if (ctx.dialect === 'postgres' && ctx.largeObjects?.size) {
    const lo = POSTGRES_OWN_LARGE_OBJECT.exec(s.canonical);
    if (lo) return ctx.largeObjects.has(Number(lo[1])) ? CLEARED_UNLINK : undefined;
  }
  const m = (ctx.dialect === 'mysql' ? MYSQL_SELF : POSTGRES_SELF).exec(s.canonical);
  if (!m) return undefined;
  return m[1] === undefined || (ctx.backendId !== undefined && Number(m[1]) === ctx.backendId)
    ? CLEARED
    : undefined;
}

/** The analysis without the findings of statements that only touch the session's own work. */
export function withoutOwnSignals(a: Analysis, ctx: AnalysisContext): Analysis {
  if (
    !a.findings.some((f) => f.rule === 'exfiltration/admin-function' || f.rule === 'destructive/drop-other')
  )
    return a;
  let changed = false;
  const statements = a.statements.map((s) => {
    const cleared = ownWork(s, ctx);
    if (!cleared) return s;
    changed = true;
    const findings = s.findings.filter((f) => !cleared.has(f.rule));
    return { ...s, findings, opaque: findings.some((f) => f.category === 'opaque') };
  });
  if (!changed) return a;
  return {
    ...a,
    statements,
    findings: statements.flatMap((s) => s.findings),
    opaque: statements.some((s) => s.opaque),
  };
}
