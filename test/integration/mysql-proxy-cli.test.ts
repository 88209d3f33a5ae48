// `guardrail proxy --upstream mysql://…`: the printed URL works with the mariadb CLI as is,
// refused statements leave the database as it was, and the transcript verifies.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type RunningProxy, startProxy } from '../../src/cli/proxy.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli } from '../support/mysql-clients.js';

let db: MariaDbServer;
let proxy: RunningProxy | undefined;

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin('CREATE TABLE app.keep (id int); INSERT INTO app.keep VALUES (1), (2)');
});

afterAll(async () => {
  await proxy?.stop('test done');
  await db?.stop();
});

it('serves a MySQL upstream with the default policy', async () => {
  const transcript = join(mkdtempSync(join(tmpdir(), 'guardrail-proxy-')), 'run.jsonl');
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.join(' '));
  });
  const info = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    proxy = await startProxy(['--upstream', db.url(), '--transcript', transcript]);
  } finally {
    log.mockRestore();
    info.mockRestore();
  }
  expect(printed).toEqual([proxy.url]);
  expect(proxy.url).not.toContain(db.password);
  const url = new URL(proxy.url);
  const target = {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
  };
  const out = await mariadbCli(target, 'SELECT 20 + 22;\nDROP TABLE keep;\nSELECT count(*) FROM keep;\n', [
    '--force',
  ]);
  expect(out.stdout).toContain('42');
  expect(out.stderr).toMatch(/guardrail: .*destructive\/drop-table/);
  expect(out.stdout).toMatch(/\b2\b/);
  await proxy.stop('test done');
  proxy = undefined;
  expect(verifyTranscript(readFileSync(transcript, 'utf8'))).toMatchObject({ ok: true, complete: true });
});
