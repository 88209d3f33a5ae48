// `guardrail broker --config broker.yml` as a process: reads the config (admin DSN from the
// environment), serves, sweeps on start, stops cleanly on SIGTERM; a bad config exits 2.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProvider } from '../../src/credentials/broker-client.js';
import { buildCli } from '../support/cli-build.js';
import { type OidcIssuer, startOidcIssuer, useRunnerToken } from '../support/oidc-issuer.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let db: PgServer;
let issuer: OidcIssuer;
let dir: string;
let cli: string;
let restoreRunnerToken: (() => void) | undefined;

beforeAll(async () => {
  [db, issuer, cli] = await Promise.all([startPostgres(), startOidcIssuer(), buildCli()]);
  await db.query('CREATE ROLE app_migrator NOLOGIN');
  dir = mkdtempSync(join(tmpdir(), 'guardrail-broker-cli-'));
  restoreRunnerToken = useRunnerToken(issuer);
});

afterAll(async () => {
  restoreRunnerToken?.();
  if (cli) rmSync(dirname(cli), { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
  await Promise.all([db?.stop(), issuer?.close()]);
});

const config = (auditFile: string) => `
listen: { host: 127.0.0.1, port: 0 }
issuer: ${issuer.issuer}
audience: guardrail-broker
audit: ${auditFile}
targets:
  app:
    dialect: postgres
    admin: { env: GUARDRAIL_TEST_ADMIN_DSN }
bindings:
  - name: main
    target: app
    role: app_migrator
    claims: { repository_id: 123456789, ref: refs/heads/main }
`;

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${err}`)));
  });
}

describe('guardrail broker', () => {
  it('serves credentials from a config file and stops on SIGTERM', async () => {
    const audit = join(dir, 'audit.jsonl');
    const file = join(dir, 'broker.yml');
    writeFileSync(file, config(audit));
    const child = spawn(process.execPath, [cli, 'broker', '--config', file], {
      env: { ...process.env, GUARDRAIL_TEST_ADMIN_DSN: db.url() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = await waitForListening(child);
    const provider = new BrokerProvider({ url, idToken: { attempts: 1 } });
    const ctx = {
      repository: 'o/r',
      runId: '1',
      runAttempt: '1',
      job: 'j',
      audience: 'guardrail-broker',
      target: 'app',
    };
    const lease = await provider.acquire(ctx);
    await provider.revoke(lease);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    expect(lines.map((l) => l.event)).toEqual(['issue', 'revoke']);
    expect(stderr).toContain('no revocation-key configured');
    expect(readFileSync(audit, 'utf8') + stderr).not.toContain(lease.password);
  });

  it('--sweep-once drops expired roles of its own name shape and nothing else', async () => {
    await db.query(`
      CREATE ROLE gr_77_1_abc_abcdef LOGIN VALID UNTIL '2001-01-01' IN ROLE app_migrator;
      ALTER ROLE gr_77_1_abc_abcdef SET role = 'app_migrator';
      CREATE ROLE gr_admin LOGIN VALID UNTIL '2001-01-01';
      CREATE ROLE gr_78_1_abc_abcdef LOGIN VALID UNTIL '2999-01-01';
    `);
    const file = join(dir, 'sweep.yml');
    writeFileSync(file, config(join(dir, 'sweep.jsonl')));
    const r = spawnSync(process.execPath, [cli, 'broker', '--config', file, '--sweep-once'], {
      env: { ...process.env, GUARDRAIL_TEST_ADMIN_DSN: db.url() },
      encoding: 'utf8',
    });
    expect(r.stderr).toContain('swept 1 expired login role\n');
    expect(r.status).toBe(0);
    const left = await db.query<{ rolname: string }>(
      "SELECT rolname FROM pg_roles WHERE rolname LIKE 'gr\\_%' ORDER BY 1",
    );
    expect(left.map((x) => x.rolname)).toEqual(['gr_78_1_abc_abcdef', 'gr_admin']);
    expect(JSON.parse(readFileSync(join(dir, 'sweep.jsonl'), 'utf8'))).toMatchObject({
      event: 'sweep',
      lease: 'app.gr_77_1_abc_abcdef',
      existed: true,
    });
  });

  it('exits 2 with the path and line of a config mistake', () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      config(join(dir, 'a.jsonl')).replace('repository_id: 123456789', 'repository_id: octo/app'),
    );
    const r = spawnSync(process.execPath, [cli, 'broker', '--config', file], {
      env: { ...process.env, GUARDRAIL_TEST_ADMIN_DSN: db.url() },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad\.yml:\d+: bindings\.0\.claims\.repository_id: must be the numeric id/);
    const unset = spawnSync(process.execPath, [cli, 'broker', '--config', join(dir, 'broker.yml')], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    expect(unset.status).toBe(2);
    expect(unset.stderr).toContain('environment variable GUARDRAIL_TEST_ADMIN_DSN is not set');
  });
});
