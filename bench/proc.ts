import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../test/support/ports.js';

/** CPU seconds (user+system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Resident set size now and at its peak, in MiB. */
export function rssMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Starts a long-running process and resolves when its output (stdout or stderr: pgbouncer logs
 * to stderr) matches `ready`. Output after that is drained and dropped.
 */
export function startProcess(
  cmd: string,
  args: string[],
  ready: RegExp,
  opts: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let started = false;
    const onData = (d: Buffer) => {
      if (started) return;
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        started = true;
        resolve({ child, match: m });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${cmd} exited with ${code} before it was ready:\n${out}`)),
    );
    setTimeout(() => {
      if (started) return;
      child.kill('SIGKILL');
      reject(new Error(`${cmd} not ready after 30 s:\n${out}`));
    }, 30_000).unref();
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/**
 * read(2)/write(2)-family system calls a process has made so far (/proc/PID/io syscr, syscw).
 * Node's sockets use read/write/writev, so this counts a Node proxy's socket I/O; pgbouncer's
 * recv/send are not counted.
 */
export function ioSyscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const n = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(io)?.[1] ?? 0);
  return { reads: n('syscr'), writes: n('syscw') };
}

/**
 * Waits until these processes are idle (under 2 % of a core over half a second): a gateway
 * that just started goes on compiling libpg-query's WebAssembly in background threads for
 * seconds, which would be charged to whichever target is measured first.
 */
export async function settle(pids: number[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const before = pids.map(cpuSeconds);
    await new Promise((r) => setTimeout(r, 500));
    const busy = pids.some((pid, i) => cpuSeconds(pid) - before[i]! > 0.01);
    if (!busy) return;
    if (Date.now() > deadline)
      throw new Error(`processes ${pids.join(', ')} still busy after ${timeoutMs} ms`);
  }
}

/** bench/relay.ts (bundled to .cache/relay.mjs by bench/run.ts) in front of an upstream, on a free port. */
export async function startRelay(
  upHost: string,
  upPort: number,
): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const { child } = await startProcess(
    process.execPath,
    ['.cache/relay.mjs', String(port), upHost, String(upPort)],
    /ready/,
  );
  return { port, pid: child.pid!, stop: () => stopProcess(child) };
}
