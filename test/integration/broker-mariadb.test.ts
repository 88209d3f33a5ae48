// The broker against a real MariaDB: a user that lives for the job, logs in through its default
// role, migrates, is locked out on revocation, and is swept after its name-encoded expiry.
import type mysql from 'mysql2/promise';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerProvider } from '../../src/credentials/broker-client.js';
import type { JobContext, Lease } from '../../src/credentials/types.js';
import { type BrokerHarness, captureOutput, startBrokerHarness } from '../support/broker-harness.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type OidcIssuer, startOidcIssuer, useRunnerToken } from '../support/oidc-issuer.js';

let db: MariaDbServer;
let issuer: OidcIssuer;
let harness: BrokerHarness;
let output: ReturnType<typeof captureOutput>;
const passwords: string[] = [];
let restoreRunnerToken: (() => void) | undefined;

const ctx: JobContext = {
  repository: 'octo-org/app',
  runId: '12345678901',
  runAttempt: '1',
  job: 'migrate',
  audience: 'guardrail-broker',
  target: 'shop',
};

const yaml = (issuerUrl: string) => `
issuer: ${issuerUrl}
audience: guardrail-broker
revocation-key: { env: REVOKE_KEY }
targets:
  shop:
    dialect: mysql
    admin: { env: ADMIN_DSN }
bindings:
  - name: shop-migrations
    target: shop
    role: shop_migrator
    ttl: 10m
    claims:
      repository_id: 123456789
      ref: refs/heads/main
`;

const ourUsers = async () =>
  (await db.admin<{ User: string }[]>("SELECT User FROM mysql.user WHERE User LIKE 'gr\\_%' ORDER BY 1")).map(
    (r) => String(r.User),
  );

const connect = (lease: Lease): Promise<mysql.Connection> =>
  createConnection({
    host: lease.host,
    port: lease.port,
    user: lease.username,
    password: lease.password,
    database: lease.database,
  });

async function issue(provider: BrokerProvider): Promise<Lease> {
  const lease = await provider.acquire(ctx);
  passwords.push(lease.password);
  return lease;
}

beforeAll(async () => {
  output = captureOutput();
  [db, issuer] = await Promise.all([startMariaDb(), startOidcIssuer()]);
  // The admin account creates the group role, so it holds ADMIN OPTION on it.
  const admin = await db.connect();
  await admin.query('CREATE ROLE shop_migrator');
  await admin.query('GRANT ALL PRIVILEGES ON app.* TO shop_migrator');
  await admin.end();
  restoreRunnerToken = useRunnerToken(issuer);
  harness = await startBrokerHarness(yaml(issuer.issuer), {
    ADMIN_DSN: db.url(),
    REVOKE_KEY: 'maria-key-0123456789',
  });
});

afterAll(async () => {
  output?.stop();
  restoreRunnerToken?.();
  await harness?.close();
  await Promise.all([db?.stop(), issuer?.close()]);
});

describe('broker with MariaDB', () => {
  it('issues a user that migrates through its default role; revocation kills its sessions and keeps the tables', async () => {
    const provider = new BrokerProvider({ url: harness.url });
    const lease = await issue(provider);
    expect(lease).toMatchObject({
      dialect: 'mysql',
      host: '127.0.0.1',
      port: db.port,
      database: 'app',
      standing: false,
    });
    expect(lease.username.length).toBeLessThanOrEqual(32);

    const c = await connect(lease);
    const [role] = await c.query('SELECT CURRENT_ROLE() AS r');
    expect(role).toEqual([{ r: 'shop_migrator' }]);
    await c.query('CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2))');
    await c.query('INSERT INTO orders VALUES (1, 9.99), (2, 20.00)');
    await c.query('CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 10');
    await expect(c.query('SELECT * FROM mysql.user')).rejects.toThrow(/denied/);
    const open = await connect(lease);
    open.on('error', () => undefined);
    await c.end();

    await provider.revoke(lease);
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await expect(connect(lease)).rejects.toThrow(/Access denied/);
    expect(await ourUsers()).toEqual([]);
    expect(await db.admin('SELECT COUNT(*) AS n FROM app.orders')).toEqual([{ n: 2 }]);
    const revoke = harness.auditLines().find((l) => l.event === 'revoke')!;
    expect(revoke).toMatchObject({ existed: true, sessions: 1 });
    expect((revoke.notes as string[]).join()).toContain('view app.big_orders has DEFINER');
  });

  it.each(['expired', 'hs256WithPublicKey', 'otherRef', 'pullRequestTarget'] as const)(
    'refuses a %s token and creates no user',
    async (kind) => {
      const res = await fetch(`${harness.url}/v1/credentials`, {
        method: 'POST',
        body: JSON.stringify({ token: await issuer.forge[kind](), target: 'shop' }),
      });
      expect([401, 403]).toContain(res.status);
      expect(((await res.json()) as { message: string }).message).toBeTruthy();
      expect(await ourUsers()).toEqual([]);
    },
  );

  it('sweeps expired users by the expiry in their name, two brokers at once without error', async () => {
    const provider = new BrokerProvider({ url: harness.url });
    const leases = [await issue(provider), await issue(provider)];
    const live = await connect(leases[0]!);
    live.on('error', () => undefined);
    const second = await startBrokerHarness(yaml(issuer.issuer), { ADMIN_DSN: db.url(), REVOKE_KEY: 'x' });
    try {
      expect(await harness.broker.sweep()).toEqual([]);
      expect((await ourUsers()).length).toBe(2);
      const later = new Date(Date.now() + 11 * 60_000);
      const [a, b] = await Promise.all([harness.broker.sweep(later), second.broker.sweep(later)]);
      expect([...a, ...b].sort()).toEqual(leases.map((l) => l.id).sort());
      for (const h of [harness, second])
        expect(h.auditLines().filter((l) => l.event === 'error')).toEqual([]);
    } finally {
      await second.close();
    }
    expect(await ourUsers()).toEqual([]);
    await expect(live.query('SELECT 1')).rejects.toThrow();
  });

  it('never writes a password into the audit log or the output', () => {
    expect(passwords.length).toBe(3);
    for (const pw of passwords) {
      expect(harness.auditText()).not.toContain(pw);
      expect(output.text()).not.toContain(pw);
    }
  });
});
