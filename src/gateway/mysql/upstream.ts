// The gateway's own login to the database: greeting, optional TLS, and the authentication
// plugins a server may ask for (native, caching_sha2 with TLS or RSA, MariaDB ed25519).
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { GuardrailError } from '../../errors/guardrail-error.js';
import { UpstreamError } from '../../errors/wire-errors.js';
import { mariadbCapabilities } from './capabilities.js';
import { ProtocolError, parseErr, parseOk } from './codec.js';
import { CACHING_SHA2, Cap, ED25519, NATIVE } from './constants.js';
import { ed25519Sign } from './ed25519.js';
import {
  type Greeting,
  handshakeResponsePayload,
  loginCapabilities,
  parseAuthSwitch,
  parseGreeting,
  sslRequestPayload,
} from './handshake.js';
import { PacketChannel } from './handshake-io.js';
import { nativeToken, rsaEncryptPassword, sha2Token } from './scramble.js';
import type { UpstreamConfig } from './upstream-options.js';

export interface UpstreamLogin {
  socket: Socket;
  greeting: Greeting;
  /** Capabilities in force on this connection. */
  capabilities: number;
  mariadbCapabilities: number;
  status: number;
}

export interface LoginRequest {
  capabilities: number;
  /** MariaDB extended capabilities asked for (capabilities.ts); none when absent. */
  mariadbCapabilities?: number;
  charset?: number;
  maxPacket?: number;
  database?: string;
  timeoutMs: number;
  maxPayload: number;
}

function authData(plugin: string, password: Buffer, scramble: Buffer): Buffer {
  if (plugin === NATIVE) return nativeToken(password, scramble.subarray(0, 20));
  if (plugin === CACHING_SHA2) return sha2Token(password, scramble.subarray(0, 20));
  if (plugin === ED25519) return ed25519Sign(password, scramble.subarray(0, 32));
  throw new ProtocolError(
    `the database asked for authentication plugin ${plugin}, which the gateway does not support`,
  );
}

function openSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new GuardrailError(`connecting to ${host}:${port} timed out`, { code: 'ERR_UPSTREAM_FAILED' }));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new GuardrailError(`cannot connect to ${host}:${port}: ${err.message}`, {
          code: 'ERR_UPSTREAM_FAILED',
        }),
      );
    });
  });
}

/** A database connection that has sent its greeting and waits for the login. */
export interface GreetedUpstream {
  greeting: Greeting;
  /** Logs in with what the client asked for; on failure the connection is closed. */
  login(req: Omit<LoginRequest, 'timeoutMs' | 'maxPayload'>): Promise<UpstreamLogin>;
  /** Drops the connection without logging in (the client never finished its own login). */
  abandon(): void;
}

/**
 * Connects and reads the greeting only: the gateway greets its client with the database's own
 * thread id, so CONNECTION_ID() and `KILL id` agree with what the driver was told.
 */
export async function greetUpstream(
  cfg: UpstreamConfig,
  limits: Pick<LoginRequest, 'timeoutMs' | 'maxPayload'>,
): Promise<GreetedUpstream> {
  const raw = await openSocket(cfg.host, cfg.port, limits.timeoutMs);
  const ch = new PacketChannel(raw, limits.maxPayload, 'the database', limits.timeoutMs);
  const abandon = () => {
    ch.detach();
    ch.socket.destroy();
  };
  try {
    const first = await ch.read();
    if (first.payload[0] === 0xff) {
      const e = parseErr(first.payload);
      throw new UpstreamError(e.message, e.sqlState, e.code);
    }
    const greeting = parseGreeting(first.payload);
    return {
      greeting,
      abandon,
      async login(req) {
        try {
          return await authenticate(ch, cfg, { ...req, ...limits }, greeting, first.lastSeq + 1);
        } catch (err) {
          abandon();
          throw err;
        }
      },
    };
  } catch (err) {
    abandon();
    throw err;
  }
}

export async function loginUpstream(cfg: UpstreamConfig, req: LoginRequest): Promise<UpstreamLogin> {
  return (await greetUpstream(cfg, req)).login(req);
}

async function authenticate(
  ch: PacketChannel,
  cfg: UpstreamConfig,
  req: LoginRequest,
  greeting: Greeting,
  firstSeq: number,
): Promise<UpstreamLogin> {
  const serverTls = (greeting.capabilities & Cap.SSL) !== 0;
  const useTls = cfg.sslMode !== 'disable' && (serverTls || cfg.sslMode !== 'prefer');
  if (useTls && !serverTls)
    throw new ProtocolError(
      `ssl-mode=${cfg.sslMode} but the database at ${cfg.host}:${cfg.port} does not offer TLS`,
    );
  const capabilities = (req.capabilities & greeting.capabilities & ~Cap.SSL) >>> 0;
  // The SSLRequest and the response after TLS must announce the same capabilities.
  const announced = loginCapabilities(capabilities | (useTls ? Cap.SSL : 0), req.database);
  const mariadb = mariadbCapabilities(
    announced,
    (req.mariadbCapabilities ?? 0) & greeting.mariadbCapabilities,
  );
  const charset = req.charset ?? greeting.charset;
  const maxPacket = req.maxPacket ?? 0x1000000;
  let seq = firstSeq;
  if (useTls) {
    seq = ch.write(sslRequestPayload(announced, mariadb, maxPacket, charset), seq);
    await ch.upgrade(
      (socket) =>
        new Promise((resolve, reject) => {
          const verify = cfg.sslMode === 'verify-ca' || cfg.sslMode === 'verify-full';
          const t = tlsConnect({
            socket,
            // The identity check uses `host` (else "localhost"); SNI must not carry an IP.
            host: cfg.host,
            ...(isIP(cfg.host) ? {} : { servername: cfg.host }),
            ...(cfg.ca ? { ca: cfg.ca } : {}),
            rejectUnauthorized: verify,
            ...(cfg.sslMode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
          });
          t.once('secureConnect', () => resolve(t));
          t.once('error', (err) =>
            reject(
              new GuardrailError(`TLS to the database failed: ${err.message}`, {
                code: 'ERR_UPSTREAM_FAILED',
              }),
            ),
          );
        }),
    );
  }
  const password = Buffer.from(cfg.password, 'utf8');
  let plugin = greeting.plugin;
  let scramble = greeting.scramble;
  seq = ch.write(
    handshakeResponsePayload({
      capabilities: announced,
      mariadbCapabilities: mariadb,
      maxPacket,
      charset,
      user: cfg.user,
      authResponse: plugin === ED25519 ? Buffer.alloc(0) : authData(plugin, password, scramble),
      ...(req.database ? { database: req.database } : {}),
      plugin,
    }),
    seq,
  );
  let awaitingKey = false;
  for (;;) {
    const p = await ch.read();
    seq = p.lastSeq + 1;
    const head = p.payload[0];
    if (head === 0x00) {
      ch.detach();
      const ok = parseOk(p.payload, 0, p.payload.length);
      return { socket: ch.socket, greeting, capabilities, mariadbCapabilities: mariadb, status: ok.status };
    }
    if (head === 0xff) {
      const e = parseErr(p.payload);
      throw new UpstreamError(e.message, e.sqlState, e.code);
    }
    if (head === 0xfe) {
      const sw = parseAuthSwitch(p.payload);
      plugin = sw.plugin;
      scramble = sw.data;
      seq = ch.write(authData(plugin, password, scramble), seq);
      continue;
    }
    if (head === 0x01 && plugin === CACHING_SHA2) {
      if (awaitingKey) {
        awaitingKey = false;
        const pem = p.payload.subarray(1).toString('latin1');
        seq = ch.write(rsaEncryptPassword(password, scramble.subarray(0, 20), pem), seq);
      } else if (p.payload[1] === 0x03) {
        // Fast path accepted; the OK follows.
      } else if (p.payload[1] === 0x04) {
        if (useTls) seq = ch.write(Buffer.concat([password, Buffer.from([0])]), seq);
        else if (cfg.serverPublicKey)
          seq = ch.write(rsaEncryptPassword(password, scramble.subarray(0, 20), cfg.serverPublicKey), seq);
        else {
          awaitingKey = true;
          seq = ch.write(Buffer.from([0x02]), seq);
        }
      } else throw new ProtocolError('unexpected caching_sha2_password message from the database');
      continue;
    }
    throw new ProtocolError(
      `unexpected packet 0x${(head ?? 0).toString(16)} during authentication with the database`,
    );
  }
}
