import { describe, expect, it } from 'vitest';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript, statementsOf } from '../../src/transcript/read.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { renderHtml } from '../../src/transcript/render-html.js';
import { renderText } from '../../src/transcript/render-text.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

function sampleRun(): TranscriptLine[] {
  const r = new MemoryRecorder();
  r.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'enforce',
    version: 't',
  });
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
  return r.lines;
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
    const lines = sampleRun();
    const text = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
    const html = renderHtml(readTranscript(text).lines, { title: 't', verify: verifyTranscript(text) });
    expect(html).not.toMatch(/<(script|link)[^>]+src=/);
    expect(html).toContain('DROP TABLE users &lt;/script&gt;&lt;b&gt;x');
    expect(html).toContain('href="https://github.com/o/r/pull/1#issuecomment-9"');
    expect(html).toContain('hash chain intact (13 lines)');
    expect(html.match(/class="stmt"/g)).toHaveLength(2);
  });

  it('drops a torn last line but rejects damage in the middle', () => {
    const text = sampleRun()
      .map((l) => JSON.stringify(l))
      .join('\n');
    expect(readTranscript(`${text}\n{"seq":14,"ts`).partialTail).toBe(true);
    expect(() => readTranscript(`{"a":\n${text}`)).toThrow(/line 1/);
  });
});
