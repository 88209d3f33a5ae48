// Client-to-server messages: every statement is judged before a byte of it is forwarded.
//
// A refused statement is replaced by a statement that fails to parse (FAILING_SQL), and the
// server's syntax error is swapped for the refusal on the way back (see Replies). The server
// thus runs nothing of the refused statement, yet its own state follows exactly as if the
// statement had failed: an open transaction block enters the failed state, an extended-protocol
// pipeline skips to Sync and rolls back its implicit transaction, and the refusal arrives at
// the client in order behind the replies to everything sent before it.
import { highBytes, readingDependsOnState } from '../../sql/postgres/encoding.js';
import { POSTGRES_REFUSALS, type Refusal, refusal } from '../refusal.js';
import type { EngineSession, Judgement, Via } from '../session-contract.js';
import {
  errorResponse,
  FAILING_SQL,
  parseMessage,
  parseParamTypes,
  queryMessage,
  readExecute,
  readParse,
  readQuery,
  readTarget,
  refusedBind,
  T,
} from './codec.js';
import { DRY_RUN_ROLLBACK, type DryRun } from './dry-run.js';
import { notePrepares, preparedBySql, readBind } from './executions.js';
import { FastPath } from './fast-path.js';
import { type Disposition, DROP, FORWARD, STOP } from './framer.js';
import type { FunctionOids } from './function-oids.js';
import type { MaskingCatalog } from './masking-catalog.js';
import type { NamedStatements } from './prepared.js';
import { refusalResponse } from './refusals.js';
import {
  BIND,
  CLOSE,
  DESCRIBE,
  EXECUTE,
  INTERNAL,
  PARSE,
  QUERY,
  type Replies,
  type StatementFacts,
  SYNC,
} from './replies.js';
import { FactFinder } from './statement-facts.js';

const COPY = /^\s*copy\b/i;

export interface CommandHooks {
  /** Sends bytes to the server (used when a held statement is decided). */
  send(buf: Buffer): void;
  /** Stops reading the client (also the rest of the chunk being read): a statement waits. */
  hold(): void;
  /** Resumes reading the client and processing what queued behind the held statement. */
  release(): void;
  fatal(message: string, code: string): void;
  terminate(): void;
}

export class PostgresCommands {
  /** After a refused Parse: drop client messages until Sync, as the server does after an error. */
  private discarding = false;
  private readonly facts: FactFinder;
  private readonly fastPath: FastPath;

  constructor(
    private readonly session: EngineSession,
    private readonly replies: Replies,
    private readonly prepared: NamedStatements,
    private readonly hooks: CommandHooks,
    /**
     * Result masking: `facts` are recorded per statement; `catalog` when column rules exist;
     * `pathChanged` when start-up settings changed the search path or role.
     */
    private readonly masking?: { catalog?: MaskingCatalog; pathChanged?: boolean },
    private readonly dryRun?: DryRun,
    functions?: FunctionOids,
  ) {
    this.facts = new FactFinder(session, replies, masking);
    this.fastPath = new FastPath(session, replies, functions, hooks, {
      judge: (text, params, buf, start, end, decided) =>
        this.judge(text, 'fast-path', buf, start, end, decided, params),
      refusal: (j) => this.refuse(j),
      hold: () => this.block(),
      release: () => this.unblock(),
    });
  }

  /** Reasons the client is not read: a statement being judged, a dry-run batch not yet ended. */
  private holds = 0;
  private awaitingReady = false;

  private block(): void {
    if (this.holds++ === 0) this.hooks.hold();
  }

  private unblock(): void {
    if (--this.holds === 0) this.hooks.release();
  }

  /** Dry run: the batch's ReadyForQuery, or a CopyInResponse, went to the client. */
  batchDone(): void {
    if (!this.awaitingReady) return;
    this.awaitingReady = false;
    this.unblock();
  }

  /**
   * Dry run: the gateway's own SQL goes before the first message of a batch (see dry-run.ts);
   * its replies are expected before the message's own.
   */
  private openBatch(): Buffer | undefined {
    const prefix = this.dryRun?.batchPrefix();
    if (prefix) this.replies.expect(INTERNAL);
    return prefix;
  }

  /** Dry run: the message that ends a batch is the last read until the batch's ReadyForQuery is out. */
  private endBatch(): void {
    this.awaitingReady = true;
    this.block();
  }

  message(type: number, buf: Buffer, start: number, end: number): Disposition {
    if (!this.dryRun) return this.relay(type, buf, start, end);
    switch (type) {
      case T.query:
      case T.parse:
      case T.copyData:
      case T.flush:
        return this.relay(type, buf, start, end);
      case T.terminate:
        this.hooks.terminate();
        // A dry run's transaction ends rolled back, whatever the client did.
        return Buffer.concat([DRY_RUN_ROLLBACK, buf.subarray(start, end)]);
      case T.copyDone:
      case T.copyFail:
        // The end of COPY FROM STDIN data: nothing more is read until the batch has ended.
        if (!this.replies.copyIn) return FORWARD;
        this.endBatch();
        return buf.subarray(start, end);
      default: {
        const prefix = this.openBatch();
        const d = this.relay(type, buf, start, end);
        // A refused fast-path call is answered as a Query: it ends its batch like a Sync.
        if (type === T.sync || type === T.functionCall) this.endBatch();
        const body = d === FORWARD ? buf.subarray(start, end) : d;
        if (typeof body === 'number') return prefix ?? body;
        return prefix ? Buffer.concat([prefix, body]) : body;
      }
    }
  }

  private relay(type: number, buf: Buffer, start: number, end: number): Disposition {
    if (type === T.sync) {
      this.discarding = false;
      this.replies.expect(SYNC);
      return FORWARD;
    }
    if (type === T.flush) return FORWARD;
    if (type === T.terminate) {
      this.hooks.terminate();
      return FORWARD;
    }
    if (this.discarding) return DROP;
    switch (type) {
      case T.query:
        return this.query(buf, start, end);
      case T.parse:
        return this.parse(buf, start, end);
      case T.bind:
        return this.bind(buf, start, end);
      case T.execute: {
        const portal = readExecute(buf, start, end);
        if (portal === undefined) return this.malformed('Execute');
        const p = this.prepared.portals.get(portal);
        const s = p?.statement;
        this.replies.expect(EXECUTE, { stmt: p?.execution ?? s?.id, facts: s, portal: p });
        return FORWARD;
      }
      case T.describe: {
        const d = readTarget(buf, start, end);
        if (!d) return this.malformed('Describe');
        const target = d.statement ? this.prepared.statements.get(d.name) : this.prepared.portals.get(d.name);
        this.replies.expect(DESCRIBE, { describes: target });
        return FORWARD;
      }
      case T.close: {
        const c = readTarget(buf, start, end);
        if (!c) return this.malformed('Close');
        if (c.statement) this.prepared.statements.delete(c.name);
        else this.prepared.portals.delete(c.name);
        this.replies.expect(CLOSE);
        return FORWARD;
      }
      case T.copyData:
      case T.copyDone:
      case T.copyFail:
        return FORWARD;
      case T.functionCall:
        return this.fastPath.call(buf, start, end);
      default:
        this.hooks.fatal(`unexpected message type 0x${type.toString(16)} from the client`, '08P01');
        return DROP;
    }
  }

  private malformed(what: string): Disposition {
    this.hooks.fatal(`malformed ${what} message`, '08P01');
    return DROP;
  }

  /**
   * A Query or Parse whose reading depends on settings (a high byte: the client encoding; a
   * backslash: standard_conforming_strings) behind messages not yet answered, which may have
   * changed them. When those messages end their batch, the server answers them unprompted: this
   * one is held, and what the client sent after it, until the ReadyForQuery (and the
   * ParameterStatus before it) arrives, then judged under the confirmed state. Inside an open
   * extended-protocol batch nothing is answered before the client's Sync, so waiting would
   * deadlock: it is judged under every state instead (see `judgeUnsettled`). Returns undefined to
   * judge now.
   */
  private awaitState(
    type: number,
    buf: Buffer,
    start: number,
    end: number,
    from: number,
    to: number,
  ): Disposition | undefined {
    if (this.replies.pending === 0 || !readingDependsOnState(buf, from, to)) return undefined;
    if (!this.replies.batchClosed)
      return this.judgeUnsettled(type === T.parse ? PARSE : QUERY, buf, from, to);
    const held = Buffer.from(buf.subarray(start, end));
    this.block();
    this.replies.whenIdle(() => {
      let d: Disposition;
      try {
        d = this.message(type, held, 0, held.length);
      } catch (err) {
        this.hooks.fatal(`gateway error: ${(err as Error).message}`, 'XX000');
        return;
      }
      if (d === FORWARD) this.hooks.send(held);
      else if (typeof d !== 'number') this.hooks.send(d);
      this.unblock();
    });
    return STOP;
  }

  /**
   * Judged under every state the unanswered messages could have left: standard_conforming_strings
   * off (the analyzer then treats a backslash in a plain string or in nested code as unreadable).
   * The client encoding cannot be tried the same way (every encoding reads high bytes as other
   * characters), so text with a high byte is refused until the state is confirmed.
   */
  private judgeUnsettled(
    kind: typeof QUERY | typeof PARSE,
    buf: Buffer,
    from: number,
    to: number,
  ): Disposition | undefined {
    this.replies.state.unsettled = true;
    if (!highBytes(buf, from, to)) return undefined;
    return this.unreadable(
      kind,
      '0A000',
      'guardrail: an earlier message of this batch may have changed client_encoding, so text with non-ASCII bytes cannot be read until the server confirms it; send it after a Sync',
    );
  }

  /** A Query or Parse whose bytes cannot be read as the server will read them: refused, not forwarded. */
  private unreadable(kind: typeof QUERY | typeof PARSE, code: string, message: string): Disposition {
    this.session.notice('ERROR', code, message);
    if (kind === PARSE) {
      this.prepared.statements.delete('');
      this.discarding = true;
      this.replies.expect(PARSE, { refusal: errorResponse(code, message) });
      return parseMessage('', FAILING_SQL);
    }
    this.replies.expect(QUERY, { refusal: errorResponse(code, message) });
    return queryMessage(FAILING_SQL);
  }

  /** The statement text of bytes [from, to), as the server will read it, or a refusal. */
  private text(
    kind: typeof QUERY | typeof PARSE,
    buf: Buffer,
    from: number,
    to: number,
  ): string | Disposition {
    const d = this.replies.state.decode(buf, from, to);
    return 'text' in d ? d.text : this.unreadable(kind, d.code, `guardrail: ${d.error}`);
  }

  private query(buf: Buffer, start: number, end: number): Disposition {
    const q = readQuery(buf, start, end);
    if (!q) return this.malformed('Query');
    const held = this.awaitState(T.query, buf, start, end, q.from, q.to);
    if (held !== undefined) return held;
    const value = this.text(QUERY, buf, q.from, q.to);
    if (typeof value !== 'string') return value;
    const via: Via = COPY.test(value) ? 'copy' : 'simple';
    return this.judge(value, via, buf, start, end, (j, facts) => {
      if (!this.dryRun) {
        if (j.forward) {
          this.replies.expect(QUERY, { stmt: j.statement.id, facts });
          return FORWARD;
        }
        this.replies.expect(QUERY, { stmt: j.statement.id, refusal: this.refuse(j) });
        return queryMessage(FAILING_SQL);
      }
      const prefix = this.openBatch();
      let out: Buffer;
      const plan = j.forward ? this.dryRun.rewrite(j.analysis.statements.map((st) => st.text)) : undefined;
      if (plan && (plan.sql === undefined || this.readsBack(plan.sql))) {
        this.replies.expect(QUERY, { stmt: j.statement.id, facts: { ...facts, steps: plan.steps } });
        out = plan.sql === undefined ? buf.subarray(start, end) : queryMessage(plan.sql);
      } else {
        this.replies.expect(QUERY, {
          stmt: j.statement.id,
          refusal: this.refuse(plan ? this.unencodable(j) : j),
        });
        out = queryMessage(FAILING_SQL);
      }
      this.endBatch();
      return prefix ? Buffer.concat([prefix, out]) : out;
    });
  }

  private parse(buf: Buffer, start: number, end: number): Disposition {
    const m = readParse(buf, start, end);
    if (!m) return this.malformed('Parse');
    const held = this.awaitState(T.parse, buf, start, end, m.from, m.to);
    if (held !== undefined) return held;
    const value = this.text(PARSE, buf, m.from, m.to);
    if (typeof value !== 'string') return value;
    const via: Via = COPY.test(value) ? 'copy' : m.name === '' ? 'extended' : 'prepared';
    return this.judge(value, via, buf, start, end, (j, facts) => {
      const prefix = this.openBatch();
      let out: Buffer | typeof FORWARD;
      const step = j.forward ? this.dryRun?.step(value) : undefined;
      if (j.forward && (step?.sql === undefined || this.readsBack(step.sql))) {
        this.prepared.statements.set(m.name, {
          id: j.statement.id,
          ...facts,
          ...(step ? { steps: [step] } : {}),
          judgement: j,
          paramTypes: parseParamTypes(buf, m.types, end),
        });
        this.replies.expect(PARSE, { stmt: j.statement.id });
        out = step?.sql === undefined ? FORWARD : parseMessage(m.name, step.sql);
      } else {
        if (m.name === '') this.prepared.statements.delete('');
        this.discarding = true;
        this.replies.expect(PARSE, {
          stmt: j.statement.id,
          refusal: this.refuse(j.forward ? this.unencodable(j) : j),
        });
        out = parseMessage('', FAILING_SQL);
      }
      if (!prefix) return out;
      return Buffer.concat([prefix, out === FORWARD ? buf.subarray(start, end) : out]);
    });
  }

  /**
   * Whether SQL the gateway writes itself (a dry run's rewrite, sent as UTF-8) reads back as the
   * same text under the session's client encoding: otherwise the server would run something else.
   */
  private readsBack(sql: string): boolean {
    const bytes = Buffer.from(sql, 'utf8');
    const d = this.replies.state.decode(bytes, 0, bytes.length);
    return 'text' in d && d.text === sql;
  }

  private unencodable(j: Judgement): Judgement {
    const encoding = this.replies.state.clientEncoding;
    return {
      ...j,
      forward: false,
      refusal: refusal(
        'unjudgeable',
        `the dry run cannot rewrite this statement in client_encoding ${encoding}; use UTF8`,
      ),
    };
  }

  private refuse(j: Judgement): Buffer {
    // The server cannot parse it either: its own syntax error, as the client would get it directly.
    const server = j.serverError;
    const why = j.refusal ?? refusal('unjudgeable', 'statement refused');
    const code = server?.code ?? POSTGRES_REFUSALS[why.kind].sqlState;
    const message = server?.message ?? why.message;
    try {
      this.session.ran(j.statement.id, { durationMs: 0, error: { code, message } });
    } catch {
      // The transcript failed (that is often why it was refused); a refusal needs no record to be safe.
    }
    return errorResponse(code, message, 'ERROR', server?.position);
  }

  /**
   * Judges a statement, then (when it may run and masking is on) works out its lineage; a
   * statement whose lineage cannot be established is refused. A pending approval or catalog read
   * holds it and everything the client sent after it.
   */
  private judge(
    text: string,
    via: Via,
    buf: Buffer,
    start: number,
    end: number,
    decided: (j: Judgement, facts: StatementFacts) => Disposition,
    /** A fast-path call's arguments, for the transcript (statements' values come with their Bind). */
    params?: unknown[],
  ): Disposition {
    const inspected = this.session.inspect(text, via, { inTransaction: this.replies.inTransaction, params });
    const j =
      inspected instanceof Promise
        ? inspected.then((x) => this.facts.of(text, x))
        : this.facts.of(text, inspected);
    const noted = ([judgement, facts]: [Judgement, StatementFacts]) => {
      if (judgement.forward) notePrepares(judgement.analysis, this.prepared.bySql);
      return decided(judgement, facts);
    };
    return j instanceof Promise ? this.settle(j, buf.subarray(start, end), noted) : noted(j);
  }

  /** A pending verdict (catalog read, estimate, approval) holds the message and all behind it. */
  private settle<J>(pending: Promise<J>, original: Buffer, decided: (j: J) => Disposition): Disposition {
    this.block();
    pending.then(
      (j) => {
        try {
          const d = decided(j);
          if (d === FORWARD) this.hooks.send(original);
          else if (typeof d !== 'number') this.hooks.send(d);
        } catch (err) {
          this.hooks.fatal(`gateway error: ${(err as Error).message}`, 'XX000');
          return;
        }
        this.unblock();
      },
      (err: Error) => this.hooks.fatal(`statement could not be judged: ${err.message}`, 'XX000'),
    );
    return STOP;
  }

  /**
   * One execution of a prepared statement: recorded with its values, and estimated with them
   * when its estimate needs them. A refused one is replaced by a Bind the server rejects.
   */
  private bind(buf: Buffer, start: number, end: number): Disposition {
    const b = readBind(buf, start, end, this.replies.state, this.prepared.statements);
    if (!b) return this.malformed('Bind');
    const statement = this.prepared.statements.get(b.statement);
    const formats = this.masking ? b.resultFormats : [];
    const refused = (id: string | undefined, error: Buffer): Disposition => {
      this.prepared.portals.delete(b.portal);
      this.discarding = true;
      this.replies.expect(BIND, { stmt: id, refusal: error });
      return refusedBind(buf, start, b.names);
    };
    const decided = (j?: Judgement): Disposition => {
      if (j && !j.forward) return refused(j.statement.id, this.refuse(j));
      const execution = j ? { execution: j.statement.id } : {};
      this.prepared.portals.set(b.portal, { statement, formats, ...execution });
      this.replies.expect(BIND);
      return FORWARD;
    };
    const judged = statement?.judgement;
    if (judged) {
      const j = this.session.execute(judged, b.shown, b.exact !== undefined, b.exact);
      return j instanceof Promise ? this.settle(j, buf.subarray(start, end), decided) : decided(j);
    }
    const bySql = preparedBySql(this.prepared.bySql, b.statement);
    if (!bySql) return decided();
    const why: Refusal = { kind: 'unjudgeable', message: bySql };
    this.session.notice('ERROR', POSTGRES_REFUSALS[why.kind].sqlState, why.message);
    return refused(undefined, refusalResponse(why));
  }
}
