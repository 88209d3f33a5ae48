// A GitHub REST emulator for the approval channel: a real node:http server that answers with
// the JSON shapes of GitHub's public API (issue comments, reactions, collaborator permission,
// pull requests of a commit, issues), ETags and 304s, x-ratelimit-* headers and a primary
// rate-limit budget, and faults tests switch on: 5xx, secondary limits with retry-after,
// requests that never answer, a server that is down.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Role = 'read' | 'triage' | 'write' | 'maintain' | 'admin' | 'none';

export interface GhUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot';
  site_admin: boolean;
}

export interface GhComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: GhUser;
  created_at: string;
  updated_at: string;
  author_association: string;
}

export interface GhIssue {
  id: number;
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: { id: number; name: string }[];
  user: GhUser;
  html_url: string;
  created_at: string;
  updated_at: string;
  pull_request?: { url: string; html_url: string };
  /** Pull requests only. */
  head?: { sha: string; ref: string };
  commits?: string[];
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
}

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
  private readonly roles = new Map<string, Role>();
  private faults: Fault[] = [];
  private nextId = 1000;
  private nextNumber = 1;
  private budget = { limit: 5000, remaining: 5000, resetAt: Date.now() + 3_600_000, windowMs: 3_600_000 };
  readonly bot: GhUser;

  private constructor(options: EmulatorOptions) {
    this.owner = options.owner ?? 'octo-org';
    this.repo = options.repo ?? 'app';
    this.token = options.token ?? 'ghs_emulatorTokenDoNotLeak0123456789';
    this.clockSkewMs = options.clockSkewMs ?? 0;
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
      u = { login, id, node_id: `U_${id}`, type, site_admin: false };
      this.users.set(key, u);
    }
    return u;
  }

  setPermission(login: string, role: Role): void {
    this.user(login);
    this.roles.set(login.toLowerCase(), role);
  }

  // ---- state tests create ----

  addPullRequest(opts: {
    author: string;
    headSha: string;
    commits?: string[];
    state?: 'open' | 'closed';
  }): GhIssue {
    const pr = this.newIssue(`PR by ${opts.author}`, '', this.user(opts.author), []);
    pr.state = opts.state ?? 'open';
    pr.head = { sha: opts.headSha, ref: `feature-${pr.number}` };
    pr.commits = opts.commits ?? [opts.headSha];
    pr.pull_request = {
      url: `${this.url}/repos/${this.repository}/pulls/${pr.number}`,
      html_url: `https://github.com/${this.repository}/pull/${pr.number}`,
    };
    return pr;
  }

  addIssue(opts: { title: string; body?: string; labels?: string[]; author?: string }): GhIssue {
    return this.newIssue(opts.title, opts.body ?? '', this.user(opts.author ?? 'someone'), opts.labels ?? []);
  }

  closeIssue(number: number): void {
    const issue = this.issues.get(number);
    if (issue) issue.state = 'closed';
  }

  /**
   * A comment as a person writes it. `edit` makes it an edited comment (the body given is the
   * edited text); `createdAt` back-dates it.
   */
  addComment(
    issue: number,
    opts: { login: string; body: string; type?: 'User' | 'Bot'; edit?: boolean; createdAt?: number },
  ): GhComment {
    const created = opts.createdAt ?? this.now();
    const comment = this.newComment(issue, this.user(opts.login, opts.type), opts.body, created);
    if (opts.edit) comment.updated_at = this.stamp(created + 2000);
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

  /** The next request answers a secondary rate limit with `retry-after`. */
  secondaryLimitNext(retryAfterSeconds: number, status: 403 | 429 = 429): void {
    this.faults.push({ kind: 'secondary', status, retryAfter: retryAfterSeconds });
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

  private newIssue(title: string, body: string, user: GhUser, labels: string[]): GhIssue {
    const number = this.nextNumber++;
    const at = this.stamp();
    const issue: GhIssue = {
      id: this.nextId++,
      number,
      title,
      body,
      state: 'open',
      labels: labels.map((name) => ({ id: this.nextId++, name })),
      user,
      html_url: `https://github.com/${this.repository}/issues/${number}`,
      created_at: at,
      updated_at: at,
    };
    this.issues.set(number, issue);
    return issue;
  }

  private newComment(issue: number, user: GhUser, body: string, createdMs: number): GhComment {
    const id = this.nextId++;
    const role = this.roles.get(user.login.toLowerCase());
    const comment: GhComment = {
      id,
      node_id: `IC_${id}`,
      url: `${this.url}/repos/${this.repository}/issues/comments/${id}`,
      html_url: `https://github.com/${this.repository}/issues/${issue}#issuecomment-${id}`,
      issue_url: `${this.url}/repos/${this.repository}/issues/${issue}`,
      body,
      user,
      created_at: this.stamp(createdMs),
      updated_at: this.stamp(createdMs),
      author_association:
        role === 'admin' || role === 'maintain'
          ? 'MEMBER'
          : role && role !== 'none'
            ? 'COLLABORATOR'
            : 'NONE',
    };
    this.comments.push(comment);
    return comment;
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
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, status });
    if (res.destroyed) return;
    const json = status === 304 ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...(status === 304 ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      ...this.rateHeaders(),
      ...extra,
    });
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

    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    if (!path.startsWith(`${repoPrefix}/`)) {
      this.send(res, req, 404, { message: 'Not Found' });
      return;
    }
    const rest = path.slice(repoPrefix.length);
    const charge = () => {
      this.budget.remaining = Math.max(0, this.budget.remaining - 1);
    };
    let m: RegExpExecArray | null;

    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const number = Number(m[1]);
      if (!this.issues.has(number)) return this.send(res, req, 404, { message: 'Not Found' });
      if (method === 'POST') {
        const body = await this.readBody(req);
        if (typeof body.body !== 'string' || body.body.length === 0) {
          return this.send(res, req, 422, { message: 'Validation Failed' });
        }
        if (body.body.length > 65_536) return this.send(res, req, 422, { message: 'Body is too long' });
        charge();
        return this.send(res, req, 201, this.newComment(number, this.bot, body.body, this.now()));
      }
      if (method === 'GET') {
        const since = url.searchParams.get('since');
        const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
        const list = this.commentsOn(number)
          .filter((c) => Date.parse(c.updated_at) >= sinceMs)
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
        if (typeof body.body !== 'string') return this.send(res, req, 422, { message: 'Validation Failed' });
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
        return this.send(res, req, 422, { message: 'Validation Failed' });
      }
      const reaction: GhReaction = { id: this.nextId++, commentId, content: body.content, user: this.bot };
      this.reactions.push(reaction);
      charge();
      return this.send(res, req, 201, {
        id: reaction.id,
        node_id: `REA_${reaction.id}`,
        user: this.bot,
        content: reaction.content,
        created_at: this.stamp(),
      });
    }

    if ((m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest)) && method === 'GET') {
      const login = decodeURIComponent(m[1]!);
      const role = this.roles.get(login.toLowerCase());
      if (role === undefined) return this.send(res, req, 404, { message: 'Not Found' });
      const at = (r: Role) =>
        ['read', 'triage', 'write', 'maintain', 'admin'].indexOf(role) >=
          ['read', 'triage', 'write', 'maintain', 'admin'].indexOf(r) && role !== 'none';
      const legacy =
        role === 'admin'
          ? 'admin'
          : role === 'maintain' || role === 'write'
            ? 'write'
            : role === 'none'
              ? 'none'
              : 'read';
      const user = this.user(login);
      charge();
      return this.send(res, req, 200, {
        permission: legacy,
        role_name: role,
        user: {
          ...user,
          permissions: {
            admin: at('admin'),
            maintain: at('maintain'),
            push: at('write'),
            triage: at('triage'),
            pull: at('read'),
          },
          role_name: role,
        },
      });
    }

    if ((m = /^\/commits\/([0-9a-f]{7,40})\/pulls$/.exec(rest)) && method === 'GET') {
      const sha = m[1]!;
      const prs = [...this.issues.values()].filter(
        (i) => i.pull_request && i.commits?.some((c) => c.startsWith(sha)),
      );
      charge();
      return this.send(
        res,
        req,
        200,
        prs.map((p) => ({
          id: p.id,
          number: p.number,
          state: p.state,
          title: p.title,
          user: p.user,
          html_url: p.pull_request!.html_url,
          head: p.head,
          base: { ref: 'main', sha: '0'.repeat(40) },
        })),
      );
    }

    if (rest === '/issues') {
      if (method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open';
        const labels = (url.searchParams.get('labels') ?? '').split(',').filter(Boolean);
        const list = [...this.issues.values()]
          .filter((i) => state === 'all' || i.state === state)
          .filter((i) => labels.every((l) => i.labels.some((x) => x.name === l)))
          .sort((a, b) => b.number - a.number)
          .map(({ head: _h, commits: _c, ...shown }) => shown);
        const { body, link } = this.page(url, list);
        return this.sendCacheable(res, req, body, link ? { link } : {});
      }
      if (method === 'POST') {
        const body = await this.readBody(req);
        if (typeof body.title !== 'string' || !body.title)
          return this.send(res, req, 422, { message: 'Validation Failed' });
        const labels = Array.isArray(body.labels) ? body.labels.map(String) : [];
        charge();
        return this.send(res, req, 201, this.newIssue(body.title, String(body.body ?? ''), this.bot, labels));
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
