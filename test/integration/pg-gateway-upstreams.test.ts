// Upstream variants (TLS, md5, cleartext, trust) and the gateway's own client authentication.
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { makeTestCa } from '../support/tls.js';
import { gatewayFor, type TestGateway } from './pg-harness.js';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function serve(server: PgServer, opts: Parameters<typeof gatewayFor>[1] = {}): Promise<TestGateway> {
  const gw = await gatewayFor(server, opts);
  cleanup.push(() => gw.close());
  return gw;
}

async function roundTrip(url: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query("select current_user as u, $1::text || 'ok' as v", ['is '])).rows;
  } finally {
    await c.end();
  }
}

async function connectError(url: string): Promise<{ code?: string; message: string }> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.end();
    return { message: 'connected' };
  } catch (err) {
    return err as { code?: string; message: string };
  }
}

describe('system PostgreSQL with TLS', () => {
  it('connects with sslmode verify-full, verify-ca and require, and refuses a certificate of another CA', async () => {
    const server = await startPostgres({ flavor: 'system', tls: true });
    cleanup.push(() => server.stop());
    expect(server.url()).toContain('sslmode=verify-full');
    const gw = await serve(server);
    expect(await roundTrip(gw.url)).toEqual([{ u: 'postgres', v: 'is ok' }]);
    const c = new pg.Client({ connectionString: gw.url });
    await c.connect();
    const ssl = await c.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
    await c.end();
    expect(ssl.rows).toEqual([{ ssl: true }]);

    for (const mode of ['verify-ca', 'require']) {
      const other = await serve(server, {
        upstream: server.url().replace('sslmode=verify-full', `sslmode=${mode}`),
      });
      expect(await roundTrip(other.url)).toHaveLength(1);
    }

    const stranger = makeTestCa();
    cleanup.push(async () => rmSync(stranger.dir, { recursive: true, force: true }));
    const wrongCa = await serve(server, {
      upstream: server
        .url()
        .replace(encodeURIComponent(server.ca!.caFile), encodeURIComponent(stranger.caFile)),
    });
    const err = await connectError(wrongCa.url);
    expect(err.message).toMatch(/upstream TLS failed/);

    const plain = await serve(server, { upstream: server.url().replace(/\?.*$/, '?sslmode=disable') });
    expect((await connectError(plain.url)).message).toMatch(/upstream: .*(no encryption|pg_hba)/);
  });
});

describe('embedded PostgreSQL 18 with other upstream authentication', () => {
  for (const auth of ['md5', 'password', 'trust'] as const) {
    it(`authenticates upstream with ${auth}`, async () => {
      const server = await startPostgres({ auth });
      cleanup.push(() => server.stop());
      const gw = await serve(server);
      expect(await roundTrip(gw.url)).toEqual([{ u: 'postgres', v: 'is ok' }]);
    });
  }

  it('reports a wrong upstream password to the client as an error', async () => {
    const server = await startPostgres();
    cleanup.push(() => server.stop());
    const gw = await serve(server, {
      upstream: server.url().replace(encodeURIComponent(server.password), 'wrong'),
    });
    const err = await connectError(gw.url);
    expect(err.code).toBe('28P01');
    expect(err.message).toMatch(/^upstream: password authentication failed/);
  });

  it('requires TLS when sslmode=require and the server has none', async () => {
    const server = await startPostgres();
    cleanup.push(() => server.stop());
    const gw = await serve(server, { upstream: `${server.url()}?sslmode=require` });
    expect((await connectError(gw.url)).message).toMatch(/does not support TLS/);
  });
});

describe('client authentication at the gateway', () => {
  it('accepts its own credentials only, with SCRAM, md5 or cleartext as configured', async () => {
    const server = await startPostgres();
    cleanup.push(() => server.stop());
    for (const clientAuth of ['scram-sha-256', 'md5', 'password'] as const) {
      const gw = await serve(server, { clientAuth });
      expect(await roundTrip(gw.url)).toHaveLength(1);
      const wrong = await connectError(gw.url.replace(encodeURIComponent(gw.password), 'nope'));
      expect(wrong.code).toBe('28P01');
      const otherUser = await connectError(gw.url.replace(`${gw.user}:`, 'postgres:'));
      expect(otherUser.code).toBe('28P01');
    }
    const gw = await serve(server);
    const otherDb = await connectError(gw.url.replace(`/${gw.database}?`, '/template1?'));
    expect(otherDb.code).toBe('3D000');
    expect(gw.url).not.toContain(server.password);
  });
});
