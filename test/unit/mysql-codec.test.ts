// Framing and field codecs of the MySQL gateway: split payloads (≥ 16 MiB), reassembly,
// the zero-copy scanner under arbitrary chunking, and the size cap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  errPayload,
  frame,
  PacketAssembler,
  PacketScanner,
  PacketTooLarge,
  PEEK,
  parseErr,
  parseOk,
  Reader,
  Route,
  Writer,
} from '../../src/gateway/mysql/codec.js';
import { MAX_PAYLOAD } from '../../src/gateway/mysql/constants.js';

function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    if (p > at) out.push(bytes.subarray(at, p));
    at = Math.max(at, p);
  }
  return out;
}

describe('frame', () => {
  it('writes one packet below 16 MiB with the sequence id', () => {
    const { bytes, next } = frame(Buffer.from('abc'), 7);
    expect([...bytes]).toEqual([3, 0, 0, 7, 0x61, 0x62, 0x63]);
    expect(next).toBe(8);
  });

  it('splits a payload of exactly 0xFFFFFF bytes and ends it with an empty packet', () => {
    const { bytes, next } = frame(Buffer.alloc(MAX_PAYLOAD, 1), 255);
    expect(bytes.length).toBe(4 + MAX_PAYLOAD + 4);
    expect(bytes.readUIntLE(0, 3)).toBe(MAX_PAYLOAD);
    expect(bytes[3]).toBe(255);
    expect(bytes.readUIntLE(4 + MAX_PAYLOAD, 3)).toBe(0);
    expect(bytes[4 + MAX_PAYLOAD + 3]).toBe(0);
    expect(next).toBe(1);
  });

  it('round-trips a 17 MiB payload through the assembler, with original bytes kept', () => {
    const payload = Buffer.alloc(17 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = i & 0xff;
    const { bytes } = frame(payload, 0);
    const asm = new PacketAssembler(64 * 1024 * 1024);
    for (const c of chunked(bytes, [1, 3, 5000, 16_777_000, 16_777_300])) asm.push(c);
    const p = asm.next()!;
    expect(p.payload.equals(payload)).toBe(true);
    expect(p.raw.equals(bytes)).toBe(true);
    expect([p.seq, p.lastSeq]).toEqual([0, 1]);
    expect(asm.next()).toBeUndefined();
  });
});

describe('PacketAssembler', () => {
  it('rejects an oversized packet from its header alone', () => {
    const asm = new PacketAssembler(100);
    asm.push(Buffer.from([200, 0, 0, 0]));
    expect(() => asm.next()).toThrow(PacketTooLarge);
    expect(() => asm.next()).toThrow(/exceeds the gateway limit of 100 bytes \(maxPacketBytes\)/);
  });

  it('returns whole packets under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p, i) => frame(Buffer.from(p), i).bytes));
          const asm = new PacketAssembler(1000);
          const got: Buffer[] = [];
          for (const c of chunked(stream, cuts)) {
            asm.push(c);
            for (let p = asm.next(); p; p = asm.next()) got.push(Buffer.from(p.payload));
          }
          expect(got.map((b) => [...b])).toEqual(payloads.map((p) => [...p]));
        },
      ),
    );
  });
});

describe('PacketScanner', () => {
  it('forwards the original bytes unchanged and shows every packet head, under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: PEEK * 2 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p, i) => frame(Buffer.from(p), i).bytes));
          const heads: { len: number; seq: number; first: number[] }[] = [];
          const scanner = new PacketScanner({
            packet(buf, off, peek, len, seq) {
              heads.push({ len, seq, first: [...buf.subarray(off, off + peek)] });
              return Route.Forward;
            },
          });
          const out = Buffer.concat(chunked(stream, cuts).flatMap((c) => scanner.push(c)));
          expect(out.equals(stream)).toBe(true);
          expect(scanner.idle).toBe(true);
          expect(heads).toEqual(
            payloads.map((p, i) => ({
              len: p.length,
              seq: i,
              first: [...p.subarray(0, Math.min(p.length, PEEK))],
            })),
          );
        },
      ),
    );
  });

  it('drops and injects in stream order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (payloads, cuts) => {
          const framed = payloads.map((p, i) => frame(Buffer.from(p), i).bytes);
          const stream = Buffer.concat(framed);
          // Odd-numbered packets are replaced by a marker.
          const scanner: PacketScanner = new PacketScanner({
            packet(_buf, _off, _peek, _len, seq) {
              if (seq % 2 === 0) return Route.Forward;
              scanner.inject(Buffer.from([0xee, seq]));
              return Route.Drop;
            },
          });
          const out = Buffer.concat(chunked(stream, cuts).flatMap((c) => scanner.push(c)));
          const expected = Buffer.concat(framed.map((f, i) => (i % 2 === 0 ? f : Buffer.from([0xee, i]))));
          expect(out.equals(expected)).toBe(true);
        },
      ),
    );
  });

  it('marks the parts of a split payload as continuations', () => {
    const seen: boolean[] = [];
    const scanner = new PacketScanner({
      packet(_b, _o, _p, _len, _seq, continuation) {
        seen.push(continuation);
        return Route.Forward;
      },
    });
    scanner.push(
      Buffer.concat([frame(Buffer.alloc(MAX_PAYLOAD + 10), 0).bytes, frame(Buffer.from([1]), 2).bytes]),
    );
    expect(seen).toEqual([false, true, false]);
  });
});

describe('field codecs', () => {
  it('round-trips length-encoded integers at every width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(new Reader(new Writer().lenenc(n).payload()).lenenc()).toBe(n);
      }),
    );
  });

  it('reads OK packets whose insert id uses all 64 bits', () => {
    const ok = Buffer.from([0x00, 0x01, 0xfe, ...Array(8).fill(0xff), 0x02, 0x00, 0x00, 0x00]);
    expect(parseOk(ok, 0, ok.length)).toEqual({ affected: 1, status: 2, warnings: 0 });
    expect(new Reader(ok, 2).lenencBig()).toBe(2n ** 64n - 1n);
    // A length that large is malformed: no packet could hold its bytes.
    expect(() => new Reader(ok, 2).lenenc()).toThrow(/too large/);
  });

  it('refuses to read past the end of a packet', () => {
    expect(() => new Reader(Buffer.from([0xfc, 1])).lenenc()).toThrow(/shorter than its fields/);
    expect(() => new Reader(Buffer.from([1, 2])).u32()).toThrow(/shorter than its fields/);
  });

  it('writes and parses ERR packets', () => {
    const e = { code: 1142, sqlState: '42000', message: 'guardrail: denied — ü' };
    expect(parseErr(errPayload(e))).toEqual(e);
  });
});
