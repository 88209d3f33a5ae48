// The differential oracle for Postgres: a seeded fuzzer sends statements that mix client
// encodings (multibyte characters whose second byte is a backslash), changes of the settings that
// decide how text is read (standard_conforming_strings, client_encoding, backslash_quote, by SET,
// set_config, RESET, SET LOCAL + ROLLBACK, a function, start-up options), pipelining (several
// Query messages, extended-protocol batches, all in one write), nested comments, dollar quotes and
// quoted identifiers around DROP TABLE of canary tables, through the gateway with the default
// (enforce) policy and no approval channel. The server logs every statement it executes
// (log_statement = all, csvlog); every one of them must be a text the gateway judged and allowed,
// byte for byte after decoding, and the canary tables must still exist. Used by
// test/integration/pg-fuzz-oracle.test.ts (fixed seed) and bench/fuzz-postgres.ts (soak).
import { createGatewayContext } from '../../src/gateway/context.js';
import { type PostgresGateway, startPostgresGateway } from '../../src/gateway/postgres/listener.js';
import { postgresSide } from '../../src/gateway/postgres/side-connection.js';
import type { PgSide } from '../../src/gateway/side-connection.js';
import { defaultPolicy } from '../../src/policy/index.js';
import type { Recorder } from '../../src/transcript/recorder.js';
import { type PgServer, startPostgres } from './pg-server.js';
import { type WireClient, wire, wireClient } from './pg-wire.js';

export const APPLICATION = 'guardrail-fuzz';
export const CANARIES = ['canary_1', 'canary_2', 'canary_3'];

export interface FuzzReport {
  /** Statement texts sent (one Query or Parse each). */
  cases: number;
  /** Verdicts of allow (start-up settings, judged as SET statements, included). */
  allowed: number;
  /** Answers of 42501 (refused by the gateway) or 0A000 (bytes it cannot read exactly). */
  refused: number;
  /** Statements the server logged as executed. */
  executed: number;
  /** Executed statements the gateway did not allow with that text, and canaries lost. */
  mismatches: string[];
  connections: number;
}

export interface PgFuzz {
  server: PgServer;
  gateway: PostgresGateway;
  /** Runs `count` cases from `seed`; checks the server's log every `checkEvery` cases and at the end. */
  run(count: number, seed: number, checkEvery?: number): Promise<FuzzReport>;
  stop(): Promise<void>;
}

const SETUP = `
${CANARIES.map((c) => `CREATE TABLE ${c} (id int);`).join('\n')}
CREATE TABLE t (id int, v text);
CREATE FUNCTION flip() RETURNS text LANGUAGE sql AS $$ SELECT set_config('standard_conforming_strings', 'off', false) $$;
CREATE FUNCTION flip_encoding(e text) RETURNS text LANGUAGE sql AS $$ SELECT set_config('client_encoding', e, false) $$;
CREATE FUNCTION sneaky() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM 'x\\'' ; DROP TABLE canary_1; -- '; END $$;
`;

/** A recorder that keeps nothing: the oracle is the server's log, not the transcript. */
const discard: Recorder = { record() {}, flush() {}, close() {}, failed: undefined };

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENCODINGS = [
  'UTF8',
  'LATIN1',
  'WIN1252',
  'SJIS',
  'BIG5',
  'GBK',
  'UHC',
  'GB18030',
  'EUC_KR',
  'SQL_ASCII',
];

/** Byte runs chosen to be a character in one encoding and something else in another. */
const PIECES: number[][] = [
  [0x95, 0x5c], // SJIS 表 (0x5C second byte)
  [0x81, 0x5c], // SJIS ―, GBK/GB18030 乗-range, invalid UHC
  [0xa5, 0x5c], // BIG5 功; SJIS: a kana, then a backslash
  [0xe4, 0xb8, 0xad], // UTF-8 中; BIG5/GBK: a pair, then a lone lead
  [0xe4, 0xb8, 0xad, 0x5c],
  [0xc3, 0xa9], // UTF-8 é
  [0xe9], // LATIN1 é
  [0x81, 0x27], // a lead byte before a quote
  [0x81, 0x30, 0x81, 0x30], // GB18030 four-byte
  [0xff],
  [0x5c],
  [0x5c, 0x5c],
  [],
];

type Piece = string | number[];

function bytes(parts: Piece[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}

class Generator {
  constructor(readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  piece(): number[] {
    return this.pick(PIECES);
  }

  /** A statement that may change how the server reads what follows. */
  change(): Buffer {
    const enc = this.pick(ENCODINGS);
    const scs = this.pick(['on', 'off']);
    return bytes([
      this.pick([
        `SET standard_conforming_strings = ${scs}`,
        `SET "standard_conforming_strings" TO ${scs}`,
        `SELECT set_config('standard_conforming_strings', '${scs}', false)`,
        `SELECT "pg_catalog"."set_config"('standard_conforming_strings', '${scs}', false)`,
        'RESET standard_conforming_strings',
        'RESET ALL',
        'BEGIN',
        `SET LOCAL standard_conforming_strings = ${scs}`,
        `SET LOCAL client_encoding = '${enc}'`,
        'ROLLBACK',
        'COMMIT',
        'SAVEPOINT a',
        'ROLLBACK TO SAVEPOINT a',
        'SELECT flip()',
        `SELECT flip_encoding('${enc}')`,
        `SET client_encoding = '${enc}'`,
        `SET NAMES '${enc}'`,
        `SELECT set_config('client_encoding', '${enc}', false)`,
        'RESET client_encoding',
        `SET backslash_quote = ${this.pick(['on', 'off', 'safe_encoding'])}`,
        'SET escape_string_warning = off',
      ]),
    ]);
  }

  /** A statement whose reading decides whether a DROP of a canary is code or text. */
  payload(): Buffer {
    const b = this.piece();
    const c = this.pick(CANARIES);
    const drop = `DROP TABLE ${c}`;
    const templates: Piece[][] = [
      ["SELECT '", b, `\\' ; ${drop}; -- '`],
      ["SELECT E'", b, `\\' ; ${drop}; -- '`],
      ["SELECT '", b, `\\'' ; ${drop}; -- '`],
      ["SELECT e'", b, `' ; ${drop}; -- '`],
      ['SELECT 1 /* ', b, ` /* */ ${drop}; -- */`],
      ['SELECT 1 /* ', b, ` */ ; ${drop}`],
      ['SELECT $q$', b, `\\$q$; ${drop}`],
      ['SELECT $q$', b, `$q$ ; SELECT '\\' ; ${drop}; -- '`],
      ['SELECT "', b, `\\"; ${drop}; --"`],
      ["SELECT U&'", b, `\\0041' ; ${drop}; -- '`],
      ["COMMENT ON TABLE t IS '", b, `\\' ; ${drop}; -- '`],
      ["INSERT INTO t VALUES (1, '", b, "')"],
      ["INSERT INTO t VALUES (2, E'", b, "\\\\')"],
      ["SELECT '", b, "'"],
      ["SELECT '", b, "\\'"],
      ['SELECT 1'],
      ["SELECT 'x' -- ", b, `\n; ${drop}`],
      ["SELECT '", b, `\\\\'; ${drop}`],
      ["DO $$ BEGIN PERFORM '", b, `\\'' ; ${drop}; -- '; END $$`],
      [
        "CREATE OR REPLACE FUNCTION fz() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM '",
        b,
        `\\'' ; ${drop}; -- '; END $$`,
      ],
      ['SELECT fz()'],
      ['SELECT sneaky()'],
    ];
    return bytes(this.pick(templates));
  }

  text(): Buffer {
    return this.random() < 0.35 ? this.change() : this.payload();
  }

  /** Start-up parameters of a new connection. */
  startup(): Record<string, string> {
    const params: Record<string, string> = { application_name: APPLICATION };
    if (this.random() < 0.6) params.client_encoding = this.pick(ENCODINGS);
    const options: string[] = [];
    if (this.random() < 0.3) options.push(`-c standard_conforming_strings=${this.pick(['on', 'off'])}`);
    if (this.random() < 0.2) options.push(`-c backslash_quote=${this.pick(['on', 'off', 'safe_encoding'])}`);
    if (this.random() < 0.15) options.push(`-c client_encoding=${this.pick(ENCODINGS)}`);
    if (options.length > 0) params.options = options.join(' ');
    return params;
  }
}

/** One write of 1–4 groups, each a simple Query or an extended batch of 1–3 statements and a Sync. */
function step(g: Generator): { messages: Buffer[]; texts: number; readies: number } {
  const messages: Buffer[] = [];
  let texts = 0;
  let readies = 0;
  for (let n = 1 + g.int(4); n > 0; n--) {
    if (g.random() < 0.6) {
      messages.push(wire.query(g.text()));
      texts++;
    } else {
      for (let k = 1 + g.int(3); k > 0; k--) {
        messages.push(wire.parse(g.text()), wire.bind(), wire.execute());
        texts++;
      }
      messages.push(wire.sync());
    }
    readies++;
  }
  return { messages, texts, readies };
}

/** Minimal CSV reader for the server's csvlog: quoted fields, doubled quotes, newlines inside. */
function csvRows(text: string): { rows: string[][]; rest: string } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let rowStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      rowStart = i + 1;
    } else field += c;
  }
  return { rows, rest: text.slice(rowStart) };
}

/** csvlog columns (0-based): 13 message, 22 application_name. */
const MESSAGE = 13;
const APP = 22;
const EXECUTED = /^(?:statement|execute [^:]*): ([\s\S]*)$/;

export async function startPgFuzz(): Promise<PgFuzz> {
  const server = await startPostgres({
    settings: {
      logging_collector: 'on',
      log_destination: 'csvlog',
      log_filename: 'fuzz',
      log_rotation_size: '0',
      log_rotation_age: '0',
      log_statement: 'all',
      log_min_error_statement: 'panic',
    },
  });
  await server.query(SETUP);
  const allowed = new Set<string>();
  const counts = { allowed: 0 };
  // As in the action: a side connection reads the bodies of called functions (and estimates).
  const side: PgSide = postgresSide(server.url());
  const context = await createGatewayContext({
    dialect: 'postgres',
    policy: defaultPolicy(),
    recorder: discard,
    database: { name: server.database, host: server.host, role: server.user },
    side: { dialect: 'postgres', connection: side },
  });
  // Impact estimates only ever add findings (mass-change, for UPDATE/DELETE, which the generator
  // does not send): without them each refused statement is not also planned on the side connection.
  delete context.impact;
  const decide = context.decide;
  context.decide = (analysis, statement) => {
    const verdict = decide(analysis, statement);
    if (verdict.action === 'allow') {
      counts.allowed++;
      allowed.add(statement.text);
    }
    return verdict;
  };
  const gateway = await startPostgresGateway({ upstream: server.url(), context });
  const [{ path }] = (await server.query<{ path: string }>(
    "SELECT pg_current_logfile('csvlog') AS path",
  )) as [{ path: string }];
  let offset = 0;
  let rest = '';

  /** Reads the log written since the last check; returns executed texts the gateway did not allow. */
  async function check(report: FuzzReport): Promise<void> {
    const [row] = await server.query<{ chunk: string }>(
      'SELECT pg_read_file($1, $2, (pg_stat_file($1)).size - $2) AS chunk',
      [path, offset],
    );
    const chunk = row?.chunk ?? '';
    offset += Buffer.byteLength(chunk, 'utf8');
    const parsed = csvRows(rest + chunk);
    rest = parsed.rest;
    for (const r of parsed.rows) {
      if (r[APP] !== APPLICATION) continue;
      const m = EXECUTED.exec(r[MESSAGE] ?? '');
      if (!m) continue;
      report.executed++;
      if (!allowed.has(m[1]!)) report.mismatches.push(`executed but not allowed: ${JSON.stringify(m[1])}`);
    }
    const present = new Set(
      (
        await server.query<{ relname: string }>(
          "SELECT relname FROM pg_class WHERE relname LIKE 'canary%' AND relkind = 'r'",
        )
      ).map((x) => x.relname),
    );
    for (const c of CANARIES) {
      if (present.has(c)) continue;
      report.mismatches.push(`canary ${c} was dropped`);
      await server.query(`CREATE TABLE ${c} (id int)`);
    }
  }

  async function connect(g: Generator): Promise<WireClient | undefined> {
    try {
      return await wireClient({
        host: gateway.host,
        port: gateway.port,
        user: gateway.user,
        password: gateway.password,
        database: gateway.database,
        params: g.startup(),
      });
    } catch {
      // A start-up the gateway refuses (or the server rejects) is a case, not a failure.
      return undefined;
    }
  }

  return {
    server,
    gateway,
    async run(count, seed, checkEvery = 5_000) {
      const g = new Generator(prng(seed));
      const report: FuzzReport = {
        cases: 0,
        allowed: 0,
        refused: 0,
        executed: 0,
        mismatches: [],
        connections: 0,
      };
      const before = counts.allowed;
      let client: WireClient | undefined;
      let sinceCheck = 0;
      let left = 0;
      while (report.cases < count) {
        if (!client || left-- <= 0) {
          client?.close();
          client = await connect(g);
          report.connections++;
          left = 10 + g.int(40);
          if (!client) continue;
        }
        const s = step(g);
        client.send(...s.messages);
        report.cases += s.texts;
        sinceCheck += s.texts;
        try {
          const r = await client.replies(s.readies);
          report.refused += r.errors.filter((e) => e === '42501' || e === '0A000').length;
        } catch {
          // The gateway may end a connection (a fatal error): the next step opens another.
          client.close();
          client = undefined;
        }
        if (sinceCheck >= checkEvery) {
          sinceCheck = 0;
          await check(report);
        }
      }
      client?.close();
      // Let the server write the last statements to its log.
      await new Promise((r) => setTimeout(r, 300));
      await check(report);
      report.allowed = counts.allowed - before;
      return report;
    },
    async stop() {
      await gateway.close();
      await side.close();
      await server.stop();
    },
  };
}
