import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../test/support/ports.js';
import { samplerArgs, samplerEnv } from './allocation.js';

/** User and system CPU seconds a process has used so far (/proc/PID/stat utime, stime). */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** CPU seconds (user+system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
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
  opts: { allocationProfile?: string } = {},
): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const { child } = await startProcess(
    process.execPath,
    [...samplerArgs(opts.allocationProfile), '.cache/relay.mjs', String(port), upHost, String(upPort)],
    /ready/,
    { env: { ...process.env, ...samplerEnv(opts.allocationProfile) } },
  );
  return { port, pid: child.pid!, stop: () => stopProcess(child) };
}

/**
 * What targets' processes use while a load runs against them, summed per key over the rounds:
 * CPU time against wall time and per unit of work (transactions, queries), user and system apart,
 * and for a Node process (`node`) its socket read+write system calls per unit.
 */
export class ProcessUsage {
  private readonly cpu = new Map<string, { user: number; system: number; wall: number; units: number }>();
  private readonly syscalls = new Map<string, { calls: number; units: number }>();

  /** Runs `load` and adds to `key` what `t`'s process used meanwhile; `units` counts the work done. */
  measure<R>(key: string, t: { pid?: number; node?: boolean }, load: () => R, units: (r: R) => number): R {
    const before = t.pid ? cpuTimes(t.pid) : undefined;
    const ioBefore = t.node ? ioSyscalls(t.pid!) : undefined;
    const t0 = process.hrtime.bigint();
    const result = load();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (before) {
      const after = cpuTimes(t.pid!);
      const c = this.cpu.get(key) ?? { user: 0, system: 0, wall: 0, units: 0 };
      this.cpu.set(key, {
        user: c.user + after.user - before.user,
        system: c.system + after.system - before.system,
        wall: c.wall + wall,
        units: c.units + units(result),
      });
    }
    if (ioBefore) {
      const io = ioSyscalls(t.pid!);
      const s = this.syscalls.get(key) ?? { calls: 0, units: 0 };
      this.syscalls.set(key, {
        calls: s.calls + io.reads - ioBefore.reads + io.writes - ioBefore.writes,
        units: s.units + units(result),
      });
    }
    return result;
  }

  /** `42 %` of one core, or — for a target without a process. */
  cpuShare(key: string): string {
    const c = this.cpu.get(key);
    return c ? `${(((c.user + c.system) / c.wall) * 100).toFixed(0)} %` : '—';
  }

  /**
   * CPU per unit of work as `user + system` µs (/proc's 10 ms ticks summed over the rounds), or —
   * for a target without a process: what each target's own code costs against what the kernel's
   * socket work costs.
   */
  cpuPerUnit(key: string): string {
    const c = this.cpu.get(key);
    if (!c || c.units === 0) return '—';
    const us = (seconds: number) => ((seconds / c.units) * 1e6).toFixed(1);
    return `${us(c.user)} + ${us(c.system)}`;
  }

  /** Socket system calls per unit of work, or — for a target that is not a Node process. */
  syscallsPerUnit(key: string): string {
    const io = this.syscalls.get(key);
    return io ? (io.calls / io.units).toFixed(1) : '—';
  }
}
