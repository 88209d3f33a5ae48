// Which commands on the request's thread count, and what they decide. The rules come from
// the lessons of earlier comment-approval tools: only comments written after the request and
// never edited (anyone with write access can edit someone else's comment), no bots, a fresh
// permission check, no self-approval, N distinct approvers, and one deny wins. An approval names
// the request's hash, and a change whose author is unknown needs one approver more.
import { createHash } from 'node:crypto';

import type { ApprovalPolicy, RepoPermission } from '../policy/types.js';
import { hashMatches, parseCommands, type Verb } from './commands.js';
import { permissionRank } from './permission.js';
import type { IgnoredCommand } from './types.js';

/** The fields of GitHub's issue-comment object this module reads. */
export interface IssueComment {
  id: number;
  /** GitHub leaves it out of a comment without text. */
  body?: string | null;
  created_at: string;
  updated_at: string;
  html_url: string;
  user: { login: string; type?: string } | null;
}

export interface Vote {
  login: string;
  verb: Verb;
  commentId: number;
  reason?: string;
}

export interface TallyInput {
  requestId: string;
  /** The full hash approvals must name (its first 12 digits at least): see requestHash(). */
  requestHash: string;
  /**
   * The request comment: its own id, and its creation time on the server's clock. Comment ids
   * grow with time, so a command with a smaller id was written before the request, even in the
   * same second.
   */
  requestCommentId: number;
  since: string;
  comments: IssueComment[];
  policy: ApprovalPolicy;
  /**
   * Who started the run (the actor, and whoever re-ran it) and the pull-request author: they
   * may not decide their own change.
   */
  actors: string[];
  author?: string;
  /** Commit authors and committers of the change: no self-approval for them either. */
  contributors?: string[];
  /** Set when the change's author is unknown: one more distinct approver is needed. */
  authorUnknown?: string;
  /**
   * Body hash of each command comment when first seen, kept by the caller across polls: an edit in
   * the same second as the comment leaves `updated_at` equal to `created_at`, but not the body.
   */
  bodies: Map<number, string>;
  /** Reads a login's repository permission now; called once per login per tally. */
  permissionOf: (login: string) => Promise<RepoPermission | 'none'>;
}

export interface Tally {
  decision?: 'approved' | 'denied';
  approvals: Vote[];
  denials: Vote[];
  ignored: (IgnoredCommand & { commentId: number })[];
}

export function isBot(user: { login: string; type?: string }): boolean {
  return user.type === 'Bot' || user.login.toLowerCase().endsWith('[bot]');
}

function sameLogin(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** sha256 of a comment body, line endings aside (GitHub may store CRLF for LF). */
export function bodyHash(body: string | null | undefined): string {
  return createHash('sha256')
    .update((body ?? '').replace(/\r\n/g, '\n'))
    .digest('hex');
}

/**
 * The lowest permission that may approve: on a public repository every GitHub account reads, so
 * read (and triage, which any reader can be given) never decide, whatever a policy says.
 */
const FLOOR: RepoPermission = 'write';

/** Distinct approvals a request needs: one more when the change's author is unknown. */
export function approvalsNeeded(policy: ApprovalPolicy, authorUnknown: boolean): number {
  const base = Math.max(1, policy.required);
  return authorUnknown && !policy.allowSelfApproval ? base + 1 : base;
}

export async function tally(input: TallyInput): Promise<Tally> {
  const { policy } = input;
  const since = Date.parse(input.since);
  const approvers = policy.approvers?.map((l) => l.toLowerCase());
  const permissions = new Map<string, Promise<RepoPermission | 'none'>>();
  const result: Tally = { approvals: [], denials: [], ignored: [] };

  for (const comment of input.comments) {
    if (comment.id === input.requestCommentId || !comment.user) continue;
    // Every comment's body is remembered: one edited into a command in its first second is caught.
    const hash = bodyHash(comment.body);
    const first = input.bodies.get(comment.id);
    if (first === undefined) input.bodies.set(comment.id, hash);
    const commands = parseCommands(comment.body ?? '').filter((c) => c.id === input.requestId);
    if (commands.length === 0) continue;
    // A comment that both approves and denies is a deny.
    const command = commands.find((c) => c.verb === 'deny') ?? commands[0]!;
    const login = comment.user.login;
    const ignore = (reason: string) =>
      result.ignored.push({
        login,
        verb: command.verb,
        reason,
        url: comment.html_url,
        commentId: comment.id,
      });

    if (isBot(comment.user)) {
      ignore('bot account');
      continue;
    }
    if (comment.updated_at !== comment.created_at || (first !== undefined && first !== hash)) {
      ignore('edited comment');
      continue;
    }
    if (!(Date.parse(comment.created_at) >= since) || comment.id < input.requestCommentId) {
      ignore('written before the request');
      continue;
    }
    if (!policy.allowSelfApproval && input.actors.some((a) => sameLogin(a, login))) {
      ignore('workflow actor');
      continue;
    }
    if (!policy.allowSelfApproval && sameLogin(input.author, login)) {
      ignore('pull request author');
      continue;
    }
    if (!policy.allowSelfApproval && input.contributors?.some((c) => sameLogin(c, login))) {
      ignore('committer of the change');
      continue;
    }
    if (command.verb === 'approve' && !hashMatches(command.hash, input.requestHash)) {
      ignore(command.hash === undefined ? 'no statement hash' : 'statement hash does not match');
      continue;
    }
    if (approvers && !approvers.includes(login.toLowerCase())) {
      ignore('not in the approvers list');
      continue;
    }
    const key = login.toLowerCase();
    if (!permissions.has(key)) permissions.set(key, input.permissionOf(login));
    const held = await permissions.get(key)!;
    const needed = Math.max(permissionRank(policy.permission), permissionRank(FLOOR));
    if (permissionRank(held) < needed) {
      ignore(held === 'none' ? 'no repository permission' : `${held} permission`);
      continue;
    }
    const vote: Vote = {
      login,
      verb: command.verb,
      commentId: comment.id,
      ...(command.reason ? { reason: command.reason } : {}),
    };
    (command.verb === 'deny' ? result.denials : result.approvals).push(vote);
  }

  const distinct = new Set(result.approvals.map((v) => v.login.toLowerCase()));
  if (result.denials.length > 0) result.decision = 'denied';
  else if (distinct.size >= approvalsNeeded(policy, input.authorUnknown !== undefined))
    result.decision = 'approved';
  return result;
}
