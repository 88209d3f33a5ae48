// The gateway daemon the action starts detached: `node dist/daemon.js --config <runDir>/config.json`.
// It outlives the main step, serves the job's clients until the post step sends SIGTERM, and keeps
// the daemon contract (daemon-contract.ts). Its stdout and stderr go to daemon.log, which post may
// show, so nothing it prints may carry a secret: messages are scrubbed of every secret it holds.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GitHubChannel } from '../approvals/github.js';
import { GuardrailError } from '../errors/guardrail-error.js';
import { defaultPolicy } from '../policy/index.js';
import type { Policy } from '../policy/types.js';
import { type ContextOptions, createGatewayContext } from './context.js';
import { type DaemonConfig, type ReadyInfo, RUN_FILES } from './daemon-contract.js';
import type { GatewayHandle } from './handle.js';
import { loadPolicy } from './policy-file.js';
import { openSideEarly } from './side-connection.js';
import { FileRecorder } from './transcript-file.js';

const VERSION = 'guardrail-daemon/1';

/** Everything this process knows that must not reach daemon.log. */
const secrets: string[] = [];

function scrub(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    out = out.split(s).join('***').split(encodeURIComponent(s)).join('***');
  }
  return out;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${scrub(message)}\n`);
}

function configPathFrom(argv: string[]): string {
  const i = argv.indexOf('--config');
  const path = i >= 0 ? argv[i + 1] : undefined;
  if (!path)
    throw new GuardrailError('usage: daemon.js --config <run dir>/config.json', {
      code: 'ERR_DAEMON_CONTRACT',
    });
  return path;
}

function readConfig(path: string): DaemonConfig {
  const config = JSON.parse(readFileSync(path, 'utf8')) as DaemonConfig;
  if (config.version !== 1)
    throw new GuardrailError(`${path}: unsupported config version ${String(config.version)}`, {
      code: 'ERR_DAEMON_CONTRACT',
    });
  if (config.dialect !== 'postgres' && config.dialect !== 'mysql') {
    throw new GuardrailError(`${path}: dialect must be postgres or mysql`, { code: 'ERR_DAEMON_CONTRACT' });
  }
  for (const key of ['transcriptPath', 'readyPath'] as const) {
    if (typeof config[key] !== 'string' || !config[key])
      throw new GuardrailError(`${path}: ${key} is missing`, { code: 'ERR_DAEMON_CONTRACT' });
  }
  if (!config.lease?.username || !config.lease.host)
    throw new GuardrailError(`${path}: the lease is incomplete`, { code: 'ERR_DAEMON_CONTRACT' });
  return config;
}

/**
 * Later steps of the job run as the same user and could read the run directory. Only this
 * process needs the database password; post revokes with the lease's revocation data. So the
 * file keeps everything but the password once it has been read.
 */
function forgetUpstreamPassword(path: string, config: DaemonConfig): void {
  const kept = { ...config, lease: { ...config.lease, password: '' } };
  writeFileSync(`${path}.tmp`, JSON.stringify(kept), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

function mysqlUpstreamUrl(config: DaemonConfig): string {
  const { lease } = config;
  const host = lease.host.includes(':') ? `[${lease.host}]` : lease.host;
  const query = config.upstream.sslmode ? `?ssl-mode=${encodeURIComponent(config.upstream.sslmode)}` : '';
  return `mysql://${encodeURIComponent(lease.username)}:${encodeURIComponent(lease.password)}@${host}:${lease.port}/${encodeURIComponent(lease.database)}${query}`;
}

const warn = (message: string) => process.stderr.write(`guardrail: ${message}\n`);

async function startGateway(
  config: DaemonConfig,
  policy: Policy,
  recorder: FileRecorder,
): Promise<GatewayHandle> {
  const { lease } = config;
  const contextWith = (side: NonNullable<ContextOptions['side']>) =>
    createGatewayContext({
      side,
      dialect: config.dialect,
      policy,
      recorder,
      mode: config.mode,
      // Without a token there is no one to ask: review verdicts are refused (fail closed).
      ...(config.githubToken
        ? {
            approvals: new GitHubChannel({
              token: config.githubToken,
              policy: policy.approvals,
              log: (m) => process.stderr.write(`${m}\n`),
            }),
          }
        : {}),
      ...(config.approvalTimeoutMs ? { approvalTimeoutMs: config.approvalTimeoutMs } : {}),
      preapproved: config.preapproved,
      job: config.job,
      database: { name: lease.database, host: `${lease.host}:${lease.port}`, role: lease.username },
    });
  const listen = {
    host: config.listen.host,
    port: config.listen.port,
    ...(config.listen.maxClients ? { maxClients: config.listen.maxClients } : {}),
    version: VERSION,
  };
  // One side connection per run: function bodies, impact estimates and masking lineage share it.
  if (config.dialect === 'postgres') {
    const upstream = {
      host: lease.host,
      port: lease.port,
      user: lease.username,
      password: lease.password,
      database: lease.database,
      ...(config.upstream.sslmode ? { sslmode: config.upstream.sslmode } : {}),
    };
    // Each dialect's engine and driver are loaded only where they run: the other one's code is
    // memory for nothing.
    const { postgresSide } = await import('./postgres/side-connection.js');
    const connection = postgresSide(upstream);
    await openSideEarly(connection, warn);
    const context = await contextWith({ dialect: 'postgres', connection });
    const { startPostgresGateway } = await import('./postgres/listener.js');
    const gateway = await startPostgresGateway({
      upstream,
      context,
      masking: context.masking,
      catalog: connection,
      ...listen,
    });
    return withSide(gateway, connection);
  }
  const upstream = mysqlUpstreamUrl(config);
  const { mysqlSide } = await import('./mysql/side-connection.js');
  const connection = mysqlSide(upstream);
  await openSideEarly(connection, warn);
  const context = await contextWith({ dialect: 'mysql', connection });
  const { startMysqlGateway } = await import('./mysql/listener.js');
  return withSide(await startMysqlGateway({ upstream, context, catalog: connection, ...listen }), connection);
}

/** Closing the gateway closes its side connection too. */
function withSide(gateway: GatewayHandle, side: { close(): Promise<void> }): GatewayHandle {
  const close = gateway.close.bind(gateway);
  return Object.assign(gateway, {
    close: async (reason?: string) => {
      await close(reason);
      await side.close();
    },
  });
}

/** ready.json appears whole or not at all: the launcher polls for it. */
function writeReady(path: string, ready: ReadyInfo): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(ready), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

async function main(): Promise<void> {
  const configPath = configPathFrom(process.argv.slice(2));
  const config = readConfig(configPath);
  secrets.push(config.lease.password, config.githubToken ?? '');
  forgetUpstreamPassword(configPath, config);
  const policy = config.policyPath ? loadPolicy(config.policyPath) : defaultPolicy();
  const recorder = new FileRecorder(config.transcriptPath);
  let gateway: GatewayHandle;
  try {
    gateway = await startGateway(config, policy, recorder);
  } catch (err) {
    recorder.record(0, {
      type: 'error',
      message: scrub(`the gateway did not start: ${(err as Error).message}`),
    });
    recorder.close();
    throw err;
  }
  secrets.push(gateway.password);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    gateway
      .close(`${signal} from the post step`)
      .then(() => {
        recorder.close();
        log(`stopped on ${signal}`);
        process.exit(0);
      })
      .catch((err: unknown) => {
        log(`error while stopping: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // Clients that verify the gateway (sslmode=verify-full, --ssl-verify-server-cert) need its CA.
  let caCert: string | undefined;
  if (gateway.certificate) {
    caCert = join(dirname(config.readyPath), RUN_FILES.caCert);
    writeFileSync(caCert, gateway.certificate, { mode: 0o644 });
  }
  writeReady(config.readyPath, {
    pid: process.pid,
    url: gateway.url,
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    database: gateway.database,
    ...(caCert ? { caCert } : {}),
  });
  log(`${config.dialect} gateway listening on ${gateway.host}:${gateway.port}, mode ${config.mode}`);
}

// Node's default report of a crash prints the error as is; this one scrubs it first.
process.on('uncaughtException', (err) => {
  log(`crashed: ${err.stack ?? err.message}`);
  process.exit(1);
});

main().catch((err: unknown) => {
  log(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
