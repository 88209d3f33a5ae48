// One extra upstream connection per gateway run, for the questions the gateway asks the
// database itself: bodies of called functions, impact estimates, masking lineage. It opens on
// first use and reopens after a failure, so a dropped side connection costs one refused or
// reviewed statement rather than the rest of the job.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { parseUpstreamUrl as parseMysqlUrl } from './mysql/upstream-url.js';
import { type UpstreamOptions, upstreamConfig } from './postgres/options.js';

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

export interface PgSide {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

export function postgresSide(upstream: string | UpstreamOptions): PgSide {
  const c = upstreamConfig(upstream);
  let client: Promise<pg.Client> | undefined;
  const open = () => {
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
    next.on('error', () => {
      client = undefined;
    });
    return next.connect().then(() => next);
  };
  return {
    async query(text, values) {
      client ??= open();
      try {
        const conn = await client;
        return await conn.query(text, values);
      } catch (err) {
        // A broken connection is replaced on the next call; the error still reaches the caller.
        if (!(err instanceof pg.DatabaseError)) client = undefined;
        throw err;
      }
    },
    async close() {
      const conn = await client?.catch(() => undefined);
      client = undefined;
      await conn?.end().catch(() => {});
    },
  };
}

export interface MysqlSide {
  // biome-ignore lint/suspicious/noExplicitAny: mysql2's overloaded query() signature
  query(sql: string, values?: any): Promise<[any, unknown]>;
  close(): Promise<void>;
}

export function mysqlSide(upstream: string): MysqlSide {
  const c = parseMysqlUrl(upstream);
  let conn: Promise<mysql.Connection> | undefined;
  const open = async () => {
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
    next.on('error', () => {
      conn = undefined;
    });
    return next;
  };
  return {
    async query(sql, values) {
      conn ??= open();
      try {
        return await (await conn).query(sql, values);
      } catch (err) {
        if (!('sqlState' in (err as object))) conn = undefined;
        throw err;
      }
    },
    async close() {
      const c2 = await conn?.catch(() => undefined);
      conn = undefined;
      await c2?.end().catch(() => {});
    },
  };
}
