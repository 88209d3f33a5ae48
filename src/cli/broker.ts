// `guardrail broker --config broker.yml`: runs the credential broker next to the databases.
import type { AddressInfo } from 'node:net';
import { AuditLog, auditSink } from '../broker/audit.js';
import { Broker } from '../broker/broker.js';
import { ConfigError, loadBrokerConfig } from '../broker/config.js';
import { createBrokerServer } from '../broker/server.js';
import { parse, UsageError } from './args.js';

export const usage = 'guardrail broker --config broker.yml [--sweep-once]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { config: { type: 'string' }, 'sweep-once': { type: 'boolean' } },
    false,
  );
  if (!values.config || positionals.length) throw new UsageError('broker needs --config FILE');
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
    console.error(`guardrail broker: swept ${swept.length} expired login role(s)`);
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
