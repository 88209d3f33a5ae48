// TLS and authentication paths of the MySQL gateway: TLS to the database with each ssl-mode,
// TLS from clients with the gateway's certificate, caching_sha2_password's full exchange
// (cleartext over TLS, RSA key exchange), the gateway as the upstream of another gateway (its
// own caching_sha2 client side), and MariaDB's ed25519.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli, mysqlContext, run, SYSTEM_PYTHON } from '../support/mysql-clients.js';
import { makeTestCa } from '../support/tls.js';

const recorder = new MemoryRecorder();
const ctx = () => mysqlContext(recorder);
const dir = mkdtempSync(join(tmpdir(), 'guardrail-mysql-tls-'));

function certFile(gw: MysqlGateway): string {
  const f = join(dir, `gw-${gw.port}.pem`);
  writeFileSync(f, gw.certificate ?? '');
  return f;
}

async function one(gw: MysqlGateway, sql: string, extra: mysql.ConnectionOptions = {}): Promise<unknown> {
  const c = await mysql.createConnection({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    ...extra,
  });
  try {
    return (await c.query(sql))[0];
  } finally {
    await c.end();
  }
}

describe('TLS to the database', () => {
  let db: MariaDbServer;
  beforeAll(async () => {
    db = await startMariaDb({ tls: true });
  });
  afterAll(() => db?.stop());

  for (const mode of ['prefer', 'require', 'verify-ca', 'verify-full']) {
    it(`connects with ssl-mode=${mode} and the session is encrypted`, async () => {
      const gw = await startMysqlGateway({
        upstream: `${db.url()}?ssl-mode=${mode}&ssl-ca=${encodeURIComponent(db.ca!.caFile)}`,
        context: await ctx(),
      });
      try {
        const rows = (await one(gw, "SHOW SESSION STATUS LIKE 'Ssl_version'")) as { Value: string }[];
        expect(rows[0]!.Value).toMatch(/^TLSv1\.[23]$/);
      } finally {
        await gw.close();
      }
    });
  }

  it('fails to start without TLS when the account requires it', async () => {
    await expect(
      startMysqlGateway({ upstream: `${db.url()}?ssl-mode=disable`, context: await ctx() }),
    ).rejects.toThrow(/Access denied/);
  });

  it('refuses a server certificate from another CA with verify-ca', async () => {
    const other = makeTestCa();
    await expect(
      startMysqlGateway({
        upstream: `${db.url()}?ssl-mode=verify-ca&ssl-ca=${encodeURIComponent(other.caFile)}`,
        context: await ctx(),
      }),
    ).rejects.toThrow(/TLS to the database failed/);
  });

  it('requires ssl-ca for the verifying modes', async () => {
    await expect(
      startMysqlGateway({ upstream: `${db.url()}?ssl-mode=verify-full`, context: await ctx() }),
    ).rejects.toThrow(/needs ssl-ca/);
  });
});

describe('clients over TLS and caching_sha2_password', () => {
  let db: MariaDbServer;
  let full: MysqlGateway;
  beforeAll(async () => {
    db = await startMariaDb();
    full = await startMysqlGateway({
      upstream: `${db.url()}?ssl-mode=disable`,
      context: await ctx(),
      sha2FullAuth: true,
    });
  });
  afterAll(async () => {
    await full?.close();
    await db?.stop();
  });

  it('offers TLS with a certificate the mariadb CLI verifies', async () => {
    const out = await mariadbCli(
      { host: full.host, port: full.port, user: full.user, password: full.password },
      'status',
      ['--ssl', `--ssl-ca=${certFile(full)}`, '--ssl-verify-server-cert'],
    );
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/SSL:\s+Cipher in use is \S+/);
  });

  it('takes the password over TLS in the full exchange (mysql2)', async () => {
    expect(await one(full, 'SELECT 1 AS one', { ssl: { ca: full.certificate } })).toEqual([{ one: 1 }]);
    await expect(
      one(full, 'SELECT 1', { ssl: { ca: full.certificate }, password: 'wrong' }),
    ).rejects.toMatchObject({
      errno: 1045,
    });
  });

  it('sends its RSA key and decrypts the password without TLS (mysql2, PyMySQL)', async () => {
    expect(await one(full, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
    await expect(one(full, 'SELECT 1', { password: 'wrong' })).rejects.toMatchObject({ errno: 1045 });
    const py = await run(SYSTEM_PYTHON, [
      '-c',
      `import sys, pymysql
c = pymysql.connect(host=sys.argv[1], port=int(sys.argv[2]), user=sys.argv[3], password=sys.argv[4])
cur = c.cursor(); cur.execute('SELECT 3'); print(cur.fetchone()[0])`,
      full.host,
      String(full.port),
      full.user,
      full.password,
    ]);
    expect(py).toMatchObject({ code: 0, stdout: '3\n' });
  });
});

describe('the gateway as a caching_sha2_password upstream (gateway → gateway → MariaDB)', () => {
  let db: MariaDbServer;
  let inner: MysqlGateway;
  let innerFast: MysqlGateway;
  beforeAll(async () => {
    db = await startMariaDb();
    await db.admin('CREATE TABLE app.t (id INT); INSERT INTO app.t VALUES (1)');
    inner = await startMysqlGateway({
      upstream: `${db.url()}?ssl-mode=disable`,
      context: await ctx(),
      sha2FullAuth: true,
    });
    innerFast = await startMysqlGateway({ upstream: `${db.url()}?ssl-mode=disable`, context: await ctx() });
  });
  afterAll(async () => {
    await inner?.close();
    await innerFast?.close();
    await db?.stop();
  });

  const cases = () => [
    ['fast path', `${innerFast.url}?ssl-mode=disable`],
    ['full path with RSA key request', `${inner.url}?ssl-mode=disable`],
    [
      'full path over verified TLS',
      `${inner.url}?ssl-mode=verify-full&ssl-ca=${encodeURIComponent(certFile(inner))}`,
    ],
  ];

  for (const i of [0, 1, 2]) {
    it(`logs in and relays (case ${i})`, async () => {
      const [name, url] = cases()[i]!;
      const outer = await startMysqlGateway({ upstream: url!, context: await ctx(), tls: false });
      try {
        expect(await one(outer, 'SELECT COUNT(*) AS n FROM app.t')).toEqual([{ n: 1 }]);
        await expect(one(outer, 'DROP TABLE app.t')).rejects.toMatchObject({ errno: 1142 });
      } finally {
        await outer.close();
      }
      expect(name).toBeTruthy();
    });
  }

  it('checks the host name with verify-full but not with verify-ca', async () => {
    const key = join(dir, 'other.key');
    const cert = join(dir, 'other.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=other.example',
        '-addext',
        'subjectAltName=DNS:other.example',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'pipe' },
    );
    const named = await startMysqlGateway({
      upstream: `${db.url()}?ssl-mode=disable`,
      context: await ctx(),
      tls: { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') },
    });
    try {
      const base = `${named.url}?ssl-ca=${encodeURIComponent(cert)}`;
      await expect(
        startMysqlGateway({ upstream: `${base}&ssl-mode=verify-full`, context: await ctx(), tls: false }),
      ).rejects.toThrow(/TLS to the database failed: Hostname\/IP does not match .*127\.0\.0\.1/);
      const outer = await startMysqlGateway({
        upstream: `${base}&ssl-mode=verify-ca`,
        context: await ctx(),
        tls: false,
      });
      expect(await one(outer, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await outer.close();
    } finally {
      await named.close();
    }
  });

  it('fails to start with a wrong upstream password', async () => {
    const bad = inner.url.replace(`:${encodeURIComponent(inner.password)}@`, ':wrong@');
    await expect(
      startMysqlGateway({ upstream: `${bad}?ssl-mode=disable`, context: await ctx() }),
    ).rejects.toThrow(/Access denied/);
  });
});

describe('MariaDB ed25519 upstream', () => {
  let db: MariaDbServer;
  beforeAll(async () => {
    db = await startMariaDb({ plugin: 'ed25519' });
  });
  afterAll(() => db?.stop());

  it('logs in with client_ed25519', async () => {
    const gw = await startMysqlGateway({
      upstream: `${db.url()}?ssl-mode=disable`,
      context: await ctx(),
      tls: false,
    });
    try {
      expect(await one(gw, 'SELECT CURRENT_USER() AS u')).toEqual([{ u: 'app@%' }]);
      const rows = (
        await db.admin<{ plugin: string }[]>("SELECT plugin FROM mysql.user WHERE User = 'app'")
      )[0];
      expect(rows?.plugin).toBe('ed25519');
    } finally {
      await gw.close();
    }
  });

  it('is refused with a wrong password', async () => {
    const url = db.url().replace(`:${encodeURIComponent(db.password)}@`, ':wrong-password@');
    await expect(
      startMysqlGateway({ upstream: `${url}?ssl-mode=disable`, context: await ctx(), tls: false }),
    ).rejects.toThrow(/Access denied/);
  });
});
