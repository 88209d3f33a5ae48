// The Postgres side connection (see ../side-connection.ts): node-postgres, reopened on failure.
import pg from 'pg';
import { type PgSide, Reconnecting, tlsFor } from '../side-connection.js';
import { type UpstreamOptions, upstreamConfig } from './upstream-options.js';

/**
 * A pg "submittable" (the extension point pg-cursor uses): Parse of an unnamed statement and
 * Sync, so the server parses the text without binding or running it.
 */
class ParseOnly {
  constructor(
    private readonly text: string,
    private readonly done: (err: Error | undefined) => void,
  ) {}

  submit(connection: {
    parse(q: { text: string; name: string; types: number[] }): void;
    sync(): void;
  }): void {
    connection.parse({ text: this.text, name: '', types: [] });
    connection.sync();
  }

  /** pg ends the query at the error (the ReadyForQuery after it goes to no query). */
  handleError(err: Error): void {
    this.done(err);
  }

  handleReadyForQuery(): void {
    this.done(undefined);
  }
}

export function postgresSide(upstream: string | UpstreamOptions): PgSide {
  const c = upstreamConfig(upstream);
  const side = new Reconnecting<pg.Client>({
    async open(lost) {
      const ssl = tlsFor(c.sslmode, c.ca);
      const next = new pg.Client({
        host: c.socketDir ?? c.host,
        port: c.port,
        user: c.user,
        database: c.database,
        application_name: 'guardrail side connection',
        ...(c.password !== undefined ? { password: c.password } : {}),
        ...(ssl ? { ssl } : {}),
      });
      next.on('error', lost);
      next.on('end', lost);
      await next.connect();
      return next;
    },
    // A statement's own error leaves the connection usable; anything else, or a FATAL (the
    // backend was terminated), does not.
    broken: (err) => !(err instanceof pg.DatabaseError) || err.severity === 'FATAL',
    end: (conn) => conn.end(),
  });
  return {
    query: (text, values) => side.use((conn) => conn.query(text, values)),
    parse: (text) =>
      side.use(
        (conn) =>
          new Promise<void>((resolve, reject) => {
            conn.query(new ParseOnly(text, (err) => (err ? reject(err) : resolve())) as never);
          }),
      ),
    close: () => side.close(),
  };
}
