// Masking of one answer from the database, packet by packet: the transcript's `rows` sample of
// every result set (always), the rewriting of rows on the wire (policy `on-wire`), and the
// redaction of ERR texts the client receives (on-wire). Without column rules and without on-wire
// only the column definitions and the first rows are read; the rest streams untouched.
import {
  type Masking,
  MaskingError,
  type MaskPlan,
  type MysqlColumn,
  maskMysqlBinaryRow,
  maskMysqlTextRow,
  mysqlTextLike,
} from '../../masking/index.js';
import { RecentDecodes } from '../recent-decodes.js';
import { refusal } from '../refusal.js';
import type { RowsSample } from '../session-contract.js';
import { errPayload, frame, parseErr, Reader, Route } from './codec.js';
import { MAX_PAYLOAD } from './constants.js';
import type { StatementSources } from './masking-catalog.js';
import { refusalPayload } from './refusals.js';
import type { ResponseTracker } from './replies.js';
import { type ColumnDef, parseColumnDef, sampleBinaryRow, sampleTextRow } from './result-rows.js';

/** Rows per result set recorded in the transcript, and the longest value recorded. */
const SAMPLE_ROWS = 5;
const SAMPLE_VALUE_CHARS = 200;

const ER_PARSE_ERROR = 1064;

/** What a client and the transcript get instead of the text of an error of a tainted statement. */
export const WITHHELD_TEXT =
  'guardrail: masking withheld the text of this message (the statement reads a masked column)';

/** What a result set's columns become: on the wire (absent: unchanged) and in the sample. */
export interface ResultPlan {
  cols: ColumnDef[];
  /** The columns' protocol types, once per result set (binary rows are rewritten by type). */
  types: number[];
  wire?: MaskPlan;
  sample: MaskPlan;
  masked: string[];
}

type Decision = { masked: boolean[] } | { refuse: string };

const key = (schema: string, table: string) => `${schema.toLowerCase()}.${table.toLowerCase()}`;

/**
 * Which columns are masked. With opaque sources only columns that come straight from a base
 * table the scan found are cleared; otherwise the masking core judges, and a column naming a
 * table the catalog did not show (but a rule could match) counts as unknown as well. A column
 * whose own name (a view's, say) matches a rule is masked whatever it derives from.
 */
function decide(masking: Masking, cols: readonly ColumnDef[], sources: StatementSources): Decision {
  const { matcher } = masking;
  const known = new Set(sources.tables.map((t) => key(t.schema, t.table)));
  const views = new Set(sources.views.map((t) => key(t.schema, t.table)));
  // Expression columns of views, and columns of views MariaDB materialises, carry no schema.
  const names = new Set([...sources.tables, ...sources.views].map((t) => t.table.toLowerCase()));
  const seen = (c: ColumnDef) =>
    c.schema === '' ? names.has(c.orgTable.toLowerCase()) : views.has(key(c.schema, c.orgTable));
  const direct = (c: ColumnDef) =>
    c.orgTable !== '' && c.orgName !== '' && known.has(key(c.schema, c.orgTable));
  if (sources.opaque) {
    const unknown = cols.find((c) => !direct(c));
    if (unknown)
      return {
        refuse: `result column "${unknown.name}" cannot be traced to a table, and the statement cannot be followed: ${sources.opaque}`,
      };
    return { masked: cols.map((c) => matcher.matches(c.schema, c.orgTable, c.orgName)) };
  }
  const unseen = cols.find(
    (c) => c.orgTable !== '' && !direct(c) && !seen(c) && matcher.mayMatchTable(c.schema, c.orgTable),
  );
  if (unseen)
    return {
      refuse: `result column "${unseen.name}" comes from ${unseen.schema}.${unseen.orgTable}, which is not a table or view the gateway could look up (a derived table, a CTE, a temporary table?) and a masking rule could match it`,
    };
  const columns: MysqlColumn[] = cols.map((c) => ({
    schema: c.schema,
    orgTable: c.orgTable,
    orgName: c.orgName,
    name: c.name,
  }));
  const plan = masking.mysqlColumnPlan(columns, sources.tables, sources.columnsOf);
  if (plan.refuse) return { refuse: plan.reason };
  return {
    masked: plan.masked.map(
      (m, i) =>
        m ||
        (cols[i]!.orgName !== '' && matcher.matches(cols[i]!.schema, cols[i]!.orgTable, cols[i]!.orgName)),
    ),
  };
}

/**
 * The plan of one result set when column rules exist (without them: ColumnMemo.unsourced). A
 * refused plan still masks the sample: each column is judged alone, and the ones that cannot be cleared are
 * masked.
 */
function planResult(
  masking: Masking,
  cols: ColumnDef[],
  sources: StatementSources,
): ResultPlan | { refuse: string; sample: ResultPlan } {
  const onWire = masking.config.onWire;
  if (sources.taint?.maskAll) return planOf(masking, cols, new Array(cols.length).fill(true), onWire);
  const d = decide(masking, cols, sources);
  if ('masked' in d) return planOf(masking, cols, d.masked, onWire);
  const each = cols.map((c) => {
    const one = decide(masking, [c], sources);
    return 'refuse' in one || one.masked[0] === true;
  });
  return { refuse: d.refuse, sample: planOf(masking, cols, each, false) };
}

/** The plan that masks the columns marked in `masked`; on the wire too when `wire`. */
function planOf(masking: Masking, cols: ColumnDef[], masked: readonly boolean[], wire: boolean): ResultPlan {
  const types = cols.map((c) => c.type);
  const plan = masking.plan(cols.map((c, i) => ({ masked: masked[i]!, textLike: textLike(c) })));
  return {
    cols,
    types,
    sample: plan,
    ...(wire && plan.masksAny ? { wire: plan } : {}),
    masked: cols.filter((_, i) => masked[i]).map((c) => c.name),
  };
}

/**
 * The marker is a valid value of plain text only. A column the server announced as JSON, UUID,
 * INET4/6 … (extended metadata) is decoded as that type by the driver, so it becomes NULL, as
 * such types do everywhere else.
 */
function textLike(c: ColumnDef): boolean {
  return mysqlTextLike(c.type) && c.typeName === undefined && c.format === undefined;
}

function cut(v: unknown): unknown {
  return typeof v === 'string' && v.length > SAMPLE_VALUE_CHARS ? `${v.slice(0, SAMPLE_VALUE_CHARS)}…` : v;
}

interface ResultSet {
  expected: number;
  cols: ColumnDef[];
  /** Packets held back until the plan is known (column count and definitions), framed. */
  held: Buffer[];
  /** Sequence id of the column count: a refusal takes its place. */
  heldSeq: number;
  awaitCount: boolean;
  plan?: ResultPlan;
  sample: unknown[][];
  rows: number;
  unsampled: boolean;
}

/** Column definitions remembered by position; wider results are parsed every time. */
const MEMO_COLUMNS = 256;
/** Plans remembered, as many as a position's definitions (recent-decodes.ts). */
const MEMO_PLANS = 8;

/**
 * One connection's recent result sets: each position's column definitions decoded once
 * (RecentDecodes), and the plan of a result without column rules kept for results whose columns
 * are those same definitions. Plans are never changed once made. Oldest out first.
 */
export class ColumnMemo {
  private readonly positions: RecentDecodes<ColumnDef>[] = [];
  private readonly plans: { cols: readonly ColumnDef[]; plan: ResultPlan }[] = [];

  constructor(private readonly extendedMetadata: boolean) {}

  column(i: number, payload: Buffer): ColumnDef {
    if (i >= MEMO_COLUMNS) return parseColumnDef(payload, this.extendedMetadata);
    this.positions[i] ??= new RecentDecodes((buf, start, end) =>
      parseColumnDef(buf.subarray(start, end), this.extendedMetadata),
    );
    return this.positions[i].get(payload, 0, payload.length);
  }

  /** The plan of a result without column rules: an earlier one's, when its columns are these. */
  unsourced(masking: Masking, cols: ColumnDef[]): ResultPlan {
    for (const p of this.plans)
      if (p.cols.length === cols.length && p.cols.every((c, i) => c === cols[i])) return p.plan;
    const plan = planOf(masking, cols, new Array(cols.length).fill(false), false);
    if (this.plans.length === MEMO_PLANS) this.plans.shift();
    this.plans.push({ cols, plan });
    return plan;
  }
}

export interface ResultMaskerOptions {
  masking: Masking;
  /** The connection's memo of column definitions. */
  columns: ColumnMemo;
  /** Binary-protocol rows (COM_STMT_EXECUTE, COM_STMT_FETCH). */
  binary: boolean;
  /** Absent when no column rule exists. */
  sources?: StatementSources;
  /** The statement the rows belong to; without it nothing is recorded. */
  statementId?: string;
  /** Records the sample of a result set that ended. */
  rows(sample: RowsSample): void;
  /** Emits gateway-made bytes in stream order (the scanner's inject). */
  inject(bytes: Buffer): void;
  /** COM_STMT_FETCH: the plan of the result set whose cursor is read. */
  cursor?: ResultPlan;
}

export class ResultMasker {
  private set: ResultSet | undefined;
  /** Set when the rest of the answer is withheld: the client got an ERR in its place. */
  withheld: string | undefined;
  /** The plan of the latest result set (for a cursor left open). */
  lastPlan: ResultPlan | undefined;
  private readonly onWire: boolean;
  private readonly hold: boolean;
  private readonly before: {
    phase: ResponseTracker['phase'] | undefined;
    rows: number;
    resultSets: number;
    failed: boolean;
  } = { phase: undefined, rows: 0, resultSets: 0, failed: false };

  constructor(private readonly o: ResultMaskerOptions) {
    this.onWire = o.masking.config.onWire;
    // Column definitions wait for the plan only when it can refuse the result on the wire.
    this.hold = this.onWire && o.sources !== undefined;
    if (o.cursor) this.set = this.newSet(o.cursor.cols.length, o.cursor);
  }

  private newSet(expected: number, plan?: ResultPlan): ResultSet {
    return {
      expected,
      cols: plan ? [...plan.cols] : [],
      held: [],
      heldSeq: 0,
      awaitCount: false,
      ...(plan ? { plan } : {}),
      sample: [],
      rows: 0,
      unsampled: false,
    };
  }

  /**
   * Routes one packet (not a continuation) after the tracker has seen it. The masker sees every
   * packet of the answer until it is withheld, so it remembers what the tracker knew before.
   */
  route(t: ResponseTracker, buf: Buffer, off: number, peek: number, len: number, seq: number): Route {
    const before = this.before;
    const phase = before.phase ?? (t.kind === 'fetch' ? 'rows' : 'first');
    const rowsBefore = before.rows;
    const setsBefore = before.resultSets;
    const failed = before.failed;
    before.phase = t.phase;
    before.rows = t.rows;
    before.resultSets = t.resultSets;
    before.failed = t.error !== undefined;
    if (!failed && t.error) {
      this.endSet();
      return this.onWire ? Route.Capture : Route.Forward;
    }
    if (t.kind !== 'results' && t.kind !== 'fetch') return Route.Forward;
    if (phase === 'first' && t.resultSets > setsBefore) {
      const expected = new Reader(buf, off, off + peek).lenenc() ?? 0;
      this.set = this.newSet(expected);
      this.set.awaitCount = this.hold;
      return this.hold ? Route.Capture : Route.Forward;
    }
    const set = this.set;
    if (!set) return Route.Forward;
    if (phase === 'columns') {
      if (!this.hold && peek === len) {
        this.column(set, buf.subarray(off, off + len));
        return Route.Forward;
      }
      return Route.Capture;
    }
    if (phase !== 'rows') return Route.Forward;
    if (t.rows === rowsBefore) {
      this.endSet();
      return Route.Forward;
    }
    set.rows++;
    const wire = set.plan?.wire;
    const sampling = set.sample.length < SAMPLE_ROWS && !set.unsampled;
    if (len >= MAX_PAYLOAD) {
      // A row of 16 MiB or more spans packets: it is neither sampled nor rewritten.
      if (wire) {
        this.withhold('a row of 16 MiB or more cannot be masked');
        this.o.inject(this.refusal(seq, this.withheld!));
        return Route.Drop;
      }
      if (sampling) set.unsampled = true;
      return Route.Forward;
    }
    if (!wire && !sampling) return Route.Forward;
    if (!wire && peek === len) {
      this.sampleRow(set, buf.subarray(off, off + len));
      return Route.Forward;
    }
    return Route.Capture;
  }

  /** A captured packet, whole: what the client gets in its place. */
  captured(payload: Buffer, seq: number): Buffer | undefined {
    // Neither a row (text: a length or 0xFB; binary: 0x00) nor a column packet starts with 0xFF.
    if (payload[0] === 0xff) return this.redactedErr(payload, seq);
    const set = this.set;
    if (!set) return frame(payload, seq).bytes;
    if (set.awaitCount) {
      set.awaitCount = false;
      set.heldSeq = seq;
      set.held.push(frame(payload, seq).bytes);
      return undefined;
    }
    if (!set.plan) {
      this.column(set, payload);
      const bytes = frame(payload, seq).bytes;
      if (!this.hold) return bytes;
      set.held.push(bytes);
      if (!set.plan) return undefined;
      if (this.withheld) return this.refusal(set.heldSeq, this.withheld);
      return Buffer.concat(set.held.splice(0));
    }
    if (set.sample.length < SAMPLE_ROWS && !set.unsampled) this.sampleRow(set, payload);
    const wire = set.plan.wire;
    if (!wire) return frame(payload, seq).bytes;
    try {
      const masked = this.o.binary
        ? maskMysqlBinaryRow(payload, wire, set.plan.types)
        : maskMysqlTextRow(payload, wire);
      return frame(masked, seq).bytes;
    } catch (err) {
      if (!(err instanceof MaskingError)) throw err;
      this.withhold(`a row could not be masked: ${err.message}`);
      return this.refusal(seq, this.withheld!);
    }
  }

  /** Records the sample of a result set still open (the answer ended or was cut off). */
  close(): void {
    this.endSet();
  }

  private column(set: ResultSet, payload: Buffer): void {
    set.cols.push(this.o.columns.column(set.cols.length, payload));
    if (set.cols.length < set.expected) return;
    const plan = this.o.sources
      ? planResult(this.o.masking, set.cols, this.o.sources)
      : this.o.columns.unsourced(this.o.masking, set.cols);
    if ('refuse' in plan) {
      set.plan = plan.sample;
      if (this.onWire) this.withhold(plan.refuse);
    } else set.plan = plan;
    this.lastPlan = set.plan;
  }

  private sampleRow(set: ResultSet, payload: Buffer): void {
    const plan = set.plan;
    if (!plan) return;
    let values: unknown[];
    try {
      values = this.o.binary ? sampleBinaryRow(payload, plan.cols) : sampleTextRow(payload, plan.cols);
    } catch {
      // Not recorded rather than recorded wrong; the row itself goes on as the plan says.
      set.unsampled = true;
      return;
    }
    set.sample.push(this.o.masking.maskSampleRow(values, plan.sample).map(cut));
  }

  private endSet(): void {
    const set = this.set;
    this.set = undefined;
    if (!set?.plan || !this.o.statementId) return;
    this.o.rows({
      id: this.o.statementId,
      columns: set.plan.cols.map((c) => c.name),
      sample: set.sample,
      truncated: set.rows > set.sample.length,
      masked: set.plan.masked,
    });
  }

  private withhold(reason: string): void {
    this.withheld ??= reason;
  }

  private refusal(seq: number, reason: string): Buffer {
    this.endSet();
    return frame(refusalPayload(refusal('masking-refused', `result withheld: ${reason}`)), seq).bytes;
  }

  /** The statement reads masked data: the text of this error is withheld whole. */
  withholds(errno: number): boolean {
    const taint = this.o.sources?.taint;
    return taint?.errors === true && (taint.syntaxErrors || errno !== ER_PARSE_ERROR);
  }

  private redactedErr(payload: Buffer, seq: number): Buffer {
    const e = parseErr(payload);
    const message = this.withholds(e.code) ? WITHHELD_TEXT : this.o.masking.redactMessage(e.message);
    return frame(errPayload({ ...e, message }), seq).bytes;
  }
}
