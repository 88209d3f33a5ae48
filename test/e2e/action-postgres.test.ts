// The committed dist/main.js and dist/post.js, run the way the Actions runner runs them, around a
// real migration: credentials from the broker (OIDC issuer emulated), approvals through the GitHub
// API emulator, the transcript uploaded to the artifact service emulator, a real PostgreSQL behind
// the gateway and real clients (psql, node-pg-migrate) in front of it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning } from '../../src/action/daemon-launcher.js';
import { SEAL_END, sealChain } from '../../src/transcript/chain.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { type RunResult, reapTracked } from '../support/runner.js';
import { startVaultEmulator } from '../support/vault-emulator.js';
import {
  approvalCommand,
  DIST,
  daemonLog,
  loginRoles,
  maskedValues,
  psqlPath,
  rawLog,
  runMain,
  runPost,
  type Scenario,
  startClient,
  startScenario,
  startWorld,
  tableRows,
  type World,
  waitForRequest,
} from './action-support.js';

let world: World;

beforeAll(async () => {
  world = await startWorld(['approve', 'deny', 'killed', 'batch', 'batchdeny', 'vault']);
}, 120_000);

afterAll(async () => {
  await world?.close();
});

const MIGRATION = '-- V4: remove the old customers table\nDROP TABLE customers;\n';

function artifactName(s: Scenario): string {
  return `guardrail-transcript-${s.job.job}-${s.job.runId}-${s.job.runAttempt}`;
}

function transcriptOf(s: Scenario): { jsonl: string; html: string } {
  const files = s.artifacts.files(artifactName(s));
  return {
    jsonl: files.get('transcript.jsonl')?.toString('utf8') ?? '',
    html: files.get('transcript.html')?.toString('utf8') ?? '',
  };
}

/**
 * No secret may show up anywhere but the password and url outputs: not the values main masked
 * (gateway and lease passwords, revocation token), the GitHub token or the OIDC request token.
 * Values masked by libraries in post (the artifact upload's signed URL) must be masked before
 * they are printed, as the runner then shows them as ***.
 */
function expectNoSecrets(s: Scenario, main: RunResult, post: RunResult, extra: string[] = []): void {
  const secrets = [...maskedValues(main), s.gh.token, world.issuer.requestToken];
  expect(secrets).toContain(main.outputs.password);
  const { jsonl, html } = transcriptOf(s);
  const places: Record<string, string> = {
    'main log': rawLog(main),
    'post log': rawLog(post),
    'daemon log': daemonLog(main),
    summary: post.summary,
    transcript: jsonl,
    'transcript html': html,
    comments: s.gh.comments.map((c) => c.body).join('\n'),
    outputs: JSON.stringify({ ...main.outputs, password: undefined, url: undefined }),
    ...Object.fromEntries(extra.map((e, i) => [`client ${i}`, e])),
  };
  for (const secret of secrets) {
    for (const [where, text] of Object.entries(places)) {
      const at = text.indexOf(secret);
      expect(
        at,
        `a secret (${secret.length} chars) appears in the ${where}: …${text.slice(Math.max(0, at - 80), at)}`,
      ).toBe(-1);
    }
  }
  for (const step of [main, post]) {
    const out = `${step.stdout}${step.stderr}`;
    for (const value of maskedValues(step)) {
      expect(out.indexOf(value), 'a value is printed before it is masked').toBe(
        out.indexOf(`::add-mask::${value}`) + 12,
      );
    }
  }
}

/** `guardrail replay` from the committed bundle, on a copy of the transcript written to `text`. */
async function replayVerify(s: Scenario, text: string, args: string[]) {
  const file = join(s.job.workspace, `copy-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(file, text);
  return startClient(
    process.execPath,
    [join(DIST, 'cli.js'), 'replay', file, '--verify', ...args],
    {},
    s.job.workspace,
  ).exited;
}

/**
 * The post step publishes the chain's head where the artifact cannot change it (step output,
 * summary, log), and `guardrail replay --verify --head` then catches the tampering the chain alone
 * passes: a copy cut back to an earlier seal, and one cut short with a gateway.stop forged and
 * sealed onto it (the chain has no secret: anyone who reads the file can extend it).
 */
async function expectPublishedHead(s: Scenario, post: RunResult, jsonl: string): Promise<void> {
  const lines = jsonl.trimEnd().split('\n');
  const head = post.outputs['transcript-head']!;
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'seal', chain: head });
  expect(post.outputs['transcript-lines']).toBe(String(lines.length));
  expect(post.summary).toContain(`Head: <code>${head}</code> at line ${lines.length}.`);
  expect(post.stdout).toContain(`guardrail: transcript head ${head} at line ${lines.length}`);

  const intact = await replayVerify(s, jsonl, ['--head', head, '--lines', String(lines.length)]);
  expect(intact.code, intact.output).toBe(0);
  expect(intact.output).toContain('hash chain intact, ends with gateway.stop, ends at the published head');

  // gateway.start is written long before the session, and gateway.stop long after it.
  const seals = lines.flatMap((l, i) => (JSON.parse(l).type === 'seal' ? [i + 1] : []));
  expect(seals.length).toBeGreaterThanOrEqual(3);
  const cut = `${lines.slice(0, seals.at(-2)).join('\n')}\n`;
  expect(verifyTranscript(cut).ok).toBe(true);
  const truncated = await replayVerify(s, cut, ['--head', head]);
  expect(truncated.code).toBe(1);
  expect(truncated.output).toMatch(
    /does not end where the job published: the end does not hash to the published head/,
  );

  const kept = lines.slice(0, seals[0]);
  const stop = JSON.stringify({
    seq: kept.length + 1,
    ts: new Date().toISOString(),
    conn: 0,
    type: 'gateway.stop',
    reason: 'SIGTERM',
  });
  const sealHead = `{"seq":${kept.length + 2},"ts":"${new Date().toISOString()}","conn":0,"type":"seal","lines":1,"chain":"`;
  const previous = JSON.parse(kept.at(-1)!).chain as string;
  const forged = [...kept, stop, `${sealHead}${sealChain(previous, `${stop}\n`, sealHead)}${SEAL_END}`];
  const forgedText = `${forged.join('\n')}\n`;
  expect(verifyTranscript(forgedText)).toMatchObject({ ok: true, complete: true });
  const caught = await replayVerify(s, forgedText, ['--head', head, '--lines', String(lines.length)]);
  expect(caught.code).toBe(1);
  expect(caught.output).toContain(
    `the transcript has ${forged.length} lines but the published end is at line ${lines.length}: lines were cut off the end`,
  );
}

async function expectRevoked(s: Scenario, post: RunResult, before: string[]): Promise<void> {
  expect(before.length).toBeGreaterThan(0);
  expect(await loginRoles(world.db)).toEqual([]);
  expect(post.stdout).toContain('the database credentials were revoked');
  expect(world.broker.auditText()).not.toContain(s.gh.token);
}

function psqlMigration(s: Scenario, main: RunResult) {
  const file = join(s.job.workspace, 'V4__drop_customers.sql');
  writeFileSync(file, MIGRATION);
  return startClient(
    psqlPath(),
    [main.outputs.url!, '-v', 'ON_ERROR_STOP=1', '-X', '-f', file],
    {},
    s.job.workspace,
  );
}

describe('the action around a migration (dist/main.js, dist/post.js)', () => {
  it('fails the step on an invalid policy file before it asks for credentials or starts anything', async () => {
    const s = await startScenario(world, 'approve');
    try {
      mkdirSync(join(s.job.workspace, '.github'));
      writeFileSync(
        join(s.job.workspace, '.github', 'guardrail.yml'),
        'mode: enforce\napprovals:\n  requird: 2\n',
      );
      const tokensBefore = world.issuer.tokenRequests();
      const main = await runMain(s);
      expect(main.code).toBe(1);
      const errors = main.commands.filter((c) => c.command === 'error').map((c) => c.message);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/guardrail\.yml.*requird/s);
      expect(world.issuer.tokenRequests()).toBe(tokensBefore);
      expect(main.state['daemon-pid']).toBeUndefined();
      expect(await loginRoles(world.db)).toEqual([]);
      const post = await runPost(s, main);
      expect(post.code).toBe(0);
      expect(post.stdout).toContain('nothing to clean up');
    } finally {
      await s.close();
    }
  }, 60_000);

  it('holds a DROP TABLE until a maintainer approves it in the pull request, then applies it', async () => {
    const s = await startScenario(world, 'approve');
    try {
      const main = await runMain(s);
      expect(main.code, rawLog(main)).toBe(0);
      expect(main.commands.filter((c) => c.command === 'error')).toEqual([]);
      expect(main.outputs.url).toMatch(/^postgres:\/\/guardrail:.+@127\.0\.0\.1:\d+\/approve/);
      expect(main.masks).toContain(main.outputs.password);
      expect(main.stdout).toContain('No policy file at .github/guardrail.yml');
      const pid = Number(main.state['daemon-pid']);
      expect(isRunning(pid)).toBe(true);
      const roles = await loginRoles(world.db);

      const psql = psqlMigration(s, main);
      const id = await waitForRequest(s.gh, s.pr);
      const ask = s.gh.findComment(`<!-- guardrail:request:${id} -->`)!;
      expect(ask.body).toContain('DROP TABLE customers');
      expect(ask.body).toContain('destructive/drop-table');
      // Still held: nothing has reached the database.
      expect(await tableRows(world.db, 'approve', 'customers')).toBe(25);
      // Later steps could read the run directory: the daemon has dropped the database password from it.
      const runConfig = JSON.parse(readFileSync(join(main.state['run-dir']!, 'config.json'), 'utf8'));
      expect(runConfig.lease).toMatchObject({ password: '' });
      s.gh.addComment(s.pr, { login: 'alice', body: approvalCommand(s.gh, id) });
      const done = await psql.exited;
      expect(done.code, done.output).toBe(0);
      expect(done.output).toContain('DROP TABLE');
      expect(await tableRows(world.db, 'approve', 'customers')).toBeNull();

      const post = await runPost(s, main);
      expect(post.code, rawLog(post)).toBe(0);
      expect(isRunning(pid)).toBe(false);
      await expectRevoked(s, post, roles);

      const { jsonl, html } = transcriptOf(s);
      expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, complete: true });
      const events = jsonl
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(events.find((e) => e.type === 'approval.decided')).toMatchObject({
        outcome: 'approved',
        by: ['alice'],
        requestId: id,
      });
      expect(events.find((e) => e.type === 'result' && e.tag === 'DROP TABLE')).toBeDefined();
      expect(html).toContain('<!doctype html>');
      expect(post.summary).toContain('### Approvals');
      expect(post.summary).toContain('alice');
      await expectPublishedHead(s, post, jsonl);
      expectNoSecrets(s, main, post, [done.output]);
    } finally {
      await s.close();
    }
  }, 240_000);

  it('refuses the DROP TABLE when a maintainer denies it: the migration fails, the table stays', async () => {
    const s = await startScenario(world, 'deny');
    try {
      const main = await runMain(s);
      expect(main.code, rawLog(main)).toBe(0);
      const roles = await loginRoles(world.db);
      const psql = psqlMigration(s, main);
      const id = await waitForRequest(s.gh, s.pr);
      s.gh.addComment(s.pr, { login: 'alice', body: `/guardrail deny ${id} wrong table` });
      const done = await psql.exited;
      expect(done.code).not.toBe(0);
      expect(done.output).toMatch(/ERROR: .*destructive\/drop-table/);
      expect(await tableRows(world.db, 'deny', 'customers')).toBe(25);

      const post = await runPost(s, main);
      expect(post.code, rawLog(post)).toBe(0);
      await expectRevoked(s, post, roles);
      const { jsonl } = transcriptOf(s);
      expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, complete: true });
      expect(jsonl).toContain('"outcome":"denied"');
      expect(jsonl).not.toContain('"tag":"DROP TABLE"');
      expect(post.summary).toContain('### Blocked statements');
      expectNoSecrets(s, main, post, [done.output]);
    } finally {
      await s.close();
    }
  }, 240_000);

  it('when the job is killed between main and post, post still revokes and uploads the transcript so far', async () => {
    const s = await startScenario(world, 'killed');
    try {
      const main = await runMain(s);
      expect(main.code, rawLog(main)).toBe(0);
      const roles = await loginRoles(world.db);
      const count = await startClient(
        psqlPath(),
        [main.outputs.url!, '-X', '-At', '-c', 'SELECT count(*) FROM customers'],
        {},
        s.job.workspace,
      ).exited;
      expect(count).toEqual({ code: 0, output: '25\n' });
      // The ca-cert output lets libpq verify the gateway's certificate and host name.
      const caCert = main.outputs['ca-cert']!;
      expect(readFileSync(caCert, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      const verifyFull = main.outputs.url!.replace(
        'sslmode=disable',
        `sslmode=verify-full&sslrootcert=${encodeURIComponent(caCert)}`,
      );
      const overTls = await startClient(
        psqlPath(),
        [verifyFull, '-X', '-At', '-c', 'SELECT count(*) FROM customers'],
        {},
        s.job.workspace,
      ).exited;
      expect(overTls).toEqual({ code: 0, output: '25\n' });

      // The runner's clean-up of a cancelled job: SIGKILL to every process with its tracking id.
      const pid = Number(main.state['daemon-pid']);
      expect(reapTracked(s.job.trackingId)).toContain(pid);
      for (let i = 0; i < 200 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
      expect(isRunning(pid)).toBe(false);

      const post = await runPost(s, main);
      // The transcript has no gateway.stop: post reports it and fails, after doing everything else.
      expect(post.code).toBe(1);
      expect(post.commands.filter((c) => c.command === 'error').map((c) => c.message)).toContain(
        'the transcript ends without gateway.stop: the gateway did not shut down cleanly',
      );
      await expectRevoked(s, post, roles);
      const { jsonl } = transcriptOf(s);
      expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, complete: false });
      expect(jsonl).toContain('SELECT count(*) FROM customers');
      expectNoSecrets(s, main, post);
    } finally {
      await s.close();
    }
  }, 240_000);

  it('approves the migration files up front in one request; node-pg-migrate then runs without waiting', async () => {
    const s = await startScenario(world, 'batch', { migrations: 'migrations/*.sql' });
    try {
      const dir = join(s.job.workspace, 'migrations');
      mkdirSync(dir);
      writeFileSync(
        join(dir, '1700000000000_drop-customers.sql'),
        '-- Up Migration\nDROP TABLE customers;\n\n-- Down Migration\n',
      );
      const pending = runMain(s);
      const id = await waitForRequest(s.gh, s.pr);
      const ask = s.gh.findComment(`<!-- guardrail:request:${id} -->`)!;
      expect(ask.body).toContain('a batch of 1 statement needs approval');
      expect(ask.body).toContain('DROP TABLE customers');
      s.gh.addComment(s.pr, { login: 'alice', body: approvalCommand(s.gh, id) });
      const main = await pending;
      expect(main.code, rawLog(main)).toBe(0);
      expect(main.stdout).toContain('approved by alice');
      const roles = await loginRoles(world.db);

      const migrate = await startClient(
        resolve('node_modules/.bin/node-pg-migrate'),
        ['up', '-m', 'migrations', '--no-check-order'],
        { DATABASE_URL: main.outputs.url! },
        s.job.workspace,
      ).exited;
      expect(migrate.code, migrate.output).toBe(0);
      expect(await tableRows(world.db, 'batch', 'customers')).toBeNull();
      // Nothing was held at run time: the only request is the batch.
      expect(s.gh.comments.filter((c) => c.body.includes('<!-- guardrail:request:'))).toHaveLength(1);

      const post = await runPost(s, main);
      expect(post.code, rawLog(post)).toBe(0);
      await expectRevoked(s, post, roles);
      const { jsonl } = transcriptOf(s);
      expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, complete: true });
      expect(jsonl).toContain('"tag":"DROP TABLE"');
      expect(jsonl).not.toContain('approval.requested');
      expectNoSecrets(s, main, post, [migrate.output]);
    } finally {
      await s.close();
    }
  }, 240_000);

  it('fails the step when the migration files are denied up front, and post still revokes the credentials', async () => {
    const s = await startScenario(world, 'batchdeny', { migrations: 'db/**/*.sql' });
    try {
      mkdirSync(join(s.job.workspace, 'db', 'migrations'), { recursive: true });
      writeFileSync(join(s.job.workspace, 'db', 'migrations', 'V1__drop.sql'), MIGRATION);
      const pending = runMain(s);
      const id = await waitForRequest(s.gh, s.pr);
      const roles = await loginRoles(world.db);
      s.gh.addComment(s.pr, { login: 'alice', body: `/guardrail deny ${id} not this week` });
      const main = await pending;
      expect(main.code).toBe(1);
      expect(main.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
        expect.stringContaining(
          "the migration's statements were not approved (denied by alice: not this week)",
        ),
      ]);
      expect(main.state['daemon-pid']).toBeUndefined();
      expect(await tableRows(world.db, 'batchdeny', 'customers')).toBe(25);

      const post = await runPost(s, main);
      expect(post.code, rawLog(post)).toBe(0);
      await expectRevoked(s, post, roles);
    } finally {
      await s.close();
    }
  }, 240_000);

  it('with credentials: vault, post revokes the lease and the Vault token', async () => {
    const c = await world.db.client('vault');
    await c.query('GRANT SELECT ON customers TO app_migrator');
    await c.end();
    const vault = await startVaultEmulator({
      issuer: world.issuer.issuer,
      jwtRoles: {
        'gha-migrate': {
          bound_audiences: ['guardrail-vault'],
          bound_claims: { repository_id: '123456789', ref: 'refs/heads/main' },
          token_ttl: 600,
        },
      },
      dbRoles: { migrator: { group: 'app_migrator', default_ttl: 900 } },
      adminClient: () => world.db.client('vault'),
    });
    const s = await startScenario(world, 'vault', {
      credentials: 'vault',
      'broker-url': '',
      'vault-url': vault.url,
      'vault-role': 'gha-migrate',
      'vault-creds-role': 'migrator',
      audience: 'guardrail-vault',
    });
    try {
      const main = await runMain(s);
      expect(main.code, rawLog(main)).toBe(0);
      expect(vault.leases().size).toBe(1);
      const count = await startClient(
        psqlPath(),
        [main.outputs.url!, '-X', '-At', '-c', 'SELECT count(*) FROM customers'],
        {},
        s.job.workspace,
      ).exited;
      expect(count).toEqual({ code: 0, output: '25\n' });

      const post = await runPost(s, main);
      expect(post.code, rawLog(post)).toBe(0);
      expect(post.stdout).toContain('the database credentials were revoked');
      expect(vault.leases().size).toBe(0);
      expect(vault.tokens()).toBe(0);
      const { jsonl } = transcriptOf(s);
      expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, complete: true });
      expectNoSecrets(s, main, post, [count.output]);
    } finally {
      await s.close();
      await vault.close();
    }
  }, 120_000);
});
