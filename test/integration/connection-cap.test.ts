// The gateway serves at most `maxClients` client connections: one more is refused with the
// database's own "too many connections" error (Postgres FATAL 53300, MySQL ER_CON_COUNT_ERROR
// 1040) before it reaches the upstream, whose own count of connections shows it; a freed place
// is taken again. The side connection is open before the first client, so its slot is its own.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlSide } from '../../src/gateway/mysql/side-connection.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import { openSideEarly } from '../../src/gateway/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type PgServer, startPostgres, systemBinDir } from '../support/pg-server.js';

const CAP = 3;

/** Runs a client CLI without blocking the event loop the gateway runs on. */
function cli(command: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { encoding: 'utf8', timeout: 20_000 }, (_err, _out, stderr) =>
      resolve({ status: child.exitCode, stderr }),
    );
  });
}
const noWarnings = (message: string) => {
  throw new Error(message);
};

describe('the Postgres gateway with a cap of 3 clients', () => {
  let server: PgServer;
  let gateway: PostgresGateway;
  let side: ReturnType<typeof postgresSide>;

  beforeAll(async () => {
    server = await startPostgres();
    await server.query("CREATE ROLE app LOGIN PASSWORD 'app-cap-pw'");
    const upstream = `postgres://app:app-cap-pw@${server.host}:${server.port}/${server.database}`;
    side = postgresSide(upstream);
    await openSideEarly(side, noWarnings);
    const context = await createGatewayContext({
      dialect: 'postgres',
      policy: defaultPolicy(),
      recorder: new MemoryRecorder(),
      database: { name: server.database, host: server.host, role: 'app' },
      side: { dialect: 'postgres', connection: side },
    });
    gateway = await startPostgresGateway({ upstream, context, catalog: side, maxClients: CAP });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await side?.close();
    await server?.stop();
  });

  const upstreamSessions = async () =>
    (
      await server.query<{ name: string }>(
        "SELECT application_name AS name FROM pg_stat_activity WHERE usename = 'app' ORDER BY 1",
      )
    ).map((r) => r.name);

  it('has its side connection open before any client comes', async () => {
    expect(await upstreamSessions()).toEqual(['guardrail side connection']);
  });

  it('refuses the client over the cap with FATAL 53300, and takes one again when a place is freed', async () => {
    const clients: pg.Client[] = [];
    try {
      for (let i = 0; i < CAP; i++) {
        const c = new pg.Client({ connectionString: gateway.url, application_name: `client ${i}` });
        await c.connect();
        clients.push(c);
      }
      const extra = new pg.Client({ connectionString: gateway.url, application_name: 'one too many' });
      const refused = await extra.connect().then(
        () => undefined,
        (err: unknown) => err as pg.DatabaseError,
      );
      expect(refused).toMatchObject({ code: '53300', severity: 'FATAL' });
      expect(refused?.message).toContain(
        'guardrail: too many clients (the gateway serves at most 3 connections',
      );
      const psql = await cli(join(systemBinDir() ?? '/usr/bin', 'psql'), [
        gateway.url,
        '-X',
        '-c',
        'SELECT 1',
      ]);
      expect(psql.status).toBe(2);
      expect(psql.stderr).toContain('FATAL:  guardrail: too many clients');
      // The upstream saw the three clients and the side connection, nothing more.
      expect(await upstreamSessions()).toEqual([
        'client 0',
        'client 1',
        'client 2',
        'guardrail side connection',
      ]);
      expect((await clients[0]!.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);

      await clients.pop()!.end();
      for (let i = 0; i < 100 && gateway.connections() >= CAP; i++)
        await new Promise((r) => setTimeout(r, 20));
      const again = new pg.Client({ connectionString: gateway.url, application_name: 'client 3' });
      await again.connect();
      clients.push(again);
      expect((await again.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 30_000);
});

describe('the MySQL gateway with a cap of 3 clients', () => {
  let db: MariaDbServer;
  let gateway: MysqlGateway;
  let side: ReturnType<typeof mysqlSide>;

  beforeAll(async () => {
    db = await startMariaDb();
    const upstream = `${db.url()}?ssl-mode=disable`;
    side = mysqlSide(upstream);
    await openSideEarly(side, noWarnings);
    const context = await createGatewayContext({
      dialect: 'mysql',
      policy: defaultPolicy(),
      recorder: new MemoryRecorder(),
      database: { name: db.database, host: db.host, role: db.user },
      side: { dialect: 'mysql', connection: side },
    });
    gateway = await startMysqlGateway({ upstream, context, catalog: side, tls: false, maxClients: CAP });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await side?.close();
    await db?.stop();
  });

  const upstreamSessions = async () =>
    Number(
      (
        await db.admin<{ n: number }[]>(
          'SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE user = ?',
          [db.user],
        )
      )[0]!.n,
    );
  const connect = () =>
    mysql.createConnection({
      host: gateway.host,
      port: gateway.port,
      user: gateway.user,
      password: gateway.password,
      database: db.database,
    });

  it('has its side connection open before any client comes', async () => {
    expect(await upstreamSessions()).toBe(1);
  });

  it('refuses the client over the cap with ER_CON_COUNT_ERROR 1040, and takes one again when a place is freed', async () => {
    const clients: mysql.Connection[] = [];
    try {
      for (let i = 0; i < CAP; i++) clients.push(await connect());
      const refused = await connect().then(
        async (c) => {
          await c.end();
          return undefined;
        },
        (err: unknown) => err as { errno?: number; code?: string; message: string },
      );
      expect(refused).toMatchObject({ errno: 1040, code: 'ER_CON_COUNT_ERROR' });
      expect(refused?.message).toContain(
        'guardrail: too many clients (the gateway serves at most 3 connections',
      );
      const client = await cli('mariadb', [
        '--no-defaults',
        '--protocol=tcp',
        `--host=${gateway.host}`,
        `--port=${gateway.port}`,
        `--user=${gateway.user}`,
        `--password=${gateway.password}`,
        '--skip-ssl',
        '-e',
        'SELECT 1',
      ]);
      expect(client.status).toBe(1);
      expect(client.stderr).toContain('ERROR 1040');
      expect(client.stderr).toContain('guardrail: too many clients');
      // The upstream saw the three clients and the side connection, nothing more.
      expect(await upstreamSessions()).toBe(CAP + 1);
      expect((await clients[0]!.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);

      await clients.pop()!.end();
      for (let i = 0; i < 100 && gateway.connections() >= CAP; i++)
        await new Promise((r) => setTimeout(r, 20));
      const again = await connect();
      clients.push(again);
      expect((await again.query('SELECT 2 AS two'))[0]).toEqual([{ two: 2 }]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 30_000);
});
