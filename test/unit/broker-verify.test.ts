import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, TokenError, type TokenVerifier } from '../../src/broker/verify.js';
import { type OidcIssuer, startOidcIssuer } from '../support/oidc-issuer.js';

let issuer: OidcIssuer;
let verifier: TokenVerifier;

beforeAll(async () => {
  issuer = await startOidcIssuer({ audience: 'guardrail-broker' });
  verifier = createVerifier({
    issuer: issuer.issuer,
    audience: 'guardrail-broker',
    clockToleranceSeconds: 30,
  });
});
afterAll(() => issuer.close());

const refusal = async (token: string) => {
  const err = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  expect((err as TokenError).status).toBe(401);
  return (err as Error).message;
};

describe('token verification', () => {
  it('accepts a token from the issuer and returns its claims', async () => {
    const claims = await verifier.verify(await issuer.mint());
    expect(claims.repository_id).toBe(issuer.defaults.repository_id);
    expect(claims.iss).toBe(issuer.issuer);
  });

  it('tolerates a small clock skew', async () => {
    await expect(verifier.verify(await issuer.mint({ notBefore: 10, expiresIn: 300 }))).resolves.toBeTruthy();
  });

  it.each([
    ['expired', /expired/],
    ['notYetValid', /not valid yet/],
    ['wrongAudience', /"aud" claim/],
    ['wrongIssuer', /"iss" claim/],
    ['algNone', /RS256|malformed/],
    ['hs256WithPublicKey', /RS256/],
    ['unknownKid', /kid/],
    ['tampered', /signature/],
  ] as const)('refuses a forged token: %s', async (kind, reason) => {
    expect(await refusal(await issuer.forge[kind]())).toMatch(reason);
  });

  it('refuses a token lacking a claim bindings depend on', async () => {
    expect(await refusal(await issuer.mint({ omit: ['repository_id'] }))).toMatch(
      /required claim "repository_id"/,
    );
  });

  it('refuses things that are not JWTs', async () => {
    expect(await refusal('hello')).toMatch(/not a JWS/);
  });

  it('reports an unreachable issuer as 503, not as a bad token', async () => {
    const v = createVerifier({ issuer: 'http://127.0.0.1:9', audience: 'x', clockToleranceSeconds: 0 });
    const err = await v.verify(await issuer.mint()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenError);
    expect((err as TokenError).status).toBe(503);
  });
});
