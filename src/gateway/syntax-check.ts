// Asks the server whether it can parse a statement the analyzer could not, without running it.
// Where the server itself would reject the text, the client gets the server's own syntax error
// (what it would have seen without the gateway) instead of a policy refusal; where the server
// accepts it, the statement stays opaque (fail closed). Either way it is not forwarded.
import pg from 'pg';
import type { AnalysisContext } from '../sql/types.js';
import type { MysqlSide, PgSide } from './side-connection.js';

/** The server's own error for a statement it cannot parse. */
export interface ServerSyntaxError {
  /** Postgres SQLSTATE (`42601`); MySQL: the SQLSTATE of `errno`. */
  code: string;
  message: string;
  /** MySQL error number (1064, 1149). */
  errno?: number;
  /** Postgres: 1-based character position of the error in the text. */
  position?: string;
}

export type SyntaxCheck = (text: string, ctx: AnalysisContext) => Promise<ServerSyntaxError | undefined>;

/**
 * Postgres: Parse of the text as an unnamed statement. Only a raw-parser error counts: 42601 with
 * a position. 42601 without one is "cannot insert multiple commands into a prepared statement",
 * which the simple protocol would accept; any other error (a missing table) is not about syntax.
 */
export function postgresSyntaxCheck(side: PgSide): SyntaxCheck {
  return async (text, ctx) => {
    // The side connection reads backslashes in strings as standard_conforming_strings=on does.
    if (ctx.postgres?.standardConformingStrings === false) return undefined;
    try {
      await side.parse(text);
    } catch (err) {
      if (err instanceof pg.DatabaseError && err.code === '42601' && err.position)
        return { code: err.code, message: err.message, position: err.position };
    }
    return undefined;
  };
}

const ER_PARSE_ERROR = 1064;
const ER_SYNTAX_ERROR = 1149;

/**
 * MySQL: COM_STMT_PREPARE under the session's sql_mode, closed at once. A statement type that
 * cannot be prepared gets 1295, which says nothing about its syntax: it stays opaque.
 */
export function mysqlSyntaxCheck(side: MysqlSide): SyntaxCheck {
  return async (text, ctx) => {
    try {
      await side.prepare(text, ctx.sqlMode);
    } catch (err) {
      const e = err as { errno?: number; sqlState?: string; sqlMessage?: string };
      if ((e.errno === ER_PARSE_ERROR || e.errno === ER_SYNTAX_ERROR) && e.sqlMessage)
        return { code: e.sqlState ?? '42000', errno: e.errno, message: e.sqlMessage };
    }
    return undefined;
  };
}
