// The Postgres gateway: listens on loopback (and optionally a Unix socket), authenticates
// clients with per-run credentials, and proxies each connection to the upstream database.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { GuardrailError } from '../../errors/guardrail-error.js';
import type { Masking } from '../../masking/index.js';
import { DEFAULT_MAX_CLIENTS, type GatewayHandle, tooManyClients } from '../handle.js';
import { gatewayStarted, gatewayStopped } from '../lifecycle.js';
import type { GatewayContext } from '../session-contract.js';
import { clientTls, generateKeys, type TlsOption } from '../tls-certificate.js';
import { CancelKeys } from './cancel.js';
import type { ClientAuthMethod } from './client-auth.js';
import { serveClient } from './connection.js';
import { MaskingCatalog, type Queryable } from './masking-catalog.js';
import { scramVerifier } from './scram-server.js';
import { describeUpstream, type UpstreamOptions, upstreamConfig } from './upstream-options.js';

export interface PostgresGatewayOptions {
  /** postgres://user:password@host:port/db?sslmode=…&sslrootcert=…, or the parts. */
  upstream: string | UpstreamOptions;
  context: GatewayContext;
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  host?: string;
  port?: number;
  /** Also listen on `<dir>/.s.PGSQL.<port>`, where libpq looks for `host=<dir>`. */
  unixSocketDir?: string;
  /** How clients authenticate to the gateway (default scram-sha-256). */
  clientAuth?: ClientAuthMethod;
  /** The gateway's own credentials; random per run when absent. */
  user?: string;
  password?: string;
  /** Largest client message the gateway decodes (default 32 MiB). */
  maxMessageBytes?: number;
  startupTimeoutMs?: number;
  /** Client connections served at once; more are refused with FATAL 53300 (default 50). */
  maxClients?: number;
  /** Written to the transcript's gateway.start line. */
  version?: string;
  /**
   * The policy's masking (createGatewayContext returns it): result rows are sampled into the
   * transcript through it, and masked on the wire when `on-wire` is set.
   */
  masking?: Masking;
  /** TLS offered to clients: a key and certificate, false for none, absent for self-signed. */
  tls?: TlsOption;
  /** Where column rules look up the catalog: the gateway's side connection. Required with column rules. */
  catalog?: Queryable;
}

export interface PostgresGateway extends GatewayHandle {
  unixSocket?: string;
}

function listen(server: Server, target: { host: string; port: number } | string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

export async function startPostgresGateway(options: PostgresGatewayOptions): Promise<PostgresGateway> {
  const upstream = upstreamConfig(options.upstream);
  const user = options.user ?? 'guardrail';
  const password = options.password ?? randomBytes(18).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  const { context, masking } = options;
  const rules = masking && !masking.matcher.empty;
  if (rules && !options.catalog)
    throw new GuardrailError('masking.columns needs a side connection to the upstream for catalog lookups', {
      code: 'ERR_MASKING_CONFIG',
    });
  const tls = await clientTls(options.tls, async () => (await generateKeys()).privatePem);
  const settings = {
    context,
    upstream,
    clientAuth: options.clientAuth ?? 'scram-sha-256',
    credentials: { user, password, verifier: scramVerifier(password) },
    maxMessageBytes: options.maxMessageBytes ?? 32 * 1024 * 1024,
    startupTimeoutMs: options.startupTimeoutMs ?? 30_000,
    cancels: new CancelKeys(),
    ...(tls.context ? { tls: tls.context } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
    ...(masking
      ? {
          masking: {
            masking,
            ...(rules && options.catalog ? { catalog: new MaskingCatalog(masking, options.catalog) } : {}),
          },
        }
      : {}),
  };
  const sockets = new Set<Socket>();
  let nextConn = 0;
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  const refusing = { ...settings, refuse: tooManyClients(maxClients) };
  /** Admitted clients; a refused one is not counted, so refusals cannot keep others out. */
  let clients = 0;
  const accept = (socket: Socket) => {
    sockets.add(socket);
    const admitted = clients < maxClients;
    if (admitted) clients++;
    socket.once('close', () => {
      sockets.delete(socket);
      if (admitted) clients--;
    });
    serveClient(socket, ++nextConn, admitted ? settings : refusing).catch(() => socket.destroy());
  };
  const servers: Server[] = [];
  const tcp = createServer({ noDelay: true }, accept);
  await listen(tcp, { host, port: options.port ?? 0 });
  servers.push(tcp);
  const address = tcp.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let unixSocket: string | undefined;
  if (options.unixSocketDir) {
    unixSocket = join(options.unixSocketDir, `.s.PGSQL.${port}`);
    rmSync(unixSocket, { force: true });
    const local = createServer(accept);
    await listen(local, unixSocket);
    servers.push(local);
  }
  gatewayStarted(context, {
    dialect: 'postgres',
    upstream: describeUpstream(upstream),
    version: options.version ?? 'dev',
  });
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${urlHost}:${port}/${encodeURIComponent(upstream.database)}?sslmode=disable`,
    host,
    port,
    user,
    password,
    database: upstream.database,
    ...(unixSocket ? { unixSocket } : {}),
    ...(tls.certificate ? { certificate: tls.certificate } : {}),
    ...(tls.unavailable ? { tlsUnavailable: tls.unavailable } : {}),
    connections: () => sockets.size,
    close(reason = 'gateway stopped') {
      closed ??= (async () => {
        const stopped = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
        for (const s of sockets) s.destroy();
        await Promise.all(stopped);
        // Let the connections' close handlers record their session.end first.
        await new Promise((r) => setImmediate(r));
        gatewayStopped(context, reason);
      })();
      return closed;
    },
  };
}
