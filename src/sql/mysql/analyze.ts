// MySQL / MariaDB analysis, the entry point: our lexer decides what the server will execute
// (strings, comments, executable comments, statement boundaries, sql_mode changes between
// statements). The walker (walker.ts) runs the input once per possible reading (the upstream's
// reading of executable comments, each lexing an unknown sql_mode allows), the judge (judge.ts)
// gives each statement its findings, and this module merges the runs into one Analysis and the
// session state after it. Migration files with DELIMITER lines go through script.ts.
import { sha256 } from '../canonical.js';
import type { Analysis, Finding, StatementAnalysis } from '../types.js';
import { cloneEnv, type Env, modeState } from './env.js';
import { executableReadings } from './server.js';
import type { MysqlAnalysisContext, MysqlSessionAfter, SqlPreparedStatement } from './session.js';
import { isUnknownMode, lexFlags, UNKNOWN_SQL_MODE } from './sql-mode.js';
import { fork, type Run, runFrom } from './walker.js';

export interface MysqlAnalysis extends Analysis {
  /** The session state once the whole input has run; see MysqlSessionAfter. */
  after: MysqlSessionAfter;
  /**
   * The findings depend on literal values (WHERE 1=1, PREPARE … FROM '…', SET sql_mode = '…',
   * EXECUTE IMMEDIATE '…'): a cache keyed by a literal-stripping digest must not reuse them.
   */
  literalSensitive: boolean;
  /**
   * The only literals read were in UPDATE / DELETE WHERE clauses (could it match every row?):
   * a shape cache may still keep the result once it has shown that no literal could (shape.ts).
   */
  literalsOnlyInWhere?: true;
  /**
   * The findings depend on session state besides the text: prepared statements (EXECUTE),
   * routine bodies (CALL, stored functions), the current schema, or a sql_mode that changes
   * lexing (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, unknown).
   * A cache must key on that state too, or not keep the result.
   */
  sessionSensitive: boolean;
  /**
   * The input changes the session state (PREPARE, DEALLOCATE, USE, CREATE PROCEDURE / FUNCTION,
   * sql_mode, or what an EXECUTE or CALL ran): `after` is not the context's state carried over,
   * so a cache must not reuse it for another session.
   */
  changesSession: boolean;
}

function mergeRuns(
  runs: Run[],
  _ctx: MysqlAnalysisContext,
): { statements: StatementAnalysis[]; after: MysqlSessionAfter; shared: Env['shared'] } {
  if (runs.length === 1) {
    // One lexing (the sql_mode was known throughout): its statements are in order and its
    // session state is the state after the input.
    const { statements, mode, env } = runs[0]!;
    return {
      statements,
      shared: env.shared,
      after: sessionAfter(mode, env.schema, env.prepared, env.routines),
    };
  }
  const seen = new Set<string>();
  const statements: StatementAnalysis[] = [];
  for (const r of runs)
    for (const s of r.statements) {
      const key = `${s.offset}:${s.hash}`;
      if (seen.has(key)) continue;
      seen.add(key);
      statements.push(s);
    }
  statements.sort((a, b) => a.offset - b.offset);
  const first = runs[0]!;
  const modes = new Set(runs.map((r) => r.mode));
  const schemas = new Set(runs.map((r) => r.env.schema));
  const prepared = new Map<string, SqlPreparedStatement>();
  for (const r of runs)
    for (const [k, v] of r.env.prepared) {
      const had = prepared.get(k);
      prepared.set(k, had === undefined || had.text === v.text ? v : {});
    }
  for (const r of runs) for (const k of prepared.keys()) if (!r.env.prepared.has(k)) prepared.set(k, {});
  const routines = new Map<string, string>();
  for (const r of runs) for (const [k, v] of r.env.routines) routines.set(k, v);
  const schema = schemas.size === 1 ? first.env.schema : undefined;
  const sqlMode = modes.size === 1 ? first.mode : UNKNOWN_SQL_MODE;
  return {
    statements,
    shared: first.env.shared,
    after: sessionAfter(sqlMode, schema, prepared, routines),
  };
}

/** The session state after an input, as `MysqlSessionAfter` spells it (unset parts left out). */
export function sessionAfter(
  sqlMode: string | undefined,
  schema: string | undefined,
  prepared: ReadonlyMap<string, SqlPreparedStatement>,
  routines: ReadonlyMap<string, string>,
): MysqlSessionAfter {
  const after: MysqlSessionAfter = { prepared, routines };
  if (sqlMode !== undefined) after.sqlMode = sqlMode;
  if (schema !== undefined) after.schema = schema;
  return after;
}

function newEnv(ctx: MysqlAnalysisContext): Env {
  return {
    ctx,
    prepared: new Map(ctx.mysql?.prepared ?? []),
    routines: new Map(ctx.mysql?.routines ?? []),
    schema: ctx.mysql?.schema,
    server: ctx.server,
    depth: 0,
    shared: {
      forks: 0,
      literalSensitive: false,
      whereLiterals: false,
      sessionSensitive: false,
      modeChanged: false,
      changesSession: false,
    },
  };
}

export function assemble(statements: StatementAnalysis[]): Analysis {
  const findings: Finding[] = statements.flatMap((s) => s.findings);
  const canonical = statements.map((s) => s.canonical).join(' ;\n');
  // One statement: its canonical form is the whole input's, already hashed.
  const only = statements.length === 1 ? statements[0]! : undefined;
  return {
    findings,
    readOnly: statements.every((s) => s.readOnly),
    opaque: statements.some((s) => s.opaque),
    canonical,
    hash: only && only.hash !== '' ? only.hash : sha256(canonical),
    statements,
  };
}

/** Analyses a MySQL/MariaDB input (one COM_QUERY: possibly several statements). */
export function analyzeMysql(text: string, ctx: MysqlAnalysisContext): MysqlAnalysis {
  const env = newEnv(ctx);
  const start = { pos: 0, inExecutable: false };
  // Executable comments whose outcome depends on the server: with the upstream known, its
  // reading; otherwise every reading, and the strongest verdict wins (the findings of all).
  const readings = executableReadings(text);
  const servers = ctx.server || !readings ? [ctx.server] : readings;
  const runs = servers.flatMap((server) => {
    const e = servers.length === 1 ? env : { ...cloneEnv(env), server };
    return isUnknownMode(ctx.sqlMode)
      ? fork(text, start, e)
      : runFrom(text, start, modeState(ctx.sqlMode, server), e);
  });
  const merged = mergeRuns(runs, ctx);
  const base = assemble(merged.statements);
  // Spelled out rather than spread: building the result by spreading costs more than analysing
  // a short statement.
  const { literalSensitive, whereLiterals } = merged.shared;
  const result: MysqlAnalysis = {
    findings: base.findings,
    readOnly: base.readOnly,
    opaque: base.opaque,
    canonical: base.canonical,
    hash: base.hash,
    statements: base.statements,
    after: merged.after,
    literalSensitive: literalSensitive || whereLiterals,
    sessionSensitive:
      merged.shared.sessionSensitive ||
      readings !== undefined ||
      isUnknownMode(ctx.sqlMode) ||
      Object.values(lexFlags(ctx.sqlMode)).some(Boolean),
    changesSession: merged.shared.changesSession || merged.shared.modeChanged,
  };
  if (whereLiterals && !literalSensitive) result.literalsOnlyInWhere = true;
  return result;
}

export type { MysqlAnalysisContext, MysqlSessionAfter } from './session.js';
export { UNKNOWN_SQL_MODE } from './sql-mode.js';
