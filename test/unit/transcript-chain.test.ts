import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { GENESIS, lineHash, SEAL_END, sealChain } from '../../src/transcript/chain.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

const STOP: TranscriptEvent = { type: 'gateway.stop', reason: 'SIGTERM' };

/**
 * A run written in three batches (each flush seals one):
 *   1 gateway.start, 2 session.start, 3 seal(2),
 *   4 statement, 5 result, 6 seal(2),
 *   7 session.end, [8 gateway.stop,] 8|9 seal.
 */
function recorded(...last: TranscriptEvent[]): string[] {
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
  r.flush();
  r.record(1, {
    type: 'statement',
    id: 's1',
    text: 'SELECT 1',
    via: 'simple',
    hash: 'h',
    inTransaction: false,
  });
  r.record(1, { type: 'result', id: 's1', tag: 'SELECT 1', rows: 1, durationMs: 0.2 });
  r.flush();
  r.record(1, { type: 'session.end', reason: 'client closed', statements: 1 });
  for (const e of last) r.record(0, e);
  r.close();
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}

const text = (lines: string[]) => `${lines.join('\n')}\n`;
const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;
/** Numbers the lines 1… again, as someone hiding a removal or insertion would. */
const renumber = (lines: string[]) => lines.map((l, i) => l.replace(/^\{"seq":\d+/, `{"seq":${i + 1}`));
/** Sets a seal's `lines` count, as someone hiding a removal or insertion would. */
const recount = (seal: string, k: number) => seal.replace(/"lines":\d+/, `"lines":${k}`);

/**
 * Appends a batch that seals correctly onto `lines`, as a forger who read the file can: the
 * chain has no secret, so only a head published outside the file pins its end.
 */
function forgeBatch(lines: string[], events: TranscriptEvent[]): string[] {
  const seals = lines.map(parse).filter((l) => l.type === 'seal');
  const previous = seals.length > 0 ? String(seals.at(-1)!.chain) : GENESIS;
  const ts = new Date().toISOString();
  const batch = events.map((e, i) => JSON.stringify({ seq: lines.length + i + 1, ts, conn: 0, ...e }));
  const head = `{"seq":${lines.length + batch.length + 1},"ts":"${ts}","conn":0,"type":"seal","lines":${batch.length},"chain":"`;
  return [...lines, ...batch, `${head}${sealChain(previous, text(batch), head)}${SEAL_END}`];
}

/** Re-seals the batch ending at seal index `at` (0-based) after an edit, chaining onto the seal before. */
function reseal(lines: string[], at: number): string[] {
  const starts = lines.map(parse).flatMap((l, i) => (l.type === 'seal' ? [i] : []));
  const before = starts.filter((i) => i < at).at(-1);
  const previous = before === undefined ? GENESIS : String(parse(lines[before]!).chain);
  const batch = lines.slice(before === undefined ? 0 : before + 1, at);
  const head = lines[at]!.slice(0, -(64 + SEAL_END.length));
  const out = [...lines];
  out[at] = `${head}${sealChain(previous, text(batch), head)}${SEAL_END}`;
  return out;
}

describe('the sealed transcript chain', () => {
  it('verifies an untouched transcript, numbering every line and sealing every batch', () => {
    const lines = recorded();
    const parsed = lines.map(parse);
    expect(parsed.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parsed.map((l) => l.type)).toEqual([
      'gateway.start',
      'session.start',
      'seal',
      'statement',
      'result',
      'seal',
      'session.end',
      'seal',
    ]);
    expect(parsed.filter((l) => l.type === 'seal').map((l) => l.lines)).toEqual([2, 2, 1]);
    // No line carries a hash of its own: only seals do.
    expect(parsed.some((l) => 'prev' in l)).toBe(false);
    expect(verifyTranscript(text(lines))).toEqual({
      ok: true,
      lines: 8,
      complete: false,
      head: parsed[7]!.chain,
    });
  });

  it('finds a changed line at the first line of its batch', () => {
    for (const edited of [4, 5]) {
      const lines = recorded();
      lines[edited - 1] = lines[edited - 1]!.replace('SELECT 1', 'SELECT 2');
      expect(verifyTranscript(text(lines))).toMatchObject({
        ok: false,
        brokenAt: 4,
        reason: expect.stringMatching(/^the seal at line 6 does not match lines 4-5/),
      });
    }
  });

  it('finds an edited seal: its time, its count, its sequence number', () => {
    const timed = recorded();
    timed[5] = timed[5]!.replace(/"ts":"[^"]+"/, '"ts":"2000-01-01T00:00:00.000Z"');
    expect(verifyTranscript(text(timed))).toMatchObject({ ok: false, brokenAt: 4 });

    const counted = recorded();
    counted[5] = recount(counted[5]!, 3);
    expect(verifyTranscript(text(counted))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/^the seal at line 6 covers 3 lines but 2 precede it/),
    });

    const numbered = recorded();
    numbered[5] = numbered[5]!.replace('{"seq":6', '{"seq":7');
    expect(verifyTranscript(text(numbered))).toMatchObject({
      ok: false,
      brokenAt: 6,
      reason: 'expected seq 6, found 7',
    });
  });

  it('finds a removed line, renumbered or not', () => {
    const lines = recorded();
    lines.splice(3, 1);
    expect(verifyTranscript(text(lines))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'expected seq 4, found 5',
    });
    const hidden = renumber(lines);
    expect(verifyTranscript(text(hidden))).toMatchObject({ ok: false, brokenAt: 4 });
    hidden[4] = recount(hidden[4]!, 1);
    expect(verifyTranscript(text(hidden))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/^the seal at line 5 does not match lines 4-4/),
    });
  });

  it('finds an inserted line, renumbered or not', () => {
    const lines = recorded();
    const forged = JSON.stringify({ ...parse(lines[3]!), id: 's0', text: 'SELECT 0' });
    lines.splice(3, 0, forged);
    expect(verifyTranscript(text(lines))).toMatchObject({
      ok: false,
      brokenAt: 5,
      reason: 'expected seq 5, found 4',
    });
    const hidden = renumber(lines);
    hidden[6] = recount(hidden[6]!, 3);
    expect(verifyTranscript(text(hidden))).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('finds reordered lines, renumbered or not', () => {
    const lines = recorded();
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    expect(verifyTranscript(text(lines))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'expected seq 4, found 5',
    });
    expect(verifyTranscript(text(renumber(lines)))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/^the seal at line 6 does not match/),
    });
  });

  it('finds a removed batch at the seal after it, whose chain no longer follows', () => {
    const lines = recorded();
    lines.splice(3, 3);
    expect(verifyTranscript(text(lines))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'expected seq 4, found 7',
    });
    expect(verifyTranscript(text(renumber(lines)))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/^the seal at line 5 does not match lines 4-4/),
    });
  });

  it('refuses lines after the last seal: a write cut short, or lines added by hand', () => {
    const lines = recorded();
    expect(verifyTranscript(text(lines.slice(0, -1)))).toMatchObject({
      ok: false,
      brokenAt: 7,
      reason: expect.stringMatching(/^lines 7-7 are not sealed/),
    });
    const appended = [...lines, JSON.stringify({ seq: 9, ts: new Date().toISOString(), conn: 0, ...STOP })];
    expect(verifyTranscript(text(appended))).toMatchObject({
      ok: false,
      brokenAt: 9,
      reason: expect.stringMatching(/^lines 9-9 are not sealed/),
    });
  });

  it('refuses a seal that covers no lines', () => {
    const lines = recorded();
    const chain = String(parse(lines[2]!).chain);
    const head = `{"seq":4,"ts":"${new Date().toISOString()}","conn":0,"type":"seal","lines":0,"chain":"`;
    lines.splice(3, 0, `${head}${sealChain(chain, '', head)}${SEAL_END}`);
    expect(verifyTranscript(text(renumber(lines)))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'the seal at line 4 covers no lines',
    });
  });

  it('reports a line that is not JSON', () => {
    const lines = recorded();
    expect(verifyTranscript(`${lines.slice(0, 2).join('\n')}\n{oops\n`)).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: 'not valid JSON',
    });
  });

  it('counts a run complete only when its gateway.stop is sealed', () => {
    const lines = recorded(STOP);
    expect(verifyTranscript(text(lines))).toMatchObject({ ok: true, lines: 9, complete: true });
    expect(verifyTranscript(text(lines.slice(0, -1)))).toMatchObject({ ok: false, brokenAt: 7 });
  });
});

/** A finished run and the head the post step publishes: the last seal's chain. */
function finished(): { lines: string[]; head: string } {
  const lines = recorded(STOP);
  return { lines, head: String(parse(lines.at(-1)!).chain) };
}

describe('the sealed transcript against its published head', () => {
  it('passes the untouched transcript with its head and line count', () => {
    const { lines, head } = finished();
    expect(verifyTranscript(text(lines), { head, lines: 9 })).toEqual({
      ok: true,
      lines: 9,
      complete: true,
      head,
    });
    // Upper-case hex, as someone may paste it, is the same hash.
    expect(verifyTranscript(text(lines), { head: head.toUpperCase() }).ok).toBe(true);
  });

  it('catches a transcript cut short after a seal, which the chain alone passes', () => {
    const { lines, head } = finished();
    const cut = lines.slice(0, 6);
    expect(verifyTranscript(text(cut))).toMatchObject({ ok: true, complete: false });
    expect(verifyTranscript(text(cut), { head })).toMatchObject({
      ok: false,
      brokenAt: 6,
      reason: expect.stringMatching(/does not hash to the published head/),
    });
    expect(verifyTranscript(text(cut), { lines: 9 })).toMatchObject({
      ok: false,
      brokenAt: 7,
      reason: 'the transcript has 6 lines but the published end is at line 9: lines were cut off the end',
    });
  });

  it('catches an edited last batch sealed again, which the chain alone passes', () => {
    const { lines, head } = finished();
    lines[7] = lines[7]!.replace('SIGTERM', 'SIGINT');
    const resealed = reseal(lines, 8);
    expect(verifyTranscript(text(resealed))).toMatchObject({ ok: true, complete: true });
    expect(verifyTranscript(text(resealed), { head, lines: 9 })).toMatchObject({
      ok: false,
      brokenAt: 9,
      reason: expect.stringMatching(/does not hash to the published head/),
    });
  });

  it('catches a transcript cut short with a forged gateway.stop sealed onto it', () => {
    const { lines, head } = finished();
    // The statement, its result and the session end are gone; a sealed stop follows what is left.
    const forged = forgeBatch(lines.slice(0, 3), [STOP]);
    expect(verifyTranscript(text(forged))).toMatchObject({ ok: true, lines: 5, complete: true });
    expect(verifyTranscript(text(forged), { head })).toMatchObject({ ok: false, brokenAt: 5 });
    // Padded to the published length, the line count alone is fooled; the head is not.
    const padded = forgeBatch(forgeBatch(forgeBatch(lines.slice(0, 3), [STOP]), [STOP]), [STOP]);
    expect(verifyTranscript(text(padded), { lines: 9 }).ok).toBe(true);
    expect(verifyTranscript(text(padded), { head, lines: 9 })).toMatchObject({ ok: false, brokenAt: 9 });
  });

  it('names the published end when batches were added after it', () => {
    const { lines, head } = finished();
    const longer = forgeBatch(lines, [STOP]);
    expect(verifyTranscript(text(longer), { head })).toMatchObject({
      ok: false,
      brokenAt: 10,
      reason: 'the published head is line 9 of 11: lines were added after the end the gateway published',
    });
    expect(verifyTranscript(text(longer), { lines: 9 })).toMatchObject({ ok: false, brokenAt: 10 });
  });

  it('gives an empty transcript the genesis head', () => {
    expect(verifyTranscript('')).toEqual({ ok: true, lines: 0, complete: false, head: GENESIS });
    expect(verifyTranscript('', { head: lineHash('x') })).toMatchObject({ ok: false, brokenAt: 1 });
  });
});

/**
 * A transcript the gateway wrote before seals (committed as the per-line encoder produced it):
 * each line names the sha256 of the line before as `prev`, and its head is the last line's hash.
 */
const OLD = readFileSync(join(import.meta.dirname, '../fixtures/transcript-prev-chain.jsonl'), 'utf8');
const OLD_HEAD = '56dfad81744400950f8a9654fcf88b393ef27d1f9b09a5390b94337f48c4f698';
const oldLines = () => OLD.trimEnd().split('\n');

/** Appends a line that chains onto an old transcript, as a forger who read the file can. */
function forgeOldStop(lines: string[]): string[] {
  const stop = {
    seq: lines.length + 1,
    ts: new Date().toISOString(),
    conn: 0,
    prev: lineHash(lines.at(-1)!),
  };
  return [...lines, JSON.stringify({ ...stop, ...STOP })];
}

describe('a transcript written before seals', () => {
  it('verifies as it always did, against its published head too', () => {
    expect(verifyTranscript(OLD)).toEqual({ ok: true, lines: 7, complete: true, head: OLD_HEAD });
    expect(verifyTranscript(OLD, { head: OLD_HEAD, lines: 7 }).ok).toBe(true);
  });

  it('finds a changed line at the line after it', () => {
    const lines = oldLines();
    lines[2] = lines[2]!.replace('DROP TABLE customers', 'SELECT 1');
    expect(verifyTranscript(text(lines))).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: 'prev does not match the hash of the line before (a line was changed, removed or moved)',
    });
  });

  it('finds a removed line, reordered lines and a line that is not JSON', () => {
    const removed = oldLines();
    removed.splice(1, 1);
    expect(verifyTranscript(text(removed))).toMatchObject({ ok: false, brokenAt: 2 });
    const swapped = oldLines();
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(verifyTranscript(text(swapped))).toMatchObject({ ok: false, brokenAt: 3 });
    expect(verifyTranscript(`${oldLines().slice(0, 2).join('\n')}\n{oops\n`)).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: 'not valid JSON',
    });
  });

  it('catches a copy cut short, or with a forged stop, against the published head', () => {
    const forged = forgeOldStop(oldLines().slice(0, 3));
    expect(verifyTranscript(text(forged))).toMatchObject({ ok: true, complete: true });
    expect(verifyTranscript(text(forged), { head: OLD_HEAD })).toMatchObject({ ok: false, brokenAt: 4 });
    expect(verifyTranscript(text(forgeOldStop(oldLines())), { head: OLD_HEAD })).toMatchObject({
      ok: false,
      brokenAt: 8,
      reason: 'the published head is line 7 of 8: lines were added after the end the gateway published',
    });
  });

  it('is not passed off as a sealed transcript by stripping its hashes', () => {
    const stripped = oldLines().map((l) => l.replace(/,"prev":"[0-9a-f]{64}"/, ''));
    expect(verifyTranscript(text(stripped))).toMatchObject({
      ok: false,
      brokenAt: 1,
      reason: expect.stringMatching(/^lines 1-7 are not sealed/),
    });
  });
});
