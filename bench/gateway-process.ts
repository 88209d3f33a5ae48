// One gateway in its own process, so a benchmark can read its CPU time and peak RSS from /proc
// apart from the client's and the database's. Started by bench/gateway.ts as
// `node .cache/gateway-process.mjs '<GatewayProcessConfig JSON>'`; prints `ready <url>` on
// stdout once it listens, and closes the gateway and the transcript on SIGTERM/SIGINT.
import { createGatewayContext } from '../src/gateway/context.js';
import { loadPolicy } from '../src/gateway/policy-file.js';
import { FileRecorder } from '../src/gateway/transcript-file.js';
import { defaultPolicy } from '../src/policy/index.js';
import type { MaskingPolicy } from '../src/policy/types.js';
import { withoutAnalysis } from './analysis-off.js';

export interface GatewayProcessConfig {
  dialect: 'postgres' | 'mysql';
  /** postgres://… or mysql://… with the database's own credentials. */
  upstream: string;
  transcript: string;
  /**
   * false: every statement gets the same allow-everything analysis, so the run measures the
   * gateway's protocol handling and transcript without the cost of analysis.
   */
  analysis: boolean;
  /** A policy file; the default policy when absent. */
  policy?: string;
  /** Merged over the policy's `masking:` section. */
  masking?: Partial<MaskingPolicy>;
  /** MySQL: the login plugin announced to clients. */
  authPlugin?: 'mysql_native_password' | 'caching_sha2_password';
}

const config = JSON.parse(process.argv[2] ?? '') as GatewayProcessConfig;
const base = config.policy ? loadPolicy(config.policy) : defaultPolicy();
const policy = { ...base, masking: { ...base.masking, ...config.masking } };
const recorder = new FileRecorder(config.transcript);
const upstreamUrl = new URL(config.upstream);
// As in the daemon: one side connection, for function bodies and impact estimates (part of
// analysis) and for the masking catalog (part of result handling, kept with analysis off).
const side =
  config.dialect === 'postgres'
    ? ({
        dialect: 'postgres',
        connection: (await import('../src/gateway/postgres/side-connection.js')).postgresSide(
          config.upstream,
        ),
      } as const)
    : ({
        dialect: 'mysql',
        connection: (await import('../src/gateway/mysql/side-connection.js')).mysqlSide(config.upstream),
      } as const);
const built = await createGatewayContext({
  dialect: config.dialect,
  policy,
  recorder,
  ...(config.analysis ? { side } : {}),
  database: {
    name: upstreamUrl.pathname.slice(1),
    host: upstreamUrl.host,
    role: decodeURIComponent(upstreamUrl.username),
  },
});
const context = config.analysis ? built : withoutAnalysis(built);
const gateway =
  config.dialect === 'postgres'
    ? await (await import('../src/gateway/postgres/listener.js')).startPostgresGateway({
        upstream: config.upstream,
        context,
        masking: built.masking,
        ...(side.dialect === 'postgres' ? { catalog: side.connection } : {}),
        version: 'bench',
      })
    : await (await import('../src/gateway/mysql/listener.js')).startMysqlGateway({
        upstream: config.upstream,
        context,
        tls: false,
        version: 'bench',
        ...(config.authPlugin ? { authPlugin: config.authPlugin } : {}),
      });
console.log(`ready ${gateway.url}`);

const stop = async () => {
  await gateway.close('benchmark done');
  await side.connection.close();
  recorder.close();
  // A normal exit, so `node --cpu-prof` writes its profile.
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
