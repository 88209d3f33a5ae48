// The GitHub approval channel: asks on the run's pull request (or a tracking issue), waits for
// `/guardrail approve <id> <hash>` or `/guardrail deny <id>` comments, keeps its own request
// comment under watch (an edited one is void and asked again), and fails closed on timeout, abort
// or an API that cannot be reached. request() never rejects.
import { DeadlineReached } from '../errors/guardrail-error.js';
import type { RepoPermission } from '../policy/types.js';
import { requestHash } from './commands.js';
import { CommentFeed, type RateLimit } from './feed.js';
import {
  LOOKBACK_MS,
  MAX_REPOSTS,
  POST_ATTEMPTS,
  type PostedComment,
  REACTION,
  tamperingOf,
  voidedOf,
} from './github-comment.js';
import { actorsOf, type GitHubChannelOptions, readEvent } from './github-options.js';
import { identityOf } from './identity.js';
import { createClient, errorText, type GitHubClient, scrub, statusOf } from './octokit.js';
import { levelOf } from './permission.js';
import { marker, renderComment } from './render.js';
import { sleep } from './sleep.js';
import { approvalsNeeded, bodyHash, type Tally, tally } from './tally.js';
import { type Repo, repoOf, resolveTarget, type Target, trackingIssue } from './target.js';
import type { ApprovalChannel, ApprovalOutcome, ApprovalRequest, IgnoredCommand } from './types.js';

/** Calls left in the rate-limit budget that polling leaves for the decision itself. */
const RATE_RESERVE = 5;

export class GitHubChannel implements ApprovalChannel {
  readonly name = 'github';
  private readonly octokit: GitHubClient;
  private readonly log: (message: string) => void;
  private readonly tracking = new Map<string, Promise<Target>>();
  private target: Promise<Target> | undefined;
  private identity: Promise<string> | undefined;

  constructor(private readonly options: GitHubChannelOptions) {
    if (!options.token) throw new Error('the GitHub approval channel needs a token');
    this.log = (message) =>
      (options.log ?? ((m) => process.stderr.write(`${m}\n`)))(scrub(message, options.token));
    this.octokit = createClient(options.token, {
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      ...(options.throttleId ? { throttleId: options.throttleId } : {}),
      log: this.log,
    });
  }

  /** Whatever an error says, the token never leaves this object. */
  private errorText(err: unknown): string {
    return errorText(err, this.options.token);
  }

  async request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    try {
      return await this.run(request, signal);
    } catch (err) {
      return this.failed(err, 'approval channel failed', signal);
    }
  }

  private outcome(
    decision: ApprovalOutcome['decision'],
    fields: {
      by?: string[];
      reason?: string;
      url?: string;
      hashes?: string[];
      ignored?: IgnoredCommand[];
      voided?: ApprovalOutcome['voided'];
    },
  ): ApprovalOutcome {
    return {
      decision,
      by: fields.by ?? [],
      decidedAt: new Date().toISOString(),
      hashes: decision === 'approved' ? (fields.hashes ?? []) : [],
      ...(fields.reason ? { reason: fields.reason } : {}),
      ...(fields.url ? { url: fields.url } : {}),
      ...(fields.ignored?.length ? { ignored: fields.ignored } : {}),
      ...(fields.voided?.length ? { voided: fields.voided } : {}),
    };
  }

  private aborted(
    signal: AbortSignal,
    fields: { url?: string; ignored?: IgnoredCommand[] } = {},
  ): ApprovalOutcome {
    const why = signal.reason instanceof Error ? signal.reason.message : 'the request was withdrawn';
    return this.outcome('denied', { reason: `aborted: ${why}`, ...fields });
  }

  /** The outcome of a request that ended before it could be decided. */
  private failed(err: unknown, what: string, signal: AbortSignal): ApprovalOutcome {
    if (signal.aborted) return this.aborted(signal);
    if (err instanceof DeadlineReached)
      return this.outcome('timeout', { reason: `${what} before the deadline` });
    return this.outcome('error', { reason: `${what}: ${this.errorText(err)}` });
  }

  /** Runs one API operation, bounded by the request timeout, the deadline and the abort signal. */
  private async call<T>(
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
    deadline: number,
  ): Promise<T> {
    const budget = Math.min(this.options.requestTimeoutMs ?? 60_000, deadline - Date.now());
    if (budget <= 0) throw new DeadlineReached('deadline reached');
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(budget)]);
    return new Promise<T>((resolve, reject) => {
      const stop = () =>
        reject(
          signal.aborted
            ? new Error('aborted')
            : Date.now() >= deadline
              ? new DeadlineReached('deadline reached')
              : new Error(`GitHub did not answer within ${budget} ms`),
        );
      bounded.addEventListener('abort', stop, { once: true });
      fn(bounded)
        .then(resolve, reject)
        .finally(() => bounded.removeEventListener('abort', stop));
    });
  }

  /** Who the token acts as: the report, tracking issue and request comments are known by it. */
  private whoAmI(signal: AbortSignal): Promise<string> {
    if (!this.identity) {
      this.identity = identityOf(this.octokit, signal, this.options.identity);
      this.identity.catch(() => {
        this.identity = undefined;
      });
    }
    return this.identity;
  }

  private repo(request: ApprovalRequest): Repo {
    return repoOf(this.options.repository ?? request.job.repository);
  }

  private trackingIssue(repo: Repo, request: ApprovalRequest, signal: AbortSignal): Promise<Target> {
    // One lookup per workflow and channel, so concurrent requests do not open two issues.
    const key = `${repo.owner}/${repo.repo}:${request.job.workflow}`;
    let found = this.tracking.get(key);
    if (!found) {
      found = trackingIssue(this.octokit, repo, request.job, () => this.whoAmI(signal), signal);
      found.catch(() => this.tracking.delete(key));
      this.tracking.set(key, found);
    }
    return found;
  }

  private async permissionOf(
    repo: Repo,
    login: string,
    signal: AbortSignal,
  ): Promise<RepoPermission | 'none'> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        ...repo,
        username: login,
        request: { signal },
      });
      return levelOf(data);
    } catch (err) {
      if (statusOf(err) === 404) return 'none';
      throw err;
    }
  }

  private async react(repo: Repo, commentId: number, content: '+1' | '-1' | 'eyes', signal: AbortSignal) {
    try {
      await this.octokit.rest.reactions.createForIssueComment({
        ...repo,
        comment_id: commentId,
        content,
        request: { signal, retries: 0 },
      });
    } catch (err) {
      this.log(`could not react to comment ${commentId}: ${this.errorText(err)}`);
    }
  }

  /** Marks every newly seen command: counted approvals +1, counted denials -1, ignored ones eyes. */
  private async markSeen(repo: Repo, t: Tally, seen: Set<number>, signal: AbortSignal): Promise<void> {
    const marks: [number, '+1' | '-1' | 'eyes'][] = [
      ...t.approvals.map((v): [number, '+1'] => [v.commentId, REACTION.approve]),
      ...t.denials.map((v): [number, '-1'] => [v.commentId, REACTION.deny]),
      ...t.ignored.map((i): [number, 'eyes'] => [i.commentId, REACTION.ignored]),
    ];
    for (const [id, content] of marks) {
      if (seen.has(id) || signal.aborted) continue;
      seen.add(id);
      await this.react(repo, id, content, signal);
    }
  }

  /**
   * Posts the request comment exactly once. POST is not idempotent, so the retry plugin does
   * not repeat it: after a failure whose answer may have been lost, the marker is looked for
   * first, and only a comment that is not there is posted again.
   */
  private async post(
    repo: Repo,
    issue: number,
    id: string,
    body: string,
    signal: AbortSignal,
    deadline: number,
  ): Promise<PostedComment> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { data } = await this.call(
          (s) =>
            this.octokit.rest.issues.createComment({
              ...repo,
              issue_number: issue,
              body,
              request: { signal: s, retries: 0 },
            }),
          signal,
          deadline,
        );
        // GitHub's copy of the body is the reference: what it stored is what people read.
        return { ...data, written: bodyHash(data.body ?? body) };
      } catch (err) {
        const status = statusOf(err);
        const refused = status !== undefined && status >= 400 && status < 500;
        if (refused || signal.aborted || err instanceof DeadlineReached || attempt >= POST_ATTEMPTS)
          throw err;
        this.log(
          `posting approval ${id} failed (${this.errorText(err)}); looking for it before trying again`,
        );
        const found = await this.call((s) => this.findPosted(repo, issue, id, s), signal, deadline).catch(
          () => undefined,
        );
        if (found) return { ...found, written: bodyHash(found.body) };
        await sleep((this.options.retryBaseMs ?? 1000) * attempt * attempt, signal);
      }
    }
  }

  /** The comment a lost POST created: the request's marker, written by the token's own identity. */
  private async findPosted(repo: Repo, issue: number, id: string, signal: AbortSignal) {
    const me = (await this.whoAmI(signal)).toLowerCase();
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...repo,
      issue_number: issue,
      since: new Date(Date.now() - LOOKBACK_MS).toISOString(),
      per_page: 100,
      request: { signal },
    });
    return comments.find((c) => c.body?.startsWith(marker(id)) && c.user?.login.toLowerCase() === me);
  }

  private async run(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    // The caller sets the deadline (the action's approval-timeout, else the policy's timeout).
    const deadline = request.deadline.getTime();
    if (signal.aborted) return this.aborted(signal);
    const repo = this.repo(request);

    let target: Target;
    try {
      target = await this.call((s) => this.targetOf(repo, request, s), signal, deadline);
    } catch (err) {
      return this.failed(err, 'could not find a pull request or issue to ask on', signal);
    }
    if (target.authorUnknown) {
      this.log(`approval ${request.id}: author unknown (${target.authorUnknown})`);
      const { approvers } = this.options.policy;
      const needed = approvalsNeeded(this.options.policy, true);
      // The policy's approvers list cannot supply the extra approver: refused without asking.
      if (approvers && approvers.length < needed)
        return this.outcome('denied', {
          reason: `the change's author is unknown (${target.authorUnknown}), so ${needed} distinct approvers are needed, but the policy lists only ${approvers.length}`,
        });
    }

    const voided: { url: string; reason: string }[] = [];
    for (;;) {
      let comment: PostedComment;
      const notice = voided.length
        ? `The earlier request comment ${voided.at(-1)!.url} was changed by someone other than guardrail: it is void, and decisions on it do not count. Decide here.`
        : undefined;
      try {
        comment = await this.post(
          repo,
          target.number,
          request.id,
          renderComment(request, this.context(target, notice)),
          signal,
          deadline,
        );
      } catch (err) {
        return { ...this.failed(err, 'could not post the approval request', signal), ...voidedOf(voided) };
      }
      this.log(`approval ${request.id} requested: ${comment.html_url}`);

      const waited = await this.wait(request, repo, target, comment, deadline, signal);
      if ('tampered' in waited) {
        voided.push({ url: comment.html_url, reason: waited.tampered });
        this.log(
          `approval ${request.id}: request comment ${comment.html_url} ${waited.tampered}; it is void`,
        );
        if (voided.length > MAX_REPOSTS) {
          return this.outcome('denied', {
            reason: `the request comment was changed by someone else ${voided.length} times`,
            ...voidedOf(voided),
          });
        }
        continue;
      }
      const outcome = { ...waited, ...voidedOf(voided) };
      await this.finish(repo, comment, renderComment(request, { ...this.context(target, notice), outcome }));
      return outcome;
    }
  }

  private context(target: Target, notice?: string) {
    return {
      policy: this.options.policy,
      now: new Date(),
      ...(target.authorUnknown ? { authorUnknown: target.authorUnknown } : {}),
      ...(notice ? { notice } : {}),
    };
  }

  /** One target per channel: a run has one event and one commit, and the lookups cost calls. */
  private targetOf(repo: Repo, request: ApprovalRequest, signal: AbortSignal): Promise<Target> {
    if (!this.target) {
      this.target = resolveTarget({
        octokit: this.octokit,
        repo,
        job: request.job,
        payload: readEvent(this.options.eventPath ?? process.env.GITHUB_EVENT_PATH),
        signal,
        timing: {
          lagMs: this.options.pullRequestLagMs ?? 15_000,
          baseMs: Math.min(1000, this.options.retryBaseMs ?? 1000),
        },
        tracking: () => this.trackingIssue(repo, request, signal),
      });
      this.target.catch(() => {
        this.target = undefined;
      });
    }
    return this.target;
  }

  private async wait(
    request: ApprovalRequest,
    repo: Repo,
    target: Target,
    comment: PostedComment,
    deadline: number,
    signal: AbortSignal,
  ): Promise<ApprovalOutcome | { tampered: string }> {
    const { policy } = this.options;
    const interval = this.options.pollIntervalMs ?? 7_000;
    const maxFailures = this.options.maxConsecutiveFailures ?? 10;
    // Creation time on GitHub's clock: a local clock that runs ahead would drop real approvals.
    const feed = new CommentFeed(this.octokit, repo, target.number, comment.created_at);
    const seen = new Set<number>();
    const bodies = new Map<number, string>();
    const hash = requestHash(request);
    const url = comment.html_url;
    let latest: Tally | undefined;
    let failures = 0;
    let lastError = '';
    let pauseUntil = 0;
    let unjudged = false;
    const ignored = () => latest?.ignored.map(({ commentId: _, ...rest }) => rest);

    for (;;) {
      await sleep(Math.min(Math.max(interval, pauseUntil - Date.now()), deadline - Date.now()), signal);
      if (signal.aborted) return this.aborted(signal, { url, ignored: ignored() });
      try {
        const read = await this.call((s) => feed.read(s), signal, deadline);
        failures = 0;
        pauseUntil = this.pauseFor(read.rate);
        unjudged ||= read.changed;
        if (read.changed) {
          const tampered = tamperingOf(read.comments, comment);
          if (tampered) return { tampered };
        }
        // Judging costs calls (permissions, reactions); with the budget spent, judge after the reset.
        if (unjudged && pauseUntil <= Date.now()) {
          const t = await this.call(
            (s) =>
              tally({
                requestId: request.id,
                requestHash: hash,
                requestCommentId: comment.id,
                since: comment.created_at,
                comments: read.comments,
                policy,
                actors: actorsOf(request),
                ...(target.author ? { author: target.author } : {}),
                contributors: target.contributors,
                ...(target.authorUnknown ? { authorUnknown: target.authorUnknown } : {}),
                bodies,
                permissionOf: (login) => this.permissionOf(repo, login, s),
              }),
            signal,
            deadline,
          );
          latest = t;
          unjudged = false;
          await this.markSeen(repo, t, seen, signal);
          if (t.decision === 'denied') {
            const first = t.denials[0]!;
            return this.outcome('denied', {
              by: [...new Set(t.denials.map((v) => v.login))],
              reason: first.reason ?? `denied by ${first.login}`,
              url,
              ignored: ignored(),
            });
          }
          if (t.decision === 'approved') {
            return this.outcome('approved', {
              by: [...new Set(t.approvals.map((v) => v.login))],
              url,
              hashes: request.statements.map((s) => s.hash),
              ignored: ignored(),
            });
          }
        }
      } catch (err) {
        if (!(err instanceof DeadlineReached) && !signal.aborted) {
          failures++;
          lastError = this.errorText(err);
          this.log(`approval ${request.id}: polling failed (${failures} in a row): ${lastError}`);
          if (failures >= maxFailures) {
            return this.outcome('error', {
              reason: `GitHub API unreachable: ${lastError}`,
              url,
              ignored: ignored(),
            });
          }
        }
      }
      if (Date.now() >= deadline && !signal.aborted) {
        return failures > 0
          ? this.outcome('error', {
              reason: `GitHub API unreachable until the deadline: ${lastError}`,
              url,
              ignored: ignored(),
            })
          : this.outcome('timeout', { reason: 'no decision before the deadline', url, ignored: ignored() });
      }
    }
  }

  /** When the budget is nearly spent, wait for its reset instead of spending the rest. */
  private pauseFor(rate: RateLimit): number {
    if (rate.remaining === undefined || rate.resetAt === undefined || rate.remaining > RATE_RESERVE) return 0;
    this.log(
      `GitHub rate limit nearly spent (${rate.remaining} left): polling resumes at ${new Date(rate.resetAt).toISOString()}`,
    );
    return rate.resetAt + 1000;
  }

  /**
   * Best effort: the outcome stands whether or not the comment can be updated. A comment someone
   * else has edited since it was read is left as it is: rewriting it would erase the evidence.
   */
  private async finish(repo: Repo, comment: PostedComment, body: string) {
    const signal = AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000);
    try {
      const { data } = await this.octokit.rest.issues.getComment({
        ...repo,
        comment_id: comment.id,
        request: { signal },
      });
      const tampered = tamperingOf([data], comment);
      if (tampered) {
        this.log(`not recording the outcome on ${comment.html_url}: it ${tampered}`);
        return;
      }
      await this.octokit.rest.issues.updateComment({
        ...repo,
        comment_id: comment.id,
        body,
        request: { signal, retries: 1 },
      });
    } catch (err) {
      this.log(`could not record the outcome on comment ${comment.id}: ${this.errorText(err)}`);
    }
  }
}
