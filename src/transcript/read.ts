import { GuardrailError } from '../errors/guardrail-error.js';
import type { FileLine, TranscriptLine } from './events.js';

/**
 * Parses transcript text into its events; seal lines are the chain's, checked by verify.ts, and
 * left out. A partial last line (a job killed mid-write) is dropped and reported rather than
 * failing the whole read: the rest is still evidence.
 */
export function readTranscript(text: string): { lines: TranscriptLine[]; partialTail: boolean } {
  const raw = text.split('\n');
  if (raw.at(-1) === '') raw.pop();
  const lines: TranscriptLine[] = [];
  for (const [i, line] of raw.entries()) {
    let parsed: FileLine;
    try {
      parsed = JSON.parse(line) as FileLine;
    } catch (err) {
      if (i === raw.length - 1) return { lines, partialTail: true };
      throw new GuardrailError(`line ${i + 1} is not valid JSON: ${(err as Error).message}`, {
        code: 'ERR_TRANSCRIPT_MALFORMED',
      });
    }
    if (parsed.type !== 'seal') lines.push(parsed);
  }
  return { lines, partialTail: false };
}

export interface StatementView {
  conn: number;
  id: string;
  text: string;
  via: string;
  hash: string;
  startedAt: string;
  action?: 'allow' | 'review' | 'deny';
  rules: string[];
  findings: { rule: string; severity: string; message: string }[];
  approval?: {
    requestId: string;
    outcome: string;
    by: string[];
    url?: string;
    reason?: string;
    decidedAt: string;
  };
  result?: {
    tag?: string;
    rows?: number;
    durationMs: number;
    error?: { code: string; message: string };
    endedAt: string;
  };
  sample?: { columns: readonly string[]; rows: unknown[][]; masked: string[]; truncated: boolean };
  impact?: Record<string, unknown>;
  params?: unknown[];
  /** An execution of a prepared statement: the id of its prepare. */
  preparedAs?: string;
  /** A prepared statement: how many executions of it were recorded. */
  executions?: number;
}

/** Folds the event stream into one record per statement, in the order statements started. */
export function statementsOf(lines: TranscriptLine[]): StatementView[] {
  const byKey = new Map<string, StatementView>();
  const key = (conn: number, id: string) => `${conn}/${id}`;
  for (const l of lines) {
    if (l.type === 'statement') {
      // An execution of a prepared statement carries the verdict and approval of its prepare.
      const parent = l.preparedAs ? byKey.get(key(l.conn, l.preparedAs)) : undefined;
      if (parent) parent.executions = (parent.executions ?? 0) + 1;
      byKey.set(key(l.conn, l.id), {
        conn: l.conn,
        id: l.id,
        text: l.text,
        via: l.via,
        hash: l.hash,
        startedAt: l.ts,
        rules: parent?.rules ?? [],
        findings: parent?.findings ?? [],
        ...(parent?.action ? { action: parent.action } : {}),
        ...(parent?.approval ? { approval: parent.approval } : {}),
        ...(l.params ? { params: l.params } : {}),
        ...(l.preparedAs ? { preparedAs: l.preparedAs } : {}),
      });
      continue;
    }
    if (!('id' in l)) continue;
    const s = byKey.get(key(l.conn, l.id));
    if (!s) continue;
    switch (l.type) {
      case 'verdict':
        s.action = l.action;
        s.rules = l.rules;
        s.findings = l.findings;
        break;
      case 'approval.decided':
        s.approval = {
          requestId: l.requestId,
          outcome: l.outcome,
          by: l.by,
          decidedAt: l.ts,
          ...(l.url ? { url: l.url } : {}),
          ...(l.reason ? { reason: l.reason } : {}),
        };
        break;
      case 'result':
        s.result = {
          durationMs: l.durationMs,
          endedAt: l.ts,
          ...(l.tag !== undefined ? { tag: l.tag } : {}),
          ...(l.rows !== undefined ? { rows: l.rows } : {}),
          ...(l.error ? { error: l.error } : {}),
        };
        break;
      case 'rows':
        s.sample = { columns: l.columns, rows: l.sample, masked: l.masked, truncated: l.truncated };
        break;
      case 'impact':
        s.impact = l.estimate;
        break;
    }
  }
  return [...byKey.values()];
}

/** One table's share of an `impact` event, as far as the recorded JSON holds well-typed fields. */
export interface ImpactFigure {
  /** The estimator's key, e.g. `delete public.orders`. */
  key: string;
  kind?: string;
  table?: string;
  column?: string;
  rowsEstimated?: number;
  rowsExact?: number;
  tableRows?: number;
  nonNull?: number;
  bytes?: number;
  lockLevel?: string;
  dependents?: { views: string[]; foreignKeys: string[]; functions: string[]; triggers: string[] };
  notes: string[];
  unavailable: { part: string; reason: string }[];
}

export interface ImpactView {
  figures: ImpactFigure[];
  /** The estimate failed as a whole (the gateway records `{ error }`). */
  error?: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function figureOf(key: string, value: Record<string, unknown>): ImpactFigure {
  const d = value.dependents;
  const dependents = d && typeof d === 'object' ? (d as Record<string, unknown>) : undefined;
  const unavailable = Array.isArray(value.unavailable)
    ? value.unavailable.flatMap((u) => {
        const part = str((u as Record<string, unknown> | null)?.part);
        const reason = str((u as Record<string, unknown> | null)?.reason);
        return part ? [{ part, reason: reason ?? '' }] : [];
      })
    : [];
  const figure: ImpactFigure = { key, notes: strings(value.notes), unavailable };
  for (const k of ['kind', 'table', 'column', 'lockLevel'] as const) {
    const v = str(value[k]);
    if (v !== undefined) figure[k] = v;
  }
  for (const k of ['rowsEstimated', 'rowsExact', 'tableRows', 'nonNull', 'bytes'] as const) {
    const v = num(value[k]);
    if (v !== undefined) figure[k] = v;
  }
  if (dependents) {
    figure.dependents = {
      views: strings(dependents.views),
      foreignKeys: strings(dependents.foreignKeys),
      functions: strings(dependents.functions),
      triggers: strings(dependents.triggers),
    };
  }
  return figure;
}

/**
 * Reads a statement's `impact` record: one entry per table estimated, or `{ error }`. The
 * transcript is input like any other, so fields of the wrong type are left out, not trusted.
 */
export function impactOf(record: Record<string, unknown> | undefined): ImpactView | undefined {
  if (!record) return undefined;
  const view: ImpactView = { figures: [] };
  for (const [key, value] of Object.entries(record)) {
    if (key === 'error' && typeof value === 'string') view.error = value;
    else if (value && typeof value === 'object' && !Array.isArray(value))
      view.figures.push(figureOf(key, value as Record<string, unknown>));
  }
  return view;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

function size(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** Rows a figure says the statement touches, in words: `~1,200 estimated, 1,187 exact`. */
export function rowsText(f: ImpactFigure): string | undefined {
  const parts = [
    f.rowsEstimated !== undefined ? `~${count(f.rowsEstimated)} estimated` : undefined,
    f.rowsExact !== undefined ? `${count(f.rowsExact)} exact` : undefined,
  ].filter(Boolean);
  if (parts.length > 0) return parts.join(', ');
  const missing = f.unavailable.find((u) => u.part === 'rows' || u.part === 'rowsExact');
  return missing ? `unavailable (${missing.reason})` : undefined;
}

/** The table a figure is about: its rows, non-null values of the column, size on disk. */
function tableText(f: ImpactFigure): string | undefined {
  const parts = [
    f.tableRows !== undefined ? `~${count(f.tableRows)} rows` : undefined,
    f.nonNull !== undefined ? `${count(f.nonNull)} non-null in ${f.column ?? 'the column'}` : undefined,
    f.bytes !== undefined ? size(f.bytes) : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** What depends on the table, grouped: `views v1, v2; foreign keys fk on t`. */
function dependentsText(f: ImpactFigure): string | undefined {
  const d = f.dependents;
  if (!d) return undefined;
  const groups = [
    ['views', d.views],
    ['foreign keys', d.foreignKeys],
    ['functions', d.functions],
    ['triggers', d.triggers],
  ] as const;
  const parts = groups
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label} ${names.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/** One line per figure for timelines and pages: key, rows, lock, table, dependents, gaps, notes. */
export function impactLines(view: ImpactView): string[] {
  if (view.error) return [`estimate failed: ${view.error}`];
  return view.figures.map((f) => {
    const rows = rowsText(f);
    const table = tableText(f);
    const deps = dependentsText(f);
    const gaps = f.unavailable
      .filter((u) => u.part !== 'rows' && u.part !== 'rowsExact')
      .map((u) => `${u.part} unavailable (${u.reason})`);
    return [
      f.key,
      rows ? `rows ${rows}` : undefined,
      f.lockLevel ? `lock ${f.lockLevel}` : undefined,
      table ? `table ${table}` : undefined,
      deps ? `dependents: ${deps}` : undefined,
      ...gaps,
      ...f.notes,
    ]
      .filter(Boolean)
      .join(' · ');
  });
}
