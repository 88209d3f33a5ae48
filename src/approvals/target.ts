// Where a request is asked, and whose change it is: the pull request of the run (named by the
// event, or found behind the commit even once merged), else a tracking issue per workflow. The
// pull request's author and every committer of its commits may not approve it; when no pull
// request can be tied to the run, its author is unknown and the request says so.

import { GuardrailError } from '../errors/guardrail-error.js';
import type { GitHubClient } from './octokit.js';
import { statusOf } from './octokit.js';
import { escapeInline } from './render.js';
import { sleep } from './sleep.js';
import type { JobInfo } from './types.js';

export interface Target {
  /** Issue or pull-request number: both take issue comments. */
  number: number;
  kind: 'pull_request' | 'issue';
  /** The pull-request author, who may not approve their own change. */
  author?: string;
  /** Everyone else GitHub ties to the change: commit authors and committers, other PRs' authors. */
  contributors: string[];
  /** Set when the change's author could not be determined, saying why. */
  authorUnknown?: string;
}

export interface Repo {
  owner: string;
  repo: string;
}

export const TRACKING_LABEL = 'guardrail';

/** `owner/name` as the REST API's owner and repo parameters. */
export function repoOf(full: string): Repo {
  const [owner, repo, extra] = full.split('/');
  if (!owner || !repo || extra !== undefined)
    throw new GuardrailError(`not a repository name: ${full}`, { code: 'ERR_APPROVALS' });
  return { owner, repo };
}

/** Events that run on a commit without naming a pull request: the PR is looked up by the commit. */
const COMMIT_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch', 'repository_dispatch']);

export function trackingMarker(workflow: string): string {
  return `<!-- guardrail:tracking:${encodeURIComponent(workflow)} -->`;
}

interface UserRef {
  login?: unknown;
}

interface EventPayload {
  pull_request?: { number?: unknown; user?: UserRef | null };
  issue?: { number?: unknown; pull_request?: unknown; user?: UserRef | null };
  merge_group?: { head_ref?: unknown };
  workflow_run?: { pull_requests?: { number?: unknown }[] };
}

export interface EventPullRequest {
  number: number;
  /** Absent when the payload does not carry it (merge_group, workflow_run) or names no user. */
  author?: string;
}

const loginOf = (u: UserRef | null | undefined) => (typeof u?.login === 'string' ? u.login : undefined);

/**
 * The pull request an event's payload names: `pull_request` and `pull_request_target` (and the
 * review events) carry it whole, `issue_comment` on a pull request as its issue, `merge_group`
 * in the queue branch's name (`gh-readonly-queue/<base>/pr-<n>-<sha>`), `workflow_run` in its list.
 */
export function pullRequestOfEvent(eventName: string, payload: unknown): EventPullRequest | undefined {
  const p = (payload ?? {}) as EventPayload;
  const of = (number: unknown, user?: UserRef | null): EventPullRequest | undefined => {
    if (typeof number !== 'number' || !Number.isInteger(number) || number <= 0) return undefined;
    const author = loginOf(user);
    return { number, ...(author ? { author } : {}) };
  };
  switch (eventName) {
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review':
    case 'pull_request_review_comment':
      return of(p.pull_request?.number, p.pull_request?.user);
    case 'issue_comment':
      return p.issue?.pull_request ? of(p.issue.number, p.issue.user) : undefined;
    case 'merge_group': {
      const ref = p.merge_group?.head_ref;
      const m = typeof ref === 'string' ? /\/pr-(\d+)-[0-9a-f]+$/.exec(ref) : null;
      return m ? of(Number(m[1])) : undefined;
    }
    case 'workflow_run': {
      const prs = p.workflow_run?.pull_requests ?? [];
      return prs.length === 1 ? of(prs[0]?.number) : undefined;
    }
    default:
      return undefined;
  }
}

export interface CommitPullRequest {
  number: number;
  author?: string;
  state: 'open' | 'merged' | 'closed';
  headSha: string;
  mergeSha?: string;
}

/** Open with the commit as head, open, merged by the commit, merged, closed: the PR behind a commit. */
function rank(pr: CommitPullRequest, sha: string): number {
  if (pr.state === 'open') return pr.headSha === sha ? 0 : 1;
  if (pr.state === 'merged') return pr.mergeSha === sha ? 2 : 3;
  return 4;
}

export interface LookupTiming {
  /** How long an empty answer is asked again: GitHub links commits to PRs in the background. */
  lagMs: number;
  /** First wait between asks; doubles each time. */
  baseMs: number;
}

/**
 * Every pull request GitHub ties to the commit, best first. On the default branch GitHub answers
 * only with the merged pull request; right after a push or merge it may answer `[]` until it has
 * indexed the commit, so an empty answer is asked again for `timing.lagMs`.
 */
export async function pullRequestsOfCommit(
  octokit: GitHubClient,
  repo: Repo,
  sha: string,
  signal: AbortSignal,
  timing: LookupTiming,
): Promise<CommitPullRequest[]> {
  // The window opens at the first empty answer: a slow first answer does not use it up.
  let until: number | undefined;
  for (let wait = timing.baseMs; ; wait *= 2) {
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: sha,
      per_page: 100,
      request: { signal },
    });
    until ??= Date.now() + timing.lagMs;
    if (data.length > 0 || Date.now() + wait > until || signal.aborted) {
      return data
        .map((pr): CommitPullRequest => {
          const author = pr.user?.login;
          return {
            number: pr.number,
            state: pr.state === 'open' ? 'open' : pr.merged_at ? 'merged' : 'closed',
            headSha: pr.head.sha,
            ...(author ? { author } : {}),
            ...(pr.merge_commit_sha ? { mergeSha: pr.merge_commit_sha } : {}),
          };
        })
        .sort((a, b) => rank(a, sha) - rank(b, sha) || b.number - a.number);
    }
    await sleep(Math.min(wait, until - Date.now()), signal);
  }
}

/** At most this many commits are listed (GitHub's own limit for the endpoint is 250). */
const MAX_COMMITS = 250;

/** The GitHub accounts that authored or committed the pull request's commits. */
async function committersOf(octokit: GitHubClient, repo: Repo, pr: number, signal: AbortSignal) {
  const commits = await octokit.paginate(
    octokit.rest.pulls.listCommits,
    { ...repo, pull_number: pr, per_page: 100, request: { signal } },
    (res, done) => {
      if (res.data.length < 100) done();
      return res.data;
    },
  );
  const logins = new Set<string>();
  for (const c of commits.slice(0, MAX_COMMITS)) {
    for (const login of [c.author?.login, c.committer?.login]) if (login) logins.add(login);
  }
  return [...logins];
}

/** The author of a pull request known only by number (a pull request is an issue too); undefined when GitHub names no user. */
async function authorOf(octokit: GitHubClient, repo: Repo, pr: number, signal: AbortSignal) {
  const { data } = await octokit.rest.issues.get({ ...repo, issue_number: pr, request: { signal } });
  return data.user?.login;
}

/** Open issues looked through for a tracking issue whose label GitHub dropped. */
const MAX_ISSUE_PAGES = 10;

/**
 * The open tracking issue of the workflow, opened if there is none. Only an issue the token's
 * own identity opened counts: anyone can write the marker into an issue.
 */
export async function trackingIssue(
  octokit: GitHubClient,
  repo: Repo,
  job: JobInfo,
  identity: () => Promise<string>,
  signal: AbortSignal,
): Promise<Target> {
  const marker = trackingMarker(job.workflow);
  const me = (await identity()).toLowerCase();
  const unknown = 'the run has no pull request, so the request is asked in a tracking issue';
  const find = async (labels?: string) => {
    let pages = 0;
    const iterator = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
      ...repo,
      ...(labels ? { labels } : {}),
      state: 'open',
      sort: 'created',
      direction: 'asc',
      per_page: 100,
      request: { signal },
    });
    for await (const { data } of iterator) {
      const found = data.find(
        (i) => !i.pull_request && i.body?.includes(marker) && i.user?.login.toLowerCase() === me,
      );
      if (found) return found.number;
      if (++pages >= MAX_ISSUE_PAGES) return undefined;
    }
    return undefined;
  };
  try {
    // GitHub drops labels silently when the token cannot push: then the marker alone finds it.
    const found = (await find(TRACKING_LABEL)) ?? (await find());
    if (found) return { number: found, kind: 'issue', contributors: [], authorUnknown: unknown };
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: `guardrail approvals: ${job.workflow}`,
      body: [
        marker,
        `Statements held by guardrail in runs of the workflow **${escapeInline(job.workflow)}** ask for approval here when the run has no pull request.`,
        '',
        'Each request is a comment below with the commands to approve or deny it.',
      ].join('\n'),
      labels: [TRACKING_LABEL],
      request: { signal },
    });
    return { number: data.number, kind: 'issue', contributors: [], authorUnknown: unknown };
  } catch (err) {
    if (statusOf(err) === 410)
      throw new GuardrailError(
        'issues are disabled in this repository, so there is no tracking issue to ask in: enable issues, or run the workflow for a pull request',
        { code: 'ERR_APPROVALS' },
      );
    throw err;
  }
}

export interface TargetContext {
  octokit: GitHubClient;
  repo: Repo;
  job: JobInfo;
  payload: unknown;
  signal: AbortSignal;
  timing: LookupTiming;
  tracking: () => Promise<Target>;
}

/** The pull request (with everyone who wrote it) or tracking issue a request is asked on. */
export async function resolveTarget(ctx: TargetContext): Promise<Target> {
  const { octokit, repo, job, signal } = ctx;
  const named = pullRequestOfEvent(job.eventName, ctx.payload);
  let pr: { number: number; author?: string } | undefined = named;
  const others: string[] = [];
  if (!pr && COMMIT_EVENTS.has(job.eventName) && job.sha) {
    const found = await pullRequestsOfCommit(octokit, repo, job.sha, signal, ctx.timing);
    pr = found[0];
    for (const p of found.slice(1)) if (p.author) others.push(p.author);
  }
  if (!pr) return ctx.tracking();
  const author = pr.author ?? (named ? await authorOf(octokit, repo, pr.number, signal) : undefined);
  const contributors = [...new Set([...others, ...(await committersOf(octokit, repo, pr.number, signal))])];
  return {
    number: pr.number,
    kind: 'pull_request',
    contributors,
    ...(author ? { author } : { authorUnknown: `GitHub names no author for pull request #${pr.number}` }),
  };
}
