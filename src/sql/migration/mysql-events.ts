// Schema events of one MySQL/MariaDB statement, read from the lexer's tokens (the same lexer the
// analyzer uses, under the same sql_mode).
import { Lexer, type Token, tokenize } from '../mysql/lexer.js';
import { nextStatement } from '../mysql/split.js';
import { lexFlags } from '../mysql/sql-mode.js';
import { isPunct, isWord, readName, readNameList, skipIfExists, splitTopLevel } from '../mysql/tokens.js';
import { type ColumnType, columnType } from './column-types.js';
import { bareName, objectKey, type SchemaEvent } from './events.js';

/** Words that open a table element that is not a column. */
const NOT_COLUMNS = new Set([
  'PRIMARY',
  'KEY',
  'INDEX',
  'UNIQUE',
  'CONSTRAINT',
  'FOREIGN',
  'CHECK',
  'FULLTEXT',
  'SPATIAL',
  'PERIOD',
  'SYSTEM',
]);

/** The type at `i` of a column definition, with whether the definition says NOT NULL or PRIMARY KEY. */
function readColumn(def: readonly Token[], i: number): ColumnType | undefined {
  const type = readType(def, i);
  if (!type) return undefined;
  const notNull = def.some(
    (t, k) =>
      k > i &&
      ((isWord(t, 'NOT') && isWord(def[k + 1], 'NULL')) ||
        (isWord(t, 'PRIMARY') && isWord(def[k + 1], 'KEY'))),
  );
  return notNull ? { ...type, notNull } : type;
}

/** The column type starting at `i`: `VARCHAR(40)`, `DECIMAL(10,2) UNSIGNED`, `ENUM('a','b')`, `DOUBLE PRECISION`. */
function readType(tokens: readonly Token[], i: number): ColumnType | undefined {
  const t = tokens[i];
  if (t?.kind !== 'word') return undefined;
  let name = t.value.toLowerCase();
  let j = i + 1;
  if (name === 'double' && isWord(tokens[j], 'PRECISION')) j++;
  if ((name === 'character' || name === 'char') && isWord(tokens[j], 'VARYING')) {
    name = 'varchar';
    j++;
  }
  const mods: number[] = [];
  const labels: string[] = [];
  if (isPunct(tokens[j], '(')) {
    for (j++; j < tokens.length && !isPunct(tokens[j], ')'); j++) {
      const a = tokens[j]!;
      if (a.kind === 'number') mods.push(Number(a.value));
      else if (a.kind === 'string') labels.push(a.value);
    }
    j++;
  }
  const unsigned = isWord(tokens[j], 'UNSIGNED');
  if (name === 'enum') return columnType('enum', [], 'mysql', { labels });
  if (name === 'set') return columnType(`set(${labels.join(',')})`, [], 'mysql');
  return columnType(name, mods, 'mysql', unsigned ? { unsigned: true } : {});
}

function createTable(tokens: readonly Token[], out: SchemaEvent[]): void {
  const kindAt = tokens.findIndex((t) => isWord(t, 'TABLE'));
  const name = readName(tokens, skipIfExists(tokens, kindAt + 1));
  if (!name || !isPunct(tokens[name.next], '(')) return;
  const table = bareName(name.name);
  let depth = 0;
  let end = name.next;
  for (; end < tokens.length; end++) {
    if (isPunct(tokens[end], '(')) depth++;
    else if (isPunct(tokens[end], ')') && --depth === 0) break;
  }
  const columns: [string, ColumnType][] = [];
  for (const def of splitTopLevel(tokens.slice(name.next + 1, end))) {
    const d0 = def[0];
    if (!d0) continue;
    if (d0.kind === 'word' && NOT_COLUMNS.has(d0.upper)) {
      indexOrConstraint(def, 0, table, out);
      continue;
    }
    const type = readColumn(def, 1);
    if (type) columns.push([d0.value.toLowerCase(), type]);
  }
  out.push({ kind: 'table', table, columns });
}

/** `[CONSTRAINT name] …` or `{INDEX|KEY|UNIQUE [KEY]} [IF NOT EXISTS] name …` at `i`: the object it creates. */
function indexOrConstraint(spec: readonly Token[], i: number, table: string, out: SchemaEvent[]): void {
  if (isWord(spec[i], 'CONSTRAINT')) {
    const n = readName(spec, skipIfExists(spec, i + 1));
    if (n && !isWord(spec[i + 1], 'UNIQUE', 'FOREIGN', 'CHECK', 'PRIMARY'))
      out.push({ kind: 'create', object: objectKey('constraint', n.name, table) });
    return;
  }
  let j = i;
  if (isWord(spec[j], 'UNIQUE', 'FULLTEXT', 'SPATIAL')) j++;
  if (isWord(spec[j], 'INDEX', 'KEY')) j++;
  if (j === i || isWord(spec[i], 'PRIMARY', 'FOREIGN', 'CHECK')) return;
  const n = readName(spec, skipIfExists(spec, j));
  if (n && !isPunct(spec[n.next - 1], '('))
    out.push({ kind: 'create', object: objectKey('index', n.name, table) });
}

function alterTable(tokens: readonly Token[], at: number, out: SchemaEvent[]): void {
  const name = readName(tokens, skipIfExists(tokens, at));
  if (!name) return;
  const table = bareName(name.name);
  for (const spec of splitTopLevel(tokens.slice(name.next))) {
    const w = spec[0]?.kind === 'word' ? spec[0].upper : '';
    const colAt = isWord(spec[1], 'COLUMN') ? 2 : 1;
    if (w === 'ADD') {
      if (
        isWord(
          spec[colAt],
          'CONSTRAINT',
          'INDEX',
          'KEY',
          'UNIQUE',
          'FULLTEXT',
          'SPATIAL',
          'PRIMARY',
          'FOREIGN',
          'CHECK',
        )
      )
        indexOrConstraint(spec, colAt, table, out);
      else {
        const col = readName(spec, skipIfExists(spec, colAt));
        const type = col && readColumn(spec, col.next);
        if (col && type) out.push({ kind: 'column', table, column: col.name.toLowerCase(), type });
      }
    } else if (w === 'MODIFY' || w === 'CHANGE') {
      const col = readName(spec, skipIfExists(spec, colAt));
      if (!col) continue;
      const renamed = w === 'CHANGE' ? readName(spec, col.next) : undefined;
      const type = readColumn(spec, renamed ? renamed.next : col.next);
      if (type)
        out.push({
          kind: 'retype',
          table,
          column: col.name.toLowerCase(),
          ...(renamed && renamed.name.toLowerCase() !== col.name.toLowerCase()
            ? { to: renamed.name.toLowerCase() }
            : {}),
          type,
          using: false,
        });
    } else if (w === 'DROP') {
      const target = spec[colAt];
      if (isWord(target, 'INDEX', 'KEY')) {
        const n = readName(spec, skipIfExists(spec, colAt + 1));
        if (n) out.push({ kind: 'drop', objects: [objectKey('index', n.name, table)], cascade: false });
      } else if (
        isWord(target, 'CONSTRAINT', 'CHECK') ||
        (isWord(target, 'FOREIGN') && isWord(spec[colAt + 1], 'KEY'))
      ) {
        const n = readName(spec, skipIfExists(spec, colAt + (isWord(target, 'FOREIGN') ? 2 : 1)));
        if (n) out.push({ kind: 'drop', objects: [objectKey('constraint', n.name, table)], cascade: false });
      } else if (!isWord(target, 'PRIMARY', 'PARTITION', 'PERIOD', 'SYSTEM')) {
        const n = readName(spec, skipIfExists(spec, colAt));
        if (n) out.push({ kind: 'drop-column', table, column: n.name.toLowerCase() });
      }
    } else if (w === 'RENAME') {
      if (isWord(spec[1], 'COLUMN')) {
        const from = readName(spec, 2);
        const to = from && isWord(spec[from.next], 'TO') ? readName(spec, from.next + 1) : undefined;
        if (from && to)
          out.push({
            kind: 'rename-column',
            table,
            from: from.name.toLowerCase(),
            to: to.name.toLowerCase(),
          });
      } else if (!isWord(spec[1], 'INDEX', 'KEY')) {
        const to = readName(spec, isWord(spec[1], 'TO', 'AS') ? 2 : 1);
        if (to) out.push({ kind: 'rename-table', from: table, to: bareName(to.name) });
      }
    }
  }
}

/** Index of the first of `words` after `from`, or -1. */
function wordAt(tokens: readonly Token[], from: number, ...words: string[]): number {
  for (let i = from; i < tokens.length; i++) if (isWord(tokens[i], ...words)) return i;
  return -1;
}

/** A top-level WHERE (not one inside a subquery). */
function hasWhere(tokens: readonly Token[]): boolean {
  let depth = 0;
  for (const t of tokens) {
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && isWord(t, 'WHERE')) return true;
  }
  return false;
}

const DROPPED: Record<string, 'view' | 'function' | 'trigger'> = {
  VIEW: 'view',
  FUNCTION: 'function',
  PROCEDURE: 'function',
  TRIGGER: 'trigger',
};

function tokenEvents(tokens: readonly Token[], out: SchemaEvent[]): void {
  const t0 = tokens[0];
  if (t0?.kind !== 'word') return;
  const lead = t0.upper;
  if (lead === 'CREATE') {
    const kindAt = wordAt(tokens, 1, 'TABLE', 'INDEX', 'VIEW', 'TRIGGER', 'FUNCTION', 'PROCEDURE');
    const kind = tokens[kindAt]?.upper;
    if (kind === 'TABLE') createTable(tokens, out);
    else if (kind === 'INDEX') {
      const n = readName(tokens, skipIfExists(tokens, kindAt + 1));
      const on = wordAt(tokens, kindAt, 'ON');
      const table = on > 0 ? readName(tokens, on + 1) : undefined;
      if (n && table) out.push({ kind: 'create', object: objectKey('index', n.name, table.name) });
    } else if (kind) {
      const n = readName(tokens, skipIfExists(tokens, kindAt + 1));
      const k = DROPPED[kind];
      if (n && k) out.push({ kind: 'create', object: objectKey(k, n.name) });
    }
  } else if (lead === 'ALTER') {
    const tableAt = wordAt(tokens, 1, 'TABLE');
    if (tableAt > 0 && tableAt <= 2) alterTable(tokens, tableAt + 1, out);
  } else if (lead === 'DROP') {
    const kind = tokens[1]?.upper ?? '';
    const nameAt = skipIfExists(tokens, 2);
    if (kind === 'TABLE' || kind === 'TABLES')
      for (const t of readNameList(tokens, nameAt)) out.push({ kind: 'drop-table', table: bareName(t) });
    else if (kind === 'INDEX') {
      const n = readName(tokens, nameAt);
      const table = n && isWord(tokens[n.next], 'ON') ? readName(tokens, n.next + 1) : undefined;
      if (n && table)
        out.push({ kind: 'drop', objects: [objectKey('index', n.name, table.name)], cascade: false });
    } else if (DROPPED[kind])
      out.push({
        kind: 'drop',
        objects: readNameList(tokens, nameAt).map((n) => objectKey(DROPPED[kind]!, n)),
        cascade: isWord(tokens[tokens.length - 1], 'CASCADE'),
      });
  } else if (lead === 'RENAME' && isWord(tokens[1], 'TABLE')) {
    for (const pair of splitTopLevel(tokens.slice(2))) {
      const from = readName(pair, 0);
      const to = from && isWord(pair[from.next], 'TO') ? readName(pair, from.next + 1) : undefined;
      if (from && to) out.push({ kind: 'rename-table', from: bareName(from.name), to: bareName(to.name) });
    }
  } else if ((lead === 'DELETE' || lead === 'UPDATE') && hasWhere(tokens)) {
    let i = 1;
    while (isWord(tokens[i], 'LOW_PRIORITY', 'QUICK', 'IGNORE')) i++;
    if (lead === 'DELETE' && isWord(tokens[i], 'FROM')) i++;
    const n = readName(tokens, i);
    if (n) out.push({ kind: 'write', table: bareName(n.name), verb: lead });
  }
}

/** The schema events of one MySQL statement's text, lexed under `sqlMode`. */
export function mysqlEvents(sql: string, sqlMode: string | undefined): SchemaEvent[] {
  let tokens: Token[];
  try {
    tokens = tokenize(sql, lexFlags(sqlMode));
  } catch {
    return [];
  }
  while (isPunct(tokens[tokens.length - 1], ';')) tokens.pop();
  const out: SchemaEvent[] = [];
  tokenEvents(tokens, out);
  return out;
}

/**
 * The schema events of a whole script (an applied migration file). A script the lexer cannot
 * read (client `DELIMITER` commands, say) yields what it read up to there.
 */
export function mysqlScriptEvents(text: string, sqlMode: string | undefined): SchemaEvent[] {
  const out: SchemaEvent[] = [];
  try {
    const lexer = new Lexer(text, lexFlags(sqlMode));
    for (let st = nextStatement(lexer); st; st = nextStatement(lexer)) {
      const tokens = [...st.tokens];
      while (isPunct(tokens[tokens.length - 1], ';')) tokens.pop();
      tokenEvents(tokens, out);
    }
  } catch {
    // Keep what was read.
  }
  return out;
}
