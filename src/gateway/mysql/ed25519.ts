// MariaDB's client_ed25519 signature. MariaDB derives the key from the password of any length:
// az = SHA-512(password), the clamped first half is the secret scalar and the second half the
// nonce prefix (its ref10 `crypto_sign`). node:crypto only accepts a 32-byte seed and hashes it
// itself, so it cannot produce these signatures; the curve arithmetic is done here with BigInt.
// Authentication signs one 32-byte scramble per connection, so speed does not matter.
import { createHash } from 'node:crypto';

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a: bigint, m = P): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function inv(a: bigint): bigint {
  // Fermat: a^(p-2) mod p.
  let result = 1n;
  let base = mod(a);
  let e = P - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
    e >>= 1n;
  }
  return result;
}

const D = mod(-121665n * inv(121666n));
const D2 = mod(2n * D);
const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;

/** Extended twisted-Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
type Point = [bigint, bigint, bigint, bigint];

function add(p: Point, q: Point): Point {
  const [x1, y1, z1, t1] = p;
  const [x2, y2, z2, t2] = q;
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(t1 * D2 * t2);
  const d = mod(z1 * 2n * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function multiply(scalar: bigint): Point {
  let result: Point = [0n, 1n, 1n, 0n];
  let addend: Point = [BX, BY, 1n, mod(BX * BY)];
  while (scalar > 0n) {
    if (scalar & 1n) result = add(result, addend);
    addend = add(addend, addend);
    scalar >>= 1n;
  }
  return result;
}

function encode(p: Point): Buffer {
  const zi = inv(p[2]);
  const x = mod(p[0] * zi);
  let y = mod(p[1] * zi);
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(y & 0xffn);
    y >>= 8n;
  }
  if (x & 1n) out[31]! |= 0x80;
  return out;
}

function littleEndian(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

const sha512 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** The 64-byte client_ed25519 response to `scramble` for `password`. */
export function ed25519Sign(password: Buffer, scramble: Buffer): Buffer {
  const az = sha512(password);
  az[0]! &= 248;
  az[31]! &= 63;
  az[31]! |= 64;
  const a = littleEndian(az.subarray(0, 32));
  const publicKey = encode(multiply(a));
  const r = mod(littleEndian(sha512(az.subarray(32), scramble)), L);
  const R = encode(multiply(r));
  const k = mod(littleEndian(sha512(R, publicKey, scramble)), L);
  let s = mod(r + k * a, L);
  const S = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    S[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return Buffer.concat([R, S]);
}
