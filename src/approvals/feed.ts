// Reads the comments of one issue again and again at little cost: every page is asked for
// with the ETag of its last answer, and GitHub does not count a 304 against the rate limit.
import { type GitHubClient, statusOf } from './octokit.js';
import type { IssueComment } from './tally.js';
import type { Repo } from './target.js';

const PER_PAGE = 100;
/** 10,000 comments: a thread longer than this is not read to its end. */
const MAX_PAGES = 100;

export interface RateLimit {
  remaining?: number;
  /** Epoch milliseconds when the budget refills. */
  resetAt?: number;
}

interface Page {
  etag?: string;
  items: IssueComment[];
  hasNext: boolean;
}

export interface FeedRead {
  /** False when every page answered 304. */
  changed: boolean;
  comments: IssueComment[];
  rate: RateLimit;
}

type Headers = Record<string, string | number | undefined>;

function rateOf(headers: Headers): RateLimit {
  const remaining = Number(headers['x-ratelimit-remaining']);
  const reset = Number(headers['x-ratelimit-reset']);
  return {
    ...(Number.isFinite(remaining) && headers['x-ratelimit-remaining'] !== undefined ? { remaining } : {}),
    ...(Number.isFinite(reset) && reset > 0 ? { resetAt: reset * 1000 } : {}),
  };
}

/**
 * GitHub's `since` returns comments updated strictly after it, to the second: a comment written in
 * the same second as the request would never be returned. Ask from one second before.
 */
export function sinceBefore(createdAt: string): string {
  return new Date(Date.parse(createdAt) - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class CommentFeed {
  private pages: Page[] = [];
  private readonly since: string;

  constructor(
    private readonly octokit: GitHubClient,
    private readonly repo: Repo,
    private readonly issue: number,
    /** Creation time of the request; the caller still checks each comment's own times. */
    createdAt: string,
  ) {
    this.since = sinceBefore(createdAt);
  }

  async read(signal: AbortSignal): Promise<FeedRead> {
    let changed = false;
    let rate: RateLimit = {};
    const pages: Page[] = [];
    for (let n = 1; ; n++) {
      const cached = this.pages[n - 1];
      let page: Page;
      try {
        const res = await this.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...this.repo,
          issue_number: this.issue,
          since: this.since,
          per_page: PER_PAGE,
          page: n,
          headers: cached?.etag ? { 'if-none-match': cached.etag } : {},
          request: { signal },
        });
        rate = rateOf(res.headers as Headers);
        page = {
          ...(res.headers.etag ? { etag: res.headers.etag } : {}),
          items: res.data as IssueComment[],
          hasNext: /rel="next"/.test(res.headers.link ?? ''),
        };
        changed = true;
      } catch (err) {
        if (statusOf(err) !== 304 || !cached) throw err;
        rate = rateOf((err as { response?: { headers?: Headers } }).response?.headers ?? {});
        page = cached;
      }
      pages.push(page);
      // A full page may have grown a successor since its ETag was taken.
      if ((!page.hasNext && page.items.length < PER_PAGE) || n >= MAX_PAGES) break;
    }
    if (pages.length !== this.pages.length) changed = true;
    this.pages = pages;
    // A comment edited between two page reads moves to a later page: keep each comment once.
    const byId = new Map<number, IssueComment>();
    for (const c of pages.flatMap((p) => p.items)) byId.set(c.id, c);
    return { changed, comments: [...byId.values()], rate };
  }
}
