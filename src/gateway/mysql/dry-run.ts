// `mode: dry-run` on MySQL: the gateway forwards only reads, and the server holds them to that.
// The session is read-only (`SET SESSION TRANSACTION READ ONLY`), so a stored function, trigger or
// sequence that a read reaches cannot write either: `SELECT wr()` and `SELECT NEXTVAL(s)` fail
// with 1792 instead of committing. A write prepared by the client is never executed (each
// execution is answered without running), but the server refuses to prepare it in a read-only
// session: a stand-in with the same placeholders is prepared instead.
import { tokenize } from '../../sql/mysql/lexer.js';
import { lexFlags } from '../../sql/mysql/sql-mode.js';
import { Com } from './constants.js';

export const SET_READ_ONLY = 'SET SESSION TRANSACTION READ ONLY';
export const ER_READ_ONLY_TRANSACTION = 1792;
export const DRY_RUN_WRITE =
  "guardrail dry run: not executed: it would write (through a stored function, a trigger or a sequence) and the dry run's session is read-only";

/** COM_STMT_PREPARE of `DO ?, …` with as many placeholders as `text` has: it prepares, and does nothing. */
export function standInPrepare(text: string, sqlMode: string): Buffer {
  let params = 0;
  try {
    for (const t of tokenize(text, lexFlags(sqlMode))) if (t.kind === 'param') params++;
  } catch {
    // Unlexable text cannot be prepared by the server either; the stand-in takes no parameters.
  }
  const sql = params === 0 ? 'DO 0' : `DO ${Array.from({ length: params }, () => '?').join(', ')}`;
  return Buffer.concat([Buffer.from([Com.STMT_PREPARE]), Buffer.from(sql, 'utf8')]);
}
