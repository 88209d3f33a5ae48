// The comment commands people type: `/guardrail approve <id>` and `/guardrail deny <id> [reason]`.
// Strict on purpose: a command counts only on a line of its own, outside quotes and code blocks,
// so quoting or pasting the request comment never approves anything.

export type Verb = 'approve' | 'deny';

export interface Command {
  verb: Verb;
  id: string;
  reason?: string;
}

const COMMAND = /^\/guardrail[ \t]+(approve|deny)[ \t]+(\S+)(?:[ \t]+(\S.*?))?[ \t]*$/i;
const FENCE = /^[ \t]{0,3}(`{3,}|~{3,})/;
const MAX_REASON = 500;

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
    const reason = m[3]?.slice(0, MAX_REASON);
    // An approval carries no reason: trailing words make the line something else.
    if (verb === 'approve' && reason !== undefined) continue;
    commands.push({ verb, id: m[2]!, ...(reason ? { reason } : {}) });
  }
  return commands;
}

/** The command lines a comment asks people to type for a request. */
export function commandFor(verb: Verb, id: string): string {
  return verb === 'approve' ? `/guardrail approve ${id}` : `/guardrail deny ${id} <reason>`;
}
