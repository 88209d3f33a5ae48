// One client connection in the command phase: client packets are read whole, handed to the
// command dispatch (commands.ts) and forwarded as their original bytes; the server's answers
// stream back through the scanner, followed by the response tracker so the next command waits
// for the end of the previous answer. Commands are handled one at a time (pipelined ones wait in
// the assembler). Result sets pass a ResultMasker on the way: the transcript's row sample, and
// with on-wire masking the rewritten rows and redacted errors (result-masking.ts).
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { UpstreamError } from '../../errors/wire-errors.js';
import type { Masking } from '../../masking/index.js';
import { parseServerVersion } from '../../sql/mysql/server.js';
import { mayChangeCatalog } from '../../sql/mysql/state.js';
import type { Analysis } from '../../sql/types.js';
import { MYSQL_REFUSALS, refusal } from '../refusal.js';
import { type EngineSession, SKIPPED_CODE } from '../session-contract.js';
import {
  errPayload,
  frame,
  okPayload,
  type Packet,
  type PacketAssembler,
  PacketScanner,
  PacketTooLarge,
  Route,
  type ScanSink,
} from './codec.js';
import { Cap, Com, CR_SERVER_LOST, ER_NET_PACKET_TOO_LARGE } from './constants.js';
import { DiagnosticsTaint } from './diagnostics-taint.js';
import { DRY_RUN_WRITE, ER_READ_ONLY_TRANSACTION } from './dry-run.js';
import type { MysqlMaskingCatalog, StatementSources } from './masking-catalog.js';
import { MysqlPreparedCommands } from './prepared-commands.js';
import { refusalPayload } from './refusals.js';
import { type ResponseKind, ResponseTracker, textRow } from './replies.js';
import { ColumnMemo, ResultMasker, type ResultPlan, WITHHELD_TEXT } from './result-masking.js';
import { MysqlSessionState } from './session-state.js';

/** Client bytes buffered while a command is in flight before the client is paused. */
const HIGH_WATER = 4 * 1024 * 1024;

export interface InFlight {
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

export interface ConnectionOptions {
  capabilities: number;
  /** Column definitions carry MariaDB's extended metadata field (capabilities.ts). */
  extendedMetadata: boolean;
  status: number;
  /** The upstream's version string from its greeting (flavour and version). */
  serverVersion: string;
  /** The gateway's credentials and the greeting's scramble, for COM_CHANGE_USER. */
  credentials: { user: string; password: string };
  scramble: Buffer;
  masking: Masking;
  /** Present when the policy has column rules: where result columns come from. */
  catalog?: MysqlMaskingCatalog;
}

export class MysqlConnection extends MysqlPreparedCommands implements ScanSink {
  private readonly scanner = new PacketScanner(this);
  private tracker: ResponseTracker | undefined;
  private current: InFlight | undefined;
  private ended: { t: ResponseTracker; cur: InFlight } | undefined;
  protected busy = false;
  private pumping = false;
  protected closed = false;
  protected status: number;
  private readonly deprecateEof: boolean;
  protected readonly sessionTrack: boolean;
  protected readonly opts: ConnectionOptions;
  /** The masker of the packet the scanner is capturing (it may complete after its answer ended). */
  private capturing: ResultMasker | undefined;
  protected readonly diagnostics: DiagnosticsTaint;
  private readonly columns: ColumnMemo;
  /** The session's parsing state as the server confirms it. */
  protected readonly state: MysqlSessionState;

  constructor(
    protected readonly client: Socket,
    protected readonly upstream: Socket,
    private readonly clientPackets: PacketAssembler,
    readonly session: EngineSession,
    opts: ConnectionOptions,
    private readonly onClose: () => void,
  ) {
    super();
    this.opts = opts;
    this.diagnostics = new DiagnosticsTaint(opts.masking.matcher);
    this.columns = new ColumnMemo(opts.extendedMetadata);
    this.status = opts.status;
    this.deprecateEof = (opts.capabilities & Cap.DEPRECATE_EOF) !== 0;
    this.sessionTrack = (opts.capabilities & Cap.SESSION_TRACK) !== 0;
    this.state = new MysqlSessionState(session, this.sessionTrack, (sql) => this.query(sql));
    const server = parseServerVersion(opts.serverVersion);
    if (server) this.context.server = server;
  }

  /** Reads the session's sql_mode and schema, then completes the client's login with OK. */
  async start(okSeq: number): Promise<void> {
    this.upstream.on('data', (chunk: Buffer) => this.afterWrites(() => this.fromUpstream(chunk)));
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
      this.afterWrites(() => this.pump());
    });
    this.client.resume();
    this.pump();
  }

  /**
   * Handles a chunk with the transcript lines it produces recorded after its writes (see
   * EngineSession.afterWrites); a transcript that fails then ends this connection only.
   */
  private afterWrites(fn: () => void): void {
    try {
      this.session.afterWrites(fn);
    } catch (err) {
      this.fatal(0, `guardrail: ${(err as Error).message}`);
    }
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
      // Usually one slice (the scanner joins what it forwards unchanged): a plain write.
      if (out.length === 1) this.client.write(out[0]!);
      else {
        this.client.cork();
        for (const b of out) this.client.write(b);
        this.client.uncork();
      }
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
            refusalPayload(
              refusal('policy-deny', 'the database asked to read a client file (LOAD DATA LOCAL); refused'),
            ),
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
    if (
      this.opts.catalog &&
      cur.analysis &&
      !cur.analysis.readOnly &&
      mayChangeCatalog(cur.analysis.statements)
    )
      this.opts.catalog.invalidate();
    cur.after?.(t);
    if (cur.text) this.temporary.ran(cur.text, this.context.sqlMode);
    if (cur.analysis) this.state.carryAnalyzerState(cur.analysis);
    if (t.tracked) this.state.confirm(t.tracked);
    if (cur.refresh || this.state.unconfirmed(t, cur.analysis)) {
      this.state.resync(cur.refresh === 'reset').then(
        () => this.next(),
        (err) => this.fatal(0, `guardrail: cannot read the session's state: ${(err as Error).message}`),
      );
    } else this.next();
  }

  /** Runs a query of the gateway's own on the client's connection, between its commands. */
  protected internal(payload: Buffer, kind: ResponseKind, keepRows = false): Promise<ResponseTracker> {
    return new Promise((resolve, reject) => {
      this.busy = true;
      this.tracker = new ResponseTracker(kind, this.deprecateEof, keepRows, this.sessionTrack);
      this.current = {
        started: performance.now(),
        lastSeq: 0,
        internal: (t) => {
          if (t.error) reject(new UpstreamError(t.error.message, t.error.sqlState, t.error.code));
          else resolve(t);
        },
      };
      this.upstream.write(frame(payload, 0).bytes);
    });
  }

  protected async query(sql: string): Promise<(string | null)[][]> {
    const t = await this.internal(
      Buffer.concat([Buffer.from([Com.QUERY]), Buffer.from(sql, 'utf8')]),
      'results',
      true,
    );
    return (t.kept ?? []).map(textRow);
  }

  // ---- client → server ------------------------------------------------------------------------

  /** The command is done with (answered by the server or by the gateway): nothing is in flight. */
  protected next(): void {
    this.session.quiet(this.inTransaction);
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
          const code =
            err instanceof PacketTooLarge ? ER_NET_PACKET_TOO_LARGE : MYSQL_REFUSALS.malformed.errno;
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

  protected flow(): void {
    if (this.closed) return;
    const hold = this.upstream.writableNeedDrain || (this.busy && this.clientPackets.buffered > HIGH_WATER);
    if (hold && !this.client.isPaused()) this.client.pause();
    else if (!hold && this.client.isPaused()) this.client.resume();
  }

  protected forward(p: Packet, kind: ResponseKind, cur: Omit<InFlight, 'started' | 'lastSeq'> = {}): void {
    this.busy = true;
    this.tracker = new ResponseTracker(kind, this.deprecateEof, false, this.sessionTrack);
    // The client's copy of a database error is redacted on the wire, whatever the command.
    const masker = cur.masker ?? (this.opts.masking.config.onWire ? this.masker(false) : undefined);
    this.current = { started: performance.now(), lastSeq: p.lastSeq, ...cur, ...(masker ? { masker } : {}) };
    this.upstream.write(p.raw);
  }

  protected masker(
    binary: boolean,
    statementId?: string,
    sources?: StatementSources,
    cursor?: ResultPlan,
  ): ResultMasker {
    return new ResultMasker({
      masking: this.opts.masking,
      binary,
      columns: this.columns,
      ...(sources ? { sources } : {}),
      ...(statementId ? { statementId } : {}),
      ...(cursor ? { cursor } : {}),
      rows: (r) => this.session.rows(r),
      inject: (b) => this.scanner.inject(b),
    });
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
  protected fatal(seq: number, message: string, code = CR_SERVER_LOST): void {
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
