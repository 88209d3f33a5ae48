// The gateway's side of SCRAM-SHA-256 towards its clients. Clients authenticate with the
// gateway's own per-run password; channel binding is not offered (the gateway does not do TLS
// towards clients), so `p=` gs2 headers are refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../../errors/wire-errors.js';
import { attributes, hmac, keysOf, type ScramKeys, saltedPassword, sha256, xor } from './scram.js';

export interface ScramVerifier extends ScramKeys {
  salt: Buffer;
  iterations: number;
}

export function scramVerifier(password: string, iterations = 4096): ScramVerifier {
  const salt = randomBytes(16);
  const { storedKey, serverKey } = keysOf(saltedPassword(password, salt, iterations));
  return { salt, iterations, storedKey, serverKey };
}

export class ScramServer {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2Header = '';

  constructor(private readonly verifier: ScramVerifier) {}

  /** Takes client-first-message, returns server-first-message. */
  first(clientFirst: string): string {
    const gs2 = clientFirst.match(/^([nyp])(=[^,]*)?,[^,]*,/);
    if (!gs2) throw new ProtocolError('malformed SCRAM client-first-message', '28000');
    if (gs2[1] === 'p')
      throw new ProtocolError('SCRAM channel binding is not supported by the gateway', '28000');
    this.gs2Header = gs2[0];
    this.clientFirstBare = clientFirst.slice(gs2[0].length);
    const clientNonce = attributes(this.clientFirstBare).get('r');
    if (!clientNonce || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce))
      throw new ProtocolError('malformed SCRAM nonce', '28000');
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  /** Takes client-final-message; returns server-final-message, or undefined when the proof is wrong. */
  final(clientFinal: string): string | undefined {
    const attrs = attributes(clientFinal);
    const proof = attrs.get('p');
    if (attrs.get('r') !== this.nonce || !proof)
      throw new ProtocolError('malformed SCRAM client-final-message', '28000');
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64'))
      throw new ProtocolError(
        'SCRAM channel-binding attribute does not match the client-first-message',
        '28000',
      );
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.verifier.storedKey, authMessage);
    const proofBytes = Buffer.from(proof, 'base64');
    if (proofBytes.length !== signature.length) return undefined;
    const clientKey = xor(proofBytes, signature);
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return undefined;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
