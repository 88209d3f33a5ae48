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
  /** Open client connections. */
  connections(): number;
  close(reason?: string): Promise<void>;
}
