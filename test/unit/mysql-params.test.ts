import { describe, expect, it } from 'vitest';
import { decodeExecuteParams, type ParamState } from '../../src/gateway/mysql/params.js';

const LONGLONG = 0x08;
const VAR_STRING = 0xfd;

/** COM_STMT_EXECUTE with new-params-bound types and values (strings under 251 bytes). */
function execute(params: (number | Buffer | null)[]): Buffer {
  const head = Buffer.from([0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
  const bitmap = Buffer.alloc((params.length + 7) >> 3);
  params.forEach((p, i) => {
    if (p === null) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  const types = Buffer.concat(
    params.map((p) => Buffer.from([typeof p === 'number' ? LONGLONG : VAR_STRING, 0])),
  );
  const values = params.flatMap((p) => {
    if (p === null) return [];
    if (typeof p === 'number') {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(p));
      return [b];
    }
    const len =
      p.length < 251 ? Buffer.from([p.length]) : Buffer.from([0xfc, p.length & 0xff, p.length >> 8]);
    return [len, p];
  });
  return Buffer.concat([head, bitmap, Buffer.from([1]), types, ...values]);
}

const state = (count: number): ParamState => ({ count, longData: new Map() });

describe('decodeExecuteParams', () => {
  it('decodes values exactly as bound', () => {
    const out = decodeExecuteParams(execute([42, Buffer.from('abc'), null]), state(3));
    expect(out).toEqual({ values: [42, 'abc', null], exact: true });
  });

  it('says when a value is shown otherwise than bound: hex, cut, or long data', () => {
    const hex = decodeExecuteParams(execute([Buffer.from([0, 1, 2])]), state(1));
    expect(hex).toEqual({ values: ['0x000102'], exact: false });
    const cut = decodeExecuteParams(execute([Buffer.from('x'.repeat(2000))]), state(1));
    expect(cut.exact).toBe(false);
    expect(String(cut.values[0])).toMatch(/…\(2000 bytes\)$/);
    const s = state(2);
    s.longData.set(1, 5000);
    const long = decodeExecuteParams(execute([7, null]).fill(0, 10, 11), s);
    expect(long).toEqual({ values: [7, '[long data, 5000 bytes]'], exact: false });
  });
});
