import { describe, expect, it } from 'vitest';
import { impactRecord, massChange, massChangeFinding } from '../../src/impact/index.js';
import type { ImpactEstimate } from '../../src/impact/types.js';

const est = (over: Partial<ImpactEstimate>): ImpactEstimate => ({
  kind: 'delete',
  table: 'public.orders',
  notes: [],
  unavailable: [],
  ...over,
});

describe('massChange', () => {
  it('prefers the exact count over the planner estimate', () => {
    expect(massChange(est({ rowsEstimated: 5000, rowsExact: 10 }), { rows: 100 })).toBe(false);
    expect(massChange(est({ rowsEstimated: 10, rowsExact: 5000 }), { rows: 100 })).toBe(true);
    expect(massChange(est({ rowsEstimated: 101 }), { rows: 100 })).toBe(true);
    expect(massChange(est({ rowsEstimated: 100 }), { rows: 100 })).toBe(false);
  });

  it('checks a percentage of the table', () => {
    expect(massChange(est({ rowsExact: 30, tableRows: 100 }), { percent: 25 })).toBe(true);
    expect(massChange(est({ rowsExact: 25, tableRows: 100 }), { percent: 25 })).toBe(true);
    expect(massChange(est({ rowsExact: 20, tableRows: 100 }), { percent: 25 })).toBe(false);
    expect(massChange(est({ rowsExact: 3, tableRows: 0 }), { percent: 25 })).toBe(true);
  });

  it('applies the share only to tables of more than a handful of rows', () => {
    const policy = { rows: 1000, percent: 50, minTableRows: 5 };
    expect(massChange(est({ rowsExact: 10, tableRows: 10 }), policy)).toBe(true);
    expect(massChange(est({ rowsExact: 5, tableRows: 10 }), policy)).toBe(true);
    expect(massChange(est({ rowsExact: 4, tableRows: 10 }), policy)).toBe(false);
    expect(massChange(est({ rowsExact: 5, tableRows: 5 }), policy)).toBe(false);
    expect(massChange(est({ rowsExact: 1, tableRows: 1 }), policy)).toBe(false);
    // Stale statistics: the table has at least the rows the write touches.
    expect(massChange(est({ rowsExact: 8, tableRows: 3 }), policy)).toBe(true);
  });

  it('fails closed when the figure is missing, and ignores non-row-wise estimates', () => {
    expect(massChange(est({}), { rows: 100 })).toBe(true);
    // A table never analysed has no size: the share cannot be judged, the row threshold is.
    expect(massChange(est({ rowsExact: 5 }), { percent: 10 })).toBe(false);
    expect(massChange(est({ rowsExact: 5000 }), { rows: 1000, percent: 10 })).toBe(true);
    expect(massChange(est({ kind: 'truncate', rowsExact: 1e9 }), { rows: 1 })).toBe(false);
    expect(massChange(est({ rowsExact: 1e9 }), {})).toBe(false);
  });

  it('builds the mass-change/rows finding and the approval record', () => {
    const a = est({ rowsExact: 500, tableRows: 1000 });
    const b = est({ kind: 'update', table: 'public.items', rowsEstimated: 2 });
    const f = massChangeFinding([a, b], { rows: 100 });
    expect(f).toMatchObject({
      rule: 'mass-change/rows',
      category: 'mass-change',
      objects: ['public.orders'],
    });
    expect(f?.message).toContain('500 rows counted');
    expect(massChangeFinding([b], { rows: 100 })).toBeUndefined();
    expect(Object.keys(impactRecord([a, b]))).toEqual(['delete public.orders', 'update public.items']);
  });
});
