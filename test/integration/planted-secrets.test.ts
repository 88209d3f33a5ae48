// Secrets planted in every field of every event kind — statement literals, bound parameters,
// server error messages and details, notices, row samples, comments, an AWS key pair — through
// the real gateway (both dialects, real servers, real clients, the GitHub approval channel against
// the emulator). Then every output the run produces is searched for each of them: the transcript
// JSONL, the HTML and text replays, the job summary, the dry-run report and approval comments on
// the pull request, and everything the gateway and the channel logged.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postReport, renderReport } from '../../src/action/report.js';
import { renderSummary } from '../../src/action/summary.js';
import { GitHubChannel } from '../../src/approvals/github.js';
import type { JobInfo } from '../../src/approvals/types.js';
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { Dialect } from '../../src/sql/types.js';
import { readTranscript } from '../../src/transcript/read.js';
import { renderHtml } from '../../src/transcript/render-html.js';
import { renderText } from '../../src/transcript/render-text.js';
import { verifyTranscript } from '../../src/transcript/verify.js';
import { connectThrough, mysqlGatewayWithSide, pgGatewayWithSide } from '../support/gateway-with-side.js';
import { GitHubEmulator } from '../support/github-emulator.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

const SHA = 'cafe'.padEnd(40, '0');
const AWS_ID = 'AKIAIOSFODNN7EXAMPLE';

/** A value no detector knows by its shape: only where it goes can mark it secret. */
function planted(field: string): string {
  return `Pl${randomBytes(6).toString('hex')}${field}`;
}

/** A bare number no detector knows by its shape (too short for a card, no key's prefix). */
function plantedNumber(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999));
}

let gh: GitHubEmulator;
let pgServer: PgServer;
let maria: MariaDbServer;
const dir = mkdtempSync(join(tmpdir(), 'guardrail-planted-'));

beforeAll(async () => {
  [gh, pgServer, maria] = await Promise.all([GitHubEmulator.start(), startPostgres(), startMariaDb()]);
}, 120_000);

afterAll(async () => {
  await gh?.close();
  await pgServer?.stop();
  await maria?.stop();
});

function job(): JobInfo {
  return {
    repository: gh.repository,
    serverUrl: 'https://github.com',
    runId: '4242',
    runAttempt: '1',
    job: 'migrate',
    workflow: 'secrets',
    ref: 'refs/heads/feature',
    sha: SHA,
    actor: 'octocat',
    eventName: 'pull_request',
  };
}

function payload(pr: number): unknown {
  return {
    number: pr,
    pull_request: {
      number: pr,
      user: { login: 'pr-author' },
      head: { sha: SHA, repo: { full_name: gh.repository } },
    },
    repository: { full_name: gh.repository },
  };
}

interface Run {
  gateway: GatewayHandle;
  transcriptPath: string;
  logs: string[];
  stop(): Promise<void>;
}

async function startGateway(dialect: Dialect, pr: number): Promise<Run> {
  const transcriptPath = join(dir, `${dialect}-${pr}.jsonl`);
  const recorder = new FileRecorder(transcriptPath);
  const logs: string[] = [];
  const eventPath = join(dir, `event-${dialect}-${pr}.json`);
  writeFileSync(eventPath, JSON.stringify(payload(pr)));
  const approvals = new GitHubChannel({
    token: gh.token,
    repository: gh.repository,
    policy: { ...defaultPolicy().approvals, timeoutMs: 1_500 },
    baseUrl: gh.url,
    eventPath,
    pollIntervalMs: 50,
    requestTimeoutMs: 5_000,
    retryBaseMs: 20,
    throttleId: randomBytes(6).toString('hex'),
    log: (m) => logs.push(m),
  });
  const common = {
    policy: defaultPolicy(),
    recorder,
    approvals,
    approvalTimeoutMs: 1_500,
    job: job(),
  };
  const running =
    dialect === 'postgres'
      ? await pgGatewayWithSide(pgServer, common)
      : await mysqlGatewayWithSide(maria, common);
  return {
    gateway: running.gateway,
    transcriptPath,
    logs,
    async stop() {
      await running.close();
      recorder.close();
    },
  };
}

/** Each output the run leaves, by name; HTML character references decoded. */
async function outputs(run: Run, pr: number): Promise<Record<string, string>> {
  const text = readFileSync(run.transcriptPath, 'utf8');
  const lines = readTranscript(text).lines;
  const verify = verifyTranscript(text);
  expect(verify.ok).toBe(true);
  const report = renderReport({ lines, job: job(), secrets: [] });
  const posted = await postReport({
    job: job(),
    report,
    token: gh.token,
    payload: payload(pr),
    baseUrl: gh.url,
    retryBaseMs: 10,
    timeoutMs: 10_000,
    log: (m) => run.logs.push(m),
  });
  expect(posted.action).not.toBe('failed');
  const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  return {
    transcript: text,
    html: decode(renderHtml(lines, { title: 'run', verify })),
    replay: renderText(lines, { color: false }),
    summary: decode(renderSummary({ lines, verify, standingCredential: false, secrets: [] })),
    comments: decode(
      gh
        .commentsOn(pr)
        .map((c) => c.body)
        .join('\n'),
    ),
    logs: run.logs.join('\n'),
  };
}

function expectAbsent(outs: Record<string, string>, secrets: Record<string, string>): void {
  const leaks: string[] = [];
  for (const [field, secret] of Object.entries(secrets))
    for (const [name, text] of Object.entries(outs))
      if (text.includes(secret)) leaks.push(`${field} in ${name}`);
  expect(leaks).toEqual([]);
}

describe('planted secrets never reach an output', () => {
  it('Postgres: literals, parameters, error details, notices, samples, comments, AWS keys', async () => {
    const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
    await pgServer.query(`
      CREATE TABLE acct (id serial PRIMARY KEY, name text NOT NULL, api_token text UNIQUE, note text);
      CREATE TABLE aws_keys (key_id text, key_secret text);
      CREATE TABLE junk (id int);`);
    const s = {
      literal: planted('literal'),
      param: planted('param'),
      failingRow: planted('row'),
      notice: planted('notice'),
      sample: planted('sample'),
      comment: planted('comment'),
      blockComment: planted('block'),
      review: planted('review'),
      update: planted('update'),
      aws: `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${randomBytes(5).toString('hex')}`,
      bareWord: planted('bare'),
      bareNumber: plantedNumber(),
      insertedNumber: plantedNumber(),
    };
    // The server folds an unquoted word to lower case: that is the value it echoes.
    const folded = s.bareWord.toLowerCase();
    const run = await startGateway('postgres', pr);
    const c = new pg.Client({ connectionString: run.gateway.url });
    await c.connect();
    const fails = async (sql: string, values?: unknown[]) => expect(c.query(sql, values)).rejects.toThrow();
    try {
      // Statement literal in a secret column, echoed by the unique violation's DETAIL.
      await c.query(`INSERT INTO acct (name, api_token) VALUES ('lit', '${s.literal}')`);
      await fails(`INSERT INTO acct (name, api_token) VALUES ('lit2', '${s.literal}')`);
      // Bound parameters of a secret column (extended protocol), echoed the same way.
      await c.query('INSERT INTO acct (name, api_token) VALUES ($1, $2)', ['par', s.param]);
      await fails('INSERT INTO acct (name, api_token) VALUES ($1, $2)', ['par2', s.param]);
      await c.query('UPDATE acct SET api_token = $1 WHERE name = $2', [s.update, 'par']);
      // A NOT NULL violation's "Failing row contains (…)".
      await fails(`INSERT INTO acct (name, api_token) VALUES (NULL, '${s.failingRow}')`);
      // A notice raised by user code, with a value read from the table.
      await c.query(`INSERT INTO acct (name, api_token) VALUES ('ntc', '${s.notice}')`);
      await c.query(
        `DO $$ BEGIN RAISE NOTICE 'rotated: %', (SELECT api_token FROM acct WHERE name = 'ntc'); END $$`,
      );
      // The rows sample: a secret column read under its own name and under an alias.
      await c.query(`INSERT INTO acct (name, api_token) VALUES ('smp', '${s.sample}')`);
      const read = await c.query("SELECT name, api_token FROM acct WHERE name = 'smp'");
      expect(read.rows[0].api_token).toBe(s.sample);
      await c.query("SELECT api_token AS t, note FROM acct WHERE name = 'smp'");
      // Comments.
      await c.query(`SELECT 1 -- deploy password: ${s.comment}`);
      await c.query(`SELECT 2 /* the admin password is ${s.blockComment} */`);
      // An AWS secret access key next to its key id.
      await c.query(`INSERT INTO aws_keys VALUES ('${AWS_ID}', '${s.aws}')`);
      // Unquoted values of secret-named settings (a word, a number) and a bare number inserted
      // into a secret column, echoed by the unique violation; read back under a name that does
      // not look secret, so only knowing the values keeps them out of the rows sample.
      await c.query(`SET app.api_token = ${s.bareWord}`);
      await c.query(`SET app.secret_pin TO ${s.bareNumber}`);
      const settings = await c.query(
        "SELECT current_setting('app.api' || '_tok' || 'en') AS w, current_setting('app.sec' || 'ret_pin') AS n",
      );
      expect(settings.rows[0]).toEqual({ w: folded, n: s.bareNumber });
      await c.query(`INSERT INTO acct (name, api_token) VALUES ('num', ${s.insertedNumber})`);
      await fails(`INSERT INTO acct (name, api_token) VALUES ('num2', ${s.insertedNumber})`);
      // A statement held for review: the approval comment on the pull request.
      await fails(`DROP TABLE junk -- the password is ${s.review}`);
    } finally {
      await c.end();
      await run.stop();
    }
    // The server really has the values: the test planted what it searches for.
    const rows = await pgServer.query<{ api_token: string }>('SELECT api_token FROM acct');
    expect(rows.map((r) => r.api_token).sort()).toEqual(
      [s.literal, s.update, s.notice, s.sample, s.insertedNumber].sort(),
    );
    const outs = await outputs(run, pr);
    expect(outs.transcript).toContain('"type":"notice"');
    expect(outs.transcript).toContain('"type":"rows"');
    expect(outs.comments).toContain('DROP TABLE junk');
    expectAbsent(outs, { ...s, folded });
  }, 60_000);

  it('Postgres with standard_conforming_strings off: a backslash-escaped quote does not end the literal early', async () => {
    const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
    const secret = planted('escaped');
    // One literal to the server with standard_conforming_strings off, holding the secret; read as
    // standard, the literal 'a\' followed by a bare word and a comment.
    const text = `SET app.api_token = 'a\\' ${secret} -- '\n`;
    // What the server makes of these bytes, asked directly (no gateway).
    const direct = await pgServer.client();
    try {
      await direct.query('SET standard_conforming_strings = off');
      await direct.query(text);
      const set = await direct.query("SELECT current_setting('app.api_token') AS v");
      expect(set.rows[0].v).toBe(`a' ${secret} -- `);
    } finally {
      await direct.end();
    }
    const run = await startGateway('postgres', pr);
    const c = new pg.Client({ connectionString: run.gateway.url });
    await c.connect();
    try {
      await c.query('SET standard_conforming_strings = off');
      // The analyzer cannot read it as the server would: held for review (the approval comment
      // quotes it), refused at the deadline, never run.
      await expect(c.query(text)).rejects.toThrow(/opaque\/unparseable/);
      const set = await c.query("SELECT current_setting('app.api_token', true) AS v");
      expect(set.rows[0].v ?? '').toBe('');
    } finally {
      await c.end();
      await run.stop();
    }
    const outs = await outputs(run, pr);
    for (const where of [outs.transcript, outs.comments])
      expect(where).toContain('SET app.api_token = [redacted: read with standard_conforming_strings off]');
    expectAbsent(outs, { secret });
  }, 60_000);

  it('MySQL: literals, prepared parameters, duplicate entries, SIGNAL text, samples, comments, AWS keys', async () => {
    const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
    await maria.admin(`
      CREATE TABLE ${maria.database}.acct (id int AUTO_INCREMENT PRIMARY KEY, name varchar(40) NOT NULL,
        api_token varchar(80), note text, UNIQUE KEY api_token (api_token));
      CREATE TABLE ${maria.database}.aws_keys (key_id varchar(40), key_secret varchar(80));
      CREATE TABLE ${maria.database}.junk (id int);`);
    const s = {
      literal: planted('literal'),
      param: planted('param'),
      signal: planted('signal'),
      sample: planted('sample'),
      comment: planted('comment'),
      hashComment: planted('hash'),
      review: planted('review'),
      update: planted('update'),
      aws: `wJalrXUtnFEMI/K7MDENG/bPxRfiCY${randomBytes(5).toString('hex')}`,
      bareNumber: plantedNumber(),
      insertedNumber: plantedNumber(),
      executable: planted('executable'),
    };
    const run = await startGateway('mysql', pr);
    const gw = run.gateway;
    const c: mysql.Connection = await connectThrough(maria, gw);
    const fails = async (sql: string, values?: unknown[]) =>
      expect(values ? c.execute(sql, values as (string | number)[]) : c.query(sql)).rejects.toThrow();
    try {
      await c.query(`INSERT INTO acct (name, api_token) VALUES ('lit', '${s.literal}')`);
      await fails(`INSERT INTO acct (name, api_token) VALUES ('lit2', '${s.literal}')`);
      // Prepared statement (binary protocol) parameters bound to the secret column.
      await c.execute('INSERT INTO acct (name, api_token) VALUES (?, ?)', ['par', s.param]);
      await fails('INSERT INTO acct (name, api_token) VALUES (?, ?)', ['par2', s.param]);
      await c.execute('UPDATE acct SET api_token = ? WHERE name = ?', [s.update, 'par']);
      // Error text a statement raises itself.
      await fails(`SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the password is ${s.signal}'`);
      await c.query(`INSERT INTO acct (name, api_token) VALUES ('smp', '${s.sample}')`);
      const [read] = await c.query<mysql.RowDataPacket[]>(
        "SELECT name, api_token FROM acct WHERE name = 'smp'",
      );
      expect(read[0]!.api_token).toBe(s.sample);
      await c.query("SELECT api_token AS t, note FROM acct WHERE name = 'smp'");
      await c.query(`SELECT 1 -- deploy password: ${s.comment}`);
      await c.query(`SELECT 2 # the admin password is ${s.hashComment}`);
      await c.query(`INSERT INTO aws_keys VALUES ('${AWS_ID}', '${s.aws}')`);
      // A bare number in a secret-named variable, read back under a plain alias, and one inserted
      // into a secret column, echoed by the duplicate-entry error.
      await c.query(`SET @api_token = ${s.bareNumber}`);
      const [vars] = await c.query<mysql.RowDataPacket[]>('SELECT CAST(@api_token AS CHAR) AS v');
      expect(vars[0]!.v).toBe(s.bareNumber);
      await c.query(`INSERT INTO acct (name, api_token) VALUES ('num', ${s.insertedNumber})`);
      await fails(`INSERT INTO acct (name, api_token) VALUES ('num2', ${s.insertedNumber})`);
      // A value this server reads as a literal given to a secret-named variable: the executable
      // comment before it is one MariaDB 10.11 skips, so it ends at its first */.
      await c.query(`SET @x = 1 /*M!999999 ' */, @access_key = '${s.executable}' -- '*/`);
      const [keys] = await c.query<mysql.RowDataPacket[]>('SELECT CAST(@access_key AS CHAR) AS v');
      expect(keys[0]!.v).toBe(s.executable);
      await fails(`DROP TABLE junk -- the password is ${s.review}`);
    } finally {
      await c.end();
      await run.stop();
    }
    const rows = await maria.admin<{ api_token: string }[]>(`SELECT api_token FROM ${maria.database}.acct`);
    expect(rows.map((r) => r.api_token).sort()).toEqual(
      [s.literal, s.update, s.sample, s.insertedNumber].sort(),
    );
    const outs = await outputs(run, pr);
    expect(outs.transcript).toContain('"type":"rows"');
    expect(outs.comments).toContain('DROP TABLE junk');
    expectAbsent(outs, s);
  }, 60_000);
});
