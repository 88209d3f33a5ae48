// `guardrail proxy`: runs the Postgres or MySQL gateway in the foreground, for local use and for CI jobs
// that manage the process themselves. Prints one connection URL; stops on SIGINT/SIGTERM.
import { closeSync, constants, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalChannel } from '../approvals/terminal.js';
import { createGatewayContext } from '../gateway/context.js';
import type { GatewayHandle } from '../gateway/handle.js';
import { startMysqlGateway } from '../gateway/mysql/gateway.js';
import { parseUpstreamUrl as parseMysqlUrl } from '../gateway/mysql/upstream-url.js';
import { parseUpstreamUrl } from '../gateway/postgres/options.js';
import { startPostgresGateway } from '../gateway/postgres/server.js';
import { mysqlSide, postgresSide } from '../gateway/side-connection.js';
import { defaultPolicy, loadPolicy } from '../policy/index.js';
import { FileRecorder } from '../transcript/recorder.js';
import { parse, UsageError } from './args.js';

export const usage =
  'guardrail proxy --upstream postgres://…|mysql://… [--listen host:port] [--socket-dir DIR] [--transcript FILE] [--policy FILE]';

function listenAddress(value: string | undefined): { host: string; port: number } {
  if (!value) return { host: '127.0.0.1', port: 0 };
  const colon = value.lastIndexOf(':');
  const host = colon > 0 ? value.slice(0, colon).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(colon >= 0 ? value.slice(colon + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--listen: invalid port in ${value}`);
  return { host, port };
}

export interface RunningProxy {
  url: string;
  transcript: string;
  stop(reason: string): Promise<void>;
}

/** Parses the arguments, starts the gateway and prints its URL; `run` then waits for a signal. */
export async function startProxy(argv: string[]): Promise<RunningProxy> {
  const { values, positionals } = parse(
    argv,
    {
      upstream: { type: 'string' },
      listen: { type: 'string' },
      'socket-dir': { type: 'string' },
      transcript: { type: 'string' },
      policy: { type: 'string' },
    },
    false,
  );
  if (positionals.length > 0) throw new UsageError('proxy takes no positional arguments');
  if (!values.upstream) throw new UsageError('--upstream is required');
  const { host, port } = listenAddress(values.listen);
  const policy = values.policy ? loadPolicy(values.policy) : defaultPolicy();
  const transcript = values.transcript ?? privateTranscript();
  const recorder = new FileRecorder(transcript);
  const common = { policy, recorder, approvals: new TerminalChannel() };
  const listen = { host, port, version: 'guardrail-cli' };
  const isMysql = /^(mysql|mariadb):/i.test(values.upstream);
  if (isMysql && values['socket-dir']) throw new UsageError('--socket-dir is for PostgreSQL upstreams');
  let started: {
    gateway: GatewayHandle;
    side: { close(): Promise<void> };
    target: string;
  };
  try {
    if (isMysql) {
      const upstream = parseWith(parseMysqlUrl, values.upstream);
      const side = mysqlSide(values.upstream);
      const context = await createGatewayContext({
        ...common,
        dialect: 'mysql',
        side: { dialect: 'mysql', connection: side },
        database: {
          name: upstream.database ?? '',
          host: `${upstream.host}:${upstream.port}`,
          role: upstream.user,
        },
      });
      const gateway = await startMysqlGateway({
        upstream: values.upstream,
        context,
        catalog: side,
        ...listen,
      }).catch(async (err: unknown) => {
        await side.close();
        throw err;
      });
      started = { gateway, side, target: `${upstream.host}:${upstream.port}/${upstream.database ?? ''}` };
    } else {
      const upstream = parseWith(parseUpstreamUrl, values.upstream);
      const side = postgresSide(upstream);
      const context = await createGatewayContext({
        ...common,
        dialect: 'postgres',
        side: { dialect: 'postgres', connection: side },
        database: { name: upstream.database, host: `${upstream.host}:${upstream.port}`, role: upstream.user },
      });
      const gateway = await startPostgresGateway({
        upstream,
        context,
        ...listen,
        ...(values['socket-dir'] ? { unixSocketDir: values['socket-dir'] } : {}),
        masking: context.masking,
        catalog: side,
      }).catch(async (err: unknown) => {
        await side.close();
        throw err;
      });
      started = { gateway, side, target: `${upstream.host}:${upstream.port}/${upstream.database}` };
    }
  } catch (err) {
    recorder.close();
    throw err;
  }
  const { gateway, side, target } = started;
  console.log(gateway.url);
  console.error(`guardrail proxy: forwarding to ${target}; transcript ${transcript}`);
  return {
    url: gateway.url,
    transcript,
    async stop(reason) {
      try {
        await gateway.close(reason);
      } finally {
        await side.close();
        recorder.close();
      }
    },
  };
}

/**
 * The default transcript: a new file in a new directory only this user can enter (mkdtemp, 0700),
 * created exclusively and without following a link, so another local user can neither read it nor
 * point it elsewhere by creating the path first.
 */
function privateTranscript(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'guardrail-proxy-')), 'transcript.jsonl');
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600));
  return path;
}

/** A bad upstream URL is a usage error, reported with the usage text. */
function parseWith<T>(parser: (url: string) => T, url: string): T {
  try {
    return parser(url);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export async function run(argv: string[]): Promise<number> {
  const proxy = await startProxy(argv);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await proxy.stop(`${signal} received`);
  return 0;
}
