// SecondSighting: which keys the MySQL analysis cache admits.
import { describe, expect, it } from 'vitest';
import { SecondSighting } from '../../src/sql/admission.js';

describe('SecondSighting', () => {
  it('says a key is new the first time and seen the second', () => {
    const seen = new SecondSighting(1024);
    expect(seen.again('SELECT 1')).toBe(false);
    expect(seen.again('SELECT 2')).toBe(false);
    expect(seen.again('SELECT 1')).toBe(true);
    expect(seen.again('SELECT 2')).toBe(true);
    expect(seen.again('')).toBe(false);
    expect(seen.again('')).toBe(true);
  });

  it('admits few keys early when thousands are seen once each', () => {
    const seen = new SecondSighting(1 << 16);
    let early = 0;
    for (let i = 0; i < 10_000; i++) if (seen.again(`SELECT c FROM sbtest1 WHERE id=${i}`)) early++;
    // Only a hash collision admits early; with 65,536 slots and 32-bit marks that is (almost) never.
    expect(early).toBeLessThan(5);
  });

  it('forgets everything on clear', () => {
    const seen = new SecondSighting(16);
    seen.again('a');
    seen.clear();
    expect(seen.again('a')).toBe(false);
  });
});
