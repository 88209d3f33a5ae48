/**
 * Client connections a gateway serves at once unless configured otherwise. Each takes an upstream
 * connection, so the cap keeps a runaway job (a pool sized for production, a connection leak)
 * from exhausting the upstream's slots — well under the usual max_connections of 100 or 151,
 * leaving room for the side connection and everyone else.
 */
export const DEFAULT_MAX_CLIENTS = 50;

/** The client refused because the gateway serves its maximum of clients already. */
export function tooManyClients(max: number): string {
  return `guardrail: too many clients (the gateway serves at most ${max} connections at once; raise max-connections or use fewer)`;
}

/** What every protocol engine returns once it listens: how clients reach it, and how to stop it. */
export interface GatewayHandle {
  /** A connection URL with the per-run credentials that any client can use as is. */
  url: string;
  host: string;
  port: number;
  /** The gateway's own per-run login, never the upstream's. */
  user: string;
  password: string;
  /** The upstream database clients land in unless they choose one. */
  database: string;
  /** PEM certificate clients can verify the gateway's TLS with (self-signed unless configured). */
  certificate?: string;
  /** Why clients are not offered TLS, when they are not. */
  tlsUnavailable?: string;
  /** Open client connections. */
  connections(): number;
  close(reason?: string): Promise<void>;
}
