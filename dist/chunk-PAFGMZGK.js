import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  escapeInline
} from "./chunk-CP3RSTG4.js";
import {
  getOctokit,
  require_light,
  retry
} from "./chunk-ZXLTHBZ6.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import {
  __toESM
} from "./chunk-6MG4NLIR.js";

// src/gateway/daemon-contract.ts
var UPSTREAM_SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full"];
var DAEMON_NODE_FLAGS = ["--max-semi-space-size=2", "--liftoff-only"];
var DAEMON_ENV = { MALLOC_ARENA_MAX: "1" };
var RUN_FILES = {
  config: "config.json",
  ready: "ready.json",
  log: "daemon.log",
  transcript: "transcript.jsonl",
  html: "transcript.html",
  /** The certificate clients verify the gateway's TLS with (sslrootcert, --ssl-ca). */
  caCert: "gateway-ca.pem"
};
function isPort(v) {
  return Number.isInteger(v) && v > 0 && v < 65536;
}
function parseReady(value) {
  const r = value;
  if (typeof r !== "object" || r === null)
    throw new GuardrailError("ready file is not a JSON object", { code: "ERR_DAEMON_CONTRACT" });
  if (!Number.isInteger(r.pid) || r.pid <= 0)
    throw new GuardrailError("ready file: pid is missing", { code: "ERR_DAEMON_CONTRACT" });
  for (const key of ["url", "host", "user", "password", "database"]) {
    if (typeof r[key] !== "string" || r[key] === "")
      throw new GuardrailError(`ready file: ${key} is missing`, { code: "ERR_DAEMON_CONTRACT" });
  }
  if (!isPort(r.port))
    throw new GuardrailError("ready file: port is not a TCP port", { code: "ERR_DAEMON_CONTRACT" });
  if (r.controlPort !== void 0 && !isPort(r.controlPort)) {
    throw new GuardrailError("ready file: controlPort is not a TCP port", { code: "ERR_DAEMON_CONTRACT" });
  }
  if (r.caCert !== void 0 && (typeof r.caCert !== "string" || r.caCert === ""))
    throw new GuardrailError("ready file: caCert is not a path", { code: "ERR_DAEMON_CONTRACT" });
  return {
    pid: r.pid,
    url: r.url,
    host: r.host,
    port: r.port,
    user: r.user,
    password: r.password,
    database: r.database,
    ...r.controlPort !== void 0 ? { controlPort: r.controlPort } : {},
    ...r.caCert !== void 0 ? { caCert: r.caCert } : {}
  };
}

// node_modules/@octokit/plugin-throttling/dist-bundle/index.js
var import_light = __toESM(require_light(), 1);
var VERSION = "0.0.0-development";
var noop = () => Promise.resolve();
function wrapRequest(state, request, options) {
  return state.retryLimiter.schedule(doRequest, state, request, options);
}
async function doRequest(state, request, options) {
  const { pathname } = new URL(options.url, "http://github.test");
  const isAuth = isAuthRequest(options.method, pathname);
  const isWrite = !isAuth && options.method !== "GET" && options.method !== "HEAD";
  const isSearch = options.method === "GET" && pathname.startsWith("/search/");
  const isGraphQL = pathname.startsWith("/graphql");
  const retryCount = ~~request.retryCount;
  const jobOptions = retryCount > 0 ? { priority: 0, weight: 0 } : {};
  if (state.clustering) {
    jobOptions.expiration = 1e3 * 60;
  }
  if (isWrite || isGraphQL) {
    await state.write.key(state.id).schedule(jobOptions, noop);
  }
  if (isWrite && state.triggersNotification(pathname)) {
    await state.notifications.key(state.id).schedule(jobOptions, noop);
  }
  if (isSearch) {
    await state.search.key(state.id).schedule(jobOptions, noop);
  }
  const req = (isAuth ? state.auth : state.global).key(state.id).schedule(jobOptions, request, options);
  if (isGraphQL) {
    const res = await req;
    if (res.data.errors != null && res.data.errors.some((error) => error.type === "RATE_LIMITED")) {
      const error = Object.assign(new Error("GraphQL Rate Limit Exceeded"), {
        response: res,
        data: res.data
      });
      throw error;
    }
  }
  return req;
}
function isAuthRequest(method, pathname) {
  return method === "PATCH" && // https://docs.github.com/en/rest/apps/apps?apiVersion=2022-11-28#create-a-scoped-access-token
  /^\/applications\/[^/]+\/token\/scoped$/.test(pathname) || method === "POST" && // https://docs.github.com/en/rest/apps/oauth-applications?apiVersion=2022-11-28#reset-a-token
  (/^\/applications\/[^/]+\/token$/.test(pathname) || // https://docs.github.com/en/rest/apps/apps?apiVersion=2022-11-28#create-an-installation-access-token-for-an-app
  /^\/app\/installations\/[^/]+\/access_tokens$/.test(pathname) || // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
  pathname === "/login/oauth/access_token");
}
var triggers_notification_paths_default = [
  "/orgs/{org}/invitations",
  "/orgs/{org}/invitations/{invitation_id}",
  "/orgs/{org}/teams/{team_slug}/discussions",
  "/orgs/{org}/teams/{team_slug}/discussions/{discussion_number}/comments",
  "/repos/{owner}/{repo}/collaborators/{username}",
  "/repos/{owner}/{repo}/commits/{commit_sha}/comments",
  "/repos/{owner}/{repo}/issues",
  "/repos/{owner}/{repo}/issues/{issue_number}/comments",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issue",
  "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues/priority",
  "/repos/{owner}/{repo}/pulls",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
  "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
  "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
  "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
  "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
  "/repos/{owner}/{repo}/releases",
  "/teams/{team_id}/discussions",
  "/teams/{team_id}/discussions/{discussion_number}/comments"
];
function routeMatcher(paths) {
  const regexes = paths.map(
    (path) => path.split("/").map((c) => c.startsWith("{") ? "(?:.+?)" : c).join("/")
  );
  const regex2 = `^(?:${regexes.map((r) => `(?:${r})`).join("|")})[^/]*$`;
  return new RegExp(regex2, "i");
}
var regex = routeMatcher(triggers_notification_paths_default);
var triggersNotification = regex.test.bind(regex);
var groups = {};
var createGroups = function(Bottleneck, common) {
  groups.global = new Bottleneck.Group({
    id: "octokit-global",
    maxConcurrent: 10,
    ...common
  });
  groups.auth = new Bottleneck.Group({
    id: "octokit-auth",
    maxConcurrent: 1,
    ...common
  });
  groups.search = new Bottleneck.Group({
    id: "octokit-search",
    maxConcurrent: 1,
    minTime: 2e3,
    ...common
  });
  groups.write = new Bottleneck.Group({
    id: "octokit-write",
    maxConcurrent: 1,
    minTime: 1e3,
    ...common
  });
  groups.notifications = new Bottleneck.Group({
    id: "octokit-notifications",
    maxConcurrent: 1,
    minTime: 3e3,
    ...common
  });
};
function throttling(octokit, octokitOptions) {
  const {
    enabled = true,
    Bottleneck = import_light.default,
    id = "no-id",
    timeout = 1e3 * 60 * 2,
    // Redis TTL: 2 minutes
    connection
  } = octokitOptions.throttle || {};
  if (!enabled) {
    return {};
  }
  const common = { timeout };
  if (typeof connection !== "undefined") {
    common.connection = connection;
  }
  const state = Object.assign(
    {
      clustering: connection != null,
      triggersNotification,
      fallbackSecondaryRateRetryAfter: 60,
      retryAfterBaseValue: 1e3,
      id
    },
    octokitOptions.throttle
  );
  if (typeof state.onSecondaryRateLimit !== "function" || typeof state.onRateLimit !== "function") {
    throw new Error(`octokit/plugin-throttling error:
        You must pass the onSecondaryRateLimit and onRateLimit error handlers.
        See https://octokit.github.io/rest.js/#throttling

        const octokit = new Octokit({
          throttle: {
            onSecondaryRateLimit: (retryAfter, options) => {/* ... */},
            onRateLimit: (retryAfter, options) => {/* ... */}
          }
        })
    `);
  }
  let initialized = false;
  const initializeBottleneck = () => {
    if (initialized) {
      return;
    }
    initialized = true;
    if (groups.global == null) {
      createGroups(Bottleneck, common);
    }
    state.global = state.global ?? groups.global;
    state.auth = state.auth ?? groups.auth;
    state.search = state.search ?? groups.search;
    state.write = state.write ?? groups.write;
    state.notifications = state.notifications ?? groups.notifications;
    state.retryLimiter = state.retryLimiter ?? new Bottleneck();
    const events = {};
    const emitter = new Bottleneck.Events(events);
    events.on("secondary-limit", state.onSecondaryRateLimit);
    events.on("rate-limit", state.onRateLimit);
    events.on(
      "error",
      (e) => octokit.log.warn("Error in throttling-plugin limit handler", e)
    );
    state.retryLimiter.on("failed", async function(error, info) {
      const [state2, request, options] = info.args;
      const { pathname } = new URL(options.url, "http://github.test");
      const shouldRetryGraphQL = pathname.startsWith("/graphql") && error.status !== 401;
      if (!(shouldRetryGraphQL || error.status === 403 || error.status === 429)) {
        return;
      }
      const retryCount = ~~request.retryCount;
      request.retryCount = retryCount;
      options.request.retryCount = retryCount;
      const { wantRetry, retryAfter = 0 } = await (async function() {
        if (/\bsecondary rate\b/i.test(error.message)) {
          const retryAfter2 = Number(error.response.headers["retry-after"]) || state2.fallbackSecondaryRateRetryAfter;
          const wantRetry2 = await emitter.trigger(
            "secondary-limit",
            retryAfter2,
            options,
            octokit,
            retryCount
          );
          return { wantRetry: wantRetry2, retryAfter: retryAfter2 };
        }
        if (error.response.headers != null && error.response.headers["x-ratelimit-remaining"] === "0" || (error.response.data?.errors ?? []).some(
          (error2) => error2.type === "RATE_LIMITED"
        )) {
          const rateLimitReset = new Date(
            ~~error.response.headers["x-ratelimit-reset"] * 1e3
          ).getTime();
          const retryAfter2 = Math.max(
            // Add one second so we retry _after_ the reset time
            // https://docs.github.com/en/rest/overview/resources-in-the-rest-api?apiVersion=2022-11-28#exceeding-the-rate-limit
            Math.ceil((rateLimitReset - Date.now()) / 1e3) + 1,
            0
          );
          const wantRetry2 = await emitter.trigger(
            "rate-limit",
            retryAfter2,
            options,
            octokit,
            retryCount
          );
          return { wantRetry: wantRetry2, retryAfter: retryAfter2 };
        }
        return {};
      })();
      if (wantRetry) {
        request.retryCount++;
        return retryAfter * state2.retryAfterBaseValue;
      }
    });
  };
  octokit.hook.wrap("request", (request, options) => {
    initializeBottleneck();
    return wrapRequest(state, request, options);
  });
  return {};
}
throttling.VERSION = VERSION;
throttling.triggersNotification = triggersNotification;

// src/approvals/octokit.ts
function createClient(token, settings) {
  const maxWait = settings.maxRateLimitWaitMs ?? 5 * 6e4;
  const onLimit = (kind) => (retryAfter, options, _octokit, retryCount) => {
    const wait = retryAfter * 1e3 <= maxWait && retryCount < 3;
    settings.log(
      `GitHub ${kind} rate limit on ${options.method} ${options.url}: ${wait ? `retrying after ${retryAfter}s` : "giving up"}`
    );
    return wait;
  };
  const noop2 = () => {
  };
  return getOctokit(
    token,
    {
      baseUrl: settings.baseUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com",
      userAgent: "guardrail-action",
      log: { debug: noop2, info: noop2, warn: settings.log, error: settings.log },
      retry: {
        retries: settings.retries ?? 3,
        retryAfterBaseValue: settings.retryBaseMs ?? 1e3,
        // 429 (and 403 rate limits) belong to the throttling plugin, which honours retry-after.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451]
      },
      throttle: {
        id: settings.throttleId ?? "guardrail",
        onRateLimit: onLimit("primary"),
        onSecondaryRateLimit: onLimit("secondary")
      }
    },
    retry,
    throttling
  );
}
function statusOf(err) {
  const status = err?.status;
  return typeof status === "number" ? status : void 0;
}
function scrub(text, token) {
  return text.split(token).join("***");
}
function errorText(err, token) {
  const status = statusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return scrub(status && !message.includes(String(status)) ? `${status} ${message}` : message, token);
}

// src/approvals/identity.ts
var ACTIONS_BOT = "github-actions[bot]";
async function identityOf(octokit, signal, fallback = ACTIONS_BOT) {
  try {
    const { data } = await octokit.rest.users.getAuthenticated({ request: { signal } });
    return data.login;
  } catch (err) {
    const status = statusOf(err);
    if (status === 403 || status === 404) return fallback;
    throw err;
  }
}

// src/approvals/sleep.ts
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

// src/approvals/target.ts
var TRACKING_LABEL = "guardrail";
function repoOf(full) {
  const [owner, repo, extra] = full.split("/");
  if (!owner || !repo || extra !== void 0)
    throw new GuardrailError(`not a repository name: ${full}`, { code: "ERR_APPROVALS" });
  return { owner, repo };
}
var COMMIT_EVENTS = /* @__PURE__ */ new Set(["push", "schedule", "workflow_dispatch", "repository_dispatch"]);
function trackingMarker(workflow) {
  return `<!-- guardrail:tracking:${encodeURIComponent(workflow)} -->`;
}
var loginOf = (u) => typeof u?.login === "string" ? u.login : void 0;
function pullRequestOfEvent(eventName, payload) {
  const p = payload ?? {};
  const of = (number, user) => {
    if (typeof number !== "number" || !Number.isInteger(number) || number <= 0) return void 0;
    const author = loginOf(user);
    return { number, ...author ? { author } : {} };
  };
  switch (eventName) {
    case "pull_request":
    case "pull_request_target":
    case "pull_request_review":
    case "pull_request_review_comment":
      return of(p.pull_request?.number, p.pull_request?.user);
    case "issue_comment":
      return p.issue?.pull_request ? of(p.issue.number, p.issue.user) : void 0;
    case "merge_group": {
      const ref = p.merge_group?.head_ref;
      const m = typeof ref === "string" ? /\/pr-(\d+)-[0-9a-f]+$/.exec(ref) : null;
      return m ? of(Number(m[1])) : void 0;
    }
    case "workflow_run": {
      const prs = p.workflow_run?.pull_requests ?? [];
      return prs.length === 1 ? of(prs[0]?.number) : void 0;
    }
    default:
      return void 0;
  }
}
function rank(pr, sha) {
  if (pr.state === "open") return pr.headSha === sha ? 0 : 1;
  if (pr.state === "merged") return pr.mergeSha === sha ? 2 : 3;
  return 4;
}
async function pullRequestsOfCommit(octokit, repo, sha, signal, timing) {
  let until;
  for (let wait = timing.baseMs; ; wait *= 2) {
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...repo,
      commit_sha: sha,
      per_page: 100,
      request: { signal }
    });
    until ??= Date.now() + timing.lagMs;
    if (data.length > 0 || Date.now() + wait > until || signal.aborted) {
      return data.map((pr) => {
        const author = pr.user?.login;
        return {
          number: pr.number,
          state: pr.state === "open" ? "open" : pr.merged_at ? "merged" : "closed",
          headSha: pr.head.sha,
          ...author ? { author } : {},
          ...pr.merge_commit_sha ? { mergeSha: pr.merge_commit_sha } : {}
        };
      }).sort((a, b) => rank(a, sha) - rank(b, sha) || b.number - a.number);
    }
    await sleep(Math.min(wait, until - Date.now()), signal);
  }
}
var MAX_COMMITS = 250;
async function committersOf(octokit, repo, pr, signal) {
  const commits = await octokit.paginate(
    octokit.rest.pulls.listCommits,
    { ...repo, pull_number: pr, per_page: 100, request: { signal } },
    (res, done) => {
      if (res.data.length < 100) done();
      return res.data;
    }
  );
  const logins = /* @__PURE__ */ new Set();
  for (const c of commits.slice(0, MAX_COMMITS)) {
    for (const login of [c.author?.login, c.committer?.login]) if (login) logins.add(login);
  }
  return [...logins];
}
async function authorOf(octokit, repo, pr, signal) {
  const { data } = await octokit.rest.issues.get({ ...repo, issue_number: pr, request: { signal } });
  return data.user?.login;
}
var MAX_ISSUE_PAGES = 10;
async function trackingIssue(octokit, repo, job, identity, signal) {
  const marker = trackingMarker(job.workflow);
  const me = (await identity()).toLowerCase();
  const unknown = "the run has no pull request, so the request is asked in a tracking issue";
  const find = async (labels) => {
    let pages = 0;
    const iterator = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
      ...repo,
      ...labels ? { labels } : {},
      state: "open",
      sort: "created",
      direction: "asc",
      per_page: 100,
      request: { signal }
    });
    for await (const { data } of iterator) {
      const found = data.find(
        (i) => !i.pull_request && i.body?.includes(marker) && i.user?.login.toLowerCase() === me
      );
      if (found) return found.number;
      if (++pages >= MAX_ISSUE_PAGES) return void 0;
    }
    return void 0;
  };
  try {
    const found = await find(TRACKING_LABEL) ?? await find();
    if (found) return { number: found, kind: "issue", contributors: [], authorUnknown: unknown };
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: `guardrail approvals: ${job.workflow}`,
      body: [
        marker,
        `Statements held by guardrail in runs of the workflow **${escapeInline(job.workflow)}** ask for approval here when the run has no pull request.`,
        "",
        "Each request is a comment below with the commands to approve or deny it."
      ].join("\n"),
      labels: [TRACKING_LABEL],
      request: { signal }
    });
    return { number: data.number, kind: "issue", contributors: [], authorUnknown: unknown };
  } catch (err) {
    if (statusOf(err) === 410)
      throw new GuardrailError(
        "issues are disabled in this repository, so there is no tracking issue to ask in: enable issues, or run the workflow for a pull request",
        { code: "ERR_APPROVALS" }
      );
    throw err;
  }
}
async function resolveTarget(ctx) {
  const { octokit, repo, job, signal } = ctx;
  const named = pullRequestOfEvent(job.eventName, ctx.payload);
  let pr = named;
  const others = [];
  if (!pr && COMMIT_EVENTS.has(job.eventName) && job.sha) {
    const found = await pullRequestsOfCommit(octokit, repo, job.sha, signal, ctx.timing);
    pr = found[0];
    for (const p of found.slice(1)) if (p.author) others.push(p.author);
  }
  if (!pr) return ctx.tracking();
  const author = pr.author ?? (named ? await authorOf(octokit, repo, pr.number, signal) : void 0);
  const contributors = [.../* @__PURE__ */ new Set([...others, ...await committersOf(octokit, repo, pr.number, signal)])];
  return {
    number: pr.number,
    kind: "pull_request",
    contributors,
    ...author ? { author } : { authorUnknown: `GitHub names no author for pull request #${pr.number}` }
  };
}

export {
  createClient,
  statusOf,
  scrub,
  errorText,
  identityOf,
  sleep,
  repoOf,
  pullRequestOfEvent,
  pullRequestsOfCommit,
  trackingIssue,
  resolveTarget,
  UPSTREAM_SSL_MODES,
  DAEMON_NODE_FLAGS,
  DAEMON_ENV,
  RUN_FILES,
  parseReady
};
