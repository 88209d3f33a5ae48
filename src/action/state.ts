// What main.ts leaves for post.ts. Only non-secret values go into state: the secrets a post step
// needs (the lease to revoke) stay in the run directory's 0600 config file.
import * as core from '@actions/core';

export const STATE_KEYS = {
  /** The private run directory; saved before anything is started, so post can always clean up. */
  runDir: 'run-dir',
  /** Saved as soon as the daemon is spawned, before it is ready. */
  daemonPid: 'daemon-pid',
  /** 'true' once the daemon reported ready and outputs were published. */
  ready: 'ready',
} as const;

export interface RunState {
  runDir?: string;
  daemonPid?: number;
  ready: boolean;
}

export function saveRunDir(dir: string): void {
  core.saveState(STATE_KEYS.runDir, dir);
}

export function saveDaemonPid(pid: number): void {
  core.saveState(STATE_KEYS.daemonPid, String(pid));
}

export function saveReady(): void {
  core.saveState(STATE_KEYS.ready, 'true');
}

/** Reads the state in post. A pid that is not a positive integer is ignored rather than signalled. */
export function loadRunState(): RunState {
  const dir = core.getState(STATE_KEYS.runDir);
  const pidText = core.getState(STATE_KEYS.daemonPid);
  const pid = /^\d+$/.test(pidText) ? Number(pidText) : undefined;
  return {
    ...(dir ? { runDir: dir } : {}),
    ...(pid && pid > 1 ? { daemonPid: pid } : {}),
    ready: core.getState(STATE_KEYS.ready) === 'true',
  };
}
