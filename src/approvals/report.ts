// The dry-run report comment: one comment per workflow and job on the run's pull request, found
// again by a hidden marker and edited in place, so every push updates the same comment.
import { setTimeout as delay } from 'node:timers/promises';
import { GuardrailError } from '../errors/guardrail-error.js';
import { identityOf } from './identity.js';
import { createClient, errorText, type GitHubClient, scrub, statusOf } from './octokit.js';
import { pullRequestOfEvent, pullRequestsOfCommit, type Repo, repoOf } from './target.js';
import type { JobInfo } from './types.js';

/** GitHub refuses comment bodies longer than this many characters. */
export const COMMENT_LIMIT = 65_536;

const ATTEMPTS = 3;

export function reportMarker(job: Pick<JobInfo, 'workflow' | 'job'>): string {
  return `<!-- guardrail:report:${encodeURIComponent(job.workflow)}/${encodeURIComponent(job.job)} -->`;
}

export interface ReportCommentOptions {
  token: string;
  job: JobInfo;
  /** The report in markdown, without the marker. */
  body: string;
  /** Defaults to GITHUB_API_URL, then https://api.github.com. */
  baseUrl?: string;
  /** The triggering event's webhook payload (`github.context.payload` on a runner). */
  payload: unknown;
  /** Bound on the whole operation, retries included. Default 60 s. */
  timeoutMs?: number;
  retryBaseMs?: number;
  /** Clients sharing an id share write spacing (GitHub's secondary limits are per token). */
  throttleId?: string;
  /** The login the token acts as when GET /user cannot tell; default `github-actions[bot]`. */
  identity?: string;
  /** How long GitHub is given to link a pushed commit to its pull request. Default 5 s. */
  pullRequestLagMs?: number;
  log?: (message: string) => void;
}

export type ReportCommentResult =
  | { action: 'created' | 'updated'; pr: number; commentId: number; url: string }
  | { action: 'skipped'; reason: string };

interface PullRequestPayload {
  pull_request?: { head?: { repo?: { full_name?: unknown } | null } };
}

/**
 * The pull request the run reports on: the one the event names (pull_request,
 * pull_request_target, merge_group, …), the open one containing the pushed commit for `push`.
 * Other events have no pull request of their own and get no comment.
 */
async function pullRequestOfRun(
  octokit: GitHubClient,
  repo: Repo,
  job: JobInfo,
  payload: unknown,
  signal: AbortSignal,
  lagMs: number,
): Promise<{ number: number } | string> {
  const fromEvent = pullRequestOfEvent(job.eventName, payload);
  if (fromEvent) {
    const head = (payload as PullRequestPayload).pull_request?.head?.repo?.full_name;
    // A fork's pull_request run has a read-only token: the comment would be refused.
    if (job.eventName === 'pull_request' && typeof head === 'string' && head !== job.repository)
      return `the pull request comes from the fork ${head}`;
    return fromEvent;
  }
  if (job.eventName === 'push' && job.sha) {
    const prs = await pullRequestsOfCommit(octokit, repo, job.sha, signal, {
      lagMs,
      baseMs: Math.min(1000, lagMs),
    });
    return prs.find((p) => p.state === 'open') ?? `no open pull request contains ${job.sha.slice(0, 12)}`;
  }
  return `a ${job.eventName || 'run without an event'} has no pull request`;
}

async function findReport(
  octokit: GitHubClient,
  repo: Repo,
  pr: number,
  marker: string,
  me: string,
  signal: AbortSignal,
) {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: pr,
    per_page: 100,
    request: { signal },
  });
  // Anyone can write the marker into a comment: only the token's own identity's is ours.
  return comments
    .filter((c) => c.body?.startsWith(marker) && c.user?.login.toLowerCase() === me.toLowerCase())
    .sort((a, b) => a.id - b.id)[0];
}

/**
 * Edits the run's report comment, or posts it when there is none. A POST whose answer is lost is
 * not repeated blindly: the next attempt looks for the marker first and edits what it finds.
 * Throws on failure, with the token removed from the message.
 */
export async function upsertReportComment(opts: ReportCommentOptions): Promise<ReportCommentResult> {
  const log = (m: string) => opts.log?.(scrub(m, opts.token));
  const marker = reportMarker(opts.job);
  const body = `${marker}\n${opts.body}`;
  if (body.length > COMMENT_LIMIT)
    throw new GuardrailError(`the report has ${body.length} characters, over GitHub's ${COMMENT_LIMIT}`, {
      code: 'ERR_APPROVALS',
    });
  const repo = repoOf(opts.job.repository);
  const octokit = createClient(opts.token, {
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
    ...(opts.throttleId ? { throttleId: opts.throttleId } : {}),
    log,
  });
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 60_000);
  try {
    const target = await pullRequestOfRun(
      octokit,
      repo,
      opts.job,
      opts.payload,
      signal,
      opts.pullRequestLagMs ?? 5_000,
    );
    if (typeof target === 'string') return { action: 'skipped', reason: target };
    const me = await identityOf(octokit, signal, opts.identity);
    for (let attempt = 1; ; attempt++) {
      try {
        const found = await findReport(octokit, repo, target.number, marker, me, signal);
        if (found) {
          const { data } = await octokit.rest.issues.updateComment({
            ...repo,
            comment_id: found.id,
            body,
            request: { signal },
          });
          return { action: 'updated', pr: target.number, commentId: data.id, url: data.html_url };
        }
        const { data } = await octokit.rest.issues.createComment({
          ...repo,
          issue_number: target.number,
          body,
          request: { signal, retries: 0 },
        });
        return { action: 'created', pr: target.number, commentId: data.id, url: data.html_url };
      } catch (err) {
        const status = statusOf(err);
        const refused = status !== undefined && status >= 400 && status < 500;
        if (refused || signal.aborted || attempt >= ATTEMPTS) throw err;
        log(`the report comment failed (${(err as Error).message}); trying again`);
        await delay((opts.retryBaseMs ?? 1000) * attempt * attempt, undefined, { signal });
      }
    }
  } catch (err) {
    throw new GuardrailError(
      signal.aborted
        ? `GitHub did not answer within ${opts.timeoutMs ?? 60_000} ms`
        : errorText(err, opts.token),
      { code: 'ERR_APPROVALS' },
    );
  }
}
