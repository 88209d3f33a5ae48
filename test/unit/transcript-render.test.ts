import { describe, expect, it } from 'vitest';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript, statementsOf } from '../../src/transcript/read.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { renderHtml } from '../../src/transcript/render-html.js';
import { renderText } from '../../src/transcript/render-text.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

/** A recorder whose transcript has begun with gateway.start. */
function started(): MemoryRecorder {
  const r = new MemoryRecorder();
  r.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'enforce',
    version: 't',
  });
  return r;
}

function sampleRun(): TranscriptLine[] {
  return sampleRecorder().lines;
}

function sampleRecorder(): MemoryRecorder {
  const r = started();
  r.record(1, { type: 'session.start', user: 'ci', database: 'app', client: '127.0.0.1:5000' });
  r.record(1, {
    type: 'statement',
    id: 's1',
    text: 'SELECT email FROM users',
    via: 'simple',
    hash: 'a'.repeat(64),
    inTransaction: false,
  });
  r.record(1, { type: 'verdict', id: 's1', action: 'allow', rules: [], findings: [], enforced: true });
  r.record(1, {
    type: 'rows',
    id: 's1',
    columns: ['email'],
    sample: [['[masked]']],
    truncated: false,
    masked: ['email'],
  });
  r.record(1, { type: 'result', id: 's1', tag: 'SELECT 1', rows: 1, durationMs: 1.5 });
  r.record(1, {
    type: 'statement',
    id: 's2',
    text: 'DROP TABLE users </script><b>x',
    via: 'simple',
    hash: 'b'.repeat(64),
    inTransaction: false,
  });
  r.record(1, {
    type: 'verdict',
    id: 's2',
    action: 'review',
    rules: ['destructive/drop-table'],
    findings: [
      {
        rule: 'destructive/drop-table',
        severity: 'critical',
        message: 'drops table users',
        objects: ['users'],
      },
    ],
    enforced: true,
  });
  r.record(1, {
    type: 'approval.requested',
    id: 's2',
    requestId: 'gr-1',
    channel: 'github',
    deadline: new Date().toISOString(),
  });
  r.record(1, {
    type: 'approval.decided',
    id: 's2',
    requestId: 'gr-1',
    outcome: 'denied',
    by: ['octocat'],
    reason: 'not today',
    url: 'https://github.com/o/r/pull/1#issuecomment-9',
  });
  r.record(1, {
    type: 'result',
    id: 's2',
    durationMs: 0,
    error: { code: '42501', message: 'guardrail: denied' },
  });
  r.record(1, { type: 'session.end', reason: 'client closed', statements: 2 });
  r.record(0, { type: 'gateway.stop', reason: 'SIGTERM' });
  return r;
}

describe('transcript rendering', () => {
  it('folds events into one view per statement', () => {
    const views = statementsOf(sampleRun());
    expect(views.map((v) => [v.id, v.action, v.result?.error?.code ?? v.result?.tag])).toEqual([
      ['s1', 'allow', 'SELECT 1'],
      ['s2', 'review', '42501'],
    ]);
    expect(views[1]?.approval).toMatchObject({ outcome: 'denied', by: ['octocat'] });
  });

  it('prints a plain timeline without colour codes when colour is off', () => {
    const text = renderText(sampleRun(), { color: false });
    expect(text).not.toContain('\x1b[');
    expect(text).toContain('REVIEW s2');
    expect(text).toContain('approval gr-1: denied by octocat');
    expect(text).toContain('(masked: email)');
    expect(renderText(sampleRun(), { color: true })).toContain('\x1b[31m');
  });

  it('writes a self-contained page that escapes statement text', () => {
    const r = sampleRecorder();
    r.close();
    const text = r.text;
    // The page is built from the events alone: the seal closing the batch is not one.
    expect(readTranscript(text).lines).toEqual(r.lines);
    const html = renderHtml(readTranscript(text).lines, { title: 't', verify: verifyTranscript(text) });
    expect(html).not.toMatch(/<(script|link)[^>]+src=/);
    expect(html).toContain('DROP TABLE users &lt;/script&gt;&lt;b&gt;x');
    expect(html).toContain('href="https://github.com/o/r/pull/1#issuecomment-9"');
    expect(html).toContain('hash chain intact (14 lines)');
    expect(html.match(/class="stmt"/g)).toHaveLength(2);
  });

  it('prints the timeline in the order it was recorded, sessions and statements interleaved', () => {
    const r = started();
    const statement = (conn: number, id: string, text: string) => {
      r.record(conn, {
        type: 'statement',
        id,
        text,
        via: 'simple',
        hash: 'c'.repeat(64),
        inTransaction: false,
      });
      r.record(conn, { type: 'verdict', id, action: 'allow', rules: [], findings: [], enforced: true });
      r.record(conn, { type: 'result', id, tag: 'SELECT 1', rows: 1, durationMs: 1 });
    };
    r.record(1, { type: 'session.start', user: 'ci', database: 'app', client: 'a' });
    statement(1, 's1', 'SELECT 1 AS first');
    r.record(1, { type: 'session.end', reason: 'client closed', statements: 1 });
    r.record(2, { type: 'session.start', user: 'ci', database: 'app', client: 'b' });
    statement(2, 's1', 'SELECT 2 AS second');
    statement(2, 's2', 'SELECT 3 AS third');
    r.record(2, { type: 'session.end', reason: 'client closed', statements: 2 });
    r.record(0, { type: 'gateway.stop', reason: 'SIGTERM' });
    const text = renderText(r.lines, { color: false });
    const order = [
      'gateway postgres',
      '[conn 1] session: ci@app from a',
      'SELECT 1 AS first',
      '[conn 1] session ended: client closed (1 statement)',
      '[conn 2] session: ci@app from b',
      'SELECT 2 AS second',
      'SELECT 3 AS third',
      '[conn 2] session ended: client closed (2 statements)',
      'gateway stopped: SIGTERM',
    ].map((needle) => text.indexOf(needle));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toContain('→ SELECT 1 (1 row) in 1.0 ms');
    expect(text).not.toContain('1 rows');
  });

  it('counts statements in the page header by outcome', () => {
    const r = new MemoryRecorder();
    const held = (
      id: string,
      action: 'allow' | 'review' | 'deny',
      outcome?: 'approved' | 'denied' | 'timeout',
    ) => {
      r.record(1, {
        type: 'statement',
        id,
        text: id,
        via: 'simple',
        hash: 'd'.repeat(64),
        inTransaction: false,
      });
      r.record(1, { type: 'verdict', id, action, rules: [], findings: [], enforced: true });
      if (outcome) r.record(1, { type: 'approval.decided', id, requestId: `gr-${id}`, outcome, by: [] });
    };
    held('a1', 'allow');
    held('a2', 'allow');
    held('p1', 'review', 'approved');
    held('r1', 'review', 'denied');
    held('r2', 'review', 'timeout');
    held('d1', 'deny');
    r.flush();
    const text = r.text;
    const html = renderHtml(r.lines, { title: 't', verify: verifyTranscript(text) });
    const summary = /<p class="summary">(.*?)<\/p>/.exec(html)?.[1] ?? '';
    expect(summary.match(/<span>[^<]*<\/span>/g)).toEqual([
      '<span>6 statements</span>',
      '<span>2 allowed</span>',
      '<span>1 approved</span>',
      '<span>2 refused after review</span>',
      '<span>1 denied by policy</span>',
    ]);
    held('w1', 'review');
    expect(renderHtml(r.lines, { title: 't', verify: verifyTranscript(text) })).toContain(
      '<span>1 held without a decision</span>',
    );
  });

  it('drops a torn last line but rejects damage in the middle', () => {
    const text = sampleRun()
      .map((l) => JSON.stringify(l))
      .join('\n');
    expect(readTranscript(`${text}\n{"seq":14,"ts`).partialTail).toBe(true);
    expect(() => readTranscript(`{"a":\n${text}`)).toThrow(/line 1/);
  });
});
