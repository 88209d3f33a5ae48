// What the GitHub approval channel is configured with, and what it reads from the run's
// environment: the triggering event's payload and the people who started the run.
import { readFileSync } from 'node:fs';
import type { ApprovalPolicy } from '../policy/types.js';
import type { ApprovalRequest } from './types.js';

export interface GitHubChannelOptions {
  token: string;
  policy: ApprovalPolicy;
  /** `owner/name`; defaults to the request's job repository. */
  repository?: string;
  /** Defaults to GITHUB_API_URL, then https://api.github.com. */
  baseUrl?: string;
  /** The triggering event's webhook payload; defaults to GITHUB_EVENT_PATH. */
  eventPath?: string;
  /** Between polls of the comment thread. Default 7 s. */
  pollIntervalMs?: number;
  /** Bound on one API operation, retries included; a hanging request counts as a failure. Default 60 s. */
  requestTimeoutMs?: number;
  /** Backoff unit of retried 5xx and network errors. Default 1 s. */
  retryBaseMs?: number;
  /** Failed polls in a row after which the request fails (deny). Default 10. */
  maxConsecutiveFailures?: number;
  /**
   * How long an empty "pull requests of this commit" answer is asked again (GitHub links commits
   * to pull requests in the background) before the author counts as unknown. Default 15 s.
   */
  pullRequestLagMs?: number;
  /**
   * The login the token acts as, when GET /user cannot tell (an installation token): by default
   * `github-actions[bot]`, the identity of GITHUB_TOKEN.
   */
  identity?: string;
  throttleId?: string;
  log?: (message: string) => void;
}

/** The run's actor, and on a re-run the person who re-ran it (GITHUB_TRIGGERING_ACTOR). */
export function actorsOf(request: ApprovalRequest): string[] {
  const { GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR } = process.env;
  return [request.job.actor, GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR].filter((a): a is string => !!a);
}

export function readEvent(path: string | undefined): unknown {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
