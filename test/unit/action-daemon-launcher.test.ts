import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isRunning,
  launchDaemon,
  makeRunDir,
  runPaths,
  stopDaemon,
  writeDaemonConfig,
} from '../../src/action/daemon-launcher.js';
import type { DaemonConfig } from '../../src/gateway/daemon-contract.js';
import { reapTracked } from '../support/runner.js';

// A stand-in for dist/daemon.js that keeps the contract: listens, writes ready.json atomically,
// ends on SIGTERM after writing its transcript. DAEMON_BEHAVIOUR makes it break the contract.
const DAEMON = `
import { spawn } from 'node:child_process';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
const config = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(process.argv[3], 'utf8')));
const behaviour = process.env.DAEMON_BEHAVIOUR ?? 'ok';
console.log('daemon starting for ' + config.upstream.host);
if (behaviour === 'crash') {
  console.error('cannot reach upstream: connection refused');
  process.exit(3);
}
const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
const server = createServer((s) => s.end('hello\\n'));
server.listen(config.listen.port, config.listen.host, () => {
  if (behaviour === 'never-ready') return;
  const port = server.address().port;
  const ready = {
    pid: behaviour === 'wrong-pid' ? process.pid + 100000 : process.pid,
    url: 'postgres://gw:pw@127.0.0.1:' + port + '/app',
    host: '127.0.0.1', port, user: 'gw', password: 'pw', database: 'app',
    grandchild: grandchild.pid,
    env: { tracking: process.env.RUNNER_TRACKING_ID, inputs: Object.keys(process.env).filter((k) => k.startsWith('INPUT_')) },
  };
  writeFileSync(config.readyPath + '.tmp', JSON.stringify(ready), { mode: 0o600 });
  renameSync(config.readyPath + '.tmp', config.readyPath);
});
process.on('SIGTERM', () => {
  if (behaviour === 'ignore-term') return;
  server.close();
  appendFileSync(config.transcriptPath, '{"type":"gateway.stop"}\\n');
  process.exit(0);
});
`;

const started: number[] = [];

afterEach(async () => {
  for (const pid of started.splice(0)) await stopDaemon(pid, 2000).catch(() => undefined);
});

function setup(behaviour: string): {
  configPath: string;
  script: string;
  runDir: string;
  env: NodeJS.ProcessEnv;
} {
  const root = mkdtempSync(join(tmpdir(), 'guardrail-launch-'));
  const script = join(root, 'daemon.mjs');
  writeFileSync(script, DAEMON);
  const runDir = makeRunDir(root);
  const paths = runPaths(runDir);
  const config = {
    version: 1,
    dialect: 'postgres',
    mode: 'enforce',
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: 'db.internal', port: 5432, database: 'app' },
    policyPath: null,
    preapproved: [],
    transcriptPath: paths.transcript,
    readyPath: paths.ready,
  } as unknown as DaemonConfig;
  const env = {
    PATH: process.env.PATH,
    DAEMON_BEHAVIOUR: behaviour,
    RUNNER_TRACKING_ID: `github_test_${process.pid}_${behaviour}`,
    'INPUT_STATIC-DSN': 'postgres://u:secret@db/app',
  };
  return { configPath: writeDaemonConfig(runDir, config), script, runDir, env };
}

function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('launchDaemon / stopDaemon with a real detached process', () => {
  it('waits for ready.json, leaves a detached group leader running, and stops the whole group', async () => {
    const { configPath, script, runDir, env } = setup('ok');
    let spawned = 0;
    const { pid, ready } = await launchDaemon(configPath, {
      script,
      env: Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('INPUT_'))),
      onSpawn: (p) => (spawned = p),
    });
    started.push(pid);
    expect(spawned).toBe(pid);
    expect(ready).toMatchObject({ pid, host: '127.0.0.1', user: 'gw', database: 'app' });
    expect(processGroup(pid)).toBe(pid);
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    expect(statSync(configPath).mode & 0o777).toBe(0o600);

    const greeting = await new Promise<string>((resolve, reject) => {
      const s = connect(ready.port, ready.host);
      s.setEncoding('utf8').on('data', resolve).on('error', reject);
    });
    expect(greeting).toBe('hello\n');

    const raw = JSON.parse(readFileSync(runPaths(runDir).ready, 'utf8'));
    expect(raw.env.tracking).toBe(env.RUNNER_TRACKING_ID);
    expect(isRunning(raw.grandchild)).toBe(true);
    expect(readFileSync(runPaths(runDir).log, 'utf8')).toContain('daemon starting for db.internal');

    expect(await stopDaemon(pid, 10_000)).toEqual({ wasRunning: true, forced: false });
    expect(isRunning(pid)).toBe(false);
    expect(readFileSync(runPaths(runDir).transcript, 'utf8')).toBe('{"type":"gateway.stop"}\n');
    // SIGTERM went to the group: the daemon's own child is gone too.
    for (let i = 0; i < 100 && isRunning(raw.grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isRunning(raw.grandchild)).toBe(false);
    expect(await stopDaemon(pid)).toEqual({ wasRunning: false, forced: false });
  });

  it('does not pass INPUT_* variables to the daemon by default', async () => {
    const { configPath, script, runDir, env } = setup('ok');
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const { pid } = await launchDaemon(configPath, { script });
      started.push(pid);
    } finally {
      process.env = saved;
    }
    const raw = JSON.parse(readFileSync(runPaths(runDir).ready, 'utf8'));
    expect(raw.env.inputs).toEqual([]);
    expect(raw.env.tracking).toBe(env.RUNNER_TRACKING_ID);
  });

  it('reports a daemon that exits before it is ready, with its log, and ignores a stale ready file', async () => {
    const { configPath, script, runDir, env } = setup('crash');
    writeFileSync(
      runPaths(runDir).ready,
      JSON.stringify({
        pid: process.pid,
        url: 'x',
        host: 'h',
        port: 1,
        user: 'u',
        password: 'p',
        database: 'd',
      }),
    );
    await expect(launchDaemon(configPath, { script, env })).rejects.toThrow(
      /exited with code 3 before it was ready:[\s\S]*connection refused/,
    );
  });

  it('refuses a ready file written for another pid and kills the daemon', async () => {
    const { configPath, script, env } = setup('wrong-pid');
    let spawned = 0;
    await expect(launchDaemon(configPath, { script, env, onSpawn: (p) => (spawned = p) })).rejects.toThrow(
      /ready file belongs to pid/,
    );
    for (let i = 0; i < 100 && isRunning(spawned); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isRunning(spawned)).toBe(false);
  });

  it('gives up on a daemon that never becomes ready and leaves nothing running', async () => {
    const { configPath, script, env } = setup('never-ready');
    let spawned = 0;
    await expect(
      launchDaemon(configPath, { script, env, timeoutMs: 1000, onSpawn: (p) => (spawned = p) }),
    ).rejects.toThrow(/not ready after 1000 ms/);
    for (let i = 0; i < 100 && isRunning(spawned); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isRunning(spawned)).toBe(false);
  });

  it('kills a daemon that ignores SIGTERM once the timeout passes', async () => {
    const { configPath, script, env } = setup('ignore-term');
    const { pid } = await launchDaemon(configPath, { script, env });
    started.push(pid);
    expect(await stopDaemon(pid, 500)).toEqual({ wasRunning: true, forced: true });
    expect(isRunning(pid)).toBe(false);
  });

  it('is found by the runner orphan cleanup through RUNNER_TRACKING_ID when post never runs', async () => {
    const { configPath, script, env } = setup('ok');
    const { pid } = await launchDaemon(configPath, { script, env });
    started.push(pid);
    const killed = reapTracked(String(env.RUNNER_TRACKING_ID));
    expect(killed).toContain(pid);
    for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(isRunning(pid)).toBe(false);
  });
});
