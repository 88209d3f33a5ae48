// One extra upstream connection per gateway run, for the questions the gateway asks the
// database itself: bodies of called functions, impact estimates, masking lineage. It reopens
// after a failure with backoff, so a dropped side connection (killed, or refused because the
// upstream was out of connection slots) costs the statements judged while it is down — they fail
// closed — rather than the rest of the job. Each dialect's side is in its own module
// (postgres/side-connection.ts, mysql/side-connection.ts), so a gateway loads one driver.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { GuardrailError } from '../errors/guardrail-error.js';

type Mode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export function tlsFor(mode: Mode, ca: string | undefined): TlsOptions | undefined {
  switch (mode) {
    case 'disable':
    case 'prefer':
      return undefined;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      return ca ? { ca } : {};
  }
}

/** First and longest pause between attempts to reopen a side connection that could not be opened. */
export const SIDE_RETRY_MS = { first: 100, max: 5_000 };

/**
 * One connection, reopened when it breaks. While an attempt to open it has failed and the next is
 * not yet due, every use is refused at once (the caller fails closed) with the reason; the pause
 * doubles with each failed attempt, so an upstream out of slots is not hammered.
 */
export class Reconnecting<C> {
  private conn: Promise<C> | undefined;
  private failures = 0;
  private retryAt = 0;
  private lastError: Error | undefined;
  /** Settles when the last use queued so far has. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: {
      /** Opens a connection; `lost` is to be called when it breaks while idle. */
      open(lost: () => void): Promise<C>;
      /** The error of a use means the connection itself is gone (not just the statement failed). */
      broken(err: unknown): boolean;
      end(conn: C): Promise<void>;
    },
  ) {}

  /**
   * Runs `fn` once every use before it has settled: one question at a time on the connection.
   * node-postgres queues a query issued while another runs, but warns that pg@9 will refuse it,
   * and sessions ask concurrently (masking catalogs of connections opening together).
   */
  use<R>(fn: (conn: C) => Promise<R>): Promise<R> {
    const run = this.tail.then(() => this.now(fn));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async now<R>(fn: (conn: C) => Promise<R>): Promise<R> {
    const pending = this.connection();
    const conn = await pending;
    try {
      return await fn(conn);
    } catch (err) {
      if (this.link.broken(err)) this.drop(pending);
      throw err;
    }
  }

  async close(): Promise<void> {
    const pending = this.conn;
    this.conn = undefined;
    const conn = await pending?.catch(() => undefined);
    if (conn) await this.link.end(conn).catch(() => {});
  }

  private connection(): Promise<C> {
    if (this.conn) return this.conn;
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      return Promise.reject(
        new GuardrailError(
          `the side connection to the upstream is down (${this.lastError?.message}); the next attempt is in ${wait} ms`,
          { code: 'ERR_SIDE_CONNECTION' },
        ),
      );
    }
    const attempt: Promise<C> = this.link
      .open(() => this.drop(attempt))
      .then(
        (conn) => {
          this.failures = 0;
          return conn;
        },
        (err: unknown) => {
          this.failures++;
          this.lastError =
            err instanceof Error ? err : new GuardrailError(String(err), { code: 'ERR_SIDE_CONNECTION' });
          this.retryAt =
            Date.now() + Math.min(SIDE_RETRY_MS.first * 2 ** (this.failures - 1), SIDE_RETRY_MS.max);
          this.drop(attempt);
          throw err;
        },
      );
    this.conn = attempt;
    return attempt;
  }

  /** Forgets `which` if it is still the current connection (a newer one is left alone). */
  private drop(which: Promise<C>): void {
    if (this.conn !== which) return;
    this.conn = undefined;
    which.then((c) => this.link.end(c)).catch(() => {});
  }
}

export interface PgSide {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Sends only Parse (unnamed) and Sync: nothing executes. Rejects with the server's error. */
  parse(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface MysqlSide {
  // biome-ignore lint/suspicious/noExplicitAny: mysql2's overloaded query() signature
  query(sql: string, values?: any): Promise<[any, unknown]>;
  /**
   * COM_STMT_PREPARE then COM_STMT_CLOSE, under the client session's sql_mode (it changes what
   * parses): nothing executes. Rejects with the server's error.
   */
  prepare(sql: string, sqlMode: string | undefined): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens a side connection before the gateway accepts clients, so its upstream slot is taken
 * before theirs (the client cap leaves room for it). A failure is reported, not fatal: the
 * connection reopens when a statement needs it.
 */
export async function openSideEarly(
  side: { query(sql: string): Promise<unknown> },
  report: (message: string) => void,
): Promise<void> {
  await side.query('SELECT 1').catch((err: unknown) => {
    report(`the side connection could not be opened yet: ${(err as Error).message}`);
  });
}
