// End to end: psql → Postgres gateway → GitHub approval channel (Octokit → GitHub emulator).
// A DROP TABLE is held until a comment approves it; denied or timed out, the table stays and
// the psql session goes on.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubChannel } from '../../src/approvals/github.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import { issueOf } from '../support/approval-channel.js';
import { type GhComment, GitHubEmulator } from '../support/github-emulator.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { gatewayFor, type TestGateway } from './pg-harness.js';

let server: PgServer;
let gh: GitHubEmulator;
let gw: TestGateway;
const dir = mkdtempSync(join(tmpdir(), 'guardrail-approvals-e2e-'));

beforeAll(async () => {
  [server, gh] = await Promise.all([startPostgres(), GitHubEmulator.start()]);
  gh.setPermission('alice', 'maintain');
  gh.setPermission('carol', 'write');
  const channel = new GitHubChannel({
    token: gh.token,
    repository: gh.repository,
    policy: { ...defaultPolicy().approvals, timeoutMs: 10_000 },
    baseUrl: gh.url,
    eventPath: join(dir, 'no-event.json'),
    pollIntervalMs: 50,
    requestTimeoutMs: 6_000,
    retryBaseMs: 20,
    throttleId: randomBytes(6).toString('hex'),
    log: () => {},
  });
  gw = await gatewayFor(server, {
    policy: 'categories:\n  destructive: review\n',
    approvals: channel,
    // The session sets the deadline the channel waits for: room for a re-posted request.
    approvalTimeoutMs: 10_000,
  });
});

afterAll(async () => {
  await gw?.close();
  await gh?.close();
  await server?.stop();
});

/** Runs a psql script through the gateway; resolves with its output when psql exits. */
function psql(script: string): Promise<{ out: string; status: number | null }> {
  const file = join(dir, `s-${randomBytes(4).toString('hex')}.sql`);
  writeFileSync(file, script);
  return new Promise((resolve) => {
    const child = spawn('psql', [gw.url, '-X', '-q', '-A', '-t', '-f', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('close', (status) => resolve({ out, status }));
  });
}

async function tableExists(name: string): Promise<boolean> {
  const [row] = await server.query<{ t: string | null }>('select to_regclass($1)::text as t', [name]);
  return row?.t !== null && row?.t !== undefined;
}

/** The request comment that names `text`, and its request id. */
async function requestFor(text: string): Promise<{ comment: GhComment; id: string }> {
  for (;;) {
    const comment = gh.comments.find((c) => c.body.includes(text) && c.body.includes('guardrail:request:'));
    const id = comment && /<!-- guardrail:request:(\S+) -->/.exec(comment.body)?.[1];
    if (comment && id) return { comment, id };
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('approvals through the Postgres gateway', () => {
  it('holds DROP TABLE until an approving comment arrives, then runs it', async () => {
    await server.query('create table approve_me(id int)');
    const run = psql("DROP TABLE approve_me;\nSELECT 'after ' || 'drop';\n");
    const { comment, id } = await requestFor('DROP TABLE approve_me');
    expect(comment.body).toContain('destructive/drop-table');
    // Held: the request is open and the table is still there.
    expect(await tableExists('approve_me')).toBe(true);
    // The command as the request shows it: id and statement hash.
    const command = /^\/guardrail approve \S+ [0-9a-f]{12}$/m.exec(comment.body)![0];
    expect(command.startsWith(`/guardrail approve ${id} `)).toBe(true);
    // The run has no pull request, so its author is unknown: one approver more than the policy's one.
    expect(comment.body).toContain('**The author of this change is unknown**');
    gh.addComment(issueOf(comment), { login: 'alice', body: command });
    gh.addComment(issueOf(comment), { login: 'carol', body: command });
    const { out, status } = await run;
    expect(status).toBe(0);
    expect(out).toContain('after drop');
    expect(out).not.toContain('ERROR');
    expect(await tableExists('approve_me')).toBe(false);
    expect(comment.body).toContain('> **Approved** by @alice, @carol');
    const decided = gw.transcript().find((l) => l.type === 'approval.decided' && l.requestId === id);
    expect(decided).toMatchObject({ outcome: 'approved', by: ['alice', 'carol'], url: comment.html_url });
  });

  it('records a request comment someone else edited as void, asks again, and runs only once approved there', async () => {
    await server.query('create table forged_ask(id int)');
    const run = psql('DROP TABLE forged_ask;\n');
    const { comment, id } = await requestFor('DROP TABLE forged_ask');
    const command = /^\/guardrail approve \S+ [0-9a-f]{12}$/m.exec(comment.body)![0];
    // The statement shown is swapped for a harmless one, and approved there: that does not count.
    gh.editComment(comment.id, comment.body.replace('DROP TABLE forged_ask', 'SELECT 1'));
    gh.addComment(issueOf(comment), { login: 'alice', body: command });
    gh.addComment(issueOf(comment), { login: 'carol', body: command });
    let again: GhComment | undefined;
    while (!again) {
      again = gh.comments.find(
        (c) => c.id > comment.id && c.body?.includes(`<!-- guardrail:request:${id} -->`),
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await tableExists('forged_ask')).toBe(true);
    gh.addComment(issueOf(again), { login: 'alice', body: command });
    gh.addComment(issueOf(again), { login: 'carol', body: command });
    const { status } = await run;
    expect(status).toBe(0);
    expect(await tableExists('forged_ask')).toBe(false);
    const decided = gw.transcript().find((l) => l.type === 'approval.decided' && l.requestId === id);
    expect(decided).toMatchObject({
      outcome: 'approved',
      url: again.html_url,
      voided: [{ url: comment.html_url, reason: 'was edited by someone other than guardrail' }],
    });
    expect(comment.body).toContain('SELECT 1');
  });

  it('keeps the table when the request is denied, and the session goes on', async () => {
    await server.query('create table deny_me(id int)');
    const run = psql("DROP TABLE deny_me;\nSELECT 'session ' || 'goes on';\n");
    const { comment, id } = await requestFor('DROP TABLE deny_me');
    gh.addComment(issueOf(comment), { login: 'carol', body: `/guardrail deny ${id} not this one` });
    const { out } = await run;
    expect(out).toMatch(/ERROR: .*guardrail: held for approval .* denied by carol: not this one/);
    expect(out).toContain('session goes on');
    expect(await tableExists('deny_me')).toBe(true);
    expect(comment.body).toContain('> **Denied** by @carol');
  });

  it('keeps the table when nobody decides before the deadline', async () => {
    await server.query('create table wait_for_me(id int)');
    const run = psql("DROP TABLE wait_for_me;\nSELECT 'still ' || 'connected';\n");
    const { comment } = await requestFor('DROP TABLE wait_for_me');
    const { out } = await run;
    expect(out).toMatch(/ERROR: .*no approval before the deadline/);
    expect(out).toContain('still connected');
    expect(await tableExists('wait_for_me')).toBe(true);
    expect(comment.body).toContain('> **Timed out**');
  });
});
