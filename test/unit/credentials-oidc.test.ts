import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchIdToken, OidcUnavailableError } from '../../src/credentials/oidc.js';
import { type OidcIssuer, restoreEnv, startOidcIssuer } from '../support/oidc-issuer.js';

let issuer: OidcIssuer;
const saved = {
  url: process.env.ACTIONS_ID_TOKEN_REQUEST_URL,
  token: process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
};

beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());
afterEach(() => {
  restoreEnv('ACTIONS_ID_TOKEN_REQUEST_URL', saved.url);
  restoreEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', saved.token);
});

describe('fetchIdToken through @actions/core', () => {
  it('gets a token for the requested audience from the runner-shaped endpoint', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = issuer.requestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = issuer.requestToken;
    const token = await fetchIdToken('guardrail-broker', { backoffMs: 10 });
    const claims = decodeJwt(token);
    expect(claims.aud).toBe('guardrail-broker');
    expect(claims.iss).toBe(issuer.issuer);
    expect(claims.repository_id).toBe(issuer.defaults.repository_id);
  });

  it('retries transient failures with backoff', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = issuer.requestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = issuer.requestToken;
    const before = issuer.tokenRequests();
    issuer.failNext(2);
    const token = await fetchIdToken('aud-x', { attempts: 4, backoffMs: 10 });
    expect(decodeJwt(token).aud).toBe('aud-x');
    expect(issuer.tokenRequests() - before).toBe(3);
  });

  it('reports clearly after the last attempt fails', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = issuer.requestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'not-the-request-token';
    const err = await fetchIdToken('aud-x', { attempts: 2, backoffMs: 10 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/after 2 attempts/);
    expect((err as Error).message).toMatch(/401/);
    expect((err as Error).message).not.toContain('not-the-request-token');
  });

  it('explains the fix when the runner gave the job no token', async () => {
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    const before = issuer.tokenRequests();
    const err = await fetchIdToken('aud-x').catch((e: Error) => e);
    expect(err).toBeInstanceOf(OidcUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toContain('permissions: { id-token: write }');
    expect(msg).toMatch(/fork/);
    expect(msg).toContain('pull_request_target');
    expect(msg).toContain('credentials: static');
    expect(issuer.tokenRequests()).toBe(before);
  });
});
