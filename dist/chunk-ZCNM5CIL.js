import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  impactLines,
  impactOf
} from "./chunk-UFPKOEU3.js";

// src/approvals/commands.ts
var COMMAND = /^\/guardrail[ \t]+(approve|deny)[ \t]+(\S+)(?:[ \t]+(\S.*?))?[ \t]*$/i;
var FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;
var MAX_REASON = 500;
function parseCommands(body) {
  const commands = [];
  let fence;
  for (const raw of body.split(/\r?\n/)) {
    const open = FENCE.exec(raw);
    if (fence) {
      if (open?.[1] && open[1][0] === fence[0] && open[1].length >= fence.length) fence = void 0;
      continue;
    }
    if (open?.[1]) {
      fence = open[1];
      continue;
    }
    const m = COMMAND.exec(raw.trim());
    if (!m) continue;
    const verb = m[1].toLowerCase();
    const reason = m[3]?.slice(0, MAX_REASON);
    if (verb === "approve" && reason !== void 0) continue;
    commands.push({ verb, id: m[2], ...reason ? { reason } : {} });
  }
  return commands;
}
function commandFor(verb, id) {
  return verb === "approve" ? `/guardrail approve ${id}` : `/guardrail deny ${id} <reason>`;
}

// src/approvals/render.ts
var BODY_BUDGET = 6e4;
var STATEMENT_CAP = 4e3;
var STATEMENT_FLOOR = 300;
function impactText(impact) {
  const view = impactOf(impact);
  return view ? impactLines(view) : [];
}
function marker(id) {
  return `<!-- guardrail:request:${id} -->`;
}
function runUrl(job) {
  return `${job.serverUrl}/${job.repository}/actions/runs/${job.runId}/attempts/${job.runAttempt}`;
}
function escapeInline(text) {
  return text.replace(/\s+/g, " ").replace(/[\\`*_[\]|~]/g, "\\$&").replace(/</g, "&lt;").replace(/@/g, "@\u200B");
}
function inlineCode(text) {
  const flat = text.replace(/\s+/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const tick = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${tick}${pad}${flat}${pad}${tick}`;
}
function fenced(text, lang = "") {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}
${text}
${fence}`;
}
function relative(deadline, now) {
  const ms = deadline.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const unit = abs >= 72e5 ? `${Math.round(abs / 36e5)} hours` : abs >= 12e4 ? `${Math.round(abs / 6e4)} minutes` : `${Math.round(abs / 1e3)} seconds`;
  return ms >= 0 ? `in ${unit}` : `${unit} ago`;
}
function shorten(text, cap) {
  if (text.length <= cap) return { shown: text };
  return {
    shown: text.slice(0, cap),
    note: `Shortened: the first ${cap} of ${text.length} characters are shown. The hash covers the whole statement.`
  };
}
function statementSection(s, cap, title) {
  const { shown, note } = shorten(s.text, cap);
  const lines = [
    `#### ${title}`,
    "",
    `Hash (sha256 of the canonical form): \`${s.hash}\``,
    "",
    fenced(shown, "sql")
  ];
  if (note) lines.push("", `*${note}*`);
  lines.push("", "**Why it is held**", "");
  if (s.findings.length === 0) lines.push("- (no rule findings)");
  for (const f of s.findings)
    lines.push(`- \`${escapeRule(f.rule)}\` (${f.severity}): ${escapeInline(f.message)}`);
  lines.push("", "**Impact estimate**", "");
  const impact = impactText(s.impact);
  if (impact.length === 0) lines.push("- no estimate");
  for (const line of impact) lines.push(`- ${escapeInline(line)}`);
  return lines.join("\n");
}
function escapeRule(rule) {
  return rule.replace(/[^a-z0-9/_.-]/gi, "?");
}
function hashLine(s) {
  return `- \`${s.hash}\`: ${s.findings.map((f) => `\`${escapeRule(f.rule)}\``).join(", ")}`;
}
function statementSections(statements) {
  const sections = [];
  const budget = BODY_BUDGET * 0.8;
  const cap = Math.max(
    STATEMENT_FLOOR,
    Math.min(STATEMENT_CAP, Math.floor(BODY_BUDGET / 2 / statements.length))
  );
  const hashCosts = statements.map((s) => hashLine(s).length + 1);
  let restCost = hashCosts.reduce((a, b) => a + b, 0);
  let used = 0;
  for (const [i, s] of statements.entries()) {
    const title = statements.length > 1 ? `Statement ${i + 1} of ${statements.length}` : "Statement";
    const section = statementSection(s, cap, title);
    restCost -= hashCosts[i];
    if (used + section.length + restCost > budget) {
      const lines = [];
      let left = budget - used;
      for (const [j, r] of statements.slice(i).entries()) {
        const line = hashLine(r);
        if (line.length + 1 > left) {
          lines.push(
            `- \u2026 and ${statements.length - i - j} more statements (their hashes are in the transcript)`
          );
          break;
        }
        left -= line.length + 1;
        lines.push(line);
      }
      sections.push(
        `#### Statements ${i + 1} to ${statements.length} (text left out for length)`,
        lines.join("\n")
      );
      break;
    }
    used += section.length;
    sections.push(section);
  }
  return sections;
}
function outcomeLines(outcome) {
  const who = outcome.by.map((l) => `@${l}`).join(", ");
  const reason = outcome.reason ? `: ${escapeInline(outcome.reason)}` : "";
  const head = outcome.decision === "approved" ? `**Approved** by ${who} at ${outcome.decidedAt}. The approved statement hashes may run.` : outcome.decision === "denied" ? `**Denied**${who ? ` by ${who}` : ""} at ${outcome.decidedAt}${reason}. The statement was not run.` : outcome.decision === "timeout" ? `**Timed out** at ${outcome.decidedAt}: no decision before the deadline. The statement was not run.` : `**Failed** at ${outcome.decidedAt}${reason}. The statement was not run.`;
  return [`> ${head}`];
}
function ignoredLines(outcome) {
  const ignored = outcome?.ignored ?? [];
  if (ignored.length === 0) return [];
  return [
    "",
    "**Commands that did not count**",
    "",
    ...ignored.map(
      (i) => `- ignored: @${i.login} (${escapeInline(i.reason)}), ${i.verb === "approve" ? "an approval" : "a denial"}`
    )
  ];
}
function whoMayDecide(policy) {
  const n = Math.max(1, policy.required);
  const parts = [
    n === 1 ? `an approval from a person with ${policy.permission} permission` : `${n} approvals from different people with ${policy.permission} permission`
  ];
  if (policy.approvers?.length)
    parts.push(`listed as approvers (${policy.approvers.map(escapeInline).join(", ")})`);
  if (!policy.allowSelfApproval) parts.push("other than the workflow actor and the pull request author");
  return `Needs ${parts.join(", ")}. Commands count only in new, unedited comments; one deny from such a person wins.`;
}
function decideLines(request, ctx) {
  const deadline = request.deadline.toISOString();
  if (ctx.outcome) return [`Request id: ${inlineCode(request.id)}. Deadline was ${deadline}.`];
  return [
    `Request id: ${inlineCode(request.id)}. Deadline: ${deadline} (${relative(request.deadline, ctx.now)}).`,
    "",
    whoMayDecide(ctx.policy),
    "",
    "To approve, comment on a line of its own:",
    "",
    fenced(commandFor("approve", request.id)),
    "",
    "To deny:",
    "",
    fenced(commandFor("deny", request.id))
  ];
}
function renderComment(request, ctx) {
  const { job, database } = request;
  const n = request.statements.length;
  const what = request.batch ? `a batch of ${n} statement${n === 1 ? "" : "s"}` : "a statement";
  const lines = [
    marker(request.id),
    `### guardrail: ${what} needs approval (${inlineCode(request.id)})`,
    "",
    ...ctx.outcome ? [...outcomeLines(ctx.outcome), ""] : [],
    "| | |",
    "|---|---|",
    `| Job | [${escapeInline(job.job)}](${runUrl(job)}) |`,
    `| Workflow | ${escapeInline(job.workflow)} |`,
    `| Ref | ${inlineCode(job.ref)}${job.sha ? ` at ${inlineCode(job.sha.slice(0, 12))}` : ""} |`,
    `| Actor | ${escapeInline(job.actor)} |`,
    `| Database | ${escapeInline(database.dialect)} ${inlineCode(database.name)} on ${inlineCode(database.host)} |`,
    `| Role | ${inlineCode(database.role)} |`,
    "",
    ...statementSections(request.statements).flatMap((s) => [s, ""]),
    "#### Decide",
    "",
    ...decideLines(request, ctx),
    ...ignoredLines(ctx.outcome)
  ];
  return `${printable(lines.join("\n"))}
`;
}
function printable(text) {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "?");
}
function renderPlain(request, now) {
  const lines = [
    `guardrail: ${request.batch ? `a batch of ${request.statements.length} statements needs` : "a statement needs"} approval (${request.id})`,
    `database: ${request.database.dialect} ${request.database.name} on ${request.database.host} as ${request.database.role}`
  ];
  for (const s of request.statements) {
    const { shown, note } = shorten(s.text, STATEMENT_CAP);
    lines.push("", `hash ${s.hash}`, ...shown.split("\n").map((l) => `  | ${l}`));
    if (note) lines.push(`  (${note})`);
    for (const f of s.findings)
      lines.push(`  - ${f.rule} (${f.severity}): ${f.message.replace(/\s+/g, " ")}`);
    const impact = impactText(s.impact);
    lines.push(...impact.length ? impact.map((l) => `  impact: ${l}`) : ["  impact: no estimate"]);
  }
  lines.push("", `deadline: ${request.deadline.toISOString()} (${relative(request.deadline, now)})`);
  return `${printable(lines.join("\n"))}
`;
}

// src/transcript/events.ts
var SKIPPED_TAG = "SKIPPED (dry run)";
var SKIPPED_CODE = "dry-run-skipped";

export {
  parseCommands,
  marker,
  runUrl,
  escapeInline,
  renderComment,
  renderPlain,
  SKIPPED_TAG,
  SKIPPED_CODE
};
