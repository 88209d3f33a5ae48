// A GitHub REST emulator for the approval channel: a real node:http server that answers with
// the JSON shapes of GitHub's public API (issue comments, reactions, collaborator permission,
// pull requests of a commit and their commits, issues, the token's user), ETags and 304s,
// x-ratelimit-* headers and a primary rate-limit budget. Every answer is held to GitHub's own
// OpenAPI description by test/integration/github-emulator-contract.test.ts.
//
// GitHub's documented behaviours, each switchable per test through `behaviour` or the state a
// test creates: commits on the default branch list only their merged pull request, other commits
// only open ones; links from commits to pull requests appear after an indexing lag; any account
// reads a public repository; a repository with issues disabled answers 410; labels are dropped
// when the token cannot push; `since` means updated strictly after, to the second; deleted
// accounts are `user: null`; comments without text have no `body`; the permission flags may
// leave out maintain and triage; custom roles. And faults: 5xx, secondary limits with
// retry-after, requests that never answer, answers that are lost, a server that is down.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Role = 'read' | 'triage' | 'write' | 'maintain' | 'admin' | 'none';

/** GitHub's simple-user. */
export interface GhUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot';
  site_admin: boolean;
  avatar_url: string;
  gravatar_id: string | null;
  url: string;
  html_url: string;
  followers_url: string;
  following_url: string;
  gists_url: string;
  starred_url: string;
  subscriptions_url: string;
  organizations_url: string;
  repos_url: string;
  events_url: string;
  received_events_url: string;
}

export interface GhComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  /** GitHub leaves `body` out of a comment that has none. */
  body: string;
  /** null: the author's account was deleted. */
  user: GhUser | null;
  created_at: string;
  updated_at: string;
  author_association: string;
}

export interface GhLabel {
  id: number;
  node_id: string;
  url: string;
  name: string;
  description: string | null;
  color: string;
  default: boolean;
}

/** The author and committer GitHub ties to a commit (null: no GitHub account matches). */
export interface GhCommitPeople {
  author?: string | null;
  committer?: string | null;
}

export interface GhIssue {
  id: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: GhLabel[];
  user: GhUser | null;
  html_url: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  pull_request?: { url: string; html_url: string };
  /** Pull requests only. */
  head?: { sha: string; ref: string };
  commits?: string[];
  merged_at?: string | null;
  merge_commit_sha?: string | null;
}

/** GitHub's documented behaviours a test may switch. */
export interface Behaviour {
  /** The next this-many `GET …/commits/{sha}/pulls` answer `[]`: GitHub has not linked the commit yet. */
  pullsIndexLag: number;
  /** A public repository: every account gets `200 read` from the collaborator-permission endpoint. */
  publicRepo: boolean;
  /** Issues are turned off: issue endpoints answer 410 (pull requests keep their comments). */
  issuesDisabled: boolean;
  /** Without push access GitHub silently drops the labels of a new issue. */
  tokenCanPush: boolean;
  /** `since` returns comments updated strictly after it, compared to the second (GitHub's way). */
  strictSince: boolean;
  /** Leave `maintain` and `triage` out of `user.permissions` (the description requires only the others). */
  onlyRequiredFlags: boolean;
  /**
   * Who the token is: an installation token (GITHUB_TOKEN, an App; GET /user answers 403) acting
   * as `github-actions[bot]` or an app's bot, or a person's token.
   */
  identity: { kind: 'installation'; login: string } | { kind: 'user'; login: string };
}

export interface GhReaction {
  id: number;
  commentId: number;
  content: string;
  user: GhUser;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number | 'hung' | 'refused' | 'lost';
  /** What was answered, for the contract test; absent when nothing was. */
  response?: { headers: Record<string, string>; body: string; conditional: boolean };
}

interface Fault {
  match?: (method: string, path: string) => boolean;
  kind: 'status' | 'secondary' | 'hang' | 'lose';
  status: number;
  retryAfter?: number;
}

const REACTIONS = new Set(['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes']);

export interface EmulatorOptions {
  owner?: string;
  repo?: string;
  token?: string;
  /** The server clock runs this far from the local one (negative: behind). */
  clockSkewMs?: number;
  behaviour?: Partial<Behaviour>;
}

const BASE_ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const;

export class GitHubEmulator {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly issues = new Map<number, GhIssue>();
  readonly comments: GhComment[] = [];
  /** Sigstore bundles stored through the artifact attestations API, in order (id = index + 1). */
  readonly attestations: unknown[] = [];
  readonly reactions: GhReaction[] = [];
  readonly requests: LoggedRequest[] = [];
  /** Conditional requests answered 304. */
  notModified = 0;
  /** Requests refused because the primary budget was spent. */
  rateLimited = 0;
  clockSkewMs: number;

  private server: Server;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  private readonly lost = new WeakSet<ServerResponse>();
  private readonly users = new Map<string, GhUser>();
  private readonly roles = new Map<string, { base: Role; name: string }>();
  /** Commits on the default branch: their pull-request list is the merged one only. */
  readonly defaultBranch = new Set<string>();
  private readonly people = new Map<string, GhCommitPeople>();
  behaviour: Behaviour;
  private faults: Fault[] = [];
  private nextId = 1000;
  private nextNumber = 1;
  private budget = { limit: 5000, remaining: 5000, resetAt: Date.now() + 3_600_000, windowMs: 3_600_000 };
  readonly bot: GhUser;
  private pullsAsked = 0;

  private constructor(options: EmulatorOptions) {
    this.owner = options.owner ?? 'octo-org';
    this.repo = options.repo ?? 'app';
    this.token = options.token ?? 'ghs_emulatorTokenDoNotLeak0123456789';
    this.clockSkewMs = options.clockSkewMs ?? 0;
    this.behaviour = {
      pullsIndexLag: 0,
      publicRepo: false,
      issuesDisabled: false,
      tokenCanPush: true,
      strictSince: true,
      onlyRequiredFlags: false,
      identity: { kind: 'installation', login: 'github-actions[bot]' },
      ...options.behaviour,
    };
    this.bot = this.user('github-actions[bot]', 'Bot');
    this.server = this.makeServer();
  }

  static async start(options: EmulatorOptions = {}): Promise<GitHubEmulator> {
    const emulator = new GitHubEmulator(options);
    await emulator.listen(0);
    return emulator;
  }

  /** The API base URL, what GITHUB_API_URL holds on a runner. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get repository(): string {
    return `${this.owner}/${this.repo}`;
  }

  private makeServer(): Server {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.send(res, req, 500, { message: `emulator error: ${(err as Error).message}` });
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        if (addr && typeof addr === 'object') this.port = addr.port;
        resolve();
      });
    });
  }

  private dropConnections(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Down: connections are refused until `setDown(false)`, on the same port. */
  async setDown(down: boolean): Promise<void> {
    if (down) {
      if (!this.server.listening) return;
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.dropConnections();
      await closed;
      this.requests.push({ method: '-', path: 'server down', query: '', status: 'refused' });
    } else if (!this.server.listening) {
      this.server = this.makeServer();
      await this.listen(this.port);
    }
  }

  async close(): Promise<void> {
    this.faults = [];
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropConnections();
    await closed;
  }

  // ---- clock and identities ----

  now(): number {
    return Date.now() + this.clockSkewMs;
  }

  /** GitHub's timestamps: ISO 8601, whole seconds, UTC. */
  stamp(ms = this.now()): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  user(login: string, type: 'User' | 'Bot' = login.endsWith('[bot]') ? 'Bot' : 'User'): GhUser {
    const key = login.toLowerCase();
    let u = this.users.get(key);
    if (!u) {
      const id = this.nextId++;
      const api = `https://api.github.com/users/${encodeURIComponent(login)}`;
      u = {
        login,
        id,
        node_id: `U_${id}`,
        type,
        site_admin: false,
        avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
        gravatar_id: '',
        url: api,
        html_url: `https://github.com/${encodeURIComponent(login)}`,
        followers_url: `${api}/followers`,
        following_url: `${api}/following{/other_user}`,
        gists_url: `${api}/gists{/gist_id}`,
        starred_url: `${api}/starred{/owner}{/repo}`,
        subscriptions_url: `${api}/subscriptions`,
        organizations_url: `${api}/orgs`,
        repos_url: `${api}/repos`,
        events_url: `${api}/events{/privacy}`,
        received_events_url: `${api}/received_events`,
      };
      this.users.set(key, u);
    }
    return u;
  }

  /** Who the token acts as: what its comments, issues and reactions are written by. */
  get self(): GhUser {
    return this.user(this.behaviour.identity.login);
  }

  /**
   * A collaborator's role. `customRole` names a custom repository role built on `role`: GitHub
   * reports its name as role_name and its base role in the flags and the legacy permission.
   */
  setPermission(login: string, role: Role, customRole?: string): void {
    this.user(login);
    this.roles.set(login.toLowerCase(), { base: role, name: customRole ?? role });
  }

  // ---- state tests create ----

  /**
   * A pull request; `author: null` is one whose author's account is gone. `people` names who
   * GitHub ties to each commit as author and committer (default: the PR's author).
   */
  addPullRequest(opts: {
    author: string | null;
    headSha: string;
    commits?: string[];
    state?: 'open' | 'closed';
    people?: Record<string, GhCommitPeople>;
  }): GhIssue {
    const pr = this.newIssue(
      `PR by ${opts.author ?? 'a deleted account'}`,
      '',
      opts.author === null ? null : this.user(opts.author),
      [],
    );
    pr.state = opts.state ?? 'open';
    pr.head = { sha: opts.headSha, ref: `feature-${pr.number}` };
    pr.commits = opts.commits ?? [opts.headSha];
    pr.merged_at = null;
    pr.merge_commit_sha = null;
    for (const sha of pr.commits)
      this.people.set(sha, opts.people?.[sha] ?? { author: opts.author, committer: opts.author });
    pr.pull_request = {
      url: `${this.url}/repos/${this.repository}/pulls/${pr.number}`,
      html_url: `https://github.com/${this.repository}/pull/${pr.number}`,
    };
    return pr;
  }

  /**
   * Merges a pull request: closed, `merged_at` set, its commits and the merge commit on the
   * default branch, where GitHub then lists only this merged pull request for them.
   */
  mergePullRequest(number: number, mergeSha: string): GhIssue {
    const pr = this.issues.get(number);
    if (!pr?.pull_request) throw new Error(`#${number} is not a pull request`);
    const at = this.stamp();
    pr.state = 'closed';
    pr.closed_at = at;
    pr.merged_at = at;
    pr.merge_commit_sha = mergeSha;
    pr.updated_at = at;
    for (const sha of [...(pr.commits ?? []), mergeSha]) this.defaultBranch.add(sha);
    return pr;
  }

  /** A commit pushed straight to the default branch, with no pull request. */
  pushToDefaultBranch(sha: string): void {
    this.defaultBranch.add(sha);
  }

  addIssue(opts: { title: string; body?: string; labels?: string[]; author?: string }): GhIssue {
    return this.newIssue(opts.title, opts.body ?? '', this.user(opts.author ?? 'someone'), opts.labels ?? []);
  }

  closeIssue(number: number): void {
    const issue = this.issues.get(number);
    if (issue) {
      issue.state = 'closed';
      issue.closed_at = this.stamp();
    }
  }

  /**
   * A comment as a person writes it. `edit` makes it an edited comment (the body given is the
   * edited text); `createdAt` back-dates it; `login: null` is a deleted account; `body:
   * undefined` a comment GitHub answers without a body.
   */
  addComment(
    issue: number,
    opts: {
      login: string | null;
      body: string | undefined;
      type?: 'User' | 'Bot';
      edit?: boolean;
      createdAt?: number;
    },
  ): GhComment {
    const created = opts.createdAt ?? this.now();
    const user = opts.login === null ? null : this.user(opts.login, opts.type);
    const comment = this.newComment(issue, user, opts.body, created);
    if (opts.edit) comment.updated_at = this.stamp(created + 2000);
    return comment;
  }

  /**
   * Someone edits a comment, as anyone with write access may. GitHub moves `updated_at` to the
   * edit's time, which within the first second of the comment is still `created_at`.
   */
  editComment(id: number, body: string, opts: { sameSecond?: boolean } = {}): GhComment {
    const comment = this.comments.find((c) => c.id === id);
    if (!comment) throw new Error(`no comment ${id}`);
    comment.body = body;
    comment.updated_at = opts.sameSecond
      ? comment.created_at
      : this.stamp(Math.max(this.now(), Date.parse(comment.created_at) + 1000));
    return comment;
  }

  commentsOn(issue: number): GhComment[] {
    return this.comments.filter((c) => c.issue_url.endsWith(`/issues/${issue}`));
  }

  /** The comment whose body carries `text` (e.g. a request marker). */
  findComment(text: string): GhComment | undefined {
    return this.comments.find((c) => c.body.includes(text));
  }

  reactionsOn(commentId: number): string[] {
    return this.reactions.filter((r) => r.commentId === commentId).map((r) => r.content);
  }

  count(method: string, pathPattern: RegExp, status?: LoggedRequest['status']): number {
    return this.requests.filter(
      (r) => r.method === method && pathPattern.test(r.path) && (status === undefined || r.status === status),
    ).length;
  }

  // ---- faults ----

  /** The next `n` requests (matching `match`, if given) answer `status`. */
  failNext(n: number, status = 500, match?: Fault['match']): void {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'status', status, ...(match ? { match } : {}) });
  }

  /** The next request (matching `match`, if given) answers a secondary rate limit with `retry-after`. */
  secondaryLimitNext(retryAfterSeconds: number, status: 403 | 429 = 429, match?: Fault['match']): void {
    this.faults.push({
      kind: 'secondary',
      status,
      retryAfter: retryAfterSeconds,
      ...(match ? { match } : {}),
    });
  }

  /** The next `n` requests (matching `match`) never get an answer. */
  hangNext(n: number, match?: Fault['match']): void {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'hang', status: 0, ...(match ? { match } : {}) });
  }

  /** The next `n` requests (matching `match`) take effect, but their answer is lost. */
  loseResponseNext(n: number, match?: Fault['match']): void {
    for (let i = 0; i < n; i++) this.faults.push({ kind: 'lose', status: 0, ...(match ? { match } : {}) });
  }

  /** Sets the primary budget; when it reaches 0 requests get 403 until the reset. */
  setRateBudget(opts: { limit: number; remaining: number; resetInMs: number }): void {
    this.budget = {
      limit: opts.limit,
      remaining: opts.remaining,
      resetAt: Date.now() + opts.resetInMs,
      windowMs: 3_600_000,
    };
  }

  // ---- HTTP ----

  private newIssue(title: string, body: string, user: GhUser | null, labels: string[]): GhIssue {
    const number = this.nextNumber++;
    const at = this.stamp();
    const issue: GhIssue = {
      id: this.nextId++,
      number,
      title,
      body,
      state: 'open',
      labels: labels.map((name) => {
        const id = this.nextId++;
        return {
          id,
          node_id: `LA_${id}`,
          url: `${this.url}/repos/${this.repository}/labels/${encodeURIComponent(name)}`,
          name,
          description: null,
          color: 'ededed',
          default: false,
        };
      }),
      user,
      html_url: `https://github.com/${this.repository}/issues/${number}`,
      created_at: at,
      updated_at: at,
      closed_at: null,
    };
    this.issues.set(number, issue);
    return issue;
  }

  private newComment(
    issue: number,
    user: GhUser | null,
    body: string | undefined,
    createdMs: number,
  ): GhComment {
    const id = this.nextId++;
    const role = user ? this.roles.get(user.login.toLowerCase())?.base : undefined;
    const comment = {
      id,
      node_id: `IC_${id}`,
      url: `${this.url}/repos/${this.repository}/issues/comments/${id}`,
      html_url: `https://github.com/${this.repository}/issues/${issue}#issuecomment-${id}`,
      issue_url: `${this.url}/repos/${this.repository}/issues/${issue}`,
      ...(body === undefined ? {} : { body }),
      user,
      created_at: this.stamp(createdMs),
      updated_at: this.stamp(createdMs),
      author_association:
        role === 'admin' || role === 'maintain'
          ? 'MEMBER'
          : role && role !== 'none'
            ? 'COLLABORATOR'
            : 'NONE',
    } as GhComment;
    this.comments.push(comment);
    return comment;
  }

  /** GitHub's issue object (pull requests are issues too). */
  private issueJson(i: GhIssue): Record<string, unknown> {
    const api = `${this.url}/repos/${this.repository}/issues/${i.number}`;
    return {
      id: i.id,
      node_id: `I_${i.id}`,
      url: api,
      repository_url: `${this.url}/repos/${this.repository}`,
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: i.html_url,
      number: i.number,
      state: i.state,
      title: i.title,
      body: i.body,
      user: i.user,
      labels: i.labels,
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      comments: this.commentsOn(i.number).length,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_at: i.closed_at,
      author_association: 'NONE',
      ...(i.pull_request
        ? {
            pull_request: {
              ...i.pull_request,
              diff_url: `${i.pull_request.html_url}.diff`,
              patch_url: `${i.pull_request.html_url}.patch`,
              merged_at: i.merged_at ?? null,
            },
          }
        : {}),
    };
  }

  /** GitHub's repository object, as pull requests name their head and base. */
  private repositoryJson(): Record<string, unknown> {
    const api = `${this.url}/repos/${this.repository}`;
    const urls = Object.fromEntries(
      [
        ['archive', '/{archive_format}{/ref}'],
        ['assignees', '/assignees{/user}'],
        ['blobs', '/git/blobs{/sha}'],
        ['branches', '/branches{/branch}'],
        ['collaborators', '/collaborators{/collaborator}'],
        ['comments', '/comments{/number}'],
        ['commits', '/commits{/sha}'],
        ['compare', '/compare/{base}...{head}'],
        ['contents', '/contents/{+path}'],
        ['contributors', '/contributors'],
        ['deployments', '/deployments'],
        ['downloads', '/downloads'],
        ['events', '/events'],
        ['forks', '/forks'],
        ['git_commits', '/git/commits{/sha}'],
        ['git_refs', '/git/refs{/sha}'],
        ['git_tags', '/git/tags{/sha}'],
        ['hooks', '/hooks'],
        ['issue_comment', '/issues/comments{/number}'],
        ['issue_events', '/issues/events{/number}'],
        ['issues', '/issues{/number}'],
        ['keys', '/keys{/key_id}'],
        ['labels', '/labels{/name}'],
        ['languages', '/languages'],
        ['merges', '/merges'],
        ['milestones', '/milestones{/number}'],
        ['notifications', '/notifications{?since,all,participating}'],
        ['pulls', '/pulls{/number}'],
        ['releases', '/releases{/id}'],
        ['stargazers', '/stargazers'],
        ['statuses', '/statuses/{sha}'],
        ['subscribers', '/subscribers'],
        ['subscription', '/subscription'],
        ['tags', '/tags'],
        ['teams', '/teams'],
        ['trees', '/git/trees{/sha}'],
      ].map(([k, suffix]) => [`${k}_url`, `${api}${suffix}`]),
    );
    const html = `https://github.com/${this.repository}`;
    return {
      id: 1,
      node_id: 'R_1',
      name: this.repo,
      full_name: this.repository,
      owner: this.user(this.owner),
      private: !this.behaviour.publicRepo,
      html_url: html,
      description: null,
      fork: false,
      url: api,
      ...urls,
      clone_url: `${html}.git`,
      git_url: `git://github.com/${this.repository}.git`,
      ssh_url: `git@github.com:${this.repository}.git`,
      svn_url: html,
      mirror_url: null,
      homepage: null,
      language: null,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 0,
      default_branch: 'main',
      open_issues: 0,
      open_issues_count: 0,
      has_issues: !this.behaviour.issuesDisabled,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: false,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: null,
      created_at: null,
      updated_at: null,
    };
  }

  /** GitHub's pull-request-simple, as the pull requests of a commit are listed. */
  private pullJson(p: GhIssue): Record<string, unknown> {
    const api = `${this.url}/repos/${this.repository}`;
    const self = p.pull_request!.url;
    const repo = this.repositoryJson();
    const owner = this.user(this.owner);
    const link = (href: string) => ({ href });
    return {
      url: self,
      id: p.id,
      node_id: `PR_${p.id}`,
      html_url: p.pull_request!.html_url,
      diff_url: `${p.pull_request!.html_url}.diff`,
      patch_url: `${p.pull_request!.html_url}.patch`,
      issue_url: `${api}/issues/${p.number}`,
      commits_url: `${self}/commits`,
      review_comments_url: `${self}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${p.number}/comments`,
      statuses_url: `${api}/statuses/${p.head!.sha}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: p.user,
      body: p.body || null,
      labels: p.labels,
      milestone: null,
      active_lock_reason: null,
      created_at: p.created_at,
      updated_at: p.updated_at,
      closed_at: p.closed_at,
      merged_at: p.merged_at ?? null,
      merge_commit_sha: p.merge_commit_sha ?? null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: { label: `${this.owner}:${p.head!.ref}`, ref: p.head!.ref, sha: p.head!.sha, user: owner, repo },
      base: { label: `${this.owner}:main`, ref: 'main', sha: '0'.repeat(40), user: owner, repo },
      _links: {
        self: link(self),
        html: link(p.pull_request!.html_url),
        issue: link(`${api}/issues/${p.number}`),
        comments: link(`${api}/issues/${p.number}/comments`),
        review_comments: link(`${self}/comments`),
        review_comment: link(`${api}/pulls/comments{/number}`),
        commits: link(`${self}/commits`),
        statuses: link(`${api}/statuses/${p.head!.sha}`),
      },
      author_association: 'CONTRIBUTOR',
      auto_merge: null,
      draft: false,
    };
  }

  /** GitHub's commit object, as a pull request's commits are listed. */
  private commitJson(sha: string): Record<string, unknown> {
    const api = `${this.url}/repos/${this.repository}`;
    const who = this.people.get(sha) ?? {};
    const person = (login: string | null | undefined) => (login ? this.user(login) : null);
    const git = (login: string | null | undefined) => ({
      name: login ?? 'Someone Without An Account',
      email: `${login ?? 'nobody'}@example.com`,
      date: this.stamp(),
    });
    return {
      url: `${api}/commits/${sha}`,
      sha,
      node_id: `C_${sha.slice(0, 12)}`,
      html_url: `https://github.com/${this.repository}/commit/${sha}`,
      comments_url: `${api}/commits/${sha}/comments`,
      commit: {
        url: `${api}/git/commits/${sha}`,
        author: git(who.author),
        committer: git(who.committer),
        message: `commit ${sha.slice(0, 7)}`,
        comment_count: 0,
        tree: { sha: 'f'.repeat(40), url: `${api}/git/trees/${'f'.repeat(40)}` },
      },
      author: person(who.author),
      committer: person(who.committer),
      parents: [],
    };
  }

  /** GitHub's private-user: what GET /user answers a person's token. */
  private privateUser(u: GhUser): Record<string, unknown> {
    const at = this.stamp(Date.parse('2020-01-01T00:00:00Z'));
    return {
      ...u,
      name: null,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: at,
      updated_at: at,
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
      user_view_type: 'private',
    };
  }

  private rateHeaders(): Record<string, string> {
    if (Date.now() >= this.budget.resetAt) {
      this.budget.remaining = this.budget.limit;
      this.budget.resetAt = Date.now() + this.budget.windowMs;
    }
    return {
      'x-ratelimit-limit': String(this.budget.limit),
      'x-ratelimit-remaining': String(this.budget.remaining),
      'x-ratelimit-reset': String(Math.ceil(this.budget.resetAt / 1000)),
      'x-ratelimit-used': String(this.budget.limit - this.budget.remaining),
      'x-ratelimit-resource': 'core',
    };
  }

  private send(
    res: ServerResponse,
    req: IncomingMessage,
    status: number,
    body: unknown,
    extra: Record<string, string> = {},
  ): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (this.lost.has(res)) {
      this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, status: 'lost' });
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) {
      this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, status });
      return;
    }
    const json = status === 304 ? '' : JSON.stringify(body);
    const headers = {
      ...(status === 304 ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...this.rateHeaders(),
      ...extra,
    };
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: url.search,
      status,
      response: { headers, body: json, conditional: req.headers['if-none-match'] !== undefined },
    });
    res.writeHead(status, headers);
    res.end(json);
  }

  private async readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return {};
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** A 200 list or object with an ETag; a matching If-None-Match gets a free 304. */
  private sendCacheable(
    res: ServerResponse,
    req: IncomingMessage,
    body: unknown,
    extra: Record<string, string> = {},
  ): void {
    const etag = `W/"${createHash('sha256')
      .update(JSON.stringify(body))
      .update(extra.link ?? '')
      .digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      this.notModified++;
      this.send(res, req, 304, undefined, { etag, ...extra });
      return;
    }
    if (this.budget.remaining <= 0) {
      this.refuseOverBudget(res, req);
      return;
    }
    this.budget.remaining = Math.max(0, this.budget.remaining - 1);
    this.send(res, req, 200, body, { etag, ...extra });
  }

  private refuseOverBudget(res: ServerResponse, req: IncomingMessage): void {
    this.rateLimited++;
    this.send(res, req, 403, {
      message: 'API rate limit exceeded for installation ID 1.',
      documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
    });
  }

  private page<T>(url: URL, items: T[]): { body: T[]; link?: string } {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const body = items.slice((page - 1) * perPage, page * perPage);
    const at = (p: number) => {
      const u = new URL(url.toString());
      u.searchParams.set('page', String(p));
      return `<${this.url}${u.pathname}${u.search}>`;
    };
    const links: string[] = [];
    if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
    if (page > 1) links.push(`${at(1)}; rel="first"`, `${at(page - 1)}; rel="prev"`);
    return links.length > 0 ? { body, link: links.join(', ') } : { body };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;

    const faultAt = this.faults.findIndex((f) => !f.match || f.match(method, path));
    if (faultAt >= 0) {
      const [fault] = this.faults.splice(faultAt, 1);
      if (fault!.kind === 'hang') {
        this.requests.push({ method, path, query: url.search, status: 'hung' });
        this.hung.add(res);
        return;
      }
      if (fault!.kind === 'secondary') {
        this.send(
          res,
          req,
          fault!.status,
          {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          },
          { 'retry-after': String(fault!.retryAfter ?? 1) },
        );
        return;
      }
      if (fault!.kind === 'status') {
        this.send(res, req, fault!.status, { message: 'Server Error' });
        return;
      }
      // 'lose': handled below as usual, then the connection drops instead of the answer.
      this.lost.add(res);
    }

    if (req.headers.authorization !== `token ${this.token}`) {
      this.send(res, req, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      });
      return;
    }
    this.rateHeaders();
    if (this.budget.remaining <= 0 && req.headers['if-none-match'] === undefined) {
      this.refuseOverBudget(res, req);
      return;
    }

    const charge = () => {
      this.budget.remaining = Math.max(0, this.budget.remaining - 1);
    };
    if (path === '/user' && method === 'GET') {
      if (this.behaviour.identity.kind === 'installation') {
        return this.send(res, req, 403, {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
          status: '403',
        });
      }
      return this.sendCacheable(res, req, this.privateUser(this.self));
    }

    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    if (!path.startsWith(`${repoPrefix}/`)) {
      this.send(res, req, 404, { message: 'Not Found' });
      return;
    }
    const rest = path.slice(repoPrefix.length);
    const gone = () =>
      this.send(res, req, 410, {
        message: 'Issues are disabled for this repo',
        documentation_url: 'https://docs.github.com/v3/issues/',
        status: '410',
      });
    /** With issues disabled, only pull requests keep their conversation. */
    const disabled = (issue: GhIssue) => this.behaviour.issuesDisabled && !issue.pull_request;
    const location = (url: string) => ({ location: url });
    /** GitHub's validation-error shape: a message and where to read about it. */
    const invalid = (message: string) =>
      this.send(res, req, 422, { message, documentation_url: 'https://docs.github.com/rest', errors: [] });
    let m: RegExpExecArray | null;

    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const number = Number(m[1]);
      const issue = this.issues.get(number);
      if (!issue) return this.send(res, req, 404, { message: 'Not Found' });
      if (disabled(issue)) return gone();
      if (method === 'POST') {
        const body = await this.readBody(req);
        if (typeof body.body !== 'string' || body.body.length === 0) {
          return invalid('Validation Failed');
        }
        if (body.body.length > 65_536) return invalid('Body is too long');
        charge();
        const comment = this.newComment(number, this.self, body.body, this.now());
        return this.send(res, req, 201, comment, location(comment.url));
      }
      if (method === 'GET') {
        const since = url.searchParams.get('since');
        // GitHub compares whole seconds and returns only what was updated after `since`.
        const sinceS = since ? Math.floor(Date.parse(since) / 1000) : Number.NEGATIVE_INFINITY;
        const list = this.commentsOn(number)
          .filter((c) => {
            const updated = Math.floor(Date.parse(c.updated_at) / 1000);
            return this.behaviour.strictSince ? updated > sinceS : updated >= sinceS;
          })
          .sort((a, b) => a.id - b.id);
        const { body, link } = this.page(url, list);
        return this.sendCacheable(res, req, body, link ? { link } : {});
      }
    }

    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = this.comments.find((c) => c.id === Number(m![1]));
      if (!comment) return this.send(res, req, 404, { message: 'Not Found' });
      if (method === 'PATCH') {
        const body = await this.readBody(req);
        if (typeof body.body !== 'string') return invalid('Validation Failed');
        comment.body = body.body;
        comment.updated_at = this.stamp();
        charge();
        return this.send(res, req, 200, comment);
      }
      if (method === 'GET') return this.sendCacheable(res, req, comment);
    }

    if ((m = /^\/issues\/comments\/(\d+)\/reactions$/.exec(rest)) && method === 'POST') {
      const commentId = Number(m[1]);
      if (!this.comments.some((c) => c.id === commentId))
        return this.send(res, req, 404, { message: 'Not Found' });
      const body = await this.readBody(req);
      if (typeof body.content !== 'string' || !REACTIONS.has(body.content)) {
        return invalid('Validation Failed');
      }
      const reaction: GhReaction = { id: this.nextId++, commentId, content: body.content, user: this.self };
      this.reactions.push(reaction);
      charge();
      return this.send(res, req, 201, {
        id: reaction.id,
        node_id: `REA_${reaction.id}`,
        user: this.self,
        content: reaction.content,
        created_at: this.stamp(),
      });
    }

    if ((m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest)) && method === 'GET') {
      const login = decodeURIComponent(m[1]!);
      // On a public repository every account reads: GitHub answers 200 read, not 404.
      const held =
        this.roles.get(login.toLowerCase()) ??
        (this.behaviour.publicRepo ? { base: 'read', name: 'read' } : undefined);
      if (held === undefined) return this.send(res, req, 404, { message: 'Not Found' });
      const role = held.base;
      const at = (r: Role) =>
        role !== 'none' && BASE_ROLES.indexOf(role) >= BASE_ROLES.indexOf(r as (typeof BASE_ROLES)[number]);
      const legacy =
        role === 'admin'
          ? 'admin'
          : role === 'maintain' || role === 'write'
            ? 'write'
            : role === 'none'
              ? 'none'
              : 'read';
      const flags: Record<string, boolean> = { admin: at('admin'), push: at('write'), pull: at('read') };
      if (!this.behaviour.onlyRequiredFlags)
        Object.assign(flags, { maintain: at('maintain'), triage: at('triage') });
      charge();
      return this.send(res, req, 200, {
        permission: legacy,
        role_name: held.name,
        user: { ...this.user(login), permissions: flags, role_name: held.name },
      });
    }

    if ((m = /^\/commits\/([0-9a-f]{7,40})\/pulls$/.exec(rest)) && method === 'GET') {
      const sha = m[1]!;
      charge();
      // GitHub links commits to pull requests in the background: at first the list is empty.
      if (this.pullsAsked++ < this.behaviour.pullsIndexLag) return this.send(res, req, 200, []);
      const onDefault = [...this.defaultBranch].some((c) => c.startsWith(sha));
      const prs = [...this.issues.values()].filter(
        (i) =>
          i.pull_request &&
          (i.commits?.some((c) => c.startsWith(sha)) || i.merge_commit_sha?.startsWith(sha)) &&
          // The default branch lists the merged pull request that brought the commit, others open ones.
          (onDefault ? !!i.merged_at : i.state === 'open'),
      );
      return this.send(
        res,
        req,
        200,
        prs.map((p) => this.pullJson(p)),
      );
    }

    if ((m = /^\/pulls\/(\d+)\/commits$/.exec(rest)) && method === 'GET') {
      const pr = this.issues.get(Number(m[1]));
      if (!pr?.pull_request) return this.send(res, req, 404, { message: 'Not Found' });
      const { body, link } = this.page(
        url,
        (pr.commits ?? []).map((sha) => this.commitJson(sha)),
      );
      return this.sendCacheable(res, req, body, link ? { link } : {});
    }

    if ((m = /^\/issues\/(\d+)$/.exec(rest)) && method === 'GET') {
      const issue = this.issues.get(Number(m[1]));
      if (!issue) return this.send(res, req, 404, { message: 'Not Found' });
      if (disabled(issue)) return gone();
      return this.sendCacheable(res, req, this.issueJson(issue));
    }

    if (rest === '/issues') {
      if (method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open';
        const labels = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
        const asc = url.searchParams.get('direction') === 'asc';
        const list = [...this.issues.values()]
          .filter((i) => !disabled(i))
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => labels.every((l) => i.labels.some((x) => x.name === l)))
          .sort((a, b) => (asc ? a.number - b.number : b.number - a.number))
          .map((i) => this.issueJson(i));
        const { body, link } = this.page(url, list);
        return this.sendCacheable(res, req, body, link ? { link } : {});
      }
      if (method === 'POST') {
        if (this.behaviour.issuesDisabled) return gone();
        const body = await this.readBody(req);
        if (typeof body.title !== 'string' || !body.title) return invalid('Validation Failed');
        // Without push access GitHub drops the labels and says nothing.
        const labels =
          Array.isArray(body.labels) && this.behaviour.tokenCanPush ? body.labels.map(String) : [];
        charge();
        const issue = this.newIssue(body.title, String(body.body ?? ''), this.self, labels);
        const json = this.issueJson(issue);
        return this.send(res, req, 201, json, location(String(json.url)));
      }
    }

    if (rest === '/attestations' && method === 'POST') return this.createAttestation(req, res, charge);

    this.send(res, req, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
  }

  /** POST /repos/{owner}/{repo}/attestations: stores a Sigstore bundle, answers its id. */
  private async createAttestation(
    req: IncomingMessage,
    res: ServerResponse,
    charge: () => void,
  ): Promise<void> {
    const body = await this.readBody(req);
    const bundle = body.bundle as { mediaType?: unknown } | undefined;
    if (
      !bundle ||
      typeof bundle.mediaType !== 'string' ||
      !bundle.mediaType.startsWith('application/vnd.dev.sigstore.bundle')
    )
      return this.send(res, req, 422, { message: 'Validation Failed' });
    charge();
    this.attestations.push(bundle);
    this.send(res, req, 201, { id: this.attestations.length });
  }
}
