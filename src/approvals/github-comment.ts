// The request comment the GitHub channel posts: what it wrote (so that someone else's edit or a
// deletion voids it), how often it is re-posted or its lost POST looked for, and the reactions
// that acknowledge the commands answering it.
import { bodyHash, type IssueComment } from './tally.js';
import type { ApprovalOutcome } from './types.js';

export interface PostedComment {
  id: number;
  html_url: string;
  created_at: string;
  /** sha256 of the body the gateway wrote: any other body is someone else's edit. */
  written: string;
}

/** Request comments re-posted after someone edited them, before the request fails instead. */
export const MAX_REPOSTS = 3;

/** How far back a lost POST is looked for; only this run's request can carry its marker. */
export const LOOKBACK_MS = 60 * 60_000;
export const POST_ATTEMPTS = 3;

export const REACTION = { approve: '+1', deny: '-1', ignored: 'eyes' } as const;

/**
 * Why the request comment can no longer be trusted, if it cannot: someone else edited it (its
 * update time moved, or its body is not what the gateway wrote, which also catches an edit within
 * the same second) or deleted it.
 */
export function tamperingOf(comments: IssueComment[], posted: PostedComment): string | undefined {
  const now = comments.find((c) => c.id === posted.id);
  if (!now) return 'was deleted';
  if (now.updated_at !== now.created_at || bodyHash(now.body) !== posted.written)
    return 'was edited by someone other than guardrail';
  return undefined;
}

export function voidedOf(voided: { url: string; reason: string }[]): Pick<ApprovalOutcome, 'voided'> {
  return voided.length ? { voided: [...voided] } : {};
}
