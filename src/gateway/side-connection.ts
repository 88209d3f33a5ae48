// One extra upstream connection per gateway run, for the questions the gateway asks the
// database itself: bodies of called functions, impact estimates, masking lineage. It reopens
// after a failure with backoff, so a dropped side connection (killed, or refused because the
// upstream was out of connection slots) costs the statements judged while it is down — they fail
// closed — rather than the rest of the job.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { GuardrailError } from '../errors/guardrail-error.js';
import { parseUpstreamUrl as parseMysqlUrl } from './mysql/upstream-options.js';
import { type UpstreamOptions, upstreamConfig } from './postgres/upstream-options.js';

type Mode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

function tlsFor(mode: Mode, ca: string | undefined): TlsOptions | undefined {
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
class Reconnecting<C> {
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

export function mysqlSide(upstream: string): MysqlSide {
  const c = parseMysqlUrl(upstream);
  const side = new Reconnecting<mysql.Connection>({
    async open(lost) {
      // mysql2 hands these options to tls.connect; its type only names a subset of them.
      const ssl = tlsFor(c.sslMode, c.ca) as mysql.SslOptions | undefined;
      const next = await mysql.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        ...(c.database ? { database: c.database } : {}),
        ...(ssl ? { ssl } : {}),
      });
      next.on('error', lost);
      next.on('end', lost);
      return next;
    },
    // mysql2 marks errors that end the connection (lost, killed) as fatal.
    broken: (err) => !('sqlState' in (err as object)) || (err as { fatal?: boolean }).fatal === true,
    end: (conn) => conn.end(),
  });
  return {
    query: (sql, values) => side.use((conn) => conn.query(sql, values)),
    prepare: (sql, sqlMode) => side.use((conn) => prepareUnder(conn, sql, sqlMode)),
    close: () => side.close(),
  };
}

/**
 * mysql2 runs a connection's commands in the order they were issued, so issuing the three without
 * waiting keeps any other use of the side connection from running under the client's sql_mode.
 * The side connection otherwise keeps the server's default mode, which DEFAULT restores.
 */
async function prepareUnder(conn: mysql.Connection, sql: string, sqlMode: string | undefined): Promise<void> {
  if (sqlMode === undefined) return (await conn.prepare(sql)).close();
  const [set, prepared, reset] = await Promise.allSettled([
    conn.query('SET SESSION sql_mode = ?', [sqlMode]),
    conn.prepare(sql),
    conn.query('SET SESSION sql_mode = DEFAULT'),
  ]);
  if (prepared.status === 'fulfilled') prepared.value.close();
  if (reset.status === 'rejected') throw reset.reason;
  // Parsed under another mode, the answer says nothing about the client's statement.
  if (set.status === 'rejected') throw set.reason;
  if (prepared.status === 'rejected') throw prepared.reason;
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
