import type { Category } from '../sql/types.js';
import type { Action, Policy } from './types.js';

export const DEFAULT_CATEGORY_ACTIONS: Readonly<Record<Category, Action>> = {
  destructive: 'review',
  privilege: 'review',
  opaque: 'review',
  exfiltration: 'deny',
  'lock-heavy': 'warn',
  'mass-change': 'review',
};

/**
 * Rules whose default differs from their category's: a policy's `rules:` or `overrides:` entry
 * changes them, a category setting does not (a recreated view is not a destructive DROP).
 */
export const DEFAULT_RULE_ACTIONS: Readonly<Record<string, Action>> = {
  'destructive/drop-recreated': 'warn',
  'mass-change/data-change': 'warn',
};

export const DEFAULT_POLICY_PATH = '.github/guardrail.yml';

/** The policy in force when there is no policy file. */
export function defaultPolicy(): Policy {
  return {
    mode: 'enforce',
    categories: { ...DEFAULT_CATEGORY_ACTIONS },
    rules: {},
    overrides: [],
    approvals: { permission: 'write', required: 1, allowSelfApproval: false, timeoutMs: 30 * 60_000 },
    masking: { columns: [], custom: [], onWire: false, replacement: '[masked]' },
    massChangeThreshold: 1000,
    massChangeShare: 50,
    massChangeMinTableRows: 5,
    catalogWaitMs: 30_000,
  };
}
