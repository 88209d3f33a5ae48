// The GitHub emulator held to GitHub's own API description (@octokit/openapi): every answer it
// gives while the production code runs against it (the approval channel and the report comment,
// under each documented behaviour) is checked against the description of that endpoint: a
// documented status (or 304 to a conditional request), the headers the description defines, and
// the body against the response schema. The endpoints are found in src/ itself, so a new GitHub
// call the emulator does not answer to the description fails here.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getOctokit } from '@actions/github';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/approvals/octokit.js';
import { upsertReportComment } from '../../src/approvals/report.js';
import { approve, issueOf, jobOf, never, SHA, setup } from '../support/approval-channel.js';
import {
  GitHubEmulator as Emulator,
  type GitHubEmulator,
  type LoggedRequest,
} from '../support/github-emulator.js';
import {
  type Description,
  loadGitHubDescription,
  resolveRef,
  responseFor,
  type Schema,
  validate,
} from '../support/openapi-schema.js';

const spec: Description = loadGitHubDescription();

interface Endpoint {
  method: string;
  route: string;
  pattern: RegExp;
}

/** Every GitHub endpoint src/ calls: `octokit.rest.<scope>.<method>` and `octokit.request('VERB /route')`. */
function endpointsOfSource(): Endpoint[] {
  const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const rest = getOctokit('unused').rest as unknown as Record<
    string,
    Record<string, { endpoint: { DEFAULTS: { method: string; url: string } } }>
  >;
  const found = new Map<string, Endpoint>();
  const add = (method: string, route: string) =>
    found.set(`${method} ${route}`, {
      method,
      route,
      pattern: new RegExp(`^${route.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    });
  for (const f of files) {
    const text = readFileSync(join('src', f), 'utf8');
    for (const m of text.matchAll(/octokit\.rest\.(\w+)\.(\w+)/g)) {
      const { method, url } = rest[m[1]!]![m[2]!]!.endpoint.DEFAULTS;
      add(method, url);
    }
    for (const m of text.matchAll(/octokit\.request\(\s*'([A-Z]+) ([^']+)'/g)) add(m[1]!, m[2]!);
  }
  return [...found.values()];
}

const endpoints = endpointsOfSource();
/** `METHOD route status` of every answer checked. */
const checked = new Set<string>();

function schemaType(s: Schema | undefined): string | undefined {
  return s?.$ref ? schemaType(resolveRef<Schema>(spec, s.$ref)) : s?.type;
}

/** The description's verdict on one answer: problems as lines, none when it conforms. */
function problemsOf(r: LoggedRequest): { endpoint?: Endpoint; problems: string[] } {
  const endpoint = endpoints.find((e) => e.method === r.method && e.pattern.test(r.path));
  if (!endpoint || !r.response || typeof r.status !== 'number') return { problems: [] };
  const where = `${r.method} ${endpoint.route} → ${r.status}`;
  const { headers, body, conditional } = r.response;
  if (r.status === 304) {
    // GitHub answers 304 to any conditional GET whose ETag still matches (documented once, for all).
    return {
      endpoint,
      problems: conditional && body === '' ? [] : [`${where}: 304 without If-None-Match, or with a body`],
    };
  }
  const op = spec.paths[endpoint.route]?.[r.method.toLowerCase()];
  if (!op) return { endpoint, problems: [`${where}: not in the description`] };
  const doc = responseFor(spec, op, r.status);
  if (!doc)
    return {
      endpoint,
      problems: [`${where}: status not documented (${Object.keys(op.responses).join(', ')})`],
    };
  const problems: string[] = [];
  for (const [name, h] of Object.entries(doc.headers ?? {})) {
    const header = h.$ref ? resolveRef<{ schema?: Schema }>(spec, h.$ref) : h;
    const value = headers[name.toLowerCase()];
    // GitHub sends Link only when there is more than one page.
    if (value === undefined) {
      if (name.toLowerCase() !== 'link') problems.push(`${where}: header ${name} is missing`);
      continue;
    }
    if (schemaType(header.schema) === 'integer' && !/^\d+$/.test(value))
      problems.push(`${where}: header ${name} is not an integer`);
    if (name.toLowerCase() === 'link' && !/^<[^>]+>; rel="\w+"(, <[^>]+>; rel="\w+")*$/.test(value))
      problems.push(`${where}: Link header ${value} is malformed`);
  }
  const schema = doc.content?.['application/json']?.schema;
  if (!schema)
    return {
      endpoint,
      problems: body === '' ? problems : [...problems, `${where}: a body where none is described`],
    };
  if (!/^application\/json/.test(headers['content-type'] ?? ''))
    problems.push(`${where}: content-type is not JSON`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { endpoint, problems: [...problems, `${where}: body is not JSON`] };
  }
  return { endpoint, problems: [...problems, ...validate(spec, schema, json).map((p) => `${where}: ${p}`)] };
}

/** Checks every answer the emulator gave; the endpoints it answered are remembered for coverage. */
function holdToDescription(gh: GitHubEmulator): void {
  const problems: string[] = [];
  for (const r of gh.requests) {
    const { endpoint, problems: found } = problemsOf(r);
    if (endpoint) checked.add(`${r.method} ${endpoint.route} ${r.status}`);
    problems.push(...found);
  }
  expect([...new Set(problems)]).toEqual([]);
}

describe('the GitHub emulator answers as GitHub’s description says', () => {
  it('finds the endpoints the production code calls', () => {
    expect(endpoints.map((e) => `${e.method} ${e.route}`).sort()).toEqual(
      expect.arrayContaining([
        'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls',
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
        'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
        'GET /repos/{owner}/{repo}/pulls/{pull_number}/commits',
        'GET /user',
      ]),
    );
  });

  it('on a pull request: request, polls with 304s, permissions, reactions, outcome', async () => {
    const t = await setup({ policy: { required: 2 } });
    t.gh.setPermission('dana', 'write', 'deployer');
    const req = t.request();
    const pending = t.channel().request(req, never());
    const asked = await t.posted(req.id, pending);
    await t.seen(asked);
    t.gh.addComment(t.pr!.number, { login: null, body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'carol', body: undefined });
    t.gh.addComment(t.pr!.number, { login: 'nobody-here', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'bob', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'dana', body: approve(req) });
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    expect(await pending).toMatchObject({ decision: 'approved', by: ['dana', 'alice'] });
    holdToDescription(t.gh);
    await t.gh.close();
  });

  it('after a merge, with indexing lag and flags left out: the merged PR and its commits', async () => {
    const t = await setup({
      event: 'push',
      behaviour: { pullsIndexLag: 1, onlyRequiredFlags: true },
      pullRequestLagMs: 5_000,
    });
    const pr = t.gh.addPullRequest({
      author: 'pr-author',
      headSha: SHA,
      commits: ['a1'.padEnd(40, '1'), SHA],
      people: { [SHA]: { author: 'pr-author', committer: null } },
    });
    t.gh.mergePullRequest(pr.number, 'ae'.padEnd(40, '7'));
    const req = t.request({ job: { ...jobOf(t.gh, 'push'), sha: 'ae'.padEnd(40, '7') } });
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(pr.number, { login: 'alice', body: approve(req) });
    expect(await pending).toMatchObject({ decision: 'approved' });
    holdToDescription(t.gh);
    await t.gh.close();
  });

  it('a tracking issue on a public repository whose token cannot push, asked twice', async () => {
    const t = await setup({
      event: 'workflow_dispatch',
      behaviour: { publicRepo: true, tokenCanPush: false },
      policy: { required: 1 },
    });
    for (let i = 0; i < 2; i++) {
      const req = t.request();
      const pending = t.channel().request(req, never());
      const asked = await t.posted(req.id, pending);
      t.gh.addComment(issueOf(asked), { login: 'stranger', body: approve(req) });
      t.gh.addComment(issueOf(asked), { login: 'carol', body: `/guardrail deny ${req.id} not today` });
      expect((await pending).decision).toBe('denied');
    }
    holdToDescription(t.gh);
    await t.gh.close();
  });

  it('a merge_group run: the pull request read by number', async () => {
    const t = await setup({
      event: 'merge_group',
      prForCommit: true,
      payload: (pr) => ({
        merge_group: { head_ref: `refs/heads/gh-readonly-queue/main/pr-${pr!.number}-${SHA}` },
      }),
    });
    const req = t.request();
    const pending = t.channel().request(req, never());
    await t.posted(req.id, pending);
    t.gh.addComment(t.pr!.number, { login: 'alice', body: approve(req) });
    expect((await pending).decision).toBe('approved');
    expect(t.gh.count('GET', new RegExp(`/issues/${t.pr!.number}$`), 200)).toBe(1);
    holdToDescription(t.gh);
    await t.gh.close();
  });

  it('issues disabled: 410 for new issues and for an issue’s comments; 422 for an empty comment', async () => {
    const t = await setup({ event: 'workflow_dispatch', behaviour: { issuesDisabled: true } });
    const issue = t.gh.addIssue({ title: 'from before issues were turned off' });
    expect((await t.channel().request(t.request(), never())).decision).toBe('error');
    const octokit = createClient(t.gh.token, { baseUrl: t.gh.url, retries: 0, log: () => {} });
    const repo = { owner: t.gh.owner, repo: t.gh.repo };
    await expect(
      octokit.rest.issues.listComments({ ...repo, issue_number: issue.number }),
    ).rejects.toMatchObject({
      status: 410,
    });
    await expect(octokit.rest.issues.get({ ...repo, issue_number: issue.number })).rejects.toMatchObject({
      status: 410,
    });
    const pr = t.gh.addPullRequest({ author: 'pr-author', headSha: SHA });
    await expect(
      octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: '' }),
    ).rejects.toMatchObject({
      status: 422,
    });
    expect(t.gh.count('POST', /\/issues$/, 410)).toBe(1);
    holdToDescription(t.gh);
    await t.gh.close();
  });

  it.for(['installation', 'user'] as const)('the report comment with an %s token', async (kind) => {
    const gh = await Emulator.start({
      behaviour: { identity: { kind, login: kind === 'user' ? 'release-robot' : 'github-actions[bot]' } },
    });
    const pr = gh.addPullRequest({ author: 'pr-author', headSha: SHA });
    for (let i = 0; i < 2; i++) {
      await upsertReportComment({
        token: gh.token,
        job: jobOf(gh, 'push'),
        body: `report ${i}`,
        baseUrl: gh.url,
        payload: {},
        retryBaseMs: 10,
        pullRequestLagMs: 300,
        throttleId: randomBytes(6).toString('hex'),
      });
    }
    expect(gh.commentsOn(pr.number)).toHaveLength(1);
    expect(gh.count('GET', /^\/user$/, kind === 'user' ? 200 : 403)).toBe(2);
    holdToDescription(gh);
    await gh.close();
  });

  it('has checked a successful answer of every endpoint the code calls (runs last)', () => {
    const unanswered = endpoints
      .filter((e) => ![...checked].some((c) => c.startsWith(`${e.method} ${e.route} 2`)))
      .map((e) => `${e.method} ${e.route}`);
    expect(unanswered).toEqual([]);
  });
});
