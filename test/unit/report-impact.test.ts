// Impact estimates in the replay renderers: rows estimated and exact, lock level, table size and
// dependents, read from the transcript's `impact` events without trusting their field types.
import { describe, expect, it } from 'vitest';
import { impactLines, impactOf, statementsOf } from '../../src/transcript/read.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { renderHtml } from '../../src/transcript/render-html.js';
import { renderText } from '../../src/transcript/render-text.js';

const ok = { ok: true, lines: 0 } as const;

function run(): MemoryRecorder {
  const r = new MemoryRecorder();
  r.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'enforce',
    version: 't',
  });
  r.record(1, {
    type: 'statement',
    id: 's1',
    text: 'DELETE FROM orders WHERE id < 100',
    via: 'simple',
    hash: 'a'.repeat(64),
    inTransaction: false,
  });
  r.record(1, {
    type: 'impact',
    id: 's1',
    estimate: {
      'delete public.orders': {
        kind: 'delete',
        table: 'public.orders',
        rowsEstimated: 1200,
        rowsExact: 1187,
        tableRows: 50_000,
        bytes: 12_345_678,
        lockLevel: 'ROW EXCLUSIVE',
        notes: [],
        unavailable: [],
      },
    },
  });
  r.record(1, { type: 'verdict', id: 's1', action: 'allow', rules: [], findings: [], enforced: true });
  r.record(1, { type: 'result', id: 's1', tag: 'DELETE 99', rows: 99, durationMs: 2 });
  r.record(1, {
    type: 'statement',
    id: 's2',
    text: 'DROP TABLE customers',
    via: 'simple',
    hash: 'b'.repeat(64),
    inTransaction: false,
  });
  r.record(1, {
    type: 'impact',
    id: 's2',
    estimate: {
      'drop-table public.customers': {
        kind: 'drop-table',
        table: 'public.customers',
        rowsEstimated: 2_000_000,
        bytes: 900,
        lockLevel: 'ACCESS EXCLUSIVE',
        dependents: {
          views: ['public.v_customers', 'public.<b>x</b>'],
          foreignKeys: ['orders_customer_fk on public.orders'],
          functions: [],
          triggers: [],
        },
        notes: ['not counted exactly: estimated 2000000 rows or more'],
        unavailable: [{ part: 'dependents', reason: 'canceling statement due to statement timeout' }],
      },
    },
  });
  r.record(1, {
    type: 'statement',
    id: 's3',
    text: 'UPDATE t SET a = 1',
    via: 'simple',
    hash: 'c'.repeat(64),
    inTransaction: false,
  });
  r.record(1, { type: 'impact', id: 's3', estimate: { error: 'impact estimate failed: connection lost' } });
  return r;
}

describe('impact display', () => {
  it('reads an impact record into figures, leaving out fields of the wrong type', () => {
    const [s1, s2, s3] = statementsOf(run().lines);
    const v1 = impactOf(s1!.impact)!;
    expect(v1.figures).toHaveLength(1);
    expect(v1.figures[0]).toMatchObject({
      key: 'delete public.orders',
      rowsEstimated: 1200,
      rowsExact: 1187,
    });
    expect(impactLines(v1)).toEqual([
      'delete public.orders · rows ~1,200 estimated, 1,187 exact · lock ROW EXCLUSIVE · table ~50,000 rows, 11.8 MB',
    ]);
    expect(impactLines(impactOf(s2!.impact)!)[0]).toBe(
      'drop-table public.customers · rows ~2,000,000 estimated · lock ACCESS EXCLUSIVE · table 900 bytes · dependents: views public.v_customers, public.<b>x</b>; foreign keys orders_customer_fk on public.orders · dependents unavailable (canceling statement due to statement timeout) · not counted exactly: estimated 2000000 rows or more',
    );
    expect(impactLines(impactOf(s3!.impact)!)).toEqual([
      'estimate failed: impact estimate failed: connection lost',
    ]);
    expect(impactOf(undefined)).toBeUndefined();
    const odd = impactOf({
      t: { rowsEstimated: '5', rowsExact: Number.NaN, lockLevel: ['x'], dependents: 'v' },
    })!;
    expect(impactLines(odd)).toEqual(['t']);
    expect(
      impactLines(impactOf({ t: { unavailable: [{ part: 'rows', reason: 'lock timeout' }] } })!),
    ).toEqual(['t · rows unavailable (lock timeout)']);
  });

  it('shows the estimate in the terminal timeline under its statement', () => {
    const text = renderText(run().lines, { color: false });
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('DELETE FROM orders'));
    expect(lines.slice(at, at + 4).join('\n')).toContain(
      'impact delete public.orders · rows ~1,200 estimated, 1,187 exact · lock ROW EXCLUSIVE · table ~50,000 rows, 11.8 MB',
    );
    expect(text).toContain('impact estimate failed: impact estimate failed: connection lost');
    expect(text).toContain('lock ACCESS EXCLUSIVE');
  });

  it('shows the estimate, escaped, on the statement card of the HTML page', () => {
    const html = renderHtml(run().lines, { title: 't', verify: ok });
    const card = (id: string) => html.split('<article').find((a) => a.includes(`<b>${id}</b>`)) ?? '';
    expect(card('s1')).toContain(
      '<div class="impact">impact estimate<ul><li>delete public.orders · rows ~1,200 estimated',
    );
    expect(card('s2')).toContain('views public.v_customers, public.&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('<b>x</b>');
    expect(card('s3')).toContain('<div class="impact error">');
    // A statement without an estimate gets no impact block.
    const r = new MemoryRecorder();
    r.record(1, {
      type: 'statement',
      id: 's9',
      text: 'SELECT 1',
      via: 'simple',
      hash: 'd'.repeat(64),
      inTransaction: false,
    });
    r.record(1, { type: 'impact', id: 's9', estimate: {} });
    expect(renderHtml(r.lines, { title: 't', verify: ok })).not.toContain('class="impact');
  });
});
