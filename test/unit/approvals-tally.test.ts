import { describe, expect, it } from 'vitest';
import { type IssueComment, tally } from '../../src/approvals/tally.js';
import { defaultPolicy } from '../../src/policy/defaults.js';
import type { ApprovalPolicy, RepoPermission } from '../../src/policy/types.js';

const since = '2026-01-01T00:00:10Z';
const HASH = 'ab'.repeat(32);
/** The approval command as the request shows it. */
const APPROVE = `/guardrail approve gr-1 ${HASH.slice(0, 12)}`;
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
  committer: 'admin',
  erin: 'write',
  author: 'admin',
  actor: 'admin',
  rerunner: 'admin',
};

async function run(
  comments: IssueComment[],
  policy: Partial<ApprovalPolicy> = {},
  over: Partial<Parameters<typeof tally>[0]> = {},
) {
  const asked: string[] = [];
  const result = await tally({
    requestId: 'gr-1',
    requestHash: HASH,
    requestCommentId: 0,
    since,
    comments,
    policy: { ...defaultPolicy().approvals, ...policy },
    actors: ['actor', 'rerunner'],
    author: 'Author',
    contributors: ['committer'],
    bodies: new Map(),
    permissionOf: async (login) => {
      asked.push(login);
      return roles[login] ?? 'none';
    },
    ...over,
  });
  return { ...result, asked };
}

describe('tally', () => {
  it('approves with one qualified approval', async () => {
    const r = await run([comment('alice', APPROVE)]);
    expect(r.decision).toBe('approved');
    expect(r.approvals.map((v) => v.login)).toEqual(['alice']);
  });

  it('gives every rejected command its reason', async () => {
    const r = await run([
      comment('bob', APPROVE),
      comment('dependabot[bot]', APPROVE),
      comment('helper', APPROVE, { type: 'Bot' }),
      comment('carol', APPROVE, { edited: true }),
      comment('dave', APPROVE, { at: '2026-01-01T00:00:09Z' }),
      comment('ACTOR', APPROVE),
      comment('rerunner', APPROVE),
      comment('author', APPROVE),
      comment('stranger', APPROVE),
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
    const r = await run([comment('actor', APPROVE)], { allowSelfApproval: true });
    expect(r.decision).toBe('approved');
  });

  it('needs distinct approvers and honours the approvers list and permission level', async () => {
    const twice = await run([comment('alice', APPROVE), comment('alice', APPROVE)], {
      required: 2,
    });
    expect(twice.decision).toBeUndefined();
    const two = await run([comment('alice', APPROVE), comment('carol', APPROVE)], {
      required: 2,
    });
    expect(two.decision).toBe('approved');
    const listed = await run([comment('carol', APPROVE)], { approvers: ['Alice'] });
    expect(listed.ignored[0]?.reason).toBe('not in the approvers list');
    expect(listed.asked).toEqual([]);
    const level = await run([comment('carol', APPROVE)], { permission: 'maintain' });
    expect(level.ignored[0]?.reason).toBe('write permission');
  });

  it('lets one qualified deny win over approvals', async () => {
    const r = await run([
      comment('alice', APPROVE),
      comment('carol', '/guardrail deny gr-1 not during business hours'),
    ]);
    expect(r.decision).toBe('denied');
    expect(r.denials[0]).toMatchObject({ login: 'carol', reason: 'not during business hours' });
    const unqualified = await run([comment('alice', APPROVE), comment('bob', '/guardrail deny gr-1')]);
    expect(unqualified.decision).toBe('approved');
  });

  it('asks for each login’s permission once per tally', async () => {
    const r = await run([comment('alice', APPROVE), comment('alice', APPROVE), comment('carol', APPROVE)], {
      required: 3,
    });
    expect(r.asked).toEqual(['alice', 'carol']);
  });

  it('counts an approval only with the request’s hash: the short form, a longer prefix, any case', async () => {
    const r = await run([
      comment('alice', '/guardrail approve gr-1'),
      comment('carol', `/guardrail approve gr-1 ${'cd'.repeat(6)}`),
      comment('dave', `/guardrail approve gr-1 ${HASH.slice(0, 11)}`),
    ]);
    expect(r.decision).toBeUndefined();
    expect(r.ignored.map((i) => `${i.login}: ${i.reason}`)).toEqual([
      'alice: no statement hash',
      'carol: statement hash does not match',
      'dave: statement hash does not match',
    ]);
    expect((await run([comment('carol', `/guardrail approve gr-1 ${HASH.toUpperCase()}`)])).decision).toBe(
      'approved',
    );
    // A deny needs no hash: refusing is always safe.
    expect((await run([comment('carol', '/guardrail deny gr-1')])).decision).toBe('denied');
  });

  it('keeps committers of the change out unless self-approval is allowed', async () => {
    const r = await run([comment('committer', APPROVE)]);
    expect(r.ignored.map((i) => i.reason)).toEqual(['committer of the change']);
    expect((await run([comment('committer', APPROVE)], { allowSelfApproval: true })).decision).toBe(
      'approved',
    );
  });

  it('needs one more distinct approver when the author is unknown', async () => {
    const unknown = { authorUnknown: 'no pull request' };
    const one = await run([comment('alice', APPROVE)], {}, unknown);
    expect(one.decision).toBeUndefined();
    const two = await run([comment('alice', APPROVE), comment('carol', APPROVE)], {}, unknown);
    expect(two.decision).toBe('approved');
    const self = await run([comment('alice', APPROVE)], { allowSelfApproval: true }, unknown);
    expect(self.decision).toBe('approved');
  });

  it('ignores a command whose body changed since it was first seen, timestamps equal', async () => {
    const bodies = new Map<number, string>();
    const c = comment('carol', '/guardrail deny gr-1 wait for the backup');
    expect((await run([c], {}, { bodies })).decision).toBe('denied');
    // Edited within the same second: updated_at still equals created_at.
    const edited = { ...c, body: APPROVE };
    const r = await run([edited], {}, { bodies });
    expect(r.decision).toBeUndefined();
    expect(r.ignored.map((i) => i.reason)).toEqual(['edited comment']);
  });

  it('takes a command with a smaller id than the request for older, even in the same second', async () => {
    const c = comment('alice', APPROVE, { at: since });
    const r = await run([c], {}, { requestCommentId: c.id + 1 });
    expect(r.ignored.map((i) => i.reason)).toEqual(['written before the request']);
    expect((await run([c], {}, { requestCommentId: c.id - 1 })).decision).toBe('approved');
  });

  it('never lets read or triage permission decide, whatever the policy says', async () => {
    const r = await run([comment('bob', APPROVE)], { permission: 'read' });
    expect(r.ignored.map((i) => i.reason)).toEqual(['read permission']);
  });
});
