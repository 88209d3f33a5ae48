import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  createClient,
  errorText,
  repoOf,
  resolveTarget,
  scrub,
  statusOf,
  trackingIssue
} from "./chunk-LK5F3IY5.js";
import {
  marker,
  parseCommands,
  renderComment
} from "./chunk-ZCNM5CIL.js";

// src/approvals/github.ts
import { readFileSync } from "node:fs";

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
var CommentFeed = class {
  constructor(octokit, repo, issue, since) {
    this.octokit = octokit;
    this.repo = repo;
    this.issue = issue;
    this.since = since;
  }
  octokit;
  repo;
  issue;
  since;
  pages = [];
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
    return { changed, comments: pages.flatMap((p) => p.items), rate };
  }
};

// src/approvals/permission.ts
var rank = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5
};
function permissionRank(p) {
  return rank[p];
}

// src/approvals/tally.ts
function isBot(user) {
  return user.type === "Bot" || user.login.toLowerCase().endsWith("[bot]");
}
function sameLogin(a, b) {
  return a !== void 0 && a.toLowerCase() === b.toLowerCase();
}
async function tally(input) {
  const { policy } = input;
  const since = Date.parse(input.since);
  const approvers = policy.approvers?.map((l) => l.toLowerCase());
  const permissions = /* @__PURE__ */ new Map();
  const result = { approvals: [], denials: [], ignored: [] };
  for (const comment of input.comments) {
    if (comment.id === input.requestCommentId || !comment.user) continue;
    const commands = parseCommands(comment.body ?? "").filter((c) => c.id === input.requestId);
    if (commands.length === 0) continue;
    const command = commands.find((c) => c.verb === "deny") ?? commands[0];
    const login = comment.user.login;
    const ignore = (reason) => result.ignored.push({
      login,
      verb: command.verb,
      reason,
      url: comment.html_url,
      commentId: comment.id
    });
    if (isBot(comment.user)) {
      ignore("bot account");
      continue;
    }
    if (comment.updated_at !== comment.created_at) {
      ignore("edited comment");
      continue;
    }
    if (!(Date.parse(comment.created_at) >= since)) {
      ignore("written before the request");
      continue;
    }
    if (!policy.allowSelfApproval && input.actors.some((a) => sameLogin(a, login))) {
      ignore("workflow actor");
      continue;
    }
    if (!policy.allowSelfApproval && sameLogin(input.author, login)) {
      ignore("pull request author");
      continue;
    }
    if (approvers && !approvers.includes(login.toLowerCase())) {
      ignore("not in the approvers list");
      continue;
    }
    const key = login.toLowerCase();
    if (!permissions.has(key)) permissions.set(key, input.permissionOf(login));
    const held = await permissions.get(key);
    if (permissionRank(held) < permissionRank(policy.permission)) {
      ignore(held === "none" ? "no repository permission" : `${held} permission`);
      continue;
    }
    const vote = {
      login,
      verb: command.verb,
      commentId: comment.id,
      ...command.reason ? { reason: command.reason } : {}
    };
    (command.verb === "deny" ? result.denials : result.approvals).push(vote);
  }
  const distinct = new Set(result.approvals.map((v) => v.login.toLowerCase()));
  if (result.denials.length > 0) result.decision = "denied";
  else if (distinct.size >= Math.max(1, policy.required)) result.decision = "approved";
  return result;
}

// src/approvals/github.ts
var RATE_RESERVE = 5;
var DeadlineReached = class extends Error {
};
var LOOKBACK_MS = 60 * 6e4;
var POST_ATTEMPTS = 3;
var REACTION = { approve: "+1", deny: "-1", ignored: "eyes" };
function levelOf(data) {
  const p = data.user?.permissions;
  if (p) {
    if (p.admin) return "admin";
    if (p.maintain) return "maintain";
    if (p.push) return "write";
    if (p.triage) return "triage";
    if (p.pull) return "read";
    return "none";
  }
  const role = data.role_name ?? data.permission;
  return role === "admin" || role === "maintain" || role === "write" || role === "triage" || role === "read" ? role : "none";
}
function actorsOf(request) {
  const { GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR } = process.env;
  return [request.job.actor, GITHUB_ACTOR, GITHUB_TRIGGERING_ACTOR].filter((a) => !!a);
}
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
function readEvent(path) {
  if (!path) return void 0;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return void 0;
  }
}
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
      ...fields.ignored?.length ? { ignored: fields.ignored } : {}
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
  repo(request) {
    return repoOf(this.options.repository ?? request.job.repository);
  }
  trackingIssue(repo, request, signal) {
    const key = `${repo.owner}/${repo.repo}:${request.job.workflow}`;
    let found = this.tracking.get(key);
    if (!found) {
      found = trackingIssue(this.octokit, repo, request.job, signal);
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
        return data;
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
        if (found) return found;
        await sleep((this.options.retryBaseMs ?? 1e3) * attempt * attempt, signal);
      }
    }
  }
  async findPosted(repo, issue, id, signal) {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...repo,
      issue_number: issue,
      since: new Date(Date.now() - LOOKBACK_MS).toISOString(),
      per_page: 100,
      request: { signal }
    });
    return comments.find((c) => c.body?.startsWith(marker(id)));
  }
  async run(request, signal) {
    const { policy } = this.options;
    const deadline = request.deadline.getTime();
    if (signal.aborted) return this.aborted(signal);
    const repo = this.repo(request);
    let target;
    try {
      target = await this.call(
        (s) => resolveTarget(
          this.octokit,
          repo,
          request.job,
          readEvent(this.options.eventPath ?? process.env.GITHUB_EVENT_PATH),
          s,
          () => this.trackingIssue(repo, request, s)
        ),
        signal,
        deadline
      );
    } catch (err) {
      return this.failed(err, "could not find a pull request or issue to ask on", signal);
    }
    let comment;
    try {
      comment = await this.post(
        repo,
        target.number,
        request.id,
        renderComment(request, { policy, now: /* @__PURE__ */ new Date() }),
        signal,
        deadline
      );
    } catch (err) {
      return this.failed(err, "could not post the approval request", signal);
    }
    this.log(`approval ${request.id} requested: ${comment.html_url}`);
    const outcome = await this.wait(request, repo, target, comment, deadline, signal);
    await this.finish(repo, comment.id, request, outcome);
    return outcome;
  }
  async wait(request, repo, target, comment, deadline, signal) {
    const { policy } = this.options;
    const interval = this.options.pollIntervalMs ?? 7e3;
    const maxFailures = this.options.maxConsecutiveFailures ?? 10;
    const feed = new CommentFeed(this.octokit, repo, target.number, comment.created_at);
    const seen = /* @__PURE__ */ new Set();
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
        if (unjudged && pauseUntil <= Date.now()) {
          const t = await this.call(
            (s) => tally({
              requestId: request.id,
              requestCommentId: comment.id,
              since: comment.created_at,
              comments: read.comments,
              policy,
              actors: actorsOf(request),
              ...target.author ? { author: target.author } : {},
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
  /** Best effort: the outcome stands whether or not the comment can be updated. */
  async finish(repo, commentId, request, outcome) {
    const body = renderComment(request, { policy: this.options.policy, now: /* @__PURE__ */ new Date(), outcome });
    try {
      await this.octokit.rest.issues.updateComment({
        ...repo,
        comment_id: commentId,
        body,
        request: { signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 6e4), retries: 1 }
      });
    } catch (err) {
      this.log(`could not record the outcome on comment ${commentId}: ${this.errorText(err)}`);
    }
  }
};

export {
  GitHubChannel
};
