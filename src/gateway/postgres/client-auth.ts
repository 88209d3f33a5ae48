// Authenticates a client with the gateway's own per-run credentials. SCRAM-SHA-256 by default;
// md5 and cleartext only when configured (they expose more to anyone who can read the socket).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { ProtocolError } from '../../errors/wire-errors.js';
import { authRequest, readCString, T } from './codec.js';
import type { MessageReader } from './handshake-io.js';
import { MECHANISM } from './scram.js';
import { ScramServer, type ScramVerifier } from './scram-server.js';

export type ClientAuthMethod = 'scram-sha-256' | 'md5' | 'password';

export interface GatewayCredentials {
  user: string;
  password: string;
  verifier: ScramVerifier;
}

function failed(user: string): ProtocolError {
  return new ProtocolError(`password authentication failed for user "${user}"`, '28P01');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function passwordReply(reader: MessageReader): Promise<Buffer> {
  const { type, body } = await reader.message();
  if (type !== T.password) throw new ProtocolError(`expected a password message, got 0x${type.toString(16)}`);
  return body;
}

export async function authenticateClient(
  reader: MessageReader,
  socket: Socket,
  method: ClientAuthMethod,
  creds: GatewayCredentials,
  user: string,
): Promise<void> {
  // The user name is checked last, so a wrong name and a wrong password look the same.
  const userOk = same(user, creds.user);
  if (method === 'password') {
    socket.write(authRequest(3));
    const given = readCString(await passwordReply(reader), 0, Number.MAX_SAFE_INTEGER).value;
    if (!same(given, creds.password) || !userOk) throw failed(user);
  } else if (method === 'md5') {
    const salt = randomBytes(4);
    socket.write(authRequest(5, salt));
    const given = readCString(await passwordReply(reader), 0, Number.MAX_SAFE_INTEGER).value;
    const inner = createHash('md5')
      .update(creds.password + user)
      .digest('hex');
    const want = `md5${createHash('md5')
      .update(Buffer.concat([Buffer.from(inner), salt]))
      .digest('hex')}`;
    if (!same(given, want) || !userOk) throw failed(user);
  } else {
    socket.write(authRequest(10, Buffer.from(`${MECHANISM}\0\0`)));
    const initial = await passwordReply(reader);
    const mech = readCString(initial, 0, initial.length);
    if (mech.next < 0 || mech.value !== MECHANISM || mech.next + 4 > initial.length)
      throw new ProtocolError('expected SASLInitialResponse for SCRAM-SHA-256', '28000');
    const server = new ScramServer(creds.verifier);
    let serverFirst: string;
    try {
      serverFirst = server.first(initial.toString('utf8', mech.next + 4));
    } catch (err) {
      throw new ProtocolError((err as Error).message, '28000');
    }
    socket.write(authRequest(11, Buffer.from(serverFirst)));
    const final = (await passwordReply(reader)).toString('utf8');
    let serverFinal: string | undefined;
    try {
      serverFinal = server.final(final);
    } catch (err) {
      throw new ProtocolError((err as Error).message, '28000');
    }
    if (!serverFinal || !userOk) throw failed(user);
    socket.write(authRequest(12, Buffer.from(serverFinal)));
  }
  socket.write(authRequest(0));
}
