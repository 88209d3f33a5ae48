// `guardrail replay --verify --head/--lines`: the published end is checked, with a clear message
// for each way a copy can differ from it and a usage error for a malformed head or line count.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { run } from '../../src/cli/replay.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { lineHash } from '../../src/transcript/chain.js';

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
  return { path, text, head: lineHash(text.trimEnd().split('\n').at(-1)!) };
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
    expect(await run([t.path, '--verify', '--head', t.head, '--lines', '3'])).toBe(0);
    expect(await run([t.path, '--verify'])).toBe(0);
    expect(out).toEqual([
      `${t.path}: 3 lines, hash chain intact, ends with gateway.stop, ends at the published head`,
      `${t.path}: 3 lines, hash chain intact, ends with gateway.stop (its end is unproven: pass --head from the job summary to check it)`,
    ]);
  });

  it('refuses a copy cut short, naming the published end', async () => {
    const t = transcript();
    writeFileSync(t.path, `${t.text.trimEnd().split('\n').slice(0, 2).join('\n')}\n`);
    const out = capture();
    expect(await run([t.path, '--verify', '--lines', '3'])).toBe(1);
    expect(await run([t.path, '--verify', '--head', t.head])).toBe(1);
    expect(out).toEqual([
      `${t.path}: does not end where the job published: the transcript has 2 lines but the published end is at line 3: lines were cut off the end`,
      `${t.path}: does not end where the job published: the last line does not hash to the published head: the end was cut off, edited or replaced (a forged gateway.stop, say)`,
    ]);
  });

  it('rejects a malformed head or line count, and either without --verify', async () => {
    const t = transcript();
    await expect(run([t.path, '--verify', '--head', 'abc'])).rejects.toThrow(UsageError);
    await expect(run([t.path, '--verify', '--lines', 'three'])).rejects.toThrow(UsageError);
    await expect(run([t.path, '--head', t.head])).rejects.toThrow('--head and --lines go with --verify');
  });
});
