import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { GENESIS } from '../../src/transcript/chain.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

const dir = mkdtempSync(join(tmpdir(), 'guardrail-line-'));
let files = 0;

// Event keys are names, never the envelope's own, nor `prev` (which marks a transcript written
// before seals), nor array indexes (which JSON orders first); no event is a seal.
const eventKey = fc
  .string({ minLength: 1 })
  .filter((k) => !['seq', 'ts', 'conn', 'prev', '__proto__'].includes(k) && !/^(?:0|[1-9]\d*)$/.test(k));
const event = fc
  .tuple(
    fc.string().filter((t) => t !== 'seal'),
    fc.dictionary(eventKey, fc.jsonValue()),
  )
  .map(([type, rest]) => ({ ...rest, type }) as unknown as TranscriptEvent);

describe('transcript lines', () => {
  it('are the JSON of the envelope (seq, ts, conn) followed by the event, then a seal, byte for byte', () => {
    const at = new Date('2026-11-29T04:05:06.789Z');
    const ts = at.toISOString();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), event), { maxLength: 8 }), (events) => {
        const path = join(dir, `t${files++}.jsonl`);
        const r = new FileRecorder(path, () => at);
        for (const [conn, e] of events) r.record(conn, e);
        r.close();
        const batch = events
          .map(([conn, e], i) => `${JSON.stringify({ seq: i + 1, ts, conn, ...e })}\n`)
          .join('');
        // The seal: sha256 of the genesis chain, the batch, and the seal up to its chain value.
        const head = `{"seq":${events.length + 1},"ts":"${ts}","conn":0,"type":"seal","lines":${events.length},"chain":"`;
        const chain = createHash('sha256')
          .update(GENESIS + batch + head, 'utf8')
          .digest('hex');
        const text = readFileSync(path, 'utf8');
        expect(text).toBe(events.length === 0 ? '' : `${batch}${head}${chain}"}\n`);
        expect(verifyTranscript(text)).toMatchObject({
          ok: true,
          lines: events.length === 0 ? 0 : events.length + 1,
        });
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
    const times = readTranscript(readFileSync(path, 'utf8')).lines.map((l) => Date.parse(l.ts));
    expect(times).toHaveLength(50);
    for (const [i, t] of times.entries()) {
      expect(t).toBeGreaterThanOrEqual(i === 0 ? before : times[i - 1]!);
      expect(t).toBeLessThanOrEqual(after);
    }
  });
});
