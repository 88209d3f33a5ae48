import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  createClient,
  errorText,
  identityOf,
  repoOf,
  resolveTarget,
  scrub,
  sleep,
  statusOf,
  trackingIssue
} from "./chunk-PAFGMZGK.js";
import {
  approvalsNeeded,
  bodyHash,
  levelOf,
  marker,
  renderComment,
  requestHash,
  tally
} from "./chunk-CP3RSTG4.js";
import {
  DeadlineReached
} from "./chunk-Z25NSMXP.js";

// src/approvals/feed.ts
var PER_PAGE = 100;
var MAX_PAGES = 100;
function rateOf(headers) {
  const remaining = Number(headers["x-ratelimit-remaining"]);
  const reset = Number(headers["x-ratelimit-reset"]);
  return {
    ...Number.isFinite(remaining) && headers["x-ratelimit-remaining"] !== void 0 ? { remaining } : {},
    ...Number.isFinite(reset) && reset > 0 ? { resetAt: reset * 1e3 } : {}
  };
}
function sinceBefore(createdAt) {
  return new Date(Date.parse(createdAt) - 1e3).toISOString().replace(/\.\d{3}Z$/, "Z");
}
var CommentFeed = class {
  constructor(octokit, repo, issue, createdAt) {
    this.octokit = octokit;
    this.repo = repo;
    this.issue = issue;
    this.since = sinceBefore(createdAt);
  }
  octokit;
  repo;
  issue;
  pages = [];
  since;
  async read(signal) {
    let changed = false;
    let rate = {};
    const pages = [];
    for (let n = 1; ; n++) {
      const cached = this.pages[n - 1];
      let page;
      try {
        const res = await this.octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          ...this.repo,
          issue_number: this.issue,
          since: this.since,
          per_page: PER_PAGE,
          page: n,
          headers: cached?.etag ? { "if-none-match": cached.etag } : {},
          request: { signal }
        });
        rate = rateOf(res.headers);
        page = {
          ...res.headers.etag ? { etag: res.headers.etag } : {},
          items: res.data,
          hasNext: /rel="next"/.test(res.headers.link ?? "")
        };
        changed = true;
      } catch (err) {
        if (statusOf(err) !== 304 || !cached) throw err;
        rate = rateOf(err.response?.headers ?? {});
        page = cached;
      }
      pages.push(page);
      if (!page.hasNext && page.items.length < PER_PAGE || n >= MAX_PAGES) break;
    }
    if (pages.length !== this.pages.length) changed = true;
    this.pages = pages;
    const byId = /* @__PURE__ */ new Map();
    for (const c of pages.flatMap((p) => p.items)) byId.set(c.id, c);
    return { changed, comments: [...byId.values()], rate };
  }
};

// src/approvals/github-comment.ts
var MAX_REPOSTS = 3;
var LOOKBACK_MS = 60 * 6e4;
var POST_ATTEMPTS = 3;
var REACTION = { approve: "+1", deny: "-1", ignored: "eyes" };
function tamperingOf(comments, posted) {
  const now = comments.find((c) => c.id === posted.id);
  if (!now) return "was deleted";
  if (now.updated_at !== now.created_at || bodyHash(now.body) !== posted.written)
    return "was edited by someone other than guardrail";
  return void 0;
}
function voidedOf(voided) {
  return voided.length ? { voided: [...voided] } : {};
}

// src/approvals/github-options.ts
import { readFileSync } from "node:fs";
function actorsOf(request) {
  const { GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR } = process.env;
  return [request.job.actor, GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR].filter((a) => !!a);
}
function readEvent(path) {
  if (!path) return void 0;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return void 0;
  }
}

// src/approvals/github.ts
var RATE_RESERVE = 5;
var GitHubChannel = class {
  constructor(options) {
    this.options = options;
    if (!options.token) throw new Error("the GitHub approval channel needs a token");
    this.log = (message) => (options.log ?? ((m) => process.stderr.write(`${m}
`)))(scrub(message, options.token));
    this.octokit = createClient(options.token, {
      ...options.baseUrl ? { baseUrl: options.baseUrl } : {},
      ...options.retryBaseMs !== void 0 ? { retryBaseMs: options.retryBaseMs } : {},
      ...options.throttleId ? { throttleId: options.throttleId } : {},
      log: this.log
    });
  }
  options;
  name = "github";
  octokit;
  log;
  tracking = /* @__PURE__ */ new Map();
  target;
  identity;
  /** Whatever an error says, the token never leaves this object. */
  errorText(err) {
    return errorText(err, this.options.token);
  }
  async request(request, signal) {
    try {
      return await this.run(request, signal);
    } catch (err) {
      return this.failed(err, "approval channel failed", signal);
    }
  }
  outcome(decision, fields) {
    return {
      decision,
      by: fields.by ?? [],
      decidedAt: (/* @__PURE__ */ new Date()).toISOString(),
      hashes: decision === "approved" ? fields.hashes ?? [] : [],
      ...fields.reason ? { reason: fields.reason } : {},
      ...fields.url ? { url: fields.url } : {},
      ...fields.ignored?.length ? { ignored: fields.ignored } : {},
      ...fields.voided?.length ? { voided: fields.voided } : {}
    };
  }
  aborted(signal, fields = {}) {
    const why = signal.reason instanceof Error ? signal.reason.message : "the request was withdrawn";
    return this.outcome("denied", { reason: `aborted: ${why}`, ...fields });
  }
  /** The outcome of a request that ended before it could be decided. */
  failed(err, what, signal) {
    if (signal.aborted) return this.aborted(signal);
    if (err instanceof DeadlineReached)
      return this.outcome("timeout", { reason: `${what} before the deadline` });
    return this.outcome("error", { reason: `${what}: ${this.errorText(err)}` });
  }
  /** Runs one API operation, bounded by the request timeout, the deadline and the abort signal. */
  async call(fn, signal, deadline) {
    const budget = Math.min(this.options.requestTimeoutMs ?? 6e4, deadline - Date.now());
    if (budget <= 0) throw new DeadlineReached("deadline reached");
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(budget)]);
    return new Promise((resolve, reject) => {
      const stop = () => reject(
        signal.aborted ? new Error("aborted") : Date.now() >= deadline ? new DeadlineReached("deadline reached") : new Error(`GitHub did not answer within ${budget} ms`)
      );
      bounded.addEventListener("abort", stop, { once: true });
      fn(bounded).then(resolve, reject).finally(() => bounded.removeEventListener("abort", stop));
    });
  }
  /** Who the token acts as: the report, tracking issue and request comments are known by it. */
  whoAmI(signal) {
    if (!this.identity) {
      this.identity = identityOf(this.octokit, signal, this.options.identity);
      this.identity.catch(() => {
        this.identity = void 0;
      });
    }
    return this.identity;
  }
  repo(request) {
    return repoOf(this.options.repository ?? request.job.repository);
  }
  trackingIssue(repo, request, signal) {
    const key = `${repo.owner}/${repo.repo}:${request.job.workflow}`;
    let found = this.tracking.get(key);
    if (!found) {
      found = trackingIssue(this.octokit, repo, request.job, () => this.whoAmI(signal), signal);
      found.catch(() => this.tracking.delete(key));
      this.tracking.set(key, found);
    }
    return found;
  }
  async permissionOf(repo, login, signal) {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        ...repo,
        username: login,
        request: { signal }
      });
      return levelOf(data);
    } catch (err) {
      if (statusOf(err) === 404) return "none";
      throw err;
    }
  }
  async react(repo, commentId, content, signal) {
    try {
      await this.octokit.rest.reactions.createForIssueComment({
        ...repo,
        comment_id: commentId,
        content,
        request: { signal, retries: 0 }
      });
    } catch (err) {
      this.log(`could not react to comment ${commentId}: ${this.errorText(err)}`);
    }
  }
  /** Marks every newly seen command: counted approvals +1, counted denials -1, ignored ones eyes. */
  async markSeen(repo, t, seen, signal) {
    const marks = [
      ...t.approvals.map((v) => [v.commentId, REACTION.approve]),
      ...t.denials.map((v) => [v.commentId, REACTION.deny]),
      ...t.ignored.map((i) => [i.commentId, REACTION.ignored])
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
  async post(repo, issue, id, body, signal, deadline) {
    for (let attempt = 1; ; attempt++) {
      try {
        const { data } = await this.call(
          (s) => this.octokit.rest.issues.createComment({
            ...repo,
            issue_number: issue,
            body,
            request: { signal: s, retries: 0 }
          }),
          signal,
          deadline
        );
        return { ...data, written: bodyHash(data.body ?? body) };
      } catch (err) {
        const status = statusOf(err);
        const refused = status !== void 0 && status >= 400 && status < 500;
        if (refused || signal.aborted || err instanceof DeadlineReached || attempt >= POST_ATTEMPTS)
          throw err;
        this.log(
          `posting approval ${id} failed (${this.errorText(err)}); looking for it before trying again`
        );
        const found = await this.call((s) => this.findPosted(repo, issue, id, s), signal, deadline).catch(
          () => void 0
        );
        if (found) return { ...found, written: bodyHash(found.body) };
        await sleep((this.options.retryBaseMs ?? 1e3) * attempt * attempt, signal);
      }
    }
  }
  /** The comment a lost POST created: the request's marker, written by the token's own identity. */
  async findPosted(repo, issue, id, signal) {
    const me = (await this.whoAmI(signal)).toLowerCase();
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...repo,
      issue_number: issue,
      since: new Date(Date.now() - LOOKBACK_MS).toISOString(),
      per_page: 100,
      request: { signal }
    });
    return comments.find((c) => c.body?.startsWith(marker(id)) && c.user?.login.toLowerCase() === me);
  }
  async run(request, signal) {
    const deadline = request.deadline.getTime();
    if (signal.aborted) return this.aborted(signal);
    const repo = this.repo(request);
    let target;
    try {
      target = await this.call((s) => this.targetOf(repo, request, s), signal, deadline);
    } catch (err) {
      return this.failed(err, "could not find a pull request or issue to ask on", signal);
    }
    if (target.authorUnknown) {
      this.log(`approval ${request.id}: author unknown (${target.authorUnknown})`);
      const { approvers } = this.options.policy;
      const needed = approvalsNeeded(this.options.policy, true);
      if (approvers && approvers.length < needed)
        return this.outcome("denied", {
          reason: `the change's author is unknown (${target.authorUnknown}), so ${needed} distinct approvers are needed, but the policy lists only ${approvers.length}`
        });
    }
    const voided = [];
    for (; ; ) {
      let comment;
      const notice = voided.length ? `The earlier request comment ${voided.at(-1).url} was changed by someone other than guardrail: it is void, and decisions on it do not count. Decide here.` : void 0;
      try {
        comment = await this.post(
          repo,
          target.number,
          request.id,
          renderComment(request, this.context(target, notice)),
          signal,
          deadline
        );
      } catch (err) {
        return { ...this.failed(err, "could not post the approval request", signal), ...voidedOf(voided) };
      }
      this.log(`approval ${request.id} requested: ${comment.html_url}`);
      const waited = await this.wait(request, repo, target, comment, deadline, signal);
      if ("tampered" in waited) {
        voided.push({ url: comment.html_url, reason: waited.tampered });
        this.log(
          `approval ${request.id}: request comment ${comment.html_url} ${waited.tampered}; it is void`
        );
        if (voided.length > MAX_REPOSTS) {
          return this.outcome("denied", {
            reason: `the request comment was changed by someone else ${voided.length} times`,
            ...voidedOf(voided)
          });
        }
        continue;
      }
      const outcome = { ...waited, ...voidedOf(voided) };
      await this.finish(repo, comment, renderComment(request, { ...this.context(target, notice), outcome }));
      return outcome;
    }
  }
  context(target, notice) {
    return {
      policy: this.options.policy,
      now: /* @__PURE__ */ new Date(),
      ...target.authorUnknown ? { authorUnknown: target.authorUnknown } : {},
      ...notice ? { notice } : {}
    };
  }
  /** One target per channel: a run has one event and one commit, and the lookups cost calls. */
  targetOf(repo, request, signal) {
    if (!this.target) {
      this.target = resolveTarget({
        octokit: this.octokit,
        repo,
        job: request.job,
        payload: readEvent(this.options.eventPath ?? process.env.GITHUB_EVENT_PATH),
        signal,
        timing: {
          lagMs: this.options.pullRequestLagMs ?? 15e3,
          baseMs: Math.min(1e3, this.options.retryBaseMs ?? 1e3)
        },
        tracking: () => this.trackingIssue(repo, request, signal)
      });
      this.target.catch(() => {
        this.target = void 0;
      });
    }
    return this.target;
  }
  async wait(request, repo, target, comment, deadline, signal) {
    const { policy } = this.options;
    const interval = this.options.pollIntervalMs ?? 7e3;
    const maxFailures = this.options.maxConsecutiveFailures ?? 10;
    const feed = new CommentFeed(this.octokit, repo, target.number, comment.created_at);
    const seen = /* @__PURE__ */ new Set();
    const bodies = /* @__PURE__ */ new Map();
    const hash = requestHash(request);
    const url = comment.html_url;
    let latest;
    let failures = 0;
    let lastError = "";
    let pauseUntil = 0;
    let unjudged = false;
    const ignored = () => latest?.ignored.map(({ commentId: _, ...rest }) => rest);
    for (; ; ) {
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
        if (unjudged && pauseUntil <= Date.now()) {
          const t = await this.call(
            (s) => tally({
              requestId: request.id,
              requestHash: hash,
              requestCommentId: comment.id,
              since: comment.created_at,
              comments: read.comments,
              policy,
              actors: actorsOf(request),
              ...target.author ? { author: target.author } : {},
              contributors: target.contributors,
              ...target.authorUnknown ? { authorUnknown: target.authorUnknown } : {},
              bodies,
              permissionOf: (login) => this.permissionOf(repo, login, s)
            }),
            signal,
            deadline
          );
          latest = t;
          unjudged = false;
          await this.markSeen(repo, t, seen, signal);
          if (t.decision === "denied") {
            const first = t.denials[0];
            return this.outcome("denied", {
              by: [...new Set(t.denials.map((v) => v.login))],
              reason: first.reason ?? `denied by ${first.login}`,
              url,
              ignored: ignored()
            });
          }
          if (t.decision === "approved") {
            return this.outcome("approved", {
              by: [...new Set(t.approvals.map((v) => v.login))],
              url,
              hashes: request.statements.map((s) => s.hash),
              ignored: ignored()
            });
          }
        }
      } catch (err) {
        if (!(err instanceof DeadlineReached) && !signal.aborted) {
          failures++;
          lastError = this.errorText(err);
          this.log(`approval ${request.id}: polling failed (${failures} in a row): ${lastError}`);
          if (failures >= maxFailures) {
            return this.outcome("error", {
              reason: `GitHub API unreachable: ${lastError}`,
              url,
              ignored: ignored()
            });
          }
        }
      }
      if (Date.now() >= deadline && !signal.aborted) {
        return failures > 0 ? this.outcome("error", {
          reason: `GitHub API unreachable until the deadline: ${lastError}`,
          url,
          ignored: ignored()
        }) : this.outcome("timeout", { reason: "no decision before the deadline", url, ignored: ignored() });
      }
    }
  }
  /** When the budget is nearly spent, wait for its reset instead of spending the rest. */
  pauseFor(rate) {
    if (rate.remaining === void 0 || rate.resetAt === void 0 || rate.remaining > RATE_RESERVE) return 0;
    this.log(
      `GitHub rate limit nearly spent (${rate.remaining} left): polling resumes at ${new Date(rate.resetAt).toISOString()}`
    );
    return rate.resetAt + 1e3;
  }
  /**
   * Best effort: the outcome stands whether or not the comment can be updated. A comment someone
   * else has edited since it was read is left as it is: rewriting it would erase the evidence.
   */
  async finish(repo, comment, body) {
    const signal = AbortSignal.timeout(this.options.requestTimeoutMs ?? 6e4);
    try {
      const { data } = await this.octokit.rest.issues.getComment({
        ...repo,
        comment_id: comment.id,
        request: { signal }
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
        request: { signal, retries: 1 }
      });
    } catch (err) {
      this.log(`could not record the outcome on comment ${comment.id}: ${this.errorText(err)}`);
    }
  }
};

export {
  GitHubChannel
};
