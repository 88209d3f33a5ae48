import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/transcript/recorder.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

function recorded(): { path: string; lines: string[] } {
  const path = join(mkdtempSync(join(tmpdir(), 'guardrail-tr-')), 't.jsonl');
  const r = new FileRecorder(path);
  r.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'enforce',
    version: 'test',
  });
  r.record(1, { type: 'session.start', user: 'u', database: 'app', client: '127.0.0.1:1' });
  r.record(1, {
    type: 'statement',
    id: 's1',
    text: 'SELECT 1',
    via: 'simple',
    hash: 'h',
    inTransaction: false,
  });
  r.record(1, { type: 'result', id: 's1', tag: 'SELECT 1', rows: 1, durationMs: 0.2 });
  r.record(1, { type: 'session.end', reason: 'client closed', statements: 1 });
  r.close();
  return { path, lines: readFileSync(path, 'utf8').trimEnd().split('\n') };
}

describe('transcript hash chain', () => {
  it('verifies an untouched transcript and numbers its lines', () => {
    const { path, lines } = recorded();
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3, 4, 5]);
    expect(verifyTranscript(readFileSync(path, 'utf8'))).toEqual({ ok: true, lines: 5, complete: false });
  });

  it('finds a changed line at the line after it', () => {
    const { lines } = recorded();
    lines[2] = lines[2]!.replace('SELECT 1', 'SELECT 2');
    expect(verifyTranscript(lines.join('\n'))).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('finds a removed line', () => {
    const { lines } = recorded();
    lines.splice(1, 1);
    expect(verifyTranscript(lines.join('\n'))).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('finds reordered lines', () => {
    const { lines } = recorded();
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    expect(verifyTranscript(lines.join('\n'))).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('reports a line that is not JSON', () => {
    const { path, lines } = recorded();
    writeFileSync(path, `${lines.slice(0, 2).join('\n')}\n{oops\n`);
    expect(verifyTranscript(readFileSync(path, 'utf8'))).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: 'not valid JSON',
    });
  });
});
