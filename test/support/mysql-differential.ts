// The differential oracle for the MySQL gateway: a seeded fuzzer writes texts that mean one thing
// under one session state and another under the next (client character sets whose characters
// end in 0x5C, sql_mode flags set by SET, SET STATEMENT, @@ forms, executable comments and a
// procedure, executable comments versioned around the server's version, MSSQL [names]) around
// payloads that destroy a canary table, pipelined several commands to a write, through the
// gateway with the project's default enforce policy and no approver (every review is refused).
// The server is the judge: its slow log (long_query_time = 0) records every statement as the
// server split and decoded it. Each must be a statement the gateway judged and allowed, and
// the canaries must be intact. Used by test/integration/mysql-differential.test.ts (fixed
// seed) and bench/fuzz-mysql.ts (random seed, large counts).
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { isAbsolute, join } from 'node:path';
import iconv from 'iconv-lite';
import mysql from 'mysql2/promise';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import type { GatewayContext } from '../../src/gateway/session-types.js';
import { decide, defaultPolicy } from '../../src/policy/index.js';
import { analyze } from '../../src/sql/analyze.js';
import { decodeClient } from '../../src/sql/mysql/charset.js';
import type { MysqlAnalysisContext } from '../../src/sql/mysql/session.js';
import type { Analysis } from '../../src/sql/types.js';
import type { Recorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from './mariadb-server.js';
import { packet, rawMysqlLogin } from './mysql-clients.js';

/** A small seeded generator (mulberry32): the same seed gives the same cases. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const b = (s: string) => Buffer.from(s, 'latin1');

const CANARY_DROP = ['DROP TABLE canary', 'DELETE FROM canary', 'TRUNCATE canary', 'DROP TABLE app.canary'];

/** Lead bytes after which 0x5C is the second byte of one character in GBK, BIG5, SJIS/CP932. */
const LEADS = [0xbf, 0xa4, 0x95, 0x81, 0xe0];

/** Executable-comment versions around the server's (set per run from its greeting). */
function versions(server: number): number[] {
  return [server - 1, server, server + 1, 50699, 50700, 99999, 100000, 10111];
}

/** Statements that change (or look like they change) how the next text is read. */
function setter(r: Rand, server: number): Buffer {
  const v = pick(r, versions(server));
  return b(
    pick(r, [
      'SET NAMES gbk',
      'SET NAMES big5',
      'SET NAMES sjis',
      'SET NAMES cp932',
      'SET NAMES utf8mb4',
      'SET NAMES latin1',
      "SET character_set_client = 'gbk'",
      "SET @@session.character_set_client = 'sjis'",
      "SET @@character_set_client := 'big5'",
      'SET `character_set_client` = cp932',
      'SET CHARACTER SET gbk',
      '/*!40101 SET NAMES gbk */',
      `/*!${v} SET NAMES sjis */`,
      "SET STATEMENT character_set_client = 'gbk' FOR SELECT 1",
      "SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
      "SET @@sql_mode := 'ANSI_QUOTES'",
      "SET SESSION sql_mode = 'MSSQL'",
      "SET sql_mode = 'ORACLE'",
      "SET sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES'",
      "SET sql_mode = ''",
      "SET @@session.`sql_mode` = 'NO_BACKSLASH_ESCAPES'",
      "SET @@SESSION.Sql_Mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'",
      "SET STATEMENT sql_mode = 'NO_BACKSLASH_ESCAPES' FOR SELECT 1",
      "SET sql_mode = 'NO_BACKSLASH_ESCAPES' /*!99999 , sql_mode = '' */",
      `SET sql_mode = '' /*!${v} , sql_mode = 'NO_BACKSLASH_ESCAPES' */`,
      `SET sql_mode = '' /*M!${v} , sql_mode = 'ANSI_QUOTES' */`,
      `/*!${v} SET sql_mode = 'NO_BACKSLASH_ESCAPES' */`,
      "SET sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')",
      "SET sql_mode = (SELECT 'NO_BACKSLASH_ESCAPES')",
      'CALL setmode()',
      "PREPARE s1 FROM 'SET sql_mode = ''NO_BACKSLASH_ESCAPES'''",
      'EXECUTE s1',
      "EXECUTE IMMEDIATE 'SET NAMES gbk'",
    ]),
  );
}

/** Texts that hide a canary-destroying statement from one of the readings. */
function smuggle(r: Rand, server: number): Buffer {
  const payload = ` ; ${pick(r, CANARY_DROP)}; -- `;
  const v = pick(r, versions(server));
  switch (Math.floor(r() * 8)) {
    case 0: // a multibyte character whose second byte is the backslash before a quote
      return Buffer.concat([b("SELECT 'x"), Buffer.from([pick(r, LEADS), 0x5c]), b(`'${payload}'`)]);
    case 1: // NO_BACKSLASH_ESCAPES ends the string at the backslash
      return b(`SELECT 'a\\'${payload}'`);
    case 2: // ANSI_QUOTES: "…" is a name, and backslash does not escape in names
      return b(`SELECT "a\\"${payload}"`);
    case 3: // MariaDB MSSQL mode: [names]
      return b(`SELECT 1 AS [a']${payload}']`);
    case 4: // an executable comment that may not run
      return b(`SELECT 1 /*${pick(r, ['!', 'M!'])}${v} ' */${payload}'`);
    case 5: // a comment that does not run holding one level of comment
      return b(`SELECT 1 /*!${v} /* */ ' */${payload}'`);
    case 6:
      return Buffer.concat([b(`SELECT 'x`), Buffer.from([pick(r, LEADS), 0x5c, 0x5c]), b(`'${payload}'`)]);
    default:
      return b(pick(r, CANARY_DROP));
  }
}

function benign(r: Rand): Buffer {
  return pick(r, [
    b('SELECT 1'),
    b("SELECT 'plain'"),
    b("INSERT INTO notes (v) VALUES ('n')"),
    Buffer.concat([b("SELECT '"), Buffer.from([0xc3, 0xa9]), b("'")]),
    b('SELECT COUNT(*) FROM canary'),
  ]);
}

export interface FuzzCase {
  /** Login collation id: utf8mb4, gbk, big5, sjis, cp932, latin1. */
  collation: number;
  /** Ask for CLIENT_SESSION_TRACK (mysql2 and the mariadb connector do; pymysql does not). */
  track: boolean;
  /** Socket writes, each holding one or more COM_QUERY texts (pipelined). */
  writes: Buffer[][];
}

const COLLATIONS = [45, 45, 28, 1, 13, 95, 8];

export function generateCase(r: Rand, server: number): FuzzCase {
  const text = (): Buffer => {
    const parts: Buffer[] = [];
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const k = r();
      parts.push(k < 0.4 ? setter(r, server) : k < 0.85 ? smuggle(r, server) : benign(r));
    }
    return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [b('; '), p])));
  };
  const writes: Buffer[][] = [];
  const w = 1 + Math.floor(r() * 2);
  for (let i = 0; i < w; i++) writes.push(Array.from({ length: 1 + Math.floor(r() * 3) }, text));
  return { collation: pick(r, COLLATIONS), track: r() < 0.5, writes };
}

/** A raw client: answers are read packet by packet to know where each command's answer ends. */
class RawClient {
  private buf: Buffer;
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(
    readonly socket: Socket,
    early: Buffer,
  ) {
    this.buf = early;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async next(deadline: number): Promise<Buffer> {
    for (;;) {
      if (this.buf.length >= 4) {
        const len = this.buf.readUIntLE(0, 3);
        if (this.buf.length >= 4 + len) {
          const p = this.buf.subarray(4, 4 + len);
          this.buf = this.buf.subarray(4 + len);
          return p;
        }
      }
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no answer within the deadline');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The answer to one command: 'ok' when every result ended well, else the first error. */
  async answer(deadline: number): Promise<{ ok: boolean; code?: number; message?: string }> {
    for (;;) {
      const p = await this.next(deadline);
      if (p[0] === 0xff) return { ok: false, code: p.readUInt16LE(1), message: p.toString('utf8', 9) };
      let status: number;
      if (p[0] === 0x00) {
        let i = 1;
        for (let k = 0; k < 2; k++) i += p[i]! < 0xfb ? 1 : p[i] === 0xfc ? 3 : p[i] === 0xfd ? 4 : 9;
        status = p.readUInt16LE(i);
      } else {
        // A result set: column definitions, EOF, rows, EOF (no CLIENT_DEPRECATE_EOF).
        let q = await this.next(deadline);
        while (!(q[0] === 0xfe && q.length < 9)) q = await this.next(deadline);
        q = await this.next(deadline);
        while (!(q[0] === 0xfe && q.length < 9)) {
          if (q[0] === 0xff) return { ok: false, code: q.readUInt16LE(1), message: q.toString('utf8', 9) };
          q = await this.next(deadline);
        }
        status = q.readUInt16LE(3);
      }
      if (!(status & 0x0008)) return { ok: true };
    }
  }
}

export interface DifferentialReport {
  cases: number;
  /** Commands the gateway forwarded and the server answered without error. */
  allowed: number;
  /** Commands the gateway refused. */
  refused: number;
  /** Commands forwarded that the server answered with an error. */
  failed: number;
  /** Statements the server logged as executed. */
  executed: number;
  /** What went wrong: statements run that were not judged and allowed, canaries touched. */
  mismatches: string[];
  elapsedMs: number;
}

export interface Differential {
  server: MariaDbServer;
  gateway: MysqlGateway;
  run(count: number, seed: number): Promise<DifferentialReport>;
  /** Plays given cases (a reproduction), `label` naming them in mismatches. */
  play(cases: FuzzCase[], label: string): Promise<DifferentialReport>;
  stop(): Promise<void>;
}

/**
 * Comparable form of bytes the server ran: ASCII kept, each run of other bytes one '?' (the
 * log has the raw bytes, the gateway's side decoded text; only the ASCII syntax must agree),
 * and the server's patch of executable comments that do not run (`/*!` becomes `/* `) undone.
 */
function comparable(bytes: Buffer): string {
  let out = '';
  let run = false;
  for (const x of bytes) {
    if (x >= 0x80) {
      if (!run) out += '?';
      run = true;
    } else {
      out += String.fromCharCode(x);
      run = false;
    }
  }
  return out.replace(/\/\*(M?)!/g, '/*$1 ');
}

let latin1Bytes: Map<string, number> | undefined;

/** The bytes the client sent for a text the gateway decoded under `charset`. */
function encode(text: string, charset: string): Buffer {
  const cs = charset.toLowerCase();
  if (cs.startsWith('utf8')) return Buffer.from(text, 'utf8');
  if (cs === 'latin1' || cs === 'ascii' || cs === 'binary') {
    if (!latin1Bytes) {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const table = (decodeClient(all, 0, 'latin1') as { text: string }).text;
      latin1Bytes = new Map([...table].map((ch, i) => [ch, i]));
    }
    return Buffer.from([...text].map((ch) => latin1Bytes!.get(ch) ?? 0x3f));
  }
  return iconv.encode(text, ({ sjis: 'shift_jis' } as Record<string, string>)[cs] ?? cs);
}

/** Statements of the slow log (raw bytes) run by `user`, in order. */
function slowLogStatements(log: Buffer, user: string): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  let mine = false;
  let query: Buffer[] | undefined;
  const end = () => {
    if (query && mine) {
      let q = Buffer.concat(query).subarray(0, -1); // the newline
      if (q[q.length - 1] === 0x3b) q = q.subarray(0, -1); // the ';' the log adds
      out.push(q);
    }
    query = undefined;
  };
  while (p < log.length) {
    let nl = log.indexOf(0x0a, p);
    if (nl < 0) nl = log.length - 1;
    const line = log.subarray(p, nl + 1);
    p = nl + 1;
    const head = line.toString('latin1', 0, Math.min(line.length, 16));
    if (head.startsWith('# User@Host: ')) {
      end();
      mine = line.toString('latin1').startsWith(`# User@Host: ${user}`);
    } else if (head.startsWith('# ')) end();
    else if (head.startsWith('SET timestamp=')) query = [];
    else if (query) query.push(line);
  }
  end();
  return out;
}

/** A statement the server ran that is one comment and nothing else (an empty query). */
function onlyComment(e: string): boolean {
  if (e.startsWith('--') || e.startsWith('#')) return !e.includes('\n');
  return e.startsWith('/*') && e.indexOf('*/') === e.length - 2;
}

const GATEWAY_QUERIES = [
  'SELECT @@SESSION.sql_mode, DATABASE(), @@SESSION.character_set_client',
  'SET SESSION session_track_system_variables',
];

export async function startDifferential(): Promise<Differential> {
  const server = await startMariaDb();
  await server.admin(
    `CREATE TABLE app.canary (id INT PRIMARY KEY); INSERT INTO app.canary VALUES (1), (2), (3);
     CREATE TABLE app.notes (v TEXT) CHARACTER SET utf8mb4;
     CREATE PROCEDURE app.setmode() SET sql_mode = 'NO_BACKSLASH_ESCAPES';
     SET GLOBAL log_output = 'FILE', GLOBAL slow_query_log = 1, GLOBAL long_query_time = 0,
       GLOBAL log_slow_admin_statements = 1;`,
  );
  /** Every allowed input by statement id: its text and the statements the analyzer found in it. */
  const allowed = new Map<string, { text: string; charset: string; analysis: Analysis }>();
  let charset = 'utf8mb4';
  /** Allowed inputs the server answered with an error: it ran none of the statement it failed on. */
  const failed = new Set<string>();
  const recorder: Recorder = {
    record(_conn, e) {
      if (e.type === 'result' && e.error) failed.add(e.id);
    },
    flush() {},
    close() {},
    failed: undefined,
  };
  const policy = defaultPolicy();
  const context: GatewayContext = {
    dialect: 'mysql',
    mode: 'enforce',
    analyze: (text, ctx) => {
      charset = (ctx as MysqlAnalysisContext).characterSetClient ?? 'utf8mb4';
      return analyze(text, ctx);
    },
    decide: (analysis, statement) => {
      const verdict = decide(analysis, policy);
      if (verdict.action === 'allow') allowed.set(statement.id, { text: statement.text, charset, analysis });
      return verdict;
    },
    recorder,
    preapproved: new Set(),
    approvalTimeoutMs: 1_000,
    database: { name: 'app', host: server.host, role: server.user },
    redact: (t) => t,
  };
  const gateway = await startMysqlGateway({
    upstream: `${server.url()}?ssl-mode=disable`,
    context,
    authPlugin: 'mysql_native_password',
    tls: false,
  });
  // The checks run as root over the socket: the log is searched for the gateway's user only.
  const check = await mysql.createConnection({
    socketPath: server.socket,
    user: 'root',
    multipleStatements: true,
  });
  const [[{ v }]] = (await check.query('SELECT @@version AS v')) as unknown as [[{ v: string }]];
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v)!;
  const [[{ dir, file }]] = (await check.query(
    'SELECT @@datadir AS dir, @@slow_query_log_file AS file',
  )) as unknown as [[{ dir: string; file: string }]];
  const slowLog = isAbsolute(file) ? file : join(dir, file);
  const serverVersion = +m[1]! * 10000 + +m[2]! * 100 + +m[3]!;

  async function canaryIntact(): Promise<boolean> {
    try {
      const [rows] = (await check.query('SELECT COUNT(*) AS n FROM app.canary')) as unknown as [
        [{ n: number }],
      ];
      if (rows[0].n === 3) return true;
    } catch {}
    await check.query(
      'DROP TABLE IF EXISTS app.canary; CREATE TABLE app.canary (id INT PRIMARY KEY); INSERT INTO app.canary VALUES (1), (2), (3)',
    );
    return false;
  }

  /** Every statement the server ran for the gateway's connections must match an allowed one. */
  function unjudged(logged: Buffer[]): string[] {
    const inputs = [...allowed.entries()].map(([id, x]) => {
      const bytes = (t: string) => encode(t, x.charset);
      return {
        text: comparable(bytes(x.text)),
        statements: x.analysis.statements.map((st) => {
          const at = comparable(bytes(x.text.slice(0, st.offset))).length;
          return { at, end: at + comparable(bytes(st.text)).length };
        }),
        failed: failed.has(id),
      };
    });
    const out: string[] = [];
    for (const raw of logged) {
      const e = comparable(raw).trim();
      if (e === '' || GATEWAY_QUERIES.some((q) => e.startsWith(q))) continue;
      const ok = inputs.some(({ text, statements, failed }) => {
        for (let at = text.indexOf(e); at >= 0; at = text.indexOf(e, at + 1)) {
          const to = at + e.length;
          const inside = statements.filter((st) => st.at < to && st.end > at);
          // One analysed statement, wholly inside what the server ran as one; or nothing
          // analysed when the server ran only a comment (an empty query).
          if (inside.length === 1 && inside[0]!.at >= at && inside[0]!.end <= to) return true;
          if (inside.length === 0 && onlyComment(e)) return true;
          // The server stopped at a statement it could not parse (or an empty one) and logged
          // the rest of the text from there: acceptable only if the input did end in an error,
          // and the span starts where a statement of ours does (or before the first one).
          if (failed && text.slice(to).trim() === '' && inside.every((st) => st.at >= at)) return true;
        }
        return false;
      });
      if (!ok) out.push(`ran without being judged and allowed: ${JSON.stringify(raw.toString('latin1'))}`);
    }
    return out;
  }

  function run(count: number, seed: number): Promise<DifferentialReport> {
    const r = rng(seed);
    return play(
      Array.from({ length: count }, () => generateCase(r, serverVersion)),
      `seed ${seed}`,
    );
  }

  async function play(cases: FuzzCase[], label: string): Promise<DifferentialReport> {
    const count = cases.length;
    const started = Date.now();
    const report: DifferentialReport = {
      cases: 0,
      allowed: 0,
      refused: 0,
      failed: 0,
      executed: 0,
      mismatches: [],
      elapsedMs: 0,
    };
    let logRead = readFileSync(slowLog).length;
    allowed.clear();
    failed.clear();
    for (let i = 0; i < count; i++) {
      const c = cases[i]!;
      report.cases++;
      const login = await rawMysqlLogin(gateway, {
        collation: c.collation,
        capabilities: c.track ? 1 << 23 : 0,
      });
      const client = new RawClient(login.socket, login.early);
      try {
        for (const w of c.writes) {
          login.socket.write(Buffer.concat(w.map((t) => packet(Buffer.concat([Buffer.from([0x03]), t]), 0))));
          for (let k = 0; k < w.length; k++) {
            const a = await client.answer(Date.now() + 10_000);
            if (a.ok) report.allowed++;
            else if (a.code === 1142 && a.message?.startsWith('guardrail')) report.refused++;
            else report.failed++;
          }
        }
      } catch (err) {
        report.mismatches.push(`case ${i} (${label}): ${(err as Error).message}`);
      } finally {
        login.socket.destroy();
      }
      if (!(await canaryIntact())) report.mismatches.push(`case ${i} (${label}): the canary was changed`);
      if (i % 200 === 199 || i === count - 1) {
        const log = readFileSync(slowLog);
        const ran = slowLogStatements(log.subarray(logRead), `${server.user}[${server.user}]`);
        logRead = log.length;
        report.executed += ran.length;
        report.mismatches.push(...unjudged(ran));
        allowed.clear();
        failed.clear();
      }
    }
    report.elapsedMs = Date.now() - started;
    return report;
  }

  return {
    server,
    gateway,
    run,
    play,
    async stop() {
      await check.end();
      await gateway.close();
      await server.stop();
    },
  };
}
