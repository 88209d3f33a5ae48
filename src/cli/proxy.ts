// `guardrail proxy`: runs the Postgres or MySQL gateway in the foreground, for local use and for CI jobs
// that manage the process themselves. Prints one connection URL; stops on SIGINT/SIGTERM.
import { TerminalChannel } from '../approvals/terminal.js';
import { createGatewayContext } from '../gateway/context.js';
import type { GatewayHandle } from '../gateway/handle.js';
import { startMysqlGateway } from '../gateway/mysql/listener.js';
import { mysqlSide } from '../gateway/mysql/side-connection.js';
import { parseUpstreamUrl as parseMysqlUrl } from '../gateway/mysql/upstream-options.js';
import { loadPolicy } from '../gateway/policy-file.js';
import { startPostgresGateway } from '../gateway/postgres/listener.js';
import { postgresSide } from '../gateway/postgres/side-connection.js';
import { parseUpstreamUrl } from '../gateway/postgres/upstream-options.js';
import { openSideEarly } from '../gateway/side-connection.js';
import { FileRecorder, privateTranscriptFile } from '../gateway/transcript-file.js';
import { defaultPolicy } from '../policy/index.js';
import { command, parse, selfCommand, UsageError } from './args.js';
import { LoggingRecorder, NoApprover, terminalAvailable } from './proxy-log.js';

export const spec = command({
  name: 'proxy',
  summary: 'run the PostgreSQL or MySQL/MariaDB gateway in the foreground, with a terminal approver',
  description: [
    'Listens on --listen, prints its connection URL on stdout, and forwards to --upstream what the',
    'policy allows; the dialect follows the URL scheme. Statements that need review are asked on',
    'the terminal; without a terminal (in the background, in CI) nobody can approve, so every',
    'review is denied, as the start-up line says. Impact estimates (mass-change/rows) use a',
    'read-only side connection to the upstream. Every event goes to the transcript; refused and',
    'held statements are also logged on stderr. Stops on SIGINT or SIGTERM.',
  ],
  options: {
    upstream: {
      type: 'string',
      value: 'URL',
      description: 'the database: postgres://USER[:PASSWORD]@HOST:PORT/DB or mysql://… (required)',
    },
    listen: {
      type: 'string',
      value: 'HOST:PORT',
      default: '127.0.0.1:0',
      description: 'where clients connect; port 0 picks a free one',
    },
    'socket-dir': {
      type: 'string',
      value: 'DIR',
      description: 'also listen on a Unix socket in DIR, as PostgreSQL does (PostgreSQL upstreams only)',
    },
    transcript: {
      type: 'string',
      value: 'FILE',
      description:
        'where the transcript is written (default: transcript.jsonl in a new private directory under the temporary directory, printed at start-up)',
    },
    policy: { type: 'string', value: 'FILE', description: 'policy file (default: the built-in policy)' },
    'max-connections': {
      type: 'string',
      value: 'N',
      default: '50',
      description: 'most client connections at once; more are refused (FATAL 53300 / ERR 1040)',
    },
  },
  examples: [
    { args: '--upstream postgres://app@127.0.0.1:5432/app --listen 127.0.0.1:6432' },
    { args: '--upstream mysql://root@127.0.0.1:3306/shop --policy .github/guardrail.yml' },
  ],
});

function listenAddress(value: string | undefined): { host: string; port: number } {
  if (!value) return { host: '127.0.0.1', port: 0 };
  const colon = value.lastIndexOf(':');
  const host = colon > 0 ? value.slice(0, colon).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(colon >= 0 ? value.slice(colon + 1) : value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--listen: invalid port in ${value}`);
  return { host, port };
}

const warn = (message: string) => console.error(`guardrail proxy: ${message}`);

export interface RunningProxy {
  url: string;
  transcript: string;
  stop(reason: string): Promise<void>;
}

/** Parses the arguments, starts the gateway and prints its URL; `run` then waits for a signal. */
export async function startProxy(argv: string[]): Promise<RunningProxy> {
  const { values } = parse(argv, spec);
  if (!values.upstream) throw new UsageError('--upstream URL is required');
  const { host, port } = listenAddress(values.listen);
  const policy = values.policy ? loadPolicy(values.policy) : defaultPolicy();
  const transcript = values.transcript ?? privateTranscriptFile('guardrail-proxy-');
  const log = (line: string) => console.error(`guardrail proxy: ${line}`);
  const recorder = new LoggingRecorder(new FileRecorder(transcript), log);
  // Decided once, and said at start-up: a proxy in the background must not deny in silence.
  const terminal = terminalAvailable();
  const approvals = terminal ? new TerminalChannel() : new NoApprover(selfCommand());
  const common = { policy, recorder, approvals };
  const cap = values['max-connections'];
  if (cap !== undefined && !/^[1-9]\d{0,4}$/.test(cap))
    throw new UsageError('--max-connections takes a number of client connections, 1 or more');
  const listen = { host, port, version: 'guardrail-cli', ...(cap ? { maxClients: Number(cap) } : {}) };
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
      await openSideEarly(side, warn);
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
      await openSideEarly(side, warn);
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
  log(`forwarding to ${target}; transcript ${transcript}`);
  log(
    terminal
      ? 'reviews: statements held for review are asked on this terminal (type yes to approve)'
      : 'reviews: no terminal to ask on, so nobody can approve; every statement held for review is denied',
  );
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
