// The client's commands, one at a time: COM_QUERY and COM_STMT_PREPARE are judged by the session
// before a byte of them is forwarded, commands on prepared statements are handled by
// prepared-commands.ts, COM_CHANGE_USER resets the session, and everything else is forwarded or
// refused. The connection (connection.ts) supplies the streams: forwarding, the reply routing,
// the endings.
import type { Socket } from 'node:net';
import { UpstreamError } from '../../errors/wire-errors.js';
import type { MysqlAnalysisContext } from '../../sql/mysql/analyze.js';
import { MYSQL_REFUSALS, type Refusal, refusal } from '../refusal.js';
import type { EngineSession, Judgement, Via } from '../session-contract.js';
import { applyChangeUser, type ChangeUser, parseChangeUser, verifyChangeUser } from './change-user.js';
import { clientText } from './client-text.js';
import { errPayload, frame, okPayload, type Packet } from './codec.js';
import type { ConnectionOptions, InFlight } from './connection.js';
import {
  CACHING_SHA2,
  Com,
  ER_MALFORMED,
  ER_NET_PACKETS_OUT_OF_ORDER,
  ER_NOT_SUPPORTED,
  ER_UNKNOWN_COM,
  Status,
} from './constants.js';
import type { DiagnosticsTaint } from './diagnostics-taint.js';
import { standInPrepare } from './dry-run.js';
import type { StatementSources } from './masking-catalog.js';
import { PreparedStatements } from './prepared.js';
import { refusalPayload } from './refusals.js';
import type { ResponseKind, ResponseTracker } from './replies.js';
import type { ResultMasker, ResultPlan } from './result-masking.js';
import type { MysqlSessionState } from './session-state.js';
import { mysqlStrictFindings } from './strict.js';
import { SessionTemporaryTables } from './temp-tables.js';

/** The command dispatch of a MySQL connection; the connection supplies what it acts through. */
export abstract class MysqlCommands {
  protected readonly prepared = new PreparedStatements();
  /** The session's own temporary tables (temp-tables.ts); the connection notes what ran. */
  protected readonly temporary = new SessionTemporaryTables();

  abstract readonly session: EngineSession;
  protected abstract readonly client: Socket;
  protected abstract readonly upstream: Socket;
  protected abstract readonly opts: ConnectionOptions;
  protected abstract readonly sessionTrack: boolean;
  protected abstract readonly diagnostics: DiagnosticsTaint;
  protected abstract readonly state: MysqlSessionState;
  /** A command is in flight (or being judged): the next one waits. */
  protected abstract busy: boolean;
  protected abstract closed: boolean;
  protected abstract status: number;
  protected abstract forward(
    p: Packet,
    kind: ResponseKind,
    cur?: Omit<InFlight, 'started' | 'lastSeq'>,
  ): void;
  protected abstract masker(
    binary: boolean,
    statementId?: string,
    sources?: StatementSources,
    cursor?: ResultPlan,
  ): ResultMasker;
  protected abstract internal(
    payload: Buffer,
    kind: ResponseKind,
    keepRows?: boolean,
  ): Promise<ResponseTracker>;
  /** Runs a text query on the session's own connection for the gateway, rows as text. */
  protected abstract query(sql: string): Promise<(string | null)[][]>;
  protected abstract next(): void;
  protected abstract flow(): void;
  /** COM_STMT_EXECUTE, _SEND_LONG_DATA, _CLOSE, _RESET, _FETCH (prepared-commands.ts). */
  protected abstract preparedCommand(p: Packet, cmd: number): void;
  protected abstract fatal(seq: number, message: string, code?: number): void;
  abstract close(reason: string): void;

  protected get inTransaction(): boolean {
    return (this.status & Status.IN_TRANS) !== 0;
  }

  protected get context(): MysqlAnalysisContext {
    return this.session.analysisContext as MysqlAnalysisContext;
  }

  protected reply(p: Packet, code: number, sqlState: string, message: string): void {
    this.client.write(frame(errPayload({ code, sqlState, message }), p.lastSeq + 1).bytes);
  }

  /** Masking strict mode: a statement that uses a masked column other than as is waits for review. */
  protected strict(
    p: Packet,
    j: Judgement,
    text: string,
    sources: StatementSources | undefined,
    go: (j: Judgement) => void,
  ): void {
    const held = mysqlStrictFindings(
      text,
      sources,
      this.opts.masking,
      this.context.sqlMode ?? '',
      this.context.server,
    );
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

  /**
   * Where the statement's result columns may come from, when the policy has column rules:
   * from the catalog cache, or after a lookup on the side connection (the command waits).
   */
  protected withSources(text: string, go: (sources: StatementSources | undefined) => void): void {
    const { catalog } = this.opts;
    if (!catalog) {
      go(undefined);
      return;
    }
    const s = catalog.sources(
      text,
      this.context.mysql?.schema ?? '',
      this.context.sqlMode ?? '',
      this.context.server,
    );
    if (!(s instanceof Promise)) {
      go(this.diagnostics.judge(text, s));
      return;
    }
    this.busy = true;
    s.then((r) => {
      if (!this.closed) go(this.diagnostics.judge(text, r));
    });
  }

  /** Asks the server whether a text query writes the session's own temporary table (temp-tables.ts). */
  private ownTemporary(text: string, go: () => void): void {
    const asked = this.temporary.before(text, this.context, (sql) => this.query(sql));
    if (!asked) go();
    else {
      this.busy = true;
      asked.then(() => !this.closed && go());
    }
  }

  private judge(
    p: Packet,
    text: string,
    via: Via,
    params: unknown[] | undefined,
    allow: (j: Judgement) => void,
  ): void {
    this.busy = true;
    // Asked for a text query only: a prepared write runs later, when the name may mean another table.
    if (via !== 'simple') delete this.context.ownTemporary;
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
      this.refuse(p, refusal('unjudgeable', `statement could not be judged: ${(err as Error).message}`));
      return;
    }
    if (j instanceof Promise)
      j.then(decide, (err: Error) =>
        this.refuse(p, refusal('unjudgeable', `statement could not be judged: ${err.message}`)),
      );
    else decide(j);
  }

  /** A dry run answers a write it does not execute with OK, so the migration tool goes on. */
  protected skipped(p: Packet, j: Judgement): void {
    this.session.skipped(j.statement.id, j.skip ?? 'skipped by the dry run');
    this.client.write(frame(okPayload(this.status, this.sessionTrack), p.lastSeq + 1).bytes);
    this.next();
  }

  /** A judged statement not run: the server's own syntax error when it cannot parse it either. */
  protected refuseJudged(p: Packet, j: Judgement): void {
    const server = j.serverError;
    if (!server?.errno) {
      this.refuse(p, j.refusal ?? refusal('unjudgeable', 'refused'), j.statement.id);
      return;
    }
    this.reply(p, server.errno, server.code, server.message);
    this.session.ran(j.statement.id, {
      durationMs: 0,
      error: { code: server.code, message: `${server.errno}: ${server.message}` },
    });
    this.next();
  }

  /** The ERR packet a refusal of this kind gets (refusal.ts's table). */
  protected refusalReply(p: Packet, r: Refusal): string {
    this.client.write(frame(refusalPayload(r), p.lastSeq + 1).bytes);
    return MYSQL_REFUSALS[r.kind].sqlState;
  }

  protected refuse(p: Packet, r: Refusal, statementId?: string): void {
    const code = this.refusalReply(p, r);
    if (statementId) this.session.ran(statementId, { durationMs: 0, error: { code, message: r.message } });
    this.next();
  }

  protected command(p: Packet): void {
    const payload = p.payload;
    if (p.seq !== 0) {
      this.fatal(p.lastSeq + 1, 'guardrail: packets out of order', ER_NET_PACKETS_OUT_OF_ORDER);
      return;
    }
    if (payload.length === 0) {
      this.refusalReply(p, refusal('malformed', 'empty command packet'));
      return;
    }
    const cmd = payload[0]!;
    switch (cmd) {
      case Com.QUERY: {
        const text = this.textOf(p, true);
        if (text === undefined) return;
        this.ownTemporary(text, () =>
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
          ),
        );
        return;
      }
      case Com.STMT_PREPARE: {
        const text = this.textOf(p, true);
        if (text === undefined) return;
        // Until this prepare succeeds, "the last prepared statement" names nothing runnable.
        this.prepared.last = undefined;
        this.judge(p, text, 'prepared', undefined, (j) =>
          this.forward(this.dryRunPrepare(p, text, j), 'prepare', {
            statementId: j.statement.id,
            after: (t) => {
              this.prepared.last = t.prepared?.statementId;
              if (t.prepared)
                this.prepared.set(t.prepared.statementId, {
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
      case Com.STMT_SEND_LONG_DATA:
      case Com.STMT_CLOSE:
      case Com.STMT_RESET:
      case Com.STMT_FETCH:
        this.preparedCommand(p, cmd);
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
            this.prepared.clear();
            this.temporary.clear();
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
   * Re-authenticates against the gateway's credentials, then resets the database session as a
   * change of user would (change-user.ts).
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
    if (ok === undefined) {
      this.reply(
        p,
        ER_NOT_SUPPORTED,
        '42000',
        `guardrail: COM_CHANGE_USER with ${c.plugin} is not supported; open a new connection instead`,
      );
      return;
    }
    if (!ok) {
      this.reply(p, 1045, '28000', `Access denied for user '${c.user}' (using password: YES)`);
      return;
    }
    this.busy = true;
    applyChangeUser(c, {
      query: (sql) => this.query(sql),
      command: (payload) => this.internal(payload, 'single'),
      forget: () => {
        this.prepared.clear();
        this.temporary.clear();
        this.context.mysql = { prepared: new Map(), routines: this.context.mysql?.routines ?? new Map() };
      },
      resync: () => this.state.resync(true),
    }).then(
      (refused) => {
        if (this.closed) return;
        if (refused !== undefined) {
          this.reply(p, ER_NOT_SUPPORTED, '42000', refused);
          this.next();
          return;
        }
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
          // The server refused the character set or the schema: the client learns why.
          this.reply(p, err.errno!, err.sqlState, err.message);
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
    const read = clientText(p.payload, this.context, sql);
    if ('text' in read) return read.text;
    const r = refusal('unjudgeable', read.why);
    this.session.notice('error', MYSQL_REFUSALS[r.kind].sqlState, r.message);
    this.refusalReply(p, r);
    return undefined;
  }
}
