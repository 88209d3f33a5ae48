// The gateway's side of SCRAM-SHA-256 towards the upstream server (no channel binding: the
// gateway terminates the client's authentication and authenticates upstream on its own).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { GuardrailError } from '../../errors/guardrail-error.js';
import { attributes, hmac, keysOf, saltedPassword, xor } from './scram.js';

// PBKDF2 dominates connection set-up; the salt and iteration count of one role do not change.
const saltedCache = new Map<string, Buffer>();

export class ScramClient {
  private readonly clientNonce = randomBytes(18).toString('base64');
  private readonly clientFirstBare = `n=*,r=${this.clientNonce}`;
  private expectedServerSignature: Buffer | undefined;

  constructor(private readonly password: string) {}

  first(): string {
    return `n,,${this.clientFirstBare}`;
  }

  /** Takes server-first-message, returns client-final-message. */
  final(serverFirst: string): string {
    const attrs = attributes(serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce?.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length)
      throw new GuardrailError('upstream SCRAM server nonce is invalid', { code: 'ERR_UPSTREAM_FAILED' });
    if (!salt || !Number.isInteger(iterations) || iterations < 1)
      throw new GuardrailError('upstream SCRAM server-first-message is malformed', {
        code: 'ERR_UPSTREAM_FAILED',
      });
    const key = `${salt}:${iterations}:${this.password}`;
    let salted = saltedCache.get(key);
    if (!salted) {
      salted = saltedPassword(this.password, Buffer.from(salt, 'base64'), iterations);
      if (saltedCache.size > 64) saltedCache.clear();
      saltedCache.set(key, salted);
    }
    const { clientKey, storedKey, serverKey } = keysOf(salted);
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(storedKey, authMessage));
    this.expectedServerSignature = hmac(serverKey, authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks server-final-message: the server proves it knows the password too. */
  verify(serverFinal: string): void {
    const v = attributes(serverFinal).get('v');
    const got = v ? Buffer.from(v, 'base64') : Buffer.alloc(0);
    const want = this.expectedServerSignature;
    if (!want || got.length !== want.length || !timingSafeEqual(got, want))
      throw new GuardrailError('upstream SCRAM server signature does not match', {
        code: 'ERR_UPSTREAM_FAILED',
      });
  }
}
