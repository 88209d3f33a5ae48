// The world the end-to-end action tests run in: a throwaway PostgreSQL, an OIDC issuer shaped
// like GitHub's, the credential broker bound to it, and per-test GitHub API and artifact service
// emulators. The committed dist/main.js and dist/post.js run under the simulated runner.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ArtifactEmulator, startArtifactEmulator } from '../support/artifact-emulator.js';
import { type BrokerHarness, startBrokerHarness } from '../support/broker-harness.js';
import { GitHubEmulator } from '../support/github-emulator.js';
import { type OidcIssuer, startOidcIssuer } from '../support/oidc-issuer.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { type JobContext, newJob, type RunResult, reapTracked, runAction } from '../support/runner.js';

/**
 * The committed bundles, copied where no node_modules can be found from them: the action runs
 * from its checkout without dependencies installed.
 */
export const DIST = join(mkdtempSync(join(tmpdir(), 'guardrail-action-')), 'dist');
cpSync(resolve('dist'), DIST, { recursive: true });
export const REVOKE_KEY = 'revocation-key-for-e2e-0123456789abcdef';

export interface World {
  db: PgServer;
  issuer: OidcIssuer;
  broker: BrokerHarness;
  close(): Promise<void>;
}

/** One broker target (and database) per scenario, so scenarios cannot see each other's tables. */
function brokerYaml(issuer: string, targets: string[]): string {
  const claims = `
    claims:
      repository_id: 123456789
      repository_owner_id: 987654
      ref: refs/heads/main
      event_name: push
      runner_environment: github-hosted`;
  return `
issuer: ${issuer}
audience: guardrail-broker
max-ttl: 1h
revocation-key: { env: REVOKE_KEY }
rate-limit: { burst: 50, per-minute: 600 }
targets:
${targets.map((t) => `  ${t}:\n    dialect: postgres\n    admin: { env: ADMIN_DSN_${t.toUpperCase()} }`).join('\n')}
bindings:
${targets.map((t) => `  - name: ${t}\n    target: ${t}\n    role: app_migrator\n    owner-role: app_owner\n    ttl: 15m${claims}`).join('\n')}
`;
}

/** The sample schema every scenario's database starts with, owned by the role sessions run as. */
const SCHEMA = `
  CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL);
  INSERT INTO customers (name, email) SELECT 'c' || g, 'c' || g || '@example.com' FROM generate_series(1, 25) g;
  ALTER TABLE customers OWNER TO app_owner;
  GRANT CREATE ON SCHEMA public TO app_owner;
`;

export async function startWorld(targets: string[]): Promise<World> {
  const [db, issuer] = await Promise.all([startPostgres(), startOidcIssuer()]);
  await db.query('CREATE ROLE app_owner NOLOGIN; CREATE ROLE app_migrator NOLOGIN;');
  const env: NodeJS.ProcessEnv = { REVOKE_KEY };
  for (const t of targets) {
    await db.query(`CREATE DATABASE ${t}`);
    const c = await db.client(t);
    try {
      await c.query(SCHEMA);
    } finally {
      await c.end();
    }
    env[`ADMIN_DSN_${t.toUpperCase()}`] = db.url(t);
  }
  const broker = await startBrokerHarness(brokerYaml(issuer.issuer, targets), env);
  return {
    db,
    issuer,
    broker,
    async close() {
      await broker.close();
      await Promise.all([db.stop(), issuer.close()]);
    },
  };
}

export interface Scenario {
  job: JobContext;
  gh: GitHubEmulator;
  pr: number;
  artifacts: ArtifactEmulator;
  inputs: Record<string, string>;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startScenario(
  world: World,
  database: string,
  inputs: Record<string, string> = {},
): Promise<Scenario> {
  const gh = await GitHubEmulator.start();
  const artifacts = await startArtifactEmulator();
  const job = newJob({ apiUrl: gh.url });
  gh.setPermission('alice', 'maintain');
  gh.setPermission(job.actor, 'admin');
  const pr = gh.addPullRequest({ author: 'pr-author', headSha: job.sha });
  return {
    job,
    gh,
    pr: pr.number,
    artifacts,
    inputs: {
      database: 'postgres',
      upstream: `127.0.0.1:${world.db.port}/${database}`,
      credentials: 'broker',
      'broker-url': world.broker.url,
      audience: 'guardrail-broker',
      'github-token': gh.token,
      'approval-timeout': '2m',
      // Signing needs Sigstore (emulated only where a test starts it: action-attestation.test.ts).
      attest: 'false',
      ...inputs,
    },
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: world.issuer.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: world.issuer.requestToken,
      ...artifacts.env,
    },
    async close() {
      reapTracked(job.trackingId);
      await Promise.all([gh.close(), artifacts.close()]);
    },
  };
}

export function runMain(s: Scenario): Promise<RunResult> {
  return runAction(join(DIST, 'main.js'), {
    job: s.job,
    inputs: s.inputs,
    env: s.env,
    timeoutMs: 180_000,
  });
}

export function runPost(s: Scenario, main: RunResult): Promise<RunResult> {
  return runAction(join(DIST, 'post.js'), {
    job: s.job,
    inputs: s.inputs,
    state: main.state,
    env: { ...s.env, ...main.env },
    timeoutMs: 60_000,
  });
}

/** The ids of the approval requests posted on the pull request, in order; waits for the `n`th. */
/** The approval command exactly as the request comment shows it: request id and statement hash. */
export function approvalCommand(gh: GitHubEmulator, id: string): string {
  const body = gh.findComment(`<!-- guardrail:request:${id} -->`)?.body ?? '';
  const line = body.split('\n').find((l) => l.startsWith(`/guardrail approve ${id} `));
  if (!line) throw new Error(`the request ${id} shows no approval command`);
  return line;
}

export async function waitForRequest(
  gh: GitHubEmulator,
  pr: number,
  n = 1,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = gh
      .commentsOn(pr)
      .map((c) => /<!-- guardrail:request:(gr-[0-9a-f]+) -->/.exec(c.body)?.[1])
      .filter((id): id is string => !!id);
    if (ids.length >= n) return ids[n - 1]!;
    if (Date.now() > deadline) throw new Error(`approval request ${n} was not posted on #${pr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Exited {
  code: number | null;
  output: string;
}

/** Starts a client step (psql, node-pg-migrate) and collects what it prints. */
export function startClient(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<Exited>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res({ code, output }));
  });
  return { child, exited };
}

/** psql from the system's PostgreSQL, or whatever psql is on PATH. */
export function psqlPath(): string {
  for (const v of ['18', '17', '16', '15']) {
    const p = `/usr/lib/postgresql/${v}/bin/psql`;
    if (existsSync(p)) return p;
  }
  return 'psql';
}

/** Every value the steps asked the runner to mask. */
export function maskedValues(...runs: RunResult[]): string[] {
  return [...new Set(runs.flatMap((r) => r.masks))].filter((m) => m.length > 0);
}

/** What a step printed, as it printed it (before the runner replaces masked values). */
export function rawLog(r: RunResult): string {
  return `${r.stdout}${r.stderr}`
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

export function daemonLog(main: RunResult): string {
  const path = join(main.state['run-dir'] ?? '', 'daemon.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

export async function loginRoles(db: PgServer): Promise<string[]> {
  const rows = await db.query<{ rolname: string }>(
    "SELECT rolname FROM pg_roles WHERE rolname LIKE 'gr\\_%' ORDER BY 1",
  );
  return rows.map((r) => r.rolname);
}

export async function tableRows(db: PgServer, database: string, table: string): Promise<number | null> {
  const c = await db.client(database);
  try {
    const exists = await c.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
    if (!exists.rows[0]?.t) return null;
    const n = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(n.rows[0]?.n);
  } finally {
    await c.end();
  }
}
