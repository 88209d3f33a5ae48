// startMysqlGateway: a listener that terminates MySQL/MariaDB client logins with per-run
// credentials, logs in to the real database for each client, and passes every statement
// through the session pipeline before it reaches the database.
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { GuardrailError } from '../../errors/guardrail-error.js';
import { UpstreamError } from '../../errors/wire-errors.js';
import { compileMasking, type Masking } from '../../masking/index.js';
import { DEFAULT_MAX_CLIENTS, type GatewayHandle, tooManyClients } from '../handle.js';
import { gatewayStarted, gatewayStopped, openSession } from '../lifecycle.js';
import type { GatewayContext } from '../session-contract.js';
import type { MysqlSide } from '../side-connection.js';
import { clientTls, generateKeys, type TlsOption } from '../tls-certificate.js';
import { extendedMetadata, PROXIED_MARIADB_CAPS } from './capabilities.js';
import { AccessDenied, authenticateClient, type ClientAuthPlugin } from './client-auth.js';
import { errPayload, frame, ProtocolError } from './codec.js';
import { MysqlConnection } from './connection.js';
import { CACHING_SHA2, Cap, Com, PROXIED_CAPS } from './constants.js';
import { ConnectionClosed, PacketChannel } from './handshake-io.js';
import { MysqlMaskingCatalog } from './masking-catalog.js';
import { mysqlSide } from './side-connection.js';
import { type GreetedUpstream, greetUpstream, loginUpstream } from './upstream.js';
import { describeUpstream, parseUpstreamUrl } from './upstream-options.js';

export interface MysqlGatewayOptions {
  /** mysql://user:password@host:port/database?ssl-mode=…&ssl-ca=… */
  upstream: string;
  /**
   * `masking` (createGatewayContext returns it): the policy's column rules, detectors and
   * on-wire setting. Without it the transcript's row samples still go through every detector.
   */
  context: GatewayContext & { masking?: Masking };
  /**
   * Where column rules look up tables, views and routines (information_schema). Default: a
   * connection of the gateway's own with the upstream credentials, opened when first needed.
   */
  catalog?: MysqlSide;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Client connections served at once; more are refused with ER_CON_COUNT_ERROR 1040 (default 50). */
  maxClients?: number;
  /** Credentials clients must use; random per run when absent. */
  user?: string;
  password?: string;
  /** Largest client packet accepted (default 64 MiB); larger ones end the connection with an error. */
  maxPacketBytes?: number;
  /** Plugin announced to clients (default caching_sha2_password; both are accepted). */
  authPlugin?: ClientAuthPlugin;
  /** Make caching_sha2_password clients use the full exchange (TLS cleartext or RSA). */
  sha2FullAuth?: boolean;
  /** TLS offered to clients: a key and certificate, false for none, absent for self-signed. */
  tls?: TlsOption;
  /** Time allowed for each step of a login, in ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Written to the transcript's gateway.start line. */
  version?: string;
}

export type MysqlGateway = GatewayHandle;

const FORMAT_CAPS = Cap.DEPRECATE_EOF | Cap.SESSION_TRACK | Cap.MULTI_RESULTS | Cap.PS_MULTI_RESULTS;
const CR_CONNECTION_ERROR = 2002;
const ER_CON_COUNT_ERROR = 1040;

/** The server's own ERR as it is; anything else as a connection error naming the cause. */
function asUpstreamError(err: unknown): UpstreamError {
  return err instanceof UpstreamError
    ? err
    : new UpstreamError(
        `guardrail: cannot log in to the database: ${(err as Error).message}`,
        'HY000',
        CR_CONNECTION_ERROR,
      );
}

export async function startMysqlGateway(opts: MysqlGatewayOptions): Promise<MysqlGateway> {
  const upstream = parseUpstreamUrl(opts.upstream);
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  const maxPacketBytes = opts.maxPacketBytes ?? 64 * 1024 * 1024;
  const user = opts.user ?? 'guardrail';
  const password = opts.password ?? randomBytes(18).toString('base64url');
  const keys = await generateKeys();
  const {
    context: tls,
    certificate,
    unavailable: tlsUnavailable,
  } = await clientTls(opts.tls, async () => keys.privatePem);

  // Log in once before listening: bad upstream credentials fail the start, and the greeting
  // tells which capabilities and version to announce to clients.
  const probe = await loginUpstream(upstream, {
    capabilities: PROXIED_CAPS,
    timeoutMs,
    maxPayload: maxPacketBytes,
    ...(upstream.database ? { database: upstream.database } : {}),
  });
  probe.socket.end(frame(Buffer.from([Com.QUIT]), 0).bytes);
  const { greeting } = probe;

  const authConfig = {
    user,
    password,
    plugin: opts.authPlugin ?? CACHING_SHA2,
    sha2FullAuth: opts.sha2FullAuth ?? false,
    ...(tls ? { tls } : {}),
    rsa: { publicPem: keys.publicPem, privateKey: keys.privateKey },
    serverVersion: greeting.serverVersion,
    capabilities: (PROXIED_CAPS & greeting.capabilities) >>> 0,
    mariadbCapabilities: (PROXIED_MARIADB_CAPS & greeting.mariadbCapabilities) >>> 0,
    charset: greeting.charset,
    status: greeting.status,
  };

  let nextConn = 0;
  const sockets = new Set<Socket>();
  const connections = new Set<MysqlConnection>();
  const ctx = opts.context;
  const masking = ctx.masking ?? compileMasking();
  // Column rules need the catalog; without them no result column is ever looked up.
  const rules = !masking.matcher.empty;
  const ownSide = rules && !opts.catalog ? mysqlSide(opts.upstream) : undefined;
  const catalogSide = opts.catalog ?? ownSide;
  const catalog = rules && catalogSide ? new MysqlMaskingCatalog(catalogSide) : undefined;

  async function serve(socket: Socket): Promise<void> {
    const conn = ++nextConn;
    socket.setNoDelay(true);
    const ch = new PacketChannel(socket, maxPacketBytes, 'the client', timeoutMs);
    let greeted: GreetedUpstream;
    try {
      greeted = await greetUpstream(upstream, { timeoutMs, maxPayload: maxPacketBytes });
    } catch (err) {
      // As a server that cannot take a connection does: an ERR in place of the greeting.
      const e = asUpstreamError(err);
      ch.writeErr(0, e.errno!, e.sqlState, e.message);
      ch.detach();
      ch.socket.end();
      return;
    }
    let login: Awaited<ReturnType<typeof authenticateClient>>;
    try {
      login = await authenticateClient(ch, authConfig, greeted.greeting.connectionId);
    } catch (err) {
      greeted.abandon();
      if (err instanceof AccessDenied) ch.writeErr(err.seq, 1045, err.sqlState, err.message);
      else if (err instanceof ProtocolError && !(err instanceof ConnectionClosed) && !ch.socket.destroyed)
        // The client's packets did not make sense; its next packet would have had id 2.
        ch.writeErr(2, 1043, '08S01', `guardrail: bad handshake: ${err.message}`);
      ch.detach();
      ch.socket.end();
      setTimeout(() => ch.socket.destroy(), 1_000).unref();
      return;
    }
    const r = login.response;
    const application = r.attributes.program_name ?? r.attributes._client_name;
    const session = openSession(ctx, {
      conn,
      user: r.user,
      database: r.database ?? upstream.database ?? '',
      ...(application ? { application } : {}),
      client: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
    });
    session.analysisContext.backendId = greeted.greeting.connectionId;
    let up: Awaited<ReturnType<GreetedUpstream['login']>>;
    try {
      up = await greeted.login({
        capabilities: login.capabilities,
        mariadbCapabilities: login.mariadbCapabilities,
        charset: r.charset,
        maxPacket: r.maxPacket,
        ...((r.database ?? upstream.database) ? { database: r.database ?? upstream.database } : {}),
      });
      if (
        (up.capabilities ^ login.capabilities) & FORMAT_CAPS ||
        up.mariadbCapabilities !== login.mariadbCapabilities
      )
        throw new GuardrailError('the database no longer offers the capabilities announced to the client', {
          code: 'ERR_UPSTREAM_FAILED',
        });
    } catch (err) {
      const e = asUpstreamError(err);
      ch.writeErr(login.seq, e.errno!, e.sqlState, e.message);
      ch.detach();
      ch.socket.end();
      session.end(`database login failed: ${e.message}`);
      return;
    }
    ch.detach();
    // Nothing may be read (and lost) until the connection listens; it resumes the socket.
    ch.socket.pause();
    if (!sockets.has(socket)) {
      up.socket.destroy();
      session.end('gateway closed');
      return;
    }
    const c = new MysqlConnection(
      ch.socket,
      up.socket,
      ch.assembler,
      session,
      {
        capabilities: login.capabilities,
        extendedMetadata: extendedMetadata(login.mariadbCapabilities),
        status: up.status,
        serverVersion: up.greeting.serverVersion,
        credentials: { user, password },
        scramble: login.scramble,
        masking,
        ...(catalog ? { catalog } : {}),
      },
      () => connections.delete(c),
    );
    connections.add(c);
    await c.start(login.seq);
  }

  const maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
  const refusal = frame(
    errPayload({ code: ER_CON_COUNT_ERROR, sqlState: '08004', message: tooManyClients(maxClients) }),
    0,
  ).bytes;
  const server = createServer((socket) => {
    socket.on('error', () => {});
    // As the server does: the error instead of the handshake, before the client says anything.
    if (sockets.size >= maxClients) {
      socket.end(refusal);
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket).catch(() => socket.destroy());
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  gatewayStarted(ctx, {
    dialect: 'mysql',
    upstream: describeUpstream(upstream),
    version: opts.version ?? 'dev',
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const db = upstream.database ? `/${encodeURIComponent(upstream.database)}` : '';
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${urlHost}:${port}${db}`,
    host,
    port,
    user,
    password,
    database: upstream.database ?? '',
    ...(certificate ? { certificate } : {}),
    ...(tlsUnavailable ? { tlsUnavailable } : {}),
    connections: () => sockets.size,
    close(reason = 'gateway stopped') {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of connections) c.close(reason);
        for (const s of sockets) s.destroy();
        await stopped;
        // Let the connections' close handlers record their session.end first.
        await new Promise((r) => setImmediate(r));
        await ownSide?.close();
        gatewayStopped(ctx, reason);
      })();
      return closing;
    },
  };
}
