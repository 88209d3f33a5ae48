// SCRAM-SHA-256 primitives (RFC 5802, RFC 7677) shared by the client-facing and upstream sides.
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

export const MECHANISM = 'SCRAM-SHA-256';

export function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (b[i] ?? 0);
  return out;
}

/**
 * PostgreSQL applies SASLprep and falls back to the raw bytes when the password is not valid
 * for it; NFKC normalisation is the part of SASLprep that changes ordinary passwords.
 */
export function saltedPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
}

export interface ScramKeys {
  storedKey: Buffer;
  serverKey: Buffer;
}

export function keysOf(salted: Buffer): ScramKeys & { clientKey: Buffer } {
  const clientKey = hmac(salted, 'Client Key');
  return { clientKey, storedKey: sha256(clientKey), serverKey: hmac(salted, 'Server Key') };
}

/** Parses `a=1,b=2` attribute lists; values may contain '='. */
export function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}
