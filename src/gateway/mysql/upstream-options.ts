// mysql://user:password@host:port/database?ssl-mode=…&ssl-ca=… (the mysql CLI's option names).
import { readFileSync } from 'node:fs';
import { GuardrailError } from '../../errors/guardrail-error.js';

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface UpstreamConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
  sslMode: SslMode;
  /** PEM contents of the CA bundle for verify-ca / verify-full. */
  ca?: string;
  /** PEM of the server's RSA key for caching_sha2_password without TLS (else fetched). */
  serverPublicKey?: string;
}

const MODES: Record<string, SslMode> = {
  disable: 'disable',
  disabled: 'disable',
  prefer: 'prefer',
  preferred: 'prefer',
  require: 'require',
  required: 'require',
  'verify-ca': 'verify-ca',
  verify_ca: 'verify-ca',
  'verify-full': 'verify-full',
  'verify-identity': 'verify-full',
  verify_identity: 'verify-full',
};

export function parseUpstreamUrl(text: string): UpstreamConfig {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GuardrailError('upstream is not a URL: expected mysql://user:password@host:port/database', {
      code: 'ERR_UPSTREAM_CONFIG',
    });
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:')
    throw new GuardrailError(`upstream URL scheme ${url.protocol} is not mysql: or mariadb:`, {
      code: 'ERR_UPSTREAM_CONFIG',
    });
  if (!url.hostname) throw new GuardrailError('upstream URL has no host', { code: 'ERR_UPSTREAM_CONFIG' });
  if (!url.username) throw new GuardrailError('upstream URL has no user', { code: 'ERR_UPSTREAM_CONFIG' });
  const q = url.searchParams;
  const rawMode = (q.get('ssl-mode') ?? q.get('sslmode') ?? 'prefer').toLowerCase();
  const sslMode = MODES[rawMode];
  if (!sslMode)
    throw new GuardrailError(
      `unknown ssl-mode ${rawMode}: use disable, prefer, require, verify-ca or verify-full`,
      { code: 'ERR_UPSTREAM_CONFIG' },
    );
  const caPath = q.get('ssl-ca') ?? q.get('sslrootcert');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const config: UpstreamConfig = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    sslMode,
    ...(database ? { database } : {}),
  };
  if (caPath) config.ca = readFileSync(caPath, 'utf8');
  if ((sslMode === 'verify-ca' || sslMode === 'verify-full') && !config.ca)
    throw new GuardrailError(`ssl-mode=${sslMode} needs ssl-ca=<file>`, { code: 'ERR_UPSTREAM_CONFIG' });
  const keyPath = q.get('server-public-key-path');
  if (keyPath) config.serverPublicKey = readFileSync(keyPath, 'utf8');
  return config;
}

/** host:port/database, for transcripts and messages: never the credentials. */
export function describeUpstream(c: UpstreamConfig): string {
  return `${c.host}:${c.port}/${c.database ?? ''}`;
}
