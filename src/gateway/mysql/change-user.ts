// COM_CHANGE_USER: the client logs in again on an open connection. The gateway checks the
// proof against its own credentials with the scramble of the connection's greeting (as
// servers do) and, on the database side, resets the session instead of switching accounts:
// the upstream account is the gateway's, whatever name the client gives.
import { timingSafeEqual } from 'node:crypto';
import { Reader } from './codec.js';
import { CACHING_SHA2, Cap, NATIVE } from './constants.js';
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
