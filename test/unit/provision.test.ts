// The provisioning that `npm test` (pretest), `npm run bench` and .ci/run share. Tools are hidden
// by giving the probes a PATH of stub executables in a temp directory and a Python that does not
// read its site packages (-S); nothing on the machine is installed or removed.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BENCH_NEEDS,
  type Host,
  missing,
  type Need,
  type ProbeEnv,
  packagesOf,
  provision,
  SYSTEM_PYTHON,
  systemProbeEnv,
  TEST_NEEDS,
} from '../../scripts/provision.js';

function stub(dir: string, name: string, exitCode = 0): void {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\nexit ${exitCode}\n`);
  chmodSync(file, 0o755);
}

/** A machine with every command of TEST_NEEDS except `hide`, and no Python site packages. */
function fakeMachine(hide: string[]): ProbeEnv {
  const base = mkdtempSync(join(tmpdir(), 'guardrail-provision-'));
  const bin = join(base, 'bin');
  mkdirSync(bin);
  for (const n of TEST_NEEDS)
    if ('command' in n.probe && !hide.includes(n.probe.command)) stub(bin, n.probe.command);
  mkdirSync(join(base, 'usr/lib/postgresql/15/bin'), { recursive: true });
  writeFileSync(join(base, 'usr/lib/postgresql/15/bin/postgres'), '');
  return { path: bin, python: [SYSTEM_PYTHON, '-S'], root: base };
}

function recordingHost(canInstall: boolean, install?: (args: string[]) => void) {
  const log: string[] = [];
  const calls: string[][] = [];
  const host: Host = {
    canInstall,
    run(file, args) {
      calls.push([file, ...args]);
      install?.(args);
      return { status: 0, output: '' };
    },
    log: (line) => log.push(line),
  };
  return { host, log, calls };
}

describe('the needs of the tests', () => {
  it('are all met on this machine, checked the way the tests use them', () => {
    expect(missing(TEST_NEEDS, systemProbeEnv()).map((n) => n.pkg)).toEqual([]);
  });

  it('name the packages the tests need, and the benchmark tools only with --bench', () => {
    expect(packagesOf(TEST_NEEDS).sort()).toEqual(
      [
        'chromium',
        'mariadb-client',
        'mariadb-server',
        'openssl',
        'postgresql',
        'postgresql-client',
        'python3-cryptography',
        'python3-psycopg2',
        'python3-pymysql',
        'util-linux',
      ].sort(),
    );
    expect(packagesOf(BENCH_NEEDS)).toEqual(['pgbouncer', 'sysbench', 'haproxy']);
    const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
    expect(scripts.pretest).toBe('node scripts/run-ts.mjs scripts/provision.ts');
    expect(scripts.bench).toMatch(/^node scripts\/run-ts\.mjs scripts\/provision\.ts --bench && /);
    // One list: .ci/run calls the script and names no package itself.
    const ci = readFileSync('.ci/run', 'utf8');
    expect(ci).toContain('node scripts/run-ts.mjs scripts/provision.ts');
    expect(ci).not.toMatch(/apt-get|python3-|chromium/);
  });

  it('count a tool hidden from PATH and modules hidden from sys.path as missing', () => {
    const env = fakeMachine(['chromium', 'pgbench']);
    expect(packagesOf(missing(TEST_NEEDS, env))).toEqual([
      'postgresql-client',
      'python3-psycopg2',
      'python3-pymysql',
      'python3-cryptography',
      'chromium',
    ]);
    // A command that is there but fails (a wrapper without its binary) is missing too, and so is
    // a file that is looked up only (mariadb-install-db) when it is not executable.
    stub(env.path, 'openssl', 1);
    chmodSync(join(env.path, 'mariadb-install-db'), 0o644);
    expect(packagesOf(missing(TEST_NEEDS, { ...env, python: [SYSTEM_PYTHON] }))).toEqual([
      'postgresql-client',
      'mariadb-server',
      'chromium',
      'openssl',
    ]);
  });

  it('count a missing server directory as missing', () => {
    const env = fakeMachine([]);
    expect(missing(TEST_NEEDS, { ...env, python: [SYSTEM_PYTHON] })).toEqual([]);
    const empty = mkdtempSync(join(tmpdir(), 'guardrail-provision-root-'));
    expect(missing(TEST_NEEDS, { ...env, python: [SYSTEM_PYTHON], root: empty }).map((n) => n.pkg)).toEqual([
      'postgresql',
    ]);
  });
});

describe('provision', () => {
  it('runs nothing when everything is there', () => {
    const env = { ...fakeMachine([]), python: [SYSTEM_PYTHON] };
    const { host, log, calls } = recordingHost(true);
    expect(provision(TEST_NEEDS, env, host, 'npm test')).toBe(true);
    expect(calls).toEqual([]);
    expect(log).toEqual([]);
  });

  it('where it cannot install, stops and prints the one command that installs what is missing', () => {
    const env = fakeMachine(['chromium']);
    const { host, log, calls } = recordingHost(false);
    expect(provision(TEST_NEEDS, env, host, 'npm test')).toBe(false);
    expect(calls).toEqual([]);
    const text = log.join('\n');
    expect(text).toContain('npm test needs Debian packages that are not installed:');
    expect(text).toMatch(/chromium +chromium: headless rendering/);
    expect(text).toMatch(/python3-psycopg2 +import psycopg2: psycopg2 for \/usr\/bin\/python3/);
    expect(log.filter((l) => l.includes('apt-get install'))).toEqual([
      '  sudo apt-get update && sudo apt-get install -y --no-install-recommends python3-psycopg2 python3-pymysql python3-cryptography chromium',
    ]);
  });

  it('as root with apt-get, updates once, installs the missing packages, prints them and checks again', () => {
    const env = fakeMachine(['chromium', 'pgbench']);
    const { host, log, calls } = recordingHost(true, (args) => {
      if (args[0] !== 'install') return;
      // What apt-get would do: the commands appear and the modules become importable.
      if (args.includes('chromium')) stub(env.path, 'chromium');
      if (args.includes('postgresql-client')) stub(env.path, 'pgbench');
      if (args.includes('python3-psycopg2')) env.python = [SYSTEM_PYTHON];
    });
    expect(provision(TEST_NEEDS, env, host, 'npm test')).toBe(true);
    const packages = [
      'postgresql-client',
      'python3-psycopg2',
      'python3-pymysql',
      'python3-cryptography',
      'chromium',
    ];
    expect(calls).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages],
    ]);
    expect(log[0]).toBe(`npm test: installing ${packages.join(' ')}`);
    expect(log.at(-1)).toBe(`npm test: installed ${packages.join(' ')}`);
  });

  it('says so when a server binary is installed but its directory is not on PATH', () => {
    const env = { ...fakeMachine(['mariadbd']), python: [SYSTEM_PYTHON] };
    mkdirSync(join(env.root, 'usr/sbin'), { recursive: true });
    stub(join(env.root, 'usr/sbin'), 'mariadbd');
    const { host, log, calls } = recordingHost(true);
    expect(provision(TEST_NEEDS, env, host, 'npm test')).toBe(false);
    expect(calls).toEqual([]);
    expect(log).toEqual([
      'npm test: mariadbd is in /usr/sbin, which is not on PATH',
      'Nothing was run. Add it to PATH, then run it again:\n  export PATH="$PATH:/usr/sbin"',
    ]);
  });

  it('fails when apt-get fails or the install did not provide the tool', () => {
    const env = fakeMachine(['chromium']);
    const lines: string[] = [];
    const failing: Host = {
      canInstall: true,
      run: () => ({ status: 100, output: 'E: Unable to locate package chromium' }),
      log: (l) => lines.push(l),
    };
    expect(provision(TEST_NEEDS, { ...env, python: [SYSTEM_PYTHON] }, failing, 'npm test')).toBe(false);
    expect(lines.join('\n')).toContain(
      'apt-get update -qq failed (exit 100):\nE: Unable to locate package chromium',
    );

    const { host, log } = recordingHost(true);
    const needs: Need[] = TEST_NEEDS.filter((n) => n.pkg === 'chromium');
    expect(provision(needs, env, host, 'npm test')).toBe(false);
    expect(log).toContain('npm test: still missing after the install:');
  });
});
