// Per-session MySQL state that changes what later statements mean. The gateway keeps one
// MysqlAnalysisContext per client connection: the parsing state in it (sql_mode, character set,
// schema, the server's flavour and version) is written only from what the server confirms; the
// SQL-level prepared statements and routines created in the session only the analyzer can know,
// and are carried from `analysis.after` once the analysed input has run.
import type { AnalysisContext } from '../types.js';
import { Lexer } from './lexer.js';
import type { MysqlServer } from './server.js';
import { nextStatement } from './split.js';
import { lexFlags, type SqlModeChange, sqlModeAfter } from './sql-mode.js';
import { isWord, readName } from './tokens.js';

/** A statement prepared in SQL (`PREPARE name FROM …`), not through the protocol's COM_STMT_PREPARE. */
export interface SqlPreparedStatement {
  /** The statement text; undefined when it came from a variable or expression (opaque). */
  text?: string;
  /** The sql_mode it was prepared under (the server lexed it then). */
  sqlMode?: string;
}

export interface MysqlSessionState {
  /** sql_mode; UNKNOWN_SQL_MODE when it could not be followed. */
  sqlMode?: string;
  /** Current schema (USE db, COM_INIT_DB). */
  schema?: string;
  /** SQL-level prepared statements by lower-cased name. */
  prepared: ReadonlyMap<string, SqlPreparedStatement>;
  /** Procedures and functions created in this session: lower-cased name → body text. */
  routines: ReadonlyMap<string, string>;
}

/** AnalysisContext plus the MySQL session state (prepared statements, schema). */
export interface MysqlAnalysisContext extends AnalysisContext {
  mysql?: Partial<Omit<MysqlSessionState, 'sqlMode'>>;
  /**
   * The upstream's flavour and version (handshake greeting): which executable comments run.
   * Absent (a file checked offline): every reading is judged.
   */
  server?: MysqlServer;
  /** character_set_client as the server last confirmed it (lower case): how client bytes decode. */
  characterSetClient?: string;
  /**
   * Set by the gateway for the one input `text`: its single UPDATE / DELETE writes `table`,
   * which the session's own connection just showed to be the session's temporary table.
   */
  ownTemporary?: { text: string; table: string };
}

/**
 * The session after an analysed input has run, as the analyzer reads it. The gateway carries
 * only the prepared statements and routines forward: sql_mode, character set and schema come
 * from the server (see connection.ts).
 */
export type MysqlSessionAfter = MysqlSessionState;

function firstStatement(text: string, sqlMode: string | undefined) {
  try {
    return nextStatement(new Lexer(text, lexFlags(sqlMode)));
  } catch {
    return undefined;
  }
}

/** The sql_mode after one statement (text) runs; `unknown` when it cannot be told statically. */
export function sqlModeChangeOf(statementText: string, currentMode: string | undefined): SqlModeChange {
  const st = firstStatement(statementText, currentMode);
  if (!st) return { kind: 'unchanged' };
  return sqlModeAfter(st.tokens, currentMode);
}

/** The schema selected by `USE db`, or undefined if the statement is not a USE. */
export function useSchemaOf(statementText: string, currentMode?: string): string | undefined {
  const st = firstStatement(statementText, currentMode);
  if (!st || !isWord(st.tokens[0], 'USE')) return undefined;
  const name = readName(st.tokens, 1);
  return name && name.next === st.tokens.length ? name.name : undefined;
}
