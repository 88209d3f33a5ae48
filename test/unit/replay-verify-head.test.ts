// `guardrail replay --verify --head/--lines`: the published end is checked, with a clear message
// for each way a copy can differ from it and a usage error for a malformed head or line count.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { run } from '../../src/cli/replay.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';

/** A run written in two batches: 1 gateway.start, 2 seal, 3 statement, 4 gateway.stop, 5 seal. */
function transcript(): { path: string; text: string; head: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'guardrail-head-')), 'transcript.jsonl');
  const r = new FileRecorder(path);
  r.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'enforce',
    version: 't',
  });
  r.flush();
  r.record(1, {
    type: 'statement',
    id: 's1',
    text: 'DROP TABLE t',
    via: 'simple',
    hash: 'h',
    inTransaction: false,
  });
  r.record(0, { type: 'gateway.stop', reason: 'SIGTERM' });
  r.close();
  const text = readFileSync(path, 'utf8');
  return { path, text, head: JSON.parse(text.trimEnd().split('\n').at(-1)!).chain };
}

function capture() {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
  vi.spyOn(console, 'error').mockImplementation((m: string) => void out.push(m));
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('replay --verify against the published head', () => {
  it('accepts the copy that ends at the head, and says an unpinned end is unproven', async () => {
    const t = transcript();
    const out = capture();
    expect(await run([t.path, '--verify', '--head', t.head, '--lines', '5'])).toBe(0);
    expect(await run([t.path, '--verify'])).toBe(0);
    expect(out).toEqual([
      `${t.path}: 5 lines, hash chain intact, ends with gateway.stop, ends at the published head`,
      `${t.path}: 5 lines, hash chain intact, ends with gateway.stop (its end is unproven: pass --head from the job summary to check it)`,
    ]);
  });

  it('refuses a copy cut short, naming the published end', async () => {
    const t = transcript();
    writeFileSync(t.path, `${t.text.trimEnd().split('\n').slice(0, 2).join('\n')}\n`);
    const out = capture();
    expect(await run([t.path, '--verify'])).toBe(0);
    expect(await run([t.path, '--verify', '--lines', '5'])).toBe(1);
    expect(await run([t.path, '--verify', '--head', t.head])).toBe(1);
    expect(out).toEqual([
      `${t.path}: 2 lines, hash chain intact, no gateway.stop at the end (the run was cut short) (its end is unproven: pass --head from the job summary to check it)`,
      `${t.path}: does not end where the job published: the transcript has 2 lines but the published end is at line 5: lines were cut off the end`,
      `${t.path}: does not end where the job published: the end does not hash to the published head: the end was cut off, edited or replaced (a forged gateway.stop, say)`,
    ]);
  });

  it('refuses a copy whose last lines are not sealed', async () => {
    const t = transcript();
    writeFileSync(t.path, `${t.text.trimEnd().split('\n').slice(0, 4).join('\n')}\n`);
    const out = capture();
    expect(await run([t.path, '--verify'])).toBe(1);
    expect(out).toEqual([
      `${t.path}: hash chain broken at line 3: lines 3-4 are not sealed, so nothing proves them (the gateway stopped mid-write, or they were added by hand)`,
    ]);
  });

  it('checks a transcript written before seals against its published head', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'guardrail-head-')), 'transcript.jsonl');
    copyFileSync(join(import.meta.dirname, '../fixtures/transcript-prev-chain.jsonl'), path);
    const head = '56dfad81744400950f8a9654fcf88b393ef27d1f9b09a5390b94337f48c4f698';
    const out = capture();
    expect(await run([path, '--verify', '--head', head, '--lines', '7'])).toBe(0);
    expect(await run([path, '--verify', '--head', head, '--lines', '8'])).toBe(1);
    expect(out).toEqual([
      `${path}: 7 lines, hash chain intact, ends with gateway.stop, ends at the published head`,
      `${path}: does not end where the job published: the transcript has 7 lines but the published end is at line 8: lines were cut off the end`,
    ]);
  });

  it('rejects a malformed head or line count, and either without --verify', async () => {
    const t = transcript();
    await expect(run([t.path, '--verify', '--head', 'abc'])).rejects.toThrow(UsageError);
    await expect(run([t.path, '--verify', '--lines', 'three'])).rejects.toThrow(UsageError);
    await expect(run([t.path, '--head', t.head])).rejects.toThrow('--head and --lines go with --verify');
  });
});
