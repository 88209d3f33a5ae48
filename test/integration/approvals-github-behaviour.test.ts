// The GitHub approval channel against GitHub's documented behaviours, one scenario each (issue 22
// items 1–9 and the approval items of issue 15): the real GitHubChannel (Octokit with the retry
// and throttling plugins) against the emulator with the behaviour switched on.
import { describe, it } from 'vitest';
import { commandFor } from '../../src/approvals/commands.js';
import { parsePolicy } from '../../src/policy/parse.js';
import { approve, dropTable, issueOf, never, SHA, setup } from '../support/approval-channel.js';

const MERGE = 'ae'.padEnd(40, '7');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.concurrent('the pull request behind a run (issue 22 items 1, 2, 4; issue 15)', () => {
  it.for(['push', 'schedule', 'workflow_dispatch'])(
    'a %s run after the merge asks on the merged pull request and keeps its author and committers out',
    async (event, { expect }) => {
      const t = await setup({ event });
      const pr = t.gh.addPullRequest({
        author: 'pr-author',
        headSha: SHA,
        people: { [SHA]: { author: 'pr-author', committer: 'co-author' } },
      });
      t.gh.setPermission('co-author', 'write');
      // Someone else merges; the run is on the merge commit on the default branch.
      t.gh.mergePullRequest(pr.number, MERGE);
      const req = t.request({ job: { ...t.request().job, sha: MERGE } });
      const pending = t.channel().request(req, never());
      const asked = await t.posted(req.id, pending);
      expect(issueOf(asked)).toBe(pr.number);
      expect(t.gh.count('GET', new RegExp(`/pulls/${pr.number}/commits$`))).toBe(1);
      t.gh.addComment(pr.number, { login: 'pr-author', body: approve(req) });
      t.gh.addComment(pr.number, { login: 'co-author', body: approve(req) });
      t.gh.addComment(pr.number, { login: 'alice', body: approve(req) });
      const outcome = await pending;
      expect(outcome).toMatchObject({ decision: 'approved', by: ['alice'] });
      expect(outcome.ignored?.map((i) => `${i.login}: ${i.reason}`)).toEqual([
        'pr-author: pull request author',
        'co-author: committer of the change',
      ]);
      await t.gh.close();
    },
  );

  it('asks GitHub again while it has not linked the commit to its pull request yet', async ({ expect }) => {
    const t = await setup({
      event: 'push',
      prForCommit: true,
      behaviour: { pullsIndexLag: 2 },
      pullRequestLagMs: 5_000,
    });
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    expect(issueOf(asked)).toBe(t.pr!.number);
    expect(t.gh.count('GET', new RegExp(`/commits/${SHA}/pulls$`))).toBe(3);
    t.gh.addComment(t.pr!.number, { login: 'pr-author', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'approved', by: ['alice'] });
    expect(outcome.ignored?.map((i) => i.reason)).toEqual(['pull request author']);
    await t.gh.close();
  });

  it('with no pull request to be found, says the author is unknown and needs one more approver', async ({
    expect,
  }) => {
    const t = await setup({ event: 'push', policy: { required: 1 }, pullRequestLagMs: 1_000 });
    t.gh.pushToDefaultBranch(SHA);
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    // Asked again for the bounded time, then the tracking issue.
    expect(t.gh.count('GET', new RegExp(`/commits/${SHA}/pulls$`))).toBeGreaterThan(1);
    expect(t.gh.issues.get(issueOf(asked))?.pull_request).toBeUndefined();
    expect(asked.body).toContain('**The author of this change is unknown**');
    expect(asked.body).toContain('Needs 2 approvals from different people');
    const first = t.gh.addComment(issueOf(asked), { login: 'alice', body: approve(req) });
    while (t.gh.reactionsOn(first.id).length === 0) await wait(20);
    expect(asked.body).not.toContain('**Approved**');
    t.gh.addComment(issueOf(asked), { login: 'carol', body: approve(req) });
    expect(await pending).toMatchObject({ decision: 'approved', by: ['alice', 'carol'] });
    await t.gh.close();
  });

  it('refuses at once when the author is unknown and the approvers list cannot supply one more', async ({
    expect,
  }) => {
    const t = await setup({ event: 'schedule', policy: { approvers: ['alice'], required: 1 } });
    t.gh.pushToDefaultBranch(SHA);
    const outcome = await t.channel().request(t.request(), never());
    expect(outcome).toMatchObject({ decision: 'denied', hashes: [] });
    expect(outcome.reason).toMatch(
      /author is unknown .*, so 2 distinct approvers are needed, but the policy lists only 1$/,
    );
    expect(t.gh.comments).toEqual([]);
    await t.gh.close();
  });

  it('takes the author of a pull request whose author account is gone for unknown', async ({ expect }) => {
    const t = await setup({ event: 'push' });
    const pr = t.gh.addPullRequest({ author: null, headSha: SHA });
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    expect(issueOf(asked)).toBe(pr.number);
    expect(asked.body).toContain(`GitHub names no author for pull request #${pr.number}`);
    // A deleted account's comment (user: null) and a comment without a body are read past.
    t.gh.addComment(pr.number, { login: null, body: approve(req) });
    t.gh.addComment(pr.number, { login: 'carol', body: undefined });
    t.gh.addComment(pr.number, { login: 'alice', body: approve(req) });
    t.gh.addComment(pr.number, { login: 'carol', body: approve(req) });
    expect(await pending).toMatchObject({ decision: 'approved', by: ['alice', 'carol'] });
    await t.gh.close();
  });

  it.for([
    ['pull_request_target', (n: number) => ({ pull_request: { number: n, user: { login: 'pr-author' } } })],
    [
      'merge_group',
      (n: number) => ({ merge_group: { head_ref: `refs/heads/gh-readonly-queue/main/pr-${n}-${SHA}` } }),
    ],
    [
      'issue_comment',
      (n: number) => ({ issue: { number: n, pull_request: {}, user: { login: 'pr-author' } } }),
    ],
  ] as const)(
    'a %s run asks on its pull request and keeps the author out',
    async ([event, payload], { expect }) => {
      const t = await setup({ event, prForCommit: true, payload: (pr) => payload(pr!.number) });
      const req = t.request();
      const pending = t.channel().request(req, never());
      const asked = await t.posted(req.id, pending);
      expect(issueOf(asked)).toBe(t.pr!.number);
      t.gh.addComment(t.pr!.number, { login: 'pr-author', body: approve(req) });
      t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
      const outcome = await pending;
      expect(outcome).toMatchObject({ decision: 'approved', by: ['alice'] });
      expect(outcome.ignored?.map((i) => i.reason)).toEqual(['pull request author']);
      await t.gh.close();
    },
  );
});

describe.concurrent('who may approve (issue 22 items 3, 7)', () => {
  it('on a public repository, where every account reads, a stranger cannot approve', async ({ expect }) => {
    // The policy file may not say read any more; a channel given such a policy still refuses it.
    expect(() => parsePolicy('approvals:\n  permission: read\n', 'guardrail.yml')).toThrow(
      /every GitHub account/,
    );
    expect(() => parsePolicy('approvals:\n  permission: triage\n', 'guardrail.yml')).toThrow(
      /every GitHub account/,
    );
    const t = await setup({ behaviour: { publicRepo: true }, policy: { permission: 'read' } });
    const req = t.request({ deadline: new Date(Date.now() + 4_000) });
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'mallory', body: approve(req) });
    const outcome = await pending;
    expect(outcome.decision).toBe('timeout');
    expect(outcome.ignored?.map((i) => `${i.login}: ${i.reason}`)).toEqual(['mallory: read permission']);
    expect(t.gh.count('GET', /\/collaborators\/mallory\/permission$/, 200)).toBeGreaterThan(0);
    await t.gh.close();
  });

  it('reads maintain from role_name when the permission flags leave it out', async ({ expect }) => {
    const t = await setup({ behaviour: { onlyRequiredFlags: true }, policy: { permission: 'maintain' } });
    t.gh.setPermission('dana', 'maintain', 'release-manager');
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    // carol writes; dana's custom role is built on maintain, but GitHub names only the custom role.
    t.gh.addComment(t.pr!.number, { login: 'carol', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'dana', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    const outcome = await pending;
    expect(outcome).toMatchObject({ decision: 'approved', by: ['alice'] });
    // Without the maintain flag, a custom role counts as what the flags show: write.
    expect(outcome.ignored?.map((i) => `${i.login}: ${i.reason}`)).toEqual([
      'carol: write permission',
      'dana: write permission',
    ]);
    await t.gh.close();
  });
});

describe.concurrent('tracking issues on real repositories (issue 22 item 5)', () => {
  it('fails closed with a clear reason when the repository has issues disabled', async ({ expect }) => {
    const t = await setup({ event: 'workflow_dispatch', behaviour: { issuesDisabled: true } });
    const outcome = await t.channel().request(t.request(), never());
    expect(outcome.decision).toBe('error');
    expect(outcome.reason).toContain(
      'issues are disabled in this repository, so there is no tracking issue to ask in: enable issues, or run the workflow for a pull request',
    );
    expect(t.gh.count('POST', /\/issues$/, 410)).toBe(1);
    await t.gh.close();
  });

  it('finds its tracking issue again when GitHub dropped the label, and never takes a planted one', async ({
    expect,
  }) => {
    const t = await setup({ event: 'workflow_dispatch', behaviour: { tokenCanPush: false } });
    // Someone plants an issue with the marker and the label: not ours.
    t.gh.addIssue({
      title: 'guardrail approvals: Deploy',
      body: '<!-- guardrail:tracking:Deploy -->',
      labels: ['guardrail'],
      author: 'mallory',
    });
    const ask = async () => {
      const req = t.request();
      const pending = t.channel().request(req, never());
      const asked = await t.posted(req.id, pending);
      t.gh.addComment(issueOf(asked), { login: 'carol', body: `/guardrail deny ${req.id}` });
      expect((await pending).decision).toBe('denied');
      return issueOf(asked);
    };
    const first = await ask();
    expect(t.gh.issues.get(first)!.user?.login).toBe('github-actions[bot]');
    expect(t.gh.issues.get(first)!.labels).toEqual([]);
    expect(await ask()).toBe(first);
    expect(t.gh.count('POST', /\/issues$/)).toBe(1);
    await t.gh.close();
  });
});

describe.concurrent('comments and their times (issue 22 items 6, 9; issue 15)', () => {
  it('sees an approval written in the same second as the request', async ({ expect }) => {
    const t = await setup();
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, {
      login: 'alice',
      body: approve(req),
      createdAt: Date.parse(asked.created_at),
    });
    expect(await pending).toMatchObject({ decision: 'approved', by: ['alice'] });
    await t.gh.close();
  });

  it('ignores a comment edited into an approval within its first second', async ({ expect }) => {
    const t = await setup();
    const req = t.request({ deadline: new Date(Date.now() + 4_000) });
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    const c = t.gh.addComment(t.pr!.number, { login: 'alice', body: 'checking the backup first' });
    await t.seen(c);
    t.gh.editComment(c.id, approve(req), { sameSecond: true });
    expect(c.updated_at).toBe(c.created_at);
    const outcome = await pending;
    expect(outcome.decision).toBe('timeout');
    expect(outcome.ignored?.map((i) => `${i.login}: ${i.reason}`)).toEqual(['alice: edited comment']);
    await t.gh.close();
  });

  it.for([false, true])(
    'voids a request comment someone else edited (same second: %s), re-posts it and ignores earlier decisions',
    async (sameSecond, { expect }) => {
      const t = await setup();
      const req = t.request({ deadline: new Date(Date.now() + 12_000) });
      const pending = t.channel().request(req, never());
      const asked = await t.posted(req.id, pending);
      await t.seen(asked);
      const forged = asked.body.replace('DROP TABLE public.users', 'SELECT 1');
      t.gh.editComment(asked.id, forged, { sameSecond });
      t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
      const again = await t.posted(req.id, pending, asked.id);
      expect(again.body).toContain('DROP TABLE public.users');
      expect(again.body).toContain(`The earlier request comment ${asked.html_url}`);
      // alice's approval was given on the forged comment: it does not count; a new one does.
      await t.seen(again);
      t.gh.addComment(t.pr!.number, { login: 'carol', body: approve(req) });
      const outcome = await pending;
      expect(outcome).toMatchObject({ decision: 'approved', by: ['carol'], url: again.html_url });
      const aliceVote = t.gh.comments.find((c) => c.user?.login === 'alice')!;
      expect(t.gh.reactionsOn(aliceVote.id)).not.toContain('+1');
      expect(outcome.voided).toEqual([
        { url: asked.html_url, reason: 'was edited by someone other than guardrail' },
      ]);
      // alice's comment may still be read with the new request (same second): then it is older.
      for (const i of outcome.ignored ?? [])
        expect(i).toMatchObject({ login: 'alice', reason: 'written before the request' });
      // The forged comment is left as the evidence it is; the new one carries the outcome.
      expect(asked.body).toBe(forged);
      expect(again.body).toContain('> **Approved** by @carol');
      expect(again.body).toContain(`The earlier request comment ${asked.html_url}`);
      await t.gh.close();
    },
  );

  it('counts an approval only with the statement hash the request shows', async ({ expect }) => {
    const t = await setup();
    const req = t.request({ deadline: new Date(Date.now() + 4_000) });
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    expect(asked.body).toContain(`the statement hash \`${dropTable.hash.slice(0, 12)}\``);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: `/guardrail approve ${req.id}` });
    t.gh.addComment(t.pr!.number, {
      login: 'carol',
      body: commandFor('approve', req.id, 'e'.repeat(64)),
    });
    const outcome = await pending;
    expect(outcome.decision).toBe('timeout');
    expect(outcome.ignored?.map((i) => `${i.login}: ${i.reason}`)).toEqual([
      'alice: no statement hash',
      'carol: statement hash does not match',
    ]);
    await t.gh.close();
  });
});
