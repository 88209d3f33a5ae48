import { EOL } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundle,
  inputVariable,
  newJob,
  parseFileCommands,
  parseWorkflowCommands,
  runAction,
} from '../support/runner.js';

// A real @actions/core writes the file commands below; the runner's reading of them is what is tested.
const PROBE = `
import * as core from '@actions/core';
import { readInputs } from './src/action/inputs.ts';
import { publishConnection } from './src/action/outputs.ts';
import { loadRunState, saveDaemonPid, saveReady, saveRunDir } from './src/action/state.ts';

if (process.env.PROBE === 'post') {
  core.setOutput('state', JSON.stringify(loadRunState()));
  core.setOutput('env-url', process.env.DATABASE_URL ?? '');
  core.setOutput('cwd', process.cwd());
} else {
  let inputs;
  try {
    inputs = readInputs();
  } catch (err) {
    core.setFailed(err.message);
    process.exit();
  }
  const password = 'p@ss:w0rd';
  publishConnection(
    { pid: 7, url: 'postgres://gw:' + encodeURIComponent(password) + '@127.0.0.1:6543/app', host: '127.0.0.1', port: 6543, user: 'gw', password, database: 'app' },
    inputs.database,
    { exportEnv: inputs.exportEnv, transcriptPath: '/tmp/run/transcript.jsonl' },
  );
  saveRunDir('/tmp/run');
  saveDaemonPid(4242);
  saveReady();
  core.setOutput('multi', 'line one\\nline two=2\\nthree<<x');
  core.setOutput('inputs', JSON.stringify(inputs));
  core.notice('policy file missing, default policy in use', { title: 'guardrail' });
  core.info('connect with password ' + password);
  await core.summary.addRaw('## probe').write();
}
`;

let script: string;

beforeAll(async () => {
  script = await bundle(PROBE, 'probe');
});

describe('parseFileCommands', () => {
  it('reads heredoc records with multi-line values and key=value lines', () => {
    const d = 'ghadelimiter_0f4b8c2e-1111-2222-3333-444455556666';
    const text = [
      `url<<${d}`,
      'postgres://a',
      d,
      `multi<<${d}`,
      'one',
      '',
      'two=2 <<x',
      d,
      'legacy=a=b',
      '',
    ].join(EOL);
    expect(parseFileCommands(text)).toEqual({
      url: 'postgres://a',
      multi: 'one\n\ntwo=2 <<x',
      legacy: 'a=b',
    });
  });

  it('reads CRLF files and lets a later record win', () => {
    expect(parseFileCommands('a<<EOF\r\nx\r\nEOF\r\na=y\r\n')).toEqual({ a: 'y' });
  });

  it('fails on a heredoc without its delimiter, as the runner does', () => {
    expect(() => parseFileCommands('a<<EOF\nvalue\n')).toThrow(/matching delimiter not found 'EOF'/);
    expect(() => parseFileCommands('just text\n')).toThrow(/invalid format/);
  });

  it('parses workflow commands with escaped properties and messages', () => {
    expect(
      parseWorkflowCommands(
        'x\n::error title=a%3Ab%2Cc,file=f.sql::line1%0Aline2 100%25\n::add-mask::s3cr3t\n',
      ),
    ).toEqual([
      { command: 'error', properties: { title: 'a:b,c', file: 'f.sql' }, message: 'line1\nline2 100%' },
      { command: 'add-mask', properties: {}, message: 's3cr3t' },
    ]);
  });

  it('names inputs as the runner does', () => {
    expect(inputVariable('broker-url')).toBe('INPUT_BROKER-URL');
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT');
  });
});

describe('runAction with a bundled script', () => {
  const inputs = {
    database: 'postgres',
    upstream: 'db.internal:5432/app',
    credentials: 'broker',
    'broker-url': 'https://broker.example.com',
    'export-env': 'true',
    'github-token': 'ghs_probe_token',
  };

  it('passes inputs, collects outputs, state, env, summary and masks, and runs post with the state', async () => {
    const main = await runAction(script, { inputs });
    expect(main.stderr).toBe('');
    expect(main.code).toBe(0);
    expect(JSON.parse(main.outputs.inputs!)).toMatchObject({
      credentials: { kind: 'broker', url: 'https://broker.example.com' },
      exportEnv: true,
    });
    expect(main.outputs).toMatchObject({
      url: 'postgres://gw:p%40ss%3Aw0rd@127.0.0.1:6543/app',
      host: '127.0.0.1',
      port: '6543',
      user: 'gw',
      password: 'p@ss:w0rd',
      'transcript-path': '/tmp/run/transcript.jsonl',
      multi: 'line one\nline two=2\nthree<<x',
    });
    expect(main.state).toEqual({ 'run-dir': '/tmp/run', 'daemon-pid': '4242', ready: 'true' });
    expect(main.env).toEqual({
      DATABASE_URL: 'postgres://gw:p%40ss%3Aw0rd@127.0.0.1:6543/app',
      PGHOST: '127.0.0.1',
      PGPORT: '6543',
      PGUSER: 'gw',
      PGPASSWORD: 'p@ss:w0rd',
      PGDATABASE: 'app',
    });
    expect(main.summary).toBe('## probe');
    expect(main.masks).toEqual(expect.arrayContaining(['ghs_probe_token', 'p@ss:w0rd', 'p%40ss%3Aw0rd']));
    expect(main.commands).toContainEqual({
      command: 'notice',
      properties: { title: 'guardrail' },
      message: 'policy file missing, default policy in use',
    });
    expect(main.stdout).toContain('connect with password p@ss:w0rd');
    expect(main.log).toContain('connect with password ***');
    expect(main.log).not.toContain('p@ss:w0rd');

    const post = await runAction(script, {
      job: main.job,
      inputs,
      state: main.state,
      env: { ...main.env, PROBE: 'post' },
    });
    expect(post.code).toBe(0);
    expect(JSON.parse(post.outputs.state!)).toEqual({ runDir: '/tmp/run', daemonPid: 4242, ready: true });
    expect(post.outputs['env-url']).toBe(main.env.DATABASE_URL);
    expect(post.outputs.cwd).toBe(main.job.workspace);
  });

  it('fails the step with every input problem in one error annotation', async () => {
    const result = await runAction(script, { inputs: { ...inputs, database: 'oracle', mode: 'loud' } });
    expect(result.code).toBe(1);
    const errors = result.commands.filter((c) => c.command === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe(
      "invalid inputs:\n  - database: 'oracle' is not one of postgres, mysql\n  - mode: 'loud' is not one of enforce, audit, dry-run",
    );
    expect(result.outputs).toEqual({});
    expect(result.state).toEqual({});
  });

  it('gives each run its own context unless a job is shared, and a real event payload', async () => {
    const a = await runAction(script, { inputs, env: { PROBE: 'post' } });
    const b = await runAction(script, { inputs, env: { PROBE: 'post' } });
    expect(a.job.runId).not.toBe(b.job.runId);
    expect(a.job.trackingId).not.toBe(b.job.trackingId);
    expect(a.outputs.cwd).toBe(a.job.workspace);
  });
});

describe('event payload file', () => {
  it('is written where GITHUB_EVENT_PATH points and read by @actions/github', async () => {
    const bundled = await bundle(
      `import * as core from '@actions/core'; import { context } from '@actions/github';
      core.setOutput('pr', String(context.payload.pull_request?.number ?? ''));
      core.setOutput('repo', context.repo.owner + '/' + context.repo.repo);
      core.setOutput('sha', context.sha);`,
      'event',
    );
    const job = newJob({ eventName: 'pull_request', repository: 'acme/shop' });
    const result = await runAction(bundled, { job });
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({ pr: '42', repo: 'acme/shop', sha: job.sha });
  });
});
