// Protocol details drivers rarely show: start-up negotiation, pipelines without Sync between
// statements, named statements and portals, DISCARD ALL, and which result belongs to whom.
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { frame, gatewayFor, msg, rawClient, type TestGateway } from './pg-harness.js';

let server: PgServer;
let gw: TestGateway;

beforeAll(async () => {
  server = await startPostgres();
  // STRICT_POLICY: destructive and privilege statements (SET ROLE among them) are refused.
  gw = await gatewayFor(server);
});

afterAll(async () => {
  await gw?.close();
  await server?.stop();
});

function packet(code: number, rest: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(8 + rest.length);
  b.writeInt32BE(b.length, 0);
  b.writeInt32BE(code, 4);
  rest.copy(b, 8);
  return b;
}

function reader(socket: Socket): (n: number) => Promise<Buffer> {
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  return async (n) => {
    while (buf.length < n) await new Promise<void>((r) => (wake = r));
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
}

describe('start-up', () => {
  it('declines GSS encryption, and negotiates a newer minor version down to 3.0', async () => {
    const socket = connect({ host: gw.host, port: gw.port });
    const read = reader(socket);
    socket.write(packet(80877104));
    expect((await read(1)).toString()).toBe('N');
    socket.write(packet(196610, Buffer.from(`user\0${gw.user}\0_pq_.future\0on\0\0`)));
    const head = await read(5);
    expect(String.fromCharCode(head[0]!)).toBe('v');
    const body = await read(head.readInt32BE(1) - 4);
    expect(body.readInt32BE(0)).toBe(196608);
    expect(body.readInt32BE(4)).toBe(1);
    expect(body.toString('utf8', 8)).toBe('_pq_.future\0');
    const auth = await read(9);
    expect(String.fromCharCode(auth[0]!)).toBe('R');
    expect(auth.readInt32BE(5)).toBe(10);
    socket.destroy();
  });

  it('refuses bytes sent in the clear behind an SSLRequest instead of starting TLS', async () => {
    const socket = connect({ host: gw.host, port: gw.port });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const closed = new Promise((r) => socket.on('close', r));
    // A start-up packet in the same write, before any TLS: what an attacker on the path could inject.
    socket.write(Buffer.concat([packet(80877103), packet(196608, Buffer.from(`user\0${gw.user}\0\0`))]));
    await closed;
    const reply = Buffer.concat(chunks).toString('latin1');
    expect(reply[0]).toBe('E');
    expect(reply).toContain('received unencrypted data after SSL request');
  });

  it('declines SSL when configured without TLS', async () => {
    const plain = await gatewayFor(server, { tls: false });
    try {
      expect(plain.certificate).toBeUndefined();
      expect(plain.tlsUnavailable).toBe('disabled by configuration');
      const socket = connect({ host: plain.host, port: plain.port });
      const read = reader(socket);
      socket.write(packet(80877103));
      expect((await read(1)).toString()).toBe('N');
      socket.destroy();
    } finally {
      await plain.close();
    }
  });

  it('does not forward a cancel request with a key it did not hand out', async () => {
    const victim = await gw.client();
    const sleeping = victim.query('select pg_sleep(0.5) as slept');
    const socket = connect({ host: gw.host, port: gw.port });
    const closed = new Promise((r) => socket.on('close', r));
    const key = Buffer.alloc(8);
    key.writeInt32BE((victim as unknown as { processID: number }).processID, 0);
    key.writeInt32BE(((victim as unknown as { secretKey: number }).secretKey ^ 1) | 0, 4);
    socket.end(packet(80877102, key));
    await closed;
    expect((await sleeping).rows).toEqual([{ slept: '' }]);
    await victim.end();
  });
});

describe('start-up settings', () => {
  it('judges settings other than formatting ones as SET statements before connecting', async () => {
    const ok = new pg.Client({
      connectionString: gw.url,
      options: '-c statement_timeout=4s',
    } as pg.ClientConfig);
    await ok.connect();
    expect((await ok.query('show statement_timeout')).rows).toEqual([{ statement_timeout: '4s' }]);
    await ok.end();
    const sneaky = new pg.Client({
      connectionString: gw.url,
      options: '-c role=pg_read_all_data',
    } as pg.ClientConfig);
    const err = await sneaky.connect().catch((e: pg.DatabaseError) => e);
    expect(err).toMatchObject({ code: '42501' });
    expect((err as Error).message).toContain('privilege/set-role');
    const statements = gw.transcript().flatMap((l) => (l.type === 'statement' ? [l.text] : []));
    expect(statements).toEqual(
      expect.arrayContaining(["SET statement_timeout = '4s'", "SET role = 'pg_read_all_data'"]),
    );
  });
});

describe('extended protocol', () => {
  it('attributes results in a pipeline without intermediate Syncs, and clears names on DISCARD ALL', async () => {
    await server.query('drop table if exists attr_t; create table attr_t(id int)');
    const raw = await rawClient(gw);
    raw.send(
      msg.parse('insert into attr_t select generate_series(1, 3)', 'ins'),
      msg.parse('select id from attr_t'),
      frame('D', Buffer.from('S'), 'ins'),
      msg.bind('p1', 'ins'),
      msg.execute('p1'),
      msg.bind(),
      msg.describe(),
      msg.execute(),
      msg.parse('update attr_t set id = id + 1 where id > 1'),
      msg.bind(),
      msg.execute(),
      msg.flush(),
      msg.sync(),
    );
    expect(await raw.untilReady()).toEqual({ types: '11tn2C2TDDDC12CZ', errors: [], status: 'I' });
    raw.send(msg.query('discard all'));
    expect((await raw.untilReady()).types).toBe('CZ');
    raw.send(msg.bind('', 'ins'), msg.execute(), msg.sync());
    expect(await raw.untilReady()).toMatchObject({ errors: ['26000'] });
    raw.socket.end();
    await raw.closed();

    const lines = gw.transcript();
    const statements = lines.flatMap((l) => (l.type === 'statement' ? [l] : []));
    const resultLines = lines.flatMap((l) => (l.type === 'result' ? [l] : []));
    const idOf = (text: string) => statements.find((l) => l.text === text)?.id;
    // A prepared statement's results are its executions' (one transcript line per Bind).
    const results = (id: string | undefined) => {
      const ids = new Set(statements.filter((l) => l.id === id || l.preparedAs === id).map((l) => l.id));
      return resultLines.filter((l) => ids.has(l.id)).map((l) => l.tag);
    };
    expect(results(idOf('insert into attr_t select generate_series(1, 3)'))).toEqual(['INSERT 0 3']);
    expect(results(idOf('select id from attr_t'))).toEqual(['SELECT 3']);
    expect(results(idOf('update attr_t set id = id + 1 where id > 1'))).toEqual(['UPDATE 2']);
    expect(results(idOf('discard all'))).toEqual(['DISCARD ALL']);
  });
});
