import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { GENESIS, lineHash } from '../../src/transcript/chain.js';
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
    expect(verifyTranscript(readFileSync(path, 'utf8'))).toEqual({
      ok: true,
      lines: 5,
      complete: false,
      head: lineHash(lines[4]!),
    });
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

/** Appends a line that chains correctly onto `lines`, as a forger who read the file can. */
function forgeStop(lines: string[]): string[] {
  const stop = JSON.stringify({
    seq: lines.length + 1,
    ts: new Date().toISOString(),
    conn: 0,
    prev: lineHash(lines.at(-1)!),
    type: 'gateway.stop',
    reason: 'SIGTERM',
  });
  return [...lines, stop];
}

/** A finished run: the recorded lines and a gateway.stop, and the head the post step publishes. */
function finished(): { lines: string[]; head: string } {
  const lines = forgeStop(recorded().lines);
  return { lines, head: lineHash(lines.at(-1)!) };
}

const text = (lines: string[]) => `${lines.join('\n')}\n`;

describe('the transcript against its published head', () => {
  it('passes the untouched transcript with its head and line count', () => {
    const { lines, head } = finished();
    expect(verifyTranscript(text(lines), { head, lines: 6 })).toEqual({
      ok: true,
      lines: 6,
      complete: true,
      head,
    });
    // Upper-case hex, as someone may paste it, is the same hash.
    expect(verifyTranscript(text(lines), { head: head.toUpperCase() }).ok).toBe(true);
  });

  it('catches a transcript cut short, which the chain alone passes', () => {
    const { lines, head } = finished();
    const cut = lines.slice(0, 4);
    expect(verifyTranscript(text(cut))).toMatchObject({ ok: true, complete: false });
    expect(verifyTranscript(text(cut), { head })).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/does not hash to the published head/),
    });
    expect(verifyTranscript(text(cut), { lines: 6 })).toMatchObject({
      ok: false,
      brokenAt: 5,
      reason: 'the transcript has 4 lines but the published end is at line 6: lines were cut off the end',
    });
  });

  it('catches an edited last line, which the chain alone passes', () => {
    const { lines, head } = finished();
    lines[5] = lines[5]!.replace('SIGTERM', 'SIGINT');
    expect(verifyTranscript(text(lines))).toMatchObject({ ok: true, complete: true });
    expect(verifyTranscript(text(lines), { head, lines: 6 })).toMatchObject({
      ok: false,
      brokenAt: 6,
      reason: expect.stringMatching(/does not hash to the published head/),
    });
  });

  it('catches a transcript cut short with a forged gateway.stop appended', () => {
    const { lines, head } = finished();
    // The DROP's result and the session end are gone; a stop line chains onto what is left.
    const forged = forgeStop(lines.slice(0, 3));
    expect(verifyTranscript(text(forged))).toMatchObject({ ok: true, complete: true });
    expect(verifyTranscript(text(forged), { head })).toMatchObject({ ok: false, brokenAt: 4 });
    // Padded to the published length, the line count alone is fooled; the head is not.
    const padded = forgeStop(forgeStop(forgeStop(lines.slice(0, 3))));
    expect(verifyTranscript(text(padded), { lines: 6 }).ok).toBe(true);
    expect(verifyTranscript(text(padded), { head, lines: 6 })).toMatchObject({ ok: false, brokenAt: 6 });
  });

  it('names the published end when lines were added after it', () => {
    const { lines, head } = finished();
    const longer = forgeStop(lines);
    expect(verifyTranscript(text(longer), { head })).toMatchObject({
      ok: false,
      brokenAt: 7,
      reason: 'the published head is line 6 of 7: lines were added after the end the gateway published',
    });
    expect(verifyTranscript(text(longer), { lines: 6 })).toMatchObject({ ok: false, brokenAt: 7 });
  });

  it('gives an empty transcript the genesis head', () => {
    expect(verifyTranscript('')).toEqual({ ok: true, lines: 0, complete: false, head: GENESIS });
    expect(verifyTranscript('', { head: lineHash('x') })).toMatchObject({ ok: false, brokenAt: 1 });
  });
});
