// Executions of a prepared statement are recorded as their own `statement` lines that point at
// the prepare (`preparedAs`): readers carry the prepare's verdict and approval over to them, and
// a replay runs the executions (with their parameters), not the bare prepare.
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/cli/replay-against.js';
import { statementsOf } from '../../src/transcript/read.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';

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
