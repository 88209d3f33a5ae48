// Rules for ALTER TABLE, one subcommand at a time: dropped columns and constraints, type
// changes, constraints and columns whose addition scans or rewrites the table under lock,
// detached partitions, disabled triggers and rules, weakened row security, owner changes.
import { NON_REWRITING_DEFAULTS } from '../builtins.js';
import { references } from '../constant.js';
import { asList, asNode, defElems, nameList, rangeVarName, roleName, str, unwrap } from '../nodes.js';
import type { PgNode } from '../parser.js';
import type { Handler, Walker } from '../walker.js';
import { lockEffect } from './lock.js';

function alterTable(w: Walker, n: PgNode): void {
  const table = rangeVarName(n.relation);
  const at = w.stmtLocation(n);
  for (const item of asList(n.cmds)) {
    const cmd = asNode(asNode(item)?.AlterTableCmd);
    if (!cmd) continue;
    const col = str(cmd.name) ?? '';
    const column = col ? `${table}.${col}` : table;
    const def = unwrap(cmd.def);
    switch (cmd.subtype) {
      case 'AT_DropColumn':
        w.add(
          'destructive/drop-column',
          [column],
          `ALTER TABLE ${table} DROP COLUMN ${col} loses its data`,
          at,
        );
        break;
      case 'AT_DropConstraint':
        w.add('destructive/drop-constraint', [table], `ALTER TABLE ${table} DROP CONSTRAINT ${col}`, at);
        break;
      case 'AT_AlterColumnType':
        if (
          def?.[0] === 'ColumnDef' &&
          def[1].raw_default !== undefined &&
          // A `USING` that reads no column discards the old values.
          !references(def[1].raw_default).column
        ) {
          w.add(
            'destructive/drop-column',
            [column],
            `ALTER COLUMN ${col} TYPE … USING an expression of no column replaces every value of ${column}`,
            at,
          );
        }
        lockEffect(
          w,
          'lock-heavy/alter-column-type',
          table,
          `ALTER COLUMN ${col} TYPE rewrites ${table} under an ACCESS EXCLUSIVE lock`,
          at,
        );
        break;
      case 'AT_SetNotNull':
        lockEffect(
          w,
          'lock-heavy/add-not-null',
          table,
          `SET NOT NULL on ${column} scans ${table} under lock`,
          at,
        );
        break;
      case 'AT_AddConstraint':
        if (def?.[0] === 'Constraint') constraint(w, def[1], table, at);
        break;
      case 'AT_AddColumn':
        if (def?.[0] === 'ColumnDef') addColumn(w, def[1], table, at);
        break;
      case 'AT_DropInherit': {
        const parent = rangeVarName(def?.[1]);
        w.add(
          'destructive/drop-partition',
          [table],
          `ALTER TABLE ${table} NO INHERIT ${parent}: its rows disappear from ${parent}`,
          at,
        );
        break;
      }
      case 'AT_SetIdentity':
        if (def?.[0] === 'List' && defElems(def[1].items).has('restart'))
          w.add(
            'destructive/sequence-reset',
            [column],
            `ALTER TABLE ${table} ALTER COLUMN ${col} RESTART moves the identity sequence`,
            at,
          );
        break;
      case 'AT_DetachPartition':
      case 'AT_DetachPartitionFinalize': {
        const part = rangeVarName(asNode(asNode(def?.[1] ?? {})?.name));
        w.add(
          'destructive/drop-partition',
          [part || table],
          `ALTER TABLE ${table} DETACH PARTITION ${part}`,
          at,
        );
        break;
      }
      case 'AT_ChangeOwner':
        w.add('privilege/owner-change', [table], `ALTER ${table} OWNER TO ${roleName(cmd.newowner)}`, at);
        break;
      case 'AT_DisableTrig':
      case 'AT_DisableTrigAll':
      case 'AT_DisableTrigUser':
      case 'AT_DisableRule':
      // ENABLE REPLICA fires only under session_replication_role = replica: off for everyone else.
      case 'AT_EnableReplicaTrig':
      case 'AT_EnableReplicaRule':
        w.add(
          'destructive/disable-integrity',
          [table],
          `ALTER TABLE ${table} ${SUBCOMMAND_SQL[String(cmd.subtype)]}${col ? ` ${col}` : ''} stops it firing`,
          at,
        );
        break;
      case 'AT_DisableRowSecurity':
      case 'AT_NoForceRowSecurity':
        w.add('privilege/row-security', [table], `row level security weakened on ${table}`, at);
        break;
      case 'AT_SetTableSpace':
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
      case 'AT_SetAccessMethod':
        if (cmd.subtype === 'AT_SetUnLogged')
          // Unlogged: emptied after a crash and never sent to replicas. A table created in this
          // session holds nothing yet, as if created UNLOGGED.
          lockEffect(
            w,
            'destructive/disable-integrity',
            table,
            `SET UNLOGGED: ${table} is emptied after a crash and no longer replicated`,
            at,
          );
        lockEffect(
          w,
          'lock-heavy/table-rewrite',
          table,
          `${SUBCOMMAND_SQL[String(cmd.subtype)]} rewrites ${table}`,
          at,
        );
        break;
      default:
        break;
    }
  }
}

/** ALTER TABLE subcommands as written in SQL (the parser's names are not). */
const SUBCOMMAND_SQL: Record<string, string> = {
  AT_DisableTrig: 'DISABLE TRIGGER',
  AT_DisableTrigAll: 'DISABLE TRIGGER ALL',
  AT_DisableTrigUser: 'DISABLE TRIGGER USER',
  AT_DisableRule: 'DISABLE RULE',
  AT_EnableReplicaTrig: 'ENABLE REPLICA TRIGGER',
  AT_EnableReplicaRule: 'ENABLE REPLICA RULE',
  AT_SetTableSpace: 'SET TABLESPACE',
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
};

function constraint(w: Walker, c: PgNode, table: string, at: number): void {
  const notValid = c.skip_validation === true;
  const name = str(c.conname) ?? '';
  switch (c.contype) {
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
    case 'CONSTR_EXCLUSION':
      if (!c.indexname)
        lockEffect(
          w,
          'lock-heavy/add-unique',
          table,
          `ADD ${name || 'UNIQUE/PRIMARY KEY'} builds an index on ${table} under lock (build it CONCURRENTLY, then ADD … USING INDEX)`,
          at,
        );
      break;
    case 'CONSTR_FOREIGN':
      if (!notValid)
        lockEffect(
          w,
          'lock-heavy/add-foreign-key',
          table,
          `ADD FOREIGN KEY ${name} validates ${table} under lock (add NOT VALID, then VALIDATE)`,
          at,
        );
      break;
    case 'CONSTR_CHECK':
      if (!notValid)
        lockEffect(
          w,
          'lock-heavy/add-check',
          table,
          `ADD CHECK ${name} scans ${table} under lock (add NOT VALID, then VALIDATE)`,
          at,
        );
      break;
    case 'CONSTR_NOTNULL':
      if (!notValid)
        lockEffect(w, 'lock-heavy/add-not-null', table, `ADD NOT NULL scans ${table} under lock`, at);
      break;
    default:
      break;
  }
}

function addColumn(w: Walker, col: PgNode, table: string, at: number): void {
  const type = nameList(asNode(col.typeName)?.names).toLowerCase();
  const name = `${table}.${str(col.colname) ?? ''}`;
  let rewrite = /(^|\.)(small|big)?serial[248]?$/.test(type);
  for (const item of asList(col.constraints)) {
    const c = asNode(asNode(item)?.Constraint);
    if (!c) continue;
    if (c.contype === 'CONSTR_DEFAULT') {
      const calls = collectCalls(c.raw_expr);
      if (calls.some((f) => !NON_REWRITING_DEFAULTS.has(f))) rewrite = true;
    }
    if (c.contype === 'CONSTR_GENERATED' || c.contype === 'CONSTR_IDENTITY') rewrite = true;
    if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE')
      lockEffect(
        w,
        'lock-heavy/add-unique',
        table,
        `ADD COLUMN ${name} with a unique index builds it under lock`,
        at,
      );
  }
  if (rewrite)
    lockEffect(
      w,
      'lock-heavy/table-rewrite',
      table,
      `ADD COLUMN ${name} with a volatile or generated value rewrites ${table}`,
      at,
    );
}

function collectCalls(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) collectCalls(x, out);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'FuncCall') out.push(nameList(asNode(v)?.funcname).toLowerCase().split('.').pop() ?? '');
      collectCalls(v, out);
    }
  }
  return out;
}

export const ALTER_TABLE_HANDLERS: Record<string, Handler> = {
  AlterTableStmt(w, n) {
    alterTable(w, n);
    return undefined;
  },
};
