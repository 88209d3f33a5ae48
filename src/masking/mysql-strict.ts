// Strict mode for MySQL: a masked column may only be selected as is. MySQL has no parse-tree
// lineage here, so this works on the statement's tokens and holds more than it must: a name of a
// masked column (of a table the statement reads) anywhere but as a plain item of the outermost
// select list — a bare or qualified column, with or without an alias — is a use, named by the
// clause it sits in. A name in an INSERT column list or on the left of `=` in UPDATE … SET is a
// target, not a use; `*` selects as is.
import type { Token } from '../sql/mysql/lexer.js';
import type { ColumnMatcher } from './columns.js';
import type { TableRef } from './mysql-plan.js';
import type { UsePosition } from './pg-lineage.js';

export interface MysqlMaskedUse {
  /** The column name as written. */
  column: string;
  position: UsePosition;
}

const CLAUSES: Record<string, UsePosition> = {
  WHERE: 'predicate',
  HAVING: 'predicate',
  ON: 'join',
  USING: 'join',
  ORDER: 'ORDER BY',
  GROUP: 'GROUP BY',
  OVER: 'window',
  PARTITION: 'window',
  LIMIT: 'expression',
  SET: 'write elsewhere',
  VALUES: 'write elsewhere',
};

/** Names of masked columns of the tables a statement reads, lower-cased. */
export function maskedNames(
  tables: readonly TableRef[],
  columnsOf: (schema: string, table: string) => readonly string[] | undefined,
  matcher: ColumnMatcher,
): Set<string> {
  const out = new Set<string>();
  for (const t of tables)
    for (const c of columnsOf(t.schema, t.table) ?? [])
      if (matcher.matches(t.schema, t.table, c)) out.add(c.toLowerCase());
  return out;
}

const isName = (t: Token | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'qident');
const isPunct = (t: Token | undefined, p: string) => t?.kind === 'punct' && t.text === p;

/** Every use of a masked column other than a plain item of the outermost select list. */
export function mysqlMaskedUses(tokens: readonly Token[], masked: ReadonlySet<string>): MysqlMaskedUse[] {
  if (masked.size === 0) return [];
  const uses: MysqlMaskedUse[] = [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i === tokens.length || isPunct(tokens[i], ';')) {
      statementUses(tokens.slice(start, i), masked, uses);
      start = i + 1;
    }
  }
  return uses;
}

function statementUses(tokens: readonly Token[], masked: ReadonlySet<string>, uses: MysqlMaskedUse[]): void {
  const lead = tokens[0]?.upper ?? '';
  const copies = lead === 'INSERT' || lead === 'REPLACE' || lead === 'CREATE';
  const plain = plainSelectItems(tokens);
  // The clause each parenthesis level is in, and whether the level is a call's argument list.
  const stack: { clause: UsePosition | 'select' | 'other'; call: boolean }[] = [];
  let clause: UsePosition | 'select' | 'other' = 'other';
  let call = false;
  let insertColumns = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(')) {
      stack.push({ clause, call });
      call = isName(tokens[i - 1]) && tokens[i - 1]!.kind === 'word';
      // INSERT INTO t (a, b): the column list names targets.
      insertColumns = copies && stack.length === 1 && clause === 'other' && isName(tokens[i - 1]);
      continue;
    }
    if (isPunct(t, ')')) {
      ({ clause, call } = stack.pop() ?? { clause: 'other', call: false });
      insertColumns = false;
      continue;
    }
    if (t.kind === 'word') {
      if (t.upper === 'SELECT') clause = 'select';
      else if (t.upper === 'FROM' || t.upper === 'JOIN') clause = 'other';
      else if (CLAUSES[t.upper] && !isPunct(tokens[i + 1], '(')) clause = CLAUSES[t.upper]!;
    }
    if (!isName(t) || !masked.has(t.value.toLowerCase()) || isPunct(tokens[i + 1], '(')) continue;
    if (plain.has(i) || insertColumns) continue;
    // UPDATE … SET email = …: the column assigned to is a target.
    if (clause === 'write elsewhere' && !copies && isOp(tokens[i + 1], '=') && stack.length === 0) continue;
    // UPDATE … SET x = (SELECT email …): a value written, whatever the subquery's own clause.
    const outer = stack[0]?.clause ?? clause;
    const position: UsePosition =
      copies || outer === 'write elsewhere'
        ? 'write elsewhere'
        : clause === 'select' || clause === 'other'
          ? call
            ? 'function argument'
            : 'expression'
          : clause;
    uses.push({ column: t.value, position });
  }
}

function isOp(t: Token | undefined, op: string): boolean {
  return t !== undefined && (t.kind === 'op' || t.kind === 'punct') && t.text === op;
}

/** Token indexes of column names that are whole items of the outermost select list. */
function plainSelectItems(tokens: readonly Token[]): Set<number> {
  const out = new Set<number>();
  if (tokens[0]?.upper !== 'SELECT') return out;
  let item: number[] = [];
  let complex = false;
  let depth = 0;
  const flush = () => {
    // name | q.name | s.q.name, then optionally [AS] alias
    let n = isName(tokens[item[0]!]) ? 1 : 0;
    while (n > 0 && isPunct(tokens[item[n]!], '.') && isName(tokens[item[n + 1]!])) n += 2;
    const column = item.slice(0, n);
    const rest = item.slice(n);
    const shaped =
      !complex &&
      column.length % 2 === 1 &&
      column.every((k, j) => (j % 2 === 0 ? isName(tokens[k]) : isPunct(tokens[k], '.'))) &&
      (rest.length === 0 ||
        (rest.length === 1 && isName(tokens[rest[0]!])) ||
        (rest.length === 2 && tokens[rest[0]!]!.upper === 'AS' && isName(tokens[rest[1]!])));
    if (shaped) out.add(column.at(-1)!);
    item = [];
    complex = false;
  };
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(')) {
      depth++;
      complex = true;
    } else if (isPunct(t, ')')) depth--;
    else if (depth > 0) continue;
    else if (t.kind === 'word' && (t.upper === 'DISTINCT' || t.upper === 'ALL') && item.length === 0)
      continue;
    else if (isPunct(t, ',')) flush();
    else if (t.kind === 'word' && (t.upper === 'FROM' || t.upper === 'INTO')) break;
    else item.push(i);
  }
  flush();
  return out;
}
