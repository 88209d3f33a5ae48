// The gateway's side of a client login: its own greeting, optional TLS, and verification of
// the per-run credentials with mysql_native_password or caching_sha2_password (fast path, or
// the full path with the cleartext password over TLS or RSA-OAEP encrypted without TLS).
import { constants as cryptoConstants, type KeyObject, privateDecrypt, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { type SecureContext, TLSSocket } from 'node:tls';
import { ProtocolError } from './codec.js';
import { type CACHING_SHA2, Cap, NATIVE } from './constants.js';
import {
  authMoreDataPayload,
  authSwitchPayload,
  greetingPayload,
  type HandshakeResponse,
  isSslRequest,
  parseHandshakeResponse,
} from './handshake.js';
import type { PacketChannel } from './handshake-io.js';
import { nativeToken, newScramble, sha2Token, unxorPassword } from './scramble.js';

export type ClientAuthPlugin = typeof NATIVE | typeof CACHING_SHA2;

export interface ClientAuthConfig {
  user: string;
  password: string;
  plugin: ClientAuthPlugin;
  /** Ask caching_sha2_password clients for the full exchange instead of the scramble. */
  sha2FullAuth: boolean;
  tls?: SecureContext;
  rsa: { publicPem: string; privateKey: KeyObject };
  serverVersion: string;
  capabilities: number;
  /** MariaDB extended capabilities offered (capabilities.ts). */
  mariadbCapabilities: number;
  charset: number;
  status: number;
}

export interface ClientLogin {
  response: HandshakeResponse;
  /** Capabilities both sides agreed on. */
  capabilities: number;
  mariadbCapabilities: number;
  /** Sequence id for the gateway's final OK (or ERR). */
  seq: number;
  /** The greeting's scramble: COM_CHANGE_USER proofs are made with it. */
  scramble: Buffer;
}

/** The client failed the gateway's own authentication: ER_ACCESS_DENIED_ERROR, SQLSTATE 28000. */
export class AccessDenied extends ProtocolError {
  constructor(
    message: string,
    /** Sequence id for the ERR that tells the client. */
    readonly seq: number,
  ) {
    super(message, '28000');
  }
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

export async function authenticateClient(
  ch: PacketChannel,
  cfg: ClientAuthConfig,
  connectionId: number,
): Promise<ClientLogin> {
  const scramble = newScramble();
  const offered = (cfg.capabilities | (cfg.tls ? Cap.SSL : 0)) >>> 0;
  let seq = ch.write(
    greetingPayload({
      serverVersion: cfg.serverVersion,
      connectionId,
      scramble,
      capabilities: offered,
      mariadbCapabilities: cfg.mariadbCapabilities,
      charset: cfg.charset,
      status: cfg.status,
      plugin: cfg.plugin,
    }),
    0,
  );
  let p = await ch.read();
  let tls = false;
  if (isSslRequest(p.payload)) {
    const context = cfg.tls;
    if (!context) throw new ProtocolError('client asked for TLS, which this gateway does not offer');
    await ch.upgrade(
      (raw: Duplex) =>
        new Promise((resolve, reject) => {
          const t = new TLSSocket(raw, { isServer: true, secureContext: context });
          t.once('secure', () => resolve(t));
          t.once('error', reject);
        }),
    );
    tls = true;
    p = await ch.read();
  }
  seq = p.lastSeq + 1;
  const response = parseHandshakeResponse(p.payload);
  let authResponse = response.authResponse;
  const denied = () =>
    new AccessDenied(
      `Access denied for user '${response.user}' (using password: ${authResponse.length > 0 ? 'YES' : 'NO'})`,
      seq,
    );
  let plugin = response.capabilities & Cap.PLUGIN_AUTH ? (response.plugin ?? NATIVE) : NATIVE;
  // Like a server whose account uses `cfg.plugin`: any other choice is switched.
  if (plugin !== cfg.plugin) {
    seq = ch.write(authSwitchPayload(cfg.plugin, scramble), seq);
    const sw = await ch.read();
    seq = sw.lastSeq + 1;
    authResponse = sw.payload;
    plugin = cfg.plugin;
  }
  if (response.user !== cfg.user) throw denied();
  const password = Buffer.from(cfg.password, 'utf8');
  if (plugin === NATIVE) {
    if (!same(authResponse, nativeToken(password, scramble))) throw denied();
  } else if (!cfg.sha2FullAuth) {
    if (!same(authResponse, sha2Token(password, scramble))) throw denied();
    seq = ch.write(authMoreDataPayload(Buffer.from([0x03])), seq);
  } else {
    seq = ch.write(authMoreDataPayload(Buffer.from([0x04])), seq);
    let q = await ch.read();
    seq = q.lastSeq + 1;
    let given: Buffer;
    if (tls) {
      const nul = q.payload.indexOf(0);
      given = nul < 0 ? q.payload : q.payload.subarray(0, nul);
    } else {
      if (q.payload.length === 1 && q.payload[0] === 0x02) {
        seq = ch.write(authMoreDataPayload(Buffer.from(cfg.rsa.publicPem, 'latin1')), seq);
        q = await ch.read();
        seq = q.lastSeq + 1;
      }
      let decrypted: Buffer;
      try {
        decrypted = privateDecrypt(
          { key: cfg.rsa.privateKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING },
          q.payload,
        );
      } catch {
        throw denied();
      }
      given = unxorPassword(decrypted, scramble);
    }
    if (!same(given, password)) throw denied();
  }
  return {
    response,
    capabilities: (response.capabilities & offered) >>> 0,
    mariadbCapabilities: (response.mariadbCapabilities & cfg.mariadbCapabilities) >>> 0,
    seq,
    scramble,
  };
}
