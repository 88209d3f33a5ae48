// A command's text as the server will read it: decoded under character_set_client, or the
// reason it cannot be read that surely before the server runs it.
import { isAscii } from 'node:buffer';
import { decodeClient } from '../../sql/mysql/charset.js';
import type { MysqlAnalysisContext } from '../../sql/mysql/session.js';
import { mayChangeClientCharset, touchesSessionTracking } from '../../sql/mysql/state.js';

/** `sql`: a statement text rather than a name. */
export function clientText(
  payload: Buffer,
  ctx: MysqlAnalysisContext,
  sql: boolean,
): { text: string } | { why: string } {
  const charset = ctx.characterSetClient ?? 'utf8mb4';
  const decoded = decodeClient(payload, 1, charset);
  if ('error' in decoded) return { why: decoded.error };
  const { text } = decoded;
  if (!sql) return { text };
  if (touchesSessionTracking(text))
    return {
      why: 'statements that change session_track_* settings are refused: the gateway follows the session state through them',
    };
  if (!isAscii(payload.subarray(1)) && mayChangeClientCharset(text, ctx.sqlMode, ctx.server))
    return {
      why: `non-ASCII bytes after a statement that may change character_set_client (now ${charset}) in the same text cannot be read before the server runs it; send the statements separately`,
    };
  return { text };
}
