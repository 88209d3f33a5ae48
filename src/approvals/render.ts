// The request comment (markdown) and its terminal twin. Everything that comes from outside
// (statement text, finding messages, names, deny reasons) is escaped or fenced so that it
// cannot change the comment's structure, hide the marker, or mention people.

import type { ApprovalPolicy } from '../policy/types.js';
import { impactLines, impactOf } from '../transcript/read.js';
import { commandFor, requestHash, SHORT_HASH } from './commands.js';
import { approvalsNeeded } from './tally.js';
import type { ApprovalOutcome, ApprovalRequest, ApprovalStatement, JobInfo } from './types.js';

/** GitHub rejects comment bodies over 65,536 characters; stay well below. */
const BODY_BUDGET = 60_000;
const STATEMENT_CAP = 4_000;
const STATEMENT_FLOOR = 300;

/** An impact estimate in words a reviewer reads (rows, lock, size, dependents), not raw JSON. */
function impactText(impact: Record<string, unknown> | undefined): string[] {
  const view = impactOf(impact);
  return view ? impactLines(view) : [];
}

export function marker(id: string): string {
  return `<!-- guardrail:request:${id} -->`;
}

export function runUrl(job: JobInfo): string {
  return `${job.serverUrl}/${job.repository}/actions/runs/${job.runId}/attempts/${job.runAttempt}`;
}

/** Text for a markdown line: no markup, no HTML, no mentions, no line breaks. */
export function escapeInline(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/</g, '&lt;')
    .replace(/@/g, '@\u200b');
}

/** Inline code that holds any text: the delimiter is longer than any backtick run inside. */
export function inlineCode(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const tick = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${tick}${pad}${flat}${pad}${tick}`;
}

/** A fenced block that no line of `text` can close. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

export function relative(deadline: Date, now: Date): string {
  const ms = deadline.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const unit =
    abs >= 7_200_000
      ? `${Math.round(abs / 3_600_000)} hours`
      : abs >= 120_000
        ? `${Math.round(abs / 60_000)} minutes`
        : `${Math.round(abs / 1000)} seconds`;
  return ms >= 0 ? `in ${unit}` : `${unit} ago`;
}

/** Statement text to show, shortened to `cap` characters with a note saying so. */
export function shorten(text: string, cap: number): { shown: string; note?: string } {
  if (text.length <= cap) return { shown: text };
  return {
    shown: text.slice(0, cap),
    note: `Shortened: the first ${cap} of ${text.length} characters are shown. The hash covers the whole statement.`,
  };
}

function statementSection(s: ApprovalStatement, cap: number, title: string): string {
  const { shown, note } = shorten(s.text, cap);
  const lines = [
    `#### ${title}`,
    '',
    `Hash (sha256 of the canonical form): \`${s.hash}\``,
    '',
    fenced(shown, 'sql'),
  ];
  if (note) lines.push('', `*${note}*`);
  lines.push('', '**Why it is held**', '');
  if (s.findings.length === 0) lines.push('- (no rule findings)');
  for (const f of s.findings)
    lines.push(`- \`${escapeRule(f.rule)}\` (${f.severity}): ${escapeInline(f.message)}`);
  lines.push('', '**Impact estimate**', '');
  const impact = impactText(s.impact);
  if (impact.length === 0) lines.push('- no estimate');
  for (const line of impact) lines.push(`- ${escapeInline(line)}`);
  return lines.join('\n');
}

function escapeRule(rule: string): string {
  return rule.replace(/[^a-z0-9/_.-]/gi, '?');
}

function hashLine(s: ApprovalStatement): string {
  return `- \`${s.hash}\`: ${s.findings.map((f) => `\`${escapeRule(f.rule)}\``).join(', ')}`;
}

function statementSections(statements: ApprovalStatement[]): string[] {
  const sections: string[] = [];
  const budget = BODY_BUDGET * 0.8;
  const cap = Math.max(
    STATEMENT_FLOOR,
    Math.min(STATEMENT_CAP, Math.floor(BODY_BUDGET / 2 / statements.length)),
  );
  // Room kept for listing every statement not shown in full by its hash.
  const hashCosts = statements.map((s) => hashLine(s).length + 1);
  let restCost = hashCosts.reduce((a, b) => a + b, 0);
  let used = 0;
  for (const [i, s] of statements.entries()) {
    const title = statements.length > 1 ? `Statement ${i + 1} of ${statements.length}` : 'Statement';
    const section = statementSection(s, cap, title);
    restCost -= hashCosts[i]!;
    if (used + section.length + restCost > budget) {
      // Past the budget, list the rest by hash only: what is approved is still exact.
      const lines: string[] = [];
      let left = budget - used;
      for (const [j, r] of statements.slice(i).entries()) {
        const line = hashLine(r);
        if (line.length + 1 > left) {
          lines.push(
            `- … and ${statements.length - i - j} more statements (their hashes are in the transcript)`,
          );
          break;
        }
        left -= line.length + 1;
        lines.push(line);
      }
      sections.push(
        `#### Statements ${i + 1} to ${statements.length} (text left out for length)`,
        lines.join('\n'),
      );
      break;
    }
    used += section.length;
    sections.push(section);
  }
  return sections;
}

function outcomeLines(outcome: ApprovalOutcome): string[] {
  const who = outcome.by.map((l) => `@${l}`).join(', ');
  const reason = outcome.reason ? `: ${escapeInline(outcome.reason)}` : '';
  const head =
    outcome.decision === 'approved'
      ? `**Approved** by ${who} at ${outcome.decidedAt}. The approved statement hashes may run.`
      : outcome.decision === 'denied'
        ? `**Denied**${who ? ` by ${who}` : ''} at ${outcome.decidedAt}${reason}. The statement was not run.`
        : outcome.decision === 'timeout'
          ? `**Timed out** at ${outcome.decidedAt}: no decision before the deadline. The statement was not run.`
          : `**Failed** at ${outcome.decidedAt}${reason}. The statement was not run.`;
  return [`> ${head}`];
}

function ignoredLines(outcome: ApprovalOutcome | undefined): string[] {
  const ignored = outcome?.ignored ?? [];
  if (ignored.length === 0) return [];
  return [
    '',
    '**Commands that did not count**',
    '',
    ...ignored.map(
      (i) =>
        `- ignored: @${i.login} (${escapeInline(i.reason)}), ${i.verb === 'approve' ? 'an approval' : 'a denial'}`,
    ),
  ];
}

export interface RenderContext {
  policy: ApprovalPolicy;
  now: Date;
  outcome?: ApprovalOutcome;
  /** Set when the change's author could not be determined, saying why. */
  authorUnknown?: string;
  /** Shown above the request, e.g. why an earlier request comment is void. */
  notice?: string;
}

function whoMayDecide(policy: ApprovalPolicy, authorUnknown: string | undefined): string[] {
  const n = approvalsNeeded(policy, authorUnknown !== undefined);
  const parts = [
    n === 1
      ? `an approval from a person with ${policy.permission} permission`
      : `${n} approvals from different people with ${policy.permission} permission`,
  ];
  if (policy.approvers?.length)
    parts.push(`listed as approvers (${policy.approvers.map(escapeInline).join(', ')})`);
  if (!policy.allowSelfApproval)
    parts.push('other than the workflow actor and the pull request’s author and committers');
  const lines = [
    `Needs ${parts.join(', ')}. Commands count only in new, unedited comments; one deny from such a person wins.`,
  ];
  if (authorUnknown && !policy.allowSelfApproval)
    lines.push(
      '',
      `**The author of this change is unknown** (${escapeInline(authorUnknown)}): whoever wrote it could approve it, so it needs one approver more than the policy's ${Math.max(1, policy.required)}.`,
    );
  return lines;
}

function decideLines(request: ApprovalRequest, ctx: RenderContext): string[] {
  const deadline = request.deadline.toISOString();
  // Once decided, the commands and the countdown would only mislead.
  if (ctx.outcome) return [`Request id: ${inlineCode(request.id)}. Deadline was ${deadline}.`];
  const hash = requestHash(request);
  const what = request.batch || request.statements.length > 1 ? 'the batch hash' : 'the statement hash';
  return [
    `Request id: ${inlineCode(request.id)}. Deadline: ${deadline} (${relative(request.deadline, ctx.now)}).`,
    '',
    ...whoMayDecide(ctx.policy, ctx.authorUnknown),
    '',
    `To approve, comment on a line of its own: the request id, then ${what} ${inlineCode(hash.slice(0, SHORT_HASH))} (its first ${SHORT_HASH} digits), so that what you approve is exactly what runs:`,
    '',
    fenced(commandFor('approve', request.id, hash)),
    '',
    'To deny:',
    '',
    fenced(commandFor('deny', request.id, hash)),
  ];
}

export function renderComment(request: ApprovalRequest, ctx: RenderContext): string {
  const { job, database } = request;
  const n = request.statements.length;
  const what = request.batch ? `a batch of ${n} statement${n === 1 ? '' : 's'}` : 'a statement';
  const lines = [
    marker(request.id),
    `### guardrail: ${what} needs approval (${inlineCode(request.id)})`,
    '',
    ...(ctx.outcome ? [...outcomeLines(ctx.outcome), ''] : []),
    ...(ctx.notice ? [`> ${escapeInline(ctx.notice)}`, ''] : []),
    '| | |',
    '|---|---|',
    `| Job | [${escapeInline(job.job)}](${runUrl(job)}) |`,
    `| Workflow | ${escapeInline(job.workflow)} |`,
    `| Ref | ${inlineCode(job.ref)}${job.sha ? ` at ${inlineCode(job.sha.slice(0, 12))}` : ''} |`,
    `| Actor | ${escapeInline(job.actor)} |`,
    `| Database | ${escapeInline(database.dialect)} ${inlineCode(database.name)} on ${inlineCode(database.host)} |`,
    `| Role | ${inlineCode(database.role)} |`,
    '',
    ...statementSections(request.statements).flatMap((s) => [s, '']),
    '#### Decide',
    '',
    ...decideLines(request, ctx),
    ...ignoredLines(ctx.outcome),
  ];
  return `${printable(lines.join('\n'))}\n`;
}

/** Drops control characters, so a statement cannot drive the terminal that shows it. */
function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '?');
}

/** The same facts for a person at a terminal. */
export function renderPlain(request: ApprovalRequest, now: Date): string {
  const lines = [
    `guardrail: ${request.batch ? `a batch of ${request.statements.length} statements needs` : 'a statement needs'} approval (${request.id})`,
    `database: ${request.database.dialect} ${request.database.name} on ${request.database.host} as ${request.database.role}`,
  ];
  for (const s of request.statements) {
    const { shown, note } = shorten(s.text, STATEMENT_CAP);
    lines.push('', `hash ${s.hash}`, ...shown.split('\n').map((l) => `  | ${l}`));
    if (note) lines.push(`  (${note})`);
    for (const f of s.findings)
      lines.push(`  - ${f.rule} (${f.severity}): ${f.message.replace(/\s+/g, ' ')}`);
    const impact = impactText(s.impact);
    lines.push(...(impact.length ? impact.map((l) => `  impact: ${l}`) : ['  impact: no estimate']));
  }
  lines.push('', `deadline: ${request.deadline.toISOString()} (${relative(request.deadline, now)})`);
  return `${printable(lines.join('\n'))}\n`;
}
