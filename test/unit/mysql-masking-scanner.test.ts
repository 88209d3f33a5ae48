// The scanner's Capture route, which row masking rests on: a captured packet reaches the sink
// whole however the stream is cut into chunks, and what the sink returns takes its place in
// stream order between the packets forwarded untouched. (Pure; no database involved.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frame, PacketScanner, PEEK, Route } from '../../src/gateway/mysql/codec.js';

function chunked(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, stream.length]) {
    if (p > at) out.push(stream.subarray(at, p));
    at = p;
  }
  return out;
}

describe('PacketScanner capture', () => {
  it('hands captured packets over whole and emits their replacements in order, under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: PEEK * 3 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 16 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        (payloads, cuts, capture) => {
          const framed = payloads.map((p, i) => frame(Buffer.from(p), i).bytes);
          const stream = Buffer.concat(framed);
          const seen: Buffer[] = [];
          const scanner = new PacketScanner({
            packet: (_b, _o, _p, _len, seq) => (capture[seq] ? Route.Capture : Route.Forward),
            captured(payload, seq) {
              seen.push(Buffer.from(payload));
              // The replacement: the payload reversed behind a marker byte.
              return frame(Buffer.concat([Buffer.from([0xee]), Buffer.from(payload).reverse()]), seq).bytes;
            },
          });
          const out = Buffer.concat(chunked(stream, cuts).flatMap((c) => scanner.push(c)));
          const expected = Buffer.concat(
            payloads.map((p, i) =>
              capture[i]
                ? frame(Buffer.concat([Buffer.from([0xee]), Buffer.from(p).reverse()]), i).bytes
                : framed[i]!,
            ),
          );
          expect(out.equals(expected)).toBe(true);
          expect(seen).toEqual(payloads.filter((_, i) => capture[i]).map((p) => Buffer.from(p)));
          expect(scanner.idle).toBe(true);
        },
      ),
    );
  });

  it('emits nothing for a captured packet the sink holds back', () => {
    const framed = [Buffer.from('abc'), Buffer.from('held'), Buffer.from('xyz')].map(
      (p, i) => frame(p, i).bytes,
    );
    const scanner = new PacketScanner({
      packet: (_b, _o, _p, _len, seq) => (seq === 1 ? Route.Capture : Route.Forward),
      captured: () => undefined,
    });
    const out = Buffer.concat(scanner.push(Buffer.concat(framed)));
    expect(out.equals(Buffer.concat([framed[0]!, framed[2]!]))).toBe(true);
  });
});
