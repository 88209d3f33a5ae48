// The contract between the action (main.ts/post.ts) and the gateway daemon (dist/daemon.js).
// main.ts writes a DaemonConfig to `<runDir>/config.json` and starts
// `node dist/daemon.js --config <runDir>/config.json` detached. The daemon, once it listens,
// writes a ReadyInfo to `readyPath` atomically (write `<readyPath>.tmp`, then rename). A daemon
// that cannot start writes its reason to stderr (daemon.log) and exits non-zero without writing
// readyPath. On SIGTERM to its process group it stops accepting, ends open sessions, records
// `gateway.stop`, closes the transcript (fsync) and exits 0.
// Types and a validator only: the action imports this module from the gateway, never the reverse.

import type { JobInfo } from '../approvals/types.js';
import type { Lease } from '../credentials/types.js';
import { GuardrailError } from '../errors/guardrail-error.js';
import type { Mode } from '../policy/types.js';
import type { Dialect } from '../sql/types.js';
import type { GatewayHandle } from './handle.js';

/** libpq's sslmode names; the MySQL gateway maps them to its ssl-mode. */
export const UPSTREAM_SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type UpstreamSslMode = (typeof UPSTREAM_SSL_MODES)[number];

/**
 * Node flags the daemon runs with, each for its resident memory (pgbench -S -c 8 through the
 * gateway, VmHWM; figures in BENCHMARKS.md):
 * - `--max-semi-space-size=2`: V8's young generation grows to 16 MiB semispaces under a proxied
 *   load, ~40 MiB held for garbage that lives a round trip; 2 MiB costs no measurable CPU per
 *   round trip (bench/hotpath-loop.ts with 1, 2 and 8: 1 costs ~10 %, 2 and 8 match the default).
 * - `--liftoff-only`: libpg-query's wasm stays on V8's baseline compiler. Its first statements
 *   made V8 recompile the parser's two largest functions (81 and 102 KB of wasm) with TurboFan,
 *   ~27 MiB of compiler memory apiece, at once, and the process kept most of it: +35–45 MiB of
 *   peak RSS for no gain in analysis, which the JavaScript around the parser dominates (cold
 *   short statement 61–65 µs with the flag, 64–72 without; cold join 3–5 % slower; `npm run
 *   bench -- analysis` runs in a process with these flags).
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=2', '--liftoff-only'] as const;

/**
 * Environment the daemon runs with, beside the job's. glibc gives each thread that allocates its
 * own malloc arena and keeps what is freed there; V8's compiler and collector threads left ~15 MiB
 * in theirs. One arena serves the daemon's threads, which seldom allocate at once.
 */
export const DAEMON_ENV = { MALLOC_ARENA_MAX: '1' } as const;

/** Fixed names inside the run directory (a private 0700 directory under RUNNER_TEMP). */
export const RUN_FILES = {
  config: 'config.json',
  ready: 'ready.json',
  log: 'daemon.log',
  transcript: 'transcript.jsonl',
  html: 'transcript.html',
  /** The certificate clients verify the gateway's TLS with (sslrootcert, --ssl-ca). */
  caCert: 'gateway-ca.pem',
} as const;

export interface DaemonConfig {
  version: 1;
  dialect: Dialect;
  mode: Mode;
  /**
   * Where the job's clients connect. Loopback; port 0 lets the daemon pick a free port.
   * `maxClients`: client connections served at once (the `max-connections` input).
   */
  listen: { host: string; port: number; maxClients?: number };
  /** The real database, as the `upstream` input named it, and how to use TLS to it. */
  upstream: { host: string; port: number; database: string; sslmode?: UpstreamSslMode };
  /** Upstream credentials acquired by main.ts; secret, which is why the file is 0600. */
  lease: Lease;
  /** Absolute path of the policy file; null means the built-in default policy. */
  policyPath: string | null;
  /** Overrides the policy's approval timeout (the `approval-timeout` input), in ms. */
  approvalTimeoutMs?: number;
  /** For the GitHub approval channel; absent: review verdicts are refused (fail closed). */
  githubToken?: string;
  /** Statement hashes approved before the migration started (batch approval). */
  preapproved: string[];
  job: JobInfo;
  /** Absolute paths, inside the run directory. */
  transcriptPath: string;
  readyPath: string;
}

/** What the daemon writes to readyPath once it accepts connections. */
export interface ReadyInfo
  extends Pick<GatewayHandle, 'url' | 'host' | 'port' | 'user' | 'password' | 'database'> {
  /** The daemon's own pid: a stale file from another process is never taken for readiness. */
  pid: number;
  /** Loopback HTTP control endpoint, when the daemon has one. */
  controlPort?: number;
  /** Path of the CA certificate clients verify the gateway's TLS with, when it offers TLS. */
  caCert?: string;
}

function isPort(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536;
}

/** Checks a parsed ready.json; the message names the first bad field, never a value. */
export function parseReady(value: unknown): ReadyInfo {
  const r = value as Record<string, unknown>;
  if (typeof r !== 'object' || r === null)
    throw new GuardrailError('ready file is not a JSON object', { code: 'ERR_DAEMON_CONTRACT' });
  if (!Number.isInteger(r.pid) || (r.pid as number) <= 0)
    throw new GuardrailError('ready file: pid is missing', { code: 'ERR_DAEMON_CONTRACT' });
  for (const key of ['url', 'host', 'user', 'password', 'database'] as const) {
    if (typeof r[key] !== 'string' || r[key] === '')
      throw new GuardrailError(`ready file: ${key} is missing`, { code: 'ERR_DAEMON_CONTRACT' });
  }
  if (!isPort(r.port))
    throw new GuardrailError('ready file: port is not a TCP port', { code: 'ERR_DAEMON_CONTRACT' });
  if (r.controlPort !== undefined && !isPort(r.controlPort)) {
    throw new GuardrailError('ready file: controlPort is not a TCP port', { code: 'ERR_DAEMON_CONTRACT' });
  }
  if (r.caCert !== undefined && (typeof r.caCert !== 'string' || r.caCert === ''))
    throw new GuardrailError('ready file: caCert is not a path', { code: 'ERR_DAEMON_CONTRACT' });
  return {
    pid: r.pid as number,
    url: r.url as string,
    host: r.host as string,
    port: r.port as number,
    user: r.user as string,
    password: r.password as string,
    database: r.database as string,
    ...(r.controlPort !== undefined ? { controlPort: r.controlPort as number } : {}),
    ...(r.caCert !== undefined ? { caCert: r.caCert as string } : {}),
  };
}
