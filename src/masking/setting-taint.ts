// Session settings as a carrier: `SELECT set_config('x.y', email, false) FROM users` masks its own
// result, but `SHOW x.y` or `current_setting('x.y')` later names no table. A connection keeps the
// names that statements reading masked data wrote; a later statement that reads one of them (or
// any, when a name was computed) has every result column masked, and is tainted itself.
import type { StatementLineage } from './pg-lineage.js';

export class SettingTaint {
  private readonly names = new Set<string>();

  /** Each statement's lineage as this connection's settings make it; in statement order. */
  apply(statements: readonly StatementLineage[]): StatementLineage[] {
    return statements.map((s) => {
      const out = s.readsSettings?.some((n) => this.tainted(n)) ? { ...s, maskAll: true, tainted: true } : s;
      if (out.tainted) for (const n of s.writesSettings ?? []) this.names.add(n);
      return out;
    });
  }

  private tainted(name: string): boolean {
    return this.names.has(name) || this.names.has('*') || (name === '*' && this.names.size > 0);
  }
}
