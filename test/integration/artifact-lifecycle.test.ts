// main and post as the runner runs them (separate node processes, file commands, STATE_*), with a
// stand-in daemon that keeps the daemon contract and the artifact service emulator. The daemon has
// to outlive the main step's process, and post has to stop it, revoke, upload and summarise.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRunning } from '../../src/action/daemon-launcher.js';
import { readTranscript } from '../../src/transcript/read.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { type ArtifactEmulator, startArtifactEmulator } from '../support/artifact-emulator.js';
import { bundle, reapTracked, runAction } from '../support/runner.js';

const FAKE_DAEMON = `
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { FileRecorder } from './src/gateway/transcript-file.ts';
const config = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const rec = new FileRecorder(config.transcriptPath);
const u = config.upstream;
rec.record(0, { type: 'gateway.start', dialect: config.dialect, upstream: u.host + ':' + u.port + '/' + u.database, mode: config.mode, version: 'fake' });
rec.flush();
const server = createServer((socket) => {
  rec.record(1, { type: 'statement', id: 's1', text: 'DROP TABLE users', via: 'simple', hash: 'h1', inTransaction: false });
  rec.record(1, { type: 'verdict', id: 's1', action: 'deny', rules: ['destructive/drop-table'], findings: [{ rule: 'destructive/drop-table', severity: 'critical', message: 'drops a table', objects: ['public.users'] }], enforced: true });
  rec.flush();
  socket.end('refused\\n');
});
server.listen(config.listen.port, config.listen.host, () => {
  const port = server.address().port;
  const password = 'gw-pw-' + process.pid;
  const ready = { pid: process.pid, url: 'postgres://gw:' + password + '@127.0.0.1:' + port + '/' + u.database, host: '127.0.0.1', port, user: 'gw', password, database: u.database };
  writeFileSync(config.readyPath + '.tmp', JSON.stringify(ready), { mode: 0o600 });
  renameSync(config.readyPath + '.tmp', config.readyPath);
});
process.on('SIGTERM', () => {
  rec.record(0, { type: 'gateway.stop', reason: 'SIGTERM' });
  rec.close();
  process.exit(0);
});
`;

const MAIN = `
import * as core from '@actions/core';
import { makeRunDir, runPaths } from './src/action/daemon-launcher.ts';
import { readInputs } from './src/action/inputs.ts';
import { jobInfoFromEnv, startGateway } from './src/action/lifecycle.ts';
import { saveRunDir } from './src/action/state.ts';
try {
  const inputs = readInputs();
  const runDir = makeRunDir(process.env.RUNNER_TEMP);
  saveRunDir(runDir);
  const paths = runPaths(runDir);
  const lease = { id: 'lease-1', kind: 'static', dialect: inputs.database, ...inputs.upstream, username: 'app', password: 'lease-pw-secret', standing: true };
  core.setSecret(lease.password);
  await startGateway(
    runDir,
    { version: 1, dialect: inputs.database, mode: inputs.mode ?? 'enforce', listen: { host: '127.0.0.1', port: inputs.listenPort },
      upstream: inputs.upstream, lease, policyPath: null, preapproved: [], job: jobInfoFromEnv(),
      transcriptPath: paths.transcript, readyPath: paths.ready, githubToken: inputs.githubToken },
    { script: process.env.FAKE_DAEMON, exportEnv: inputs.exportEnv },
  );
} catch (err) {
  core.setFailed(err.message);
}
`;

const POST = `
import { appendFileSync } from 'node:fs';
import * as core from '@actions/core';
import { finishRun } from './src/action/lifecycle.ts';
import { loadRunState } from './src/action/state.ts';
const state = loadRunState();
const report = await finishRun(
  { runDir: state.runDir, daemonPid: state.daemonPid,
    naming: { job: process.env.GITHUB_JOB, runId: process.env.GITHUB_RUN_ID, runAttempt: process.env.GITHUB_RUN_ATTEMPT, transcriptName: core.getInput('transcript-name') } },
  { revoke: async (lease) => appendFileSync(process.env.REVOKE_LOG, lease.id + '\\n') },
);
for (const p of report.problems) core.error(p);
core.setOutput('report', JSON.stringify(report));
if (report.problems.length > 0) core.setFailed('post found problems');
`;

const scripts: Record<string, string> = {};
let emulator: ArtifactEmulator;

beforeAll(async () => {
  for (const [name, source] of Object.entries({ daemon: FAKE_DAEMON, main: MAIN, post: POST })) {
    scripts[name] = await bundle(source, name);
  }
});

// One emulator is one workflow run: each test gets its own, as each test's main/post is its own run.
beforeEach(async () => {
  emulator = await startArtifactEmulator();
});

const trackingIds: string[] = [];

afterEach(async () => {
  await emulator.close();
  // The runner's end-of-job cleanup, so a failed assertion leaves no daemon behind.
  for (const id of trackingIds.splice(0)) reapTracked(id);
});

const inputs = {
  database: 'postgres',
  upstream: 'db.internal:5432/app',
  credentials: 'static',
  'static-dsn': 'postgres://app:lease-pw-secret@db.internal:5432/app',
  'github-token': 'ghs_lifecycle_token',
  'export-env': 'true',
  'transcript-name': 'lifecycle',
};

async function runMain() {
  const main = await runAction(scripts.main!, { inputs, env: { FAKE_DAEMON: scripts.daemon! } });
  trackingIds.push(main.job.trackingId);
  expect(main.stderr).toBe('');
  expect(main.code).toBe(0);
  return main;
}

function runPost(main: Awaited<ReturnType<typeof runMain>>, revokeLog: string) {
  return runAction(scripts.post!, {
    job: main.job,
    inputs,
    state: main.state,
    env: { ...main.env, ...emulator.env, REVOKE_LOG: revokeLog },
  });
}

describe('main and post around a detached daemon', () => {
  it('the daemon outlives main; post stops it, revokes, uploads the transcript and writes the summary', async () => {
    const main = await runMain();
    const pid = Number(main.state['daemon-pid']);
    expect(main.state.ready).toBe('true');
    expect(isRunning(pid)).toBe(true);
    const password = main.outputs.password!;
    expect(main.outputs.url).toBe(`postgres://gw:${password}@127.0.0.1:${main.outputs.port}/app`);
    expect(main.env.PGPASSWORD).toBe(password);
    expect(main.masks).toEqual(expect.arrayContaining([password, 'lease-pw-secret', 'ghs_lifecycle_token']));

    const reply = await new Promise<string>((res, rej) => {
      const s = connect(Number(main.outputs.port), '127.0.0.1');
      s.setEncoding('utf8').on('data', res).on('error', rej);
    });
    expect(reply).toBe('refused\n');

    const revokeLog = join(main.job.runnerTemp, 'revoked.log');
    const post = await runPost(main, revokeLog);
    expect(post.commands.filter((c) => c.command === 'error')).toEqual([]);
    expect(post.code).toBe(0);
    expect(isRunning(pid)).toBe(false);
    expect(readFileSync(revokeLog, 'utf8')).toBe('lease-1\n');

    const name = `lifecycle-${main.job.job}-${main.job.runAttempt}`;
    const files = emulator.files(name);
    const jsonl = files.get('transcript.jsonl')!.toString('utf8');
    // Four events; how many seals the chain has depends on how the gateway's writes fell.
    const written = jsonl.trimEnd().split('\n').length;
    expect(readTranscript(jsonl).lines).toHaveLength(4);
    expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, lines: written, complete: true });
    expect(post.summary).toContain(`Head: <code>${verifyTranscript(jsonl).head}</code> at line ${written}.`);
    expect(readTranscript(jsonl).lines.at(-1)).toMatchObject({ type: 'gateway.stop' });
    expect(files.get('transcript.html')!.toString('utf8')).toContain('<!doctype html>');

    expect(post.summary).toContain('### Blocked statements');
    expect(post.summary).toContain('DROP TABLE users');
    expect(post.summary).toContain('A standing credential (static DSN)');
    expect(post.summary).toContain(`Hash chain intact, ${written} lines.`);
    for (const secret of [password, 'lease-pw-secret', 'ghs_lifecycle_token']) {
      expect(post.summary).not.toContain(secret);
      expect(post.log).not.toContain(secret);
      expect(main.log).not.toContain(secret);
      expect(jsonl).not.toContain(secret);
    }
    const runDir = main.state['run-dir']!;
    expect(existsSync(join(runDir, 'config.json'))).toBe(false);
    expect(existsSync(join(runDir, 'ready.json'))).toBe(false);
  });

  it('still uploads and summarises what was recorded when the daemon was killed before post', async () => {
    const main = await runMain();
    const pid = Number(main.state['daemon-pid']);
    process.kill(-pid, 'SIGKILL');
    for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));

    const post = await runPost(main, join(main.job.runnerTemp, 'revoked.log'));
    expect(post.code).toBe(1);
    expect(post.commands.filter((c) => c.command === 'error').map((c) => c.message)).toEqual([
      'the transcript ends without gateway.stop: the gateway did not shut down cleanly',
      'post found problems',
    ]);
    const report = JSON.parse(post.outputs.report!);
    expect(report.stopped).toEqual({ wasRunning: false, forced: false });
    expect(report.revoked).toBe(true);
    const jsonl = emulator
      .files(`lifecycle-${main.job.job}-${main.job.runAttempt}`)
      .get('transcript.jsonl')!
      .toString('utf8');
    // gateway.start, sealed.
    expect(readTranscript(jsonl).lines.map((l) => l.type)).toEqual(['gateway.start']);
    expect(verifyTranscript(jsonl)).toMatchObject({ ok: true, lines: 2, complete: false });
    expect(post.summary).toContain('Hash chain intact, 2 lines.');
    expect(post.summary).toContain('> The transcript ends without gateway.stop');
  });

  it('fails post, and says why, when the upload is refused', async () => {
    const main = await runMain();
    // The same artifact name again in the same run: the service refuses it.
    const first = await runPost(main, join(main.job.runnerTemp, 'revoked.log'));
    expect(first.code).toBe(0);
    const again = await runMain();
    const post = await runPost(
      { ...again, job: main.job, state: again.state },
      join(main.job.runnerTemp, 'r2.log'),
    );
    expect(post.code).toBe(1);
    expect(post.commands.find((c) => c.command === 'error')?.message).toMatch(
      /^uploading the transcript: .*already exists/,
    );
    expect(isRunning(Number(again.state['daemon-pid']))).toBe(false);
    expect(post.summary).toContain('Not uploaded.');
  });
});
