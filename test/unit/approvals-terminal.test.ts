import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { TerminalChannel } from '../../src/approvals/terminal.js';
import type { ApprovalRequest } from '../../src/approvals/types.js';

function request(deadlineInMs = 60_000): ApprovalRequest {
  return {
    id: 'gr-7e57ab1e',
    batch: false,
    statements: [{ text: 'TRUNCATE audit_log', hash: 'b'.repeat(64), findings: [] }],
    database: { dialect: 'postgres', name: 'app', host: '127.0.0.1:5432', role: 'app' },
    job: {
      repository: 'local',
      serverUrl: '',
      runId: '0',
      runAttempt: '1',
      job: 'local',
      workflow: 'local',
      ref: '',
      sha: '',
      actor: 'me',
      eventName: 'local',
    },
    deadline: new Date(Date.now() + deadlineInMs),
  };
}

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (c: Buffer) => {
    shown += c.toString();
  });
  return { input, output, shown: () => shown };
}

/** Resolves once the prompt has been written. */
async function prompted(t: ReturnType<typeof terminal>): Promise<void> {
  while (!t.shown().includes('Type "yes"')) await new Promise((r) => setTimeout(r, 5));
}

describe('TerminalChannel', () => {
  it('approves on "yes" and lists the approved hash', async () => {
    const t = terminal();
    const channel = new TerminalChannel({ input: t.input, output: t.output, user: 'alice' });
    const pending = channel.request(request(), new AbortController().signal);
    await prompted(t);
    t.input.write('yes\n');
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'approved', by: ['alice'], hashes: ['b'.repeat(64)] });
    expect(t.shown()).toContain('TRUNCATE audit_log');
    expect(t.shown()).toContain('b'.repeat(64));
  });

  it('denies on anything else', async () => {
    const t = terminal();
    const channel = new TerminalChannel({ input: t.input, output: t.output, user: 'alice' });
    const pending = channel.request(request(), new AbortController().signal);
    await prompted(t);
    t.input.write('yess\n');
    expect(await pending).toMatchObject({ decision: 'denied', by: ['alice'], hashes: [] });
  });

  it('times out without an answer, and denies when the input closes or the request is aborted', async () => {
    const t1 = terminal();
    const timedOut = await new TerminalChannel({ input: t1.input, output: t1.output, timeoutMs: 50 }).request(
      request(),
      new AbortController().signal,
    );
    expect(timedOut.decision).toBe('timeout');

    const t2 = terminal();
    const closing = new TerminalChannel({ input: t2.input, output: t2.output }).request(
      request(),
      new AbortController().signal,
    );
    await prompted(t2);
    t2.input.end();
    expect(await closing).toMatchObject({
      decision: 'denied',
      reason: 'the terminal closed without an answer',
    });

    const t3 = terminal();
    const abort = new AbortController();
    const aborted = new TerminalChannel({ input: t3.input, output: t3.output }).request(
      request(),
      abort.signal,
    );
    await prompted(t3);
    abort.abort();
    expect(await aborted).toMatchObject({ decision: 'denied', reason: 'aborted' });
  });

  it('asks one request at a time', async () => {
    const t = terminal();
    const channel = new TerminalChannel({ input: t.input, output: t.output, user: 'alice' });
    const first = channel.request(request(), new AbortController().signal);
    const second = channel.request({ ...request(), id: 'gr-5ec0d000' }, new AbortController().signal);
    await prompted(t);
    expect(t.shown()).not.toContain('gr-5ec0d000');
    t.input.write('no\n');
    expect((await first).decision).toBe('denied');
    while (!t.shown().includes('gr-5ec0d000')) await new Promise((r) => setTimeout(r, 5));
    t.input.write('y\n');
    expect((await second).decision).toBe('approved');
  });

  it('denies when there is no terminal to ask on', async () => {
    // A child in a new session (setsid) has no controlling terminal and a non-TTY stdin.
    const dir = mkdtempSync(join(tmpdir(), 'gr-tty-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        `import { TerminalChannel } from ${JSON.stringify(resolve('src/approvals/terminal.ts'))};`,
        "const job = { repository: 'l', serverUrl: '', runId: '0', runAttempt: '1', job: 'l', workflow: 'l', ref: '', sha: '', actor: 'a', eventName: 'l' };",
        "const r = { id: 'gr-1', batch: false, statements: [], database: { dialect: 'postgres', name: 'a', host: 'h', role: 'r' }, job, deadline: new Date(Date.now() + 60000) };",
        'console.log(JSON.stringify(await new TerminalChannel().request(r, new AbortController().signal)));',
      ].join('\n'),
    );
    await build({
      entryPoints: [entry],
      outfile: join(dir, 'entry.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const child = spawnSync('setsid', [process.execPath, join(dir, 'entry.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 20_000,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toMatchObject({ decision: 'denied', reason: 'no terminal to ask on' });
  });
});
