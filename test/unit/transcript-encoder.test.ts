// The chain encoder is pure: the same events and clock give the same lines, with no file, and
// the file sink and the memory recorder write exactly what it builds.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { ChainEncoder, GENESIS, lineHash } from '../../src/transcript/chain.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

const EVENTS: [number, TranscriptEvent][] = [
  [0, { type: 'gateway.start', dialect: 'postgres', upstream: 'db:5432/app', mode: 'enforce', version: 't' }],
  [1, { type: 'session.start', user: 'u', database: 'app', client: '127.0.0.1:1' }],
  [1, { type: 'statement', id: 's1', text: 'SELECT 1', via: 'simple', hash: 'h', inTransaction: false }],
  [1, { type: 'session.end', reason: 'client closed', statements: 1 }],
  [0, { type: 'gateway.stop', reason: 'done' }],
];
const AT = new Date('2026-12-07T08:00:00.123Z');

function encoded(now?: () => Date): string[] {
  const e = new ChainEncoder(now);
  return EVENTS.map(([conn, ev]) => e.encode(conn, ev));
}

describe('ChainEncoder', () => {
  it('chains each line to the hash of the one before, from GENESIS', () => {
    const lines = encoded(() => AT);
    let prev = GENESIS;
    for (const [i, line] of lines.entries()) {
      const parsed = JSON.parse(line);
      expect(parsed).toMatchObject({ seq: i + 1, ts: AT.toISOString(), conn: EVENTS[i]![0], prev });
      expect(parsed.type).toBe(EVENTS[i]![1].type);
      prev = lineHash(line);
    }
    expect(verifyTranscript(`${lines.join('\n')}\n`)).toMatchObject({ ok: true, complete: true, head: prev });
  });

  it('is deterministic for a pinned clock, and two encoders do not share a chain', () => {
    expect(encoded(() => AT)).toEqual(encoded(() => AT));
    // Near miss: a different clock gives different lines (and a different chain).
    expect(encoded(() => new Date(AT.getTime() + 1))).not.toEqual(encoded(() => AT));
  });

  it('is what the file sink writes and what the memory recorder keeps', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'guardrail-enc-')), 't.jsonl');
    const file = new FileRecorder(path, () => AT);
    for (const [conn, ev] of EVENTS) file.record(conn, ev);
    file.close();
    const lines = encoded(() => AT);
    expect(readFileSync(path, 'utf8')).toBe(`${lines.join('\n')}\n`);

    const memory = new MemoryRecorder();
    for (const [conn, ev] of EVENTS) memory.record(conn, ev);
    const kept = `${memory.lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
    expect(verifyTranscript(kept)).toMatchObject({ ok: true, lines: EVENTS.length, complete: true });
    // Apart from the time, the memory recorder's lines are the encoder's.
    const untimed = (l: string) => l.replace(/"ts":"[^"]+"/, '"ts":""').replace(/"prev":"[0-9a-f]+"/, '');
    expect(memory.lines.map((l) => untimed(JSON.stringify(l)))).toEqual(lines.map(untimed));
  });
});
