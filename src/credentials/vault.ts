// `credentials: vault`: JWT auth login with the job's OIDC token, then a dynamic credential from
// the database secrets engine. Vault returns only a username and password, so where to connect
// comes from the options. Revoking the client token revokes the leases it created.
import { CredentialsError } from '../errors/guardrail-error.js';
import { endpoint, HttpError, type HttpOptions, sendJson, serviceMessage } from './http.js';
import { fetchIdToken, type IdTokenOptions } from './oidc.js';
import type { CredentialProvider, JobContext, Lease } from './types.js';

export interface VaultProviderOptions extends HttpOptions {
  /** Vault address, e.g. https://vault.internal:8200 */
  url: string;
  /** Mount path of the JWT auth method (default "jwt"). */
  authPath?: string;
  /** JWT auth role to log in with. */
  role: string;
  /** Mount path of the database secrets engine (default "database"). */
  mount?: string;
  /** Database secrets engine role; defaults to the job's target. */
  credsRole?: string;
  namespace?: string;
  dialect: Lease['dialect'];
  host: string;
  port: number;
  database: string;
  idToken?: IdTokenOptions;
}

const clean = (p: string) => p.replace(/^\/+|\/+$/g, '');

export class VaultProvider implements CredentialProvider {
  readonly kind = 'vault' as const;
  constructor(private readonly opts: VaultProviderOptions) {}

  private async call(method: 'GET' | 'POST' | 'PUT', path: string, token?: string, body?: unknown) {
    const url = new URL(`/v1/${path}`, this.opts.url).toString();
    const headers: Record<string, string> = {};
    if (token) headers['x-vault-token'] = token;
    if (this.opts.namespace) headers['x-vault-namespace'] = this.opts.namespace;
    try {
      return await sendJson(method, url, { ...this.opts, headers, body });
    } catch (err) {
      throw new CredentialsError(`Vault at ${endpoint(url)} could not be reached: ${(err as Error).message}`);
    }
  }

  async acquire(ctx: JobContext): Promise<Lease> {
    const jwt = await fetchIdToken(ctx.audience, this.opts.idToken);
    const authPath = clean(this.opts.authPath ?? 'jwt');
    const login = await this.call('POST', `auth/${authPath}/login`, undefined, { jwt, role: this.opts.role });
    const clientToken = (login.body as { auth?: { client_token?: unknown } } | undefined)?.auth?.client_token;
    if (login.status !== 200 || typeof clientToken !== 'string') {
      throw new HttpError(
        `Vault JWT login (auth/${authPath}, role "${this.opts.role}") failed with HTTP ${login.status}: ${serviceMessage(login.body)}`,
        login.status,
      );
    }
    const credsRole = this.opts.credsRole ?? ctx.target;
    const path = `${clean(this.opts.mount ?? 'database')}/creds/${credsRole}`;
    const creds = await this.call('GET', path, clientToken);
    const b = creds.body as
      | { lease_id?: unknown; lease_duration?: unknown; data?: { username?: unknown; password?: unknown } }
      | undefined;
    if (
      creds.status !== 200 ||
      typeof b?.lease_id !== 'string' ||
      typeof b.lease_duration !== 'number' ||
      typeof b.data?.username !== 'string' ||
      typeof b.data.password !== 'string'
    ) {
      await this.revokeToken(clientToken).catch(() => undefined);
      throw new HttpError(
        `Vault did not issue database credentials from ${path} (HTTP ${creds.status}): ${serviceMessage(creds.body)}`,
        creds.status,
      );
    }
    return {
      id: b.lease_id,
      kind: 'vault',
      dialect: this.opts.dialect,
      host: this.opts.host,
      port: this.opts.port,
      database: this.opts.database,
      username: b.data.username,
      password: b.data.password,
      expiresAt: new Date(Date.now() + b.lease_duration * 1000).toISOString(),
      standing: false,
      revocation: { token: clientToken },
    };
  }

  /**
   * Revokes the lease itself where the token's policy allows sys/leases/revoke, then the client
   * token, which takes every lease it created with it.
   */
  async revoke(lease: Lease): Promise<void> {
    const token = lease.revocation?.token;
    if (!token) throw new CredentialsError(`Vault lease ${lease.id} carries no client token to revoke with`);
    const res = await this.call('PUT', 'sys/leases/revoke', token, { lease_id: lease.id });
    if (res.status !== 204 && res.status !== 200 && res.status !== 403) {
      throw new CredentialsError(
        `Vault did not revoke lease ${lease.id} (HTTP ${res.status}): ${serviceMessage(res.body)}`,
      );
    }
    await this.revokeToken(token);
  }

  private async revokeToken(token: string): Promise<void> {
    const res = await this.call('POST', 'auth/token/revoke-self', token);
    // 403 here means the token is already gone (revoked or expired), which is the goal.
    if (res.status !== 204 && res.status !== 200 && res.status !== 403) {
      throw new CredentialsError(
        `Vault did not revoke the client token (HTTP ${res.status}): ${serviceMessage(res.body)}`,
      );
    }
  }
}
