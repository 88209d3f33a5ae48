// Throwaway MariaDB servers for tests: the system's mariadbd on a free port with its own data
// directory, a password-protected TCP user, and optionally TLS required for that user.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';
import { makeTestCa, type TestCa } from './tls.js';

export interface MariaDbOptions {
  /** Require TLS for the test user (a CA is generated). */
  tls?: boolean;
  /** Authentication plugin of the test user (default mysql_native_password). */
  plugin?: 'mysql_native_password' | 'ed25519';
}

export interface MariaDbServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  socket: string;
  ca?: TestCa;
  url(): string;
  /** A mysql2 connection as the test user. */
  connect(opts?: Partial<mysql.ConnectionOptions>): Promise<mysql.Connection>;
  /** Runs SQL as root over the Unix socket (no password, no TLS). */
  admin<T = unknown>(sql: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

function mysqlAccount(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const u = spawnSync('id', ['-u', 'mysql'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'mysql'], { encoding: 'utf8' });
  if (u.status !== 0)
    throw new Error('running as root but there is no mysql account (install mariadb-server)');
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()), name: 'mysql' };
}

export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  const account = mysqlAccount();
  const root = mkdtempSync(join(tmpdir(), 'guardrail-maria-'));
  chmodSync(root, 0o777);
  const dataDir = join(root, 'data');
  // Its own temporary directory: servers bootstrapped at once in one TMPDIR were seen to trip
  // over each other's temporary tables.
  const tmpDir = join(root, 'tmp');
  mkdirSync(dataDir);
  mkdirSync(tmpDir);
  if (account) for (const d of [dataDir, tmpDir]) chownSync(d, account.uid, account.gid);
  const socket = join(root, 'mysqld.sock');
  const userOpt = account ? [`--user=${account.name}`] : [];

  const install = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--tmpdir=${tmpDir}`,
      ...userOpt,
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);

  let ca: TestCa | undefined;
  const tlsArgs: string[] = [];
  if (opts.tls) {
    ca = makeTestCa();
    const key = join(root, 'server.key');
    copyFileSync(ca.keyFile, key);
    if (account) chownSync(key, account.uid, account.gid);
    tlsArgs.push(`--ssl-ca=${ca.caFile}`, `--ssl-cert=${ca.certFile}`, `--ssl-key=${key}`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--tmpdir=${tmpDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      `--pid-file=${join(root, 'mysqld.pid')}`,
      '--innodb-buffer-pool-size=64M',
      '--innodb-log-file-size=16M',
      '--innodb-flush-log-at-trx-commit=0',
      '--max-connections=300',
      '--skip-log-bin',
      ...userOpt,
      ...tlsArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const admin = async <T>(sql: string, params?: unknown[]): Promise<T> => {
    const c = await mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: true });
    try {
      const [rows] = await c.query(sql, params);
      return rows as T;
    } finally {
      await c.end();
    }
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited during start-up: ${log}`);
    try {
      await admin('SELECT 1');
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mariadbd did not accept connections within 30 s: ${(err as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const ident =
    opts.plugin === 'ed25519'
      ? `IDENTIFIED VIA ed25519 USING PASSWORD('${password}')`
      : `IDENTIFIED BY '${password}'`;
  if (opts.plugin === 'ed25519') await admin(`INSTALL SONAME 'auth_ed25519'`);
  await admin(
    `CREATE DATABASE app; CREATE USER 'app'@'%' ${ident} ${opts.tls ? 'REQUIRE SSL' : ''};
     GRANT ALL PRIVILEGES ON *.* TO 'app'@'%' WITH GRANT OPTION;`,
  );

  const server: MariaDbServer = {
    host: '127.0.0.1',
    port,
    user: 'app',
    password,
    database: 'app',
    socket,
    ...(ca ? { ca } : {}),
    url() {
      return `mysql://app:${encodeURIComponent(password)}@127.0.0.1:${port}/app`;
    },
    connect(extra = {}) {
      return mysql.createConnection({
        host: '127.0.0.1',
        port,
        user: 'app',
        password,
        database: 'app',
        ...(ca ? { ssl: { ca: readFileSync(ca.caFile, 'utf8') } } : {}),
        ...extra,
      });
    },
    admin,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
      if (ca) rmSync(ca.dir, { recursive: true, force: true });
    },
  };
  return server;
}
