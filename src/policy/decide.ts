// Findings + policy → verdict. The strongest action across findings wins:
// deny > review > warn (allowed, with warnings) > allow.
import type { Analysis, Finding } from '../sql/types.js';
import { DEFAULT_CATEGORY_ACTIONS, DEFAULT_RULE_ACTIONS } from './defaults.js';
import { objectMatches } from './patterns.js';
import type { Action, Override, Policy, Verdict } from './types.js';

const STRENGTH: Record<Action, number> = { allow: 0, warn: 1, review: 2, deny: 3 };

function overrideMatches(o: Override, f: Finding): boolean {
  if (o.rule !== undefined && o.rule !== f.rule) return false;
  if (o.category !== undefined && o.category !== f.category) return false;
  if (o.objects !== undefined && !f.objects.some((obj) => o.objects!.some((p) => objectMatches(p, obj)))) {
    return false;
  }
  return true;
}

/** The override that decides a finding (the first that matches), if any. */
export function overrideFor(f: Finding, policy: Policy): Override | undefined {
  return policy.overrides.find((o) => overrideMatches(o, f));
}

/** The action the policy assigns to one finding. */
export function actionFor(f: Finding, policy: Policy): Action {
  const override = overrideFor(f, policy);
  const byRule = Object.hasOwn(policy.rules, f.rule) ? policy.rules[f.rule] : undefined;
  const action =
    override?.action ??
    byRule ??
    DEFAULT_RULE_ACTIONS[f.rule] ??
    policy.categories[f.category] ??
    DEFAULT_CATEGORY_ACTIONS[f.category] ??
    'allow';
  if (f.category === 'opaque' && STRENGTH[action] < STRENGTH.review) {
    // Opaque code is never let through silently: only an override naming the rule itself may.
    const explicit = override?.rule === f.rule || (override === undefined && byRule !== undefined);
    if (!explicit) return 'review';
  }
  return action;
}

export function decide(analysis: Pick<Analysis, 'findings'>, policy: Policy): Verdict {
  const by: Record<Action, Finding[]> = { allow: [], warn: [], review: [], deny: [] };
  for (const f of analysis.findings) by[actionFor(f, policy)].push(f);
  const warnings = by.warn.length > 0 ? { warnings: by.warn } : {};
  if (by.deny.length > 0)
    return {
      action: 'deny',
      reasons: by.deny,
      ...(by.review.length || by.warn.length ? { warnings: [...by.review, ...by.warn] } : {}),
    };
  if (by.review.length > 0) return { action: 'review', reasons: by.review, ...warnings };
  return { action: 'allow', ...warnings };
}

/** The verdict's action with warnings distinguished: allow | warn | review | deny. */
export function verdictLevel(v: Verdict): Action {
  if (v.action === 'allow') return v.warnings?.length ? 'warn' : 'allow';
  return v.action;
}
