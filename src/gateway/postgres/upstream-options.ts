// Upstream connection settings, from a libpq-style URL or from parts.
import { readFileSync } from 'node:fs';
import { GuardrailError } from '../../errors/guardrail-error.js';

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface UpstreamOptions {
  host: string;
  port: number;
  /** Directory of the server's Unix socket (libpq `host=/dir`); replaces TCP when set. */
  socketDir?: string;
  user: string;
  password?: string;
  database: string;
  sslmode?: SslMode;
  /** PEM file of the CA that signs the server's certificate (libpq `sslrootcert`). */
  sslrootcert?: string;
}

export interface UpstreamConfig
  extends Required<Omit<UpstreamOptions, 'socketDir' | 'password' | 'sslrootcert'>> {
  socketDir?: string;
  password?: string;
  ca?: string;
}

export function parseUpstreamUrl(url: string): UpstreamOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GuardrailError('upstream is not a valid postgres:// URL', { code: 'ERR_UPSTREAM_CONFIG' });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new GuardrailError(`upstream URL must start with postgres://, not ${u.protocol}//`, {
      code: 'ERR_UPSTREAM_CONFIG',
    });
  const q = u.searchParams;
  const hostParam = q.get('host');
  const sslmode = q.get('sslmode') ?? undefined;
  const opts: UpstreamOptions = {
    host: decodeURIComponent(u.hostname) || 'localhost',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || q.get('user') || 'postgres',
    database: decodeURIComponent(u.pathname.slice(1)) || q.get('dbname') || 'postgres',
  };
  if (hostParam?.startsWith('/')) opts.socketDir = hostParam;
  const password = u.password ? decodeURIComponent(u.password) : q.get('password');
  if (password) opts.password = password;
  if (sslmode) opts.sslmode = sslmode as SslMode;
  const rootcert = q.get('sslrootcert');
  if (rootcert) opts.sslrootcert = rootcert;
  return opts;
}

export function upstreamConfig(input: string | UpstreamOptions): UpstreamConfig {
  const o = typeof input === 'string' ? parseUpstreamUrl(input) : input;
  const sslmode = o.sslmode ?? 'prefer';
  if (!SSL_MODES.includes(sslmode))
    throw new GuardrailError(`unknown sslmode ${sslmode}: use ${SSL_MODES.join(', ')}`, {
      code: 'ERR_UPSTREAM_CONFIG',
    });
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
    throw new GuardrailError(`invalid upstream port ${o.port}`, { code: 'ERR_UPSTREAM_CONFIG' });
  let ca: string | undefined;
  if (o.sslrootcert) {
    try {
      ca = readFileSync(o.sslrootcert, 'utf8');
    } catch (err) {
      throw new GuardrailError(`cannot read sslrootcert ${o.sslrootcert}: ${(err as Error).message}`, {
        code: 'ERR_UPSTREAM_CONFIG',
      });
    }
  }
  return {
    host: o.host,
    port: o.port,
    user: o.user,
    database: o.database,
    sslmode,
    ...(o.socketDir ? { socketDir: o.socketDir } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(ca ? { ca } : {}),
  };
}

/** host:port/database without credentials, for logs and the transcript. */
export function describeUpstream(c: UpstreamConfig): string {
  return `${c.socketDir ?? c.host}:${c.port}/${c.database}`;
}
