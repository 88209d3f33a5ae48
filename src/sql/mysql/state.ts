// Which statements can change the session's parsing state (sql_mode, character_set_client,
// schema), for the gateway's decision to wait for the server's word on it. The state itself
// lives in MysqlAnalysisContext and is written only from what the server confirms.
import type { StatementAnalysis } from '../types.js';
import { LexError, Lexer, type Token } from './lexer.js';
import type { MysqlServer } from './server.js';
import { nextStatement } from './split.js';
import { ALL_LEX_MODES, isUnknownMode, lexFlags } from './sql-mode.js';

/**
 * Statements that leave sql_mode, character_set_client and the schema as they were. Stored
 * routines (CALL, functions, triggers) run under their own sql_mode and character set and give
 * the caller's back (verified against MariaDB 10.11); USE is not allowed in them.
 */
const KEEPS_STATE = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'RENAME',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'EXPLAIN',
  'COMMIT',
  'ROLLBACK',
  'START',
  'SAVEPOINT',
  'RELEASE',
  'LOCK',
  'UNLOCK',
  'LOAD',
  'GRANT',
  'REVOKE',
  'ANALYZE',
  'OPTIMIZE',
  'CHECK',
  'CHECKSUM',
  'REPAIR',
  'FLUSH',
  'DO',
  'HANDLER',
  'WITH',
  'VALUES',
  'TABLE',
  'XA',
  'HELP',
  'CALL',
  'PREPARE',
  'DEALLOCATE',
]);

function leadKeepsState(lead: string): boolean {
  return KEEPS_STATE.has(lead.toUpperCase());
}

/** May any of these statements (analysed) change sql_mode, the character set or the schema? */
export function mayChangeSessionState(statements: readonly StatementAnalysis[]): boolean {
  return statements.some((s) => {
    const lead = /^[A-Za-z_]+/.exec(s.canonical.trimStart())?.[0];
    return lead === undefined || !leadKeepsState(lead);
  });
}

function tokenLeadKeepsState(tokens: readonly Token[]): boolean {
  const t = tokens[0];
  return t !== undefined && t.kind === 'word' && leadKeepsState(t.upper);
}

/**
 * Can a statement of this text other than its last change character_set_client? The server
 * reads each statement of a multi-statement text only after the one before it ran, under the
 * character set then in force; the gateway has to decode the whole text before any of it runs.
 * True when any lexing of the text (every sql_mode reading when the mode is unknown) has such a
 * statement, or when the text cannot be lexed.
 */
export function mayChangeClientCharset(
  text: string,
  sqlMode: string | undefined,
  server: MysqlServer | undefined,
): boolean {
  const modes = isUnknownMode(sqlMode) ? ALL_LEX_MODES : [sqlMode ?? ''];
  for (const mode of modes) {
    const lexer = new Lexer(text, lexFlags(mode, server));
    try {
      let st = nextStatement(lexer);
      while (st) {
        const following = nextStatement(lexer);
        if (following && !tokenLeadKeepsState(st.tokens)) return true;
        st = following;
      }
    } catch (err) {
      if (!(err instanceof LexError)) throw err;
      return true;
    }
  }
  return false;
}

/**
 * Does the text name the session-tracking settings? The gateway reads the session's state from
 * what they make the server report, so a client may not change them.
 */
export function touchesSessionTracking(text: string): boolean {
  return /session_track/i.test(text);
}

/** Statements after which tables, views and routines are as they were (a catalog cache stays valid). */
const KEEPS_CATALOG =
  /^(?:insert|update|delete|replace|set|begin|start|commit|rollback|savepoint|release|lock|unlock|load|xa|do|handler)\b/i;

export function mayChangeCatalog(statements: readonly StatementAnalysis[]): boolean {
  return statements.some((st) => !KEEPS_CATALOG.test(st.canonical.trimStart()));
}
