// A Vault emulator over real HTTP with the JSON shapes of Vault's documented API: JWT auth login
// (verifying the token against the OIDC issuer with jose), the database secrets engine creating a
// real Postgres role per lease, sys/leases/revoke and auth/token/revoke-self.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type pg from 'pg';

export interface VaultJwtRole {
  bound_audiences: string[];
  /** Every listed claim must equal the value exactly. */
  bound_claims: Record<string, string>;
  token_ttl: number;
}

export interface VaultDbRole {
  /** Group role the created login role joins. */
  group: string;
  default_ttl: number;
}

export interface VaultEmulatorOptions {
  issuer: string;
  jwtRoles: Record<string, VaultJwtRole>;
  dbRoles: Record<string, VaultDbRole>;
  /** Admin connection to the database the engine manages. */
  adminClient: () => Promise<pg.Client>;
  /** When false, sys/leases/revoke answers 403 as with a default policy. */
  allowLeaseRevoke?: boolean;
}

export interface VaultEmulator {
  url: string;
  /** Leases currently alive: lease id → database user. */
  leases(): Map<string, string>;
  /** Client tokens currently alive. */
  tokens(): number;
  close(): Promise<void>;
}

interface Lease {
  user: string;
  group: string;
  token: string;
}

export async function startVaultEmulator(opts: VaultEmulatorOptions): Promise<VaultEmulator> {
  const jwks = createRemoteJWKSet(new URL(`${opts.issuer}/.well-known/jwks`));
  const tokens = new Map<string, { role: string; expires: number }>();
  const leases = new Map<string, Lease>();

  const reply = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) return void res.writeHead(status).end();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const errors = (res: ServerResponse, status: number, ...messages: string[]) =>
    reply(res, status, { errors: messages });
  const envelope = (extra: Record<string, unknown>) => ({
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra,
  });
  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let text = '';
    for await (const c of req) text += c;
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const caller = (req: IncomingMessage) => {
    const t = req.headers['x-vault-token'];
    const entry = typeof t === 'string' ? tokens.get(t) : undefined;
    return entry && entry.expires > Date.now() ? (t as string) : undefined;
  };

  const dropUser = async (lease: Lease) => {
    const c = await opts.adminClient();
    try {
      const q = (s: string) => c.query(s);
      const u = `"${lease.user}"`;
      await c.query('SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1', [
        lease.user,
      ]);
      await q(`REASSIGN OWNED BY ${u} TO "${lease.group}"`);
      await q(`DROP OWNED BY ${u}`);
      await q(`DROP ROLE IF EXISTS ${u}`);
    } finally {
      await c.end();
    }
  };

  const routes = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const login = /^\/v1\/auth\/jwt\/login$/.exec(path);
    if (login && req.method === 'POST') {
      const body = await readBody(req);
      const role = opts.jwtRoles[String(body.role)];
      if (!role) return errors(res, 400, `role "${String(body.role)}" could not be found`);
      if (typeof body.jwt !== 'string') return errors(res, 400, 'missing token');
      let claims: Record<string, unknown>;
      try {
        ({ payload: claims } = await jwtVerify(body.jwt, jwks, {
          issuer: opts.issuer,
          audience: role.bound_audiences,
          algorithms: ['RS256'],
        }));
      } catch (err) {
        return errors(res, 400, `error validating token: ${(err as Error).message}`);
      }
      for (const [k, v] of Object.entries(role.bound_claims)) {
        if (String(claims[k]) !== v)
          return errors(
            res,
            400,
            `error validating claims: claim "${k}" does not match any associated bound claim values`,
          );
      }
      const token = `hvs.${randomBytes(18).toString('base64url')}`;
      tokens.set(token, { role: String(body.role), expires: Date.now() + role.token_ttl * 1000 });
      return reply(
        res,
        200,
        envelope({
          auth: {
            client_token: token,
            accessor: randomBytes(12).toString('base64url'),
            policies: ['default', String(body.role)],
            token_policies: ['default', String(body.role)],
            metadata: { role: String(body.role) },
            lease_duration: role.token_ttl,
            renewable: true,
            entity_id: randomUUID(),
            token_type: 'service',
            orphan: true,
          },
        }),
      );
    }
    const creds = /^\/v1\/database\/creds\/([^/]+)$/.exec(path);
    if (creds && req.method === 'GET') {
      const token = caller(req);
      if (!token) return errors(res, 403, 'permission denied');
      const role = opts.dbRoles[creds[1]!];
      if (!role) return errors(res, 400, `unknown role: ${creds[1]}`);
      const user = `v-jwt-${creds[1]!.slice(0, 8)}-${randomBytes(6).toString('hex')}`;
      const password = `A1a-${randomBytes(15).toString('base64url')}`;
      const until = new Date(Date.now() + role.default_ttl * 1000).toISOString();
      const c = await opts.adminClient();
      try {
        await c.query(
          `CREATE ROLE "${user}" WITH LOGIN PASSWORD '${password}' VALID UNTIL '${until}' IN ROLE "${role.group}"`,
        );
      } finally {
        await c.end();
      }
      const leaseId = `database/creds/${creds[1]}/${randomBytes(12).toString('base64url')}`;
      leases.set(leaseId, { user, group: role.group, token });
      return reply(
        res,
        200,
        envelope({
          lease_id: leaseId,
          renewable: true,
          lease_duration: role.default_ttl,
          data: { username: user, password },
        }),
      );
    }
    if (path === '/v1/sys/leases/revoke' && req.method === 'PUT') {
      const token = caller(req);
      if (!token || opts.allowLeaseRevoke === false) return errors(res, 403, 'permission denied');
      const body = await readBody(req);
      const lease = leases.get(String(body.lease_id));
      if (lease) {
        await dropUser(lease);
        leases.delete(String(body.lease_id));
      }
      return reply(res, 204);
    }
    if (path === '/v1/auth/token/revoke-self' && req.method === 'POST') {
      const token = caller(req);
      if (!token) return errors(res, 403, 'permission denied');
      for (const [id, lease] of leases) {
        if (lease.token !== token) continue;
        await dropUser(lease);
        leases.delete(id);
      }
      tokens.delete(token);
      return reply(res, 204);
    }
    return errors(res, 404);
  };

  const server: Server = createServer((req, res) => {
    routes(req, res).catch((err: Error) => errors(res, 500, err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    leases: () => new Map([...leases].map(([id, l]) => [id, l.user])),
    tokens: () => tokens.size,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
