// A connection's memo of decoded messages: each distinct message decoded once, a hit only on equal
// bytes (wherever they sit in the buffer they arrive in), the oldest forgotten first.
import { describe, expect, it } from 'vitest';
import { RecentDecodes } from '../../src/gateway/recent-decodes.js';

describe('RecentDecodes', () => {
  const counting = () => {
    const calls: string[] = [];
    const memo = new RecentDecodes((buf, start, end) => {
      const text = buf.toString('latin1', start, end);
      calls.push(text);
      return { text };
    });
    return { memo, calls };
  };

  it('decodes equal bytes once, wherever they sit, and gives the same value back', () => {
    const { memo, calls } = counting();
    const first = memo.get(Buffer.from('..abc..'), 2, 5);
    const again = memo.get(Buffer.from('abc'), 0, 3);
    expect(again).toBe(first);
    expect(calls).toEqual(['abc']);
    // Near misses: one byte different, one byte shorter, one longer.
    expect(memo.get(Buffer.from('abd'), 0, 3)).toEqual({ text: 'abd' });
    expect(memo.get(Buffer.from('ab'), 0, 2)).toEqual({ text: 'ab' });
    expect(memo.get(Buffer.from('abcd'), 0, 4)).toEqual({ text: 'abcd' });
    expect(calls).toEqual(['abc', 'abd', 'ab', 'abcd']);
  });

  it('keeps its own copy: the buffer a message came in may be reused', () => {
    const { memo, calls } = counting();
    const buf = Buffer.from('xyz');
    memo.get(buf, 0, 3);
    buf.write('xyq');
    expect(memo.get(buf, 0, 3)).toEqual({ text: 'xyq' });
    expect(memo.get(Buffer.from('xyz'), 0, 3)).toEqual({ text: 'xyz' });
    expect(calls).toEqual(['xyz', 'xyq']);
  });

  it('remembers the last eight distinct messages and forgets the oldest first', () => {
    const { memo, calls } = counting();
    const names = Array.from({ length: 9 }, (_, i) => `m${i}`);
    for (const n of names) memo.get(Buffer.from(n), 0, n.length);
    // m1..m8 are still known; m0 was pushed out by m8.
    for (const n of names.slice(1)) memo.get(Buffer.from(n), 0, n.length);
    expect(calls).toEqual(names);
    memo.get(Buffer.from('m0'), 0, 2);
    expect(calls).toEqual([...names, 'm0']);
  });
});
