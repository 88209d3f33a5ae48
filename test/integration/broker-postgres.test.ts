// The broker against a real PostgreSQL: issue over HTTP through BrokerProvider, log in and migrate
// with a real client, revoke, sweep; forged tokens leave nothing behind; no password leaks.
import { rmSync } from 'node:fs';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProvider } from '../../src/credentials/broker-client.js';
import type { JobContext, Lease } from '../../src/credentials/types.js';
import { type BrokerHarness, captureOutput, startBrokerHarness } from '../support/broker-harness.js';
import { type OidcIssuer, startOidcIssuer, useRunnerToken } from '../support/oidc-issuer.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { makeTestCa, type TestCa } from '../support/tls.js';
import { gatewayFor } from './pg-harness.js';

let db: PgServer;
let issuer: OidcIssuer;
let harness: BrokerHarness;
let ca: TestCa;
let output: ReturnType<typeof captureOutput>;
const passwords: string[] = [];
let restoreRunnerToken: (() => void) | undefined;

const ctx: JobContext = {
  repository: 'octo-org/app',
  runId: '12345678901',
  runAttempt: '1',
  job: 'migrate',
  audience: 'guardrail-broker',
  target: 'app',
};

const yaml = (issuerUrl: string, extra = '') => `
issuer: ${issuerUrl}
audience: guardrail-broker
max-ttl: 1h
revocation-key: { env: REVOKE_KEY }
rate-limit: { burst: 50, per-minute: 600 }
targets:
  app:
    dialect: postgres
    admin: { env: ADMIN_DSN }
bindings:
  - name: nightly
    target: app
    role: app_migrator
    owner-role: app_owner
    ttl: 15m
    claims:
      repository_id: 123456789
      repository_owner_id: 987654
      ref: refs/heads/main
      environment: production
      event_name: [push, workflow_dispatch]
      job_workflow_ref: octo-org/app/.github/workflows/migrate.yml@refs/heads/main
      runner_environment: github-hosted
${extra}`;

const ourRoles = async () =>
  (
    await db.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'gr\\_%' ORDER BY 1")
  ).map((r) => r.rolname);

function connect(lease: Lease): Promise<pg.Client> {
  const c = new pg.Client({
    host: lease.host,
    port: lease.port,
    user: lease.username,
    password: lease.password,
    database: lease.database,
  });
  c.on('error', () => undefined);
  return c.connect().then(() => c);
}

async function issue(provider: BrokerProvider): Promise<Lease> {
  const lease = await provider.acquire(ctx);
  passwords.push(lease.password);
  return lease;
}

describe.each(['embedded', 'system'] as const)('broker with PostgreSQL (%s)', (flavor) => {
  beforeAll(async () => {
    output = captureOutput();
    [db, issuer] = await Promise.all([startPostgres({ flavor }), startOidcIssuer()]);
    await db.query(`
      CREATE ROLE app_owner NOLOGIN;
      CREATE ROLE app_migrator NOLOGIN;
      CREATE SCHEMA app AUTHORIZATION app_owner;
      GRANT USAGE, CREATE ON SCHEMA app TO app_migrator;
    `);
    restoreRunnerToken = useRunnerToken(issuer);
    ca = makeTestCa();
    harness = await startBrokerHarness(yaml(issuer.issuer), {
      ADMIN_DSN: db.url(),
      REVOKE_KEY: 'revocation-key-for-tests-0123456789',
    });
  });

  afterAll(async () => {
    output?.stop();
    restoreRunnerToken?.();
    await harness?.close();
    await Promise.all([db?.stop(), issuer?.close()]);
    if (ca) rmSync(ca.dir, { recursive: true, force: true });
  });

  it('issues a login role that can migrate; revocation locks it out and keeps the tables', async () => {
    const provider = new BrokerProvider({ url: harness.url });
    const lease = await issue(provider);
    expect(lease).toMatchObject({
      kind: 'broker',
      dialect: 'postgres',
      standing: false,
      host: '127.0.0.1',
      port: db.port,
    });
    expect(lease.username).toMatch(/^gr_12345678901_1_[0-9a-z]+_[0-9a-z]{6}$/);
    const ttl = Date.parse(lease.expiresAt!) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);

    const [role] = await db.query<{ rolvaliduntil: Date; rolsuper: boolean; rolcanlogin: boolean }>(
      'SELECT rolvaliduntil, rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1',
      [lease.username],
    );
    expect(role!.rolsuper).toBe(false);
    expect(role!.rolcanlogin).toBe(true);
    expect(Math.abs(role!.rolvaliduntil.getTime() - Date.parse(lease.expiresAt!))).toBeLessThan(2000);

    const c = await connect(lease);
    const who = await c.query('SELECT current_user AS cur, session_user AS ses');
    expect(who.rows[0]).toEqual({ cur: 'app_owner', ses: lease.username });
    await c.query('CREATE TABLE app.widgets (id int PRIMARY KEY, name text NOT NULL)');
    await c.query("INSERT INTO app.widgets VALUES (1, 'sprocket'), (2, 'cog')");
    // After SET ROLE NONE (RESET ROLE would return to app_owner) objects belong to the login role until revocation.
    await c.query('SET ROLE NONE');
    await c.query('CREATE TABLE app.scratch (x int)');
    await c.query('INSERT INTO app.scratch VALUES (7)');
    // A second session stays open across revocation: it must be cut off.
    const open = await connect(lease);
    const ended = new Promise<Error>((resolve) => open.once('error', resolve));
    await c.end();

    await provider.revoke(lease);
    expect((await ended).message).toMatch(/terminat/);
    await expect(connect(lease)).rejects.toThrow(/password authentication failed|does not exist/);
    expect(await ourRoles()).toEqual([]);
    const owners = await db.query<{ tablename: string; tableowner: string }>(
      "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'app' ORDER BY 1",
    );
    expect(owners).toEqual([
      { tablename: 'scratch', tableowner: 'app_owner' },
      { tablename: 'widgets', tableowner: 'app_owner' },
    ]);
    expect(await db.query('SELECT count(*)::int AS n FROM app.widgets')).toEqual([{ n: 2 }]);

    // Revoking twice is not an error for the job (the broker answers 404, already gone).
    await expect(provider.revoke(lease)).resolves.toBeUndefined();
    const events = harness.auditLines().map((l) => l.event);
    expect(events).toContain('issue');
    expect(events).toContain('revoke');
  });

  it('serves a migration through the gateway with the issued credentials', async () => {
    const provider = new BrokerProvider({ url: harness.url });
    const lease = await issue(provider);
    const upstream = `postgres://${lease.username}:${encodeURIComponent(lease.password)}@${lease.host}:${lease.port}/${lease.database}`;
    const gw = await gatewayFor(db, { upstream });
    try {
      const c = await gw.client();
      await c.query('CREATE TABLE app.through_gateway (id int)');
      await c.query('INSERT INTO app.through_gateway VALUES (1)');
      await expect(c.query('DROP TABLE app.through_gateway')).rejects.toThrow(/destructive\/drop-table/);
      await c.end();
      const transcript = JSON.stringify(gw.transcript());
      expect(transcript).toContain('through_gateway');
      expect(transcript).not.toContain(lease.password);
    } finally {
      await gw.close();
    }
    await provider.revoke(lease);
    expect(await db.query("SELECT tableowner FROM pg_tables WHERE tablename = 'through_gateway'")).toEqual([
      { tableowner: 'app_owner' },
    ]);
    expect(await ourRoles()).toEqual([]);
  });

  it.each([
    ['expired', 401],
    ['notYetValid', 401],
    ['wrongAudience', 401],
    ['wrongIssuer', 401],
    ['algNone', 401],
    ['hs256WithPublicKey', 401],
    ['unknownKid', 401],
    ['tampered', 401],
    ['otherRepository', 403],
    ['otherRef', 403],
    ['pullRequestTarget', 403],
  ] as const)('refuses a %s token with %i and creates nothing', async (kind, status) => {
    const before = harness.auditLines().length;
    const res = await fetch(`${harness.url}/v1/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: await issuer.forge[kind](), target: 'app' }),
    });
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe(status === 401 ? 'invalid_token' : 'no_binding');
    expect(body.message.length).toBeGreaterThan(10);
    if (kind === 'otherRef') expect(body.message).toContain('ref (got refs/heads/feature)');
    if (kind === 'otherRepository') expect(body.message).toContain('repository_id (got 55555)');
    if (kind === 'pullRequestTarget') expect(body.message).toContain('event_name');
    expect(await ourRoles()).toEqual([]);
    const refusals = harness.auditLines().slice(before);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ event: 'refuse', status });
  });

  it("gives the job the broker's reason when no binding accepts it", async () => {
    const saved = issuer.defaults.environment;
    issuer.defaults.environment = 'staging';
    try {
      await expect(new BrokerProvider({ url: harness.url }).acquire(ctx)).rejects.toThrow(
        'the broker refused credentials for target "app" (HTTP 403): no_binding: no binding accepts this job: binding nightly: environment (got staging)',
      );
    } finally {
      issuer.defaults.environment = saved;
    }
    expect(await ourRoles()).toEqual([]);
  });

  it('answers bad requests with 4xx JSON errors', async () => {
    const post = (body: string) =>
      fetch(`${harness.url}/v1/credentials`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const cases: [Promise<Response>, number, string][] = [
      [post('{not json'), 400, 'bad_request'],
      [post('[]'), 400, 'bad_request'],
      [post(JSON.stringify({ target: 'app' })), 400, 'bad_request'],
      [post(JSON.stringify({ token: await issuer.mint() })), 400, 'bad_request'],
      [post(JSON.stringify({ token: await issuer.mint(), target: 'nope' })), 403, 'no_binding'],
      [post(JSON.stringify({ token: await issuer.mint(), target: 'x'.repeat(64) })), 400, 'bad_request'],
      [
        post(JSON.stringify({ token: await issuer.mint({ claims: { run_id: 'x1' } }), target: 'app' })),
        401,
        'invalid_token',
      ],
      [post('x'.repeat(70_000)), 413, 'too_large'],
      [fetch(`${harness.url}/v1/credentials`), 405, 'method_not_allowed'],
      [fetch(`${harness.url}/v2/anything`), 404, 'not_found'],
      [
        fetch(`${harness.url}/v1/credentials/app.gr_1_1_abc_abcdef`, { method: 'DELETE' }),
        401,
        'unauthorized',
      ],
      [fetch(`${harness.url}/v1/credentials/elsewhere`, { method: 'DELETE' }), 404, 'not_found'],
    ];
    for (const [pending, status, error] of cases) {
      const res = await pending;
      expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([status, error]);
    }
    expect(await (await fetch(`${harness.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await ourRoles()).toEqual([]);
  });

  it('lets only the revocation token or a token of the same run attempt revoke', async () => {
    const provider = new BrokerProvider({ url: harness.url });
    const lease = await issue(provider);
    const del = (auth: string) =>
      fetch(`${harness.url}/v1/credentials/${encodeURIComponent(lease.id)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${auth}` },
      });
    const other = await issue(provider);
    expect((await del(other.revocation!.token!)).status).toBe(403);
    expect((await del(await issuer.mint({ claims: { run_id: '999' } }))).status).toBe(403);
    expect((await del(await issuer.mint({ claims: { run_attempt: '2' } }))).status).toBe(403);
    expect((await del(await issuer.forge.expired())).status).toBe(401);
    expect(await ourRoles()).toContain(lease.username);
    const sameRun = await issuer.mint();
    expect(decodeJwt(sameRun).run_id).toBe(ctx.runId);
    expect((await del(sameRun)).status).toBe(204);
    expect(await ourRoles()).not.toContain(lease.username);
    await provider.revoke(other);
    expect(await ourRoles()).toEqual([]);
  });

  it('sweeps expired roles, with two brokers sweeping at once and no error', async () => {
    const provider = new BrokerProvider({ url: harness.url });
    const leases = [await issue(provider), await issue(provider), await issue(provider)];
    const sessions = await connect(leases[0]!);
    sessions.on('error', () => undefined);
    await sessions.query('CREATE TABLE app.left_by_crash (id int)');
    const second = await startBrokerHarness(yaml(issuer.issuer), {
      ADMIN_DSN: db.url(),
      REVOKE_KEY: 'another-key',
    });
    try {
      // Not expired yet: nothing to sweep.
      expect(await harness.broker.sweep()).toEqual([]);
      const later = new Date(Date.now() + 16 * 60_000);
      const [a, b] = await Promise.all([harness.broker.sweep(later), second.broker.sweep(later)]);
      expect([...a, ...b].sort()).toEqual(leases.map((l) => l.id).sort());
      expect(new Set([...a, ...b]).size).toBe(3);
      for (const h of [harness, second]) {
        expect(h.auditLines().filter((l) => l.event === 'error')).toEqual([]);
      }
    } finally {
      await second.close();
    }
    expect(await ourRoles()).toEqual([]);
    expect(await db.query("SELECT tableowner FROM pg_tables WHERE tablename = 'left_by_crash'")).toEqual([
      { tableowner: 'app_owner' },
    ]);
    await expect(connect(leases[1]!)).rejects.toThrow();
  });

  it('rate-limits per repository', async () => {
    const limited = await startBrokerHarness(
      yaml(issuer.issuer).replace('burst: 50, per-minute: 600', 'burst: 2, per-minute: 1'),
      { ADMIN_DSN: db.url(), REVOKE_KEY: 'k' },
    );
    try {
      const post = async (token: string) =>
        (
          await fetch(`${limited.url}/v1/credentials`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token, target: 'app' }),
          })
        ).status;
      const otherRef = () => issuer.mint({ claims: { ref: 'refs/heads/x' } });
      expect([await post(await otherRef()), await post(await otherRef())]).toEqual([403, 403]);
      const res = await fetch(`${limited.url}/v1/credentials`, {
        method: 'POST',
        body: JSON.stringify({ token: await issuer.mint(), target: 'app' }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await post(await issuer.mint({ claims: { repository_id: '42' } }))).toBe(403);
    } finally {
      await limited.close();
    }
    expect(await ourRoles()).toEqual([]);
  });

  it('serves TLS with a private CA that the provider trusts through caFile', async () => {
    const tlsYaml = `${yaml(issuer.issuer)}\nlisten: { tls: { cert: ${ca.certFile}, key: ${ca.keyFile} } }\n`;
    const secure = await startBrokerHarness(tlsYaml, { ADMIN_DSN: db.url(), REVOKE_KEY: 'k' });
    try {
      expect(secure.url.startsWith('https://')).toBe(true);
      await expect(new BrokerProvider({ url: secure.url }).acquire(ctx)).rejects.toThrow(
        /could not be reached/,
      );
      const provider = new BrokerProvider({ url: secure.url, caFile: ca.caFile });
      const lease = await issue(provider);
      const c = await connect(lease);
      await c.end();
      await provider.revoke(lease);
    } finally {
      await secure.close();
    }
    expect(await ourRoles()).toEqual([]);
  });

  it('never writes a password or a token into the audit log or the output', () => {
    expect(passwords.length).toBeGreaterThanOrEqual(6);
    expect(new Set(passwords).size).toBe(passwords.length);
    const audit = harness.auditText();
    const printed = output.text();
    for (const pw of passwords) {
      expect(audit).not.toContain(pw);
      expect(printed).not.toContain(pw);
    }
    expect(audit).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(audit).not.toContain('revocation_token');
    const issued = harness.auditLines().find((l) => l.event === 'issue')!;
    expect(issued).toMatchObject({ target: 'app', binding: 'nightly', role: 'app_migrator', ttl: 900 });
    expect(issued.claims).toMatchObject({
      repository_id: '123456789',
      ref: 'refs/heads/main',
      run_id: '12345678901',
    });
  });
});
