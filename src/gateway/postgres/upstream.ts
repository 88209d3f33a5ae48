// Opens the connection to the real database: TLS as the sslmode says, start-up, and the
// authentication the server asks for (trust, cleartext, md5, SCRAM-SHA-256).
import { createHash } from 'node:crypto';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ProtocolError, UpstreamError } from '../../errors/wire-errors.js';
import {
  cancelRequest,
  passwordMessage,
  readErrorFields,
  saslInitialResponse,
  sslRequest,
  startupMessage,
  T,
} from './codec.js';
import { MessageReader } from './handshake-io.js';
import { MECHANISM } from './scram.js';
import { ScramClient } from './scram-client.js';
import type { UpstreamConfig } from './upstream-options.js';

export interface Upstream {
  socket: Socket;
  pid: number;
  secret: number;
  /** ParameterStatus and notice messages of the start-up, to replay to the client as they came. */
  greeting: Buffer[];
  /** The ReadyForQuery that ended the start-up. */
  ready: Buffer;
}

function rawConnect(cfg: UpstreamConfig): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = cfg.socketDir
      ? netConnect(join(cfg.socketDir, `.s.PGSQL.${cfg.port}`))
      : netConnect({ host: cfg.host, port: cfg.port });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function negotiateTls(cfg: UpstreamConfig, socket: Socket): Promise<Socket> {
  if (cfg.sslmode === 'disable' || cfg.socketDir) return socket;
  socket.write(sslRequest());
  const reader = new MessageReader(socket, 1);
  const answer = await reader.byte();
  const extra = reader.detach();
  if (answer === 0x4e) {
    if (cfg.sslmode === 'prefer') return socket;
    throw new ProtocolError(`upstream does not support TLS but sslmode is ${cfg.sslmode}`, '08004');
  }
  if (answer !== 0x53 || extra.length > 0)
    throw new ProtocolError('upstream answered SSLRequest incorrectly');
  const verify = cfg.sslmode === 'verify-ca' || cfg.sslmode === 'verify-full';
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({
      socket,
      // The name checked against the certificate; SNI takes host names only.
      host: cfg.host,
      ...(isIP(cfg.host) ? {} : { servername: cfg.host }),
      rejectUnauthorized: verify,
      ...(cfg.ca ? { ca: cfg.ca } : {}),
      ...(cfg.sslmode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
    });
    tls.once('secureConnect', () => {
      tls.off('error', reject);
      resolve(tls as unknown as Socket);
    });
    tls.once('error', (err) => reject(new ProtocolError(`upstream TLS failed: ${err.message}`, '08006')));
  });
}

function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function requirePassword(cfg: UpstreamConfig): string {
  if (cfg.password === undefined)
    throw new ProtocolError('upstream asks for a password but none is configured', '28P01');
  return cfg.password;
}

export async function connectUpstream(
  cfg: UpstreamConfig,
  params: Record<string, string>,
  maxMessageBytes: number,
): Promise<Upstream> {
  const socket = await negotiateTls(cfg, await rawConnect(cfg));
  try {
    return await startUp(cfg, socket, params, maxMessageBytes);
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

async function startUp(
  cfg: UpstreamConfig,
  socket: Socket,
  params: Record<string, string>,
  maxMessageBytes: number,
): Promise<Upstream> {
  const reader = new MessageReader(socket, maxMessageBytes);
  socket.write(startupMessage({ ...params, user: cfg.user, database: cfg.database }));
  let scram: ScramClient | undefined;
  let pid = 0;
  let secret = 0;
  const greeting: Buffer[] = [];
  for (;;) {
    const { type, body } = await reader.message();
    if (type === T.error) {
      const f = readErrorFields(body, 0, body.length);
      throw new UpstreamError(f.message, f.code);
    }
    if (type === T.auth) {
      const code = body.readInt32BE(0);
      if (code === 0) continue;
      if (code === 3) socket.write(passwordMessage(requirePassword(cfg)));
      else if (code === 5) {
        const inner = md5Hex(requirePassword(cfg) + cfg.user);
        socket.write(
          passwordMessage(`md5${md5Hex(Buffer.concat([Buffer.from(inner), body.subarray(4, 8)]))}`),
        );
      } else if (code === 10) {
        const mechanisms = body.toString('utf8', 4).split('\0');
        if (!mechanisms.includes(MECHANISM))
          throw new ProtocolError(`upstream offers no supported SASL mechanism (${mechanisms.join(' ')})`);
        scram = new ScramClient(requirePassword(cfg));
        socket.write(saslInitialResponse(MECHANISM, Buffer.from(scram.first())));
      } else if (code === 11 && scram) {
        socket.write(passwordMessage(Buffer.from(scram.final(body.toString('utf8', 4)))));
      } else if (code === 12 && scram) {
        scram.verify(body.toString('utf8', 4));
      } else
        throw new ProtocolError(`upstream asks for an unsupported authentication method (${code})`, '28000');
      continue;
    }
    if (type === T.backendKey) {
      pid = body.readInt32BE(0);
      secret = body.readInt32BE(4);
    } else if (type === T.parameterStatus || type === T.notice) {
      greeting.push(withHeader(type, body));
    } else if (type === T.ready) {
      const rest = reader.detach();
      if (rest.length > 0) throw new ProtocolError('upstream sent data after ReadyForQuery during start-up');
      return { socket, pid, secret, greeting, ready: withHeader(type, body) };
    } else if (type === T.negotiate) {
      // The server supports less than we asked for; we ask for 3.0, which every server has.
    } else {
      throw new ProtocolError(`unexpected message 0x${type.toString(16)} from upstream during start-up`);
    }
  }
}

function withHeader(type: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length + 5);
  out[0] = type;
  out.writeInt32BE(body.length + 4, 1);
  body.copy(out, 5);
  return out;
}

/** Sends a CancelRequest for an upstream backend over a fresh connection. */
export async function sendCancel(cfg: UpstreamConfig, pid: number, secret: number): Promise<void> {
  const socket = await rawConnect(cfg);
  await new Promise<void>((resolve) => {
    socket.end(cancelRequest(pid, secret));
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
    socket.resume();
  });
}
