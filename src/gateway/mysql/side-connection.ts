// The MySQL side connection (see ../side-connection.ts): mysql2, reopened on failure.
import mysql from 'mysql2/promise';
import { type MysqlSide, Reconnecting, tlsFor } from '../side-connection.js';
import { parseUpstreamUrl as parseMysqlUrl } from './upstream-options.js';

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
