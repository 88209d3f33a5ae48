// Passwords and their server-side forms. The broker sends databases a verifier (SCRAM-SHA-256 for
// Postgres, the mysql_native_password hash for MariaDB), never the password itself, so a server
// logging its DDL (log_statement, general log) cannot leak it.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, URL-safe: no quoting issues in any DSN or client. */
export function newPassword(): string {
  return randomBytes(32).toString('base64url');
}

/** A SCRAM-SHA-256 verifier in the form pg_authid stores (RFC 5802/7677). */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** mysql_native_password: '*' + upper hex of SHA1(SHA1(password)). */
export function mysqlNativeHash(password: string): string {
  const inner = createHash('sha1').update(password).digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}

/**
 * Revocation tokens are an HMAC of the lease id, so any replica holding the key can check one
 * without shared state.
 */
export function revocationToken(key: string, leaseId: string): string {
  return createHmac('sha256', key).update(`guardrail-revoke:${leaseId}`).digest('base64url');
}

export function checkRevocationToken(key: string, leaseId: string, presented: string): boolean {
  const want = Buffer.from(revocationToken(key, leaseId));
  const got = Buffer.from(presented);
  return want.length === got.length && timingSafeEqual(want, got);
}
