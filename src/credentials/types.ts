export type CredentialKind = 'broker' | 'vault' | 'static';

/** What a provider knows about the job asking for credentials. */
export interface JobContext {
  repository: string;
  runId: string;
  runAttempt: string;
  job: string;
  /** Audience for the GitHub OIDC token. */
  audience: string;
  /** Target name the broker or Vault role maps to. */
  target: string;
}

export interface Lease {
  id: string;
  kind: CredentialKind;
  dialect: 'postgres' | 'mysql';
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  /** ISO time; absent for a standing credential. */
  expiresAt?: string;
  /** A long-lived secret (static DSN): the job summary warns about it. */
  standing: boolean;
  /** Opaque data the provider needs to revoke (e.g. the Vault client token, the broker URL). */
  revocation?: Record<string, string>;
}

export interface CredentialProvider {
  readonly kind: CredentialKind;
  acquire(ctx: JobContext): Promise<Lease>;
  revoke(lease: Lease): Promise<void>;
}

/** The broker's answer to POST /v1/credentials (docs/broker.md); shared by the broker and its client. */
export interface BrokerCredentials {
  lease_id: string;
  dialect: Lease['dialect'];
  username: string;
  password: string;
  host: string;
  port: number;
  database: string;
  expires_at: string;
  /** Secret: authorises DELETE /v1/credentials/{lease_id}. */
  revocation_token: string;
}
