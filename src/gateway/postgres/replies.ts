// The expected-reply queue: every client message that the server answers gets an entry, in
// order, so that each CommandComplete or ErrorResponse is attributed to the statement it belongs
// to, even when a client pipelines many statements before reading anything.
import { performance } from 'node:perf_hooks';
import type { StatementLineage } from '../../masking/index.js';
import { PostgresSessionState } from '../../sql/postgres/state.js';
import { type EngineSession, type Outcome, SKIPPED_CODE, SKIPPED_TAG } from '../session-contract.js';
import {
  commandComplete,
  noticeResponse,
  onlyColumn,
  readCommandTag,
  readError,
  readFunctionResult,
  readParameterStatus,
  readReadyStatus,
  readyForQuery,
  rowsOfTag,
  T,
} from './codec.js';
import type { DryRun, Step } from './dry-run.js';
import { type Disposition, DROP, FORWARD } from './framer.js';
import { OwnLargeObjects, sqlCreatesLargeObject } from './large-objects.js';
import type { MaskingCatalog } from './masking-catalog.js';
import type { NamedStatements, PreparedStatement } from './prepared.js';
import {
  type Portal,
  type ResultEntry,
  ResultMasker,
  type ResultMasking,
  taintedNow,
  WITHHELD_TEXT,
} from './result-masking.js';
import { formatOf, readRowDescription } from './result-messages.js';

export const QUERY = 0;
export const PARSE = 1;
export const BIND = 2;
export const DESCRIBE = 3;
export const EXECUTE = 4;
export const CLOSE = 5;
export const SYNC = 6;
/** SQL the gateway runs for itself (dry run): no reply of it reaches the client. */
export const INTERNAL = 7;
/** A fast-path FunctionCall: a FunctionCallResponse (or an error), then ReadyForQuery, like a Query. */
export const FUNCTION = 8;
export type ReplyKind = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** What result masking knows of a statement before it runs. */
export interface StatementFacts {
  /** One entry per statement of the string (Parse: one); absent when no masking rule exists. */
  lineage?: (StatementLineage | undefined)[];
  /** The statements' own texts, to read COPY options from. */
  texts?: string[];
  /** Running it may change the catalog: masking's caches are dropped when it ends. */
  changesCatalog?: boolean;
  /** Dry run: how each statement is run and answered. */
  steps?: Step[];
  /** A fast-path call whose result is the OID of a large object it creates, in this format. */
  createsLargeObject?: 'text' | 'binary';
}

/** What the reply to one client message completes, and what it needs to be relayed. */
export interface ExpectedReply {
  /** Session statement id whose result the reply completes. */
  stmt?: string | undefined;
  /** A refused statement: the ErrorResponse the client gets instead of the server's. */
  refusal?: Buffer | undefined;
  /** Facts of the statement it runs (an EXECUTE's are its prepared statement's). */
  facts?: StatementFacts | undefined;
  /** The portal an EXECUTE runs. */
  portal?: Portal | undefined;
  /** What a DESCRIBE describes. */
  describes?: PreparedStatement | Portal | undefined;
}

const NOTHING: ExpectedReply = {};

/**
 * One expected reply. A class with every field set in the constructor, so all entries share one
 * shape and the reply path's property reads stay monomorphic.
 */
class Entry implements StatementFacts, ResultEntry {
  /** Session statement id whose result this reply completes. */
  stmt: string | undefined;
  /** For a refused statement: the ErrorResponse the client gets instead of the server's. */
  refusal: Buffer | undefined;
  /** When a statement's reply was expected (0 for replies that complete no statement). */
  readonly started: number;
  tag: string | undefined = undefined;
  rows: number | undefined = undefined;
  error: { code: string; message: string } | undefined = undefined;
  /** QUERY: which statement of the string is answering now. */
  index = 0;
  readonly lineage: (StatementLineage | undefined)[] | undefined;
  readonly texts: string[] | undefined;
  readonly changesCatalog: boolean | undefined;
  readonly steps: Step[] | undefined;
  /** Its result is the OID of a large object it creates (see large-objects.ts). */
  readonly newLargeObject: 'text' | 'binary' | 'row' | undefined;
  readonly portal: Portal | undefined;
  /** DESCRIBE: what the RowDescription describes. */
  readonly describes: PreparedStatement | Portal | undefined;

  constructor(
    readonly kind: ReplyKind,
    { stmt, refusal, facts, portal, describes }: ExpectedReply,
  ) {
    this.stmt = stmt;
    this.refusal = refusal;
    this.started = stmt === undefined ? 0 : performance.now();
    this.lineage = facts?.lineage;
    this.texts = facts?.texts;
    this.changesCatalog = facts?.changesCatalog;
    this.steps = facts?.steps;
    this.newLargeObject =
      facts?.createsLargeObject ?? (sqlCreatesLargeObject(facts?.texts) ? 'row' : undefined);
    this.portal = portal;
    this.describes = describes;
  }
}

/** Dry run: the plan, and the commands, which wait for each batch to end before reading on. */
export interface DryRunReplies {
  run: DryRun;
  /** The batch's ReadyForQuery went out, or the server waits for COPY data: read the client again. */
  resumeClient(): void;
}

export class Replies {
  /**
   * Entries from `head` to `tail`. Slots are reused once the queue empties (nearly every round
   * trip): a queue that only grew until it was compacted got a new backing store every 256
   * replies, one that lived long enough to be promoted to the old generation and collected there.
   */
  private queue: Entry[] = [];
  private head = 0;
  private tail = 0;
  /** Transaction status of the last ReadyForQuery: I, T or E. */
  txStatus = 0x49;
  /** DDL ran in this session that the side connection may not see yet (not committed). */
  unseenDdl = false;
  /**
   * What the server confirmed about the session's settings: written here, from ParameterStatus
   * and ReadyForQuery only; the analyzer and the commands' decoder read it.
   */
  readonly state = new PostgresSessionState();
  /** Called once when every reply expected so far has arrived (see `whenIdle`). */
  private idle: (() => void) | undefined;
  /** The server is reading COPY data from the client. */
  copyIn = false;
  private readonly results: ResultMasker | undefined;
  private readonly catalog: MaskingCatalog | undefined;
  private readonly largeObjects: OwnLargeObjects;

  constructor(
    private readonly session: EngineSession,
    private readonly prepared: NamedStatements,
    masking?: ResultMasking,
    private readonly dry?: DryRunReplies,
  ) {
    this.results = masking ? new ResultMasker(session, masking) : undefined;
    this.catalog = masking?.catalog;
    session.analysisContext.postgres = this.state;
    this.largeObjects = new OwnLargeObjects(session.analysisContext);
  }

  /** The session's search_path, when the server reports it (PostgreSQL 18 and later). */
  get searchPath(): string | undefined {
    return this.state.searchPath;
  }

  /**
   * Whether the server will answer everything expected so far on its own: the last message sent
   * ends a batch (Query or Sync), so a ReadyForQuery is on its way and waiting for it is safe.
   */
  get batchClosed(): boolean {
    const last = this.queue[this.tail - 1];
    // While the server reads COPY data it answers nothing until the client's CopyDone.
    if (this.copyIn) return false;
    return this.pending === 0 || last?.kind === QUERY || last?.kind === SYNC || last?.kind === FUNCTION;
  }

  /** Runs `fn` once every reply expected so far has arrived (after the ReadyForQuery that ends them). */
  whenIdle(fn: () => void): void {
    if (this.pending === 0) fn();
    else this.idle = fn;
  }

  get inTransaction(): boolean {
    return this.txStatus !== 0x49;
  }

  get pending(): number {
    return this.tail - this.head;
  }

  /** Queues the reply to one client message. */
  expect(kind: ReplyKind, reply: ExpectedReply = NOTHING): void {
    this.queue[this.tail++] = new Entry(kind, reply);
    if (reply.facts?.changesCatalog) this.unseenDdl = true;
  }

  private peek(): Entry | undefined {
    return this.queue[this.head];
  }

  private shift(): Entry | undefined {
    const e = this.queue[this.head];
    if (!e) return undefined;
    this.queue[this.head++] = undefined as unknown as Entry;
    if (this.head === this.tail) this.head = this.tail = 0;
    else if (this.head > 256 && this.head * 2 > this.tail) {
      this.queue = this.queue.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return e;
  }

  private finish(e: Entry): void {
    if (e.refusal) return;
    if (e.changesCatalog) this.catalog?.invalidate();
    if (!e.stmt) return;
    const result: Outcome = {
      durationMs: performance.now() - e.started,
    };
    if (e.tag !== undefined) result.tag = e.tag;
    if (e.rows !== undefined) result.rows = e.rows;
    if (e.error) result.error = e.error;
    this.session.ran(e.stmt, result);
  }

  /** Handles one server message; returns what to send the client. */
  message(type: number, buf: Buffer, start: number, end: number): Disposition {
    if (this.dry && this.peek()?.kind === INTERNAL) return this.internal(type, buf, start, end);
    switch (type) {
      case T.dataRow:
        return this.results ? this.rows(buf, start, end) : FORWARD;
      case T.copyData:
        return this.results ? this.results.copyData(this.peek(), buf, start, end) : FORWARD;
      case T.copyDone:
        return this.results?.withheld ? DROP : FORWARD;
      case T.commandComplete:
      case T.emptyQuery:
      case T.portalSuspended: {
        const tag = type === T.commandComplete ? readCommandTag(buf, start, end) : undefined;
        const e = this.peek();
        const withheld = this.results?.end(e) === true;
        if (e && (e.kind === EXECUTE || e.kind === QUERY)) {
          e.index++;
          if (withheld) {
            if (e.kind === EXECUTE) this.finish(this.shift()!);
            return DROP;
          }
          const step = e.steps?.[e.kind === QUERY ? e.index - 1 : 0];
          if (step && tag !== undefined) {
            this.dry?.run.completed(step);
            if (step.tag !== undefined) return this.answered(e, step);
          }
          if (tag !== undefined) {
            e.tag = tag;
            const rows = rowsOfTag(tag);
            if (rows !== undefined) e.rows = (e.kind === QUERY ? (e.rows ?? 0) : 0) + rows;
          } else if (type === T.portalSuspended) e.tag = 'SUSPENDED';
          if (e.kind === EXECUTE) this.finish(this.shift()!);
        }
        if (tag === 'DISCARD ALL' || tag === 'DEALLOCATE ALL') this.prepared.clear();
        else if (tag === 'ROLLBACK' || tag === 'PREPARE TRANSACTION') this.largeObjects.undo();
        return FORWARD;
      }
      case T.parseComplete:
      case T.bindComplete:
      case T.closeComplete:
        this.shift();
        return FORWARD;
      case T.rowDescription: {
        const e = this.peek();
        if (e?.kind === DESCRIBE) {
          this.shift();
          if (this.results && e.describes) e.describes.described = readRowDescription(buf, start, end);
          return FORWARD;
        }
        if (this.results && e && (e.kind === QUERY || e.kind === EXECUTE))
          return this.results.rowDescription(e, buf, start, end);
        return FORWARD;
      }
      case T.noData:
        if (this.peek()?.kind === DESCRIBE) this.shift();
        return FORWARD;
      case T.copyOutResponse: {
        const e = this.peek();
        if (this.results && e && (e.kind === QUERY || e.kind === EXECUTE))
          return this.results.copyOut(e, buf, start);
        return FORWARD;
      }
      case T.error: {
        this.largeObjects.undo();
        // A withheld result already got its error: the client gets one per statement.
        const withheld = this.results?.end(this.peek()) === true;
        const d = this.error(buf, start, end);
        return withheld ? DROP : d;
      }
      case T.ready:
        this.results?.end(undefined);
        this.copyIn = false;
        return this.ready(readReadyStatus(buf, start));
      case T.copyInResponse:
        this.copyIn = true;
        this.dry?.resumeClient();
        return FORWARD;
      case T.functionCallResponse: {
        const e = this.peek();
        if (e?.kind === FUNCTION) {
          e.tag = 'FUNCTION CALL';
          if (e.newLargeObject)
            this.largeObjects.created(readFunctionResult(buf, start, end), e.newLargeObject === 'binary');
        }
        return FORWARD;
      }
      case T.parameterStatus: {
        const p = readParameterStatus(buf, start, end);
        if (p) this.state.parameter(p.name, p.value);
        return FORWARD;
      }
      case T.notice: {
        const f = readError(buf, start, end);
        this.session.notice(f.severity, f.code, recordedText(this.peek(), f));
        return this.results ? this.results.serverMessage(buf, start, end, this.peek()) : FORWARD;
      }
      default:
        return FORWARD;
    }
  }

  /** A dry-run step the gateway answers itself: its tag (and notice) instead of the server's. */
  private answered(e: Entry, step: Step): Disposition {
    e.tag = step.skipped ? SKIPPED_TAG : step.tag;
    let out = commandComplete(step.tag!);
    if (step.notice) {
      const { severity, code, message } = step.notice;
      this.session.notice(severity, step.skipped ? SKIPPED_CODE : code, message);
      out = Buffer.concat([noticeResponse(code, message, severity), out]);
    }
    if (e.kind === EXECUTE) this.finish(this.shift()!);
    return out;
  }

  /** Replies to the gateway's own SQL are dropped; a failure is recorded (it should not happen). */
  private internal(type: number, buf: Buffer, start: number, end: number): Disposition {
    if (type === T.error) {
      const f = readError(buf, start, end);
      this.session.notice(
        f.severity,
        f.code,
        `guardrail dry run: the gateway's own statement failed: ${f.message}`,
      );
    } else if (type === T.ready) this.shift();
    return DROP;
  }

  private rows(buf: Buffer, start: number, end: number): Disposition {
    const e = this.peek();
    if (!e || (e.kind !== QUERY && e.kind !== EXECUTE)) return FORWARD;
    if (e.newLargeObject === 'row')
      this.largeObjects.created(
        onlyColumn(buf, start, end),
        e.kind === EXECUTE && formatOf(e.portal?.formats ?? [], 0) === 1,
      );
    return this.results!.dataRow(e, buf, start, end);
  }

  private error(buf: Buffer, start: number, end: number): Disposition {
    const e = this.peek();
    const pass = this.results ? this.results.serverMessage(buf, start, end, e) : FORWARD;
    if (!e) return pass;
    if (e.kind === QUERY || e.kind === FUNCTION) {
      if (e.refusal) return this.replace(e);
      const f = readError(buf, start, end);
      e.error = { code: f.code, message: recordedText(e, f) };
      return pass;
    }
    if (e.kind === SYNC) return pass;
    // The server now skips everything up to the next Sync: those entries get no reply, and the
    // statements among them are recorded as not run.
    const first = this.shift()!;
    const f = readError(buf, start, end);
    let out: Disposition = pass;
    if (first.refusal) out = this.replace(first);
    else {
      first.error = { code: f.code, message: recordedText(first, f) };
      this.finish(first);
    }
    const skipped = { code: f.code, message: 'not run: an earlier message of the same pipeline failed' };
    for (let next = this.peek(); next && next.kind !== SYNC && next.kind !== QUERY; next = this.peek()) {
      const e = this.shift()!;
      if (e.kind === EXECUTE || e.kind === PARSE) {
        e.error = skipped;
        this.finish(e);
      }
    }
    return out;
  }

  private replace(e: Entry): Disposition {
    const refusal = e.refusal!;
    e.refusal = undefined;
    e.stmt = undefined;
    return refusal.length > 0 ? refusal : DROP;
  }

  private ready(upstream: number): Disposition {
    if (upstream === 0x49 && this.pending <= 1) this.unseenDdl = false;
    const status = this.dry ? this.dry.run.batchEnded(upstream) : upstream;
    this.txStatus = status;
    this.largeObjects.ready(status === 0x49);
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY || e.kind === FUNCTION) {
        this.finish(e);
        break;
      }
      if (e.kind === SYNC) break;
    }
    // Everything sent has been answered: the state is the server's again.
    if (this.pending === 0) {
      this.state.unsettled = false;
      this.session.quiet(upstream !== 0x49);
    }
    if (this.idle && this.pending === 0) {
      const idle = this.idle;
      this.idle = undefined;
      idle();
    }
    if (!this.dry) return FORWARD;
    this.dry.resumeClient();
    return status === upstream ? FORWARD : readyForQuery(status);
  }

  /** At disconnect: statements still waiting for a reply end with an error in the transcript. */
  abandon(reason: string): void {
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY || e.kind === EXECUTE || e.kind === FUNCTION) {
        e.error = { code: '08006', message: reason };
        this.finish(e);
      }
    }
  }
}

/** The message and detail as recorded; withheld whole when the statement reads masked data. */
function recordedText(e: Entry | undefined, f: { message: string; detail?: string }): string {
  return taintedNow(e) ? WITHHELD_TEXT : withDetail(f);
}

function withDetail(f: { message: string; detail?: string }): string {
  return f.detail ? `${f.message}\nDETAIL: ${f.detail}` : f.message;
}
