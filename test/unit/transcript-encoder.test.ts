// The chain encoder is pure: the same events and clock give the same lines, with no file, and
// the file sink and the memory recorder write exactly what it builds.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { ChainEncoder, GENESIS } from '../../src/transcript/chain.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
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
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The events in one batch and its seal, as text. */
function encoded(now?: () => Date): string {
  const e = new ChainEncoder(now);
  for (const [conn, ev] of EVENTS) e.encode(conn, ev);
  return e.seal().toString();
}

describe('ChainEncoder', () => {
  it('numbers lines without hashing them, and seals each batch onto the seal before', () => {
    const e = new ChainEncoder(() => AT);
    const line = (conn: number, ev: TranscriptEvent) => {
      e.encode(conn, ev);
      return e.lastLine();
    };
    const first = EVENTS.slice(0, 3).map(([conn, ev]) => line(conn, ev));
    for (const [i, line] of first.entries()) {
      expect(JSON.parse(line)).toEqual({
        seq: i + 1,
        ts: AT.toISOString(),
        conn: EVENTS[i]![0],
        ...EVENTS[i]![1],
      });
    }
    const ts = AT.toISOString();
    const batch1 = first.map((l) => `${l}\n`).join('');
    const head1 = `{"seq":4,"ts":"${ts}","conn":0,"type":"seal","lines":3,"chain":"`;
    const chain1 = sha256(GENESIS + batch1 + head1);
    expect(e.seal().toString()).toBe(`${batch1}${head1}${chain1}"}\n`);
    // Nothing open: nothing to seal.
    expect(e.seal().toString()).toBe('');

    const second = EVENTS.slice(3).map(([conn, ev]) => line(conn, ev));
    expect(second.map((l) => JSON.parse(l).seq)).toEqual([5, 6]);
    const batch2 = second.map((l) => `${l}\n`).join('');
    const head2 = `{"seq":7,"ts":"${ts}","conn":0,"type":"seal","lines":2,"chain":"`;
    const chain2 = sha256(chain1 + batch2 + head2);
    expect(e.seal().toString()).toBe(`${batch2}${head2}${chain2}"}\n`);
    expect(verifyTranscript(`${batch1}${head1}${chain1}"}\n${batch2}${head2}${chain2}"}\n`)).toEqual({
      ok: true,
      lines: 7,
      complete: true,
      head: chain2,
    });
  });

  it('snapshots an event when it is recorded: a caller may reuse the object', () => {
    const e = new ChainEncoder(() => AT);
    const event = { type: 'notice' as const, severity: 'NOTICE', code: '00000', message: 'one' };
    e.encode(1, event);
    event.message = 'two';
    e.encode(1, event);
    expect(readTranscript(e.seal().toString()).lines.map((l) => l.type === 'notice' && l.message)).toEqual([
      'one',
      'two',
    ]);
  });

  it('encodes any text as UTF-8 and any batch size, chaining exactly as the string form does', () => {
    const e = new ChainEncoder(() => AT);
    const ts = AT.toISOString();
    const texts = [
      "SELECT 'é', '€', '😀', '\\u2028'", // two, three and four bytes, and a JSON-escaped separator
      `SELECT '${'x'.repeat(70_000)}'`, // outgrows the first buffer mid-batch
      `SELECT '${'ü'.repeat(600_000)}'`, // past sixteen times it: the next batch starts small again
      'SELECT 2',
    ];
    let chain = GENESIS;
    let seq = 0;
    let all = '';
    // One text per batch, then all of them in one batch.
    for (const batchTexts of [...texts.map((t) => [t]), texts]) {
      const lines = batchTexts.map((text) => {
        const ev: TranscriptEvent = {
          type: 'statement',
          id: 's',
          text,
          via: 'simple',
          hash: 'h',
          inTransaction: false,
        };
        e.encode(1, ev);
        const line = e.lastLine();
        expect(JSON.parse(line)).toEqual({ seq: ++seq, ts, conn: 1, ...ev });
        return line;
      });
      const batch = lines.map((l) => `${l}\n`).join('');
      const head = `{"seq":${++seq},"ts":"${ts}","conn":0,"type":"seal","lines":${lines.length},"chain":"`;
      chain = sha256(chain + batch + head);
      const sealed = e.seal().toString('utf8');
      expect(sealed).toBe(`${batch}${head}${chain}"}\n`);
      all += sealed;
    }
    expect(verifyTranscript(all)).toMatchObject({ ok: true, lines: 13, head: chain });
  });

  it('writes each line as JSON.stringify writes the merged object, for any seq and conn', () => {
    const e = new ChainEncoder(() => AT);
    const ts = AT.toISOString();
    const conns = [0, 1, 9, 10, 99, 100, 123_456_789, 2 ** 40, -1, 1.5];
    for (let seq = 1; seq <= 1200; seq++) {
      const conn = conns[seq % conns.length]!;
      const ev: TranscriptEvent = { type: 'gateway.stop', reason: `r${seq}` };
      e.encode(conn, ev);
      expect(e.lastLine()).toBe(JSON.stringify({ seq, ts, conn, ...ev }));
    }
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
    const expected = encoded(() => AT);
    expect(readFileSync(path, 'utf8')).toBe(expected);

    const memory = new MemoryRecorder();
    for (const [conn, ev] of EVENTS) memory.record(conn, ev);
    // Events are there as they are recorded; the text only once a flush seals them.
    expect(memory.lines).toHaveLength(EVENTS.length);
    expect(memory.text).toBe('');
    memory.close();
    expect(verifyTranscript(memory.text)).toMatchObject({
      ok: true,
      lines: EVENTS.length + 1,
      complete: true,
    });
    // Its lines are what a reader of its text sees, seals left out.
    expect(memory.lines).toEqual(readTranscript(memory.text).lines);
    // Apart from the time (and so the chain), the memory recorder's text is the encoder's.
    const untimed = (t: string) =>
      t.replaceAll(/"ts":"[^"]+"/g, '"ts":""').replace(/"chain":"[0-9a-f]+"/, '');
    expect(untimed(memory.text)).toBe(untimed(expected));
  });

  it('seals at every flush of the memory recorder, chaining the batches', () => {
    const memory = new MemoryRecorder();
    for (const [conn, ev] of EVENTS) {
      memory.record(conn, ev);
      if (ev.type === 'statement') memory.flush();
    }
    memory.close();
    const types = memory.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).type);
    expect(types).toEqual([
      'gateway.start',
      'session.start',
      'statement',
      'seal',
      'session.end',
      'gateway.stop',
      'seal',
    ]);
    expect(verifyTranscript(memory.text)).toMatchObject({ ok: true, lines: 7, complete: true });
  });
});

describe('FileRecorder', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'guardrail-sink-')), 't.jsonl');
  const seals = (path: string) =>
    readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'seal')
      .map((l) => l.lines);

  it('seals the batch its timer writes and the batch an explicit flush writes', async () => {
    const path = file();
    // A stopped clock never ages the batch: only the idle timer writes it, however long a loaded
    // machine takes between the two records (with the system clock, 2 ms between them wrote it).
    const r = new FileRecorder(path, () => new Date('2026-12-08T00:00:00.000Z'));
    r.record(0, EVENTS[0]![1]);
    r.record(1, EVENTS[1]![1]);
    expect(readFileSync(path, 'utf8')).toBe('');
    // The idle timer is ten milliseconds; a loaded machine may run it later.
    for (let i = 0; i < 200 && readFileSync(path, 'utf8') === ''; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seals(path)).toEqual([2]);
    expect(verifyTranscript(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, lines: 3 });

    r.record(1, EVENTS[2]![1]);
    r.flush();
    expect(seals(path)).toEqual([2, 1]);
    expect(verifyTranscript(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, lines: 5 });

    // close() seals what is pending, and only that: no empty seal.
    r.record(0, EVENTS[4]![1]);
    r.close();
    expect(seals(path)).toEqual([2, 1, 1]);
    expect(verifyTranscript(readFileSync(path, 'utf8'))).toMatchObject({
      ok: true,
      lines: 7,
      complete: true,
    });
  });

  it('writes a batch two milliseconds old with the next event, in that event’s turn, with no timer', () => {
    const path = file();
    // The clock moves only when the test moves it, so a loaded machine cannot age the batch early.
    let now = Date.parse('2026-12-08T00:00:00.000Z');
    const r = new FileRecorder(path, () => new Date(now));
    r.record(0, EVENTS[0]![1]);
    now += 1;
    r.record(1, EVENTS[1]![1]);
    expect(readFileSync(path, 'utf8')).toBe('');
    // Still in this turn of the event loop: no timer can have run.
    now += 1;
    r.record(1, EVENTS[2]![1]);
    expect(seals(path)).toEqual([3]);
    r.record(0, EVENTS[4]![1]);
    expect(seals(path)).toEqual([3]);
    r.close();
    expect(seals(path)).toEqual([3, 1]);
    expect(verifyTranscript(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, complete: true });
  });

  it('fails closed when a write fails: the error is kept and every later record refused', () => {
    const r = new FileRecorder('/dev/full');
    r.record(0, EVENTS[0]![1]);
    expect(() => r.flush()).toThrow(/^transcript \/dev\/full cannot be written: ENOSPC/);
    expect(r.failed).toMatchObject({ code: 'ERR_TRANSCRIPT_WRITE' });
    expect(() => r.record(1, EVENTS[1]![1])).toThrow(r.failed);
  });
});
