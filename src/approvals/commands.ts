// The comment commands people type: `/guardrail approve <id> <hash>` and
// `/guardrail deny <id> [reason]`. Strict on purpose: a command counts only on a line of its own,
// outside quotes and code blocks, so quoting or pasting the request comment never approves anything.
// An approval names the short hash shown in the request, so what the approver saw is what runs.
import { createHash } from 'node:crypto';
import type { ApprovalRequest } from './types.js';

export type Verb = 'approve' | 'deny';

export interface Command {
  verb: Verb;
  id: string;
  /** Approvals only: the statement hash as typed (lower-cased). */
  hash?: string;
  reason?: string;
}

const COMMAND = /^\/guardrail[ \t]+(approve|deny)[ \t]+(\S+)(?:[ \t]+(\S.*?))?[ \t]*$/i;
const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;
const MAX_REASON = 500;
/** Hex digits of the hash a request shows and an approval must carry. */
export const SHORT_HASH = 12;

/** Every command in a comment body, in order. */
export function parseCommands(body: string): Command[] {
  const commands: Command[] = [];
  let fence: string | undefined;
  for (const raw of body.split(/\r?\n/)) {
    const open = FENCE.exec(raw);
    if (fence) {
      if (open?.[1] && open[1][0] === fence[0] && open[1].length >= fence.length) fence = undefined;
      continue;
    }
    if (open?.[1]) {
      fence = open[1];
      continue;
    }
    const m = COMMAND.exec(raw.trim());
    if (!m) continue;
    const verb = m[1]!.toLowerCase() as Verb;
    const rest = m[3];
    if (verb === 'deny') {
      const reason = rest?.slice(0, MAX_REASON);
      commands.push({ verb, id: m[2]!, ...(reason ? { reason } : {}) });
      continue;
    }
    // An approval carries one word after the id, the hash; anything more makes the line something else.
    if (rest !== undefined && /\s/.test(rest)) continue;
    commands.push({ verb, id: m[2]!, ...(rest ? { hash: rest.toLowerCase() } : {}) });
  }
  return commands;
}

/**
 * The full hash an approval of this request names: the statement's own hash, or for a batch
 * the sha256 of its statement hashes in order.
 */
export function requestHash(request: Pick<ApprovalRequest, 'statements' | 'batch'>): string {
  const [only] = request.statements;
  if (!request.batch && request.statements.length === 1 && only) return only.hash.toLowerCase();
  return createHash('sha256')
    .update(request.statements.map((s) => s.hash.toLowerCase()).join('\n'))
    .digest('hex');
}

/** Whether an approval's hash is the request's: its short form or any longer prefix. */
export function hashMatches(typed: string | undefined, full: string): boolean {
  return typed !== undefined && typed.length >= SHORT_HASH && full.startsWith(typed);
}

/** The command lines a comment asks people to type for a request. */
export function commandFor(verb: Verb, id: string, hash: string): string {
  return verb === 'approve'
    ? `/guardrail approve ${id} ${hash.slice(0, SHORT_HASH)}`
    : `/guardrail deny ${id} <reason>`;
}
