// Rules for statements that hold heavy locks or rewrite a table: CREATE INDEX and REINDEX without
// CONCURRENTLY, CLUSTER, VACUUM FULL. `lockEffect` defers a finding until the session knows
// whether the table is one it created itself (nobody else waits on that).
import type { KnownRuleId } from '../../rules.js';
import { asList, asNode, defElems, defFlag, rangeVarName, str } from '../nodes.js';
import type { Handler, Walker } from '../walker.js';

export function lockEffect(w: Walker, rule: KnownRuleId, table: string, message: string, at: number): void {
  w.effects.push({ kind: 'unless-created', table, finding: { rule, objects: [table], message, at } });
}

export const LOCK_HANDLERS: Record<string, Handler> = {
  IndexStmt(w, n) {
    const table = rangeVarName(n.relation);
    // ON ONLY a partitioned parent builds nothing (inh is false, hence absent).
    if (!n.concurrent && asNode(n.relation)?.inh === true) {
      lockEffect(
        w,
        'lock-heavy/blocking-index',
        table,
        `CREATE INDEX on ${table} without CONCURRENTLY blocks writes while it builds`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  ReindexStmt(w, n) {
    if (!defFlag(defElems(n.params), 'concurrently')) {
      const target = n.relation ? rangeVarName(n.relation) : (str(n.name) ?? '');
      w.add(
        'lock-heavy/blocking-index',
        [target],
        `REINDEX ${target} without CONCURRENTLY blocks writes`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  ClusterStmt(w, n) {
    const table = rangeVarName(n.relation);
    lockEffect(
      w,
      'lock-heavy/table-rewrite',
      table,
      `CLUSTER rewrites ${table || 'every clustered table'} under an ACCESS EXCLUSIVE lock`,
      w.stmtLocation(n),
    );
    return undefined;
  },
  VacuumStmt(w, n) {
    if (n.is_vacuumcmd && defFlag(defElems(n.options), 'full')) {
      const tables = asList(n.rels).map((r) => rangeVarName(asNode(asNode(r)?.VacuumRelation)?.relation));
      w.add(
        'lock-heavy/table-rewrite',
        tables,
        `VACUUM FULL rewrites ${tables.join(', ') || 'every table'} under an ACCESS EXCLUSIVE lock`,
        w.at(),
      );
    }
    return undefined;
  },
};
