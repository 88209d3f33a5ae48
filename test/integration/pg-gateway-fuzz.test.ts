// Bad input over real sockets: random and mutated frames never crash or hang the gateway; the
// offending connection is closed with an error and other sessions keep working.
import { connect } from 'node:net';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { frame, gatewayFor, msg, rawClient, type TestGateway } from './pg-harness.js';

let server: PgServer;
let gw: TestGateway;
let bystander: pg.Client;

beforeAll(async () => {
  server = await startPostgres();
  gw = await gatewayFor(server, { maxMessageBytes: 64 * 1024 });
  bystander = await gw.client();
});

afterAll(async () => {
  await bystander?.end();
  await gw?.close();
  await server?.stop();
});

/** A hang guard, not a timing assertion: a connection the gateway never closes fails the test. */
function within<T>(p: Promise<T>, what: string, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref(),
    ),
  ]);
}

async function othersStillWork(): Promise<void> {
  expect((await bystander.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
}

function fatalIn(bytes: Buffer): string | undefined {
  return bytes.toString('latin1').match(/SFATAL\0VFATAL\0C([0-9A-Z]{5})\0/)?.[1];
}

const valid: Buffer[] = [
  msg.query('select 1'),
  msg.parse('select $1::int', 's1'),
  frame('B', '', 's1', [0, 0, 0, 1, 0, 0, 0, 1, 0x37, 0, 0]),
  msg.describe(),
  msg.execute(),
  msg.sync(),
  msg.flush(),
  msg.query('select 1; select 2'),
  frame('C', Buffer.from('S'), 's1'),
];

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), cut: fc.nat() }),
  fc.record({ kind: fc.constant('type' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('garbage' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(base: Buffer[], mutations: Mutation[]): Buffer {
  const frames = base.map((b) => Buffer.from(b));
  for (const m of mutations) {
    if (frames.length === 0) break;
    const i = m.at % frames.length;
    const f = frames[i]!;
    if (m.kind === 'length' && f.length >= 5) f.writeInt32BE(m.value, 1);
    else if (m.kind === 'truncate') frames[i] = f.subarray(0, m.cut % (f.length + 1));
    else if (m.kind === 'type') f[0] = m.value;
    else if (m.kind === 'garbage') frames.splice(i, 0, Buffer.from(m.bytes));
  }
  return Buffer.concat(frames);
}

describe('bad input after authentication', () => {
  it('closes the connection with a FATAL error for bad lengths, oversized and unknown messages', async () => {
    const cases: [string, Buffer, string][] = [
      ['length below 4', Buffer.from([0x51, 0, 0, 0, 1]), '08P01'],
      ['negative length', Buffer.from([0x51, 0xff, 0xff, 0xff, 0xf0]), '08P01'],
      ['huge length', Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]), '54000'],
      ['unknown type', frame('@', 'x'), '08P01'],
      ['password after start-up', frame('p', 'secret'), '08P01'],
      ['Query without terminator', Buffer.from([0x51, 0, 0, 0, 7, 0x61, 0x62, 0x63]), '08P01'],
    ];
    for (const [name, bytes, code] of cases) {
      const raw = await rawClient(gw);
      raw.send(bytes);
      const last = await within(raw.closed(), name);
      expect(fatalIn(last), name).toBe(code);
      await othersStillWork();
    }
  });

  it('survives random mutations of valid pipelines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...valid), { minLength: 1, maxLength: 12 }),
        fc.array(mutation, { maxLength: 4 }),
        async (base, mutations) => {
          const raw = await rawClient(gw);
          raw.send(mutate(base, mutations));
          raw.socket.end();
          await within(raw.closed(), 'mutated pipeline');
          await othersStillWork();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('bad input before authentication', () => {
  it('closes on random start-up bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), async (bytes, withLength) => {
        const socket = connect({ host: gw.host, port: gw.port });
        let got = Buffer.alloc(0);
        socket.on('data', (d: Buffer) => {
          got = Buffer.concat([got, d]);
        });
        socket.on('error', () => undefined);
        const closed = new Promise<void>((r) => socket.on('close', () => r()));
        const payload = Buffer.from(bytes);
        if (withLength && payload.length >= 4) payload.writeInt32BE(payload.length, 0);
        socket.end(payload);
        await within(closed, 'random start-up');
        await othersStillWork();
      }),
      { numRuns: 40 },
    );
  });
});
