// The job summary written by the post step, from the transcript lines. Everything that comes from
// the transcript is escaped so a statement cannot inject markdown, HTML or @-mentions, secrets the
// post step knows are replaced even though the transcript is already redacted, and the page stays
// within the runner's 1 MiB per-step limit.
import * as core from '@actions/core';
import type { TranscriptLine } from '../transcript/events.js';
import { type StatementView, statementsOf } from '../transcript/read.js';
import type { VerifyResult } from '../transcript/verify.js';

export const SUMMARY_LIMIT_BYTES = 1024 * 1024;
/** Room kept for closing tags and the truncation note once the budget runs out. */
const RESERVE_BYTES = 2048;
const STATEMENT_CHARS = 1000;

export interface SummaryInput {
  lines: TranscriptLine[];
  verify: VerifyResult;
  /** The upstream credential was a standing secret (static DSN). */
  standingCredential: boolean;
  /** Values that must never be shown (gateway and lease passwords, tokens). */
  secrets: string[];
  artifact?: { name: string; id?: number };
  /** The transcript's attestation, or why there is none. */
  attestation?: { digest: string; id?: string; logIndex?: string } | { error: string };
  maxBytes?: number;
}

/** statementsOf() plus what the summary needs and StatementView does not carry. */
type StatementRow = StatementView & {
  enforced: boolean;
  requested?: { requestId: string; url?: string };
  objects: Map<string, string[]>;
};

/** Escapes for HTML and for every character markdown or GitHub could act on. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"'`*_[\]()#!|~\\@:{}+=-]|\n|\r/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Replaces every known secret with ***, longest first so no secret's tail survives another's. */
export function redactor(secrets: string[]): (text: string) => string {
  const sorted = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((t, s) => t.replaceAll(s, '***'), text);
}

function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s"'<>]+$/.test(url) ? url : undefined;
}

class Budget {
  readonly parts: string[] = [];
  private bytes = 0;
  exhausted = false;

  constructor(private readonly max: number) {}

  /** Adds `s` if it fits with the reserve left over; once one part does not fit, nothing more does. */
  add(s: string): boolean {
    if (this.exhausted) return false;
    const size = Buffer.byteLength(s);
    if (this.bytes + size + RESERVE_BYTES > this.max) {
      this.exhausted = true;
      return false;
    }
    this.parts.push(s);
    this.bytes += size;
    return true;
  }

  /** For closing tags and the final note: paid from the reserve. */
  force(s: string): void {
    this.parts.push(s);
    this.bytes += Buffer.byteLength(s);
  }
}

function collect(lines: TranscriptLine[]) {
  const key = (conn: number, id: string) => `${conn}/${id}`;
  const statements = new Map<string, StatementRow>(
    statementsOf(lines).map((s) => [key(s.conn, s.id), { ...s, enforced: true, objects: new Map() }]),
  );
  const masked = new Set<string>();
  const errors: string[] = [];
  let start: Extract<TranscriptLine, { type: 'gateway.start' }> | undefined;
  for (const line of lines) {
    if (line.type === 'gateway.start') start = line;
    else if (line.type === 'rows') for (const c of line.masked) masked.add(c);
    else if (line.type === 'error') errors.push(line.code ? `${line.code}: ${line.message}` : line.message);
    else if (line.type === 'verdict' || line.type === 'approval.requested') {
      const row = statements.get(key(line.conn, line.id));
      if (!row) continue;
      if (line.type === 'approval.requested') {
        row.requested = { requestId: line.requestId, ...(line.url ? { url: line.url } : {}) };
        continue;
      }
      row.enforced = line.enforced;
      for (const f of line.findings) row.objects.set(f.rule, f.objects);
    }
  }
  return { start, statements: [...statements.values()], masked: [...masked].sort(), errors };
}

function isBlocked(s: StatementRow): boolean {
  if (!s.action || s.action === 'allow') return false;
  return s.approval?.outcome !== 'approved';
}

function verdictLabel(s: StatementRow): string {
  if (!s.action) return 'not judged';
  if (s.action === 'allow') return 'allowed';
  if (s.approval?.outcome === 'approved') return 'approved';
  if (!s.enforced) return `${s.action} (not enforced)`;
  if (s.approval) return `blocked (${s.approval.outcome})`;
  return s.action === 'deny' ? 'denied' : 'blocked (review)';
}

function outcomeLabel(s: StatementRow): string {
  const r = s.result;
  if (!r) return '';
  if (r.error) return `error ${r.error.code}`;
  return [r.tag, r.rows !== undefined ? `${r.rows} rows` : ''].filter(Boolean).join(', ');
}

export function renderSummary(input: SummaryInput): string {
  const redact = redactor(input.secrets);
  const t = (text: string): string => escapeText(redact(text));
  const out = new Budget(input.maxBytes ?? SUMMARY_LIMIT_BYTES);
  const { start, statements, masked, errors } = collect(input.lines);

  out.add(
    start
      ? `## Guardrail: ${t(start.dialect)} at ${t(start.upstream)}, mode ${t(start.mode)}\n\n`
      : '## Guardrail\n\n',
  );
  if (input.standingCredential) {
    out.add(
      '> [!WARNING]\n> A standing credential (static DSN) reached the database. Prefer `credentials: broker` or `vault`, whose credentials live only for this job.\n\n',
    );
  }
  if (!input.verify.ok) {
    out.add(
      `> [!CAUTION]\n> The transcript's hash chain is broken at line ${input.verify.brokenAt}: ${t(input.verify.reason ?? '')}\n\n`,
    );
  }
  if (input.verify.ok && input.verify.complete === false) {
    out.add(
      '> [!CAUTION]\n> The transcript ends without gateway.stop: the gateway did not shut down cleanly, so the last events may be missing.\n\n',
    );
  }
  for (const e of errors) out.add(`> [!CAUTION]\n> ${t(e)}\n\n`);

  const blocked = statements.filter(isBlocked);
  const enforcedBlocks = blocked.filter((s) => s.enforced);
  const approved = statements.filter((s) => s.approval?.outcome === 'approved');
  out.add(
    `| statements | allowed | approved | blocked | flagged, not enforced |\n|---:|---:|---:|---:|---:|\n| ${statements.length} | ${statements.filter((s) => s.action === 'allow').length} | ${approved.length} | ${enforcedBlocks.length} | ${blocked.length - enforcedBlocks.length} |\n\n`,
  );

  const table = (title: string, rows: StatementRow[], withOutcome: boolean): void => {
    if (
      rows.length === 0 ||
      !out.add(
        `### ${title}\n\n<table>\n<tr><th>id</th><th>statement</th><th>verdict</th><th>rules</th>${withOutcome ? '<th>result</th>' : ''}</tr>\n`,
      )
    )
      return;
    let shown = 0;
    for (const s of rows) {
      // Redact before cutting, so a secret across the cut cannot leave a prefix behind.
      const full = redact(s.text);
      const text = full.length > STATEMENT_CHARS ? `${full.slice(0, STATEMENT_CHARS)}…` : full;
      const row = `<tr><td>${t(s.id)}</td><td><pre>${escapeText(text)}</pre></td><td>${t(verdictLabel(s))}</td><td>${t(s.rules.join(', '))}</td>${withOutcome ? `<td>${t(outcomeLabel(s))}</td>` : ''}</tr>\n`;
      if (!out.add(row)) break;
      shown++;
    }
    out.force('</table>\n\n');
    if (shown < rows.length) out.force(`${rows.length - shown} more rows of this table are not shown.\n\n`);
  };

  // Before the tables, so the budget cannot leave it out: this page is where the head is published.
  out.add(transcriptSection(input, t));

  table('Blocked statements', blocked, false);

  const approvals = statements.filter((s) => s.requested || s.approval);
  if (approvals.length > 0 && out.add('### Approvals\n\n')) {
    for (const s of approvals) {
      const requestId = s.approval?.requestId ?? s.requested?.requestId ?? '';
      const link = safeUrl(s.approval?.url ?? s.requested?.url);
      const by = s.approval?.by.length ? ` by ${s.approval.by.map((b) => t(b)).join(', ')}` : '';
      const reason = s.approval?.reason ? `: ${t(s.approval.reason)}` : '';
      const state = s.approval ? `${t(s.approval.outcome)}${by}${reason}` : 'pending when the job ended';
      if (
        !out.add(
          `- <code>${t(requestId)}</code> for statement ${t(s.id)}: ${state}${link ? ` (<a href="${escapeText(link)}">comment</a>)` : ''}\n`,
        )
      )
        break;
    }
    out.add('\n');
  }

  const findings = new Map<string, { severity: string; count: number; objects: Set<string> }>();
  for (const s of statements) {
    for (const f of s.findings) {
      const entry = findings.get(f.rule) ?? { severity: f.severity, count: 0, objects: new Set<string>() };
      entry.count++;
      for (const o of s.objects.get(f.rule) ?? []) entry.objects.add(o);
      findings.set(f.rule, entry);
    }
  }
  if (
    findings.size > 0 &&
    out.add('### Findings\n\n| rule | severity | statements | objects |\n|---|---|---:|---|\n')
  ) {
    for (const [rule, f] of [...findings].sort(([a], [b]) => a.localeCompare(b))) {
      if (
        !out.add(`| ${t(rule)} | ${t(f.severity)} | ${f.count} | ${t([...f.objects].sort().join(', '))} |\n`)
      )
        break;
    }
    out.add('\n');
  }

  if (masked.length > 0) out.add(`### Masked columns\n\n${masked.map((c) => t(c)).join(', ')}\n\n`);

  table('Statements', statements, true);
  if (out.exhausted) {
    out.force(
      '> [!NOTE]\n> The job summary is limited to 1 MiB, so parts were left out. The transcript artifact has every event.\n',
    );
  }
  return redact(out.parts.join(''));
}

/**
 * The transcript's check, where it was uploaded, and its head: the chain value of the last seal
 * and the line count, published here because the artifact cannot change a job summary.
 * `guardrail replay --verify --head` proves against it that nothing was cut off or replaced at
 * the end.
 */
function transcriptSection(input: SummaryInput, t: (text: string) => string): string {
  const v = input.verify;
  const check = v.ok ? `Hash chain intact, ${v.lines} lines.` : `Hash chain broken at line ${v.brokenAt}.`;
  const artifact = input.artifact
    ? ` Uploaded as artifact <code>${t(input.artifact.name)}</code>${input.artifact.id !== undefined ? ` (id ${input.artifact.id})` : ''}.`
    : ' Not uploaded.';
  const head =
    v.ok && v.head
      ? `\n\nHead: <code>${v.head}</code> at line ${v.lines}. Check a downloaded copy against it with <code>guardrail replay transcript.jsonl &#45;&#45;verify &#45;&#45;head ${v.head} &#45;&#45;lines ${v.lines}</code>.`
      : '';
  return `### Transcript\n\n${check}${artifact}${head}${attestationText(input.attestation, t)}\n\n`;
}

function attestationText(a: SummaryInput['attestation'], t: (text: string) => string): string {
  if (!a) return '';
  if ('error' in a)
    return `\n\n> [!WARNING]\n> The transcript was not attested (signed with this job's identity): ${t(a.error)}. It was still uploaded; check it against the head above.`;
  const where = [
    a.id ? `attestation ${t(a.id)}` : undefined,
    a.logIndex ? `Rekor log index ${t(a.logIndex)}` : undefined,
  ].filter(Boolean);
  return `\n\nAttested with this job's identity${where.length > 0 ? ` (${where.join(', ')})` : ''}: sha256 <code>${t(a.digest)}</code>. Check a copy with <code>gh attestation verify transcript.jsonl &#45;R ${t(process.env.GITHUB_REPOSITORY ?? 'owner/repo')}</code>.`;
}

/** Appends to GITHUB_STEP_SUMMARY. */
export async function writeSummary(markdown: string): Promise<void> {
  await core.summary.addRaw(markdown).write();
}
