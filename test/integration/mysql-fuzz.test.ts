// Property-based fuzzing of the MySQL gateway's packet handling over real sockets: random and
// mutated packets (bad lengths, truncated and huge packets, wrong sequence ids, unknown and
// out-of-order commands), before and after login. The gateway must neither crash nor hang:
// every fuzzed connection ends once the client stops, and other sessions keep working.
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mysqlContext, packet, rawMysqlLogin } from '../support/mysql-clients.js';

let db: MariaDbServer;
let gw: MysqlGateway;
let bystander: mysql.Connection;

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin('CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1), (2)');
  gw = await startMysqlGateway({
    upstream: `${db.url()}?ssl-mode=disable`,
    context: await mysqlContext(new MemoryRecorder()),
    authPlugin: 'mysql_native_password',
    maxPacketBytes: 1024 * 1024,
    connectTimeoutMs: 2_000,
    tls: false,
  });
  bystander = await mysql.createConnection({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
  });
});
afterAll(async () => {
  await bystander?.end();
  await gw?.close();
  await db?.stop();
});

function rawSocket(): Promise<{ socket: Socket; received: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, gw.host, () => resolve({ socket, received }));
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', reject);
  });
}

async function rawLogin(): Promise<{ socket: Socket; received: Buffer[] }> {
  const { socket, early } = await rawMysqlLogin(gw);
  const received = early.length > 0 ? [early] : [];
  socket.on('data', (d: Buffer) => received.push(d));
  return { socket, received };
}

/** Resolves true when the gateway closes the connection, false if it is still open after 20 s. */
function closes(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), 20_000);
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const seqArb = fc.oneof(fc.constant(0), fc.nat(255));
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const frameArb = fc.oneof(
  // Any command byte with a random body and sequence id.
  fc
    .tuple(fc.nat(255), bytes(48), seqArb)
    .map(([cmd, body, seq]) => packet(Buffer.concat([Buffer.from([cmd]), body]), seq)),
  // Known commands with plausible or broken bodies.
  fc
    .tuple(
      fc.constantFrom(0x02, 0x03, 0x04, 0x09, 0x0e, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x11),
      bytes(24),
    )
    .map(([cmd, body]) => packet(Buffer.concat([Buffer.from([cmd]), body]), 0)),
  fc
    .constantFrom('SELECT 1', 'SELECT * FROM app.t', 'SELECT ?', 'DROP TABLE app.t', 'SELECT 1; SELECT 2')
    .chain((sql) =>
      fc
        .tuple(fc.constantFrom(0x03, 0x16), fc.nat(sql.length))
        .map(([cmd, cut]) =>
          packet(Buffer.concat([Buffer.from([cmd]), Buffer.from(sql.slice(0, cut || sql.length))]), 0),
        ),
    ),
  // Executes of statement ids 1..3 and "the last prepared" with random parameter bytes.
  fc.tuple(fc.constantFrom(1, 2, 3, 0xffffffff), bytes(32)).map(([id, rest]) => {
    const head = Buffer.alloc(10);
    head[0] = 0x17;
    head.writeUInt32LE(id, 1);
    head.writeUInt32LE(1, 6);
    return packet(Buffer.concat([head, rest]), 0);
  }),
  // Headers announcing more (or far more) than follows: truncated and huge packets.
  fc.tuple(fc.integer({ min: 0, max: 0xffffff }), seqArb, bytes(32)).map(([len, seq, body]) => {
    const h = Buffer.alloc(4);
    h.writeUIntLE(len, 0, 3);
    h[3] = seq;
    return Buffer.concat([h, body]);
  }),
  // Plain noise.
  bytes(64).map((b) => Buffer.from(b)),
);

async function healthy(): Promise<void> {
  const [rows] = await bystander.query('SELECT COUNT(*) AS n FROM app.t');
  expect(rows).toEqual([{ n: 2 }]);
}

describe('MySQL gateway under fuzzed packets', () => {
  it('never crashes or hangs, after login or before it, and other sessions keep working', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(frameArb, { minLength: 1, maxLength: 6 }),
        async (login, frames) => {
          const { socket } = login ? await rawLogin() : await rawSocket();
          for (const f of frames) socket.write(f);
          socket.end();
          expect(await closes(socket)).toBe(true);
          await healthy();
        },
      ),
      { numRuns: 150 },
    );
    // Nothing leaks: only the bystander's client and database connections remain.
    const appThreads = async () =>
      Number(
        (
          await db.admin<{ n: number }[]>(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'app'",
          )
        )[0]!.n,
      );
    for (let i = 0; i < 100 && (gw.connections() > 1 || (await appThreads()) > 1); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(gw.connections()).toBe(1);
    expect(await appThreads()).toBe(1);
    // The refused DROP in the fuzzed frames never ran.
    expect(Number((await db.admin<{ n: number }[]>('SELECT COUNT(*) AS n FROM app.t'))[0]!.n)).toBe(2);
    const fresh = await mysql.createConnection({
      host: gw.host,
      port: gw.port,
      user: gw.user,
      password: gw.password,
    });
    expect((await fresh.query('SELECT 1 AS one'))[0]).toEqual([{ one: 1 }]);
    await fresh.end();
  });

  it('answers an unknown command with an error and stays usable', async () => {
    const { socket, received } = await rawLogin();
    socket.write(packet(Buffer.from([0x42, 1, 2]), 0));
    socket.write(packet(Buffer.from('\x03SELECT 7'), 0));
    // ERR, then column count, column definition, EOF, row, EOF.
    const packets = (): Buffer[] => {
      const all = Buffer.concat(received);
      const out: Buffer[] = [];
      for (let at = 0; at + 4 <= all.length && at + 4 + all.readUIntLE(at, 3) <= all.length; ) {
        out.push(all.subarray(at, at + 4 + all.readUIntLE(at, 3)));
        at += 4 + all.readUIntLE(at, 3);
      }
      return out;
    };
    for (let i = 0; i < 200 && packets().length < 6; i++) await new Promise((r) => setTimeout(r, 50));
    const [err, , , , row, eof] = packets();
    expect(err![3]).toBe(1);
    expect(err!.toString('latin1')).toContain('guardrail: command 0x42 is not supported');
    expect([...row!.subarray(4)]).toEqual([1, 0x37]);
    expect([eof![4], eof![3]]).toEqual([0xfe, 5]);
    socket.destroy();
  });

  it('closes a connection that stalls during the handshake, saying why', async () => {
    const { socket, received } = await rawSocket();
    socket.write(Buffer.from([10, 0, 0]));
    expect(await closes(socket)).toBe(true);
    expect(Buffer.concat(received).toString('latin1')).toMatch(
      /guardrail: bad handshake: the client sent nothing/,
    );
  });

  it('answers a malformed handshake response with ERR 1043', async () => {
    const { socket, received } = await rawSocket();
    await new Promise((r) => setTimeout(r, 100));
    socket.write(packet(Buffer.from([0, 0, 0, 0, 1, 2]), 1));
    expect(await closes(socket)).toBe(true);
    const all = Buffer.concat(received);
    const err = all.subarray(all.readUIntLE(0, 3) + 4);
    expect([err[4], err.readUInt16LE(5)]).toEqual([0xff, 1043]);
    expect(err.toString('latin1')).toMatch(/guardrail: bad handshake/);
  });

  it('closes a connection that stalls in the middle of a command packet, and others go on', async () => {
    const { socket } = await rawLogin();
    socket.write(Buffer.from([100, 0, 0, 0, 0x03, 0x53]));
    await healthy();
    socket.end();
    expect(await closes(socket)).toBe(true);
  });
});
