// A standing credential from a secret DSN. It works, but nothing expires or is revoked, so the
// lease is marked standing and the job summary warns about it.
import { CredentialsError } from '../errors/guardrail-error.js';
import type { CredentialProvider, JobContext, Lease } from './types.js';

const SCHEMES: Record<string, Lease['dialect']> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};
const DEFAULT_PORT: Record<Lease['dialect'], number> = { postgres: 5432, mysql: 3306 };

/** Parses a postgres:// or mysql:// DSN; errors never repeat the DSN (it holds a password). */
export function parseDsn(dsn: string): Omit<Lease, 'id' | 'kind' | 'standing'> {
  let url: URL;
  try {
    url = new URL(dsn.trim());
  } catch {
    throw new CredentialsError(
      'the static DSN is not a URL (expected postgres://user:password@host:port/database)',
    );
  }
  const dialect = SCHEMES[url.protocol];
  if (!dialect) {
    throw new CredentialsError(
      `the static DSN has scheme "${url.protocol}"; expected postgres:, postgresql:, mysql: or mariadb:`,
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !url.username || !database) {
    throw new CredentialsError('the static DSN must name a user, a host and a database');
  }
  return {
    dialect,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : DEFAULT_PORT[dialect],
    database,
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

export class StaticProvider implements CredentialProvider {
  readonly kind = 'static' as const;
  constructor(private readonly dsn: string) {}

  async acquire(_ctx: JobContext): Promise<Lease> {
    return { id: 'static', kind: 'static', standing: true, ...parseDsn(this.dsn) };
  }

  /** A standing credential outlives the job by definition: there is nothing to revoke. */
  async revoke(_lease: Lease): Promise<void> {}
}
