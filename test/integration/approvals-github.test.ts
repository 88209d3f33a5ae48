// The GitHub approval channel against the GitHub emulator: real Octokit (with the retry and
// throttling plugins) over real HTTP. Each test has its own emulator, so they run concurrently.
import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { GitHubChannel } from '../../src/approvals/github.js';
import { marker } from '../../src/approvals/render.js';
import type { ApprovalRequest } from '../../src/approvals/types.js';
import { approve, type ChannelSetup, dropTable, never, SHA, setup } from '../support/approval-channel.js';

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
    expect(asked.body).toContain(
      `\`\`\`\n/guardrail approve ${req.id} ${dropTable.hash.slice(0, 12)}\n\`\`\``,
    );
    const vote = t.gh.addComment(t.pr!.number, {
      login: 'alice',
      body: `LGTM\n${approve(req)}`,
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

  const rejected: [string, (t: ChannelSetup, req: ApprovalRequest) => void, string | undefined][] = [
    [
      'the PR author',
      (t, req) => t.gh.addComment(t.pr!.number, { login: 'pr-author', body: approve(req) }),
      'pull request author',
    ],
    [
      'the workflow actor',
      (t, req) => t.gh.addComment(t.pr!.number, { login: 'job-actor', body: approve(req) }),
      'workflow actor',
    ],
    [
      'a read-only user',
      (t, req) => t.gh.addComment(t.pr!.number, { login: 'bob', body: approve(req) }),
      'read permission',
    ],
    [
      'a bot',
      (t, req) => t.gh.addComment(t.pr!.number, { login: 'renovate[bot]', body: approve(req) }),
      'bot account',
    ],
    [
      'an edited comment',
      (t, req) => t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req), edit: true }),
      'edited comment',
    ],
    [
      'a comment older than the request',
      (t, req) =>
        t.gh.addComment(t.pr!.number, {
          login: 'alice',
          body: approve(req),
          createdAt: t.gh.now() - 60_000,
        }),
      undefined,
    ],
  ];

  it.for(rejected)('does not count an approval by %s', async ([, vote, reason], { expect }) => {
    const t = await setup();
    const req = t.request({ deadline: new Date(Date.now() + 4_000) });
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    vote(t, req);
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
    const req = t.request({ deadline: new Date(Date.now() + 4_000) });
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
    const first = t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    // The first approval is seen (reacted to) while the request still waits.
    while (t.gh.reactionsOn(first.id).length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(asked.body).not.toContain('**Approved**');
    t.gh.addComment(t.pr!.number, { login: 'carol', body: approve(req) });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    const deny = t.gh.addComment(t.pr!.number, {
      login: 'carol',
      body: `/guardrail deny ${req.id} users is still read by the billing job`,
    });
    t.gh.addComment(t.pr!.number, { login: 'bob', body: approve(req) });
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
    const req = t.request({ deadline: new Date(Date.now() + 2_000) });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'approved', url: asked.html_url });
    expect(t.gh.requests.find((r) => r.method === 'POST')).toMatchObject({ status: 'lost' });
    expect(t.gh.comments.filter((c) => c.body.includes(marker(req.id)))).toHaveLength(1);
    expect(asked.body).toContain('> **Approved** by @alice');
    await t.gh.close();
  });

  it('waits out a 429 with retry-after', async ({ expect }) => {
    const t = await setup();
    t.gh.secondaryLimitNext(1, 429, (m) => m === 'POST');
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    const outcome = await pending;
    expect(outcome.decision).toBe('approved');
    expect(t.gh.requests.find((r) => r.method === 'POST')).toMatchObject({ status: 429 });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
    t.gh.failNext(20, 503, (m, p) => m === 'POST' || p.endsWith('/comments'));
    const outcome = await t.channel().request(t.request(), never());
    expect(outcome.decision).toBe('error');
    expect(outcome.reason).toMatch(/^could not post the approval request: 503/);
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
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
    t.gh.addComment(t.pr!.number, { login: 'pr-author', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
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
      // No pull request: the author is unknown, so one approver more than the policy's one.
      expect(asked.body).toContain('**The author of this change is unknown**');
      t.gh.addComment(issue, { login: 'alice', body: approve(req) });
      t.gh.addComment(issue, { login: 'carol', body: approve(req) });
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
