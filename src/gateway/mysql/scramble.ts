// Password proofs of the authentication plugins, for both sides of the gateway.
import { createHash, constants as cryptoConstants, publicEncrypt, randomBytes } from 'node:crypto';

const sha1 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};
const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!;
  return out;
}

/** mysql_native_password: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
export function nativeToken(password: Buffer, scramble: Buffer): Buffer {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha1(password);
  return xor(stage1, sha1(scramble, sha1(stage1)));
}

/** caching_sha2_password fast path: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble). */
export function sha2Token(password: Buffer, scramble: Buffer): Buffer {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha256(password);
  return xor(stage1, sha256(sha256(stage1), scramble));
}

/** caching_sha2_password full path without TLS: (pw + NUL) XOR scramble, RSA-OAEP encrypted. */
export function rsaEncryptPassword(password: Buffer, scramble: Buffer, publicKeyPem: string): Buffer {
  const plain = xor(Buffer.concat([password, Buffer.from([0])]), scramble);
  return publicEncrypt({ key: publicKeyPem, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING }, plain);
}

export function unxorPassword(decrypted: Buffer, scramble: Buffer): Buffer {
  const plain = xor(decrypted, scramble);
  const nul = plain.indexOf(0);
  return nul < 0 ? plain : plain.subarray(0, nul);
}

/** 20 scramble bytes without NUL (the greeting NUL-terminates its second part). */
export function newScramble(): Buffer {
  const b = randomBytes(20);
  for (let i = 0; i < b.length; i++) b[i] = (b[i]! % 127) + 1;
  return b;
}
