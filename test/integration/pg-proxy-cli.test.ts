// `guardrail proxy` with the real analyzer and the default policy in front of a real server.
import { execFile } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningProxy, startProxy } from '../../src/cli/proxy.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
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
