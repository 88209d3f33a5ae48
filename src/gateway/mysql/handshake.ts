// The connection-phase packets: the server greeting (HandshakeV10), the client's
// HandshakeResponse41 / SSLRequest, and the auth-switch and auth-more-data exchanges.

import { mariadbCapabilities } from './capabilities.js';
import { ProtocolError, Reader, Writer } from './codec.js';
import { Cap } from './constants.js';

export interface Greeting {
  serverVersion: string;
  connectionId: number;
  scramble: Buffer;
  capabilities: number;
  /** MariaDB extended capabilities (capabilities.ts); 0 from a MySQL server. */
  mariadbCapabilities: number;
  charset: number;
  status: number;
  plugin: string;
}

export function parseGreeting(payload: Buffer): Greeting {
  const r = new Reader(payload);
  const protocol = r.u8();
  if (protocol !== 10) throw new ProtocolError(`unsupported handshake protocol version ${protocol}`);
  const serverVersion = r.cstring();
  const connectionId = r.u32();
  const part1 = r.bytes(8);
  r.skip(1);
  let capabilities = r.u16();
  const charset = r.remaining > 0 ? r.u8() : 0;
  const status = r.remaining >= 2 ? r.u16() : 0;
  if (r.remaining >= 2) capabilities = (capabilities | (r.u16() << 16)) >>> 0;
  const authLen = r.remaining > 0 ? r.u8() : 0;
  let mariadb = 0;
  if (r.remaining >= 10) {
    r.skip(6);
    mariadb = mariadbCapabilities(capabilities, r.u32());
  }
  let part2: Buffer = Buffer.alloc(0);
  if (capabilities & Cap.SECURE_CONNECTION && r.remaining > 0) {
    const n = Math.min(r.remaining, Math.max(13, authLen - 8));
    part2 = r.bytes(n);
    if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
  }
  const plugin = capabilities & Cap.PLUGIN_AUTH && r.remaining > 0 ? r.cstring() : 'mysql_native_password';
  return {
    serverVersion,
    connectionId,
    scramble: Buffer.concat([part1, part2]),
    capabilities,
    mariadbCapabilities: mariadb,
    charset,
    status,
    plugin,
  };
}

export function greetingPayload(g: Greeting): Buffer {
  return new Writer()
    .u8(10)
    .cstring(g.serverVersion)
    .u32(g.connectionId)
    .bytes(g.scramble.subarray(0, 8))
    .u8(0)
    .u16(g.capabilities & 0xffff)
    .u8(g.charset)
    .u16(g.status)
    .u16((g.capabilities >>> 16) & 0xffff)
    .u8(g.scramble.length + 1)
    .zeros(6)
    .u32(mariadbCapabilities(g.capabilities, g.mariadbCapabilities))
    .bytes(g.scramble.subarray(8))
    .u8(0)
    .cstring(g.plugin)
    .payload();
}

export interface HandshakeResponse {
  capabilities: number;
  /** MariaDB extended capabilities the client asks for (0 when it set CLIENT_MYSQL). */
  mariadbCapabilities: number;
  maxPacket: number;
  charset: number;
  user: string;
  authResponse: Buffer;
  database?: string;
  plugin?: string;
  attributes: Record<string, string>;
}

/** An SSLRequest is the first 32 bytes of a HandshakeResponse41 with CLIENT_SSL set. */
export function isSslRequest(payload: Buffer): boolean {
  return payload.length === 32 && (payload.readUInt32LE(0) & Cap.SSL) !== 0;
}

export function parseHandshakeResponse(payload: Buffer): HandshakeResponse {
  const r = new Reader(payload);
  const capabilities = r.u32();
  if (!(capabilities & Cap.PROTOCOL_41))
    throw new ProtocolError('clients without CLIENT_PROTOCOL_41 are not supported');
  const maxPacket = r.u32();
  const charset = r.u8();
  r.skip(19);
  const mariadb = mariadbCapabilities(capabilities, r.u32());
  const user = r.cstring();
  let authResponse: Buffer;
  if (capabilities & Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes() ?? Buffer.alloc(0);
  else if (capabilities & Cap.SECURE_CONNECTION) authResponse = r.bytes(r.u8());
  else authResponse = Buffer.from(r.cstring(), 'latin1');
  const out: HandshakeResponse = {
    capabilities,
    mariadbCapabilities: mariadb,
    maxPacket,
    charset,
    user,
    authResponse,
    attributes: {},
  };
  if (capabilities & Cap.CONNECT_WITH_DB && r.remaining > 0) out.database = r.cstring();
  if (capabilities & Cap.PLUGIN_AUTH && r.remaining > 0) out.plugin = r.cstring();
  if (capabilities & Cap.CONNECT_ATTRS && r.remaining > 0) {
    const total = r.lenenc() ?? 0;
    const attrs = new Reader(r.bytes(total));
    while (attrs.remaining > 0) {
      const k = attrs.lenencString() ?? '';
      const v = attrs.lenencString() ?? '';
      out.attributes[k] = v;
    }
  }
  return out;
}

export function sslRequestPayload(
  capabilities: number,
  mariadb: number,
  maxPacket: number,
  charset: number,
): Buffer {
  return new Writer()
    .u32(capabilities)
    .u32(maxPacket)
    .u8(charset)
    .zeros(19)
    .u32(mariadbCapabilities(capabilities, mariadb))
    .payload();
}

/** What the gateway announces when it logs in: always plugin auth, never connect attributes. */
export function loginCapabilities(capabilities: number, database: string | undefined): number {
  let caps =
    capabilities |
    Cap.PROTOCOL_41 |
    Cap.SECURE_CONNECTION |
    Cap.PLUGIN_AUTH |
    Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA;
  caps &= ~Cap.CONNECT_ATTRS;
  if (database) caps |= Cap.CONNECT_WITH_DB;
  else caps &= ~Cap.CONNECT_WITH_DB;
  return caps >>> 0;
}

/** `capabilities` as returned by loginCapabilities. */
export function handshakeResponsePayload(
  h: Omit<HandshakeResponse, 'attributes' | 'plugin'> & { plugin: string },
): Buffer {
  const w = new Writer()
    .u32(h.capabilities)
    .u32(h.maxPacket)
    .u8(h.charset)
    .zeros(19)
    .u32(mariadbCapabilities(h.capabilities, h.mariadbCapabilities))
    .cstring(h.user)
    .lenencBytes(h.authResponse);
  if (h.database) w.cstring(h.database);
  w.cstring(h.plugin);
  return w.payload();
}

export function authSwitchPayload(plugin: string, data: Buffer): Buffer {
  return new Writer().u8(0xfe).cstring(plugin).bytes(data).u8(0).payload();
}

export function parseAuthSwitch(payload: Buffer): { plugin: string; data: Buffer } {
  const r = new Reader(payload, 1);
  const plugin = r.cstring();
  return { plugin, data: r.rest() };
}

export function authMoreDataPayload(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x01]), data]);
}
