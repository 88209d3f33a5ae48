// What the tests (and, with --bench, the benchmarks) need from the system, in one list.
// `npm test` runs this first (pretest), `npm run bench` runs it with --bench, and .ci/run calls
// it too. Each need is checked by using it (the command runs, the Python module imports), not by
// asking dpkg, so a tool hidden from PATH counts as missing. Missing Debian packages are
// installed when this runs as root on Debian; otherwise it stops before any test runs and prints
// the one command that installs them.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How a need is checked: a command that must run (or, without args, be an executable on PATH),
 * a module the system Python imports, a file.
 */
export type Probe = { command: string; args?: string[] } | { python: string } | { dir: string; file: string };

export interface Need {
  /** The Debian package that provides it. */
  pkg: string;
  /** What uses it, for the message when it is missing. */
  why: string;
  probe: Probe;
}

/** Tests use Debian's interpreter (python3 on PATH may be a pyenv shim without these modules). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export const TEST_NEEDS: Need[] = [
  {
    pkg: 'postgresql',
    why: 'the system PostgreSQL server the tests start (/usr/lib/postgresql/*/bin)',
    probe: { dir: '/usr/lib/postgresql', file: 'bin/postgres' },
  },
  { pkg: 'postgresql-client', why: 'psql and pgbench as real clients', probe: cmd('psql') },
  { pkg: 'postgresql-client', why: 'psql and pgbench as real clients', probe: cmd('pgbench') },
  { pkg: 'mariadb-server', why: 'the MariaDB server the tests start', probe: cmd('mariadbd') },
  // Its --version fails unless run as root, so it is only looked up.
  {
    pkg: 'mariadb-server',
    why: 'the MariaDB server the tests start',
    probe: { command: 'mariadb-install-db' },
  },
  { pkg: 'mariadb-client', why: 'the mariadb CLI as a real client', probe: cmd('mariadb') },
  { pkg: 'python3-psycopg2', why: `psycopg2 for ${SYSTEM_PYTHON}`, probe: { python: 'psycopg2' } },
  { pkg: 'python3-pymysql', why: `PyMySQL for ${SYSTEM_PYTHON}`, probe: { python: 'pymysql' } },
  {
    pkg: 'python3-cryptography',
    why: "PyMySQL's RSA password exchange without TLS (caching_sha2_password)",
    probe: { python: 'cryptography' },
  },
  { pkg: 'chromium', why: 'headless rendering of the HTML replay', probe: cmd('chromium') },
  { pkg: 'openssl', why: 'throwaway CAs and certificates for TLS tests', probe: cmd('openssl', 'version') },
  { pkg: 'util-linux', why: 'setsid, a process without a terminal', probe: cmd('setsid') },
];

export const BENCH_NEEDS: Need[] = [
  { pkg: 'pgbouncer', why: 'the pgbench baseline', probe: cmd('pgbouncer') },
  { pkg: 'sysbench', why: 'the MySQL benchmark', probe: cmd('sysbench') },
  { pkg: 'haproxy', why: 'the sysbench baseline', probe: cmd('haproxy', '-v') },
];

function cmd(command: string, ...args: string[]): Probe {
  return { command, args: args.length ? args : ['--version'] };
}

/** Where probes look: PATH, the Python interpreter (with its arguments) and a root for files. */
export interface ProbeEnv {
  path: string;
  python: string[];
  root: string;
}

export function systemProbeEnv(): ProbeEnv {
  return { path: process.env.PATH ?? '/usr/bin:/bin', python: [SYSTEM_PYTHON], root: '/' };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function present(probe: Probe, env: ProbeEnv): boolean {
  if ('dir' in probe) {
    const dir = join(env.root, probe.dir);
    return existsSync(dir) && readdirSync(dir).some((v) => existsSync(join(dir, v, probe.file)));
  }
  if ('command' in probe && !probe.args)
    return env.path.split(':').some((d) => d !== '' && isExecutable(join(d, probe.command)));
  const [file, ...args] =
    'python' in probe
      ? [...env.python, '-c', `import ${probe.python}`]
      : [probe.command, ...(probe.args ?? [])];
  const r = spawnSync(file!, args, {
    env: { ...process.env, PATH: env.path },
    stdio: 'ignore',
    timeout: 30_000,
  });
  return r.status === 0;
}

/** The needs that are not met, in list order. */
export function missing(needs: Need[], env: ProbeEnv): Need[] {
  return needs.filter((n) => !present(n.probe, env));
}

export function packagesOf(needs: Need[]): string[] {
  return [...new Set(needs.map((n) => n.pkg))];
}

export interface Host {
  /** Root on a system with apt-get: missing packages can be installed here and now. */
  canInstall: boolean;
  /** Runs a command; the output is kept for the error message. */
  run(file: string, args: string[]): { status: number | null; output: string };
  log(line: string): void;
}

export function systemHost(env: ProbeEnv): Host {
  const apt = spawnSync('apt-get', ['--version'], {
    env: { ...process.env, PATH: env.path },
    stdio: 'ignore',
  });
  return {
    canInstall: process.getuid?.() === 0 && apt.status === 0,
    run(file, args) {
      const r = spawnSync(file, args, {
        env: { ...process.env, PATH: env.path, DEBIAN_FRONTEND: 'noninteractive' },
        encoding: 'utf8',
      });
      return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}` };
    },
    log: (line) => console.error(line),
  };
}

function listNeeds(needs: Need[]): string[] {
  const width = Math.max(...needs.map((n) => n.pkg.length));
  return needs.map((n) => {
    const probe = n.probe;
    const what = 'python' in probe ? `import ${probe.python}` : 'dir' in probe ? probe.dir : probe.command;
    return `  ${n.pkg.padEnd(width)}  ${what}: ${n.why}`;
  });
}

/** Where Debian puts servers' binaries; a user's PATH often lacks them. */
const SBIN = ['/usr/sbin', '/sbin'];

/** The directory outside PATH that holds a missing command, when it is installed after all. */
function offPath(n: Need, env: ProbeEnv): string | undefined {
  const probe = n.probe;
  if (!('command' in probe)) return undefined;
  return SBIN.find((d) => existsSync(join(env.root, d, probe.command)));
}

/**
 * Meets the needs or says exactly what to do. Returns true when everything is there (after
 * installing what was missing, if this host can).
 */
export function provision(needs: Need[], env: ProbeEnv, host: Host, purpose: string): boolean {
  const absent = missing(needs, env);
  if (absent.length === 0) return true;
  const hidden = absent.flatMap((n) => {
    const dir = offPath(n, env);
    return dir ? [{ n, dir }] : [];
  });
  if (hidden.length > 0) {
    // Installed, but the tests start them by name: installing again would not help.
    for (const { n, dir } of hidden)
      host.log(
        `${purpose}: ${'command' in n.probe ? n.probe.command : n.pkg} is in ${dir}, which is not on PATH`,
      );
    const dirs = [...new Set(hidden.map((h) => h.dir))].join(':');
    host.log(`Nothing was run. Add it to PATH, then run it again:\n  export PATH="$PATH:${dirs}"`);
    return false;
  }
  const packages = packagesOf(absent);
  if (!host.canInstall) {
    host.log(`${purpose} needs Debian packages that are not installed:`);
    for (const line of listNeeds(absent)) host.log(line);
    host.log('Nothing was run. Install them (as root, or with sudo), then run it again:');
    host.log(
      `  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    );
    host.log('(On a system without apt-get, install the equivalent packages.)');
    return false;
  }
  host.log(`${purpose}: installing ${packages.join(' ')}`);
  for (const line of listNeeds(absent)) host.log(line);
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
  ]) {
    const r = host.run('apt-get', args);
    if (r.status !== 0) {
      host.log(`apt-get ${args.join(' ')} failed (exit ${r.status}):\n${r.output.trimEnd()}`);
      return false;
    }
  }
  const still = missing(absent, env);
  if (still.length > 0) {
    host.log(`${purpose}: still missing after the install:`);
    for (const line of listNeeds(still)) host.log(line);
    return false;
  }
  host.log(`${purpose}: installed ${packages.join(' ')}`);
  return true;
}

function main(argv: string[]): number {
  const bench = argv.includes('--bench');
  const unknown = argv.filter((a) => a !== '--bench');
  if (unknown.length) {
    console.error(`usage: provision [--bench] (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  const env = systemProbeEnv();
  const needs = bench ? [...TEST_NEEDS, ...BENCH_NEEDS] : TEST_NEEDS;
  return provision(needs, env, systemHost(env), bench ? 'npm run bench' : 'npm test') ? 0 : 1;
}

// Run as a script (scripts/run-ts.mjs bundles it first), not when a test imports it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = main(process.argv.slice(2));
