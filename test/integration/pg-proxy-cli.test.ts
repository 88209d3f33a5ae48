// `guardrail proxy` with the real analyzer and the default policy in front of a real server.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
