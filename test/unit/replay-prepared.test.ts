// Executions of a prepared statement are recorded as their own `statement` lines that point at
// the prepare (`preparedAs`): readers carry the prepare's verdict and approval over to them, and
// a replay runs the executions (with their parameters), not the bare prepare.
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/cli/replay-against.js';
import { statementsOf } from '../../src/transcript/read.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { renderHtml } from '../../src/transcript/render-html.js';
import { renderText } from '../../src/transcript/render-text.js';
import type { VerifyResult } from '../../src/transcript/verify.js';

function preparedRun(approved: boolean) {
  const r = new MemoryRecorder();
  const text = 'REPLACE INTO items (id, v) VALUES (?, ?)';
  r.record(1, { type: 'statement', id: 's1', text, via: 'prepared', hash: 'h', inTransaction: false });
  r.record(1, {
    type: 'verdict',
    id: 's1',
    action: 'review',
    rules: ['destructive/replace'],
    findings: [
      { rule: 'destructive/replace', severity: 'risk', message: 'REPLACE deletes rows', objects: ['items'] },
    ],
    enforced: true,
  });
  r.record(1, {
    type: 'approval.decided',
    id: 's1',
    requestId: 'gr-1',
    outcome: approved ? 'approved' : 'denied',
    by: ['alice'],
  });
  if (!approved) return r.lines;
  r.record(1, { type: 'result', id: 's1', tag: 'PREPARE', durationMs: 0.1 });
  for (const [i, params] of [
    [1, 10],
    [2, 20],
  ].entries()) {
    const id = `e${i}`;
    r.record(1, {
      type: 'statement',
      id,
      text,
      via: 'prepared',
      hash: 'h',
      inTransaction: false,
      preparedAs: 's1',
      params,
    });
    r.record(1, { type: 'result', id, tag: 'OK', rows: 1, durationMs: 0.2 });
  }
  return r.lines;
}

describe('prepared statements in the transcript', () => {
  it('gives each execution the verdict and approval of its prepare', () => {
    const views = statementsOf(preparedRun(true));
    expect(views.map((v) => [v.id, v.action, v.approval?.outcome, v.params])).toEqual([
      ['s1', 'review', 'approved', undefined],
      ['e0', 'review', 'approved', [1, 10]],
      ['e1', 'review', 'approved', [2, 20]],
    ]);
  });

  it('replays the executions with their parameters, not the bare prepare', () => {
    const { planned } = plan(preparedRun(true));
    expect(planned.map((p) => [p.id, p.params])).toEqual([
      ['e0', [1, 10]],
      ['e1', [2, 20]],
    ]);
  });

  it('replays nothing of a prepare that was refused', () => {
    expect(plan(preparedRun(false)).planned).toEqual([]);
  });
});

/**
 * A Postgres unnamed statement (Parse) with two executions (Bind): the first ran, the second was
 * estimated with its values and held (its own impact and verdict) and then refused.
 */
function heldExecution() {
  const r = new MemoryRecorder();
  const text = 'DELETE FROM big WHERE id BETWEEN $1 AND $2';
  r.record(1, { type: 'statement', id: 's1', text, via: 'extended', hash: 'h', inTransaction: false });
  r.record(1, {
    type: 'impact',
    id: 's1',
    estimate: { pending: 'placeholders: estimated at each execution' },
  });
  r.record(1, { type: 'verdict', id: 's1', action: 'allow', rules: [], findings: [], enforced: true });
  const execution = (id: string, params: string[]) =>
    r.record(1, {
      type: 'statement',
      id,
      text,
      via: 'extended',
      hash: 'h',
      inTransaction: false,
      preparedAs: 's1',
      params,
    });
  execution('s2', ['1', '3']);
  r.record(1, {
    type: 'impact',
    id: 's2',
    estimate: {
      'delete public.big': { kind: 'delete', table: 'public.big', rowsExact: 3, notes: [], unavailable: [] },
    },
  });
  r.record(1, { type: 'result', id: 's2', tag: 'DELETE 3', rows: 3, durationMs: 0.4 });
  execution('s3', ['0', '1000000']);
  r.record(1, {
    type: 'impact',
    id: 's3',
    estimate: {
      'delete public.big': {
        kind: 'delete',
        table: 'public.big',
        rowsExact: 4997,
        notes: [],
        unavailable: [],
      },
    },
  });
  const finding = {
    rule: 'mass-change/rows',
    severity: 'risk',
    message: 'DELETE on public.big: 4997 rows counted',
    objects: ['public.big'],
  };
  r.record(1, {
    type: 'verdict',
    id: 's3',
    action: 'review',
    rules: [finding.rule],
    findings: [finding],
    enforced: true,
  });
  r.record(1, {
    type: 'result',
    id: 's3',
    durationMs: 0,
    error: { code: '42501', message: 'guardrail: needs approval' },
  });
  return r.lines;
}

describe('executions judged with their own values', () => {
  it('gives each execution its own estimate and, when held, its own verdict', () => {
    const views = statementsOf(heldExecution());
    expect(views.map((v) => [v.id, v.action, v.preparedAs, v.executions, v.params])).toEqual([
      ['s1', 'allow', undefined, 2, undefined],
      ['s2', 'allow', 's1', undefined, ['1', '3']],
      ['s3', 'review', 's1', undefined, ['0', '1000000']],
    ]);
    expect(JSON.stringify(views[2]!.impact)).toContain('"rowsExact":4997');
  });

  it('replays the execution that ran and not the one held', () => {
    const { planned, refused } = plan(heldExecution());
    expect(planned.map((p) => [p.id, p.params])).toEqual([['s2', ['1', '3']]]);
    expect(refused).toBe(1);
  });

  it('renders executions under their prepare, with values, estimate and verdict', () => {
    const text = renderText(heldExecution(), { color: false });
    expect(text).toContain('→ prepared: 2 executions below');
    expect(text).toMatch(/allow s2 \(extended, execution of s1\)[^\n]*\n\s+params: \["1","3"\]/);
    expect(text).toMatch(
      /REVIEW s3 \(extended, execution of s1\)[^\n]*\n\s+params: \["0","1000000"\]\n\s+mass-change\/rows/,
    );
    // The text is shown once, at the prepare.
    expect(text.match(/DELETE FROM big WHERE id BETWEEN/g)).toHaveLength(1);
    const html = renderHtml(heldExecution(), { title: 't', verify: { ok: true, lines: 0 } as VerifyResult });
    expect(html).toContain('execution of s1');
    expect(html).toContain('params: <code>[&quot;0&quot;,&quot;1000000&quot;]</code>');
    expect(html).toContain('prepared: 2 executions');
  });
});
