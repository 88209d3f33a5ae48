// The state one MySQL / MariaDB analysis carries from statement to statement: the sql_mode the
// lexer follows, the session it builds up (prepared statements, routines, schema), and the
// findings of the statement being judged. Shared by the walker (walker.ts) and the judge
// (judge.ts).
import type { KnownRuleId } from '../rules.js';
import type { RawFinding } from './classify.js';
import type { MysqlServer } from './server.js';
import type { MysqlAnalysisContext, SqlPreparedStatement } from './session.js';
import { type LexFlags, lexFlags } from './sql-mode.js';

export interface ModeState {
  mode: string | undefined;
  flags: LexFlags;
}

export interface Env {
  ctx: MysqlAnalysisContext;
  prepared: Map<string, SqlPreparedStatement>;
  /** Procedures and functions created earlier in this input: lower-cased name → body text. */
  routines: Map<string, string>;
  schema: string | undefined;
  /** The server whose reading of executable comments this run follows. */
  server: MysqlServer | undefined;
  depth: number;
  shared: {
    forks: number;
    literalSensitive: boolean;
    /** A WHERE was judged by its literals' values (kept apart for `literalsOnlyInWhere`). */
    whereLiterals: boolean;
    sessionSensitive: boolean;
    modeChanged: boolean;
    changesSession: boolean;
  };
}

export interface Acc {
  findings: RawFinding[];
  opaque: boolean;
  readOnly: boolean;
  /** Appended to the canonical form: what an EXECUTE or CALL actually runs. */
  suffix: string;
}

/** How deep EXECUTE, CALL and routine bodies are followed before the rest is opaque. */
export const MAX_DEPTH = 4;

export function modeState(mode: string | undefined, server: MysqlServer | undefined): ModeState {
  return { mode, flags: lexFlags(mode, server) };
}

export function cloneEnv(env: Env, depth = env.depth): Env {
  return { ...env, prepared: new Map(env.prepared), routines: new Map(env.routines), depth };
}

export function add(acc: Acc, rule: KnownRuleId, objects: string[], message: string): void {
  acc.findings.push({ rule, objects, message });
}
