import { describe, expect, it } from 'vitest';
import { DeadlineReached } from '../../src/errors/guardrail-error.js';
import { attempt, Budget, exclusive } from '../../src/impact/budget.js';
import type { ImpactEstimate } from '../../src/impact/types.js';

describe('exclusive', () => {
  it('runs estimates on one connection one after another, even when one fails', async () => {
    const conn = {};
    const log: string[] = [];
    const step =
      (name: string, fail = false) =>
      async () => {
        log.push(`${name} start`);
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
        log.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      exclusive(conn, step('a', true)),
      exclusive(conn, step('b')),
      exclusive({}, step('other')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    const mine = log.filter((l) => !l.startsWith('other'));
    expect(mine).toEqual(['a start', 'a end', 'b start', 'b end']);
    expect(log.indexOf('other start')).toBeLessThan(log.indexOf('a end'));
  });
});

describe('Budget', () => {
  it('gives each probe at most the per-probe cap and refuses once spent', () => {
    expect(new Budget(10_000, 2000).nextProbeMs()).toBe(2000);
    expect(new Budget(500, 2000).nextProbeMs()).toBeLessThanOrEqual(500);
    expect(() => new Budget(0, 2000).nextProbeMs()).toThrow(DeadlineReached);
  });

  it('marks a failed part unavailable with the database error and its code, and goes on', async () => {
    const e: ImpactEstimate = { kind: 'delete', table: 't', notes: [], unavailable: [] };
    const failed = await attempt('rowsExact', e, async () => {
      throw Object.assign(new Error('canceling statement'), { code: '57014' });
    });
    expect(failed).toBeUndefined();
    expect(await attempt('table', e, async () => 7)).toBe(7);
    await attempt('bytes', e, async () => {
      throw new DeadlineReached();
    });
    expect(e.unavailable).toEqual([
      { part: 'rowsExact', reason: '57014: canceling statement' },
      { part: 'bytes', reason: expect.stringMatching(/time budget/) },
    ]);
  });
});
