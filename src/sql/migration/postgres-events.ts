// Schema events of one Postgres statement, read from libpg-query's tree.
import { asList, asNode, nameList, objectName, rangeVarName, str, unwrap } from '../postgres/nodes.js';
import { type PgNode, parseSql } from '../postgres/parser.js';
import { type ColumnType, columnType } from './column-types.js';
import { bareName, objectKey, type SchemaEvent } from './events.js';

/** Resolves a type name to what the schema knows of it (enums created earlier). */
export type EnumLookup = (name: string) => string[] | undefined;

function typeOf(typeName: unknown, enums: EnumLookup): ColumnType {
  const tn = asNode(typeName) ?? {};
  const name = nameList(tn.names).toLowerCase();
  // The parser's JSON leaves zero values out: `numeric(30,0)` has an empty second `ival`.
  const mods = asList(tn.typmods)
    .map((m) => asNode(asNode(asNode(m)?.A_Const)?.ival))
    .filter((v) => v !== undefined)
    .map((v) => (typeof v.ival === 'number' ? v.ival : 0));
  const array = asList(tn.arrayBounds).length > 0;
  const labels = enums(bareName(name));
  if (labels && !array) return { ...columnType('enum', [], 'postgres', { labels }), text: bareName(name) };
  return columnType(name, mods, 'postgres', { array });
}

const DROP_KINDS: Record<string, 'view' | 'index' | 'function' | 'trigger'> = {
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_INDEX: 'index',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_ROUTINE: 'function',
  OBJECT_TRIGGER: 'trigger',
};

function statementEvents(node: PgNode, enums: EnumLookup, out: SchemaEvent[]): void {
  const u = unwrap(node);
  if (!u) return;
  const [type, n] = u;
  switch (type) {
    case 'CreateStmt': {
      const table = bareName(rangeVarName(n.relation));
      const columns: [string, ColumnType][] = [];
      for (const elt of asList(n.tableElts)) {
        const col = asNode(asNode(elt)?.ColumnDef);
        if (col) {
          columns.push([(str(col.colname) ?? '').toLowerCase(), typeOf(col.typeName, enums)]);
          for (const c of asList(col.constraints))
            constraintCreated(asNode(asNode(c)?.Constraint), table, out);
        } else constraintCreated(asNode(asNode(elt)?.Constraint), table, out);
      }
      out.push({ kind: 'table', table, columns });
      break;
    }
    case 'AlterTableStmt': {
      const table = bareName(rangeVarName(n.relation));
      for (const item of asList(n.cmds)) {
        const cmd = asNode(asNode(item)?.AlterTableCmd);
        if (!cmd) continue;
        const column = (str(cmd.name) ?? '').toLowerCase();
        const def = unwrap(cmd.def);
        if (cmd.subtype === 'AT_AddColumn' && def?.[0] === 'ColumnDef')
          out.push({
            kind: 'column',
            table,
            column: (str(def[1].colname) ?? '').toLowerCase(),
            type: typeOf(def[1].typeName, enums),
          });
        else if (cmd.subtype === 'AT_DropColumn') out.push({ kind: 'drop-column', table, column });
        else if (cmd.subtype === 'AT_AlterColumnType' && def?.[0] === 'ColumnDef')
          out.push({
            kind: 'retype',
            table,
            column,
            type: typeOf(def[1].typeName, enums),
            using: def[1].raw_default !== undefined,
          });
        else if (cmd.subtype === 'AT_AddConstraint' && def?.[0] === 'Constraint')
          constraintCreated(def[1], table, out);
        else if (cmd.subtype === 'AT_DropConstraint')
          out.push({
            kind: 'drop',
            objects: [objectKey('constraint', column, table)],
            cascade: cmd.behavior === 'DROP_CASCADE',
          });
      }
      break;
    }
    case 'RenameStmt': {
      const table = bareName(rangeVarName(n.relation));
      if (n.renameType === 'OBJECT_TABLE')
        out.push({ kind: 'rename-table', from: table, to: bareName(str(n.newname) ?? '') });
      else if (n.renameType === 'OBJECT_COLUMN')
        out.push({
          kind: 'rename-column',
          table,
          from: (str(n.subname) ?? '').toLowerCase(),
          to: (str(n.newname) ?? '').toLowerCase(),
        });
      break;
    }
    case 'DropStmt': {
      const names = asList(n.objects).map(objectName);
      if (n.removeType === 'OBJECT_TABLE')
        for (const t of names) out.push({ kind: 'drop-table', table: bareName(t) });
      const kind = DROP_KINDS[String(n.removeType)];
      if (kind)
        out.push({
          kind: 'drop',
          objects: names.map((name) => {
            // A trigger is named `table.trigger` (its table qualifies it).
            const parts = name.split('.');
            return kind === 'trigger'
              ? objectKey(kind, parts.pop() ?? '', parts.pop())
              : objectKey(kind, name);
          }),
          cascade: n.behavior === 'DROP_CASCADE',
        });
      break;
    }
    case 'ViewStmt':
      out.push({ kind: 'create', object: objectKey('view', rangeVarName(n.view)) });
      break;
    case 'CreateTableAsStmt':
      if (n.objtype === 'OBJECT_MATVIEW')
        out.push({ kind: 'create', object: objectKey('view', rangeVarName(asNode(n.into)?.rel)) });
      break;
    case 'IndexStmt':
      if (str(n.idxname)) out.push({ kind: 'create', object: objectKey('index', str(n.idxname)!) });
      break;
    case 'CreateTrigStmt':
      out.push({
        kind: 'create',
        object: objectKey('trigger', str(n.trigname) ?? '', rangeVarName(n.relation)),
      });
      break;
    case 'CreateFunctionStmt':
      out.push({ kind: 'create', object: objectKey('function', nameList(n.funcname)) });
      break;
    case 'CreateEnumStmt':
      out.push({
        kind: 'enum',
        name: bareName(nameList(n.typeName)),
        labels: asList(n.vals).map((v) => str(asNode(asNode(v)?.String)?.sval) ?? ''),
      });
      break;
    case 'AlterEnumStmt':
      if (str(n.newVal))
        out.push({ kind: 'enum-value', name: bareName(nameList(n.typeName)), label: str(n.newVal)! });
      break;
    case 'DeleteStmt':
    case 'UpdateStmt':
      if (n.whereClause !== undefined)
        out.push({
          kind: 'write',
          table: bareName(rangeVarName(n.relation)),
          verb: type === 'DeleteStmt' ? 'DELETE' : 'UPDATE',
        });
      break;
    default:
      break;
  }
}

function constraintCreated(c: PgNode | undefined, table: string, out: SchemaEvent[]): void {
  const name = str(c?.conname);
  if (name) out.push({ kind: 'create', object: objectKey('constraint', name, table) });
}

/** The schema events of `sql` (one or more statements); none when it does not parse. */
export function postgresEvents(sql: string, enums: EnumLookup): SchemaEvent[] {
  let stmts: ReturnType<typeof parseSql>;
  try {
    stmts = parseSql(sql);
  } catch {
    return [];
  }
  const out: SchemaEvent[] = [];
  for (const s of stmts) statementEvents(s.stmt, enums, out);
  return out;
}
