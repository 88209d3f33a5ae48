// The expected-reply queue: every client message that the server answers gets an entry, in
// order, so that each CommandComplete or ErrorResponse is attributed to the statement it belongs
// to, even when a client pipelines many statements before reading anything.
import { performance } from 'node:perf_hooks';
import type { Session } from '../session.js';
import { readCString, readErrorFields, rowsOfTag, T } from './codec.js';
import { type Disposition, DROP, FORWARD } from './framer.js';

export const QUERY = 0;
export const PARSE = 1;
export const BIND = 2;
export const DESCRIBE = 3;
export const EXECUTE = 4;
export const CLOSE = 5;
export const SYNC = 6;
export type ReplyKind = 0 | 1 | 2 | 3 | 4 | 5 | 6;

interface Entry {
  kind: ReplyKind;
  /** Session statement id whose result this reply completes. */
  stmt: string | undefined;
  /** For a refused statement: the ErrorResponse the client gets instead of the server's. */
  refusal: Buffer | undefined;
  started: number;
  tag: string | undefined;
  rows: number | undefined;
  error: { code: string; message: string } | undefined;
}

/** Named statements and portals, to know which statement an Execute runs. */
export class Prepared {
  readonly statements = new Map<string, string>();
  readonly portals = new Map<string, string | undefined>();

  clear(): void {
    this.statements.clear();
    this.portals.clear();
  }
}

export class Replies {
  private queue: Entry[] = [];
  private head = 0;
  /** Transaction status of the last ReadyForQuery: I, T or E. */
  txStatus = 0x49;

  constructor(
    private readonly session: Session,
    private readonly prepared: Prepared,
  ) {}

  get inTransaction(): boolean {
    return this.txStatus !== 0x49;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  expect(kind: ReplyKind, stmt?: string, refusal?: Buffer): void {
    this.queue.push({
      kind,
      stmt,
      refusal,
      started: performance.now(),
      tag: undefined,
      rows: undefined,
      error: undefined,
    });
  }

  private peek(): Entry | undefined {
    return this.queue[this.head];
  }

  private shift(): Entry | undefined {
    const e = this.queue[this.head];
    if (!e) return undefined;
    this.queue[this.head++] = undefined as unknown as Entry;
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  private finish(e: Entry): void {
    if (!e.stmt || e.refusal) return;
    this.session.result(e.stmt, {
      durationMs: Math.round((performance.now() - e.started) * 1000) / 1000,
      ...(e.tag !== undefined ? { tag: e.tag } : {}),
      ...(e.rows !== undefined ? { rows: e.rows } : {}),
      ...(e.error ? { error: e.error } : {}),
    });
  }

  /** Handles one server message; returns what to send the client. */
  message(type: number, buf: Buffer, start: number, end: number): Disposition {
    switch (type) {
      case T.commandComplete:
      case T.emptyQuery:
      case T.portalSuspended: {
        const tag = type === T.commandComplete ? readCString(buf, start + 5, end).value : undefined;
        const e = this.peek();
        if (e && (e.kind === EXECUTE || e.kind === QUERY)) {
          if (tag !== undefined) {
            e.tag = tag;
            const rows = rowsOfTag(tag);
            if (rows !== undefined) e.rows = (e.kind === QUERY ? (e.rows ?? 0) : 0) + rows;
          } else if (type === T.portalSuspended) e.tag = 'SUSPENDED';
          if (e.kind === EXECUTE) this.finish(this.shift()!);
        }
        if (tag === 'DISCARD ALL' || tag === 'DEALLOCATE ALL') this.prepared.clear();
        return FORWARD;
      }
      case T.parseComplete:
      case T.bindComplete:
      case T.closeComplete:
        this.shift();
        return FORWARD;
      case T.rowDescription:
      case T.noData:
        if (this.peek()?.kind === DESCRIBE) this.shift();
        return FORWARD;
      case T.error:
        return this.error(buf, start, end);
      case T.ready:
        this.ready(buf[start + 5]!);
        return FORWARD;
      case T.parameterStatus: {
        const name = readCString(buf, start + 5, end);
        if (name.value === 'standard_conforming_strings')
          this.session.analysisContext.standardConformingStrings =
            readCString(buf, name.next, end).value === 'on';
        return FORWARD;
      }
      case T.notice: {
        const f = readErrorFields(buf, start + 5, end);
        this.session.notice(f.severity, f.code, f.message);
        return FORWARD;
      }
      default:
        return FORWARD;
    }
  }

  private error(buf: Buffer, start: number, end: number): Disposition {
    const e = this.peek();
    if (!e) return FORWARD;
    if (e.kind === QUERY) {
      if (e.refusal) return this.replace(e);
      const f = readErrorFields(buf, start + 5, end);
      e.error = { code: f.code, message: f.message };
      return FORWARD;
    }
    if (e.kind === SYNC) return FORWARD;
    // The server now skips everything up to the next Sync: those entries get no reply, and the
    // statements among them are recorded as not run.
    const first = this.shift()!;
    const f = readErrorFields(buf, start + 5, end);
    let out: Disposition = FORWARD;
    if (first.refusal) out = this.replace(first);
    else if (first.stmt) {
      first.error = { code: f.code, message: f.message };
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

  private ready(status: number): void {
    this.txStatus = status;
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY) {
        this.finish(e);
        return;
      }
      if (e.kind === SYNC) return;
    }
  }

  /** At disconnect: statements still waiting for a reply end with an error in the transcript. */
  abandon(reason: string): void {
    for (let e = this.shift(); e; e = this.shift()) {
      if (e.kind === QUERY || e.kind === EXECUTE) {
        e.error = { code: '08006', message: reason };
        this.finish(e);
      }
    }
  }
}
