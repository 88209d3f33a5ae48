// Result sets on their way to the client: each gets a mask plan (from the RowDescription's
// column origins and the statement's lineage, or lineage alone for COPY), a sample of its first
// rows for the transcript, and — when masking is on the wire — its rows rewritten. A result that
// cannot be masked is withheld: the client gets an error for it, never its bytes.
import {
  type CopyFormat,
  copyFormat,
  type Masking,
  MaskingError,
  type MaskPlan,
  maskCopyCsv,
  maskCopyText,
  maskDataRow,
  type StatementLineage,
} from '../../masking/index.js';
import { RecentDecodes } from '../recent-decodes.js';
import { POSTGRES_REFUSALS, refusal } from '../refusal.js';
import type { EngineSession } from '../session-contract.js';
import {
  errorResponse,
  noticeResponse,
  readColumnCount,
  readCopyData,
  readCopyResponse,
  readError,
  T,
} from './codec.js';
import { type Disposition, DROP, FORWARD, MUST_WHOLE, PREFER_WHOLE, STOP, STREAM } from './framer.js';
import type { MaskingCatalog } from './masking-catalog.js';
import { refusalResponse } from './refusals.js';
import {
  copyData,
  cutSample,
  type ResultFields,
  readRowDescription,
  redactFields,
  sampleValues,
} from './result-messages.js';

const SAMPLE_ROWS = 5;

/** What the connection does for result masking: pause the server stream and read it whole. */
export interface ResultHooks {
  toClient(buf: Buffer): void;
  /** Continues the server stream after a message answered STOP. */
  resumeServer(): void;
  setWhole(type: number, mode: number): void;
  /** Ends the connection: the result could not be handled safely. */
  fatal(message: string): void;
}

export interface ResultMasking {
  masking: Masking;
  /** Present when the policy has column rules. */
  catalog?: MaskingCatalog;
  hooks: ResultHooks;
}

export interface Portal {
  /** Lineage and description of the statement it runs. */
  statement: { lineage?: (StatementLineage | undefined)[]; described?: ResultFields } | undefined;
  /** Result format codes from the Bind. */
  formats: number[];
  described?: ResultFields;
}

/** The reply-queue entry a result belongs to: what masking knows of its statement. */
export interface ResultEntry {
  stmt?: string | undefined;
  refusal?: Buffer | undefined;
  error?: { code: string; message: string } | undefined;
  /** Which statement of a multi-statement string is answering now. */
  index?: number;
  lineage?: (StatementLineage | undefined)[];
  texts?: string[];
  portal?: Portal;
}

/** The result set being relayed: its mask plan and the transcript's sample. */
interface Result {
  names: readonly string[];
  fields: ResultFields | undefined;
  plan: MaskPlan;
  /** Rows are rewritten on the wire. */
  wire: boolean;
  sample: unknown[][];
  truncated: boolean;
  /** The client got an error instead of this result: the rest of it is dropped. */
  withheld: boolean;
  copy?: CopyFormat;
  copyHeader?: boolean;
}

/** What a client and the transcript get instead of the text of a tainted error or notice. */
export const WITHHELD_TEXT =
  'guardrail: masking withheld the text of this message (the statement reads a masked column)';

/**
 * The statement answering now reads masked data (or a setting such a statement wrote): its
 * errors and notices may carry masked values in any field, derived or not.
 */
export function taintedNow(e: ResultEntry | undefined): boolean {
  return e?.lineage?.[e.index ?? 0]?.tainted === true;
}

export class ResultMasker {
  private current: Result | undefined;
  /** How DataRow and CopyData arrive between results. */
  private readonly rowMode: number;
  /** Plans that mask no column, by width: most results of a session without column rules share one. */
  private readonly unmasked: MaskPlan[] = [];
  /** RowDescriptions of the session's recent results, each decoded once. */
  private readonly descriptions = new RecentDecodes(readRowDescription);

  constructor(
    private readonly session: EngineSession,
    private readonly m: ResultMasking,
  ) {
    this.rowMode = m.catalog && m.masking.config.onWire ? MUST_WHOLE : PREFER_WHOLE;
    this.rowsArrive(this.rowMode);
  }

  private rowsArrive(mode: number): void {
    this.m.hooks.setWhole(T.dataRow, mode);
    this.m.hooks.setWhole(T.copyData, mode);
  }

  /** The current result was withheld: the rest of it is dropped. */
  get withheld(): boolean {
    return this.current?.withheld === true;
  }

  /**
   * An ErrorResponse or NoticeResponse of `e`'s statement, its values redacted when masking is on
   * the wire; when the statement reads masked data, every text field is withheld (SQLSTATE kept).
   */
  serverMessage(buf: Buffer, start: number, end: number, e?: ResultEntry): Disposition {
    if (!this.onWire) return FORWARD;
    if (!taintedNow(e)) return redactFields(buf, start, end, this.m.masking);
    const f = readError(buf, start, end);
    return buf[start] === T.error
      ? errorResponse(f.code, WITHHELD_TEXT, f.severity)
      : noticeResponse(f.code, WITHHELD_TEXT, f.severity);
  }

  get onWire(): boolean {
    return this.m.masking.config.onWire;
  }

  /** A RowDescription of `e`'s result. */
  rowDescription(e: ResultEntry, buf: Buffer, start: number, end: number): Disposition {
    return this.begin(e, buf.subarray(start, end), this.descriptions.get(buf, start, end));
  }

  /**
   * A result set starts: works out its mask plan (reading the catalog first if it must). `row`
   * is the first DataRow when the result had no RowDescription of its own (an Execute).
   */
  private begin(
    e: ResultEntry,
    description: Buffer | undefined,
    fields: ResultFields | undefined,
    row?: Buffer,
  ): Disposition {
    const planned = this.plan(e, fields, row ? readColumnCount(row) : undefined);
    if (!(planned instanceof Promise)) {
      const d = this.started(e, description, fields, planned);
      return row && d === DROP ? this.row(e, row) : d;
    }
    const original = description ? Buffer.from(description) : undefined;
    const first = row ? Buffer.from(row) : undefined;
    const hooks = this.m.hooks;
    planned
      .catch((err: Error) => `the masking catalog could not be read: ${err.message}`)
      .then((p) => {
        const d = this.started(e, original, fields, p);
        if (typeof d !== 'number') hooks.toClient(d);
        else if (d === FORWARD && original) hooks.toClient(original);
        if (first && !this.current?.withheld) {
          const out = this.row(e, first);
          if (out === FORWARD) hooks.toClient(first);
          else if (typeof out !== 'number') hooks.toClient(out);
        }
        hooks.resumeServer();
      })
      .catch((err: Error) => hooks.fatal(`gateway error: ${err.message}`));
    return STOP;
  }

  /** Returns the disposition of the RowDescription (DROP when there is none: an Execute's rows). */
  private started(
    e: ResultEntry,
    description: Buffer | undefined,
    fields: ResultFields | undefined,
    planned: MaskPlan | string,
  ): Disposition {
    if (typeof planned === 'string') return this.withhold(e, fields?.names ?? [], planned);
    const wire = this.onWire && planned.masksAny;
    this.current = {
      names: fields?.names ?? [],
      fields,
      plan: planned,
      wire,
      sample: [],
      truncated: false,
      withheld: false,
    };
    this.rowsArrive(wire ? MUST_WHOLE : PREFER_WHOLE);
    return description ? FORWARD : DROP;
  }

  private withhold(e: ResultEntry, names: readonly string[], reason: string): Disposition {
    const why = refusal('masking-refused', `masking withheld this result: ${reason}`);
    e.error = { code: POSTGRES_REFUSALS[why.kind].sqlState, message: why.message };
    this.current = {
      names,
      fields: undefined,
      plan: this.m.masking.plan([]),
      wire: false,
      sample: [],
      truncated: false,
      withheld: true,
    };
    this.rowsArrive(MUST_WHOLE);
    return refusalResponse(why);
  }

  /** The mask plan of a result: from its fields and the statement's lineage. */
  private plan(
    e: ResultEntry,
    fields: ResultFields | undefined,
    width?: number,
    round = 0,
  ): MaskPlan | string | Promise<MaskPlan | string> {
    const { masking, catalog } = this.m;
    const lineage = e.lineage?.[e.index ?? 0];
    const n = fields?.fields.length ?? width ?? 0;
    if (!catalog) return this.unmaskedPlan(n);
    if (!lineage) return 'the statement has no lineage';
    if (!fields) {
      // Rows without a description (an Execute of a statement never described): lineage alone.
      if (lineage.anyMasked || lineage.maskAll || (lineage.exact && lineage.columns.length !== n))
        return 'the result was not described, so its masked columns cannot be typed';
      return this.unmaskedPlan(n);
    }
    const p = masking.pgRowPlan(fields.fields, lineage, catalog.origins);
    if (p.kind === 'plan') return p.plan;
    if (p.kind === 'refuse') return p.reason;
    if (round >= 3) return 'the origins of its columns could not be read from the catalog';
    return catalog.resolve(p.missing).then(() => this.plan(e, fields, width, round + 1));
  }

  private unmaskedPlan(n: number): MaskPlan {
    let plan = this.unmasked[n];
    if (!plan) {
      plan = this.m.masking.plan(Array.from({ length: n }, () => ({ masked: false, textLike: true })));
      // Widths come from the server (up to 1,664 columns): the cache stays small.
      if (n >= 0 && n <= 1664) this.unmasked[n] = plan;
    }
    return plan;
  }

  /** A DataRow of `e`'s result (the first one starts the result when there was no RowDescription). */
  dataRow(e: ResultEntry, buf: Buffer, start: number, end: number): Disposition {
    const row = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    if (!this.current) return this.begin(e, undefined, described(e.portal), row);
    return this.row(e, row);
  }

  private row(e: ResultEntry, row: Buffer): Disposition {
    const r = this.current!;
    if (r.withheld) return DROP;
    try {
      if (r.sample.length < SAMPLE_ROWS) {
        const values = sampleValues(row, r.fields, readColumnCount(row));
        r.sample.push(cutSample(this.m.masking.maskSampleRow(values, r.plan)));
      } else {
        r.truncated = true;
        if (!r.wire) this.rowsArrive(STREAM);
      }
      if (!r.wire) return FORWARD;
      const out = maskDataRow(row, r.plan);
      return out === row ? FORWARD : out;
    } catch (err) {
      if (!(err instanceof MaskingError || err instanceof RangeError)) throw err;
      return this.withhold(e, r.names, err.message);
    }
  }

  /** A CopyOutResponse: a COPY … TO STDOUT result starts. */
  copyOut(e: ResultEntry, buf: Buffer, start: number): Disposition {
    const { binary, columns: n } = readCopyResponse(buf, start);
    const masked = this.copyMasked(e, n);
    if (typeof masked === 'string') return this.withhold(e, [], masked);
    // COPY output is text whatever the column type: the marker is a valid value of every column.
    const plan = this.m.masking.plan(masked.map((m) => ({ masked: m, textLike: true })));
    if (binary && plan.masksAny) return this.withhold(e, [], 'COPY in binary format cannot be masked');
    let copy: CopyFormat | undefined;
    try {
      copy = binary ? { kind: 'binary' } : copyFormat(e.texts?.[e.index ?? 0] ?? '');
    } catch (err) {
      if (plan.masksAny) return this.withhold(e, [], (err as Error).message);
    }
    const sampled = copy !== undefined && copy.kind !== 'binary';
    const wire = this.onWire && plan.masksAny;
    const lineage = e.lineage?.[e.index ?? 0];
    this.current = {
      names: lineage?.exact ? lineage.columns.map((c) => c.name) : [],
      fields: undefined,
      plan,
      wire,
      sample: [],
      truncated: !sampled,
      withheld: false,
      ...(copy ? { copy, copyHeader: copy.kind !== 'binary' && copy.header } : {}),
    };
    this.rowsArrive(wire ? MUST_WHOLE : sampled ? PREFER_WHOLE : STREAM);
    return FORWARD;
  }

  /** Which COPY columns are masked: from lineage alone, since COPY sends no RowDescription. */
  private copyMasked(e: ResultEntry, n: number): boolean[] | string {
    const none = Array.from({ length: n }, () => false);
    if (!this.m.catalog) return none;
    const lineage = e.lineage?.[e.index ?? 0];
    if (!lineage) return 'the statement has no lineage';
    // Lineage is inexact only when nothing in the result is masked.
    if (!lineage.exact) return none;
    if (lineage.columns.length !== n)
      return `COPY sends ${n} columns but the statement's lineage has ${lineage.columns.length}`;
    return lineage.columns.map((c) => c.masked);
  }

  /** A CopyData of a COPY … TO STDOUT result. */
  copyData(e: ResultEntry | undefined, buf: Buffer, start: number, end: number): Disposition {
    const r = this.current;
    if (!r) return FORWARD;
    if (r.withheld) return DROP;
    const copy = r.copy;
    if (!copy || copy.kind === 'binary') return FORWARD;
    if (r.copyHeader) {
      r.copyHeader = false;
      return FORWARD;
    }
    const data = readCopyData(buf, start, end);
    try {
      const needSample = r.sample.length < SAMPLE_ROWS;
      if (!needSample) {
        r.truncated = true;
        if (!r.wire) this.rowsArrive(STREAM);
      }
      if (!needSample && !r.wire) return FORWARD;
      const masked =
        copy.kind === 'text' ? maskCopyText(data, r.plan, copy.text) : maskCopyCsv(data, r.plan, copy.csv);
      if (needSample) {
        const line = this.m.masking.redactValue(masked.toString('utf8').replace(/\r?\n$/, ''));
        r.sample.push(cutSample([line]));
      }
      return r.wire && masked !== data ? copyData(masked) : FORWARD;
    } catch (err) {
      if (!(err instanceof MaskingError)) throw err;
      return this.withhold(e ?? {}, r.names, err.message);
    }
  }

  /** The result set ended: its sample goes to the transcript. Returns whether it was withheld. */
  end(e: ResultEntry | undefined): boolean {
    const r = this.current;
    if (!r) return false;
    this.current = undefined;
    this.rowsArrive(this.rowMode);
    if (!r.withheld && e?.stmt && !e.refusal) {
      this.session.rows({
        id: e.stmt,
        columns: r.copy ? ['COPY row'] : r.names,
        sample: r.sample,
        truncated: r.truncated,
        masked: r.names.filter((_, i) => r.plan.actions[i] !== 0),
      });
    }
    return r.withheld;
  }
}

function described(portal: Portal | undefined): ResultFields | undefined {
  if (!portal) return undefined;
  const d = portal.described ?? portal.statement?.described;
  if (!d) return undefined;
  // A statement's description has no formats yet; the Bind chose them.
  return portal.described ? d : { ...d, formats: portal.formats };
}
