// The dry-run report (issue 9): every statement with its verdict and findings, estimated and actual
// rows, lock level and time, from the transcript. The same markdown goes into the job summary and
// into one pull-request comment that each run edits in place. Everything from the transcript is
// redacted and escaped as in the job summary; the report stays under GitHub's comment limit.
//
// What the report reads of a dry run, besides statements, verdicts, approvals, impact and results:
// a statement the gateway did not run is one whose result tag starts with SKIPPED (e.g.
// `SKIPPED (dry run)`), or one a `notice` with code `dry-run-skipped` names (by `id` if the notice
// has one, else the latest statement of the same connection). Other `dry-run-*` notices are listed.
import { runUrl } from '../approvals/render.js';
import {
  COMMENT_LIMIT,
  type ReportCommentResult,
  reportMarker,
  upsertReportComment,
} from '../approvals/report.js';
import type { JobInfo } from '../approvals/types.js';
import { SKIPPED_CODE, type TranscriptLine } from '../transcript/events.js';
import { impactOf, rowsText, type StatementView, statementsOf } from '../transcript/read.js';
import { escapeText, redactor } from './summary.js';

const SKIPPED = /^SKIPPED\b/i;
/** Room for the closing tag and the note about statements left out. */
const RESERVE_CHARS = 1_000;
const STATEMENT_MAX = 1_000;
const STATEMENT_MIN = 200;
const MESSAGE_CHARS = 300;

export interface ReportInput {
  lines: TranscriptLine[];
  /** The run's dialect when the transcript has no gateway.start. */
  dialect?: string;
  job?: JobInfo;
  /** Values that must never be shown (gateway and lease passwords, tokens). */
  secrets: string[];
  /** Characters the report may use; default: what a comment holds next to its marker. */
  maxChars?: number;
}

interface Row {
  view: StatementView;
  skipped?: string;
}

const LISTED = 10;
const count = (n: number): string => n.toLocaleString('en-US');
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** The first few messages, shortened, and how many more there were: the header stays small. */
function firstOf(messages: string[]): string[] {
  const shown = messages.slice(0, LISTED).map((m) => cut(m, MESSAGE_CHARS));
  return messages.length > LISTED
    ? [...shown, `… and ${messages.length - LISTED} more in the transcript`]
    : shown;
}

function collect(lines: TranscriptLine[]) {
  const rows = new Map<string, Row>(statementsOf(lines).map((view) => [`${view.conn}/${view.id}`, { view }]));
  const latest = new Map<number, string>();
  const notes: string[] = [];
  const errors: string[] = [];
  let start: Extract<TranscriptLine, { type: 'gateway.start' }> | undefined;
  for (const l of lines) {
    if (l.type === 'gateway.start') start = l;
    else if (l.type === 'statement') latest.set(l.conn, l.id);
    else if (l.type === 'error') errors.push(l.code ? `${l.code}: ${l.message}` : String(l.message));
    else if (l.type === 'notice' && String(l.code).startsWith('dry-run')) {
      const named = (l as { id?: unknown }).id;
      const id = typeof named === 'string' ? named : latest.get(l.conn);
      const row = l.code === SKIPPED_CODE && id !== undefined ? rows.get(`${l.conn}/${id}`) : undefined;
      if (row) row.skipped = String(l.message);
      else notes.push(`${l.code}: ${l.message}`);
    }
  }
  for (const row of rows.values()) {
    const tag = row.view.result?.tag;
    if (row.skipped === undefined && tag && SKIPPED.test(tag)) row.skipped = tag;
  }
  return { start, rows: [...rows.values()], notes, errors };
}

function dryRunNote(dialect: string | undefined): string {
  if (dialect === 'mysql')
    return 'MySQL dry run: the statements were analysed and their impact estimated only. None was executed.';
  if (dialect === 'postgres')
    return 'PostgreSQL dry run: the statements ran inside a transaction that the gateway rolled back, so nothing was committed; actual rows are what a statement changed before the rollback. Statements that cannot run inside a transaction were not run.';
  return 'Dry run: nothing was committed.';
}

function verdictText(s: StatementView): string {
  const a = s.approval;
  const approval = a ? `, ${a.outcome}${a.by.length ? ` by ${a.by.join(', ')}` : ''}` : '';
  if (!s.action) return 'not judged';
  if (s.action === 'allow') return 'allowed';
  return `${s.action === 'deny' ? 'denied' : 'needs approval'}${approval}`;
}

function actualText(row: Row, dialect: string | undefined): string {
  const r = row.view.result;
  if (row.skipped !== undefined) return `not run: ${cut(row.skipped, MESSAGE_CHARS)}`;
  if (!r) return dialect === 'mysql' ? 'not executed' : 'no result recorded';
  if (r.error) return `error ${r.error.code}: ${cut(String(r.error.message), MESSAGE_CHARS)}`;
  if (r.rows !== undefined) return count(r.rows);
  return r.tag ?? 'ok';
}

/** A dry run by the action's `mode` input, or by the mode the gateway says it ran in. */
export function isDryRun(lines: TranscriptLine[], configMode: string | undefined): boolean {
  return configMode === 'dry-run' || lines.some((l) => l.type === 'gateway.start' && l.mode === 'dry-run');
}

/** The report as markdown (an HTML table, like the job summary), without the comment marker. */
export function renderReport(input: ReportInput): string {
  const redact = redactor(input.secrets);
  // The transcript is input too: a field of the wrong type is shown as text, never a crash.
  const t = (text: unknown): string => escapeText(redact(String(text ?? '')));
  // The comment also holds the marker line, whose length grows with the workflow's name.
  const max =
    input.maxChars ?? COMMENT_LIMIT - Math.max(200, input.job ? reportMarker(input.job).length + 1 : 0);
  const { start, rows, notes, errors } = collect(input.lines);
  const dialect = start?.dialect ?? input.dialect;
  const skipped = rows.filter((r) => r.skipped !== undefined).length;
  const failed = rows.filter((r) => r.view.result?.error).length;
  const by = (action: string) => rows.filter((r) => r.view.action === action).length;

  const head: string[] = [
    `### Guardrail dry run${start ? `: ${t(start.dialect)} at ${t(start.upstream)}` : ''}`,
    '',
    `> [!NOTE]\n> ${dryRunNote(dialect)}`,
    '',
  ];
  const job = input.job;
  if (job) {
    const commit = job.sha ? ` at <code>${t(job.sha.slice(0, 12))}</code>` : '';
    head.push(
      `Run <a href="${escapeText(runUrl(job))}">${t(job.workflow)} / ${t(job.job)}</a>${commit}.`,
      '',
    );
  }
  head.push(
    `${rows.length} statement${rows.length === 1 ? '' : 's'}: ${by('allow')} allowed, ${by('review')} need approval, ${by('deny')} denied, ${skipped} not run, ${failed} failed.`,
    '',
  );
  for (const e of firstOf(errors)) head.push(`> [!CAUTION]\n> ${t(e)}`, '');
  if (notes.length > 0) head.push(...firstOf(notes).map((n) => `- ${t(n)}`), '');

  const parts = [`${head.join('\n')}\n`];
  let used = parts[0]!.length;
  const add = (s: string): boolean => {
    if (used + s.length + RESERVE_CHARS > max) return false;
    parts.push(s);
    used += s.length;
    return true;
  };

  let shown = 0;
  if (
    rows.length > 0 &&
    add(
      '<table>\n<tr><th>id</th><th>statement</th><th>verdict and findings</th><th>rows estimated</th><th>rows actual</th><th>lock</th><th>time</th></tr>\n',
    )
  ) {
    // Escaping can triple a statement's length; share the room so more statements fit.
    const textCap = Math.max(STATEMENT_MIN, Math.min(STATEMENT_MAX, Math.floor(max / 3 / rows.length)));
    for (const row of rows) {
      if (!add(rowHtml(row, dialect, t, redact, textCap))) break;
      shown++;
    }
    parts.push('</table>\n\n');
  }
  if (shown < rows.length) {
    parts.push(
      `${rows.length - shown} more statements are not shown: a comment holds at most ${count(COMMENT_LIMIT)} characters. The transcript artifact has every statement.\n`,
    );
  }
  return redact(parts.join(''));
}

function rowHtml(
  row: Row,
  dialect: string | undefined,
  t: (text: unknown) => string,
  redact: (text: string) => string,
  textCap: number,
): string {
  const s = row.view;
  // Redact before cutting, so a secret across the cut cannot leave a prefix behind.
  const text = cut(redact(String(s.text)), textCap);
  const findings = s.findings.map(
    (f) => `<code>${t(f.rule)}</code> ${t(f.severity)}: ${t(cut(String(f.message), MESSAGE_CHARS))}`,
  );
  const impact = impactOf(s.impact);
  const figures = impact?.figures ?? [];
  const estimated = impact?.error
    ? ['estimate failed']
    : figures.flatMap((f) => {
        const rows = rowsText(f);
        if (!rows) return [];
        return figures.length > 1 ? [`${f.key}: ${rows}`] : [rows];
      });
  const locks = [...new Set(figures.map((f) => f.lockLevel).filter((l): l is string => !!l))];
  const ms = s.result?.durationMs;
  const time = typeof ms === 'number' && row.skipped === undefined ? `${ms.toFixed(1)} ms` : '';
  const cells = [
    t(s.id),
    `<pre>${escapeText(text)}</pre>`,
    [t(verdictText(s)), ...findings].join('<br>'),
    estimated.map(t).join('<br>'),
    t(actualText(row, dialect)),
    locks.map(t).join('<br>'),
    t(time),
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>\n`;
}

export interface PostReportOptions {
  job: JobInfo;
  /** The report from renderReport(). */
  report: string;
  token?: string;
  /** The triggering event's webhook payload. */
  payload: unknown;
  baseUrl?: string;
  timeoutMs?: number;
  retryBaseMs?: number;
  log?: (message: string) => void;
}

/** Puts the report on the run's pull request (edited in place), if the run has one and a token. */
export function postReport(opts: PostReportOptions): Promise<ReportCommentResult> {
  if (!opts.token) return Promise.resolve({ action: 'skipped', reason: 'no github-token to comment with' });
  return upsertReportComment({
    token: opts.token,
    job: opts.job,
    body: opts.report,
    payload: opts.payload,
    ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
}
