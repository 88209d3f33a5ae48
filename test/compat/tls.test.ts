// TLS toward the client, both dialects: servers that require TLS, gateways whose upstream is
// verified with verify-full, and clients that require TLS or verify the certificate and the host
// name (the gateway's own self-signed certificate as the CA). Each client sees the same directly
// and through the gateway; a client given the wrong CA is refused by both.
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli, run, SYSTEM_PYTHON } from '../support/mysql-clients.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { type AuditGateway, auditMysql, auditPostgres, onBoth, type Target } from './harness.js';

const PSQL = '/usr/lib/postgresql/15/bin/psql';

/** The other target's CA: right for one certificate, wrong for the other. */
function wrongCa(targets: Target[], t: Target): string {
  return targets.find((x) => x.name !== t.name)!.ca!;
}

function conninfo(t: Target, host: string, ssl: string): string {
  return `host=${host} port=${t.port} user=${t.user} dbname=${t.database} ${ssl}`;
}

describe('Postgres clients over TLS', () => {
  let db: PgServer;
  let audit: AuditGateway;
  beforeAll(async () => {
    db = await startPostgres({ tls: true });
    audit = await auditPostgres(db);
  });
  afterAll(async () => {
    await audit?.close();
    await db?.stop();
  });

  it('gives the gateway certificate and a CA to verify it with', () => {
    const [direct, through] = audit.targets;
    expect(direct!.ca).toBeDefined();
    expect(through!.ca).toBeDefined();
    expect(audit.gateway.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  for (const host of ['localhost', '127.0.0.1']) {
    it(`psql with sslmode=require and sslmode=verify-full (host=${host})`, async () => {
      const out = await onBoth(audit.targets, async (t) => {
        const lines: string[] = [];
        for (const ssl of ['sslmode=require', `sslmode=verify-full sslrootcert=${t.ca}`]) {
          const r = await run(
            PSQL,
            ['-X', '-At', '-d', conninfo(t, host, ssl)],
            'select 6 * 7;\n\\conninfo\n',
            {
              PGPASSWORD: t.password,
            },
          );
          lines.push(
            `${r.code} ${r.stdout.split('\n')[0]} ${/SSL connection \(protocol: (TLSv[\d.]+)/.exec(r.stdout)?.[1]}`,
          );
        }
        return lines;
      });
      expect(out.direct).toEqual(['0 42 TLSv1.3', '0 42 TLSv1.3']);
      expect(out.gateway).toEqual(out.direct);
    });

    it(`node-postgres with sslmode=verify-full&sslrootcert and with ssl required (host=${host})`, async () => {
      const out = await onBoth(audit.targets, async (t) => {
        const seen: unknown[] = [];
        const configs: pg.ClientConfig[] = [
          {
            connectionString: `postgres://${t.user}:${encodeURIComponent(t.password)}@${host}:${t.port}/${t.database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(t.ca!)}`,
          },
          {
            host,
            port: t.port,
            user: t.user,
            password: t.password,
            database: t.database,
            ssl: { rejectUnauthorized: false },
          },
        ];
        for (const config of configs) {
          const c = new pg.Client(config);
          await c.connect();
          try {
            const stream = (c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection
              .stream;
            seen.push({
              rows: (await c.query('select 6 * 7 as n')).rows,
              encrypted: stream.encrypted === true,
            });
          } finally {
            await c.end();
          }
        }
        return seen;
      });
      expect(out.direct).toEqual([
        { rows: [{ n: 42 }], encrypted: true },
        { rows: [{ n: 42 }], encrypted: true },
      ]);
      expect(out.gateway).toEqual(out.direct);
    });
  }

  it('psycopg2 with sslmode=verify-full', async () => {
    const script = [
      'import sys, psycopg2',
      'c = psycopg2.connect(sys.argv[1], password=sys.argv[2])',
      'cur = c.cursor(); cur.execute("select 6 * 7"); print(cur.fetchone()[0], c.info.ssl_in_use)',
    ].join('\n');
    const out = await onBoth(audit.targets, async (t) => {
      const r = await run(SYSTEM_PYTHON, [
        '-c',
        script,
        conninfo(t, 'localhost', `sslmode=verify-full sslrootcert=${t.ca}`),
        t.password,
      ]);
      return `${r.code} ${r.stdout.trim()}`;
    });
    expect(out.direct).toBe('0 42 True');
    expect(out.gateway).toBe(out.direct);
  });

  it('refuses verify-full against a wrong CA (psql and node-postgres)', async () => {
    const out = await onBoth(audit.targets, async (t) => {
      const ca = wrongCa(audit.targets, t);
      const r = await run(
        PSQL,
        ['-X', '-At', '-d', conninfo(t, 'localhost', `sslmode=verify-full sslrootcert=${ca}`)],
        'select 1;\n',
        {
          PGPASSWORD: t.password,
        },
      );
      const c = new pg.Client({
        host: 'localhost',
        port: t.port,
        user: t.user,
        password: t.password,
        database: t.database,
        ssl: { ca: readFileSync(ca, 'utf8'), rejectUnauthorized: true },
      });
      const err = await c.connect().then(
        () => 'connected',
        (e: Error) => e.message,
      );
      await c.end().catch(() => undefined);
      return { psql: r.code !== 0 && /certificate verify failed/.test(r.stderr), pg: err };
    });
    expect(out.direct).toEqual({
      psql: true,
      pg: expect.stringMatching(/self[- ]signed|unable to (verify|get)/),
    });
    expect(out.gateway.psql).toBe(true);
    expect(out.gateway.pg).toMatch(/self[- ]signed|unable to (verify|get)/);
  });
});

describe('MySQL clients over TLS', () => {
  let db: MariaDbServer;
  let audit: AuditGateway;
  beforeAll(async () => {
    db = await startMariaDb({ tls: true });
    audit = await auditMysql(db);
  });
  afterAll(async () => {
    await audit?.close();
    await db?.stop();
  });

  for (const host of ['localhost', '127.0.0.1']) {
    it(`mysql2 with ssl: { ca } and rejectUnauthorized (host=${host})`, async () => {
      const out = await onBoth(audit.targets, async (t) => {
        const c = await mysql.createConnection({
          host,
          port: t.port,
          user: t.user,
          password: t.password,
          database: t.database,
          ssl: { ca: readFileSync(t.ca!, 'utf8'), rejectUnauthorized: true },
        });
        try {
          const [rows] = await c.query('select 6 * 7 as n');
          const stream = (c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection
            .stream;
          return { rows, encrypted: stream.encrypted === true };
        } finally {
          await c.end();
        }
      });
      expect(out.direct).toEqual({ rows: [{ n: 42 }], encrypted: true });
      expect(out.gateway).toEqual(out.direct);
    });
  }

  it('the mariadb CLI with --ssl --ssl-ca --ssl-verify-server-cert', async () => {
    const out = await onBoth(audit.targets, async (t) => {
      const r = await mariadbCli({ ...t, host: 'localhost', database: t.database }, 'select 6 * 7 as n;\n', [
        '--protocol=tcp',
        '--ssl',
        `--ssl-ca=${t.ca}`,
        '--ssl-verify-server-cert',
      ]);
      return `${r.code} ${r.stdout.trim()}`;
    });
    expect(out.direct).toBe('0 n\n42');
    expect(out.gateway).toBe(out.direct);
  });

  it('refuses a wrong CA (mysql2 and the mariadb CLI)', async () => {
    const out = await onBoth(audit.targets, async (t) => {
      const ca = wrongCa(audit.targets, t);
      const cli = await mariadbCli({ ...t, host: 'localhost' }, 'select 1;\n', [
        '--protocol=tcp',
        '--ssl',
        `--ssl-ca=${ca}`,
        '--ssl-verify-server-cert',
      ]);
      const err = await mysql
        .createConnection({
          host: 'localhost',
          port: t.port,
          user: t.user,
          password: t.password,
          ssl: { ca: readFileSync(ca, 'utf8'), rejectUnauthorized: true },
        })
        .then(
          async (c) => {
            await c.end();
            return 'connected';
          },
          (e: Error) => e.message,
        );
      return { cli: cli.code !== 0, mysql2: err };
    });
    expect(out.direct.cli).toBe(true);
    expect(out.direct.mysql2).toMatch(/self[- ]signed|unable to (verify|get)/);
    expect(out.gateway.cli).toBe(true);
    expect(out.gateway.mysql2).toMatch(/self[- ]signed|unable to (verify|get)/);
  });
});
