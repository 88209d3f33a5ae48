// The Octokit every GitHub call of the approval channel goes through: @actions/github's
// client (REST methods, pagination) plus retry (5xx and network errors, with backoff) and
// throttling (primary and secondary rate limits, retry-after).
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface ClientSettings {
  /** Defaults to GITHUB_API_URL, then https://api.github.com. */
  baseUrl?: string;
  /** Backoff unit for retried requests: waits of 1, 4, 9 … units. */
  retryBaseMs?: number;
  retries?: number;
  /** A rate-limit wait longer than this is not waited for: the call fails instead. */
  maxRateLimitWaitMs?: number;
  /** Requests sharing an id share write spacing (GitHub's secondary limits are per token). */
  throttleId?: string;
  log: (message: string) => void;
}

export function createClient(token: string, settings: ClientSettings): GitHubClient {
  const maxWait = settings.maxRateLimitWaitMs ?? 5 * 60_000;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      const wait = retryAfter * 1000 <= maxWait && retryCount < 3;
      settings.log(
        `GitHub ${kind} rate limit on ${options.method} ${options.url}: ${wait ? `retrying after ${retryAfter}s` : 'giving up'}`,
      );
      return wait;
    };
  const noop = () => {};
  return getOctokit(
    token,
    {
      baseUrl: settings.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com',
      userAgent: 'guardrail-action',
      log: { debug: noop, info: noop, warn: settings.log, error: settings.log },
      retry: {
        retries: settings.retries ?? 3,
        retryAfterBaseValue: settings.retryBaseMs ?? 1000,
        // 429 (and 403 rate limits) belong to the throttling plugin, which honours retry-after.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
      throttle: {
        id: settings.throttleId ?? 'guardrail',
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
      },
    },
    retry,
    throttling,
  );
}

/** The HTTP status of an Octokit error, if it has one. */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Whatever a text says, the token never leaves with it. */
export function scrub(text: string, token: string): string {
  return text.split(token).join('***');
}

/** An API error in words (with its HTTP status), the token removed. */
export function errorText(err: unknown, token: string): string {
  const status = statusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return scrub(status && !message.includes(String(status)) ? `${status} ${message}` : message, token);
}
