// Which binding, if any, a verified token's claims select. Every bound claim must equal one of the
// binding's values exactly; no patterns, no `sub` parsing. Events that run with the base
// repository's privileges on behalf of others match only a binding that names them.
import type { BindingConfig } from './config.js';

export const CLAIM_NAMES = [
  'repository_id',
  'repository_owner_id',
  'ref',
  'environment',
  'event_name',
  'job_workflow_ref',
  'runner_environment',
] as const;
export type ClaimName = (typeof CLAIM_NAMES)[number];

/** Events whose runs carry the base repository's token but can be triggered from outside. */
export const EXPLICIT_ONLY_EVENTS = ['pull_request_target', 'workflow_run', 'issue_comment'];

export interface ClaimMismatch {
  claim: ClaimName | 'target';
  got?: string;
  /** The binding's accepted values: for the audit log only, never sent to the caller. */
  want?: string[];
  note?: string;
}

export interface BindingFailure {
  binding: string;
  failed: ClaimMismatch[];
}

export type BindingMatch = { ok: true; binding: BindingConfig } | { ok: false; failures: BindingFailure[] };

const claimText = (v: unknown) => (v === undefined || v === null ? undefined : String(v));

export function matchBinding(
  claims: Record<string, unknown>,
  target: string,
  bindings: readonly BindingConfig[],
): BindingMatch {
  const failures: BindingFailure[] = [];
  const candidates = bindings.filter((b) => b.target === target);
  for (const b of candidates) {
    const failed: ClaimMismatch[] = [];
    for (const name of CLAIM_NAMES) {
      const want = b.claims[name];
      if (!want) continue;
      const got = claimText(claims[name]);
      if (got === undefined || !want.includes(got)) {
        failed.push({ claim: name, ...(got === undefined ? {} : { got }), want });
      }
    }
    const event = claimText(claims.event_name);
    if (event && EXPLICIT_ONLY_EVENTS.includes(event) && !b.claims.event_name?.includes(event)) {
      failed.push({
        claim: 'event_name',
        got: event,
        note: 'accepted only by a binding that names this event',
      });
    }
    if (!failed.length) return { ok: true, binding: b };
    failures.push({ binding: b.name, failed });
  }
  if (!candidates.length)
    failures.push({
      binding: '(none)',
      failed: [{ claim: 'target', got: target, note: 'no binding names this target' }],
    });
  return { ok: false, failures };
}

/** The refusal reason for the caller: which claims failed per binding, without the bound values. */
export function describeFailures(failures: readonly BindingFailure[]): string {
  return failures
    .map((f) => {
      const claims = f.failed.map((m) => `${m.claim} (${m.note ?? `got ${m.got ?? 'nothing'}`})`);
      return `binding ${f.binding}: ${claims.join(', ')}`;
    })
    .join('; ');
}
