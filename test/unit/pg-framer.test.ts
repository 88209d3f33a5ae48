import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Disposition,
  DROP,
  FORWARD,
  Framer,
  MUST_WHOLE,
  PREFER_WHOLE,
  STOP,
} from '../../src/gateway/postgres/framer.js';

const WHOLE = new Uint8Array(256).fill(1);
WHOLE['D'.charCodeAt(0)] = 0;
WHOLE['d'.charCodeAt(0)] = 0;

function message(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(body.length + 4, 1);
  out.set(body, 5);
  return out;
}

const messages = fc.array(
  fc.record({
    type: fc.constantFrom('D', 'd', 'C', 'Z', 'E', 'Q', 'S'),
    body: fc.uint8Array({ maxLength: 300 }),
  }),
  { maxLength: 40 },
);

/** Splits a buffer at the given cut points into chunks of at least one byte. */
function chunks(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, data.length]) {
    if (p > prev) out.push(Buffer.from(data.subarray(prev, p)));
    prev = Math.max(prev, p);
  }
  return out;
}

function run(
  input: Buffer[],
  decide: (type: string, msg: Buffer) => Disposition,
  max = 1 << 20,
): { out: Buffer; seen: Buffer[]; error?: string; framer: Framer } {
  const out: Buffer[] = [];
  const seen: Buffer[] = [];
  let error: string | undefined;
  const framer = new Framer({
    whole: WHOLE,
    maxMessageBytes: max,
    message: (type, buf, start, end) => {
      const m = Buffer.from(buf.subarray(start, end));
      seen.push(m);
      return decide(String.fromCharCode(type), m);
    },
    out: (b) => out.push(Buffer.from(b)),
    fail: (m) => {
      error = m;
    },
  });
  for (const c of input) framer.push(c);
  return { out: Buffer.concat(out), seen, framer, ...(error ? { error } : {}) };
}

describe('Framer', () => {
  it('forwards every byte unchanged, however the stream is cut, and hands over whole messages', () => {
    fc.assert(
      fc.property(messages, fc.array(fc.nat(), { maxLength: 30 }), (msgs, cuts) => {
        const frames = msgs.map((m) => message(m.type, m.body));
        const data = Buffer.concat(frames);
        const { out, seen, error } = run(chunks(data, cuts), () => FORWARD);
        expect(error).toBeUndefined();
        expect(out.equals(data)).toBe(true);
        expect(seen).toEqual(frames.filter((f) => f[0] !== 0x44 && f[0] !== 0x64));
      }),
    );
  });

  it('replaces and drops messages in place', () => {
    fc.assert(
      fc.property(messages, fc.array(fc.nat(), { maxLength: 30 }), (msgs, cuts) => {
        const frames = msgs.map((m) => message(m.type, m.body));
        const marker = message('X', new Uint8Array([1]));
        const expected = Buffer.concat(
          frames.flatMap((f) => (f[0] === 0x45 ? [marker] : f[0] === 0x5a ? [] : [f])),
        );
        const { out } = run(chunks(Buffer.concat(frames), cuts), (t) =>
          t === 'E' ? marker : t === 'Z' ? DROP : FORWARD,
        );
        expect(out.equals(expected)).toBe(true);
      }),
    );
  });

  it('stops at a held message and continues in order on resume', () => {
    const frames = [
      message('Q', Buffer.from('a\0')),
      message('Q', Buffer.from('b\0')),
      message('S', Buffer.alloc(0)),
    ];
    let held = true;
    const r = run([Buffer.concat(frames)], (_t, m) => (m[5] === 0x61 && held ? STOP : FORWARD));
    expect(r.out.equals(Buffer.alloc(0))).toBe(true);
    expect(r.framer.held).toBe(true);
    held = false;
    r.framer.resume();
    expect(r.seen).toHaveLength(3);
  });

  it('rejects bad lengths and messages over the cap', () => {
    const bad = Buffer.from([0x51, 0, 0, 0, 2]);
    expect(run([bad], () => FORWARD).error).toContain('invalid message length 2');
    const big = message('Q', new Uint8Array(100));
    expect(run([big.subarray(0, 7)], () => FORWARD, 50).error).toContain('exceeds');
    expect(run([message('D', new Uint8Array(100))], () => FORWARD, 50).error).toBeUndefined();
  });

  it('hands PREFER_WHOLE messages over whole unless over the cap; a handler can require the next ones whole', () => {
    const small = message('D', new Uint8Array(10));
    const big = message('D', new Uint8Array(100));
    const input = Buffer.concat([
      small,
      big,
      message('D', new Uint8Array(20)),
      message('C', Buffer.from('x\0')),
    ]);
    for (const cuts of [[], [3], [9, 30, 120], [1, 2, 3, 4, 5, 6, 7, 8]]) {
      for (const then of [PREFER_WHOLE, MUST_WHOLE]) {
        const whole = new Uint8Array(256).fill(1);
        whole['D'.charCodeAt(0)] = PREFER_WHOLE;
        const seen: number[] = [];
        const out: Buffer[] = [];
        let error: string | undefined;
        const framer = new Framer({
          whole,
          maxMessageBytes: 50,
          message: (type, _buf, start, end) => {
            seen.push(end - start);
            if (type === 0x44) whole[0x44] = then;
            return FORWARD;
          },
          out: (b) => out.push(Buffer.from(b)),
          fail: (m) => {
            error = m;
          },
        });
        for (const c of chunks(input, cuts)) framer.push(c);
        if (then === PREFER_WHOLE) {
          // The oversized row went through undecoded; everything else was seen whole.
          expect(error).toBeUndefined();
          expect(seen).toEqual([15, 25, 7]);
          expect(Buffer.concat(out).equals(input)).toBe(true);
        } else {
          expect(seen).toEqual([15]);
          expect(error).toContain('exceeds');
        }
      }
    }
  });
});
