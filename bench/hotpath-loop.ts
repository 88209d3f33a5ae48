// The Postgres gateway's JavaScript cost per round trip without sockets, databases or other
// processes: pgbench -S's messages (simple Query, or Bind/Execute/Sync of a prepared statement)
// and the server's replies to them are pushed through the same Framer → PostgresCommands → Session →
// Replies → transcript path a connection uses, in a loop, and the process's CPU time per round
// trip is read. On a shared machine this moves far less than a proxied pgbench run, so it is the
// figure to compare before and after a hot-path change:
// `node scripts/run-ts.mjs bench/hotpath-loop.ts [ROUND_TRIPS] [REPEATS] [--markdown]`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayContext } from '../src/gateway/context.js';
import {
  commandComplete,
  parseMessage,
  queryMessage,
  readyForQuery,
  T,
} from '../src/gateway/postgres/codec.js';
import { PostgresCommands } from '../src/gateway/postgres/commands.js';
import { Framer } from '../src/gateway/postgres/framer.js';
import { NamedStatements } from '../src/gateway/postgres/prepared.js';
import { Replies } from '../src/gateway/postgres/replies.js';
import { postgresSide } from '../src/gateway/postgres/side-connection.js';
import { Session } from '../src/gateway/session.js';
import { FileRecorder } from '../src/gateway/transcript-file.js';
import { defaultPolicy } from '../src/policy/index.js';
import type { Recorder } from '../src/transcript/recorder.js';
import { withoutAnalysis } from './analysis-off.js';
import { median } from './stats.js';

const MODES = ['simple', 'prepared'] as const;
const roundTrips = Number(process.argv[2] ?? 50_000);
const repeats = Number(process.argv[3] ?? 5);
/**
 * The file recorder writes what a millisecond gathered; a proxied pgbench -S runs about six round
 * trips a millisecond here, at one client or eight. HOTPATH_FLUSH_EVERY=N prices another batch.
 */
const flushEvery = Number(process.env.HOTPATH_FLUSH_EVERY ?? 6);
/**
 * HOTPATH_SIDE=postgres://… (a database with pgbench's tables): the context gets a side
 * connection as the daemon's does, so what a statement fires is looked up and cached as in a
 * proxied run; the cache is filled before the clock starts.
 */
const sideUrl = process.env.HOTPATH_SIDE;

function msg(type: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstr = (s: string) => Buffer.from(`${s}\0`);

// pgbench -S: one int4 column of one row.
const rowDescription = msg(
  T.rowDescription,
  int16(1),
  cstr('abalance'),
  int32(16_400),
  int16(3),
  int32(23),
  int16(4),
  int32(-1),
  int16(0),
);
const dataRow = msg(T.dataRow, int16(1), int32(1), Buffer.from('0'));
const done = commandComplete('SELECT 1');
const ready = readyForQuery(0x49);
const simpleRequest = (aid: number) =>
  queryMessage(`SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};`);
const simpleReply = Buffer.concat([rowDescription, dataRow, done, ready]);
const prepare = Buffer.concat([
  parseMessage('P0_1', 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;'),
  msg(T.sync),
]);
const prepareReply = Buffer.concat([msg(T.parseComplete), ready]);
const preparedRequest = (aid: number) =>
  Buffer.concat([
    msg(
      T.bind,
      cstr(''),
      cstr('P0_1'),
      int16(0),
      int16(1),
      int32(String(aid).length),
      Buffer.from(String(aid)),
      int16(0),
    ),
    msg(T.execute, cstr(''), int32(0)),
    msg(T.sync),
  ]);
const preparedReply = Buffer.concat([msg(T.bindComplete), dataRow, done, ready]);

const dir = mkdtempSync(join(tmpdir(), 'guardrail-hotpath-loop-'));

/** Lines are still built and scrubbed, but not encoded, hashed or written. */
class DiscardingRecorder implements Recorder {
  readonly failed = undefined;
  record(): void {}
  flush(): void {}
  close(): void {}
}

/** What runs: the protocol alone, with the transcript, and with analysis too (the gateway). */
const VARIANTS = [
  { name: 'protocol only', analysis: false, transcript: false },
  { name: 'protocol + transcript', analysis: false, transcript: true },
  { name: 'gateway', analysis: true, transcript: true },
] as const;
type Variant = (typeof VARIANTS)[number];

async function measure(
  { analysis, transcript }: Variant,
  mode: 'simple' | 'prepared',
): Promise<{ user: number; system: number }> {
  const recorder = transcript
    ? new FileRecorder(join(dir, `${analysis}-${mode}.jsonl`))
    : new DiscardingRecorder();
  const side = sideUrl ? postgresSide(sideUrl) : undefined;
  const built = await createGatewayContext({
    dialect: 'postgres',
    policy: defaultPolicy(),
    recorder,
    ...(side ? { side: { dialect: 'postgres' as const, connection: side } } : {}),
    database: { name: 'postgres', host: 'localhost', role: 'postgres' },
  });
  const context = analysis ? built : withoutAnalysis(built);
  const session = new Session(context, { conn: 1, user: 'postgres', database: 'postgres', client: 'bench' });
  const prepared = new NamedStatements();
  const serverWhole = new Uint8Array(256).fill(1);
  serverWhole[T.dataRow] = 0;
  serverWhole[T.copyData] = 0;
  let bytes = 0;
  const replies = new Replies(session, prepared, {
    masking: built.masking,
    hooks: {
      toClient: (b) => {
        bytes += b.length;
      },
      resumeServer: () => {},
      setWhole: (type, mode) => {
        serverWhole[type] = mode;
      },
      fatal: (m) => {
        throw new Error(m);
      },
    },
  });
  const fail = (m: string) => {
    throw new Error(m);
  };
  // The client stream is held while the catalog is read: a side connection's first look at a
  // relation, and again when its cached answer expires (every 2 s). The loop then waits for it;
  // that read's CPU is part of the cost per round trip, as in a proxied run.
  let held: Promise<void> | undefined;
  let released = () => {};
  const hold = () => {
    held = new Promise<void>((resolve) => {
      released = resolve;
    });
  };
  const release = () => {
    held = undefined;
    fromClient.resume();
    released();
  };
  /** Pushes one request; what to wait for when the gateway holds it (nothing, usually). */
  const request = (buf: Buffer): Promise<void> | undefined => {
    fromClient.push(buf);
    return held;
  };
  const frontend = new PostgresCommands(
    session,
    replies,
    prepared,
    { send: () => {}, hold, release, fatal: fail, terminate: () => {} },
    { pathChanged: false },
  );
  const clientWhole = new Uint8Array(256).fill(1);
  clientWhole[T.copyData] = 0;
  const fromClient = new Framer({
    whole: clientWhole,
    maxMessageBytes: 1 << 20,
    message: (type, buf, start, end) => frontend.message(type, buf, start, end),
    out: (b) => {
      bytes += b.length;
    },
    fail,
  });
  const fromServer = new Framer({
    whole: serverWhole,
    maxMessageBytes: 1 << 20,
    message: (type, buf, start, end) => replies.message(type, buf, start, end),
    out: (b) => {
      bytes += b.length;
    },
    fail,
  });
  await request(mode === 'simple' ? simpleRequest(0) : prepare);
  fromServer.push(mode === 'simple' ? simpleReply : prepareReply);
  // Requests are built before the clock starts: the client's work is not the gateway's. Every
  // round trip has its own aid, as pgbench's does, so no statement text repeats (the analyzer's
  // exact-text cache never answers; its digest cache does).
  const warmUp = Math.min(roundTrips, 5_000);
  const requests = Array.from({ length: warmUp + roundTrips }, (_, i) =>
    mode === 'simple' ? simpleRequest(i + 1) : preparedRequest(i + 1),
  );
  let next = 0;
  const reply = mode === 'simple' ? simpleReply : preparedReply;
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const wait = request(requests[next++]!);
      if (wait) await wait;
      fromServer.push(reply);
      if ((i + 1) % flushEvery === 0) recorder.flush();
    }
  };
  await run(warmUp); // JIT and caches
  const before = process.cpuUsage();
  await run(roundTrips);
  const used = process.cpuUsage(before);
  session.end('done');
  recorder.close();
  await side?.close();
  if (bytes === 0) throw new Error('nothing was relayed');
  return { user: used.user / roundTrips, system: used.system / roundTrips };
}

const results = new Map<string, { user: number; system: number }[]>();
try {
  for (let r = 0; r < repeats; r++)
    for (const variant of VARIANTS)
      for (const mode of MODES) {
        const key = `${variant.name} ${mode}`;
        const m = await measure(variant, mode);
        results.set(key, [...(results.get(key) ?? []), m]);
      }
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
}
const total = (key: string) => median(results.get(key)!.map((m) => m.user + m.system));
if (process.argv.includes('--markdown')) {
  // The table BENCHMARKS.md shows (bench/pgbench.ts runs this with --markdown).
  const row = (what: string, f: (mode: (typeof MODES)[number]) => number) =>
    `| ${what} | ${MODES.map((m) => f(m).toFixed(1)).join(' | ')} |`;
  console.log(
    [
      '| part of the round trip | simple µs | prepared µs |',
      '| --- | ---: | ---: |',
      row('protocol: framing, the reply queue, row samples and masking, statement events', (m) =>
        total(`protocol only ${m}`),
      ),
      row('transcript: scrubbing, JSON, the chain, the file write', (m) =>
        Math.max(0, total(`protocol + transcript ${m}`) - total(`protocol only ${m}`)),
      ),
      row(
        'analysis: digest, the verdict, and the catalogs read per statement (calls, what fires, column types)',
        (m) => Math.max(0, total(`gateway ${m}`) - total(`protocol + transcript ${m}`)),
      ),
      row('**the gateway, in all**', (m) => total(`gateway ${m}`)),
    ].join('\n'),
  );
} else {
  console.log(
    `${roundTrips} round trips × ${repeats} repeats; median µs of CPU per round trip (user + system):`,
  );
  for (const [key, ms] of results) {
    const user = median(ms.map((m) => m.user));
    const system = median(ms.map((m) => m.system));
    console.log(
      `  ${key.padEnd(30)} ${total(key).toFixed(2)}  (user ${user.toFixed(2)}, system ${system.toFixed(2)})`,
    );
  }
}
