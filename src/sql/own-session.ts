// A session may cancel or terminate itself: `SELECT pg_cancel_backend(pg_backend_pid())`,
// `pg_terminate_backend(<its own pid>)`, MySQL `KILL [QUERY] <its own CONNECTION_ID()>`. That
// reaches no other session, so it is not the admin-function finding that stopping someone else's
// session is. Only these exact forms are recognised (the canonical text, so comments and spacing
// do not matter); anything else keeps its findings.
import type { Analysis, AnalysisContext, StatementAnalysis } from './types.js';

const POSTGRES_SELF =
  /^select (?:pg_catalog \. )?pg_(?:cancel|terminate)_backend \( (?:(?:pg_catalog \. )?pg_backend_pid \( \)|(\d+)) \)(?: as (?:[a-z_][a-z0-9_]*|"[^"]*"))?$/i;
const MYSQL_SELF = /^kill (?:connection |query )?(?:connection_id \( \)|(\d+))$/i;
/** What a self-signal is reported as: the admin call, and (MySQL) KILL that the SQL parser cannot read. */
const CLEARED = new Set(['exfiltration/admin-function', 'opaque/unparseable']);

function ownSignal(s: StatementAnalysis, ctx: AnalysisContext): boolean {
  const m = (ctx.dialect === 'mysql' ? MYSQL_SELF : POSTGRES_SELF).exec(s.canonical);
  if (!m) return false;
  return m[1] === undefined || (ctx.backendId !== undefined && Number(m[1]) === ctx.backendId);
}

/** The analysis without the findings of statements that only signal the session's own backend. */
export function withoutOwnSignals(a: Analysis, ctx: AnalysisContext): Analysis {
  if (!a.findings.some((f) => f.rule === 'exfiltration/admin-function')) return a;
  let changed = false;
  const statements = a.statements.map((s) => {
    if (!ownSignal(s, ctx)) return s;
    changed = true;
    const findings = s.findings.filter((f) => !CLEARED.has(f.rule));
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
