// `guardrail demo` as a first-time user runs it: the bundled dist/cli.js, from another directory,
// unattended. Its claims are checked against what it leaves behind, not only against what it says.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

const CLI = resolve('dist/cli.js');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'guardrail-demo-cwd-')),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

function transcriptOf(stdout: string): { path: string; lines: TranscriptLine[]; text: string } {
  const path = /transcript: +(\S+\.jsonl)/.exec(stdout)?.[1];
  if (!path) throw new Error(`the demo printed no transcript path:\n${stdout}`);
  const text = readFileSync(path, 'utf8');
  return {
    path,
    text,
    lines: readTranscript(text).lines,
  };
}

describe('guardrail demo', () => {
  it('holds the malformed DROP, shows the request, denies it, and the table is intact', async () => {
    const r = await runCli(['demo']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain('V1__order_status.sql');
    expect(out).toContain('V2__customer_tiers.sql');
    expect(out).toMatch(/⏸ {2}held: the gateway asks for approval \(gr-[0-9a-f]{8}\)/);
    const id = /held: the gateway asks for approval \((gr-[0-9a-f]{8})\)/.exec(out)![1]!;
    // The request exactly as the GitHub channel would post it.
    expect(out).toContain(`│ <!-- guardrail:request:${id} -->`);
    expect(out).toContain('│ DROP TABLE customers CASCADE');
    expect(out).toContain('destructive/drop-table');
    expect(out).toMatch(new RegExp(`│ /guardrail approve ${id} [0-9a-f]{12}\\n`));
    expect(out).toContain(`/guardrail deny ${id} wrong table`);
    expect(out).toContain('SQLSTATE 42501');
    expect(out).toContain(
      `held for approval ${id} (destructive/drop-table) and not run: denied by demo-reviewer`,
    );
    expect(out).toContain('customers: 500 rows, the table is intact');

    const t = transcriptOf(out);
    expect(verifyTranscript(t.text)).toMatchObject({ ok: true, complete: true });
    expect(t.lines.find((l) => l.type === 'approval.decided')).toMatchObject({
      outcome: 'denied',
      requestId: id,
    });
    expect(t.lines.some((l) => l.type === 'result' && l.tag === 'DROP TABLE')).toBe(false);
    expect(existsSync(t.path.replace(/\.jsonl$/, '.html'))).toBe(true);
    // Run from another directory with `node …/cli.js`, the demo prints a command that works
    // there (not a bare `guardrail`, which is not on the PATH of a clone); run it as printed.
    const printed = /verify it: +(.+)$/m.exec(out)?.[1] ?? '';
    expect(printed).toBe(`node ${CLI} replay ${t.path} --verify`);
    const replay = await runCli(printed.split(' ').slice(2));
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('hash chain intact');
  }, 60_000);

  it('with --approve, the DROP goes through and the table is gone', async () => {
    const out = (await runCli(['demo', '--approve'])).stdout;
    expect(out).toMatch(/✔ {2}@demo-reviewer comments: \/guardrail approve gr-[0-9a-f]{8} [0-9a-f]{12}/);
    expect(out).toContain('customers: the table is gone');
    expect(out).not.toContain('SQLSTATE 42501');
    const t = transcriptOf(out);
    expect(verifyTranscript(t.text)).toMatchObject({ ok: true, complete: true });
    expect(t.lines.find((l) => l.type === 'approval.decided')).toMatchObject({
      outcome: 'approved',
      by: ['demo-reviewer'],
    });
    expect(t.lines.some((l) => l.type === 'result' && l.tag === 'DROP TABLE')).toBe(true);
  }, 60_000);
});
