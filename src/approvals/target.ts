// Where a request is asked: the pull request of the run, or a tracking issue per workflow.
import type { GitHubClient } from './octokit.js';
import { escapeInline } from './render.js';
import type { JobInfo } from './types.js';

export interface Target {
  /** Issue or pull-request number: both take issue comments. */
  number: number;
  kind: 'pull_request' | 'issue';
  /** The pull-request author, who may not approve their own change. */
  author?: string;
}

export interface Repo {
  owner: string;
  repo: string;
}

export const TRACKING_LABEL = 'guardrail';

/** `owner/name` as the REST API's owner and repo parameters. */
export function repoOf(full: string): Repo {
  const [owner, repo, extra] = full.split('/');
  if (!owner || !repo || extra !== undefined) throw new Error(`not a repository name: ${full}`);
  return { owner, repo };
}

const COMMIT_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch']);

export function trackingMarker(workflow: string): string {
  return `<!-- guardrail:tracking:${encodeURIComponent(workflow)} -->`;
}

interface PullRequestPayload {
  pull_request?: { number?: unknown; user?: { login?: unknown } };
}

/** The pull request named by a `pull_request` event payload, if any. */
export function pullRequestOfEvent(eventName: string, payload: unknown): Target | undefined {
  if (eventName !== 'pull_request') return undefined;
  const pr = (payload as PullRequestPayload | null)?.pull_request;
  if (!pr || typeof pr.number !== 'number') return undefined;
  const login = pr.user?.login;
  return { number: pr.number, kind: 'pull_request', ...(typeof login === 'string' ? { author: login } : {}) };
}

/** The open pull request that contains the commit, preferring one whose head is the commit. */
export async function pullRequestOfCommit(
  octokit: GitHubClient,
  repo: Repo,
  sha: string,
  signal: AbortSignal,
): Promise<Target | undefined> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    ...repo,
    commit_sha: sha,
    per_page: 100,
    request: { signal },
  });
  const open = data.filter((pr) => pr.state === 'open');
  const pr = open.find((p) => p.head.sha === sha) ?? open[0];
  if (!pr) return undefined;
  return { number: pr.number, kind: 'pull_request', ...(pr.user ? { author: pr.user.login } : {}) };
}

/** The open tracking issue of the workflow, opened if there is none. */
export async function trackingIssue(
  octokit: GitHubClient,
  repo: Repo,
  job: JobInfo,
  signal: AbortSignal,
): Promise<Target> {
  const marker = trackingMarker(job.workflow);
  const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...repo,
    labels: TRACKING_LABEL,
    state: 'open',
    per_page: 100,
    request: { signal },
  });
  const found = open
    .filter((i) => !i.pull_request && i.body?.includes(marker))
    .sort((a, b) => a.number - b.number)[0];
  if (found) return { number: found.number, kind: 'issue' };
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
  return { number: data.number, kind: 'issue' };
}

export async function resolveTarget(
  octokit: GitHubClient,
  repo: Repo,
  job: JobInfo,
  payload: unknown,
  signal: AbortSignal,
  tracking: () => Promise<Target>,
): Promise<Target> {
  const fromEvent = pullRequestOfEvent(job.eventName, payload);
  if (fromEvent) return fromEvent;
  if (COMMIT_EVENTS.has(job.eventName) && job.sha) {
    const fromCommit = await pullRequestOfCommit(octokit, repo, job.sha, signal);
    if (fromCommit) return fromCommit;
  }
  return tracking();
}
