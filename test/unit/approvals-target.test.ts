// Which pull request an event's payload names, and which permission level an answer grants.
import { describe, expect, it } from 'vitest';
import { levelOf } from '../../src/approvals/permission.js';
import { pullRequestOfEvent } from '../../src/approvals/target.js';

describe('pullRequestOfEvent', () => {
  const pr = { pull_request: { number: 7, user: { login: 'dev' } } };

  it('reads every event whose payload names a pull request', () => {
    for (const event of [
      'pull_request',
      'pull_request_target',
      'pull_request_review',
      'pull_request_review_comment',
    ])
      expect(pullRequestOfEvent(event, pr), event).toEqual({ number: 7, author: 'dev' });
    expect(
      pullRequestOfEvent('issue_comment', { issue: { number: 9, pull_request: {}, user: { login: 'dev' } } }),
    ).toEqual({ number: 9, author: 'dev' });
    expect(
      pullRequestOfEvent('merge_group', {
        merge_group: {
          head_ref: 'refs/heads/gh-readonly-queue/main/pr-12-0123456789abcdef0123456789abcdef01234567',
        },
      }),
    ).toEqual({ number: 12 });
    expect(pullRequestOfEvent('workflow_run', { workflow_run: { pull_requests: [{ number: 3 }] } })).toEqual({
      number: 3,
    });
  });

  it('names no pull request where the payload does not, and no author it does not carry', () => {
    expect(pullRequestOfEvent('push', pr)).toBeUndefined();
    expect(
      pullRequestOfEvent('issue_comment', { issue: { number: 9, user: { login: 'dev' } } }),
    ).toBeUndefined();
    expect(
      pullRequestOfEvent('merge_group', { merge_group: { head_ref: 'refs/heads/main' } }),
    ).toBeUndefined();
    expect(
      pullRequestOfEvent('workflow_run', { workflow_run: { pull_requests: [{ number: 3 }, { number: 4 }] } }),
    ).toBeUndefined();
    expect(pullRequestOfEvent('pull_request', { pull_request: { number: '7' } })).toBeUndefined();
    expect(pullRequestOfEvent('pull_request', { pull_request: { number: 7, user: null } })).toEqual({
      number: 7,
    });
    expect(pullRequestOfEvent('pull_request', undefined)).toBeUndefined();
  });
});

describe('levelOf', () => {
  const flags = (p: Record<string, boolean>) => ({ user: { permissions: p } });

  it('reads the flags, and role_name for maintain and triage when the flags leave them out', () => {
    expect(levelOf(flags({ admin: true, push: true, pull: true }))).toBe('admin');
    expect(levelOf({ role_name: 'maintain', ...flags({ admin: false, push: true, pull: true }) })).toBe(
      'maintain',
    );
    expect(levelOf({ role_name: 'triage', ...flags({ admin: false, push: false, pull: true }) })).toBe(
      'triage',
    );
    // role_name never lifts a level the flags deny.
    expect(levelOf({ role_name: 'maintain', ...flags({ admin: false, push: false, pull: true }) })).toBe(
      'read',
    );
    expect(
      levelOf({ role_name: 'maintain', ...flags({ admin: false, maintain: false, push: true, pull: true }) }),
    ).toBe('write');
  });

  it('counts a custom role as its base role, and falls back to role_name or the legacy permission', () => {
    expect(levelOf({ role_name: 'deployer', ...flags({ admin: false, push: true, pull: true }) })).toBe(
      'write',
    );
    expect(levelOf({ role_name: 'auditor', permission: 'read' })).toBe('read');
    expect(levelOf({ role_name: 'maintain', permission: 'write' })).toBe('maintain');
    expect(levelOf({ permission: 'none' })).toBe('none');
    expect(levelOf({})).toBe('none');
  });
});
