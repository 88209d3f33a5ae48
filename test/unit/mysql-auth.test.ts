// Authentication math of the MySQL gateway against independent references: node:crypto's
// Ed25519 (MariaDB's derivation equals it for 32-byte passwords), the documented
// mysql_native_password and caching_sha2_password formulas, and RSA-OAEP round trips.
import {
  constants,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  privateDecrypt,
  sign,
} from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ed25519Sign } from '../../src/gateway/mysql/ed25519.js';
import {
  nativeToken,
  newScramble,
  rsaEncryptPassword,
  sha2Token,
  unxorPassword,
} from '../../src/gateway/mysql/scramble.js';

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

describe('client_ed25519', () => {
  it('equals RFC 8032 Ed25519 when the password is a 32-byte seed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (seed, msg) => {
          const key = createPrivateKey({
            key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
            format: 'der',
            type: 'pkcs8',
          });
          expect(ed25519Sign(Buffer.from(seed), Buffer.from(msg)).equals(sign(null, msg, key))).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  // Passwords of other lengths are checked against a real MariaDB ed25519 account in
  // test/integration/mysql-tls-auth.test.ts.
  it('is deterministic for a password of any length and depends on it', () => {
    const password = Buffer.from('a much longer password than thirty-two bytes, with ü');
    const msg = Buffer.alloc(32, 7);
    const sig = ed25519Sign(password, msg);
    expect(sig.length).toBe(64);
    expect(ed25519Sign(password, msg).equals(sig)).toBe(true);
    expect(ed25519Sign(Buffer.from('other'), msg).equals(sig)).toBe(false);
  });
});

describe('password scrambles', () => {
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

  it('lets a server holding SHA1(SHA1(pw)) verify a native token', () => {
    const pw = Buffer.from('secret');
    const scramble = newScramble();
    const token = nativeToken(pw, scramble);
    const stored = sha1(sha1(pw));
    const candidate = Buffer.from(token.map((b, i) => b ^ sha1(Buffer.concat([scramble, stored]))[i]!));
    expect(sha1(candidate).equals(stored)).toBe(true);
  });

  it('computes the caching_sha2 fast-path token', () => {
    const pw = Buffer.from('secret');
    const scramble = newScramble();
    const token = sha2Token(pw, scramble);
    const stage2 = sha256(sha256(pw));
    const key = sha256(Buffer.concat([stage2, scramble]));
    const stage1 = Buffer.from(token.map((b, i) => b ^ key[i]!));
    expect(sha256(stage1).equals(stage2)).toBe(true);
  });

  it('makes scrambles without NUL bytes', () => {
    for (let i = 0; i < 50; i++) expect(newScramble().includes(0)).toBe(false);
  });

  it('round-trips the RSA-OAEP password exchange', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const scramble = newScramble();
    const pw = Buffer.from('pässword-that-is-longer-than-the-twenty-byte-scramble');
    const enc = rsaEncryptPassword(
      pw,
      scramble,
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const dec = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, enc);
    expect(unxorPassword(dec, scramble).equals(pw)).toBe(true);
  });
});
