// Starts the gateway daemon so that it outlives the main step, and stops it from the post step.
// The daemon is its own process group leader (detached), so post can signal the group, and it
// keeps RUNNER_TRACKING_ID in its environment, so the runner's orphan cleanup still ends it if the
// post step never runs.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GuardrailError } from '../errors/guardrail-error.js';
import {
  DAEMON_ENV,
  DAEMON_NODE_FLAGS,
  type DaemonConfig,
  parseReady,
  type ReadyInfo,
  RUN_FILES,
} from '../gateway/daemon-contract.js';

export interface LaunchOptions {
  /** The daemon entry point, e.g. dist/daemon.js next to dist/main.js. */
  script: string;
  /** Where the daemon's stdout and stderr go; default daemon.log beside the config. */
  logPath?: string;
  /** How long to wait for ready.json; default 30 s. */
  timeoutMs?: number;
  /** Default: this process's environment without INPUT_* (inputs reach the daemon via the config). */
  env?: NodeJS.ProcessEnv;
  nodePath?: string;
  /** Called right after spawning, before readiness: main.ts saves the pid in state here. */
  onSpawn?: (pid: number) => void;
}

export interface Launched {
  pid: number;
  ready: ReadyInfo;
}

/** A private directory under RUNNER_TEMP for one gateway run. */
export function makeRunDir(parent: string): string {
  // mkdtemp creates the directory 0700: the config and ready files inside hold secrets.
  return mkdtempSync(join(parent, 'guardrail-'));
}

/** Writes config.json (0600) into the run directory and returns its path. */
export function writeDaemonConfig(runDir: string, config: DaemonConfig): string {
  const path = join(runDir, RUN_FILES.config);
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

/** Paths the daemon of `runDir` uses, with the contract's fixed names. */
export function runPaths(runDir: string): Record<keyof typeof RUN_FILES, string> {
  return Object.fromEntries(Object.entries(RUN_FILES).map(([k, f]) => [k, join(runDir, f)])) as Record<
    keyof typeof RUN_FILES,
    string
  >;
}

function tail(path: string, bytes = 4096): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > bytes ? `…${text.slice(-bytes)}` : text;
  } catch {
    return '';
  }
}

function withoutInputs(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('INPUT_')));
}

/** True while `pid` exists and is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all there is
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Starts `node DAEMON_NODE_FLAGS <script> --config <configPath>` detached and waits until the daemon has written
 * the ready file named in the config. If the daemon exits first, or the wait times out, the
 * error carries the end of its log and nothing is left running.
 */
export async function launchDaemon(configPath: string, opts: LaunchOptions): Promise<Launched> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as DaemonConfig;
  const readyPath = config.readyPath;
  const logPath = opts.logPath ?? join(dirname(configPath), RUN_FILES.log);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // A ready file left by an earlier run must not pass for this daemon's.
  rmSync(readyPath, { force: true });

  const logFd = openSync(logPath, 'a', 0o600);
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(
      opts.nodePath ?? process.execPath,
      [...DAEMON_NODE_FLAGS, opts.script, '--config', configPath],
      {
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: { ...(opts.env ?? withoutInputs(process.env)), ...DAEMON_ENV },
      },
    );
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new GuardrailError(`cannot start the gateway daemon: ${error.message}`, {
      code: 'ERR_DAEMON_PROCESS',
    });
  }
  child.unref();
  opts.onSpawn?.(pid);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(readyPath)) {
      let ready: ReadyInfo;
      try {
        ready = parseReady(JSON.parse(readFileSync(readyPath, 'utf8')));
      } catch (err) {
        signalGroup(pid, 'SIGKILL');
        throw new GuardrailError(
          `the gateway daemon wrote an unusable ready file: ${(err as Error).message}`,
          { code: 'ERR_DAEMON_CONTRACT', cause: err },
        );
      }
      if (ready.pid !== pid) {
        signalGroup(pid, 'SIGKILL');
        throw new GuardrailError(
          `ready file belongs to pid ${ready.pid}, not to the daemon just started (${pid})`,
          { code: 'ERR_DAEMON_CONTRACT' },
        );
      }
      return { pid, ready };
    }
    if (exited) {
      const how = exited.signal ? `signal ${exited.signal}` : `code ${exited.code}`;
      throw new GuardrailError(
        `the gateway daemon exited with ${how} before it was ready:\n${tail(logPath)}`,
        { code: 'ERR_DAEMON_PROCESS' },
      );
    }
    await sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
  throw new GuardrailError(`the gateway daemon was not ready after ${timeoutMs} ms:\n${tail(logPath)}`, {
    code: 'ERR_DAEMON_PROCESS',
  });
}

export interface Stopped {
  /** False when the daemon was already gone. */
  wasRunning: boolean;
  /** True when it ignored SIGTERM for timeoutMs and was killed. */
  forced: boolean;
}

/**
 * Sends SIGTERM to the daemon's process group and waits until the daemon has exited, so its
 * transcript is closed before post reads it. After `timeoutMs` the group gets SIGKILL.
 */
export async function stopDaemon(pid: number, timeoutMs = 10_000): Promise<Stopped> {
  // kill(-1) would signal every process we may signal, kill(-0) our own group.
  if (!Number.isInteger(pid) || pid <= 1)
    throw new GuardrailError(`refusing to signal pid ${pid}`, { code: 'ERR_DAEMON_PROCESS' });
  if (!isRunning(pid)) return { wasRunning: false, forced: false };
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return { wasRunning: true, forced: false };
    await sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    if (!isRunning(pid)) return { wasRunning: true, forced: true };
    await sleep(20);
  }
  throw new GuardrailError(`the gateway daemon (pid ${pid}) survived SIGKILL`, {
    code: 'ERR_DAEMON_PROCESS',
  });
}
