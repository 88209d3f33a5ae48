import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/broker/rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the configured rate, per key', () => {
    let now = 0;
    const rl = new RateLimiter(3, 6, () => now); // one token every 10 s
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 0]);
    expect(rl.take('a')).toBe(10);
    expect(rl.take('b')).toBe(0);
    now += 5_000;
    expect(rl.take('a')).toBe(5);
    now += 5_000;
    expect(rl.take('a')).toBe(0);
    now += 3_600_000;
    expect([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 0, 10]);
  });
});
