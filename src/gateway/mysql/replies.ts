// Follows the server's answer to one command packet by packet, without decoding rows, so the
// gateway knows when the answer ends (and the next command may go), what it reported (rows,
// affected rows, errors, transaction state) and where a LOCAL INFILE request hides.
import { parseErr, parseOk, Reader, readEofStatus } from './codec.js';
import { MAX_PAYLOAD, Status } from './constants.js';

/** Session state the server reported changed (CLIENT_SESSION_TRACK data in OK packets). */
export interface TrackedState {
  /** System variables by lower-cased name, last value reported. */
  variables: Map<string, string>;
  schema?: string;
}

export type ResponseKind = 'results' | 'prepare' | 'single' | 'field-list' | 'fetch';

type Phase =
  | 'first'
  | 'columns'
  | 'columns-eof'
  | 'rows'
  | 'prep-params'
  | 'prep-params-eof'
  | 'prep-columns'
  | 'prep-columns-eof'
  | 'done';

/** COM_STMT_PREPARE_OK: the id the server gave the statement, and its placeholder count. */
export interface PrepareOk {
  statementId: number;
  params: number;
}

export class ResponseTracker {
  phase: Phase;
  private left = 0;
  private prepColumns = 0;
  rows = 0;
  affected = 0;
  /** Result sets seen (a multi-statement input or a procedure may return several). */
  resultSets = 0;
  results = 0;
  status = -1;
  error: { code: number; sqlState: string; message: string } | undefined;
  prepared: PrepareOk | undefined;
  /** Set when the server asked for a client file: the caller refuses it. */
  localInfile = false;
  /** Text rows kept for the gateway's own queries. */
  readonly kept: Buffer[] | undefined;
  /** What the OK packets' session-state data said changed, in order (later values win). */
  tracked: TrackedState | undefined;
  /**
   * The server flagged a session-state change the gateway could not read (an EOF packet, a
   * connection without CLIENT_SESSION_TRACK, an OK packet longer than the scanner's peek).
   */
  untracked = false;

  constructor(
    readonly kind: ResponseKind,
    private readonly deprecateEof: boolean,
    keepRows = false,
    private readonly sessionTrack = false,
  ) {
    this.phase = kind === 'fetch' ? 'rows' : kind === 'field-list' ? 'columns' : 'first';
    if (kind === 'field-list') this.left = Number.POSITIVE_INFINITY;
    if (keepRows) this.kept = [];
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  private endOf(status: number): void {
    this.status = status;
    this.phase = status & Status.MORE_RESULTS_EXISTS && this.kind === 'results' ? 'first' : 'done';
  }

  private isEnd(buf: Buffer, off: number, peek: number, len: number): boolean {
    return peek > 0 && buf[off] === 0xfe && len < (this.deprecateEof ? MAX_PAYLOAD : 9);
  }

  private endStatus(buf: Buffer, off: number, peek: number, len: number): number {
    if (this.deprecateEof) return this.ok(buf, off, peek, len).status;
    const status = readEofStatus(buf, off, peek);
    if (status & Status.SESSION_STATE_CHANGED) this.untracked = true;
    return status;
  }

  /** Decodes an OK packet and takes in its session-state data. */
  private ok(buf: Buffer, off: number, peek: number, len: number): ReturnType<typeof parseOk> {
    const ok = parseOk(buf, off, off + peek);
    if (ok.status & Status.SESSION_STATE_CHANGED) {
      if (!this.sessionTrack || peek < len) this.untracked = true;
      else
        try {
          this.readState(buf, off, off + peek);
        } catch {
          this.untracked = true;
        }
    }
    return ok;
  }

  /**
   * The session-state block after the status, warnings and length-encoded info: entries of
   * type, length, data; type 0 holds system variable name/value pairs, type 1 the schema.
   */
  private readState(buf: Buffer, start: number, end: number): void {
    const r = new Reader(buf, start + 1, end);
    r.lenenc();
    r.lenenc();
    r.u16();
    r.u16();
    r.lenencBytes();
    const block = new Reader(r.lenencBytes() ?? Buffer.alloc(0));
    this.tracked ??= { variables: new Map() };
    const state: TrackedState = this.tracked;
    while (block.remaining > 0) {
      const type = block.u8();
      const data = new Reader(block.lenencBytes() ?? Buffer.alloc(0));
      if (type === 0)
        while (data.remaining > 0) {
          const name = data.lenencString() ?? '';
          state.variables.set(name.toLowerCase(), data.lenencString() ?? '');
        }
      else if (type === 1) state.schema = data.lenencString() ?? '';
    }
  }

  /** Feeds one physical packet (not a continuation). */
  packet(buf: Buffer, off: number, peek: number, len: number): void {
    const head = peek > 0 ? buf[off] : -1;
    if (
      head === 0xff &&
      this.phase !== 'columns' &&
      this.phase !== 'prep-params' &&
      this.phase !== 'prep-columns'
    ) {
      this.error = parseErr(buf, off, off + peek);
      this.phase = 'done';
      return;
    }
    switch (this.phase) {
      case 'first':
        this.results++;
        if (this.kind === 'single') {
          if (head === 0x00) this.status = this.ok(buf, off, peek, len).status;
          else if (head === 0xfe && peek >= 5) this.status = readEofStatus(buf, off, peek);
          this.phase = 'done';
        } else if (this.kind === 'prepare') {
          const r = new Reader(buf, off + 1, off + peek);
          this.prepared = { statementId: r.u32(), params: 0 };
          this.prepColumns = r.u16();
          this.prepared.params = r.u16();
          this.left = this.prepared.params;
          if (this.left > 0) this.phase = 'prep-params';
          else this.afterParams();
        } else if (head === 0x00) {
          const ok = this.ok(buf, off, peek, len);
          this.affected += ok.affected;
          this.endOf(ok.status);
        } else if (head === 0xfb) {
          this.localInfile = true;
        } else {
          this.resultSets++;
          this.left = new Reader(buf, off, off + peek).lenenc() ?? 0;
          this.phase = this.left > 0 ? 'columns' : 'rows';
        }
        return;
      case 'columns':
        if (this.kind === 'field-list') {
          if (head === 0xff) {
            this.error = parseErr(buf, off, off + peek);
            this.phase = 'done';
          } else if (this.isEnd(buf, off, peek, len)) this.phase = 'done';
          return;
        }
        if (--this.left === 0) this.phase = this.deprecateEof ? 'rows' : 'columns-eof';
        return;
      case 'columns-eof': {
        const status = this.endStatus(buf, off, peek, len);
        // A cursor was opened: rows come later through COM_STMT_FETCH.
        if (status & Status.CURSOR_EXISTS) this.endOf(status & ~Status.MORE_RESULTS_EXISTS);
        else this.phase = 'rows';
        return;
      }
      case 'rows':
        if (this.isEnd(buf, off, peek, len)) this.endOf(this.endStatus(buf, off, peek, len));
        else {
          this.rows++;
          if (this.kept && peek === len) this.kept.push(Buffer.from(buf.subarray(off, off + peek)));
        }
        return;
      case 'prep-params':
        if (--this.left === 0) {
          if (this.deprecateEof) this.afterParams();
          else this.phase = 'prep-params-eof';
        }
        return;
      case 'prep-params-eof':
        this.afterParams();
        return;
      case 'prep-columns':
        if (--this.left === 0) this.phase = this.deprecateEof ? 'done' : 'prep-columns-eof';
        return;
      case 'prep-columns-eof':
        this.phase = 'done';
        return;
      case 'done':
        return;
    }
  }

  private afterParams(): void {
    this.left = this.prepColumns;
    this.phase = this.left > 0 ? 'prep-columns' : 'done';
  }
}

/** Text-protocol row → column strings (for the gateway's own small queries). */
export function textRow(row: Buffer): (string | null)[] {
  const r = new Reader(row);
  const out: (string | null)[] = [];
  while (r.remaining > 0) out.push(r.lenencString());
  return out;
}
