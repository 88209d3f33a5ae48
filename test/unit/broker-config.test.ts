import { describe, expect, it } from 'vitest';
import { ConfigError, loadBrokerConfig, parseBrokerConfig } from '../../src/broker/config.js';

const env = { ADMIN_DSN: 'postgres://admin:s3cret@db.internal:5433/app', REVOKE_KEY: 'k'.repeat(40) };

const good = `
listen: { host: 0.0.0.0, port: 9443 }
issuer: https://token.actions.githubusercontent.com
audience: guardrail-broker
max-ttl: 2h
revocation-key: { env: REVOKE_KEY }
targets:
  app-prod:
    dialect: postgres
    admin: { env: ADMIN_DSN }
bindings:
  - name: nightly
    target: app-prod
    role: app_migrator
    owner-role: app_owner
    ttl: 30m
    claims:
      repository_id: 123456789
      ref: refs/heads/main
      event_name: [push, schedule]
`;

const error = (text: string, e: NodeJS.ProcessEnv = env) => {
  try {
    parseBrokerConfig(text, 'broker.yml', e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('broker config', () => {
  it('parses a valid file and resolves the admin DSN from the environment', () => {
    const c = parseBrokerConfig(good, 'broker.yml', env);
    expect(c.listen).toEqual({ host: '0.0.0.0', port: 9443 });
    expect(c.revocationKey).toBe(env.REVOKE_KEY);
    const t = c.targets.get('app-prod')!;
    expect([t.host, t.port, t.database, t.adminDsn]).toEqual(['db.internal', 5433, 'app', env.ADMIN_DSN]);
    expect(c.bindings[0]).toEqual({
      name: 'nightly',
      target: 'app-prod',
      role: 'app_migrator',
      ownerRole: 'app_owner',
      ttlSeconds: 1800,
      claims: { repository_id: ['123456789'], ref: ['refs/heads/main'], event_name: ['push', 'schedule'] },
    });
  });

  it('names the variable when the admin DSN reference is unset, without any secret', () => {
    const msg = error(good, { REVOKE_KEY: 'x' });
    expect(msg).toMatch(
      /broker\.yml:\d+: targets\.app-prod\.admin\.env: environment variable ADMIN_DSN is not set/,
    );
  });

  it('refuses a binding with a repository name instead of its numeric id', () => {
    expect(error(good.replace('repository_id: 123456789', 'repository_id: octo-org/app'))).toMatch(
      /bindings\.0\.claims\.repository_id: must be the numeric id/,
    );
  });

  it('refuses a binding that binds no repository or owner', () => {
    expect(error(good.replace('      repository_id: 123456789\n', ''))).toMatch(
      /must bind repository_id or repository_owner_id/,
    );
  });

  it('refuses a ttl above max-ttl', () => {
    expect(error(good.replace('ttl: 30m', 'ttl: 3h'))).toMatch(/bindings\.0\.ttl: exceeds max-ttl \(7200s\)/);
  });

  it('refuses unknown keys, including unknown claims, with their line', () => {
    expect(error(good.replace('ref: refs/heads/main', 'sub: repo:octo-org/app:ref:refs/heads/main'))).toMatch(
      /broker\.yml:19: bindings\.0\.claims\.sub: unknown key/,
    );
    expect(error(`${good}\nlisten-port: 1\n`)).toMatch(/listen-port: unknown key/);
  });

  it('refuses a binding to an undefined target and an issuer with a trailing slash', () => {
    expect(error(good.replace('target: app-prod', 'target: nope'))).toMatch(/no target named "nope"/);
    expect(error(good.replace('githubusercontent.com', 'githubusercontent.com/'))).toMatch(/issuer: must be/);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(error('issuer: [unclosed\n')).toMatch(/^broker\.yml:\d+:\d+: /);
  });
});

describe('examples/broker.yml', () => {
  it('is a valid config once its secrets are in the environment', () => {
    const c = loadBrokerConfig('examples/broker.yml', {
      GUARDRAIL_REVOCATION_KEY: 'k',
      APP_PROD_ADMIN_DSN: 'postgres://broker_admin:pw@prod-db.internal:5432/app',
      SHOP_ADMIN_DSN: 'mysql://broker_admin:pw@shop-db.internal:3306/shop',
    });
    expect([...c.targets.keys()]).toEqual(['app-prod', 'shop']);
    expect(c.bindings.map((b) => b.name)).toEqual(['app-migrations', 'shop-migrations']);
  });
});
