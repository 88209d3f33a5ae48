// node-sql-parser behind our lexer: it reads the canonical text (our tokens, re-quoted), so it
// never lexes the original. Its MySQL grammar accepts more real MariaDB DDL than its MariaDB
// grammar (ADD UNIQUE/FOREIGN KEY, DROP PARTITION, CREATE TABLE … AS SELECT); the MariaDB
// grammar is the fallback. Each grammar comes from its own build: the package's index holds all
// of its eighteen (2.5 MB of source, ~5 MiB of heap as a two-byte string, in every gateway).
import mariadbGrammar from 'node-sql-parser/build/mariadb.js';
import mysqlGrammar from 'node-sql-parser/build/mysql.js';

const GRAMMARS = [
  ['MySQL', new mysqlGrammar.Parser()],
  ['MariaDB', new mariadbGrammar.Parser()],
] as const;

export type Ast = Record<string, unknown>;

export type ParseResult = { ok: true; asts: Ast[] } | { ok: false; error: string };

// node-sql-parser costs 100–300 µs a statement. Its result depends only on the canonical text,
// so an exact-text LRU cache is always safe; ORM traffic (with ? placeholders) repeats a lot.
const CACHE_ENTRIES = 4096;
const CACHE_MAX_TEXT = 16 * 1024;
const cache = new Map<string, ParseResult>();

export function parseStatement(canonical: string): ParseResult {
  const hit = cache.get(canonical);
  if (hit) {
    cache.delete(canonical);
    cache.set(canonical, hit);
    return hit;
  }
  const result = parseUncached(canonical);
  if (canonical.length <= CACHE_MAX_TEXT) {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(canonical, result);
  }
  return result;
}

function parseUncached(canonical: string): ParseResult {
  let error = '';
  for (const [database, parser] of GRAMMARS) {
    try {
      const ast = parser.astify(canonical, { database }) as unknown as Ast | Ast[];
      return { ok: true, asts: Array.isArray(ast) ? ast : [ast] };
    } catch (err) {
      error ||= (err as Error).message.split('\n')[0] ?? 'syntax error';
    }
  }
  return { ok: false, error };
}

type Value = { known: true; value: number | string | null } | { known: false };

const UNKNOWN: Value = { known: false };

function num(v: number | string | null): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  const n = Number.parseFloat(v);
  return Number.isNaN(n) ? 0 : n; // MySQL reads a leading number, else 0
}

function truth(v: Value): boolean | null | undefined {
  if (!v.known) return undefined;
  const n = num(v.value);
  return n === null ? null : n !== 0;
}

function sameColumn(a: Ast, b: Ast): boolean {
  return (
    a.type === 'column_ref' &&
    b.type === 'column_ref' &&
    // Column names are case-insensitive in MySQL.
    JSON.stringify([a.table, a.column]).toLowerCase() === JSON.stringify([b.table, b.column]).toLowerCase()
  );
}

function evaluate(e: unknown): Value {
  if (!e || typeof e !== 'object') return UNKNOWN;
  const x = e as Ast;
  switch (x.type) {
    case 'number':
      return { known: true, value: Number(x.value) };
    case 'bool':
      return { known: true, value: x.value ? 1 : 0 };
    case 'null':
      return { known: true, value: null };
    case 'single_quote_string':
    case 'double_quote_string':
    case 'string':
      return { known: true, value: String(x.value) };
    case 'unary_expr': {
      const v = evaluate(x.expr);
      if (x.operator === 'NOT' || x.operator === '!') {
        const t = truth(v);
        return t === undefined ? UNKNOWN : { known: true, value: t === null ? null : t ? 0 : 1 };
      }
      if (x.operator === '-' && v.known) {
        const n = num(v.value);
        return { known: true, value: n === null ? null : -n };
      }
      return UNKNOWN;
    }
    case 'binary_expr':
      return binary(x);
    case 'expr_list': {
      const list = x.value;
      return Array.isArray(list) && list.length === 1 ? evaluate(list[0]) : UNKNOWN;
    }
    case 'function': {
      // node-sql-parser reads `NOT (x)` as a call of a function named NOT.
      const parts = (x.name as { name?: Array<{ value?: string }> } | undefined)?.name;
      const args = (x.args as { value?: unknown[] } | undefined)?.value;
      const fn = parts?.length === 1 ? String(parts[0]?.value).toUpperCase() : '';
      if (fn === 'NOT' && args?.length === 1) {
        const t = truth(evaluate(args[0]));
        return t === undefined ? UNKNOWN : { known: true, value: t === null ? null : t ? 0 : 1 };
      }
      if ((fn === 'COALESCE' || fn === 'IFNULL') && args) return firstNonNull(args);
      if (fn === 'IF' && args?.length === 3) {
        const t = truth(evaluate(args[0]));
        return t === undefined ? UNKNOWN : evaluate(t ? args[1] : args[2]);
      }
      if (fn === 'EXISTS' && args?.length === 1) {
        // EXISTS (SELECT <constants>) with no FROM has its one row.
        const sel = (args[0] as { ast?: Ast } | undefined)?.ast;
        return sel && fromless(sel) ? { known: true, value: 1 } : UNKNOWN;
      }
      return UNKNOWN;
    }
    case 'case': {
      if (x.expr) return UNKNOWN;
      for (const arm of (x.args ?? []) as Ast[]) {
        if (arm.type === 'else') return evaluate(arm.result);
        const t = truth(evaluate(arm.cond));
        if (t === undefined) return UNKNOWN;
        if (t) return evaluate(arm.result);
      }
      return { known: true, value: null };
    }
    default: {
      // A parenthesised scalar subquery with no FROM: `(SELECT 1)` is its one column.
      const sel = x.ast as Ast | undefined;
      const columns = sel?.columns as Array<{ expr?: unknown }> | undefined;
      if (sel && fromless(sel) && Array.isArray(columns) && columns.length === 1)
        return evaluate(columns[0]?.expr);
      return UNKNOWN;
    }
  }
}

function fromless(sel: Ast): boolean {
  const limit = (sel.limit as { value?: unknown[] } | null | undefined)?.value ?? [];
  return sel.type === 'select' && !sel.from && !sel.where && !sel.having && limit.length === 0;
}

function firstNonNull(args: unknown[]): Value {
  for (const a of args) {
    const v = evaluate(a);
    if (!v.known) return UNKNOWN;
    if (v.value !== null) return v;
  }
  return { known: true, value: null };
}

function binary(x: Ast): Value {
  const op = String(x.operator).toUpperCase();
  const left = x.left as Ast;
  const right = x.right as Ast;
  if (op === 'OR' || op === '||') {
    const l = truth(evaluate(left));
    const r = truth(evaluate(right));
    if (l === true || r === true) return { known: true, value: 1 };
    return l === false && r === false ? { known: true, value: 0 } : UNKNOWN;
  }
  if (op === 'AND' || op === '&&') {
    const l = truth(evaluate(left));
    const r = truth(evaluate(right));
    if (l === true && r === true) return { known: true, value: 1 };
    return l === false || r === false ? { known: true, value: 0 } : UNKNOWN;
  }
  if ((op === '=' || op === '<=>' || op === '>=' || op === '<=') && sameColumn(left, right)) {
    // x = x is true for every row where x is not NULL: treat as matching everything.
    return { known: true, value: 1 };
  }
  if (op === 'IS' || op === 'IS NOT') {
    const l = evaluate(left);
    const r = evaluate(right);
    if (!l.known || !r.known) return UNKNOWN;
    const same = r.value === null ? l.value === null : l.value !== null && truth(l) === truth(r);
    return { known: true, value: (op === 'IS') === same ? 1 : 0 };
  }
  if (op === 'BETWEEN' || op === 'NOT BETWEEN') {
    const l = evaluate(left);
    const bounds = (right as { value?: unknown[] } | undefined)?.value;
    if (!l.known || !Array.isArray(bounds) || bounds.length !== 2) return UNKNOWN;
    const lo = evaluate(bounds[0]);
    const hi = evaluate(bounds[1]);
    if (!lo.known || !hi.known) return UNKNOWN;
    const [v, a, b] = [num(l.value), num(lo.value), num(hi.value)];
    if (v === null || a === null || b === null) return { known: true, value: null };
    return { known: true, value: (op === 'BETWEEN') === (v >= a && v <= b) ? 1 : 0 };
  }
  if (op === 'LIKE') {
    // LIKE '%' matches every non-NULL value.
    const pattern = evaluate(right);
    if (pattern.known && typeof pattern.value === 'string' && /^%+$/.test(pattern.value))
      return { known: true, value: 1 };
  }
  if (op === 'XOR') {
    const l = truth(evaluate(left));
    const r = truth(evaluate(right));
    if (l === undefined || r === undefined) return UNKNOWN;
    return { known: true, value: l === null || r === null ? null : l !== r ? 1 : 0 };
  }
  if (op === 'IN' || op === 'NOT IN') {
    const l = evaluate(left);
    const list = (right as { value?: unknown[] } | undefined)?.value;
    if (!l.known || !Array.isArray(list)) return UNKNOWN;
    const values = list.map(evaluate);
    if (values.some((v) => !v.known)) return UNKNOWN;
    const hit = values.some((v) => v.known && num(v.value) === num(l.value));
    return { known: true, value: (op === 'IN') === hit ? 1 : 0 };
  }
  const l = evaluate(left);
  const r = evaluate(right);
  if (!l.known || !r.known) return UNKNOWN;
  if (l.value === null || r.value === null) return { known: true, value: null };
  const bothStrings = typeof l.value === 'string' && typeof r.value === 'string';
  const a = bothStrings ? l.value : num(l.value)!;
  const b = bothStrings ? r.value : num(r.value)!;
  switch (op) {
    case '=':
    case '<=>':
      return { known: true, value: a === b ? 1 : 0 };
    case '!=':
    case '<>':
      return { known: true, value: a !== b ? 1 : 0 };
    case '<':
      return { known: true, value: a < b ? 1 : 0 };
    case '>':
      return { known: true, value: a > b ? 1 : 0 };
    case '<=':
      return { known: true, value: a <= b ? 1 : 0 };
    case '>=':
      return { known: true, value: a >= b ? 1 : 0 };
    case '+':
      return { known: true, value: Number(a) + Number(b) };
    case '-':
      return { known: true, value: Number(a) - Number(b) };
    case '*':
      return { known: true, value: Number(a) * Number(b) };
    default:
      return UNKNOWN;
  }
}

/** A WHERE that is missing or true whatever the row: the statement touches every row. */
export function matchesEveryRow(where: unknown): boolean {
  if (where === null || where === undefined) return true;
  return truth(evaluate(where)) === true;
}

/** Whether a subtree reads a column, and whether it holds a `?` placeholder. */
function references(e: unknown, out = { column: false, param: false }): { column: boolean; param: boolean } {
  if (Array.isArray(e)) {
    for (const x of e) if (!(out.column && out.param)) references(x, out);
  } else if (e !== null && typeof e === 'object') {
    const x = e as Ast;
    if (x.type === 'column_ref') out.column = true;
    else if (x.type === 'origin' && x.value === '?') out.param = true;
    for (const v of Object.values(x)) if (!(out.column && out.param)) references(v, out);
  }
  return out;
}

interface Reach {
  /** Some placeholder values make the condition true for every row. */
  allTrue: boolean;
  /** Some placeholder values make it false (or NULL) for every row. */
  allFalse: boolean;
}

const EITHER: Reach = { allTrue: true, allFalse: true };

function negated(r: Reach): Reach {
  return { allTrue: r.allFalse, allFalse: r.allTrue };
}

function reach(e: unknown, refs = references(e)): Reach {
  const x = (refs.param && e && typeof e === 'object' ? e : {}) as Ast;
  const op = String(x.operator ?? '').toUpperCase();
  if (x.type === 'binary_expr' && ['AND', '&&', 'OR', '||', 'XOR'].includes(op)) {
    const l = reach(x.left);
    const r = reach(x.right);
    if (op === 'XOR')
      return {
        allTrue: (l.allTrue && r.allFalse) || (l.allFalse && r.allTrue),
        allFalse: (l.allTrue && r.allTrue) || (l.allFalse && r.allFalse),
      };
    const and = op === 'AND' || op === '&&';
    return {
      allTrue: and ? l.allTrue && r.allTrue : l.allTrue || r.allTrue,
      allFalse: and ? l.allFalse || r.allFalse : l.allFalse && r.allFalse,
    };
  }
  if (x.type === 'unary_expr' && (op === 'NOT' || op === '!')) return negated(reach(x.expr));
  const args = (x.args as { value?: unknown[] } | undefined)?.value;
  const fn = (x.name as { name?: Array<{ value?: string }> } | undefined)?.name;
  // node-sql-parser reads `NOT (x)` as a call of a function named NOT.
  if (
    x.type === 'function' &&
    fn?.length === 1 &&
    String(fn[0]?.value).toUpperCase() === 'NOT' &&
    args?.length === 1
  )
    return negated(reach(args[0]));
  const list = x.type === 'expr_list' ? x.value : undefined;
  if (Array.isArray(list) && list.length === 1) return reach(list[0]);
  // Any other part that reads placeholders and no column has one value for every row, which is
  // unknown until the statement runs.
  if (refs.param && !refs.column) return EITHER;
  // `col LIKE ?`: the pattern '%' makes it every row, as `binary` judges a literal pattern.
  if (x.type === 'binary_expr' && op === 'LIKE' && references(x.right).param) return EITHER;
  // A call or CASE can pick a placeholder over the column (`IF(?, 1, id = 5)`, as `evaluate` does).
  if (x.type === 'function' || x.type === 'case') return EITHER;
  const t = truth(evaluate(e));
  return { allTrue: t === true, allFalse: t === false || t === null };
}

/**
 * Whether `?` placeholders alone can make the WHERE true for every row (`?`, `? = 1`,
 * `? IS NULL OR id = ?`): their values are unknown when the statement is judged.
 */
/**
 * Whether a WHERE (with `?` for its literals) is an AND of conditions one of which is
 * `column = ?`: whatever the values, such a WHERE reads a column against a value and is never
 * true for every row by itself. The shape cache serves writes only for these, rather than
 * trusting `reach` to know every way a value can widen a condition.
 */
export function pinnedByPlaceholder(where: unknown): boolean {
  const x = (where ?? {}) as Ast;
  const op = String(x.operator ?? '').toUpperCase();
  if (x.type !== 'binary_expr') return false;
  if (op === 'AND' || op === '&&') return pinnedByPlaceholder(x.left) || pinnedByPlaceholder(x.right);
  if (op !== '=') return false;
  const l = x.left as Ast | undefined;
  const r = x.right as Ast | undefined;
  const param = (e: Ast | undefined) => e?.type === 'origin' && e.value === '?';
  const column = (e: Ast | undefined) => e?.type === 'column_ref';
  return (column(l) && param(r)) || (param(l) && column(r));
}

export function placeholderTautology(where: unknown): boolean {
  const refs = references(where);
  return refs.param && reach(where, refs).allTrue;
}

/** Tables named by a DELETE / UPDATE AST, as db.table. */
export function targetTables(ast: Ast): string[] {
  const list = (ast.table ?? []) as Array<{ db?: string | null; table?: string }>;
  return list.filter((t) => t?.table).map((t) => (t.db ? `${t.db}.${t.table}` : String(t.table)));
}
