// Follows the server's answer to one command packet by packet, without decoding rows, so the
// gateway knows when the answer ends (and the next command may go), what it reported (rows,
// affected rows, errors, transaction state) and where a LOCAL INFILE request hides.
import { parseErr, parseOk, Reader } from './codec.js';
import { MAX_PAYLOAD, Status } from './constants.js';

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

export interface Prepared {
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
  prepared: Prepared | undefined;
  /** Set when the server asked for a client file: the caller refuses it. */
  localInfile = false;
  /** Text rows kept for the gateway's own queries. */
  readonly kept: Buffer[] | undefined;

  constructor(
    readonly kind: ResponseKind,
    private readonly deprecateEof: boolean,
    keepRows = false,
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

  private endStatus(buf: Buffer, off: number, peek: number): number {
    if (this.deprecateEof) return parseOk(buf, off, off + peek).status;
    return peek >= 5 ? buf.readUInt16LE(off + 3) : 0;
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
          if (head === 0x00) this.status = parseOk(buf, off, off + peek).status;
          else if (head === 0xfe && peek >= 5) this.status = buf.readUInt16LE(off + 3);
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
          const ok = parseOk(buf, off, off + peek);
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
        const status = this.endStatus(buf, off, peek);
        // A cursor was opened: rows come later through COM_STMT_FETCH.
        if (status & Status.CURSOR_EXISTS) this.endOf(status & ~Status.MORE_RESULTS_EXISTS);
        else this.phase = 'rows';
        return;
      }
      case 'rows':
        if (this.isEnd(buf, off, peek, len)) this.endOf(this.endStatus(buf, off, peek));
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
