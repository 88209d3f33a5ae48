// One client connection in the command phase: client packets are read whole, judged by the
// session and forwarded as their original bytes; the server's answers stream back through the
// scanner, followed by the response tracker so the next command waits for the end of the
// previous answer. Commands are handled one at a time (pipelined ones wait in the assembler).
// Result sets pass a ResultMasker on the way: the transcript's row sample, and with on-wire
// masking the rewritten rows and redacted errors (result-masking.ts).
import { isAscii } from 'node:buffer';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Masking } from '../../masking/index.js';
import type { MysqlAnalysisContext } from '../../sql/mysql/analyze.js';
import { decodeClient } from '../../sql/mysql/charset.js';
import { parseServerVersion } from '../../sql/mysql/server.js';
import { mayChangeClientCharset, touchesSessionTracking } from '../../sql/mysql/state.js';
import type { Analysis } from '../../sql/types.js';
import { type EngineSession, type Judgement, SKIPPED_CODE, type Via } from '../session-contract.js';
import { type ChangeUser, parseChangeUser, verifyChangeUser } from './change-user.js';
import {
  errPayload,
  frame,
  okPayload,
  type Packet,
  type PacketAssembler,
  PacketScanner,
  PacketTooLarge,
  ProtocolError,
  Route,
  type ScanSink,
} from './codec.js';
import { CACHING_SHA2, Cap, Com, Status } from './constants.js';
import { DiagnosticsTaint } from './diagnostics-taint.js';
import { DRY_RUN_WRITE, ER_READ_ONLY_TRANSACTION, standInPrepare } from './dry-run.js';
import type { MysqlMaskingCatalog, StatementSources } from './masking-catalog.js';
import { decodeExecuteParams, type ParamState } from './params.js';
import { type ResponseKind, ResponseTracker, textRow } from './replies.js';
import { ResultMasker, type ResultPlan, WITHHELD_TEXT } from './result-masking.js';
import { MysqlSessionState } from './session-state.js';
import { mysqlStrictFindings } from './strict.js';
import { UpstreamError } from './upstream.js';

/** Statements after which tables, views and routines are as they were (the masking catalog stays valid). */
const KEEPS_CATALOG =
  /^(?:insert|update|delete|replace|set|begin|start|commit|rollback|savepoint|release|lock|unlock|load|xa|do|handler)\b/i;
/** Client bytes buffered while a command is in flight before the client is paused. */
const HIGH_WATER = 4 * 1024 * 1024;

const ER_TABLEACCESS_DENIED = 1142;
const ER_UNKNOWN_COM = 1047;
const ER_NOT_SUPPORTED = 1235;
const ER_UNKNOWN_STMT = 1243;
const ER_MALFORMED = 1835;
const ER_NET_PACKET_TOO_LARGE = 1153;
const ER_NET_PACKETS_OUT_OF_ORDER = 1156;
const CR_SERVER_LOST = 2013;

interface InFlight {
  started: number;
  statementId?: string;
  /** Runs when the answer is complete (after it was forwarded). */
  after?: (t: ResponseTracker) => void;
  /** Read the session state from the server afterwards; 'reset': the session was reset. */
  refresh?: boolean | 'reset';
  /** The gateway's own query: nothing is forwarded to the client. */
  internal?: (t: ResponseTracker) => void;
  /** The client already got an answer from the gateway; the server's is dropped. */
  discard?: boolean;
  /** Sequence id of the last packet seen, for an error if the database goes away. */
  lastSeq: number;
  /** The text and analysis of what runs; session effects apply once the answer is complete. */
  text?: string;
  analysis?: Analysis;
  /** Samples the rows for the transcript and masks what the client receives. */
  masker?: ResultMasker;
}

interface PreparedStatement {
  text: string;
  /** The judgement made at prepare time; executions are recorded against it. */
  judgement: Judgement;
  params: ParamState;
  /** A cursor left open by the last execution: rows come through COM_STMT_FETCH with this plan. */
  cursor?: { plan: ResultPlan; statementId: string };
}

export interface ConnectionOptions {
  capabilities: number;
  status: number;
  /** Character set of the client's login (COM_CHANGE_USER may not change it). */
  charset: number;
  /** The upstream's version string from its greeting (flavour and version). */
  serverVersion: string;
  /** The gateway's credentials and the greeting's scramble, for COM_CHANGE_USER. */
  credentials: { user: string; password: string };
  scramble: Buffer;
  masking: Masking;
  /** Present when the policy has column rules: where result columns come from. */
  catalog?: MysqlMaskingCatalog;
}

export class MysqlConnection implements ScanSink {
  private readonly scanner = new PacketScanner(this);
  private tracker: ResponseTracker | undefined;
  private current: InFlight | undefined;
  private ended: { t: ResponseTracker; cur: InFlight } | undefined;
  private busy = false;
  private pumping = false;
  private closed = false;
  private status: number;
  private readonly deprecateEof: boolean;
  private readonly sessionTrack: boolean;
  private readonly statements = new Map<number, PreparedStatement>();
  private readonly opts: ConnectionOptions;
  /** Target of COM_STMT_EXECUTE with id 0xFFFFFFFF (MariaDB: "the last prepared"). */
  private lastPrepared: number | undefined;
  /** The masker of the packet the scanner is capturing (it may complete after its answer ended). */
  private capturing: ResultMasker | undefined;
  private readonly diagnostics: DiagnosticsTaint;
  /** The session's parsing state as the server confirms it. */
  private readonly state: MysqlSessionState;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly clientPackets: PacketAssembler,
    readonly session: EngineSession,
    opts: ConnectionOptions,
    private readonly onClose: () => void,
  ) {
    this.opts = opts;
    this.diagnostics = new DiagnosticsTaint(opts.masking.matcher);
    this.status = opts.status;
    this.deprecateEof = (opts.capabilities & Cap.DEPRECATE_EOF) !== 0;
    this.sessionTrack = (opts.capabilities & Cap.SESSION_TRACK) !== 0;
    this.state = new MysqlSessionState(session, this.sessionTrack, (sql) => this.query(sql));
    const server = parseServerVersion(opts.serverVersion);
    if (server) this.context.server = server;
  }

  /** Reads the session's sql_mode and schema, then completes the client's login with OK. */
  async start(okSeq: number): Promise<void> {
    this.upstream.on('data', (chunk: Buffer) => this.fromUpstream(chunk));
    this.upstream.on('drain', () => this.flow());
    this.upstream.on('error', () => {});
    this.upstream.on('close', () => this.upstreamClosed());
    this.client.on('error', () => {});
    this.client.on('close', () => this.close('client disconnected'));
    this.client.on('drain', () => {
      if (!this.closed) this.upstream.resume();
    });
    try {
      await this.state.resync(true);
    } catch (err) {
      this.fatal(okSeq, `guardrail: cannot read the session's sql_mode: ${(err as Error).message}`);
      return;
    }
    if (this.closed) return;
    this.busy = false;
    this.client.write(frame(okPayload(this.status, this.sessionTrack), okSeq).bytes);
    this.client.on('data', (chunk: Buffer) => {
      this.clientPackets.push(chunk);
      this.pump();
    });
    this.client.resume();
    this.pump();
  }

  private get inTransaction(): boolean {
    return (this.status & Status.IN_TRANS) !== 0;
  }

  // ---- server → client ------------------------------------------------------------------------

  private fromUpstream(chunk: Buffer): void {
    if (this.closed) return;
    let out: Buffer[];
    try {
      out = this.scanner.push(chunk);
    } catch (err) {
      this.fatal(
        this.current ? this.current.lastSeq + 1 : 1,
        `guardrail: bad answer from the database: ${(err as Error).message}`,
      );
      return;
    }
    if (out.length > 0) {
      this.client.cork();
      for (const b of out) this.client.write(b);
      this.client.uncork();
      if (this.client.writableNeedDrain) this.upstream.pause();
    }
    const ended = this.ended;
    if (ended) {
      this.ended = undefined;
      try {
        this.finish(ended.t, ended.cur);
      } catch (err) {
        this.fatal(0, `guardrail: ${(err as Error).message}`);
      }
    }
  }

  packet(buf: Buffer, off: number, peek: number, len: number, seq: number, continuation: boolean): Route {
    const cur = this.current;
    const t = this.tracker;
    if (!t || !cur) return Route.Forward;
    if (continuation) return dropping(cur) ? Route.Drop : Route.Forward;
    cur.lastSeq = seq;
    t.packet(buf, off, peek, len);
    if (t.localInfile) {
      // Only possible from a server that ignores the missing CLIENT_LOCAL_FILES: answer with
      // an empty file so it reads nothing, and tell the client.
      t.localInfile = false;
      this.upstream.write(frame(Buffer.alloc(0), seq + 1).bytes);
      if (!cur.internal && !cur.discard) {
        this.scanner.inject(
          frame(
            errPayload({
              code: ER_TABLEACCESS_DENIED,
              sqlState: '42000',
              message: 'guardrail: the database asked to read a client file (LOAD DATA LOCAL); refused',
            }),
            seq,
          ).bytes,
        );
      }
      cur.discard = true;
      return Route.Drop;
    }
    if (t.done) {
      this.ended = { t, cur };
      this.tracker = undefined;
      this.current = undefined;
    }
    if (dropping(cur)) return Route.Drop;
    if (!cur.masker) return Route.Forward;
    const route = cur.masker.route(t, buf, off, peek, len, seq);
    if (route === Route.Capture) this.capturing = cur.masker;
    return route;
  }

  captured(payload: Buffer, seq: number): Buffer | undefined {
    const m = this.capturing;
    this.capturing = undefined;
    return m ? m.captured(payload, seq) : frame(payload, seq).bytes;
  }

  private finish(t: ResponseTracker, cur: InFlight): void {
    if (t.status >= 0) this.status = t.status;
    if (cur.internal) {
      cur.internal(t);
      return;
    }
    cur.masker?.close();
    if (cur.statementId) {
      const e = t.error;
      if (e?.code === ER_READ_ONLY_TRANSACTION && this.session.gateway.mode === 'dry-run')
        this.session.notice('note', SKIPPED_CODE, DRY_RUN_WRITE);
      const withheld = cur.masker?.withheld;
      this.session.ran(cur.statementId, {
        tag: t.kind === 'prepare' ? 'PREPARE' : t.resultSets > 0 ? 'RESULTSET' : 'OK',
        rows: t.resultSets > 0 ? t.rows : t.affected,
        durationMs: performance.now() - cur.started,
        ...(withheld
          ? { error: { code: '42000', message: `guardrail: result withheld: ${withheld}` } }
          : e
            ? // Session.ran redacts the message (values in `Duplicate entry '…'`) before recording.
              {
                error: {
                  code: e.sqlState,
                  message: `${e.code}: ${cur.masker?.withholds(e.code) ? WITHHELD_TEXT : e.message}`,
                },
              }
            : {}),
      });
    }
    if (this.opts.catalog && cur.analysis && !cur.analysis.readOnly && mayChangeCatalog(cur.analysis))
      this.opts.catalog.invalidate();
    cur.after?.(t);
    if (cur.analysis) this.state.carryAnalyzerState(cur.analysis);
    if (t.tracked) this.state.confirm(t.tracked);
    if (cur.refresh || this.state.unconfirmed(t, cur.analysis)) {
      this.state.resync(cur.refresh === 'reset').then(
        () => this.next(),
        (err) => this.fatal(0, `guardrail: cannot read the session's state: ${(err as Error).message}`),
      );
    } else this.next();
  }

  private get context(): MysqlAnalysisContext {
    return this.session.analysisContext as MysqlAnalysisContext;
  }

  /** Runs a query of the gateway's own on the client's connection, between its commands. */
  private internal(payload: Buffer, kind: ResponseKind, keepRows = false): Promise<ResponseTracker> {
    return new Promise((resolve, reject) => {
      this.busy = true;
      this.tracker = new ResponseTracker(kind, this.deprecateEof, keepRows, this.sessionTrack);
      this.current = {
        started: performance.now(),
        lastSeq: 0,
        internal: (t) => {
          if (t.error) reject(new UpstreamError(t.error.code, t.error.sqlState, t.error.message));
          else resolve(t);
        },
      };
      this.upstream.write(frame(payload, 0).bytes);
    });
  }

  private async query(sql: string): Promise<(string | null)[][]> {
    const t = await this.internal(
      Buffer.concat([Buffer.from([Com.QUERY]), Buffer.from(sql, 'utf8')]),
      'results',
      true,
    );
    return (t.kept ?? []).map(textRow);
  }

  // ---- client → server ------------------------------------------------------------------------

  private next(): void {
    this.busy = false;
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.busy && !this.closed) {
        let p: Packet | undefined;
        try {
          p = this.clientPackets.next();
        } catch (err) {
          const code = err instanceof PacketTooLarge ? ER_NET_PACKET_TOO_LARGE : ER_MALFORMED;
          this.fatal(1, `guardrail: ${(err as Error).message}`, code);
          return;
        }
        if (!p) break;
        try {
          this.command(p);
        } catch (err) {
          // A bug must not take the gateway down with it; this connection cannot go on.
          this.fatal(p.lastSeq + 1, `guardrail: internal error: ${(err as Error).message}`);
          return;
        }
      }
    } finally {
      this.pumping = false;
    }
    this.flow();
  }

  private flow(): void {
    if (this.closed) return;
    const hold = this.upstream.writableNeedDrain || (this.busy && this.clientPackets.buffered > HIGH_WATER);
    if (hold && !this.client.isPaused()) this.client.pause();
    else if (!hold && this.client.isPaused()) this.client.resume();
  }

  private reply(p: Packet, code: number, sqlState: string, message: string): void {
    this.client.write(frame(errPayload({ code, sqlState, message }), p.lastSeq + 1).bytes);
  }

  /** Masking strict mode: a statement that uses a masked column other than as is waits for review. */
  private strict(
    p: Packet,
    j: Judgement,
    text: string,
    sources: StatementSources | undefined,
    go: (j: Judgement) => void,
  ): void {
    const held = mysqlStrictFindings(text, sources, this.opts.masking, this.context.sqlMode ?? '');
    if (held.length === 0) {
      go(j);
      return;
    }
    const decided = (r: Judgement) => {
      if (this.closed) return;
      if (r.forward) go(r);
      else if (r.skip) this.skipped(p, r);
      else this.refuseJudged(p, r);
    };
    // Executions and text queries: what is held here runs now, if at all.
    const r = this.session.review(j, held, false);
    if (r instanceof Promise) r.then(decided);
    else decided(r);
  }

  /** A dry run prepares a stand-in for a write: its executions are answered without running. */
  private dryRunPrepare(p: Packet, text: string, j: Judgement): Packet {
    if (this.session.gateway.mode !== 'dry-run' || j.analysis.readOnly) return p;
    return { ...p, raw: frame(standInPrepare(text, this.context.sqlMode ?? ''), 0).bytes };
  }

  private forward(p: Packet, kind: ResponseKind, cur: Omit<InFlight, 'started' | 'lastSeq'> = {}): void {
    this.busy = true;
    this.tracker = new ResponseTracker(kind, this.deprecateEof, false, this.sessionTrack);
    // The client's copy of a database error is redacted on the wire, whatever the command.
    const masker = cur.masker ?? (this.opts.masking.config.onWire ? this.masker(false) : undefined);
    this.current = { started: performance.now(), lastSeq: p.lastSeq, ...cur, ...(masker ? { masker } : {}) };
    this.upstream.write(p.raw);
  }

  private masker(
    binary: boolean,
    statementId?: string,
    sources?: StatementSources,
    cursor?: ResultPlan,
  ): ResultMasker {
    return new ResultMasker({
      masking: this.opts.masking,
      binary,
      ...(sources ? { sources } : {}),
      ...(statementId ? { statementId } : {}),
      ...(cursor ? { cursor } : {}),
      rows: (r) => this.session.rows(r),
      inject: (b) => this.scanner.inject(b),
    });
  }

  /**
   * Where the statement's result columns may come from, when the policy has column rules:
   * from the catalog cache, or after a lookup on the side connection (the command waits).
   */
  private withSources(text: string, go: (sources: StatementSources | undefined) => void): void {
    const { catalog } = this.opts;
    if (!catalog) {
      go(undefined);
      return;
    }
    const s = catalog.sources(text, this.context.mysql?.schema ?? '', this.context.sqlMode ?? '');
    if (!(s instanceof Promise)) {
      go(this.diagnostics.judge(text, s));
      return;
    }
    this.busy = true;
    s.then((r) => {
      if (!this.closed) go(this.diagnostics.judge(text, r));
    });
  }

  private judge(
    p: Packet,
    text: string,
    via: Via,
    params: unknown[] | undefined,
    allow: (j: Judgement) => void,
  ): void {
    this.busy = true;
    const decide = (j: Judgement) => {
      if (this.closed) return;
      if (j.forward) allow(j);
      else if (j.skip) this.skipped(p, j);
      else this.refuseJudged(p, j);
    };
    let j: Judgement | Promise<Judgement>;
    try {
      j = this.session.inspect(text, via, {
        inTransaction: this.inTransaction,
        ...(params ? { params } : {}),
      });
    } catch (err) {
      this.refuse(p, `guardrail: statement could not be judged: ${(err as Error).message}`);
      return;
    }
    if (j instanceof Promise)
      j.then(decide, (err: Error) =>
        this.refuse(p, `guardrail: statement could not be judged: ${err.message}`),
      );
    else decide(j);
  }

  /** A dry run answers a write it does not execute with OK, so the migration tool goes on. */
  private skipped(p: Packet, j: Judgement): void {
    this.session.skipped(j.statement.id, j.skip ?? 'skipped by the dry run');
    this.client.write(frame(okPayload(this.status, this.sessionTrack), p.lastSeq + 1).bytes);
    this.next();
  }

  /** A judged statement not run: the server's own syntax error when it cannot parse it either. */
  private refuseJudged(p: Packet, j: Judgement): void {
    const server = j.serverError;
    if (!server?.errno) {
      this.refuse(p, j.refusal ?? 'guardrail: refused', j.statement.id);
      return;
    }
    this.reply(p, server.errno, server.code, server.message);
    this.session.ran(j.statement.id, {
      durationMs: 0,
      error: { code: server.code, message: `${server.errno}: ${server.message}` },
    });
    this.next();
  }

  private refuse(p: Packet, message: string, statementId?: string): void {
    this.reply(p, ER_TABLEACCESS_DENIED, '42000', message);
    if (statementId) this.session.ran(statementId, { durationMs: 0, error: { code: '42000', message } });
    this.next();
  }

  private command(p: Packet): void {
    const payload = p.payload;
    if (p.seq !== 0) {
      this.fatal(p.lastSeq + 1, 'guardrail: packets out of order', ER_NET_PACKETS_OUT_OF_ORDER);
      return;
    }
    if (payload.length === 0) {
      this.reply(p, ER_MALFORMED, '08S01', 'guardrail: empty command packet');
      return;
    }
    const cmd = payload[0]!;
    switch (cmd) {
      case Com.QUERY: {
        const text = this.textOf(p, true);
        if (text === undefined) return;
        this.judge(p, text, 'simple', undefined, (judged) =>
          this.withSources(text, (sources) =>
            this.strict(p, judged, text, sources, (j) =>
              this.forward(p, 'results', {
                statementId: j.statement.id,
                text,
                analysis: j.analysis,
                masker: this.masker(false, j.statement.id, sources),
              }),
            ),
          ),
        );
        return;
      }
      case Com.STMT_PREPARE: {
        const text = this.textOf(p, true);
        if (text === undefined) return;
        // Until this prepare succeeds, "the last prepared statement" names nothing runnable.
        this.lastPrepared = undefined;
        this.judge(p, text, 'prepared', undefined, (j) =>
          this.forward(this.dryRunPrepare(p, text, j), 'prepare', {
            statementId: j.statement.id,
            after: (t) => {
              this.lastPrepared = t.prepared?.statementId;
              if (t.prepared)
                this.statements.set(t.prepared.statementId, {
                  text,
                  judgement: j,
                  params: { count: t.prepared.params, longData: new Map() },
                });
            },
          }),
        );
        return;
      }
      case Com.STMT_EXECUTE:
        this.execute(p);
        return;
      case Com.STMT_SEND_LONG_DATA:
      case Com.STMT_CLOSE: {
        const stmt = this.statementOf(p);
        if (!stmt) return; // Neither has a response, so an unknown id is ignored as the server would.
        if (cmd === Com.STMT_CLOSE) this.statements.delete(stmt.id);
        else if (payload.length >= 7) {
          const param = payload.readUInt16LE(5);
          stmt.s.params.longData.set(param, (stmt.s.params.longData.get(param) ?? 0) + payload.length - 7);
        }
        this.upstream.write(p.raw);
        this.flow();
        return;
      }
      case Com.STMT_RESET: {
        const stmt = this.statementOf(p);
        if (!stmt) {
          this.reply(
            p,
            ER_UNKNOWN_STMT,
            'HY000',
            'Unknown prepared statement handler given to mysqld_stmt_reset',
          );
          return;
        }
        stmt.s.params.longData.clear();
        this.forward(p, 'single');
        return;
      }
      case Com.STMT_FETCH:
        this.fetch(p);
        return;
      case Com.INIT_DB: {
        const db = this.textOf(p, false);
        if (db === undefined) return;
        this.judge(p, `USE \`${db.replace(/`/g, '``')}\``, 'simple', undefined, (j) =>
          this.forward(p, 'single', { statementId: j.statement.id, refresh: true }),
        );
        return;
      }
      case Com.RESET_CONNECTION:
        this.forward(p, 'single', {
          refresh: 'reset',
          after: (t) => {
            if (t.error) return;
            this.statements.clear();
            this.lastPrepared = undefined;
            // The server forgot the session's SQL-level prepared statements too.
            if (this.context.mysql) this.context.mysql = { ...this.context.mysql, prepared: new Map() };
          },
        });
        return;
      case Com.PING:
      case Com.STATISTICS:
      case Com.SET_OPTION:
        this.forward(p, 'single');
        return;
      case Com.FIELD_LIST:
        this.forward(p, 'field-list');
        return;
      case Com.QUIT:
        this.upstream.end(p.raw);
        this.close('client quit');
        return;
      case Com.CHANGE_USER:
        this.changeUser(p);
        return;
      default:
        this.reply(
          p,
          ER_UNKNOWN_COM,
          '08S01',
          `guardrail: command 0x${cmd.toString(16).padStart(2, '0')} is not supported`,
        );
    }
  }

  /**
   * Re-authenticates against the gateway's credentials, then resets the database session
   * (COM_RESET_CONNECTION, and COM_INIT_DB for the requested schema) as a change of user would.
   */
  private changeUser(p: Packet): void {
    let c: ChangeUser;
    try {
      c = parseChangeUser(p.payload, this.opts.capabilities);
    } catch (err) {
      this.reply(p, ER_MALFORMED, '08S01', `guardrail: malformed COM_CHANGE_USER: ${(err as Error).message}`);
      return;
    }
    const ok = verifyChangeUser(c, this.opts.credentials, this.opts.scramble);
    if (ok === undefined || (c.charset !== undefined && c.charset !== this.opts.charset)) {
      this.reply(
        p,
        ER_NOT_SUPPORTED,
        '42000',
        ok === undefined
          ? `guardrail: COM_CHANGE_USER with ${c.plugin} is not supported; open a new connection instead`
          : 'guardrail: COM_CHANGE_USER with another character set is not supported; open a new connection instead',
      );
      return;
    }
    if (!ok) {
      this.reply(p, 1045, '28000', `Access denied for user '${c.user}' (using password: YES)`);
      return;
    }
    this.busy = true;
    const run = async () => {
      await this.internal(Buffer.from([Com.RESET_CONNECTION]), 'single');
      this.statements.clear();
      this.lastPrepared = undefined;
      this.context.mysql = { prepared: new Map(), routines: this.context.mysql?.routines ?? new Map() };
      if (c.database)
        await this.internal(
          Buffer.concat([Buffer.from([Com.INIT_DB]), Buffer.from(c.database, 'utf8')]),
          'single',
        );
      await this.state.resync(true);
    };
    run().then(
      () => {
        if (this.closed) return;
        this.session.notice(
          'info',
          '00000',
          `COM_CHANGE_USER: session reset${c.database ? `, schema ${c.database}` : ''}`,
        );
        let seq = p.lastSeq + 1;
        if (c.plugin === CACHING_SHA2) seq = this.writeClient(Buffer.from([0x01, 0x03]), seq);
        this.writeClient(okPayload(this.status, this.sessionTrack), seq);
        this.next();
      },
      (err: Error) => {
        if (err instanceof UpstreamError) {
          // The session was reset but the schema could not be selected: the client learns why.
          this.reply(p, err.code, err.sqlState, err.message);
          this.next();
        } else this.fatal(p.lastSeq + 1, `guardrail: COM_CHANGE_USER failed: ${err.message}`);
      },
    );
  }

  private writeClient(payload: Buffer, seq: number): number {
    const { bytes, next } = frame(payload, seq);
    this.client.write(bytes);
    return next;
  }

  /**
   * The command's text as the server will read it, decoded under character_set_client; or
   * undefined once the client was told why it cannot be read that surely (`sql`: a statement
   * text rather than a name).
   */
  private textOf(p: Packet, sql: boolean): string | undefined {
    const ctx = this.context;
    const charset = ctx.characterSetClient ?? 'utf8mb4';
    const decoded = decodeClient(p.payload, 1, charset);
    const text = 'text' in decoded ? decoded.text : undefined;
    let why = 'error' in decoded ? decoded.error : undefined;
    if (text !== undefined && sql && touchesSessionTracking(text))
      why =
        'statements that change session_track_* settings are refused: the gateway follows the session state through them';
    else if (
      text !== undefined &&
      sql &&
      !isAscii(p.payload.subarray(1)) &&
      mayChangeClientCharset(text, ctx.sqlMode, ctx.server)
    )
      why = `non-ASCII bytes after a statement that may change character_set_client (now ${charset}) in the same text cannot be read before the server runs it; send the statements separately`;
    if (why === undefined) return text;
    const message = `guardrail: ${why}`;
    this.session.notice('error', '42000', message);
    this.reply(p, ER_TABLEACCESS_DENIED, '42000', message);
    return undefined;
  }

  /** Resolves the statement id of a COM_STMT_* packet (0xFFFFFFFF: the last prepared). */
  private statementOf(p: Packet): { id: number; s: PreparedStatement } | undefined {
    if (p.payload.length < 5) return undefined;
    let id: number | undefined = p.payload.readUInt32LE(1);
    if (id === 0xffffffff) id = this.lastPrepared;
    const s = id === undefined ? undefined : this.statements.get(id);
    return s && id !== undefined ? { id, s } : undefined;
  }

  private execute(p: Packet): void {
    const stmt = this.statementOf(p);
    if (!stmt) {
      // Every statement the server knows was prepared through the gateway; an unknown id (or
      // "the last prepared" after a refused or failed prepare) must not reach it.
      this.reply(
        p,
        ER_UNKNOWN_STMT,
        'HY000',
        'guardrail: unknown prepared statement handler given to COM_STMT_EXECUTE',
      );
      return;
    }
    let params: { values: unknown[]; exact: boolean };
    try {
      if (p.payload.length < 10) throw new ProtocolError('packet too short');
      params = decodeExecuteParams(p.payload, stmt.s.params);
    } catch (err) {
      this.reply(
        p,
        ER_MALFORMED,
        '08S01',
        `guardrail: malformed COM_STMT_EXECUTE: ${(err as Error).message}`,
      );
      return;
    } finally {
      stmt.s.params.longData.clear();
    }
    // Judged at prepare time: each execution is recorded with its parameters, not judged again
    // (only estimated, when the mass-change rule needs the values).
    let j: Judgement | Promise<Judgement>;
    try {
      j = this.session.execute(stmt.s.judgement, params.values, params.exact);
    } catch (err) {
      this.refuse(p, `guardrail: statement could not be judged: ${(err as Error).message}`);
      return;
    }
    if (!(j instanceof Promise)) {
      this.executeJudged(p, stmt.s, j);
      return;
    }
    this.busy = true;
    j.then(
      (judged) => {
        if (!this.closed) this.executeJudged(p, stmt.s, judged);
      },
      (err: Error) => this.refuse(p, `guardrail: statement could not be judged: ${err.message}`),
    );
  }

  private executeJudged(p: Packet, s: PreparedStatement, j: Judgement): void {
    if (j.skip) {
      this.skipped(p, j);
      return;
    }
    if (!j.forward) {
      this.refuseJudged(p, j);
      return;
    }
    this.withSources(s.text, (sources) =>
      this.strict(p, j, s.text, sources, (j) => this.executeForwarded(p, s, j, sources)),
    );
  }

  private executeForwarded(p: Packet, s: PreparedStatement, j: Judgement, sources?: StatementSources): void {
    const masker = this.masker(true, j.statement.id, sources);
    this.forward(p, 'results', {
      statementId: j.statement.id,
      text: s.text,
      analysis: j.analysis,
      masker,
      after: (t) => {
        if (t.status >= 0 && t.status & Status.CURSOR_EXISTS && masker.lastPlan && !masker.withheld)
          s.cursor = { plan: masker.lastPlan, statementId: j.statement.id };
        else delete s.cursor;
      },
    });
  }

  /** Rows of an open cursor: masked with the plan of the execution that opened it. */
  private fetch(p: Packet): void {
    const cursor = this.statementOf(p)?.s.cursor;
    if (!cursor && this.opts.catalog && this.opts.masking.config.onWire) {
      this.reply(
        p,
        ER_TABLEACCESS_DENIED,
        '42000',
        'guardrail: COM_STMT_FETCH without a cursor the gateway has a masking plan for',
      );
      return;
    }
    this.forward(
      p,
      'fetch',
      cursor ? { masker: this.masker(true, cursor.statementId, undefined, cursor.plan) } : {},
    );
  }

  // ---- endings --------------------------------------------------------------------------------

  private upstreamClosed(): void {
    if (this.closed) return;
    if (this.busy && this.current && !this.current.internal && !this.current.discard)
      this.client.end(
        frame(
          errPayload({
            code: CR_SERVER_LOST,
            sqlState: 'HY000',
            message: 'guardrail: lost the connection to the database',
          }),
          this.current.lastSeq + 1,
        ).bytes,
      );
    this.close('database closed the connection');
  }

  /** Tells the client why and closes: for states the connection cannot recover from. */
  private fatal(seq: number, message: string, code = CR_SERVER_LOST): void {
    if (this.closed) return;
    this.client.end(frame(errPayload({ code, sqlState: '08S01', message }), seq).bytes);
    this.close(message);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.session.end(reason);
    if (!this.client.writableEnded) this.client.end();
    setTimeout(() => this.client.destroy(), 1_000).unref();
    this.upstream.destroy();
    this.onClose();
  }
}

function dropping(cur: InFlight): boolean {
  return cur.internal !== undefined || cur.discard === true || cur.masker?.withheld !== undefined;
}

function mayChangeCatalog(analysis: Analysis): boolean {
  return analysis.statements.some((st) => !KEEPS_CATALOG.test(st.canonical.trimStart()));
}
