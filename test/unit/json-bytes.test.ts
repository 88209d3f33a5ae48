// JsonBytes must write exactly JSON.stringify's text as UTF-8, for every value a transcript event
// can hold and for the odd ones it falls back on: a line that differed would still verify (the
// chain hashes what was written) but would no longer be what readers and tests expect.
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../../src/transcript/json-bytes.js';

function written(v: unknown, size = 1): string {
  const out = new JsonBytes(size);
  out.value(v);
  return out.buf.toString('utf8', 0, out.end);
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const STRINGS = [
  '',
  'SELECT abalance FROM pgbench_accounts WHERE aid = 14347;',
  'quote " and backslash \\ inside',
  'tab\tnew line\ncarriage\rnul\u0000bell\u0007 unit sep\u001f',
  'del \u007f and latin-1 é',
  'three bytes € and a separator \u2028 \u2029',
  'four bytes 😀',
  'lone high \ud800 and lone low \udc00 surrogates',
  ' ~', // the printable range's two ends
];

const NUMBERS = [
  0,
  -0,
  1,
  9,
  10,
  99,
  100,
  2 ** 53 - 1,
  2 ** 53,
  -1,
  1.5,
  0.1,
  1e21,
  1e-7,
  Number.NaN,
  Infinity,
  -Infinity,
];

describe('JsonBytes', () => {
  it('writes strings as JSON.stringify does, escapes and non-ASCII included', () => {
    for (const s of STRINGS) expect(written(s)).toBe(JSON.stringify(s));
  });

  it('writes numbers, booleans and null as JSON.stringify does', () => {
    for (const n of NUMBERS) expect(written(n)).toBe(JSON.stringify(n));
    for (const v of [true, false, null]) expect(written(v)).toBe(JSON.stringify(v));
  });

  it('writes arrays and objects, leaving out and nulling what JSON.stringify leaves out and nulls', () => {
    const fn = () => 1;
    const sym = Symbol('s');
    const values: unknown[] = [
      [],
      {},
      [1, 'a', [2, [3, {}]], null],
      // biome-ignore lint/suspicious/noSparseArray: a hole is written as null
      [1, , 3],
      [undefined, fn, sym],
      { a: undefined, b: fn, c: sym, d: 1 },
      { only: undefined },
      { 'key "quoted"': 1, ключ: 2, '2': 'integer-like keys come first', z: 3 },
      Object.assign(Object.create(null), { nullProto: true }),
      { nested: { deeper: { deepest: [STRINGS, NUMBERS] } } },
    ];
    for (const v of values) expect(written(v)).toBe(JSON.stringify(v));
  });

  it('leaves values with toJSON, class instances and collections to JSON.stringify', () => {
    const date = new Date('2026-12-07T08:00:00.123Z');
    const silent = { toJSON: () => undefined };
    const arrayWithToJson = Object.assign([1, 2], { toJSON: () => 'array' });
    const values: unknown[] = [
      date,
      { at: date },
      [date],
      new Point(1, 2),
      { p: new Point(3, 4) },
      new Map([[1, 2]]),
      Buffer.from('hi'),
      { silent, kept: 1 },
      [silent],
      arrayWithToJson,
      { arrayWithToJson },
      // A member whose toJSON gives nothing is left out, array or not; in an array it is null.
      { gone: Object.assign([1], { toJSON: () => undefined }), kept: 2 },
      [Object.assign([1], { toJSON: () => undefined })],
      { toJSON: () => ({ replaced: true }) },
    ];
    for (const v of values) expect(written(v)).toBe(JSON.stringify(v));
  });

  it('throws as JSON.stringify throws on a BigInt', () => {
    expect(() => written({ n: 1n })).toThrow(TypeError);
    expect(() => JSON.stringify({ n: 1n })).toThrow(TypeError);
  });

  it('appends members after others, with or without a leading comma', () => {
    const out = new JsonBytes(4);
    out.ascii('{"a":1');
    out.members({ b: 'two', skipped: undefined, c: [3] });
    out.ascii('}');
    expect(out.buf.toString('utf8', 0, out.end)).toBe('{"a":1,"b":"two","c":[3]}');
    const bare = new JsonBytes(4);
    bare.members({ skipped: undefined, x: 1 }, true);
    expect(bare.buf.toString('utf8', 0, bare.end)).toBe('"x":1');
  });

  it('matches JSON.stringify on random events, growing from any starting size', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 3 ? 4 : 6));
      if (kind === 0) return pick(STRINGS) + String.fromCharCode(Math.floor(random() * 0x3000));
      if (kind === 1) return pick(NUMBERS);
      if (kind === 2) return pick([true, false, null, undefined]);
      if (kind === 3) return pick(STRINGS).repeat(Math.floor(random() * 40));
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 5) }, (_, i) => [
          `k${i}${pick(STRINGS)}`,
          value(depth + 1),
        ]),
      );
    };
    for (let i = 0; i < 2000; i++) {
      const v = { type: 'statement', id: `s${i}`, body: value(0) };
      expect(written(v, 1 + (i % 64))).toBe(JSON.stringify(v));
    }
  });
});
