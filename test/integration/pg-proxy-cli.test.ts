// `guardrail proxy` with the real analyzer and the default policy in front of a real server, in
// the test process and as a background process without a terminal.
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningProxy, startProxy } from '../../src/cli/proxy.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { buildCli } from '../support/cli-build.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let server: PgServer;
let proxy: RunningProxy | undefined;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await proxy?.stop('test done');
  await server?.stop();
});

function psql(url: string, ...commands: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('psql', [url, '-X', '-At', ...commands.flatMap((c) => ['-c', c])], (_e, out, err) =>
      resolve(out + err),
    );
  });
}

describe('guardrail proxy', () => {
  it('prints one URL that psql uses as is; denied statements are refused; the transcript verifies', async () => {
    const transcript = join(mkdtempSync(join(tmpdir(), 'guardrail-proxy-')), 'run.jsonl');
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.join(' '));
    });
    const info = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      proxy = await startProxy([
        '--upstream',
        server.url(),
        '--transcript',
        transcript,
        '--listen',
        '127.0.0.1:0',
      ]);
    } finally {
      log.mockRestore();
      info.mockRestore();
    }
    expect(printed).toEqual([proxy.url]);
    expect(proxy.url).not.toContain(server.password);
    const out = await psql(
      proxy.url,
      'select 20 + 22',
      "select pg_read_file('/etc/hostname')",
      'select current_database()',
    );
    expect(out).toContain('42');
    expect(out).toContain('ERROR:  guardrail: denied by policy (exfiltration/');
    expect(out).toContain('postgres');
    await proxy.stop('test done');
    proxy = undefined;
    const text = readFileSync(transcript, 'utf8');
    expect(verifyTranscript(text).ok).toBe(true);
    expect(text).not.toContain(server.password);
    expect(text).toContain('"action":"deny"');
  });

  it('without --transcript writes a new file in a private directory it prints, and follows no planted link', async () => {
    // The path earlier versions used: another local user could create it (or a link) first.
    const old = join(tmpdir(), `guardrail-proxy-${process.pid}.jsonl`);
    const bait = join(mkdtempSync(join(tmpdir(), 'guardrail-bait-')), 'chosen-by-someone-else');
    writeFileSync(bait, '');
    if (existsSync(old)) unlinkSync(old);
    symlinkSync(bait, old);
    const said: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const info = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      said.push(args.join(' '));
    });
    const started: RunningProxy[] = [];
    try {
      for (let i = 0; i < 2; i++)
        started.push(await startProxy(['--upstream', server.url(), '--listen', '127.0.0.1:0']));
      const out = await psql(started[0]!.url, 'select 41 + 1');
      expect(out).toContain('42');
    } finally {
      log.mockRestore();
      info.mockRestore();
      for (const p of started) await p.stop('test done');
      unlinkSync(old);
    }
    const [a, b] = started.map((p) => p.transcript) as [string, string];
    expect(a).not.toBe(b);
    for (const path of [a, b]) {
      expect(said.some((line) => line.includes(path))).toBe(true);
      expect(basename(path)).not.toContain(String(process.pid));
      expect(dirname(path)).not.toBe(tmpdir());
      expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
      expect(lstatSync(path).isSymbolicLink()).toBe(false);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(a, 'utf8')).toContain('select 41 + 1');
    expect(readFileSync(bait, 'utf8')).toBe('');
  });
});

describe('guardrail proxy in the background', () => {
  it('says at start-up that nobody can approve, logs each held statement, and tells the client why', async () => {
    const cli = await buildCli();
    const dir = mkdtempSync(join(tmpdir(), 'guardrail-proxy-bg-'));
    // setsid: a new session without a controlling terminal, stdin not a terminal either.
    const child = spawn(
      'setsid',
      [process.execPath, cli, 'proxy', '--upstream', server.url(), '--transcript', join(dir, 't.jsonl')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.once('exit', res));
    const logged = async (pattern: RegExp) => {
      for (let i = 0; i < 250 && !pattern.test(stderr); i++) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      while (!stdout.includes('\n')) {
        if (child.exitCode !== null) throw new Error(`proxy exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await logged(/reviews: /);
      expect(stderr).toContain(
        'guardrail proxy: reviews: no terminal to ask on, so nobody can approve; every statement held for review is denied',
      );
      const url = stdout.trim();
      await psql(server.url(), 'create table if not exists kept (id int)');
      const out = await psql(url, 'drop table kept');
      expect(out).toMatch(
        /ERROR: {2}guardrail: held for approval gr-[0-9a-f]{8} \(destructive\/drop-table\) and not run: denied: no approver is available to this proxy \(it has no terminal to ask on\)\./,
      );
      // What to do, with the command as this user starts it.
      expect(out).toContain(
        `Run \`node ${relative(process.cwd(), cli)} proxy\` in a terminal to approve at its prompt, or allow the rule in a policy file (--policy FILE)`,
      );
      expect(out).not.toContain('denied by');
      // The log line is written before the client's error; give the pipe time to deliver it.
      await logged(/\): denied: no approver/);
      expect(stderr).toContain(
        'guardrail proxy: [conn 1] held for review (destructive/drop-table): drop table kept',
      );
      expect(stderr).toMatch(
        /guardrail proxy: \[conn 1\] gr-[0-9a-f]{8} \(destructive\/drop-table\): denied: no approver is available/,
      );
      // The server says the table is still there.
      expect(await psql(server.url(), "select to_regclass('public.kept') is not null")).toBe('t\n');

      // The proxy estimates impact on its side connection: a large UPDATE is held as a mass change.
      await psql(server.url(), 'insert into kept select generate_series(1, 1500)', 'analyze kept');
      const mass = await psql(url, 'update kept set id = id + 1 where id > 0');
      expect(mass).toMatch(/held for approval gr-[0-9a-f]{8} \(mass-change\/rows\)/);
      await logged(/mass-change\/rows\): denied/);
      expect(stderr).toContain(
        'held for review (mass-change/rows): update kept set id = id + 1 where id > 0',
      );
      expect(await psql(server.url(), 'select max(id) from kept')).toBe('1500\n');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    rmSync(dirname(cli), { recursive: true, force: true });
  });
});
