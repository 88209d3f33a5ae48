import { describe, expect, it } from 'vitest';
import { type IssueComment, tally } from '../../src/approvals/tally.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { ApprovalPolicy, RepoPermission } from '../../src/policy/types.js';

const since = '2026-01-01T00:00:10Z';
let nextId = 1;

function comment(
  login: string,
  body: string,
  opts: { at?: string; edited?: boolean; type?: string } = {},
): IssueComment {
  const at = opts.at ?? '2026-01-01T00:00:20Z';
  return {
    id: nextId++,
    body,
    created_at: at,
    updated_at: opts.edited ? '2026-01-01T00:05:00Z' : at,
    html_url: `https://github.com/o/r/issues/1#issuecomment-${nextId}`,
    user: { login, type: opts.type ?? 'User' },
  };
}

const roles: Record<string, RepoPermission> = {
  alice: 'maintain',
  bob: 'read',
  carol: 'write',
  dave: 'admin',
  author: 'admin',
  actor: 'admin',
  rerunner: 'admin',
};

async function run(comments: IssueComment[], policy: Partial<ApprovalPolicy> = {}) {
  const asked: string[] = [];
  const result = await tally({
    requestId: 'gr-1',
    requestCommentId: 0,
    since,
    comments,
    policy: { ...defaultPolicy().approvals, ...policy },
    actors: ['actor', 'rerunner'],
    author: 'Author',
    permissionOf: async (login) => {
      asked.push(login);
      return roles[login] ?? 'none';
    },
  });
  return { ...result, asked };
}

describe('tally', () => {
  it('approves with one qualified approval', async () => {
    const r = await run([comment('alice', '/guardrail approve gr-1')]);
    expect(r.decision).toBe('approved');
    expect(r.approvals.map((v) => v.login)).toEqual(['alice']);
  });

  it('gives every rejected command its reason', async () => {
    const r = await run([
      comment('bob', '/guardrail approve gr-1'),
      comment('dependabot[bot]', '/guardrail approve gr-1'),
      comment('helper', '/guardrail approve gr-1', { type: 'Bot' }),
      comment('carol', '/guardrail approve gr-1', { edited: true }),
      comment('dave', '/guardrail approve gr-1', { at: '2026-01-01T00:00:09Z' }),
      comment('ACTOR', '/guardrail approve gr-1'),
      comment('rerunner', '/guardrail approve gr-1'),
      comment('author', '/guardrail approve gr-1'),
      comment('stranger', '/guardrail approve gr-1'),
      comment('alice', '/guardrail approve gr-2'),
    ]);
    expect(r.decision).toBeUndefined();
    expect(r.ignored.map((i) => `${i.login}: ${i.reason}`)).toEqual([
      'bob: read permission',
      'dependabot[bot]: bot account',
      'helper: bot account',
      'carol: edited comment',
      'dave: written before the request',
      'ACTOR: workflow actor',
      'rerunner: workflow actor',
      'author: pull request author',
      'stranger: no repository permission',
    ]);
  });

  it('lets the actor and author decide when self-approval is allowed', async () => {
    const r = await run([comment('actor', '/guardrail approve gr-1')], { allowSelfApproval: true });
    expect(r.decision).toBe('approved');
  });

  it('needs distinct approvers and honours the approvers list and permission level', async () => {
    const twice = await run(
      [comment('alice', '/guardrail approve gr-1'), comment('alice', '/guardrail approve gr-1')],
      {
        required: 2,
      },
    );
    expect(twice.decision).toBeUndefined();
    const two = await run(
      [comment('alice', '/guardrail approve gr-1'), comment('carol', '/guardrail approve gr-1')],
      {
        required: 2,
      },
    );
    expect(two.decision).toBe('approved');
    const listed = await run([comment('carol', '/guardrail approve gr-1')], { approvers: ['Alice'] });
    expect(listed.ignored[0]?.reason).toBe('not in the approvers list');
    expect(listed.asked).toEqual([]);
    const level = await run([comment('carol', '/guardrail approve gr-1')], { permission: 'maintain' });
    expect(level.ignored[0]?.reason).toBe('write permission');
  });

  it('lets one qualified deny win over approvals', async () => {
    const r = await run([
      comment('alice', '/guardrail approve gr-1'),
      comment('carol', '/guardrail deny gr-1 not during business hours'),
    ]);
    expect(r.decision).toBe('denied');
    expect(r.denials[0]).toMatchObject({ login: 'carol', reason: 'not during business hours' });
    const unqualified = await run([
      comment('alice', '/guardrail approve gr-1'),
      comment('bob', '/guardrail deny gr-1'),
    ]);
    expect(unqualified.decision).toBe('approved');
  });

  it('asks for each login’s permission once per tally', async () => {
    const r = await run(
      [
        comment('alice', '/guardrail approve gr-1'),
        comment('alice', '/guardrail approve gr-1'),
        comment('carol', '/guardrail approve gr-1'),
      ],
      { required: 3 },
    );
    expect(r.asked).toEqual(['alice', 'carol']);
  });
});
