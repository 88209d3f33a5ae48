// The dry-run report comment against the GitHub emulator: real Octokit (retry and throttling
// plugins) over real HTTP. One comment per workflow and job, edited in place on the next run;
// nothing for runs without a pull request. Last, the post step's finishRun end to end in-process.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishRun } from '../../src/action/lifecycle.js';
import { postReport, renderReport } from '../../src/action/report.js';
import { reportMarker, upsertReportComment } from '../../src/approvals/report.js';
import type { JobInfo } from '../../src/approvals/types.js';
import type { DaemonConfig } from '../../src/gateway/daemon-contract.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { startArtifactEmulator } from '../support/artifact-emulator.js';
import { GitHubEmulator } from '../support/github-emulator.js';

const SHA = 'feed'.padEnd(40, '0');

type Event = 'pull_request' | 'push' | 'schedule' | 'workflow_dispatch';

function jobFor(gh: GitHubEmulator, eventName: Event, job = 'migrate'): JobInfo {
  return {
    repository: gh.repository,
    serverUrl: 'https://github.com',
    runId: '777',
    runAttempt: '1',
    job,
    workflow: 'db dry run',
    ref: 'refs/heads/feature',
    sha: SHA,
    actor: 'octocat',
    eventName,
  };
}

function payloadFor(gh: GitHubEmulator, event: Event, pr?: number, headRepo = gh.repository): unknown {
  if (event !== 'pull_request') return { ref: 'refs/heads/feature', after: SHA };
  return {
    number: pr,
    pull_request: {
      number: pr,
      user: { login: 'pr-author' },
      head: { sha: SHA, repo: { full_name: headRepo } },
    },
    repository: { full_name: gh.repository },
  };
}

/** A dry-run transcript whose one statement and its row counts tell runs apart. */
function transcript(text: string, estimated: number, actual: number) {
  const r = new MemoryRecorder();
  r.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db:5432/app',
    mode: 'dry-run',
    version: 't',
  });
  r.record(1, { type: 'statement', id: 's1', text, via: 'simple', hash: 'h1', inTransaction: true });
  r.record(1, {
    type: 'impact',
    id: 's1',
    estimate: {
      'delete public.orders': {
        kind: 'delete',
        table: 'public.orders',
        rowsEstimated: estimated,
        lockLevel: 'ROW EXCLUSIVE',
        notes: [],
        unavailable: [],
      },
    },
  });
  r.record(1, { type: 'verdict', id: 's1', action: 'allow', rules: [], findings: [], enforced: true });
  r.record(1, { type: 'result', id: 's1', tag: `DELETE ${actual}`, rows: actual, durationMs: 4 });
  return r.lines;
}

function decoded(body: string): string {
  return body.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

async function publish(
  gh: GitHubEmulator,
  job: JobInfo,
  payload: unknown,
  lines = transcript('DELETE FROM orders WHERE id < 10', 9, 9),
) {
  const logs: string[] = [];
  const result = await upsertReportComment({
    job,
    body: renderReport({ lines, job, secrets: [] }),
    token: gh.token,
    payload,
    baseUrl: gh.url,
    retryBaseMs: 10,
    timeoutMs: 20_000,
    pullRequestLagMs: 300,
    // Each test its own write spacing, as each job has its own token.
    throttleId: randomBytes(6).toString('hex'),
    log: (m) => logs.push(m),
  });
  return { result, logs };
}

const writes = (gh: GitHubEmulator) =>
  gh.count('POST', /\/comments$/) + gh.count('PATCH', /\/issues\/comments\/\d+$/);

describe.concurrent('the dry-run report comment', () => {
  it('posts on the first run and edits the same comment on the next run', async ({ expect }) => {
    const gh = await GitHubEmulator.start();
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      const job = jobFor(gh, 'pull_request');
      const first = await publish(
        gh,
        job,
        payloadFor(gh, 'pull_request', pr),
        transcript('DELETE FROM orders WHERE id < 10', 9, 9),
      );
      expect(first.result).toMatchObject({ action: 'created', pr });
      const [comment] = gh.commentsOn(pr);
      expect(gh.commentsOn(pr)).toHaveLength(1);
      expect(comment!.body.startsWith(reportMarker(job))).toBe(true);
      expect(decoded(comment!.body)).toContain('DELETE FROM orders WHERE id < 10');
      expect(decoded(comment!.body)).toContain('~9 estimated');
      const firstBody = comment!.body;

      const second = await publish(
        gh,
        job,
        payloadFor(gh, 'pull_request', pr),
        transcript('DELETE FROM orders WHERE id < 500', 480, 499),
      );
      expect(second.result).toMatchObject({ action: 'updated', pr, commentId: comment!.id });
      expect(gh.commentsOn(pr)).toHaveLength(1);
      const body = gh.commentsOn(pr)[0]!.body;
      expect(body).not.toBe(firstBody);
      expect(decoded(body)).toContain('DELETE FROM orders WHERE id < 500');
      expect(decoded(body)).toContain('~480 estimated');
      expect(decoded(body)).not.toContain('id < 10');
      expect(gh.count('POST', /\/comments$/)).toBe(1);
      expect(gh.count('PATCH', /\/issues\/comments\/\d+$/)).toBe(1);

      // Another job of the workflow keeps its own comment.
      const other = await publish(
        gh,
        jobFor(gh, 'pull_request', 'migrate-eu'),
        payloadFor(gh, 'pull_request', pr),
      );
      expect(other.result).toMatchObject({ action: 'created' });
      expect(gh.commentsOn(pr)).toHaveLength(2);
      expect(gh.commentsOn(pr)[0]!.body).toBe(body);
    } finally {
      await gh.close();
    }
  });

  it('on a push, reports on the open pull request that contains the commit', async ({ expect }) => {
    const gh = await GitHubEmulator.start();
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      const { result } = await publish(gh, jobFor(gh, 'push'), payloadFor(gh, 'push'));
      expect(result).toMatchObject({ action: 'created', pr });
      expect(gh.commentsOn(pr)).toHaveLength(1);
    } finally {
      await gh.close();
    }
  });

  it('posts nothing for a run that has no pull request of its own', async ({ expect }) => {
    const gh = await GitHubEmulator.start();
    try {
      // Even with an open pull request holding the commit: scheduled and manual runs are not about it.
      gh.addPullRequest({ author: 'pr-author', headSha: SHA });
      for (const event of ['schedule', 'workflow_dispatch'] as const) {
        const { result } = await publish(gh, jobFor(gh, event), payloadFor(gh, event));
        expect(result).toEqual({ action: 'skipped', reason: `a ${event} has no pull request` });
      }
      gh.closeIssue(1);
      const push = await publish(gh, jobFor(gh, 'push'), payloadFor(gh, 'push'));
      expect(push.result).toMatchObject({
        action: 'skipped',
        reason: expect.stringContaining('no open pull request'),
      });
      const noToken = await postReport({
        job: jobFor(gh, 'pull_request'),
        report: 'x',
        payload: payloadFor(gh, 'pull_request', 1),
      });
      expect(noToken.action).toBe('skipped');
      expect(writes(gh)).toBe(0);
      expect(gh.comments).toHaveLength(0);
    } finally {
      await gh.close();
    }
  });

  it('leaves pull requests from forks alone: their token cannot comment', async ({ expect }) => {
    const gh = await GitHubEmulator.start();
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      const { result } = await publish(
        gh,
        jobFor(gh, 'pull_request'),
        payloadFor(gh, 'pull_request', pr, 'forker/app'),
      );
      expect(result).toEqual({
        action: 'skipped',
        reason: 'the pull request comes from the fork forker/app',
      });
      expect(writes(gh)).toBe(0);
    } finally {
      await gh.close();
    }
  });

  it('does not take over a comment in which someone without write access planted the marker', async ({
    expect,
  }) => {
    const gh = await GitHubEmulator.start();
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      const job = jobFor(gh, 'pull_request');
      const planted = gh.addComment(pr, {
        login: 'mallory',
        body: `${reportMarker(job)}\nall clear, merge it`,
      });
      const { result } = await publish(gh, job, payloadFor(gh, 'pull_request', pr));
      expect(result).toMatchObject({ action: 'created' });
      expect(planted.body).toBe(`${reportMarker(job)}\nall clear, merge it`);
      expect(gh.commentsOn(pr)).toHaveLength(2);
      // Our own comment is the one found the next time.
      const again = await publish(gh, job, payloadFor(gh, 'pull_request', pr));
      expect(again.result).toMatchObject({
        action: 'updated',
        commentId: (result as { commentId: number }).commentId,
      });
    } finally {
      await gh.close();
    }
  });

  it('takes no marker comment for its own but one its token wrote: not a member’s, not another bot’s', async ({
    expect,
  }) => {
    const gh = await GitHubEmulator.start();
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      const job = jobFor(gh, 'pull_request');
      // An organisation member (author_association MEMBER) and some app's bot plant the marker.
      gh.setPermission('org-member', 'admin');
      const planted = [
        gh.addComment(pr, { login: 'org-member', body: `${reportMarker(job)}\nnothing to see` }),
        gh.addComment(pr, { login: 'other-app[bot]', body: `${reportMarker(job)}\nall clear` }),
      ];
      expect(planted[0]!.author_association).toBe('MEMBER');
      const { result } = await publish(gh, job, payloadFor(gh, 'pull_request', pr));
      expect(result).toMatchObject({ action: 'created' });
      expect(planted.map((c) => c.body)).toEqual([
        `${reportMarker(job)}\nnothing to see`,
        `${reportMarker(job)}\nall clear`,
      ]);
      const ours = gh.commentsOn(pr).at(-1)!;
      expect(ours.user?.login).toBe('github-actions[bot]');
      // GITHUB_TOKEN cannot read GET /user: the channel asked, got 403, and took github-actions[bot].
      expect(gh.count('GET', /^\/user$/, 403)).toBe(1);
    } finally {
      await gh.close();
    }
  });

  it('knows its comment by the login of a personal token (GET /user)', async ({ expect }) => {
    const gh = await GitHubEmulator.start({
      behaviour: { identity: { kind: 'user', login: 'release-robot' } },
    });
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      const job = jobFor(gh, 'pull_request');
      const first = await publish(gh, job, payloadFor(gh, 'pull_request', pr));
      expect(first.result).toMatchObject({ action: 'created' });
      expect(gh.commentsOn(pr)[0]!.user?.login).toBe('release-robot');
      const again = await publish(gh, job, payloadFor(gh, 'pull_request', pr));
      expect(again.result).toMatchObject({
        action: 'updated',
        commentId: (first.result as { commentId: number }).commentId,
      });
      expect(gh.commentsOn(pr)).toHaveLength(1);
    } finally {
      await gh.close();
    }
  });

  it('edits instead of posting twice when the answer to its POST was lost', async ({ expect }) => {
    const gh = await GitHubEmulator.start();
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      gh.loseResponseNext(1, (method, path) => method === 'POST' && path.endsWith('/comments'));
      const { result, logs } = await publish(
        gh,
        jobFor(gh, 'pull_request'),
        payloadFor(gh, 'pull_request', pr),
      );
      expect(result).toMatchObject({ action: 'updated', pr });
      expect(gh.commentsOn(pr)).toHaveLength(1);
      expect(gh.count('POST', /\/comments$/, 'lost')).toBe(1);
      expect(logs.join('\n')).toContain('trying again');
    } finally {
      await gh.close();
    }
  });

  it('fails with the status when GitHub refuses, and never shows the token', async ({ expect }) => {
    const gh = await GitHubEmulator.start();
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      gh.failNext(1, 403, (method) => method === 'POST');
      const failed = publish(gh, jobFor(gh, 'pull_request'), payloadFor(gh, 'pull_request', pr));
      await expect(failed).rejects.toThrow(/403/);
      const err = await failed.catch((e: Error) => e);
      expect(String(err)).not.toContain(gh.token);
      expect(gh.comments).toHaveLength(0);
    } finally {
      await gh.close();
    }
  });
});

describe('the post step in dry-run mode (finishRun)', () => {
  it('appends the report to the job summary and puts it on the pull request, without secrets', async () => {
    const gh = await GitHubEmulator.start();
    const artifacts = await startArtifactEmulator();
    const changed: Record<string, string | undefined> = {};
    try {
      const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA }).number;
      const runDir = mkdtempSync(join(tmpdir(), 'gr-report-run-'));
      const summaryPath = join(runDir, 'step-summary.md');
      writeFileSync(summaryPath, '');
      for (const [k, v] of Object.entries({
        GITHUB_STEP_SUMMARY: summaryPath,
        GITHUB_API_URL: gh.url,
        ...artifacts.env,
      })) {
        changed[k] = process.env[k];
        process.env[k] = v;
      }
      const job = jobFor(gh, 'pull_request');
      const password = 'lease-pw-0a9b8c7d6e';
      const config: DaemonConfig = {
        version: 1,
        dialect: 'postgres',
        mode: 'dry-run',
        listen: { host: '127.0.0.1', port: 0 },
        upstream: { host: '127.0.0.1', port: 5432, database: 'app' },
        lease: {
          id: 'l1',
          kind: 'static',
          dialect: 'postgres',
          host: '127.0.0.1',
          port: 5432,
          database: 'app',
          username: 'app',
          password,
          standing: true,
        },
        policyPath: null,
        githubToken: gh.token,
        preapproved: [],
        job,
        transcriptPath: join(runDir, 'transcript.jsonl'),
        readyPath: join(runDir, 'ready.json'),
      };
      writeFileSync(join(runDir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
      const rec = new FileRecorder(config.transcriptPath);
      for (const l of transcript(`DELETE FROM orders WHERE note = '${password}'`, 120, 118)) {
        const { seq: _s, ts: _t, conn, ...event } = l;
        rec.record(conn, event as Parameters<FileRecorder['record']>[1]);
      }
      rec.record(0, { type: 'gateway.stop', reason: 'SIGTERM' });
      rec.close();

      const report = await finishRun(
        {
          runDir,
          naming: { job: job.job, runId: job.runId, runAttempt: job.runAttempt },
          eventPayload: payloadFor(gh, 'pull_request', pr),
        },
        { revoke: async () => {} },
      );
      expect(report.problems).toEqual([]);
      expect(report.reportComment).toMatchObject({ action: 'created', pr });
      const [comment] = gh.commentsOn(pr);
      const summary = readFileSync(summaryPath, 'utf8');
      expect(decoded(comment!.body)).toContain('~120 estimated');
      expect(decoded(comment!.body)).toContain('<td>118</td>');
      // The summary carries the same report after its own sections.
      expect(summary).toContain(comment!.body.slice(reportMarker(job).length + 1));
      for (const text of [comment!.body, summary]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain(gh.token);
      }
    } finally {
      for (const [k, v] of Object.entries(changed)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await Promise.all([gh.close(), artifacts.close()]);
    }
  });
});
