// Runs the credential broker in-process over real HTTP(S) for tests, with its audit log kept in
// memory and everything the process writes to stdout/stderr captured, so tests can search both
// for secrets.
import type { AddressInfo } from 'node:net';
import { AuditLog } from '../../src/broker/audit.js';
import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config.js';
import { createBrokerServer } from '../../src/broker/server.js';

export interface BrokerHarness {
  url: string;
  broker: Broker;
  auditLines(): Record<string, unknown>[];
  auditText(): string;
  close(): Promise<void>;
}

export async function startBrokerHarness(yaml: string, env: NodeJS.ProcessEnv): Promise<BrokerHarness> {
  const config = parseBrokerConfig(yaml, 'broker.yml', env);
  const lines: string[] = [];
  const broker = new Broker(config, { audit: new AuditLog((l) => lines.push(l)) });
  const errors: string[] = [];
  const server = createBrokerServer(broker, {
    ...(config.listen.tls ? { tls: config.listen.tls } : {}),
    onError: (m) => errors.push(m),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${config.listen.tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`,
    broker,
    auditLines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    auditText: () => lines.join('') + errors.join('\n'),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await broker.close();
    },
  };
}

/** Records everything written to stdout and stderr until stopped (and still writes it). */
export function captureOutput(): { text(): string; stop(): void } {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tap =
    (orig: typeof out) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(out) as typeof process.stdout.write;
  process.stderr.write = tap(err) as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    stop() {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}
