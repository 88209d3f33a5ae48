import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { GENESIS, lineHash } from '../../src/transcript/chain.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

const dir = mkdtempSync(join(tmpdir(), 'guardrail-line-'));
let files = 0;

// Event keys are names, never the envelope's own nor array indexes (which JSON orders first).
const eventKey = fc
  .string({ minLength: 1 })
  .filter((k) => !['seq', 'ts', 'conn', 'prev', '__proto__'].includes(k) && !/^(?:0|[1-9]\d*)$/.test(k));
const event = fc
  .tuple(fc.string(), fc.dictionary(eventKey, fc.jsonValue()))
  .map(([type, rest]) => ({ ...rest, type }) as unknown as TranscriptEvent);

describe('transcript lines', () => {
  it('are the JSON of the envelope (seq, ts, conn, prev) followed by the event, byte for byte', () => {
    const at = new Date('2026-11-29T04:05:06.789Z');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), event), { maxLength: 8 }), (events) => {
        const path = join(dir, `t${files++}.jsonl`);
        const r = new FileRecorder(path, () => at);
        for (const [conn, e] of events) r.record(conn, e);
        r.close();
        let prev = GENESIS;
        const expected = events.map(([conn, e], i) => {
          const line = JSON.stringify({ seq: i + 1, ts: at.toISOString(), conn, prev, ...e });
          prev = lineHash(line);
          return `${line}\n`;
        });
        const text = readFileSync(path, 'utf8');
        expect(text).toBe(expected.join(''));
        expect(verifyTranscript(text).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('carry the current time to the millisecond on every line', () => {
    const path = join(dir, `t${files++}.jsonl`);
    const r = new FileRecorder(path);
    const before = Date.now();
    for (let i = 0; i < 50; i++)
      r.record(1, { type: 'notice', severity: 'NOTICE', code: '00000', message: `${i}` });
    const after = Date.now();
    r.close();
    const times = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => Date.parse(JSON.parse(l).ts as string));
    expect(times).toHaveLength(50);
    for (const [i, t] of times.entries()) {
      expect(t).toBeGreaterThanOrEqual(i === 0 ? before : times[i - 1]!);
      expect(t).toBeLessThanOrEqual(after);
    }
  });
});
