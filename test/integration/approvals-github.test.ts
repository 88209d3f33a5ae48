// The GitHub approval channel against the GitHub emulator: real Octokit (with the retry and
// throttling plugins) over real HTTP. Each test has its own emulator, so they run concurrently.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type ExpectStatic, it } from 'vitest';
import { GitHubChannel } from '../../src/approvals/github.js';
import { marker } from '../../src/approvals/render.js';
import type { ApprovalOutcome, ApprovalRequest, ApprovalStatement } from '../../src/approvals/types.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { ApprovalPolicy } from '../../src/policy/types.js';
import { type GhComment, GitHubEmulator } from '../support/github-emulator.js';

const SHA = 'c0ffee'.padEnd(40, '0');
const dropTable: ApprovalStatement = {
  text: 'DROP TABLE public.users',
  hash: 'd'.repeat(64),
  findings: [
    {
      rule: 'destructive/drop-table',
      category: 'destructive',
      severity: 'critical',
      objects: ['public.users'],
      message: 'drops table public.users',
    },
  ],
};

type Event = 'pull_request' | 'push' | 'workflow_dispatch' | 'schedule';

interface Setup {
  event?: Event;
  policy?: Partial<ApprovalPolicy>;
  clockSkewMs?: number;
  /** For push-like events: whether an open PR contains the commit. */
  prForCommit?: boolean;
  maxConsecutiveFailures?: number;
  /** Long enough by default for the throttling plugin's spacing of writes (up to 3 s). */
  requestTimeoutMs?: number;
}

async function setup(opts: Setup = {}) {
  const gh = await GitHubEmulator.start({ clockSkewMs: opts.clockSkewMs ?? 0 });
  const event = opts.event ?? 'pull_request';
  const pr =
    event === 'pull_request' || opts.prForCommit
      ? gh.addPullRequest({ author: 'pr-author', headSha: SHA })
      : undefined;
  gh.setPermission('alice', 'maintain');
  gh.setPermission('carol', 'write');
  gh.setPermission('bob', 'read');
  gh.setPermission('pr-author', 'admin');
  gh.setPermission('job-actor', 'admin');
  const dir = mkdtempSync(join(tmpdir(), 'gr-event-'));
  const eventPath = join(dir, 'event.json');
  writeFileSync(
    eventPath,
    JSON.stringify(
      event === 'pull_request' && pr
        ? { pull_request: { number: pr.number, user: { login: 'pr-author' } } }
        : { ref: 'refs/heads/main' },
    ),
  );
  const logs: string[] = [];
  const policy: ApprovalPolicy = { ...defaultPolicy().approvals, ...opts.policy };
  const channel = () =>
    new GitHubChannel({
      token: gh.token,
      policy,
      baseUrl: gh.url,
      eventPath,
      pollIntervalMs: 50,
      requestTimeoutMs: opts.requestTimeoutMs ?? 6_000,
      retryBaseMs: 20,
      maxConsecutiveFailures: opts.maxConsecutiveFailures ?? 10,
      throttleId: randomBytes(6).toString('hex'),
      log: (m) => logs.push(m),
    });

  const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
    id: `gr-${randomBytes(4).toString('hex')}`,
    batch: false,
    statements: [dropTable],
    database: { dialect: 'postgres', name: 'app', host: 'db.internal:5432', role: 'gr_job_42' },
    job: {
      repository: gh.repository,
      serverUrl: 'https://github.com',
      runId: '4242',
      runAttempt: '1',
      job: 'migrate',
      workflow: 'Deploy',
      ref: 'refs/heads/main',
      sha: SHA,
      actor: 'job-actor',
      eventName: event,
    },
    deadline: new Date(Date.now() + 8_000),
    ...over,
  });

  /** The request comment, once the channel has posted it; fails if the request ends first. */
  const posted = async (id: string, pending?: Promise<ApprovalOutcome>): Promise<GhComment> => {
    let ended: ApprovalOutcome | undefined;
    pending?.then((o) => {
      ended = o;
    });
    for (;;) {
      const c = gh.findComment(marker(id));
      if (c) return c;
      if (ended)
        throw new Error(
          `request ended before its comment was posted: ${JSON.stringify(ended)}; log: ${logs.join(' | ')}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const checkNoSecrets = (expect: ExpectStatic, outcome: ApprovalOutcome) => {
    for (const c of gh.comments) expect(c.body).not.toContain(gh.token);
    for (const l of logs) expect(l).not.toContain(gh.token);
    expect(JSON.stringify(outcome)).not.toContain(gh.token);
  };

  return { gh, pr, channel, request, posted, logs, checkNoSecrets, policy };
}

const never = () => new AbortController().signal;

describe.concurrent('GitHub approval channel', () => {
  it('approves on a maintainer’s command and records it on the comment', async ({ expect }) => {
    const t = await setup();
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    expect(asked.issue_url).toMatch(new RegExp(`/issues/${t.pr!.number}$`));
    expect(asked.body).toContain('DROP TABLE public.users');
    expect(asked.body).toContain(dropTable.hash);
    expect(asked.body).toContain('https://github.com/octo-org/app/actions/runs/4242/attempts/1');
    const vote = t.gh.addComment(t.pr!.number, {
      login: 'alice',
      body: `LGTM\n/guardrail approve ${req.id}`,
    });
    const outcome = await pending;
    expect(outcome).toMatchObject({
      decision: 'approved',
      by: ['alice'],
      hashes: [dropTable.hash],
      url: asked.html_url,
    });
    expect(Date.parse(outcome.decidedAt)).not.toBeNaN();
    expect(asked.body).toContain('> **Approved** by @alice at ');
    expect(t.gh.reactionsOn(vote.id)).toEqual(['+1']);
    t.checkNoSecrets(expect, outcome);
    await t.gh.close();
  });

  const rejected: [string, (t: Awaited<ReturnType<typeof setup>>, id: string) => void, string | undefined][] =
    [
      [
        'the PR author',
        (t, id) => t.gh.addComment(t.pr!.number, { login: 'pr-author', body: `/guardrail approve ${id}` }),
        'pull request author',
      ],
      [
        'the workflow actor',
        (t, id) => t.gh.addComment(t.pr!.number, { login: 'job-actor', body: `/guardrail approve ${id}` }),
        'workflow actor',
      ],
      [
        'a read-only user',
        (t, id) => t.gh.addComment(t.pr!.number, { login: 'bob', body: `/guardrail approve ${id}` }),
        'read permission',
      ],
      [
        'a bot',
        (t, id) =>
          t.gh.addComment(t.pr!.number, { login: 'renovate[bot]', body: `/guardrail approve ${id}` }),
        'bot account',
      ],
      [
        'an edited comment',
        (t, id) =>
          t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${id}`, edit: true }),
        'edited comment',
      ],
      [
        'a comment older than the request',
        (t, id) =>
          t.gh.addComment(t.pr!.number, {
            login: 'alice',
            body: `/guardrail approve ${id}`,
            createdAt: t.gh.now() - 60_000,
          }),
        undefined,
      ],
    ];

  it.for(rejected)('does not count an approval by %s', async ([, vote, reason], { expect }) => {
    const t = await setup();
    const req = t.request({ deadline: new Date(Date.now() + 2_500) });
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    vote(t, req.id);
    const outcome = await pending;
    expect(outcome.decision).toBe('timeout');
    expect(outcome.hashes).toEqual([]);
    expect(asked.body).toContain('> **Timed out** at ');
    if (reason) {
      expect(outcome.ignored?.map((i) => i.reason)).toEqual([reason]);
      expect(asked.body).toMatch(
        new RegExp(`- ignored: @\\S+ \\(${reason.replace(/[()]/g, '\\$&')}\\), an approval`),
      );
      const voteComment = t.gh.comments.find((c) => c.body.startsWith('/guardrail'))!;
      expect(t.gh.reactionsOn(voteComment.id)).toEqual(['eyes']);
    } else {
      expect(outcome.ignored).toBeUndefined();
      expect(asked.body).not.toContain('ignored:');
    }
    t.checkNoSecrets(expect, outcome);
    await t.gh.close();
  });

  it('ignores an approval for another request id', async ({ expect }) => {
    const t = await setup();
    const req = t.request({ deadline: new Date(Date.now() + 2_500) });
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    const other = t.gh.addComment(t.pr!.number, { login: 'alice', body: '/guardrail approve gr-00000000' });
    const prefix = t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}0` });
    const outcome = await pending;
    expect(outcome.decision).toBe('timeout');
    expect(asked.body).toContain('> **Timed out**');
    expect(t.gh.reactionsOn(other.id)).toEqual([]);
    expect(t.gh.reactionsOn(prefix.id)).toEqual([]);
    await t.gh.close();
  });

  it('needs two distinct approvers when the policy says so', async ({ expect }) => {
    const t = await setup({ policy: { required: 2 } });
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    const first = t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    // The first approval is seen (reacted to) while the request still waits.
    while (t.gh.reactionsOn(first.id).length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(asked.body).not.toContain('**Approved**');
    t.gh.addComment(t.pr!.number, { login: 'carol', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'approved', by: ['alice', 'carol'] });
    expect(asked.body).toContain('> **Approved** by @alice, @carol');
    await t.gh.close();
  });

  it('lets one qualified deny win', async ({ expect }) => {
    const t = await setup({ policy: { required: 2 } });
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const deny = t.gh.addComment(t.pr!.number, {
      login: 'carol',
      body: `/guardrail deny ${req.id} users is still read by the billing job`,
    });
    t.gh.addComment(t.pr!.number, { login: 'bob', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome).toMatchObject({
      decision: 'denied',
      by: ['carol'],
      reason: 'users is still read by the billing job',
      hashes: [],
    });
    expect(asked.body).toContain('> **Denied** by @carol at ');
    expect(asked.body).toContain('users is still read by the billing job. The statement was not run.');
    expect(asked.body).toContain('- ignored: @bob (read permission), an approval');
    expect(t.gh.reactionsOn(deny.id)).toEqual(['-1']);
    await t.gh.close();
  });

  it('times out into a deny, polling with ETags that mostly answer 304', async ({ expect }) => {
    const t = await setup();
    const req = t.request({ deadline: new Date(Date.now() + 1_200) });
    const outcome = await t.channel().request(req, never());
    expect(outcome).toMatchObject({ decision: 'timeout', by: [], hashes: [] });
    expect(t.gh.findComment(marker(req.id))!.body).toContain('> **Timed out** at ');
    const full = t.gh.count('GET', /\/issues\/\d+\/comments$/, 200);
    expect(full).toBe(1);
    expect(t.gh.notModified).toBeGreaterThan(2);
    await t.gh.close();
  });

  it('binds a batch approval to every statement hash', async ({ expect }) => {
    const t = await setup();
    const statements = [1, 2, 3].map((n) => ({
      ...dropTable,
      text: `DROP TABLE t${n}`,
      hash: String(n).repeat(64),
    }));
    const req = t.request({ batch: true, statements });
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    expect(asked.body).toContain('a batch of 3 statements needs approval');
    for (const s of statements) expect(asked.body).toContain(s.hash);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome.hashes).toEqual(statements.map((s) => s.hash));
    await t.gh.close();
  });

  it('reads every page of a long thread', async ({ expect }) => {
    const t = await setup();
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    // Let the first page be cached with its ETag, then grow the thread past it.
    while (t.gh.notModified === 0) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 130; i++) t.gh.addComment(t.pr!.number, { login: 'bob', body: `chatter ${i}` });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome.decision).toBe('approved');
    expect(t.gh.requests.some((r) => r.path.endsWith('/comments') && r.query.includes('page=2'))).toBe(true);
    await t.gh.close();
  });

  it('uses the server’s clock for “after the request”', async ({ expect }) => {
    // The server runs 10 minutes behind this machine: comparing with the local clock would drop the vote.
    const t = await setup({ clockSkewMs: -600_000 });
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    expect((await pending).decision).toBe('approved');
    await t.gh.close();
  });

  it('denies when the request is aborted', async ({ expect }) => {
    const t = await setup();
    const req = t.request();
    const abort = new AbortController();
    const pending = t.channel().request(req, abort.signal);
    const asked = await t.posted(req.id, pending);
    // Abort once the channel waits on the thread (an abort while posting is covered below).
    while (t.gh.count('GET', /\/comments$/) === 0) await new Promise((r) => setTimeout(r, 10));
    abort.abort(new Error('client disconnected'));
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'denied', reason: 'aborted: client disconnected' });
    expect(asked.body).toContain('> **Denied** at ');
    expect(asked.body).toContain('aborted: client disconnected');
    await t.gh.close();
  });
});

describe.concurrent('GitHub approval channel under faults', () => {
  it('retries 5xx answers and then succeeds', async ({ expect }) => {
    const t = await setup();
    t.gh.failNext(2, 502, (m) => m === 'POST');
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    t.gh.failNext(2, 500, (m, p) => m === 'GET' && p.includes('/collaborators/'));
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome.decision).toBe('approved');
    expect(asked.body).toContain('**Approved** by @alice');
    expect(t.gh.count('POST', /\/issues\/\d+\/comments$/, 502)).toBe(2);
    expect(t.gh.count('POST', /\/issues\/\d+\/comments$/, 201)).toBe(1);
    expect(t.gh.count('GET', /\/collaborators\/alice\/permission$/, 500)).toBe(2);
    await t.gh.close();
  });

  it('posts the request once when the answer to the POST is lost', async ({ expect }) => {
    const t = await setup();
    t.gh.loseResponseNext(1, (m, p) => m === 'POST' && p.endsWith('/comments'));
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'approved', url: asked.html_url });
    expect(t.gh.requests[0]).toMatchObject({ method: 'POST', status: 'lost' });
    expect(t.gh.comments.filter((c) => c.body.includes(marker(req.id)))).toHaveLength(1);
    expect(asked.body).toContain('> **Approved** by @alice');
    await t.gh.close();
  });

  it('waits out a 429 with retry-after', async ({ expect }) => {
    const t = await setup();
    t.gh.secondaryLimitNext(1, 429);
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome.decision).toBe('approved');
    expect(t.gh.requests[0]).toMatchObject({ method: 'POST', status: 429 });
    expect(t.gh.count('POST', /\/issues\/\d+\/comments$/, 201)).toBe(1);
    expect(t.logs.some((l) => l.includes('secondary rate limit') && l.includes('retrying after 1s'))).toBe(
      true,
    );
    await t.gh.close();
  });

  it('survives a request that never answers', async ({ expect }) => {
    const t = await setup({ requestTimeoutMs: 500 });
    t.gh.hangNext(1, (m, p) => m === 'GET' && p.endsWith('/comments'));
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome.decision).toBe('approved');
    expect(t.gh.requests.some((r) => r.status === 'hung')).toBe(true);
    expect(t.logs.some((l) => l.includes('did not answer within'))).toBe(true);
    await t.gh.close();
  });

  it('denies when the API is down for the whole wait', async ({ expect }) => {
    const t = await setup({ maxConsecutiveFailures: 3 });
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    await t.gh.setDown(true);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome.decision).toBe('error');
    expect(outcome.reason).toMatch(/^GitHub API unreachable: /);
    expect(outcome.hashes).toEqual([]);
    // The outcome could not be written: the comment still shows the open request.
    expect(asked.body).not.toContain('> **');
    expect(t.logs.some((l) => l.startsWith('could not record the outcome'))).toBe(true);
    t.checkNoSecrets(expect, outcome);
    await t.gh.setDown(false);
    await t.gh.close();
  });

  it('denies when the request is aborted while it is being posted', async ({ expect }) => {
    const t = await setup();
    t.gh.hangNext(1, (m) => m === 'POST');
    const abort = new AbortController();
    const pending = t.channel().request(t.request(), abort.signal);
    while (!t.gh.requests.some((r) => r.status === 'hung')) await new Promise((r) => setTimeout(r, 10));
    abort.abort(new Error('session ended'));
    expect(await pending).toMatchObject({ decision: 'denied', reason: 'aborted: session ended', hashes: [] });
    expect(t.gh.comments).toEqual([]);
    await t.gh.close();
  });

  it('denies when the request cannot even be posted', async ({ expect }) => {
    const t = await setup();
    await t.gh.setDown(true);
    const outcome = await t.channel().request(t.request(), never());
    expect(outcome.decision).toBe('error');
    expect(outcome.reason).toMatch(/^could not post the approval request: /);
    expect(t.gh.comments).toEqual([]);
    await t.gh.close();
  });

  it('denies with a clear reason on bad credentials, without showing the token', async ({ expect }) => {
    const t = await setup();
    const channel = new GitHubChannel({
      token: 'ghs_wrongTokenThatMustNotAppear',
      policy: t.policy,
      baseUrl: t.gh.url,
      pollIntervalMs: 50,
      throttleId: randomBytes(6).toString('hex'),
      log: (m) => t.logs.push(m),
    });
    const outcome = await channel.request(t.request(), never());
    expect(outcome.decision).toBe('error');
    expect(outcome.reason).toContain('Bad credentials');
    expect(JSON.stringify(outcome)).not.toContain('ghs_wrongTokenThatMustNotAppear');
    for (const l of t.logs) expect(l).not.toContain('ghs_wrongTokenThatMustNotAppear');
    await t.gh.close();
  });

  it('waits for the rate-limit reset instead of running into it', async ({ expect }) => {
    const t = await setup();
    t.gh.setRateBudget({ limit: 50, remaining: 3, resetInMs: 1_500 });
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome.decision).toBe('approved');
    expect(t.gh.rateLimited).toBe(0);
    expect(t.logs.some((l) => l.includes('rate limit nearly spent'))).toBe(true);
    await t.gh.close();
  });
});

describe.concurrent('where the request is asked', () => {
  it('finds the pull request of the commit for push events and keeps its author out', async ({ expect }) => {
    const t = await setup({ event: 'push', prForCommit: true });
    t.gh.addPullRequest({
      author: 'someone',
      headSha: 'beef'.padEnd(40, '0'),
      commits: [SHA],
      state: 'closed',
    });
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    expect(asked.issue_url).toMatch(new RegExp(`/issues/${t.pr!.number}$`));
    expect(t.gh.count('GET', new RegExp(`/commits/${SHA}/pulls$`))).toBe(1);
    t.gh.addComment(t.pr!.number, { login: 'pr-author', body: `/guardrail approve ${req.id}` });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'approved', by: ['alice'] });
    expect(outcome.ignored).toEqual([
      expect.objectContaining({ login: 'pr-author', reason: 'pull request author' }),
    ]);
    expect(asked.body).toContain('- ignored: @pr-author (pull request author), an approval');
    await t.gh.close();
  });

  it('opens one tracking issue per workflow, reuses it while open, and opens a new one once closed', async ({
    expect,
  }) => {
    const t = await setup({ event: 'workflow_dispatch' });
    const decide = async (channel: GitHubChannel) => {
      const req = t.request();
      const pending = channel.request(req, never());
      const asked = await t.posted(req.id, pending);
      const issue = Number(/\/issues\/(\d+)$/.exec(asked.issue_url)![1]);
      t.gh.addComment(issue, { login: 'alice', body: `/guardrail approve ${req.id}` });
      expect((await pending).decision).toBe('approved');
      return issue;
    };
    const first = await decide(t.channel());
    const again = await decide(t.channel());
    expect(again).toBe(first);
    const tracking = t.gh.issues.get(first)!;
    expect(tracking.labels.map((l) => l.name)).toEqual(['guardrail']);
    expect(tracking.body).toContain('<!-- guardrail:tracking:Deploy -->');
    expect(t.gh.count('POST', /\/issues$/)).toBe(1);
    t.gh.closeIssue(first);
    const next = await decide(t.channel());
    expect(next).not.toBe(first);
    expect(t.gh.count('POST', /\/issues$/)).toBe(2);
    await t.gh.close();
  });
});
