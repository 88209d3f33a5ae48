// The credential broker's logic, independent of HTTP: verify the job's token, pick its binding,
// create a login role that lives for the job, revoke it, sweep what crashed jobs left behind.
import { randomBytes } from 'node:crypto';
import type { BrokerCredentials } from '../credentials/types.js';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import { type AuditLog, auditedClaims } from './audit.js';
import { describeFailures, matchBinding } from './bindings.js';
import type { BrokerConfig } from './config.js';
import { MysqlRoleStore } from './mysql.js';
import { PostgresRoleStore } from './postgres.js';
import { RateLimiter } from './rate-limit.js';
import { newRoleName, parseRoleName } from './role-name.js';
import { checkRevocationToken, newPassword, revocationToken } from './secrets.js';
import type { RoleStore } from './store.js';
import { createVerifier, TokenError, type TokenVerifier } from './verify.js';

/** A refused broker request: `status` and `reason` (e.g. `not_found`) are its HTTP answer. */
export class BrokerError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_BROKER_REQUEST';

  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface BrokerOptions {
  audit: AuditLog;
  /** Replaceable in tests; defaults to a verifier for the configured issuer. */
  verifier?: TokenVerifier;
  now?: () => number;
}

export class Broker {
  private readonly stores = new Map<string, RoleStore>();
  private readonly verifier: TokenVerifier;
  private readonly limiter: RateLimiter;
  private readonly revocationKey: string;
  private readonly audit: AuditLog;
  private readonly now: () => number;
  /** True when no revocation-key is configured: tokens die with this process. */
  readonly ephemeralRevocationKey: boolean;

  constructor(
    readonly config: BrokerConfig,
    opts: BrokerOptions,
  ) {
    this.audit = opts.audit;
    this.now = opts.now ?? Date.now;
    this.verifier =
      opts.verifier ??
      createVerifier({
        issuer: config.issuer,
        audience: config.audience,
        clockToleranceSeconds: config.clockToleranceSeconds,
      });
    this.limiter = new RateLimiter(config.rateLimit.burst, config.rateLimit.perMinute, this.now);
    this.ephemeralRevocationKey = !config.revocationKey;
    this.revocationKey = config.revocationKey ?? randomBytes(32).toString('base64url');
    for (const t of config.targets.values()) {
      this.stores.set(
        t.name,
        t.dialect === 'postgres'
          ? new PostgresRoleStore(t, config.rolePrefix)
          : new MysqlRoleStore(t, config.rolePrefix),
      );
    }
  }

  private refuse(
    status: number,
    reason: string,
    message: string,
    extra: Record<string, unknown> = {},
    retryAfter?: number,
  ): never {
    this.audit.write({ event: 'refuse', status, reason: message, ...extra });
    throw new BrokerError(status, reason, message, retryAfter);
  }

  private async verified(token: string, target?: string) {
    try {
      return await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenError) {
        this.refuse(
          err.status,
          err.status === 401 ? 'invalid_token' : 'issuer_unavailable',
          err.message,
          target ? { target } : {},
        );
      }
      throw err;
    }
  }

  async issue(token: unknown, target: unknown): Promise<BrokerCredentials> {
    if (typeof token !== 'string' || !token)
      this.refuse(400, 'bad_request', 'the body needs "token": the job\'s OIDC token');
    if (typeof target !== 'string' || !target || target.length > 63)
      this.refuse(
        400,
        'bad_request',
        'the body needs "target": the name of a target (at most 63 characters)',
      );
    const claims = await this.verified(token as string, target as string);
    const who = auditedClaims(claims);
    const wait = this.limiter.take(String(claims.repository_id));
    if (wait > 0) {
      this.refuse(
        429,
        'rate_limited',
        `too many requests for repository ${who.repository_id}; retry in ${wait}s`,
        { target, claims: who },
        wait,
      );
    }
    const match = matchBinding(claims, target as string, this.config.bindings);
    if (!match.ok) {
      this.refuse(403, 'no_binding', `no binding accepts this job: ${describeFailures(match.failures)}`, {
        target,
        claims: who,
        detail: match.failures,
      });
    }
    const { binding } = match as Extract<typeof match, { ok: true }>;
    const t = this.config.targets.get(binding.target)!;
    const ttl = Math.min(binding.ttlSeconds, this.config.maxTtlSeconds);
    const expiresAt = new Date(this.now() + ttl * 1000);
    let name = '';
    try {
      name = newRoleName(
        this.config.rolePrefix,
        String(claims.run_id),
        String(claims.run_attempt),
        expiresAt,
      );
    } catch (err) {
      this.refuse(401, 'invalid_token', `the token's run claims are unusable: ${(err as Error).message}`, {
        target,
        claims: who,
      });
    }
    const password = newPassword();
    const leaseId = `${t.name}.${name}`;
    try {
      await this.stores.get(t.name)!.create({
        name,
        password,
        expiresAt,
        role: binding.role,
        ...(binding.ownerRole ? { ownerRole: binding.ownerRole } : {}),
      });
    } catch (err) {
      const message = `could not create the login role in target ${t.name}: ${(err as Error).message}`;
      this.audit.write({ event: 'error', operation: 'issue', target: t.name, lease: leaseId, message });
      throw new BrokerError(502, 'database_error', message);
    }
    this.audit.write({
      event: 'issue',
      target: t.name,
      binding: binding.name,
      role: binding.role,
      login: name,
      lease: leaseId,
      ttl,
      expires_at: expiresAt.toISOString(),
      claims: who,
    });
    return {
      lease_id: leaseId,
      dialect: t.dialect,
      username: name,
      password,
      host: t.host,
      port: t.port,
      database: t.database,
      expires_at: expiresAt.toISOString(),
      revocation_token: revocationToken(this.revocationKey, leaseId),
    };
  }

  /**
   * Who may revoke: the holder of the revocation token returned at issuance, or a job of the same
   * run attempt presenting a valid OIDC token that a binding for the target still accepts.
   */
  async revoke(leaseId: string, authorization: string | undefined): Promise<void> {
    const dot = leaseId.indexOf('.');
    const target = leaseId.slice(0, dot);
    const role = parseRoleName(this.config.rolePrefix, leaseId.slice(dot + 1));
    const store = dot > 0 ? this.stores.get(target) : undefined;
    if (!store || !role)
      this.refuse(404, 'not_found', `there is no lease ${JSON.stringify(leaseId.slice(0, 100))}`);
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!bearer)
      this.refuse(
        401,
        'unauthorized',
        "revocation needs Authorization: Bearer <revocation token or the job's OIDC token>",
        { target },
      );
    let by: 'revocation-token' | 'oidc-token' = 'revocation-token';
    let claims: Record<string, string> | undefined;
    if (bearer!.split('.').length === 3) {
      const verified = await this.verified(bearer!, target);
      claims = auditedClaims(verified);
      const sameRun =
        String(verified.run_id) === role!.runId && String(verified.run_attempt) === role!.runAttempt;
      if (!sameRun || !matchBinding(verified, target, this.config.bindings).ok) {
        this.refuse(403, 'forbidden', `this token is not from the run attempt that holds lease ${leaseId}`, {
          target,
          claims,
        });
      }
      by = 'oidc-token';
    } else if (!checkRevocationToken(this.revocationKey, leaseId, bearer!)) {
      this.refuse(403, 'forbidden', `the revocation token does not belong to lease ${leaseId}`, { target });
    }
    let result: Awaited<ReturnType<RoleStore['drop']>>;
    try {
      result = await store!.drop(role!.name);
    } catch (err) {
      const message = `could not revoke lease ${leaseId}: ${(err as Error).message}`;
      this.audit.write({ event: 'error', operation: 'revoke', target, lease: leaseId, message });
      throw new BrokerError(502, 'database_error', message);
    }
    this.audit.write({ event: 'revoke', lease: leaseId, by, ...result, ...(claims ? { claims } : {}) });
    if (!result.existed)
      throw new BrokerError(404, 'not_found', `lease ${leaseId} was already revoked or swept`);
  }

  /** Drops our login roles that expired before `cutoff` in every target; never throws per role. */
  async sweep(cutoff = new Date(this.now())): Promise<string[]> {
    const swept: string[] = [];
    for (const [target, store] of this.stores) {
      let names: string[];
      try {
        names = await store.expired(cutoff);
      } catch (err) {
        this.audit.write({ event: 'error', operation: 'sweep', target, message: (err as Error).message });
        continue;
      }
      for (const name of names) {
        const lease = `${target}.${name}`;
        try {
          const r = await store.drop(name);
          // Another replica may have swept it a moment ago: only the one that dropped it reports.
          if (!r.existed) continue;
          this.audit.write({ event: 'sweep', target, lease, ...r });
          swept.push(lease);
        } catch (err) {
          this.audit.write({
            event: 'error',
            operation: 'sweep',
            target,
            lease,
            message: (err as Error).message,
          });
        }
      }
    }
    return swept;
  }

  async close(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.close()));
  }
}
