// What main.ts leaves for post.ts. Only non-secret values go into state: the secrets a post step
// needs (the lease to revoke) stay in the run directory's 0600 config file.
import * as core from '@actions/core';
import type { ProviderConfig } from '../credentials/provider.js';
import { GuardrailError } from '../errors/guardrail-error.js';

/** How post rebuilds the credential provider to revoke: everything but the static DSN (a secret). */
export type SavedProvider = Exclude<ProviderConfig, { kind: 'static' }> | { kind: 'static' };

export const STATE_KEYS = {
  /** The private run directory; saved before anything is started, so post can always clean up. */
  runDir: 'run-dir',
  /** Saved as soon as the daemon is spawned, before it is ready. */
  daemonPid: 'daemon-pid',
  /** 'true' once the daemon reported ready and outputs were published. */
  ready: 'ready',
  /** A SavedProvider as JSON; saved before credentials are acquired. */
  provider: 'credentials',
} as const;

export interface RunState {
  runDir?: string;
  daemonPid?: number;
  ready: boolean;
  provider?: SavedProvider;
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

export function saveProvider(provider: SavedProvider): void {
  core.saveState(STATE_KEYS.provider, JSON.stringify(provider));
}

function loadProvider(): SavedProvider | undefined {
  const text = core.getState(STATE_KEYS.provider);
  if (!text) return undefined;
  const parsed = JSON.parse(text) as SavedProvider;
  if (!['broker', 'vault', 'static'].includes(parsed.kind))
    throw new GuardrailError('saved credentials state is invalid', { code: 'ERR_ACTION_ENVIRONMENT' });
  return parsed;
}

/** Reads the state in post. A pid that is not a positive integer is ignored rather than signalled. */
export function loadRunState(): RunState {
  const dir = core.getState(STATE_KEYS.runDir);
  const pidText = core.getState(STATE_KEYS.daemonPid);
  const pid = /^\d+$/.test(pidText) ? Number(pidText) : undefined;
  const provider = loadProvider();
  return {
    ...(provider ? { provider } : {}),
    ...(dir ? { runDir: dir } : {}),
    ...(pid && pid > 1 ? { daemonPid: pid } : {}),
    ready: core.getState(STATE_KEYS.ready) === 'true',
  };
}
