// Runs a JavaScript action entry point (dist/main.js, dist/post.js, or any bundled script) the way
// the GitHub Actions runner does for `runs.using: node24`: `node <script>` in GITHUB_WORKSPACE with
// a fresh environment made of the job context, INPUT_* variables and fresh file-command files per
// step; afterwards the file commands are read back with the runner's own rules.
import { spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles TypeScript source (imports relative to the repository root) into one ESM file the way
 * scripts/build.mjs bundles dist/, so a test can run a small entry point as an action step.
 */
export async function bundle(source: string, name: string): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'guardrail-bundle-')), `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: resolve('.'), loader: 'ts', sourcefile: `${name}.ts` },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __guardrailCreateRequire } from 'node:module'; const require = __guardrailCreateRequire(import.meta.url);",
    },
  });
  return outfile;
}

/** What stays the same for every step of one job. */
export interface JobContext {
  repository: string;
  repositoryId: string;
  owner: string;
  ownerId: string;
  runId: string;
  runAttempt: string;
  runNumber: string;
  job: string;
  workflow: string;
  ref: string;
  sha: string;
  actor: string;
  actorId: string;
  eventName: string;
  serverUrl: string;
  apiUrl: string;
  workspace: string;
  runnerTemp: string;
  /** The runner kills every process carrying this value in its environment when the job ends. */
  trackingId: string;
}

export function newJob(overrides: Partial<JobContext> = {}): JobContext {
  const root = mkdtempSync(join(tmpdir(), 'guardrail-job-'));
  const workspace = overrides.workspace ?? join(root, 'workspace');
  const runnerTemp = overrides.runnerTemp ?? join(root, 'temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  return {
    repository: 'octo-org/app',
    repositoryId: '123456789',
    owner: 'octo-org',
    ownerId: '987654',
    runId: String(randomInt(1e9, 9e9)),
    runAttempt: '1',
    runNumber: '17',
    job: 'migrate',
    workflow: 'migrate',
    ref: 'refs/heads/main',
    sha: randomUUID().replaceAll('-', '').padEnd(40, '0'),
    actor: 'octocat',
    actorId: '583231',
    eventName: 'push',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    trackingId: `github_${randomUUID()}`,
    ...overrides,
    workspace,
    runnerTemp,
  };
}

/** A webhook payload with the fields actions read from `github.context.payload`. */
export function eventPayload(job: JobContext): Record<string, unknown> {
  const [, name] = job.repository.split('/');
  const repository = {
    id: Number(job.repositoryId),
    name,
    full_name: job.repository,
    private: true,
    owner: { login: job.owner, id: Number(job.ownerId), type: 'Organization' },
    default_branch: 'main',
    html_url: `${job.serverUrl}/${job.repository}`,
  };
  const sender = { login: job.actor, id: Number(job.actorId), type: 'User' };
  if (job.eventName === 'pull_request') {
    return {
      action: 'synchronize',
      number: 42,
      pull_request: {
        number: 42,
        state: 'open',
        html_url: `${job.serverUrl}/${job.repository}/pull/42`,
        user: sender,
        head: { ref: 'feature', sha: job.sha, repo: repository },
        base: { ref: 'main', sha: '0'.repeat(40), repo: repository },
      },
      repository,
      sender,
    };
  }
  if (job.eventName === 'workflow_dispatch') {
    return {
      inputs: {},
      ref: job.ref,
      repository,
      sender,
      workflow: `.github/workflows/${job.workflow}.yml`,
    };
  }
  if (job.eventName === 'schedule') return { schedule: '0 3 * * *', repository };
  return {
    ref: job.ref,
    before: '0'.repeat(40),
    after: job.sha,
    repository,
    pusher: { name: job.actor },
    sender,
    head_commit: { id: job.sha, message: 'migrate', author: { username: job.actor } },
  };
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface RunOptions {
  /** By input name as in action.yml, e.g. `{ 'broker-url': '…' }`. */
  inputs?: Record<string, string>;
  /** Extra environment (step `env:`, GITHUB_ENV of earlier steps, ACTIONS_* service variables). */
  env?: Record<string, string>;
  /** State saved by the main step: becomes STATE_<name> (run the post step with main's `state`). */
  state?: Record<string, string>;
  job?: JobContext;
  /** Overrides the payload built by eventPayload(). */
  eventPayload?: Record<string, unknown>;
  /** Defaults to the workspace, as on the runner. */
  cwd?: string;
  /** The step fails the test if it runs longer; the process group is killed. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout then stderr as the runner would show them: add-mask lines gone, secrets as ***. */
  log: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  /** Variables exported with GITHUB_ENV, for later steps. */
  env: Record<string, string>;
  path: string[];
  summary: string;
  commands: WorkflowCommand[];
  masks: string[];
  job: JobContext;
}

/**
 * Reads a file-command file (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE) as the runner does: each
 * record is either `name=value` on one line or `name<<DELIMITER`, the value's lines, and a line
 * that is exactly DELIMITER. A heredoc without its closing delimiter fails the step.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = line.indexOf('<<');
    const equals = line.indexOf('=');
    if (heredoc > 0 && (equals < 0 || heredoc < equals)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (delimiter === '') throw new Error(`invalid format '${line}': delimiter is empty`);
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      if (i >= lines.length) throw new Error(`invalid value: matching delimiter not found '${delimiter}'`);
      out[name] = value.join('\n');
    } else if (equals > 0) {
      out[line.slice(0, equals)] = line.slice(equals + 1);
    } else {
      throw new Error(`invalid format '${line}'`);
    }
  }
  return out;
}

function unescapeCommand(s: string, property: boolean): string {
  let r = s.replaceAll('%0D', '\r').replaceAll('%0A', '\n');
  if (property) r = r.replaceAll('%3A', ':').replaceAll('%2C', ',');
  return r.replaceAll('%25', '%');
}

/** Workflow commands (`::name k=v,k2=v2::message`) in a step's stdout. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq)] = unescapeCommand(pair.slice(eq + 1), true);
    }
    commands.push({ command: m[1]!, properties, message: unescapeCommand(m[3]!, false) });
  }
  return commands;
}

/** INPUT_<NAME>: upper-cased, spaces to underscores, hyphens kept (as the runner names them). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replaceAll(' ', '_').toUpperCase()}`;
}

function maskLog(text: string, masks: string[]): string {
  const lines = text.split('\n').filter((l) => !l.startsWith('::add-mask::'));
  let out = lines.join('\n');
  for (const secret of [...masks].sort((a, b) => b.length - a.length)) {
    if (secret) out = out.replaceAll(secret, '***');
  }
  return out;
}

export async function runAction(script: string, options: RunOptions = {}): Promise<RunResult> {
  const job = options.job ?? newJob();
  const stepDir = mkdtempSync(join(job.runnerTemp, '_runner_file_commands-'));
  const files = {
    GITHUB_OUTPUT: join(stepDir, `set_output_${randomUUID()}`),
    GITHUB_STATE: join(stepDir, `save_state_${randomUUID()}`),
    GITHUB_ENV: join(stepDir, `set_env_${randomUUID()}`),
    GITHUB_PATH: join(stepDir, `add_path_${randomUUID()}`),
    GITHUB_STEP_SUMMARY: join(stepDir, `step_summary_${randomUUID()}`),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const eventPath = join(stepDir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(options.eventPayload ?? eventPayload(job)));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: job.repository,
    GITHUB_REPOSITORY_ID: job.repositoryId,
    GITHUB_REPOSITORY_OWNER: job.owner,
    GITHUB_REPOSITORY_OWNER_ID: job.ownerId,
    GITHUB_RUN_ID: job.runId,
    GITHUB_RUN_ATTEMPT: job.runAttempt,
    GITHUB_RUN_NUMBER: job.runNumber,
    GITHUB_JOB: job.job,
    GITHUB_WORKFLOW: job.workflow,
    GITHUB_WORKFLOW_REF: `${job.repository}/.github/workflows/${job.workflow}.yml@${job.ref}`,
    GITHUB_REF: job.ref,
    GITHUB_REF_NAME: job.ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_SHA: job.sha,
    GITHUB_ACTOR: job.actor,
    GITHUB_ACTOR_ID: job.actorId,
    GITHUB_TRIGGERING_ACTOR: job.actor,
    GITHUB_EVENT_NAME: job.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SERVER_URL: job.serverUrl,
    GITHUB_API_URL: job.apiUrl,
    GITHUB_GRAPHQL_URL: `${job.apiUrl}/graphql`,
    GITHUB_WORKSPACE: job.workspace,
    GITHUB_ACTION: 'guard',
    GITHUB_ACTION_REPOSITORY: 'org/guardrail-action',
    GITHUB_ACTION_REF: 'v1',
    GITHUB_RETENTION_DAYS: '90',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'GitHub Actions 1',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: job.runnerTemp,
    RUNNER_TRACKING_ID: job.trackingId,
    ...files,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) env[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const child = spawn(process.execPath, [script], {
    cwd: options.cwd ?? job.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(`${script} ran longer than ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`),
        );
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (c, s) => {
        clearTimeout(timer);
        resolve({ code: c, signal: s });
      });
    },
  );
  const commands = parseWorkflowCommands(stdout);
  const masks = commands.filter((c) => c.command === 'add-mask').map((c) => c.message);
  return {
    code,
    signal,
    stdout,
    stderr,
    log: maskLog(`${stdout}${stderr}`, masks),
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    env: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
    path: readFileSync(files.GITHUB_PATH, 'utf8').split(/\r?\n/).filter(Boolean),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    commands,
    masks,
    job,
  };
}

/**
 * The runner's end-of-job cleanup: kills every process whose environment carries the job's
 * RUNNER_TRACKING_ID (Linux /proc). Returns the pids it killed.
 */
export function reapTracked(trackingId: string): number[] {
  const killed: number[] = [];
  const marker = `RUNNER_TRACKING_ID=${trackingId}`;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (!environ.split('\0').includes(marker)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // Exited in the meantime.
    }
  }
  return killed;
}
