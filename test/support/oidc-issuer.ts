// A local OIDC issuer shaped like GitHub Actions' token service: RSA keys made by jose, the
// discovery document and JWKS over real HTTP, and a token endpoint with the shape of
// ACTIONS_ID_TOKEN_REQUEST_URL. Helpers mint the forged tokens a verifier must refuse.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface GithubClaims extends JWTPayload {
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  ref: string;
  ref_type: string;
  environment?: string;
  event_name: string;
  actor: string;
  actor_id: string;
  workflow: string;
  workflow_ref: string;
  job_workflow_ref: string;
  run_id: string;
  run_number: string;
  run_attempt: string;
  sha: string;
  runner_environment: string;
}

export interface MintOptions {
  audience?: string;
  issuer?: string;
  /** Lifetime in seconds from now (negative: already expired). */
  expiresIn?: number;
  /** Seconds from now before which the token is not valid. */
  notBefore?: number;
  kid?: string;
  claims?: Partial<GithubClaims> & Record<string, unknown>;
  /** Claims to leave out entirely. */
  omit?: string[];
}

export interface OidcIssuer {
  /** Exactly the `iss` of issued tokens, e.g. http://127.0.0.1:41234 */
  issuer: string;
  /** The value for ACTIONS_ID_TOKEN_REQUEST_URL (already has a query string, like the runner's). */
  requestUrl: string;
  /** The value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** Claims every token carries unless overridden. */
  defaults: GithubClaims;
  /** Makes the token endpoint answer 500 this many times before it succeeds. */
  failNext(n: number): void;
  /** Requests the token endpoint has answered (successful or not). */
  tokenRequests(): number;
  mint(opts?: MintOptions): Promise<string>;
  forge: {
    expired(): Promise<string>;
    notYetValid(): Promise<string>;
    wrongAudience(): Promise<string>;
    wrongIssuer(): Promise<string>;
    algNone(): Promise<string>;
    hs256WithPublicKey(): Promise<string>;
    unknownKid(): Promise<string>;
    tampered(): Promise<string>;
    otherRepository(): Promise<string>;
    otherRef(): Promise<string>;
    pullRequestTarget(): Promise<string>;
  };
  close(): Promise<void>;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

export async function startOidcIssuer(opts: { audience?: string } = {}): Promise<OidcIssuer> {
  const audience = opts.audience ?? 'guardrail-broker';
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const kid = `k-${randomUUID().slice(0, 8)}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const publicPem = await exportSPKI(publicKey);
  const requestToken = `rt-${randomUUID()}`;
  let failures = 0;
  let requests = 0;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'run_id'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
    }
    if (url.pathname === '/.well-known/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/token') {
      requests++;
      if (req.headers.authorization?.toLowerCase() !== `bearer ${requestToken}`.toLowerCase()) {
        return json(401, { message: 'bad request token' });
      }
      if (failures > 0) {
        failures--;
        return json(500, { message: 'transient failure' });
      }
      const aud = url.searchParams.get('audience') ?? 'https://github.com/octo-org';
      mint({ audience: aud }).then(
        (value) => json(200, { count: 1, value }),
        (err: Error) => json(500, { message: err.message }),
      );
      return;
    }
    json(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const defaults: GithubClaims = {
    sub: 'repo:octo-org/app:environment:production',
    repository: 'octo-org/app',
    repository_id: '123456789',
    repository_owner: 'octo-org',
    repository_owner_id: '987654',
    ref: 'refs/heads/main',
    ref_type: 'branch',
    environment: 'production',
    event_name: 'push',
    actor: 'octocat',
    actor_id: '583231',
    workflow: 'migrate',
    workflow_ref: 'octo-org/app/.github/workflows/migrate.yml@refs/heads/main',
    job_workflow_ref: 'octo-org/app/.github/workflows/migrate.yml@refs/heads/main',
    run_id: '12345678901',
    run_number: '42',
    run_attempt: '1',
    sha: 'a'.repeat(40),
    runner_environment: 'github-hosted',
  };

  async function mint(m: MintOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { ...defaults, ...m.claims, jti: randomUUID() };
    for (const k of m.omit ?? []) delete payload[k];
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: m.kid ?? kid, typ: 'JWT' })
      .setIssuer(m.issuer ?? issuer)
      .setAudience(m.audience ?? audience)
      .setIssuedAt(now)
      .setNotBefore(now + (m.notBefore ?? -5))
      .setExpirationTime(now + (m.expiresIn ?? 300));
    return jwt.sign(m.kid && m.kid !== kid ? other.privateKey : privateKey);
  }

  const unsigned = async (header: Record<string, unknown>) => {
    const [, payload] = (await mint()).split('.');
    return `${b64url(JSON.stringify(header))}.${payload}`;
  };

  return {
    issuer,
    requestUrl: `${issuer}/token?api-version=2.0`,
    requestToken,
    defaults,
    failNext(n) {
      failures = n;
    },
    tokenRequests: () => requests,
    mint,
    forge: {
      expired: () => mint({ expiresIn: -600, notBefore: -900 }),
      notYetValid: () => mint({ notBefore: 600, expiresIn: 900 }),
      wrongAudience: () => mint({ audience: 'someone-else' }),
      wrongIssuer: () => mint({ issuer: 'https://token.actions.githubusercontent.com' }),
      algNone: async () => `${await unsigned({ alg: 'none', typ: 'JWT' })}.`,
      hs256WithPublicKey: async () => {
        const signingInput = await unsigned({ alg: 'HS256', typ: 'JWT', kid });
        const sig = createHmac('sha256', publicPem).update(signingInput).digest();
        return `${signingInput}.${b64url(sig)}`;
      },
      unknownKid: () => mint({ kid: 'not-in-the-jwks' }),
      tampered: async () => {
        const [h, p, s] = (await mint()).split('.');
        const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
        claims.repository_id = '1';
        return `${h}.${b64url(JSON.stringify(claims))}.${s}`;
      },
      otherRepository: () => mint({ claims: { repository_id: '55555', repository: 'evil/app' } }),
      otherRef: () => mint({ claims: { ref: 'refs/heads/feature' } }),
      pullRequestTarget: () => mint({ claims: { event_name: 'pull_request_target' } }),
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Puts an environment variable back as it was (unset when it was unset). */
/**
 * Points the runner's OIDC request variables (what core.getIDToken reads) at the issuer, as the
 * runner does for a job with `id-token: write`. Returns what puts the previous values back.
 */
export function useRunnerToken(issuer: { requestUrl: string; requestToken: string }): () => void {
  const saved = {
    url: process.env.ACTIONS_ID_TOKEN_REQUEST_URL,
    token: process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
  };
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = issuer.requestUrl;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = issuer.requestToken;
  return () => {
    restoreEnv('ACTIONS_ID_TOKEN_REQUEST_URL', saved.url);
    restoreEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', saved.token);
  };
}

export function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
