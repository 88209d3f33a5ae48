// The values of a Postgres Bind as the server reads them: text in the client encoding, the
// common binary types decoded exactly, anything else marked inexact (the estimate then treats
// the execution's rows as unknown), and long text cut in the record but never in the estimate.
import { describe, expect, it } from 'vitest';
import { parseParamTypes, refusedBind } from '../../src/gateway/postgres/codec.js';
import { readBind } from '../../src/gateway/postgres/executions.js';
import { PostgresSessionState } from '../../src/sql/postgres/state.js';
import { frame } from '../support/pg-wire.js';

const int16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const int32 = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff);

/** A Bind of statement `s` with values (null, or bytes) in the given formats. */
function bind(formats: number[], values: (Buffer | null)[], resultFormats: number[] = []): Buffer {
  const body = [
    ...int16(formats.length),
    ...formats.flatMap(int16),
    ...int16(values.length),
    ...values.flatMap((v) => (v === null ? int32(-1) : [...int32(v.length), ...v])),
    ...int16(resultFormats.length),
    ...resultFormats.flatMap(int16),
  ];
  return frame('B', 'p', 's', body);
}

const be = (bytes: number, write: (b: Buffer) => void) => {
  const b = Buffer.alloc(bytes);
  write(b);
  return b;
};

function read(msg: Buffer, types?: number[], state = new PostgresSessionState()) {
  const statements = new Map(types ? [['s', { paramTypes: types }]] : []);
  return readBind(msg, 0, msg.length, state, statements);
}

describe('readBind', () => {
  it('reads text values, NULLs, names and result formats', () => {
    const b = read(bind([], [Buffer.from('42'), null, Buffer.from('héllo')], [1]));
    expect(b).toMatchObject({
      portal: 'p',
      statement: 's',
      shown: ['42', null, 'héllo'],
      exact: ['42', null, 'héllo'],
      resultFormats: [1],
    });
  });

  it('reads text in the client encoding, as the server converts it', () => {
    const state = new PostgresSessionState();
    state.parameter('client_encoding', 'LATIN1');
    const b = read(bind([0], [Buffer.from([0x63, 0x61, 0x66, 0xe9])]), undefined, state);
    expect(b?.exact).toEqual(['café']);
  });

  it('decodes binary values of declared common types exactly', () => {
    const values = [
      be(2, (b) => b.writeInt16BE(-7)),
      be(4, (b) => b.writeInt32BE(1_000_000)),
      be(8, (b) => b.writeBigInt64BE(-9_007_199_254_740_993n)),
      Buffer.from([1]),
      be(8, (b) => b.writeDoubleBE(0.1)),
      Buffer.from('x y'),
      Buffer.from([0xde, 0xad]),
    ];
    const b = read(bind([1], values), [21, 23, 20, 16, 701, 25, 17]);
    expect(b?.exact).toEqual([
      '-7',
      '1000000',
      '-9007199254740993',
      'true',
      '0.1',
      'x y',
      Buffer.from([0xde, 0xad]),
    ]);
    expect(b?.shown).toEqual([
      '-7',
      '1000000',
      '-9007199254740993',
      'true',
      '0.1',
      'x y',
      '[binary 2 bytes]',
    ]);
  });

  it('marks binary values of undeclared or other types, or of the wrong size, inexact', () => {
    for (const [types, value] of [
      [[0], be(4, (b) => b.writeInt32BE(5))],
      [[1700], Buffer.from([0, 1, 0, 0, 0, 0, 0, 0])],
      [[23], Buffer.from([0, 5])],
      [undefined, be(4, (b) => b.writeInt32BE(5))],
    ] as const) {
      const b = read(bind([1], [value]), types as number[] | undefined);
      expect(b?.exact).toBeUndefined();
      expect(b?.shown).toEqual([`[binary ${value.length} bytes]`]);
    }
  });

  it('cuts long text in the record only', () => {
    const long = 'x'.repeat(5000);
    const b = read(bind([], [Buffer.from(long)]));
    expect(b?.exact).toEqual([long]);
    expect(String(b?.shown[0]).length).toBe(1025);
  });

  it('returns undefined for a truncated Bind', () => {
    const whole = bind([], [Buffer.from('42')]);
    for (const cut of [8, 12, whole.length - 3]) {
      const part = Buffer.from(whole.subarray(0, cut));
      part.writeInt32BE(cut - 1, 1);
      expect(readBind(part, 0, part.length, new PostgresSessionState(), new Map())).toBeUndefined();
    }
  });
});

describe('Parse parameter types and the refused Bind', () => {
  it('reads the declared types', () => {
    const parse = frame('P', 'n', 'SELECT $1, $2', [0, 2, 0, 0, 0, 23, 0, 0, 0, 0]);
    const at = parse.indexOf(0, parse.indexOf(0, 5) + 1) + 1;
    expect(parseParamTypes(parse, at, parse.length)).toEqual([23, 0]);
    expect(parseParamTypes(parse, at, parse.length - 2)).toBeUndefined();
  });

  it('keeps the names and asks for more formats than parameters', () => {
    const original = bind([], [Buffer.from('1')]);
    const b = read(original)!;
    const refused = refusedBind(original, 0, b.names);
    expect(refused.equals(frame('B', 'p', 's', [0, 2, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(true);
  });
});
