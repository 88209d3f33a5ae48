// VaultProvider against the Vault emulator (real HTTP, Vault's JSON shapes), which verifies the
// job's token with the OIDC issuer and creates a real Postgres role per lease.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobContext, Lease } from '../../src/credentials/types.js';
import { VaultProvider, type VaultProviderOptions } from '../../src/credentials/vault.js';
import { captureOutput } from '../support/broker-harness.js';
import { type OidcIssuer, startOidcIssuer, useRunnerToken } from '../support/oidc-issuer.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { startVaultEmulator, type VaultEmulator } from '../support/vault-emulator.js';

let db: PgServer;
let issuer: OidcIssuer;
let vault: VaultEmulator;
let strictVault: VaultEmulator;
let output: ReturnType<typeof captureOutput>;
let restoreRunnerToken: (() => void) | undefined;

const ctx: JobContext = {
  repository: 'octo-org/app',
  runId: '1',
  runAttempt: '1',
  job: 'migrate',
  audience: 'https://vault.example',
  target: 'migrator',
};

const options = (url: string, over: Partial<VaultProviderOptions> = {}): VaultProviderOptions => ({
  url,
  role: 'gha-migrate',
  dialect: 'postgres',
  host: '127.0.0.1',
  port: db.port,
  database: 'postgres',
  idToken: { attempts: 1 },
  ...over,
});

const connect = async (lease: Lease) => {
  const c = new pg.Client({
    host: lease.host,
    port: lease.port,
    user: lease.username,
    password: lease.password,
    database: lease.database,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
};
const vaultRoles = async () =>
  (await db.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'v-jwt-%'")).length;

beforeAll(async () => {
  output = captureOutput();
  [db, issuer] = await Promise.all([startPostgres(), startOidcIssuer()]);
  await db.query('CREATE ROLE app_migrator NOLOGIN; GRANT CREATE ON SCHEMA public TO app_migrator;');
  const emulator = (allowLeaseRevoke: boolean) =>
    startVaultEmulator({
      issuer: issuer.issuer,
      jwtRoles: {
        'gha-migrate': {
          bound_audiences: ['https://vault.example'],
          bound_claims: { repository_id: '123456789', ref: 'refs/heads/main' },
          token_ttl: 600,
        },
      },
      dbRoles: { migrator: { group: 'app_migrator', default_ttl: 900 } },
      adminClient: () => db.client(),
      allowLeaseRevoke,
    });
  [vault, strictVault] = await Promise.all([emulator(true), emulator(false)]);
  restoreRunnerToken = useRunnerToken(issuer);
});

afterAll(async () => {
  output?.stop();
  restoreRunnerToken?.();
  await Promise.all([vault?.close(), strictVault?.close()]);
  await Promise.all([db?.stop(), issuer?.close()]);
});

describe('VaultProvider', () => {
  it.each([
    ['a policy that allows sys/leases/revoke', () => vault],
    ['only revoke-self', () => strictVault],
  ])('logs in with the job token, gets a database credential, and revokes it (%s)', async (_name, which) => {
    const v = which();
    const provider = new VaultProvider(options(v.url));
    const lease = await provider.acquire(ctx);
    expect(lease).toMatchObject({ kind: 'vault', standing: false, dialect: 'postgres' });
    expect(lease.id).toMatch(/^database\/creds\/migrator\//);
    expect(Date.parse(lease.expiresAt!) - Date.now()).toBeGreaterThan(14 * 60_000);
    const c = await connect(lease);
    const table = `t_${Math.random().toString(36).slice(2, 8)}`;
    await c.query(`CREATE TABLE ${table} (id int)`);
    await c.query(`INSERT INTO ${table} VALUES (1)`);
    await c.end();
    expect(v.leases().size).toBe(1);

    await provider.revoke(lease);
    expect(v.leases().size).toBe(0);
    expect(v.tokens()).toBe(0);
    await expect(connect(lease)).rejects.toThrow(/password authentication failed|does not exist/);
    expect(await vaultRoles()).toBe(0);
    expect(await db.query(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 1 }]);
    expect(output.text()).not.toContain(lease.password);
    expect(output.text()).not.toContain(lease.revocation!.token);
  });

  it("reports Vault's refusal when the token's claims are not bound", async () => {
    const provider = new VaultProvider(options(vault.url, { role: 'gha-migrate' }));
    const saved = issuer.defaults.ref;
    issuer.defaults.ref = 'refs/heads/feature';
    try {
      await expect(provider.acquire(ctx)).rejects.toThrow(
        /Vault JWT login \(auth\/jwt, role "gha-migrate"\) failed with HTTP 400: .*claim "ref"/,
      );
    } finally {
      issuer.defaults.ref = saved;
    }
    await expect(new VaultProvider(options(vault.url, { role: 'nope' })).acquire(ctx)).rejects.toThrow(
      /could not be found/,
    );
    expect(vault.tokens()).toBe(0);
  });

  it('revokes its client token when the creds role does not exist', async () => {
    const provider = new VaultProvider(options(vault.url, { credsRole: 'missing' }));
    await expect(provider.acquire(ctx)).rejects.toThrow(
      /database\/creds\/missing \(HTTP 400\): unknown role/,
    );
    expect(vault.tokens()).toBe(0);
  });
});
