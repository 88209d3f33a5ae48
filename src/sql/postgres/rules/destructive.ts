// Rules for statements that lose data or the objects holding it: writes that reach every row,
// TRUNCATE, DROP of every kind, renames that break readers, sequence resets, and rules or event
// triggers that stop protecting a table. `writes` records each write so the session can run the
// triggers it created on that table.
import type { KnownRuleId } from '../../rules.js';
import { parameterTautology, truth } from '../constant.js';
import { asList, asNode, defElems, objectName, rangeVarName, roleName, str } from '../nodes.js';
import type { PgNode } from '../parser.js';
import type { Handler, Walker } from '../walker.js';
import { catalogWrite } from './privilege.js';

const DROP_RULES: Record<string, KnownRuleId> = {
  OBJECT_TABLE: 'destructive/drop-table',
  OBJECT_FOREIGN_TABLE: 'destructive/drop-table',
  OBJECT_VIEW: 'destructive/drop-view',
  OBJECT_MATVIEW: 'destructive/drop-view',
  OBJECT_FUNCTION: 'destructive/drop-function',
  OBJECT_PROCEDURE: 'destructive/drop-function',
  OBJECT_ROUTINE: 'destructive/drop-function',
  OBJECT_AGGREGATE: 'destructive/drop-function',
  OBJECT_TYPE: 'destructive/drop-type',
  OBJECT_DOMAIN: 'destructive/drop-type',
  OBJECT_SEQUENCE: 'destructive/drop-sequence',
  OBJECT_INDEX: 'destructive/drop-index',
  OBJECT_SCHEMA: 'destructive/drop-schema',
  // A restrictive policy narrows what the others let through: dropping one widens access.
  OBJECT_POLICY: 'privilege/row-security',
};

/** Object kinds whose SQL spelling differs from the parser's name (DROP <kind> …). */
const DROP_KIND_SQL: Record<string, string> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_TABCONSTRAINT: 'CONSTRAINT',
  OBJECT_LARGEOBJECT: 'LARGE OBJECT',
};

/** Renames whose old name running code reads (a table's, a view's, a column's). */
const RENAMED: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_COLUMN: 'column',
};

/** A write to a table: triggers the session created on it run (see SessionJudge). */
export function writes(w: Walker, table: string, at: number, events: string, only = false): void {
  if (table) w.effects.push({ kind: 'write', table, events, at, ...(only ? { only } : {}) });
}

/** Whether a RangeVar (wrapped or bare) says ONLY (the parser leaves out `inh: false`). */
function only(v: unknown): boolean {
  const n = asNode(v);
  const rv = asNode(n?.RangeVar) ?? n;
  return rv !== undefined && rv.inh !== true;
}

function whereRule(w: Walker, n: PgNode, rule: KnownRuleId, verb: string): void {
  catalogWrite(w, n, verb);
  const table = rangeVarName(n.relation);
  writes(
    w,
    table,
    w.stmtLocation(n),
    rule === 'destructive/delete-without-where' ? 'd' : 'u',
    only(n.relation),
  );
  const where = n.whereClause;
  const always = where === undefined ? undefined : truth(where, w);
  if (where === undefined) {
    w.add(rule, [table], `${verb} ${table} without WHERE changes every row`, w.stmtLocation(n));
  } else if (always === true) {
    w.add(
      rule,
      [table],
      `${verb} ${table} with a WHERE that is always true changes every row`,
      w.stmtLocation(n),
    );
  } else if (parameterTautology(where, always, w)) {
    w.add(
      rule,
      [table],
      `${verb} ${table} with a WHERE that bound parameters alone can make true may change every row`,
      w.stmtLocation(n),
    );
  }
}

function dropMessage(kind: string, names: string[], n: PgNode): string {
  const cascade = n.behavior === 'DROP_CASCADE' ? ' CASCADE (drops dependent objects too)' : '';
  return `DROP ${kind} ${names.join(', ')}${cascade}`;
}

export const DESTRUCTIVE_HANDLERS: Record<string, Handler> = {
  DeleteStmt(w, n) {
    if (!asNode(n.whereClause)?.CurrentOfExpr)
      whereRule(w, n, 'destructive/delete-without-where', 'DELETE FROM');
    return undefined;
  },
  UpdateStmt(w, n) {
    if (!asNode(n.whereClause)?.CurrentOfExpr) whereRule(w, n, 'destructive/update-without-where', 'UPDATE');
    return undefined;
  },
  InsertStmt(w, n) {
    catalogWrite(w, n, 'INSERT');
    writes(w, rangeVarName(n.relation), w.stmtLocation(n), n.onConflictClause ? 'iu' : 'i');
    return undefined;
  },
  MergeStmt(w, n) {
    catalogWrite(w, n, 'MERGE');
    const table = rangeVarName(n.relation);
    writes(w, table, w.stmtLocation(n), 'iud');
    for (const c of asList(n.mergeWhenClauses)) {
      if (asNode(asNode(c)?.MergeWhenClause)?.commandType === 'CMD_DELETE') {
        w.add(
          'destructive/merge-delete',
          [table],
          `MERGE INTO ${table} … THEN DELETE deletes rows`,
          w.stmtLocation(n),
        );
        break;
      }
    }
    return undefined;
  },
  TruncateStmt(w, n) {
    const tables = asList(n.relations).map(rangeVarName);
    for (const r of asList(n.relations)) writes(w, rangeVarName(r), w.at(), 't', only(r));
    const cascade = n.behavior === 'DROP_CASCADE' ? ' CASCADE (and every table referencing them)' : '';
    w.add(
      'destructive/truncate',
      tables,
      `TRUNCATE ${tables.join(', ')}${cascade} removes every row`,
      w.at(asNode(asNode(asList(n.relations)[0])?.RangeVar)),
    );
    return undefined;
  },
  DropStmt(w, n) {
    const type = String(n.removeType ?? '');
    const names = asList(n.objects).map(objectName);
    const rule = DROP_RULES[type] ?? 'destructive/drop-other';
    const kind = DROP_KIND_SQL[type] ?? type.replace('OBJECT_', '').replace(/_/g, ' ');
    w.add(rule, names, dropMessage(kind, names, n), w.at());
    if (type === 'OBJECT_TABLE') for (const name of names) w.effects.push({ kind: 'dropped-table', name });
    return undefined;
  },
  DropdbStmt(w, n) {
    const db = str(n.dbname) ?? '';
    w.add('destructive/drop-database', [db], `DROP DATABASE ${db}`, w.at());
    return undefined;
  },
  DropOwnedStmt(w, n) {
    const roles = asList(n.roles).map(roleName);
    w.add(
      'destructive/drop-other',
      roles,
      `DROP OWNED BY ${roles.join(', ')} drops everything they own`,
      w.at(),
    );
    return undefined;
  },
  DropTableSpaceStmt(w, n) {
    w.add('destructive/drop-other', [str(n.tablespacename) ?? ''], 'DROP TABLESPACE', w.at());
    return undefined;
  },
  DropSubscriptionStmt(w, n) {
    w.add('destructive/drop-other', [str(n.subname) ?? ''], 'DROP SUBSCRIPTION', w.at());
    return undefined;
  },
  RenameStmt(w, n) {
    const what = RENAMED[String(n.renameType)];
    if (what) {
      // Every reader of the old name breaks at once; a table this session created has none yet.
      const table = rangeVarName(n.relation);
      const column = what === 'column' ? (str(n.subname) ?? '') : undefined;
      const name = column === undefined ? table : `${table}.${column}`;
      w.effects.push({
        kind: 'unless-created',
        table,
        finding: {
          rule: 'destructive/rename',
          objects: [name],
          message: `renames ${what} ${name} to ${str(n.newname) ?? ''}: whatever uses the old name fails`,
          at: w.stmtLocation(n),
        },
      });
    }
    if (n.renameType === 'OBJECT_ROLE')
      w.add(
        'privilege/role-change',
        [str(n.subname) ?? ''],
        `ALTER ROLE ${str(n.subname) ?? ''} RENAME`,
        w.at(),
      );
    return undefined;
  },
  AlterSeqStmt(w, n) {
    if (defElems(n.options).has('restart')) {
      const seq = rangeVarName(n.sequence);
      w.add(
        'destructive/sequence-reset',
        [seq],
        `ALTER SEQUENCE ${seq} RESTART: values it hands out again collide with existing keys`,
        w.at(asNode(n.sequence)),
      );
    }
    return undefined;
  },
  RuleStmt(w, n) {
    // Its actions are walked like any statement; replacing a rule also removes the old one,
    // which may have been what protected the table (ON DELETE DO INSTEAD NOTHING).
    if (n.replace) {
      const table = rangeVarName(n.relation);
      w.add(
        'destructive/drop-other',
        [`${table}.${str(n.rulename) ?? ''}`],
        `CREATE OR REPLACE RULE ${str(n.rulename) ?? ''} ON ${table} may replace a rule that protects it`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  AlterEventTrigStmt(w, n) {
    // 'D' disables, 'R' leaves it firing only under session_replication_role = replica.
    if (n.tgenabled === 'D' || n.tgenabled === 'R')
      w.add(
        'destructive/disable-integrity',
        [str(n.trigname) ?? ''],
        `ALTER EVENT TRIGGER ${str(n.trigname) ?? ''} stops it firing`,
        w.at(),
      );
    return undefined;
  },
};
