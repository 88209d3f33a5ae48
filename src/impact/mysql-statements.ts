// Which tables a MySQL / MariaDB statement touches and how, read from the analyzer's lexer
// tokens (so executable comments and sql_mode quoting are seen as the server sees them), and the
// read-only COUNT that matches a single-table DELETE / UPDATE.
import { type Token, tokenize } from '../sql/mysql/lexer.js';
import type { MysqlServer } from '../sql/mysql/server.js';
import { lexFlags } from '../sql/mysql/sql-mode.js';
import { isPunct, isWord, readName } from '../sql/mysql/tokens.js';
import type { Finding } from '../sql/types.js';

export interface MyName {
  schema?: string;
  name: string;
}

/** A SELECT over the rows a DELETE / UPDATE reads, cut from the statement's text. */
export interface MySelect {
  /** The table references (FROM … without the keyword). */
  from: string;
  where?: string;
  /** The statement's placeholder values the SELECT uses: params.slice(from, to). */
  params: { from: number; to: number };
  /** LIMIT n of the statement: the write touches at most this many rows. */
  limit?: number;
  /** Columns of the target the WHERE sets equal to one value (see `pinnedColumns`). */
  pinned: Pinned[];
}

/** `col = value` in a WHERE made only of such comparisons joined by AND. */
export interface Pinned {
  column: string;
  /** An integer or string literal, or the statement's placeholder number `param` (from 0). */
  value: 'number' | 'string' | 'param';
  param?: number;
}

export type MyTarget =
  | { kind: 'drop-table' | 'truncate'; table: MyName }
  | {
      kind: 'delete' | 'update';
      table: MyName;
      /** The target as EXPLAIN names it (its alias when it has one). */
      label: string;
      /** Absent when the statement's shape was not recognised: nothing can be measured. */
      select?: MySelect;
      /** One table only: count(*) of the SELECT is the rows the write touches. */
      single: boolean;
      /** UPDATE: the columns it sets (a key among them cascades to referencing tables). */
      sets?: string[];
    }
  | { kind: 'drop-column'; table: MyName; column: string }
  /**
   * REPLACE, or INSERT … ON DUPLICATE KEY UPDATE: it changes at most as many existing rows as it
   * writes: `values` rows of a VALUES list, or the rows of the SELECT `source`.
   */
  | {
      kind: 'upsert';
      table: MyName;
      values?: number;
      source?: string;
      params: number;
      /** REPLACE: a replaced row is deleted, and what its deletion cascades to with it. */
      replace?: true;
    }
  | { kind: 'lock'; table: MyName; lockLevel: string; columns: string[] };

export type MyRowWise = Extract<MyTarget, { kind: 'delete' | 'update' }>;
export const isRowWise = (t: MyTarget): t is MyRowWise => t.kind === 'delete' || t.kind === 'update';

function myName(dotted: string): MyName {
  const i = dotted.indexOf('.');
  return i < 0 ? { name: dotted } : { schema: dotted.slice(0, i), name: dotted.slice(i + 1) };
}

export const myDisplay = (n: MyName) => (n.schema ? `${n.schema}.${n.name}` : n.name);

/** Top-level tokens: parentheses and everything inside them dropped. */
function topLevel(tokens: Token[]): Token[] {
  let depth = 0;
  const out: Token[] = [];
  for (const t of tokens) {
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0) out.push(t);
  }
  return out;
}

// What a table-copying ALTER costs in MySQL / MariaDB online DDL terms (manual: "Online DDL
// Operations"): a column type change or table rebuild copies the table and blocks writes.
const MYSQL_LOCKS: Record<string, string> = {
  'lock-heavy/alter-column-type': 'SHARED (ALGORITHM=COPY: writes blocked while the table is copied)',
  'lock-heavy/table-rewrite': 'SHARED (ALGORITHM=COPY: writes blocked while the table is copied)',
};
const MYSQL_DEFAULT_LOCK =
  'exclusive metadata lock at start and end; in between as the online DDL algorithm allows';

function alteredTable(tokens: Token[]): MyName | undefined {
  const at = tokens.findIndex((t) => isWord(t, 'TABLE', 'ON'));
  const n = at < 0 ? undefined : readName(tokens, at + 1);
  return n ? myName(n.name) : undefined;
}

/** `server`: which executable comments run (see mysqlEvaluation); every one without it. */
export function mysqlTargets(
  text: string,
  findings: Finding[],
  sqlMode: string | undefined,
  server?: MysqlServer,
): MyTarget[] {
  const tokens = tokenize(text, lexFlags(sqlMode, server)).filter((t) => !isPunct(t, ';'));
  const out: MyTarget[] = [];
  const first = tokens[0]?.upper;
  // A write that is not measured would pass a row threshold unchecked: an unrecognised shape
  // (WITH … DELETE, odd syntax) still yields an estimate, with nothing measured.
  const write = topLevel(tokens).find((t) => isWord(t, 'DELETE', 'UPDATE'));
  if (first === 'DELETE' || first === 'UPDATE' || (first === 'WITH' && write)) {
    const kind = (first === 'WITH' ? write?.upper : first) === 'DELETE' ? 'delete' : 'update';
    const found =
      first === 'WITH'
        ? undefined
        : kind === 'delete'
          ? deleteShape(text, tokens)
          : updateShape(text, tokens);
    out.push(
      found ? { kind, ...found } : { kind, table: { name: '(not recognised)' }, label: '', single: false },
    );
    return out;
  }
  const upsert = upsertTarget(text, tokens);
  if (upsert) return [upsert];
  const lockFindings: string[] = [];
  for (const f of findings) {
    if (f.rule === 'destructive/drop-table' || f.rule === 'destructive/truncate')
      for (const o of f.objects)
        out.push({ kind: f.rule === 'destructive/truncate' ? 'truncate' : 'drop-table', table: myName(o) });
    else if (f.rule === 'destructive/drop-column') {
      const table = alteredTable(tokens);
      const prefix = table ? `${myDisplay(table)}.` : undefined;
      for (const o of f.objects)
        if (table && prefix && o.startsWith(prefix))
          out.push({ kind: 'drop-column', table, column: o.slice(prefix.length) });
    } else if (f.category === 'lock-heavy') lockFindings.push(f.rule);
  }
  const table = lockFindings.length ? alteredTable(tokens) : undefined;
  if (table) {
    const lockLevel = lockFindings.map((r) => MYSQL_LOCKS[r]).find(Boolean) ?? MYSQL_DEFAULT_LOCK;
    out.push({ kind: 'lock', table, lockLevel, columns: [] });
  }
  return out;
}

const params = (toks: Token[]) => toks.filter((t) => t.kind === 'param').length;

const NOT_ALIAS = new Set([
  'ON',
  'USING',
  'JOIN',
  'INNER',
  'CROSS',
  'LEFT',
  'RIGHT',
  'NATURAL',
  'STRAIGHT_JOIN',
  'OUTER',
  'WHERE',
  'SET',
  'PARTITION',
  'USE',
  'FORCE',
  'IGNORE',
  'ORDER',
  'LIMIT',
  'RETURNING',
]);

/** Tables and aliases of a table-reference list between top-level tokens `from` and `to`. */
function references(top: Token[], from: number, to: number): { name: MyName; alias: string }[] {
  const out: { name: MyName; alias: string }[] = [];
  for (let i = from; i < to; i++) {
    if (i !== from && !isPunct(top[i - 1], ',') && !isWord(top[i - 1], 'JOIN', 'STRAIGHT_JOIN')) continue;
    const n = readName(top, i);
    if (!n) continue;
    let j = n.next;
    if (isWord(top[j], 'PARTITION')) j++;
    if (isWord(top[j], 'AS')) j++;
    const a = top[j];
    const alias =
      a && j < to && (a.kind === 'qident' || (a.kind === 'word' && !NOT_ALIAS.has(a.upper)))
        ? a.value
        : undefined;
    const name = myName(n.name);
    out.push({ name, alias: alias ?? name.name });
  }
  return out;
}

/** The SELECT over the rows a write reads: table references from..to, then WHERE up to ORDER/LIMIT. */
function selectOf(text: string, tokens: Token[], top: Token[], from: number, to: number): MySelect {
  const whereAt = top.findIndex((t, i) => i >= to && isWord(t, 'WHERE'));
  const stopAt = top.findIndex((t, i) => i >= to && isWord(t, 'ORDER', 'LIMIT', 'RETURNING'));
  const stop = stopAt >= 0 ? top[stopAt]!.start : text.length;
  const limitAt = top.findIndex((t, i) => i >= to && isWord(t, 'LIMIT'));
  const limitTok = limitAt >= 0 ? top[limitAt + 1] : undefined;
  const fromText = text.slice(top[from - 1]!.end, to < top.length ? top[to]!.start : text.length);
  const whereTok = whereAt >= 0 ? top[whereAt] : undefined;
  const whereText = whereTok ? text.slice(whereTok.end, stop) : undefined;
  const before = whereTok ? params(tokens.filter((t) => t.start < whereTok.start)) : 0;
  const inWhere = whereTok ? params(tokens.filter((t) => t.start > whereTok.start && t.start < stop)) : 0;
  return {
    from: fromText.trim(),
    ...(whereText ? { where: whereText.trim().replace(/;\s*$/, '') } : {}),
    params: { from: before, to: before + inWhere },
    ...(limitTok?.kind === 'number' ? { limit: Number(limitTok.text) } : {}),
    pinned: whereTok
      ? pinnedColumns(
          tokens.filter((t) => t.start > whereTok.start && t.start < stop && !isPunct(t, ';')),
          before,
        )
      : [],
  };
}

/**
 * The columns a WHERE fixes, when it is nothing but `col = value` comparisons joined by AND: a
 * literal (a string without introducer or prefix, whose comparison takes the column's collation),
 * or a placeholder. Anything else (OR, parentheses, functions, COLLATE) pins nothing.
 */
function pinnedColumns(where: Token[], paramsBefore: number): Pinned[] {
  const out: Pinned[] = [];
  let param = paramsBefore;
  let i = 0;
  const value = (t: Token | undefined): Pinned['value'] | undefined =>
    t?.kind === 'number' && /^\d+$/.test(t.text)
      ? 'number'
      : t?.kind === 'string' && !t.prefix
        ? 'string'
        : t?.kind === 'param'
          ? 'param'
          : undefined;
  while (i < where.length) {
    const col = where[i];
    if (col?.kind !== 'word' && col?.kind !== 'qident') return [];
    let name = col.value;
    let j = i + 1;
    // `t.col`: the qualifier is the only table of a single-table write, or it fails on the server.
    if (isPunct(where[j], '.')) {
      const c = where[j + 1];
      if (c?.kind !== 'word' && c?.kind !== 'qident') return [];
      name = c.value;
      j += 2;
    }
    if (where[j]?.kind !== 'op' || where[j]!.text !== '=') return [];
    const v = value(where[j + 1]);
    if (!v) return [];
    out.push(v === 'param' ? { column: name, value: v, param: param++ } : { column: name, value: v });
    i = j + 2;
    if (i === where.length) return out;
    if (!isWord(where[i], 'AND')) return [];
    i++;
  }
  return [];
}

const end = (top: Token[], from: number, ...words: string[]) => {
  const i = top.findIndex((t, j) => j >= from && isWord(t, ...words));
  return i < 0 ? top.length : i;
};

function deleteShape(text: string, tokens: Token[]): Shape | undefined {
  const top = topLevel(tokens);
  let i = 1;
  while (isWord(top[i], 'LOW_PRIORITY', 'QUICK', 'IGNORE')) i++;
  const targetsAt = isWord(top[i], 'FROM') ? i + 1 : i;
  const target = readName(top, targetsAt);
  if (!target) return undefined;
  const using = end(top, targetsAt, 'USING');
  const fromKw = targetsAt === i ? end(top, targetsAt, 'FROM') : top.length;
  const refsAt = using < top.length ? using + 1 : fromKw < top.length ? fromKw + 1 : targetsAt;
  const refsEnd = end(top, refsAt, 'WHERE', 'ORDER', 'LIMIT', 'RETURNING');
  const refs = references(top, refsAt, refsEnd);
  const single =
    refsAt === targetsAt && refs.length === 1 && !top.slice(refsAt, refsEnd).some((t) => isPunct(t, ','));
  return shape(text, tokens, top, refsAt, refsEnd, refs, myName(target.name), single);
}

function updateShape(text: string, tokens: Token[]): Shape | undefined {
  const top = topLevel(tokens);
  let i = 1;
  while (isWord(top[i], 'LOW_PRIORITY', 'IGNORE')) i++;
  const set = end(top, i, 'SET');
  if (set === top.length) return undefined;
  const refs = references(top, i, set);
  const first = refs[0];
  if (!first) return undefined;
  const single = refs.length === 1 && !top.slice(i, set).some((t) => isWord(t, 'JOIN') || isPunct(t, ','));
  // `SET a = …, t.b = …`: the names before each top-level `=` of the list.
  const sets: string[] = [];
  const listEnd = end(top, set, 'WHERE', 'ORDER', 'LIMIT', 'RETURNING');
  for (let j = set + 1; j < listEnd; j++) {
    const t = top[j]!;
    const before = top[j - 1];
    if ((t.kind === 'word' || t.kind === 'qident') && top[j + 1]?.kind === 'op' && top[j + 1]!.text === '=')
      if (j === set + 1 || isPunct(before, ',') || isPunct(before, '.')) sets.push(t.value);
  }
  return { ...shape(text, tokens, top, i, set, refs, first.name, single), sets };
}

interface Shape {
  table: MyName;
  label: string;
  select: MySelect;
  single: boolean;
  sets?: string[];
}

function shape(
  text: string,
  tokens: Token[],
  top: Token[],
  from: number,
  to: number,
  refs: { name: MyName; alias: string }[],
  target: MyName,
  single: boolean,
): Shape {
  // A multi-table DELETE names its targets by alias: find the table behind it.
  const hit =
    refs.find((r) => r.alias === target.name && !target.schema) ??
    refs.find((r) => myDisplay(r.name) === myDisplay(target));
  return {
    table: hit?.name ?? target,
    label: hit?.alias ?? target.name,
    select: selectOf(text, tokens, top, from, to),
    single,
  };
}

/** REPLACE … or INSERT … ON DUPLICATE KEY UPDATE: the table and what it writes. */
function upsertTarget(text: string, tokens: Token[]): MyTarget | undefined {
  const top = topLevel(tokens);
  const replace = isWord(top[0], 'REPLACE');
  const duplicate = top.some((t, i) => isWord(t, 'DUPLICATE') && isWord(top[i - 1], 'ON'));
  if (!replace && !(isWord(top[0], 'INSERT') && duplicate)) return undefined;
  const into = top.findIndex((t) => isWord(t, 'INTO'));
  const n = readName(top, into >= 0 ? into + 1 : 1);
  if (!n) return undefined;
  const table = myName(n.name);
  const params = tokens.filter((t) => t.kind === 'param').length;
  const values = top.findIndex((t) => isWord(t, 'VALUES', 'VALUE'));
  if (values >= 0) {
    // Each row is one parenthesised group: count the groups at the top level after VALUES.
    let rows = 0;
    let depth = 0;
    for (const t of tokens.filter((t) => t.start > top[values]!.start)) {
      if (isPunct(t, '(') && depth++ === 0) rows++;
      else if (isPunct(t, ')')) depth--;
      else if (depth === 0 && isWord(t, 'ON', 'AS')) break;
    }
    return { kind: 'upsert', table, values: rows, params, ...(replace ? { replace } : {}) };
  }
  const select = top.findIndex((t) => isWord(t, 'SELECT'));
  if (select < 0) return { kind: 'upsert', table, params, ...(replace ? { replace } : {}) };
  const end = top.findIndex((t, i) => i > select && isWord(t, 'ON') && isWord(top[i + 1], 'DUPLICATE'));
  const source = text.slice(top[select]!.start, end >= 0 ? top[end]!.start : text.length).trim();
  return {
    kind: 'upsert',
    table,
    source: source.replace(/;\s*$/, ''),
    params,
    ...(replace ? { replace } : {}),
  };
}
