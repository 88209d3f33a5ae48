// `guardrail broker --config broker.yml`: runs the credential broker next to the databases.
import type { AddressInfo } from 'node:net';
import { AuditLog, auditSink } from '../broker/audit.js';
import { Broker } from '../broker/broker.js';
import { ConfigError, loadBrokerConfig } from '../broker/config.js';
import { createBrokerServer } from '../broker/server.js';
import { plural } from '../transcript/words.js';
import { command, parse, UsageError } from './args.js';

export const spec = command({
  name: 'broker',
  summary: 'run the credential broker: job OIDC tokens in, short-lived database logins out',
  description: [
    'Serves the broker API next to your databases, sweeping expired login roles as it goes,',
    'until SIGINT or SIGTERM. The configuration names the listener, the OIDC issuer, the',
    'databases with their admin connections and the bindings from repositories to targets',
    '(docs/broker.md). Exit code 2: the configuration is invalid (file, line and key are named).',
  ],
  options: {
    config: { type: 'string', value: 'FILE', description: 'broker configuration (YAML); required' },
    'sweep-once': { type: 'boolean', description: 'drop expired login roles once and exit, without serving' },
  },
  examples: [
    { args: '--config broker.yml' },
    { args: '--config broker.yml --sweep-once', note: 'from cron, when the broker is not running' },
  ],
});

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, spec);
  if (!values.config) throw new UsageError('--config FILE is required');
  let config: ReturnType<typeof loadBrokerConfig>;
  try {
    config = loadBrokerConfig(values.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`guardrail broker: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const broker = new Broker(config, { audit: new AuditLog(auditSink(config.audit)) });
  if (values['sweep-once']) {
    const swept = await broker.sweep();
    console.error(`guardrail broker: swept ${plural(swept.length, 'expired login role')}`);
    await broker.close();
    return 0;
  }
  if (broker.ephemeralRevocationKey) {
    console.error(
      'guardrail broker: no revocation-key configured; revocation tokens stop working when this process exits ' +
        '(jobs can still revoke with their OIDC token, and the sweeper removes expired roles)',
    );
  }
  const server = createBrokerServer(broker, {
    ...(config.listen.tls ? { tls: config.listen.tls } : {}),
    onError: (m) => console.error(`guardrail broker: ${m}`),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  console.error(
    `guardrail broker: listening on ${config.listen.tls ? 'https' : 'http'}://${address}:${port}`,
  );

  const sweep = () => {
    broker.sweep().catch((err: Error) => console.error(`guardrail broker: sweep failed: ${err.message}`));
  };
  sweep();
  const timer = setInterval(sweep, config.sweepIntervalSeconds * 1000);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(timer);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await broker.close();
  return 0;
}
