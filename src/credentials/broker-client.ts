// `credentials: broker`: exchanges the job's OIDC token for a login role at the guardrail broker
// and gives it back when the job ends.
import { CredentialsError } from '../errors/guardrail-error.js';
import { endpoint, HttpError, type HttpOptions, sendJson, serviceMessage } from './http.js';
import { fetchIdToken, type IdTokenOptions } from './oidc.js';
import type { BrokerCredentials, CredentialProvider, JobContext, Lease } from './types.js';

export interface BrokerProviderOptions extends HttpOptions {
  /** Base URL of the broker, e.g. https://guardrail-broker.internal */
  url: string;
  idToken?: IdTokenOptions;
}

export class BrokerProvider implements CredentialProvider {
  readonly kind = 'broker' as const;
  constructor(private readonly opts: BrokerProviderOptions) {}

  async acquire(ctx: JobContext): Promise<Lease> {
    const token = await fetchIdToken(ctx.audience, this.opts.idToken);
    const url = new URL('/v1/credentials', this.opts.url).toString();
    let res: Awaited<ReturnType<typeof sendJson>>;
    try {
      res = await sendJson('POST', url, { ...this.opts, body: { token, target: ctx.target } });
    } catch (err) {
      throw new CredentialsError(
        `the broker at ${endpoint(url)} could not be reached: ${(err as Error).message}`,
      );
    }
    if (res.status !== 201 && res.status !== 200) {
      throw new HttpError(
        `the broker refused credentials for target "${ctx.target}" (HTTP ${res.status}): ${serviceMessage(res.body)}`,
        res.status,
      );
    }
    const c = checkCredentials(res.body);
    return {
      id: c.lease_id,
      kind: 'broker',
      dialect: c.dialect,
      host: c.host,
      port: c.port,
      database: c.database,
      username: c.username,
      password: c.password,
      expiresAt: c.expires_at,
      standing: false,
      revocation: { url: this.opts.url, token: c.revocation_token },
    };
  }

  /** Idempotent: a lease the broker no longer knows (revoked or swept) counts as revoked. */
  async revoke(lease: Lease): Promise<void> {
    const base = lease.revocation?.url ?? this.opts.url;
    const token = lease.revocation?.token;
    if (!token) throw new CredentialsError(`lease ${lease.id} carries no revocation token`);
    const url = new URL(`/v1/credentials/${encodeURIComponent(lease.id)}`, base).toString();
    let last = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const res = await sendJson('DELETE', url, {
          ...this.opts,
          headers: { authorization: `Bearer ${token}` },
        });
        if (res.status === 204 || res.status === 200 || res.status === 404) return;
        last = `HTTP ${res.status}: ${serviceMessage(res.body)}`;
        if (res.status < 500) break;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
    throw new CredentialsError(
      `the broker did not revoke lease ${lease.id} (${last}); the sweeper removes it after it expires`,
    );
  }
}

function checkCredentials(body: unknown): BrokerCredentials {
  const b = (body ?? {}) as Record<string, unknown>;
  const strings = ['lease_id', 'username', 'password', 'host', 'database', 'expires_at', 'revocation_token'];
  const missing = strings.filter((k) => typeof b[k] !== 'string' || b[k] === '');
  if (typeof b.port !== 'number') missing.push('port');
  if (b.dialect !== 'postgres' && b.dialect !== 'mysql') missing.push('dialect');
  if (missing.length) throw new CredentialsError(`the broker's answer lacks ${missing.join(', ')}`);
  return b as unknown as BrokerCredentials;
}
