// `guardrail demo`: the whole idea in thirty seconds on a fresh machine. A throwaway PostgreSQL
// with a sample shop, the gateway in front of it, and the example migrations run through the
// gateway by a real client. The third migration drops the wrong table: the gateway holds it,
// shows the approval request exactly as it would be posted on the pull request, and a stand-in
// reviewer denies it (or approves it with --approve). Then the table is counted, and the
// transcript and its HTML replay are left for the reader.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { commandFor, requestHash } from '../approvals/commands.js';
import { renderComment } from '../approvals/render.js';
import type { ApprovalChannel, ApprovalOutcome, ApprovalRequest, JobInfo } from '../approvals/types.js';
import { createGatewayContext } from '../gateway/context.js';
import { startPostgresGateway } from '../gateway/postgres/listener.js';
import { postgresSide } from '../gateway/postgres/side-connection.js';
import { FileRecorder } from '../gateway/transcript-file.js';
import { defaultPolicy } from '../policy/defaults.js';
import type { ApprovalPolicy } from '../policy/types.js';
import { readTranscript } from '../transcript/read.js';
import { renderHtml } from '../transcript/render-html.js';
import { verifyTranscript } from '../transcript/verify.js';
import { command, parse, selfCommand } from './args.js';
import { type DemoPostgres, startDemoPostgres } from './demo-postgres.js';

export const spec = command({
  name: 'demo',
  summary: 'a throwaway PostgreSQL, the gateway and three migrations; the third is held for approval',
  description: [
    'Starts an embedded PostgreSQL with a sample shop, puts the gateway in front of it with the',
    'built-in policy and runs examples/migrations through it with a real client. The third',
    'migration drops the wrong table: the gateway holds it, shows the pull-request comment it',
    'would post, and a stand-in reviewer denies it. Exit code 0 when the DROP was refused (or,',
    'with --approve, approved) and the transcript verifies.',
  ],
  options: {
    approve: { type: 'boolean', description: 'the stand-in reviewer approves the DROP instead' },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'where the transcript and HTML replay go (default: a new temporary directory)',
    },
    'no-color': {
      type: 'boolean',
      description: 'no colours (also when stdout is not a terminal or NO_COLOR is set)',
    },
  },
  examples: [
    { args: '' },
    { args: '--approve --out demo-out', note: 'the approved path, output kept in ./demo-out' },
  ],
});

const DATABASE = 'shop';
const REVIEWER = 'demo-reviewer';

/** examples/ ships beside dist/ in the repository and the package. */
function examplesDir(): string {
  return fileURLToPath(new URL('../examples/', import.meta.url));
}

interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

function style(color: boolean): Style {
  const sgr = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { bold: sgr('1'), dim: sgr('2'), red: sgr('31'), green: sgr('32'), yellow: sgr('33') };
}

/**
 * The demo's reviewer: shows the request as the GitHub channel would post it, then decides at
 * once. It denies unless the demo was started with --approve.
 */
class DemoApprovals implements ApprovalChannel {
  readonly name = 'demo';
  readonly requests: ApprovalRequest[] = [];

  constructor(
    private readonly approve: boolean,
    private readonly policy: ApprovalPolicy,
    private readonly print: (text: string) => void,
    private readonly s: Style,
  ) {}

  async request(request: ApprovalRequest): Promise<ApprovalOutcome> {
    this.requests.push(request);
    const comment = renderComment(request, { policy: this.policy, now: new Date() });
    this.print(this.s.yellow(`  ⏸  held: the gateway asks for approval (${request.id})`));
    this.print(this.s.dim('     the comment it would post on the pull request:'));
    this.print(this.s.dim(`     ${'─'.repeat(72)}`));
    for (const line of comment.trimEnd().split('\n')) this.print(`     │ ${line}`);
    this.print(this.s.dim(`     ${'─'.repeat(72)}`));
    const hashes = request.statements.map((st) => st.hash);
    if (this.approve) {
      this.print(
        this.s.green(
          `  ✔  @${REVIEWER} comments: ${commandFor('approve', request.id, requestHash(request))}`,
        ),
      );
      return { decision: 'approved', by: [REVIEWER], decidedAt: new Date().toISOString(), hashes };
    }
    this.print(this.s.red(`  ✖  @${REVIEWER} comments: /guardrail deny ${request.id} wrong table`));
    return {
      decision: 'denied',
      by: [REVIEWER],
      reason: 'wrong table',
      decidedAt: new Date().toISOString(),
      hashes: [],
    };
  }
}

const DEMO_JOB: JobInfo = {
  repository: 'your-org/your-app',
  serverUrl: 'https://github.com',
  runId: '1',
  runAttempt: '1',
  job: 'migrate',
  workflow: 'migrate',
  ref: 'refs/heads/main',
  sha: '',
  actor: 'you',
  eventName: 'workflow_dispatch',
};

async function adminQuery<T extends pg.QueryResultRow>(db: DemoPostgres, database: string, sql: string) {
  const c = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
  await c.connect();
  try {
    return await c.query<T>(sql);
  } finally {
    await c.end();
  }
}

async function countCustomers(db: DemoPostgres): Promise<number | null> {
  const exists = await adminQuery<{ t: string | null }>(
    db,
    DATABASE,
    "SELECT to_regclass('public.customers')::text AS t",
  );
  if (!exists.rows[0]?.t) return null;
  const n = await adminQuery<{ n: string }>(db, DATABASE, 'SELECT count(*) AS n FROM customers');
  return Number(n.rows[0]?.n);
}

function describeResult(result: pg.QueryResult | pg.QueryResult[]): string {
  const all = Array.isArray(result) ? result : [result];
  return all.map((r) => (r.rowCount === null ? r.command : `${r.command} ${r.rowCount}`)).join(', ');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, spec);
  const s = style(!values['no-color'] && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const print = (text = '') => process.stdout.write(`${text}\n`);
  const started = Date.now();
  const outDir = values.out ? resolve(values.out) : mkdtempSync(join(tmpdir(), 'guardrail-demo-'));
  mkdirSync(outDir, { recursive: true });
  const transcriptPath = join(outDir, 'transcript.jsonl');
  const htmlPath = join(outDir, 'transcript.html');
  const examples = examplesDir();
  const migrationsDir = join(examples, 'migrations');

  print(s.bold('guardrail demo'));
  print(s.dim('A database, a gateway in front of it, and three migrations. The third one is wrong.'));
  print();
  print(s.bold('1. Setting up'));
  const db = await startDemoPostgres();
  try {
    print(`  ✔  PostgreSQL started on ${db.host}:${db.port} ${s.dim(`(${db.version}, throwaway)`)}`);
    await adminQuery(db, 'postgres', `CREATE DATABASE ${DATABASE}`);
    await adminQuery(db, DATABASE, readFileSync(join(examples, 'demo', 'schema.sql'), 'utf8'));
    print(`  ✔  sample schema loaded: ${await countCustomers(db)} customers, with their orders`);

    const policy = defaultPolicy();
    const recorder = new FileRecorder(transcriptPath);
    const approvals = new DemoApprovals(values.approve === true, policy.approvals, print, s);
    const upstream = {
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: DATABASE,
      sslmode: 'disable' as const,
    };
    // The side connection gives the reviewer an impact estimate, as the action's daemon does.
    const side = postgresSide(upstream);
    const context = await createGatewayContext({
      dialect: 'postgres',
      policy,
      recorder,
      approvals,
      job: DEMO_JOB,
      database: { name: DATABASE, host: `${db.host}:${db.port}`, role: db.user },
      side: { dialect: 'postgres', connection: side },
    });
    const gateway = await startPostgresGateway({
      upstream,
      context,
      masking: context.masking,
      catalog: side,
      version: 'demo',
    });
    print(
      `  ✔  gateway listening on ${gateway.host}:${gateway.port} ${s.dim('(built-in policy: destructive statements need approval)')}`,
    );
    print();

    print(s.bold('2. Running examples/migrations through the gateway'));
    const client = new pg.Client({ connectionString: gateway.url });
    client.on('error', () => undefined);
    await client.connect();
    let refused = 0;
    try {
      const files = readdirSync(migrationsDir)
        .filter((f) => f.endsWith('.sql'))
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      for (const file of files) {
        print(`  ▶  ${file}`);
        try {
          const result = await client.query(readFileSync(join(migrationsDir, file), 'utf8'));
          print(s.green(`  ✔  applied: ${describeResult(result)}`));
        } catch (err) {
          refused++;
          const e = err as Error & { code?: string };
          print(s.red(`  ✖  the client got an error${e.code ? ` (SQLSTATE ${e.code})` : ''}:`));
          print(`     ${e.message}`);
        }
      }
    } finally {
      await client.end();
      await gateway.close('demo finished');
      await side.close();
      recorder.close();
    }
    print();

    print(s.bold('3. The database afterwards'));
    const customers = await countCustomers(db);
    print(
      customers === null
        ? s.yellow('  ⚠  customers: the table is gone (you approved the DROP)')
        : s.green(`  ✔  customers: ${customers} rows, the table is intact`),
    );
    print();

    const text = readFileSync(transcriptPath, 'utf8');
    const verify = verifyTranscript(text);
    const events = readTranscript(text).lines;
    writeFileSync(htmlPath, renderHtml(events, { title: 'guardrail demo', verify }));
    print(s.bold('4. The record'));
    print(
      `  transcript:   ${transcriptPath} ${s.dim(`(${events.length} events, hash chain ${verify.ok ? 'intact' : 'BROKEN'})`)}`,
    );
    print(`  HTML replay:  ${htmlPath}`);
    print(`  verify it:    ${selfCommand()} replay ${transcriptPath} --verify`);
    print();
    print(
      s.dim(
        `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. ${
          values.approve ? '' : `Run \`${selfCommand()} demo --approve\` to see an approved DROP go through. `
        }In CI, the same gateway runs as a GitHub Action step: see README.md.`,
      ),
    );
    return verify.ok && (values.approve === true || refused > 0) ? 0 : 1;
  } finally {
    await db.stop();
  }
}
