// Rules about the rows a write touches. A trigger function's findings under these rules are
// judged when a write fires it (on the rows it then touches), not when the trigger is created or
// its function replaced. An UPDATE or DELETE without WHERE is not among them: it changes a whole
// table on every write that fires the trigger, writes made outside the gateway included, so it is
// judged when the trigger is created or its function replaced.
import type { KnownRuleId } from '../rules.js';

const ROW_SCOPED: ReadonlySet<string> = new Set<KnownRuleId>([
  'destructive/merge-delete',
  'destructive/replace',
  'mass-change/rows',
  'mass-change/data-change',
]);

/** Whether a finding of a trigger function waits for the write that fires it. */
export function waitsForWrite(rule: string, category: string): boolean {
  return ROW_SCOPED.has(rule) || category === 'lock-heavy';
}
