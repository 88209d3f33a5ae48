// COM_CHANGE_USER: the client logs in again on an open connection. The gateway checks the
// proof against its own credentials with the scramble of the connection's greeting (as
// servers do) and, on the database side, resets the session instead of switching accounts:
// the upstream account is the gateway's, whatever name the client gives. The character set the
// client asks for is applied as the server would, and read back for the analyzer.
import { timingSafeEqual } from 'node:crypto';
import { UpstreamError } from '../../errors/wire-errors.js';
import { decodesExactly } from '../../sql/mysql/charset.js';
import { Reader } from './codec.js';
import { CACHING_SHA2, Cap, Com, NATIVE } from './constants.js';
import { nativeToken, sha2Token } from './scramble.js';

export interface ChangeUser {
  user: string;
  authResponse: Buffer;
  database: string;
  charset?: number;
  plugin: string;
}

export function parseChangeUser(payload: Buffer, capabilities: number): ChangeUser {
  const r = new Reader(payload, 1);
  const user = r.cstring();
  const authResponse =
    capabilities & Cap.SECURE_CONNECTION ? r.bytes(r.u8()) : Buffer.from(r.cstring(), 'latin1');
  const database = r.remaining > 0 ? r.cstring() : '';
  const charset = r.remaining >= 2 ? r.u16() : undefined;
  const plugin = capabilities & Cap.PLUGIN_AUTH && r.remaining > 0 ? r.cstring() : NATIVE;
  return { user, authResponse, database, ...(charset !== undefined ? { charset } : {}), plugin };
}

/** Whether the proof is right; undefined when the plugin cannot be checked this way. */
export function verifyChangeUser(
  c: ChangeUser,
  creds: { user: string; password: string },
  scramble: Buffer,
): boolean | undefined {
  const password = Buffer.from(creds.password, 'utf8');
  let expected: Buffer;
  if (c.plugin === NATIVE) expected = nativeToken(password, scramble);
  else if (c.plugin === CACHING_SHA2) expected = sha2Token(password, scramble);
  else return undefined;
  const proof = c.authResponse;
  return c.user === creds.user && proof.length === expected.length && timingSafeEqual(proof, expected);
}

/** The character set a COM_CHANGE_USER asks for, by the server's names for its collation id. */
interface RequestedCharset {
  charset: string;
  collation: string;
}

/**
 * The server applies the collation id of a COM_CHANGE_USER to character_set_client, _connection
 * and _results, like the login's. Its names come from the server itself; the gateway takes only
 * a character set it decodes exactly, as it reads every later statement in it (charset.ts).
 */
async function requestedCharset(
  id: number,
  query: (sql: string) => Promise<(string | null)[][]>,
): Promise<RequestedCharset | { error: string }> {
  const [row] = await query(
    `SELECT COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID = ${id}`,
  );
  const [collation, charset] = row ?? [];
  if (!collation || !charset || !NAME.test(collation) || !NAME.test(charset))
    return { error: `guardrail: COM_CHANGE_USER with unknown collation id ${id}` };
  if (!decodesExactly(charset))
    return {
      error: `guardrail: COM_CHANGE_USER to character set ${charset}, which the gateway does not decode exactly; use utf8mb4 or open a new connection`,
    };
  return { charset, collation };
}

const NAME = /^[a-z0-9_]+$/i;

/** What a change of user acts through on the client's own database connection. */
export interface ChangeUserSession {
  /** A text query of the gateway's own; its rows as text. */
  query(sql: string): Promise<(string | null)[][]>;
  /** A command of the gateway's own with a single OK or ERR reply. */
  command(payload: Buffer): Promise<unknown>;
  /** Forgets what the reset ends on the server: prepared statements, temporary tables. */
  forget(): void;
  /** Reads the session's parsing state back from the server. */
  resync(): Promise<void>;
}

/**
 * Resets the database session as COM_CHANGE_USER would: COM_RESET_CONNECTION, the requested
 * character set (`SET NAMES`, what the server does with the collation id), the schema. Returns
 * the refusal when the gateway cannot take the character set; nothing has changed then.
 */
export async function applyChangeUser(c: ChangeUser, s: ChangeUserSession): Promise<string | undefined> {
  const charset = c.charset === undefined ? undefined : await requestedCharset(c.charset, s.query);
  if (charset && 'error' in charset) return charset.error;
  await s.command(Buffer.from([Com.RESET_CONNECTION]));
  s.forget();
  let failed: UpstreamError | undefined;
  try {
    if (charset) await s.query(`SET NAMES ${charset.charset} COLLATE ${charset.collation}`);
    if (c.database)
      await s.command(Buffer.concat([Buffer.from([Com.INIT_DB]), Buffer.from(c.database, 'utf8')]));
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err;
    failed = err;
  }
  // Read back even when the server refused the schema: later statements are judged by the reset session.
  await s.resync();
  if (failed) throw failed;
  return undefined;
}
