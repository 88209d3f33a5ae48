// The GitHub approval channel wired to its own GitHub emulator, as the approval tests use it:
// real Octokit (retry and throttling plugins) over real HTTP, an event payload on disk, a few
// collaborators, and helpers to wait for the request comment and to type the approval command.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExpectStatic } from 'vitest';
import { commandFor, requestHash } from '../../src/approvals/commands.js';
import { GitHubChannel } from '../../src/approvals/github.js';
import { marker } from '../../src/approvals/render.js';
import type {
  ApprovalOutcome,
  ApprovalRequest,
  ApprovalStatement,
  JobInfo,
} from '../../src/approvals/types.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { ApprovalPolicy } from '../../src/policy/types.js';
import { type Behaviour, type GhComment, type GhIssue, GitHubEmulator } from './github-emulator.js';

export const SHA = 'c0ffee'.padEnd(40, '0');

export const dropTable: ApprovalStatement = {
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

export interface Setup {
  event?: string;
  /** The webhook payload; by default a pull_request payload naming the PR, else a push's. */
  payload?: (pr: GhIssue | undefined) => unknown;
  policy?: Partial<ApprovalPolicy>;
  behaviour?: Partial<Behaviour>;
  clockSkewMs?: number;
  /** For events other than pull_request: whether an open PR contains the commit. */
  prForCommit?: boolean;
  maxConsecutiveFailures?: number;
  /** Long enough by default for the throttling plugin's spacing of writes (up to 3 s). */
  requestTimeoutMs?: number;
  pullRequestLagMs?: number;
}

export type ChannelSetup = Awaited<ReturnType<typeof setup>>;

export async function setup(opts: Setup = {}) {
  const gh = await GitHubEmulator.start({
    clockSkewMs: opts.clockSkewMs ?? 0,
    ...(opts.behaviour ? { behaviour: opts.behaviour } : {}),
  });
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
  const payload = opts.payload
    ? opts.payload(pr)
    : event === 'pull_request' && pr
      ? { pull_request: { number: pr.number, user: { login: 'pr-author' } } }
      : { ref: 'refs/heads/main' };
  writeFileSync(eventPath, JSON.stringify(payload));
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
      pullRequestLagMs: opts.pullRequestLagMs ?? 300,
      throttleId: randomBytes(6).toString('hex'),
      log: (m) => logs.push(m),
    });

  const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
    id: `gr-${randomBytes(4).toString('hex')}`,
    batch: false,
    statements: [dropTable],
    database: { dialect: 'postgres', name: 'app', host: 'db.internal:5432', role: 'gr_job_42' },
    job: jobOf(gh, event),
    // Generous: tests that end in an approval do not wait for it; those about timeouts set their own.
    deadline: new Date(Date.now() + 15_000),
    ...over,
  });

  /** The newest comment carrying the request's marker, once posted; fails if the request ends first. */
  const posted = async (id: string, pending?: Promise<ApprovalOutcome>, after = 0): Promise<GhComment> => {
    let ended: ApprovalOutcome | undefined;
    pending?.then((o) => {
      ended = o;
    });
    for (;;) {
      const c = gh.comments.filter((x) => x.id > after && x.body?.includes(marker(id))).at(-1);
      if (c) return c;
      if (ended)
        throw new Error(
          `request ended before its comment was posted: ${JSON.stringify(ended)}; log: ${logs.join(' | ')}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  /**
   * Resolves once the channel has read the thread with `comment` in it, and judged that read: two
   * more reads have completed, so one began after the comment existed, and the poll loop judges a
   * read before it starts the next.
   */
  const seen = async (comment: GhComment) => {
    const issue = comment.issue_url.split('/').at(-1);
    const reads = () =>
      gh.requests.filter(
        (r) =>
          r.method === 'GET' &&
          r.path.endsWith(`/issues/${issue}/comments`) &&
          (r.status === 200 || r.status === 304),
      ).length;
    const before = reads();
    while (reads() < before + 2) await new Promise((r) => setTimeout(r, 10));
  };

  const checkNoSecrets = (expect: ExpectStatic, outcome: ApprovalOutcome) => {
    for (const c of gh.comments) expect(c.body).not.toContain(gh.token);
    for (const l of logs) expect(l).not.toContain(gh.token);
    expect(JSON.stringify(outcome)).not.toContain(gh.token);
  };

  return { gh, pr, channel, request, posted, seen, logs, checkNoSecrets, policy };
}

export const never = () => new AbortController().signal;

/** The run the requests come from: workflow Deploy, job migrate, on SHA, started by job-actor. */
export function jobOf(gh: GitHubEmulator, eventName: string): JobInfo {
  return {
    repository: gh.repository,
    serverUrl: 'https://github.com',
    runId: '4242',
    runAttempt: '1',
    job: 'migrate',
    workflow: 'Deploy',
    ref: 'refs/heads/main',
    sha: SHA,
    actor: 'job-actor',
    eventName,
  };
}

/** The approval command exactly as the request comment tells people to type it. */
export function approve(req: ApprovalRequest): string {
  return commandFor('approve', req.id, requestHash(req));
}

/** The issue or pull-request number a comment is on. */
export function issueOf(comment: GhComment): number {
  return Number(/\/issues\/(\d+)$/.exec(comment.issue_url)![1]);
}
