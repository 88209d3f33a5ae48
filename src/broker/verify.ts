// Verifies a job's OIDC token: the issuer's discovery document names the JWKS, jose caches the
// keys (and refetches on an unknown kid), RS256 only, exact iss and aud, exp/nbf with a small
// leeway, and the claims a binding or a role name depends on must be present.
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { BrokerSetupError, GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';

export class TokenError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_BROKER_TOKEN';

  constructor(
    message: string,
    /** 401: the token is not valid; 503: the issuer could not be consulted. */
    readonly status: 401 | 503,
  ) {
    super(message);
  }
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

const REQUIRED = [
  'repository_id',
  'repository_owner_id',
  'ref',
  'event_name',
  'run_id',
  'run_attempt',
  'sub',
  'jti',
];

export interface TokenVerifier {
  verify(token: string): Promise<JWTPayload & Record<string, unknown>>;
}

export function createVerifier(opts: VerifierOptions): TokenVerifier {
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  const discover = async () => {
    const url = `${opts.issuer}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new BrokerSetupError(`${url} answered ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== opts.issuer)
      throw new BrokerSetupError(`${url} names issuer ${String(doc.issuer)}, not ${opts.issuer}`);
    if (typeof doc.jwks_uri !== 'string') throw new BrokerSetupError(`${url} has no jwks_uri`);
    return createRemoteJWKSet(new URL(doc.jwks_uri));
  };

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.split('.').length !== 3)
        throw new TokenError('the token is not a JWS compact JWT', 401);
      jwks ??= discover();
      let keys: ReturnType<typeof createRemoteJWKSet>;
      try {
        keys = await jwks;
      } catch (err) {
        jwks = undefined; // retry discovery on the next request
        throw new TokenError(
          `the OIDC issuer's discovery document could not be read: ${(err as Error).message}`,
          503,
        );
      }
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: ['RS256'],
          clockTolerance: opts.clockToleranceSeconds,
          requiredClaims: ['exp', 'iat', ...REQUIRED],
        });
        return payload as JWTPayload & Record<string, unknown>;
      } catch (err) {
        throw explain(err);
      }
    },
  };
}

function explain(err: unknown): TokenError {
  if (err instanceof errors.JWTExpired) return new TokenError('the token has expired', 401);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const what =
      err.claim === 'nbf'
        ? 'the token is not valid yet (nbf is in the future)'
        : err.reason === 'missing'
          ? `the token lacks the required claim "${err.claim}"`
          : `the token's "${err.claim}" claim is not the expected value`;
    return new TokenError(what, 401);
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new TokenError('the token is not signed with RS256 (the only accepted algorithm)', 401);
  if (err instanceof errors.JWKSNoMatchingKey)
    return new TokenError("the token's signing key (kid) is not in the issuer's JWKS", 401);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new TokenError("the token's signature does not verify", 401);
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
    return new TokenError(`the issuer's JWKS could not be fetched: ${(err as Error).message}`, 503);
  if (err instanceof errors.JOSEError) return new TokenError(`the token is malformed: ${err.message}`, 401);
  return new TokenError(`the token could not be verified: ${(err as Error).message}`, 503);
}
