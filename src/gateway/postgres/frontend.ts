// Client-to-server messages: every statement is judged before a byte of it is forwarded.
//
// A refused statement is replaced by a statement that fails to parse (FAILING_SQL), and the
// server's syntax error is swapped for the refusal on the way back (see Replies). The server
// thus runs nothing of the refused statement, yet its own state follows exactly as if the
// statement had failed: an open transaction block enters the failed state, an extended-protocol
// pipeline skips to Sync and rolls back its implicit transaction, and the refusal arrives at
// the client in order behind the replies to everything sent before it.
import type { Judgement, Session, Via } from '../session.js';
import { errorResponse, parseMessage, queryMessage, readCString, T } from './codec.js';
import { type Disposition, DROP, FORWARD, STOP } from './framer.js';
import {
  BIND,
  CLOSE,
  DESCRIBE,
  EXECUTE,
  PARSE,
  type Prepared,
  QUERY,
  type Replies,
  SYNC,
} from './replies.js';

export const FAILING_SQL = 'guardrail refused this statement';
const REFUSED = '42501';
const COPY = /^\s*copy\b/i;
const PARAM_PREVIEW = 1024;

export interface FrontendHooks {
  /** Sends bytes to the server (used when a held statement is decided). */
  send(buf: Buffer): void;
  /** Stops reading the client: a statement waits for approval. */
  hold(): void;
  /** Resumes reading the client and processing what queued behind the held statement. */
  release(): void;
  fatal(message: string, code: string): void;
  terminate(): void;
}

export class Frontend {
  /** After a refused Parse: drop client messages until Sync, as the server does after an error. */
  private discarding = false;

  constructor(
    private readonly session: Session,
    private readonly replies: Replies,
    private readonly prepared: Prepared,
    private readonly hooks: FrontendHooks,
  ) {}

  message(type: number, buf: Buffer, start: number, end: number): Disposition {
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
      case T.bind: {
        const portal = readCString(buf, start + 5, end);
        const stmt = readCString(buf, portal.next, end);
        if (stmt.next < 0) return this.malformed('Bind');
        this.prepared.portals.set(portal.value, this.prepared.statements.get(stmt.value));
        this.replies.expect(BIND);
        return FORWARD;
      }
      case T.execute: {
        const portal = readCString(buf, start + 5, end);
        if (portal.next < 0) return this.malformed('Execute');
        this.replies.expect(EXECUTE, this.prepared.portals.get(portal.value));
        return FORWARD;
      }
      case T.describe:
        this.replies.expect(DESCRIBE);
        return FORWARD;
      case T.close: {
        const name = readCString(buf, start + 6, end);
        if (name.next < 0) return this.malformed('Close');
        if (buf[start + 5] === 0x53) this.prepared.statements.delete(name.value);
        else this.prepared.portals.delete(name.value);
        this.replies.expect(CLOSE);
        return FORWARD;
      }
      case T.copyData:
      case T.copyDone:
      case T.copyFail:
        return FORWARD;
      case T.functionCall:
        // A fast-path call names a function by OID: nothing a policy could judge.
        this.session.notice('ERROR', REFUSED, 'fast-path function call refused');
        this.replies.expect(
          QUERY,
          undefined,
          errorResponse(REFUSED, 'guardrail: fast-path function calls are not allowed through the gateway'),
        );
        return queryMessage(FAILING_SQL);
      default:
        this.hooks.fatal(`unexpected message type 0x${type.toString(16)} from the client`, '08P01');
        return DROP;
    }
  }

  private malformed(what: string): Disposition {
    this.hooks.fatal(`malformed ${what} message`, '08P01');
    return DROP;
  }

  private query(buf: Buffer, start: number, end: number): Disposition {
    const text = readCString(buf, start + 5, end);
    if (text.next < 0) return this.malformed('Query');
    const via: Via = COPY.test(text.value) ? 'copy' : 'simple';
    return this.judge(text.value, via, undefined, buf, start, end, (j) => {
      if (j.forward) {
        this.replies.expect(QUERY, j.statement.id);
        return FORWARD;
      }
      this.replies.expect(QUERY, j.statement.id, this.refuse(j));
      return queryMessage(FAILING_SQL);
    });
  }

  private parse(buf: Buffer, start: number, end: number): Disposition {
    const name = readCString(buf, start + 5, end);
    const text = readCString(buf, name.next, end);
    if (name.next < 0 || text.next < 0) return this.malformed('Parse');
    const via: Via = COPY.test(text.value) ? 'copy' : name.value === '' ? 'extended' : 'prepared';
    const params = nextBindParams(buf, end, name.value);
    return this.judge(text.value, via, params, buf, start, end, (j) => {
      if (j.forward) {
        this.prepared.statements.set(name.value, j.statement.id);
        this.replies.expect(PARSE, j.statement.id);
        return FORWARD;
      }
      if (name.value === '') this.prepared.statements.delete('');
      this.discarding = true;
      this.replies.expect(PARSE, j.statement.id, this.refuse(j));
      return parseMessage('', FAILING_SQL);
    });
  }

  private refuse(j: Judgement): Buffer {
    const message = j.refusal ?? 'guardrail: statement refused';
    try {
      this.session.result(j.statement.id, { durationMs: 0, error: { code: REFUSED, message } });
    } catch {
      // The transcript failed (that is often why it was refused); a refusal needs no record to be safe.
    }
    return errorResponse(REFUSED, message);
  }

  /** Judges a statement; a pending approval holds it and everything the client sent after it. */
  private judge(
    text: string,
    via: Via,
    params: unknown[] | undefined,
    buf: Buffer,
    start: number,
    end: number,
    decided: (j: Judgement) => Disposition,
  ): Disposition {
    const j = this.session.inspect(text, via, {
      inTransaction: this.replies.inTransaction,
      ...(params ? { params } : {}),
    });
    if (!(j instanceof Promise)) return decided(j);
    const original = buf.subarray(start, end);
    this.hooks.hold();
    j.then(
      (judgement) => {
        try {
          const d = decided(judgement);
          if (d === FORWARD) this.hooks.send(original);
          else if (typeof d !== 'number') this.hooks.send(d);
        } catch (err) {
          this.hooks.fatal(`gateway error: ${(err as Error).message}`, 'XX000');
          return;
        }
        this.hooks.release();
      },
      (err: Error) => this.hooks.fatal(`statement could not be judged: ${err.message}`, 'XX000'),
    );
    return STOP;
  }
}

/**
 * Drivers send Parse and its Bind together; when the Bind is already in the buffer, its
 * parameters go into the transcript with the statement. Text values are cut at PARAM_PREVIEW
 * characters; binary ones are described, not decoded.
 */
function nextBindParams(buf: Buffer, pos: number, statement: string): unknown[] | undefined {
  if (pos + 5 > buf.length || buf[pos] !== T.bind) return undefined;
  const end = pos + 1 + buf.readInt32BE(pos + 1);
  if (end > buf.length) return undefined;
  const portal = readCString(buf, pos + 5, end);
  const stmt = readCString(buf, portal.next, end);
  if (portal.next < 0 || stmt.next < 0 || stmt.value !== statement) return undefined;
  let p = stmt.next;
  if (p + 2 > end) return undefined;
  const nFormats = buf.readInt16BE(p);
  p += 2;
  const formats: number[] = [];
  for (let i = 0; i < nFormats; i++, p += 2) {
    if (p + 2 > end) return undefined;
    formats.push(buf.readInt16BE(p));
  }
  if (p + 2 > end) return undefined;
  const n = buf.readInt16BE(p);
  p += 2;
  const params: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (p + 4 > end) return undefined;
    const len = buf.readInt32BE(p);
    p += 4;
    if (len === -1) {
      params.push(null);
      continue;
    }
    if (len < 0 || p + len > end) return undefined;
    const format = nFormats === 0 ? 0 : nFormats === 1 ? formats[0] : formats[i];
    if (format === 1) params.push(`<binary ${len} bytes>`);
    else {
      const text = buf.toString('utf8', p, p + Math.min(len, PARAM_PREVIEW * 4));
      params.push(text.length > PARAM_PREVIEW ? `${text.slice(0, PARAM_PREVIEW)}…` : text);
    }
    p += len;
  }
  return params;
}
