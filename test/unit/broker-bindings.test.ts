import { describe, expect, it } from 'vitest';
import { describeFailures, matchBinding } from '../../src/broker/bindings.js';
import type { BindingConfig } from '../../src/broker/config.js';

const claims = {
  repository_id: '123456789',
  repository_owner_id: '987654',
  ref: 'refs/heads/main',
  environment: 'production',
  event_name: 'push',
  job_workflow_ref: 'octo-org/app/.github/workflows/migrate.yml@refs/heads/main',
  runner_environment: 'github-hosted',
};

const binding = (
  over: Partial<BindingConfig> & { claims?: BindingConfig['claims'] } = {},
): BindingConfig => ({
  name: 'nightly',
  target: 'app',
  role: 'app_migrator',
  ttlSeconds: 900,
  claims: { repository_id: ['123456789'], ref: ['refs/heads/main'], environment: ['production'] },
  ...over,
});

describe('matchBinding', () => {
  it('selects the binding whose claims all match exactly', () => {
    const r = matchBinding(claims, 'app', [binding({ name: 'other', target: 'other' }), binding()]);
    expect(r.ok && r.binding.name).toBe('nightly');
  });

  it('compares numeric ids as their decimal text, whichever way the token carries them', () => {
    const r = matchBinding({ ...claims, repository_id: 123456789 }, 'app', [binding()]);
    expect(r.ok).toBe(true);
  });

  it('names every failed claim per binding and never the bound values', () => {
    const r = matchBinding({ ...claims, ref: 'refs/heads/feature', environment: undefined }, 'app', [
      binding(),
      binding({ name: 'second', claims: { repository_id: ['1'] } }),
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.failures.map((f) => [f.binding, f.failed.map((m) => m.claim)])).toEqual([
      ['nightly', ['ref', 'environment']],
      ['second', ['repository_id']],
    ]);
    const text = describeFailures(r.failures);
    expect(text).toContain('binding nightly: ref (got refs/heads/feature), environment (got nothing)');
    expect(text).not.toContain('refs/heads/main');
  });

  it('does not treat claim values as patterns', () => {
    const r = matchBinding({ ...claims, ref: 'refs/heads/*' }, 'app', [
      binding({ claims: { repository_id: ['123456789'], ref: ['refs/heads/main'] } }),
    ]);
    expect(r.ok).toBe(false);
    const star = matchBinding(claims, 'app', [
      binding({ claims: { repository_id: ['123456789'], ref: ['refs/heads/*'] } }),
    ]);
    expect(star.ok).toBe(false);
  });

  it.each(['pull_request_target', 'workflow_run', 'issue_comment'])(
    'refuses %s unless the binding names it',
    (event) => {
      const open = binding({ claims: { repository_id: ['123456789'] } });
      const r = matchBinding({ ...claims, event_name: event }, 'app', [open]);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(describeFailures(r.failures)).toContain('event_name');
      const named = binding({ claims: { repository_id: ['123456789'], event_name: [event] } });
      expect(matchBinding({ ...claims, event_name: event }, 'app', [named]).ok).toBe(true);
    },
  );

  it('refuses a target no binding names', () => {
    const r = matchBinding(claims, 'elsewhere', [binding()]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(describeFailures(r.failures)).toContain('no binding names this target');
  });
});
