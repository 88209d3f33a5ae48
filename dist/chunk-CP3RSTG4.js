import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  impactLines,
  impactOf
} from "./chunk-BBBSTV4C.js";

// src/approvals/commands.ts
import { createHash } from "node:crypto";
var COMMAND = /^\/guardrail[ \t]+(approve|deny)[ \t]+(\S+)(?:[ \t]+(\S.*?))?[ \t]*$/i;
var FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;
var MAX_REASON = 500;
var SHORT_HASH = 12;
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
    const rest = m[3];
    if (verb === "deny") {
      const reason = rest?.slice(0, MAX_REASON);
      commands.push({ verb, id: m[2], ...reason ? { reason } : {} });
      continue;
    }
    if (rest !== void 0 && /\s/.test(rest)) continue;
    commands.push({ verb, id: m[2], ...rest ? { hash: rest.toLowerCase() } : {} });
  }
  return commands;
}
function requestHash(request) {
  const [only] = request.statements;
  if (!request.batch && request.statements.length === 1 && only) return only.hash.toLowerCase();
  return createHash("sha256").update(request.statements.map((s) => s.hash.toLowerCase()).join("\n")).digest("hex");
}
function hashMatches(typed, full) {
  return typed !== void 0 && typed.length >= SHORT_HASH && full.startsWith(typed);
}
function commandFor(verb, id, hash) {
  return verb === "approve" ? `/guardrail approve ${id} ${hash.slice(0, SHORT_HASH)}` : `/guardrail deny ${id} <reason>`;
}

// src/approvals/tally.ts
import { createHash as createHash2 } from "node:crypto";

// src/approvals/permission.ts
var rank = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5
};
function permissionRank(p) {
  return rank[p];
}
var BASE_ROLES = /* @__PURE__ */ new Set(["read", "triage", "write", "maintain", "admin"]);
var isRole = (r) => typeof r === "string" && BASE_ROLES.has(r);
function levelOf(data) {
  const p = data.user?.permissions;
  const role = isRole(data.role_name) ? data.role_name : void 0;
  const legacy = isRole(data.permission) ? data.permission : "none";
  if (!p) return role ?? legacy;
  const flags = p.admin ? "admin" : p.maintain ? "maintain" : p.push ? "write" : p.triage ? "triage" : p.pull ? "read" : "none";
  if (role === "maintain" && flags === "write" && p.maintain === void 0) return "maintain";
  if (role === "triage" && flags === "read" && p.triage === void 0) return "triage";
  return flags;
}

// src/approvals/tally.ts
function isBot(user) {
  return user.type === "Bot" || user.login.toLowerCase().endsWith("[bot]");
}
function sameLogin(a, b) {
  return a !== void 0 && a.toLowerCase() === b.toLowerCase();
}
function bodyHash(body) {
  return createHash2("sha256").update((body ?? "").replace(/\r\n/g, "\n")).digest("hex");
}
var FLOOR = "write";
function approvalsNeeded(policy, authorUnknown) {
  const base = Math.max(1, policy.required);
  return authorUnknown && !policy.allowSelfApproval ? base + 1 : base;
}
async function tally(input) {
  const { policy } = input;
  const since = Date.parse(input.since);
  const approvers = policy.approvers?.map((l) => l.toLowerCase());
  const permissions = /* @__PURE__ */ new Map();
  const result = { approvals: [], denials: [], ignored: [] };
  for (const comment of input.comments) {
    if (comment.id === input.requestCommentId || !comment.user) continue;
    const hash = bodyHash(comment.body);
    const first = input.bodies.get(comment.id);
    if (first === void 0) input.bodies.set(comment.id, hash);
    const commands = parseCommands(comment.body ?? "").filter((c) => c.id === input.requestId);
    if (commands.length === 0) continue;
    const command = commands.find((c) => c.verb === "deny") ?? commands[0];
    const login = comment.user.login;
    const ignore = (reason) => result.ignored.push({
      login,
      verb: command.verb,
      reason,
      url: comment.html_url,
      commentId: comment.id
    });
    if (isBot(comment.user)) {
      ignore("bot account");
      continue;
    }
    if (comment.updated_at !== comment.created_at || first !== void 0 && first !== hash) {
      ignore("edited comment");
      continue;
    }
    if (!(Date.parse(comment.created_at) >= since) || comment.id < input.requestCommentId) {
      ignore("written before the request");
      continue;
    }
    if (!policy.allowSelfApproval && input.actors.some((a) => sameLogin(a, login))) {
      ignore("workflow actor");
      continue;
    }
    if (!policy.allowSelfApproval && sameLogin(input.author, login)) {
      ignore("pull request author");
      continue;
    }
    if (!policy.allowSelfApproval && input.contributors?.some((c) => sameLogin(c, login))) {
      ignore("committer of the change");
      continue;
    }
    if (command.verb === "approve" && !hashMatches(command.hash, input.requestHash)) {
      ignore(command.hash === void 0 ? "no statement hash" : "statement hash does not match");
      continue;
    }
    if (approvers && !approvers.includes(login.toLowerCase())) {
      ignore("not in the approvers list");
      continue;
    }
    const key = login.toLowerCase();
    if (!permissions.has(key)) permissions.set(key, input.permissionOf(login));
    const held = await permissions.get(key);
    const needed = Math.max(permissionRank(policy.permission), permissionRank(FLOOR));
    if (permissionRank(held) < needed) {
      ignore(held === "none" ? "no repository permission" : `${held} permission`);
      continue;
    }
    const vote = {
      login,
      verb: command.verb,
      commentId: comment.id,
      ...command.reason ? { reason: command.reason } : {}
    };
    (command.verb === "deny" ? result.denials : result.approvals).push(vote);
  }
  const distinct = new Set(result.approvals.map((v) => v.login.toLowerCase()));
  if (result.denials.length > 0) result.decision = "denied";
  else if (distinct.size >= approvalsNeeded(policy, input.authorUnknown !== void 0))
    result.decision = "approved";
  return result;
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
function whoMayDecide(policy, authorUnknown) {
  const n = approvalsNeeded(policy, authorUnknown !== void 0);
  const parts = [
    n === 1 ? `an approval from a person with ${policy.permission} permission` : `${n} approvals from different people with ${policy.permission} permission`
  ];
  if (policy.approvers?.length)
    parts.push(`listed as approvers (${policy.approvers.map(escapeInline).join(", ")})`);
  if (!policy.allowSelfApproval)
    parts.push("other than the workflow actor and the pull request\u2019s author and committers");
  const lines = [
    `Needs ${parts.join(", ")}. Commands count only in new, unedited comments; one deny from such a person wins.`
  ];
  if (authorUnknown && !policy.allowSelfApproval)
    lines.push(
      "",
      `**The author of this change is unknown** (${escapeInline(authorUnknown)}): whoever wrote it could approve it, so it needs one approver more than the policy's ${Math.max(1, policy.required)}.`
    );
  return lines;
}
function decideLines(request, ctx) {
  const deadline = request.deadline.toISOString();
  if (ctx.outcome) return [`Request id: ${inlineCode(request.id)}. Deadline was ${deadline}.`];
  const hash = requestHash(request);
  const what = request.batch || request.statements.length > 1 ? "the batch hash" : "the statement hash";
  return [
    `Request id: ${inlineCode(request.id)}. Deadline: ${deadline} (${relative(request.deadline, ctx.now)}).`,
    "",
    ...whoMayDecide(ctx.policy, ctx.authorUnknown),
    "",
    `To approve, comment on a line of its own: the request id, then ${what} ${inlineCode(hash.slice(0, SHORT_HASH))} (its first ${SHORT_HASH} digits), so that what you approve is exactly what runs:`,
    "",
    fenced(commandFor("approve", request.id, hash)),
    "",
    "To deny:",
    "",
    fenced(commandFor("deny", request.id, hash))
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
    ...ctx.notice ? [`> ${escapeInline(ctx.notice)}`, ""] : [],
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

export {
  requestHash,
  commandFor,
  levelOf,
  bodyHash,
  approvalsNeeded,
  tally,
  marker,
  runUrl,
  escapeInline,
  renderComment,
  renderPlain
};
