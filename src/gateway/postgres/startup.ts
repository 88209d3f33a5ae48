// The client's first packets: SSLRequest (accepted when the gateway offers TLS: the rest of the
// start-up continues over it), GSSENCRequest (declined), CancelRequest, and the StartupMessage
// with its parameters.
import type { Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import { ProtocolError } from '../../errors/wire-errors.js';
import {
  CANCEL_REQUEST,
  GSSENC_REQUEST,
  negotiateProtocolVersion,
  readCancelRequest,
  readCString,
  readStartupCode,
  SSL_REQUEST,
  STARTUP_PARAMS,
} from './codec.js';
import { MessageReader, StartupRefused } from './handshake-io.js';

export type Startup =
  | { kind: 'cancel'; pid: number; secret: number }
  | { kind: 'startup'; params: Record<string, string> };

/** The server's words for a StartupMessage whose name/value list does not end where it should. */
const BAD_LAYOUT = 'invalid startup packet layout: expected terminator as last byte';

/** The client's connection after start-up: its socket and reader, both new once TLS is on. */
export interface StartupConnection {
  socket: Socket;
  reader: MessageReader;
}

/** Answers an SSLRequest with 'S' and completes the TLS handshake over the raw socket. */
async function upgrade(conn: StartupConnection, context: SecureContext, maxBytes: number): Promise<void> {
  // Bytes behind the SSLRequest would have been sent in the clear before the handshake and could
  // be injected by anyone on the path; PostgreSQL refuses them too.
  if (conn.reader.detach().length > 0) throw new ProtocolError('received unencrypted data after SSL request');
  const raw = conn.socket;
  raw.write('S');
  const secure = new TLSSocket(raw, { isServer: true, secureContext: context });
  await new Promise<void>((resolve, reject) => {
    secure.once('secure', resolve);
    secure.once('error', reject);
    secure.once('close', () =>
      reject(new ProtocolError('connection closed during the TLS handshake', '08006')),
    );
  });
  secure.setNoDelay(true);
  secure.on('error', () => secure.destroy());
  conn.socket = secure;
  conn.reader = new MessageReader(secure, maxBytes);
}

/** Reads the start-up; with `tls`, an SSLRequest replaces `conn`'s socket and reader by TLS ones. */
export async function readStartup(
  conn: StartupConnection,
  tls: SecureContext | undefined,
  maxBytes: number,
): Promise<Startup> {
  let encrypted = false;
  for (;;) {
    const { reader, socket } = conn;
    if ((await reader.peek()) === 0x16)
      throw new ProtocolError('direct TLS is not supported by the gateway: use sslnegotiation=postgres');
    const packet = await reader.packet();
    const code = readStartupCode(packet);
    if (code === SSL_REQUEST && tls && !encrypted) {
      await upgrade(conn, tls, maxBytes);
      encrypted = true;
      continue;
    }
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      socket.write('N');
      continue;
    }
    if (code === CANCEL_REQUEST) {
      const key = readCancelRequest(packet);
      if (!key) throw new StartupRefused('malformed CancelRequest');
      return { kind: 'cancel', ...key };
    }
    const major = code >>> 16;
    const minor = code & 0xffff;
    // A protocol 2 client reads only the old error format: a bare 'E' and the text.
    if (major < 3) {
      const text = `unsupported frontend protocol ${major}.${minor}: the gateway speaks 3.0`;
      throw new StartupRefused(text, Buffer.from(`EFATAL:  ${text}\n\0`));
    }
    if (major !== 3)
      throw new ProtocolError(
        `unsupported frontend protocol ${major}.${minor}: the gateway speaks 3.0`,
        '0A000',
      );
    const params: Record<string, string> = {};
    const unrecognized: string[] = [];
    let pos = STARTUP_PARAMS;
    while (pos < packet.length && packet[pos] !== 0) {
      const key = readCString(packet, pos, packet.length);
      if (key.next < 0) throw new ProtocolError(BAD_LAYOUT);
      const value = readCString(packet, key.next, packet.length);
      if (value.next < 0) throw new ProtocolError(BAD_LAYOUT);
      if (key.value.startsWith('_pq_.')) unrecognized.push(key.value);
      else params[key.value] = value.value;
      pos = value.next;
    }
    if (pos !== packet.length - 1) throw new ProtocolError(BAD_LAYOUT);
    if (!params.user) throw new ProtocolError('no PostgreSQL user name specified in startup packet', '28000');
    if (minor > 0 || unrecognized.length > 0) socket.write(negotiateProtocolVersion(0, unrecognized));
    return { kind: 'startup', params };
  }
}
