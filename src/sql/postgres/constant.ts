// Decides whether a WHERE clause is true for every row (1=1, true, 'a'='a', NOT false, x=x,
// x IS NULL OR x IS NOT NULL, … OR true) and folds constant string expressions
// ('DR' || 'OP TABLE t') so EXECUTE of a constant can be analysed as SQL.
// Any decision that read a literal's value marks the tracker literal-sensitive: such a result
// must not be reused for another statement of the same shape with other literals.
import { asList, asNode, nameList, sameTree, str, unwrap } from './nodes.js';

export interface LiteralTracker {
  literalSensitive: boolean;
}

type Value = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'bool'; v: boolean } | { t: 'null' };

const TRUE_WORDS = new Set(['t', 'tr', 'tru', 'true', 'y', 'ye', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['f', 'fa', 'fal', 'fals', 'false', 'n', 'no', 'of', 'off', '0']);

function boolInput(s: string): boolean | undefined {
  const w = s.trim().toLowerCase();
  if (TRUE_WORDS.has(w) && w !== 'o') return true;
  if (FALSE_WORDS.has(w) && w !== 'o') return false;
  return undefined;
}

function constOf(n: Record<string, unknown>, track: LiteralTracker): Value | undefined {
  track.literalSensitive = true;
  if (n.isnull) return { t: 'null' };
  if (n.boolval) return { t: 'bool', v: asNode(n.boolval)?.boolval === true };
  if (n.ival) return { t: 'num', v: Number(asNode(n.ival)?.ival ?? 0) };
  if (n.fval) return { t: 'num', v: Number(str(asNode(n.fval)?.fval) ?? Number.NaN) };
  if (n.sval) return { t: 'str', v: str(asNode(n.sval)?.sval) ?? '' };
  if (n.bsval) return { t: 'str', v: str(asNode(n.bsval)?.bsval) ?? '' };
  return undefined;
}

function castTo(v: Value, type: string): Value | undefined {
  if (v.t === 'null') return v;
  if (type === 'bool' || type === 'boolean') {
    if (v.t === 'bool') return v;
    if (v.t === 'num') return { t: 'bool', v: v.v !== 0 };
    const b = boolInput(v.v);
    return b === undefined ? undefined : { t: 'bool', v: b };
  }
  if (
    ['int2', 'int4', 'int8', 'int', 'integer', 'smallint', 'bigint', 'numeric', 'float4', 'float8'].includes(
      type,
    )
  ) {
    if (v.t === 'num') return v;
    if (v.t === 'str' && v.v.trim() !== '' && Number.isFinite(Number(v.v)))
      return { t: 'num', v: Number(v.v) };
    return undefined;
  }
  if (['text', 'varchar', 'bpchar', 'name'].includes(type)) {
    if (v.t === 'str') return v;
    if (v.t === 'num') return { t: 'str', v: String(v.v) };
    if (v.t === 'bool') return { t: 'str', v: v.v ? 'true' : 'false' };
  }
  return undefined;
}

/** The constant value of an expression, if it has one we can compute. */
function constantValue(node: unknown, track: LiteralTracker): Value | undefined {
  const u = unwrap(node);
  if (!u) return undefined;
  const [type, n] = u;
  switch (type) {
    case 'A_Const':
      return constOf(n, track);
    case 'TypeCast': {
      const v = constantValue(n.arg, track);
      const names = asList(asNode(n.typeName)?.names);
      const last = nameList(names.slice(-1));
      return v && castTo(v, last.toLowerCase());
    }
    case 'A_Expr': {
      if (n.kind !== 'AEXPR_OP') return undefined;
      // `aid = 7` is not constant whatever the 7 is: read no literal unless both sides could be.
      if (!couldBeConstant(n.rexpr) || (n.lexpr !== undefined && !couldBeConstant(n.lexpr))) return undefined;
      const op = nameList(n.name);
      const r = constantValue(n.rexpr, track);
      if (!r) return undefined;
      if (n.lexpr === undefined) {
        if (op === '-' && r.t === 'num') return { t: 'num', v: -r.v };
        if (op === '+' && r.t === 'num') return r;
        return undefined;
      }
      const l = constantValue(n.lexpr, track);
      if (!l) return undefined;
      if (op === '||' && l.t !== 'null' && r.t !== 'null') {
        return { t: 'str', v: display(l) + display(r) };
      }
      if (l.t === 'num' && r.t === 'num') {
        if (op === '+') return { t: 'num', v: l.v + r.v };
        if (op === '-') return { t: 'num', v: l.v - r.v };
        if (op === '*') return { t: 'num', v: l.v * r.v };
      }
      const cmp = compare(op, l, r);
      return cmp === undefined ? undefined : { t: 'bool', v: cmp };
    }
    case 'FuncCall': {
      // concat('DR', 'OP …') folds like ||.
      const fn = nameList(n.funcname)
        .toLowerCase()
        .replace(/^pg_catalog\./, '');
      if (fn !== 'concat') return undefined;
      let out = '';
      for (const a of asList(n.args)) {
        const v = constantValue(a, track);
        if (!v) return undefined;
        if (v.t !== 'null') out += display(v);
      }
      return { t: 'str', v: out };
    }
    case 'CoalesceExpr':
      return firstNonNull(asList(n.args), track);
    case 'CaseExpr': {
      // Only the searched form (CASE WHEN cond THEN …): its branch is known when the conditions are.
      if (n.arg !== undefined) return undefined;
      for (const item of asList(n.args)) {
        const when = asNode(asNode(item)?.CaseWhen);
        const hit = truth(when?.expr, track);
        if (hit === undefined) return undefined;
        if (hit) return constantValue(when?.result, track);
      }
      return n.defresult === undefined ? { t: 'null' } : constantValue(n.defresult, track);
    }
    case 'SubLink': {
      // `(SELECT true)`: a scalar subquery over no table is its one expression.
      if (n.subLinkType !== 'EXPR_SUBLINK') break;
      const sel = asNode(asNode(n.subselect)?.SelectStmt);
      const targets = asList(sel?.targetList);
      if (!sel || sel.fromClause || sel.whereClause || sel.havingClause || targets.length !== 1)
        return undefined;
      return constantValue(asNode(asNode(targets[0])?.ResTarget)?.val, track);
    }
  }
  const b = truth(node, track);
  return b === undefined ? undefined : { t: 'bool', v: b };
}

function firstNonNull(args: unknown[], track: LiteralTracker): Value | undefined {
  for (const a of args) {
    const v = constantValue(a, track);
    if (!v) return undefined;
    if (v.t !== 'null') return v;
  }
  return { t: 'null' };
}

function display(v: Value): string {
  if (v.t === 'null') return '';
  if (v.t === 'bool') return v.v ? 'true' : 'false';
  return String(v.v);
}

function compare(op: string, l: Value, r: Value): boolean | undefined {
  if (l.t === 'null' || r.t === 'null') return undefined;
  let a: number | string | boolean = l.v;
  let b: number | string | boolean = r.v;
  if (l.t !== r.t) {
    // An untyped literal takes the other side's type: '1' = 1, 't' = true.
    const la = l.t === 'str' ? castTo(l, r.t === 'num' ? 'numeric' : r.t === 'bool' ? 'bool' : 'text') : l;
    const rb = r.t === 'str' ? castTo(r, l.t === 'num' ? 'numeric' : l.t === 'bool' ? 'bool' : 'text') : r;
    if (!la || !rb || la.t !== rb.t || la.t === 'null' || rb.t === 'null') return undefined;
    a = la.v;
    b = rb.v;
  }
  switch (op) {
    case '=':
      return a === b;
    case '<>':
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    default:
      return undefined;
  }
}

/**
 * Whether an expression's shape allows a constant value, judged without reading any literal:
 * a column, parameter or non-folding call anywhere makes it depend on rows, whatever the literals.
 */
function couldBeConstant(node: unknown): boolean {
  const u = unwrap(node);
  if (!u) return false;
  const [type, n] = u;
  switch (type) {
    case 'ColumnRef':
    case 'ParamRef':
    case 'SubLink':
      return false;
    case 'TypeCast':
      return couldBeConstant(n.arg);
    case 'CoalesceExpr':
      return asList(n.args).every(couldBeConstant);
    case 'A_Expr':
      return (
        n.kind === 'AEXPR_OP' &&
        couldBeConstant(n.rexpr) &&
        (n.lexpr === undefined || couldBeConstant(n.lexpr))
      );
    case 'FuncCall':
      return (
        nameList(n.funcname)
          .toLowerCase()
          .replace(/^pg_catalog\./, '') === 'concat' && asList(n.args).every(couldBeConstant)
      );
    default:
      return true;
  }
}

/** Both sides are the same expression, free of function calls (which may be volatile). */
function sameDeterministic(a: unknown, b: unknown, track: LiteralTracker): boolean {
  if (a === undefined) return false;
  // Different kinds of node (a column against a literal) differ whatever the literal's value.
  const ua = unwrap(a);
  const ub = unwrap(b);
  if (!ua || !ub || ua[0] !== ub[0]) return false;
  const json = JSON.stringify(a);
  // Comparing trees that hold constants compares the constants' values.
  if (json.includes('"A_Const"')) track.literalSensitive = true;
  return sameTree(a, b) && !json.includes('"FuncCall"');
}

/** True when the condition holds for every row, false when for none, undefined when it depends. */
export function truth(node: unknown, track: LiteralTracker): boolean | undefined {
  const u = unwrap(node);
  if (!u) return undefined;
  const [type, n] = u;
  switch (type) {
    case 'A_Const':
    case 'TypeCast':
    case 'FuncCall':
    case 'CoalesceExpr':
    case 'CaseExpr': {
      const v = constantValue(node, track);
      if (!v) return undefined;
      if (v.t === 'bool') return v.v;
      if (v.t === 'null') return false;
      if (v.t === 'str') return boolInput(v.v);
      return undefined;
    }
    case 'BoolExpr': {
      const args = asList(n.args);
      if (n.boolop === 'NOT_EXPR') {
        const v = truth(args[0], track);
        return v === undefined ? undefined : !v;
      }
      const values = args.map((a) => truth(a, track));
      if (n.boolop === 'AND_EXPR') {
        if (values.some((v) => v === false)) return false;
        return values.every((v) => v === true) ? true : undefined;
      }
      if (values.some((v) => v === true)) return true;
      if (coversNulls(args, track)) return true;
      return values.every((v) => v === false) ? false : undefined;
    }
    case 'A_Expr': {
      const op = nameList(n.name);
      if (n.kind === 'AEXPR_OP') {
        if (sameDeterministic(n.lexpr, n.rexpr, track)) {
          if (op === '=' || op === '<=' || op === '>=') return true;
          if (op === '<>' || op === '!=' || op === '<' || op === '>') return false;
        }
        const v = constantValue(node, track);
        return v?.t === 'bool' ? v.v : undefined;
      }
      if (n.kind === 'AEXPR_NOT_DISTINCT' && sameDeterministic(n.lexpr, n.rexpr, track)) return true;
      if (n.kind === 'AEXPR_DISTINCT' && sameDeterministic(n.lexpr, n.rexpr, track)) return false;
      if (n.kind === 'AEXPR_IN') {
        const list = listItems(n.rexpr);
        if (op === '=' && list.some((x) => sameDeterministic(n.lexpr, x, track))) return true;
        const l = constantValue(n.lexpr, track);
        if (!l) return undefined;
        const hits = list.map((x) => {
          const r = constantValue(x, track);
          return r ? compare('=', l, r) : undefined;
        });
        if (hits.some((h) => h === true)) return op === '=';
        if (hits.every((h) => h === false)) return op !== '=';
        return undefined;
      }
      if (n.kind === 'AEXPR_LIKE' || n.kind === 'AEXPR_ILIKE') {
        const pattern = constantValue(n.rexpr, track);
        if (pattern?.t === 'str' && /^%+$/.test(pattern.v) && (op === '~~' || op === '~~*')) return true;
        return undefined;
      }
      if (n.kind === 'AEXPR_BETWEEN' || n.kind === 'AEXPR_NOT_BETWEEN') {
        const [lo, hi] = listItems(n.rexpr);
        const x = constantValue(n.lexpr, track);
        const a = constantValue(lo, track);
        const b = constantValue(hi, track);
        if (!x || !a || !b) return undefined;
        const inside = compare('>=', x, a) === true && compare('<=', x, b) === true;
        const outside = compare('<', x, a) === true || compare('>', x, b) === true;
        if (!inside && !outside) return undefined;
        return n.kind === 'AEXPR_BETWEEN' ? inside : outside;
      }
      return undefined;
    }
    case 'NullTest': {
      const v = constantValue(n.arg, track);
      if (!v) return undefined;
      const isNull = v.t === 'null';
      return n.nulltesttype === 'IS_NULL' ? isNull : !isNull;
    }
    case 'BooleanTest': {
      const v = truth(n.arg, track);
      if (v === undefined) return undefined;
      switch (n.booltesttype) {
        case 'IS_TRUE':
        case 'IS_NOT_FALSE':
          return v;
        case 'IS_FALSE':
        case 'IS_NOT_TRUE':
          return !v;
        default:
          return undefined;
      }
    }
    case 'SubLink': {
      if (n.subLinkType === 'EXPR_SUBLINK') {
        const v = constantValue(node, track);
        return v?.t === 'bool' ? v.v : v?.t === 'null' ? false : undefined;
      }
      if (n.subLinkType !== 'EXISTS_SUBLINK') return undefined;
      const sel = asNode(asNode(n.subselect)?.SelectStmt);
      if (sel && !sel.fromClause && !sel.whereClause && !sel.havingClause && !sel.limitCount) return true;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Items of a `{List: {items}}` node (or a bare array). */
function listItems(v: unknown): unknown[] {
  return Array.isArray(v) ? v : asList(asNode(asNode(v)?.List)?.items);
}

/** `x IS NULL OR x IS NOT NULL` (for the same x) covers every row. */
function coversNulls(args: unknown[], track: LiteralTracker): boolean {
  const tests = args.map((a) => asNode(asNode(a)?.NullTest)).filter((t) => t !== undefined);
  return tests.some(
    (a) =>
      a.nulltesttype === 'IS_NULL' &&
      tests.some((b) => b.nulltesttype === 'IS_NOT_NULL' && sameDeterministic(a.arg, b.arg, track)),
  );
}

/** The value of a constant string expression ('…', 'a' || 'b', concat(…)), if it is one. */
export function constantString(node: unknown, track: LiteralTracker): string | undefined {
  const v = constantValue(node, track);
  return v?.t === 'str' ? v.v : undefined;
}

/** Whether a subtree reads a column, and whether it holds a bound parameter (`$1`). */
export function references(
  node: unknown,
  out = { column: false, param: false },
): { column: boolean; param: boolean } {
  if (node === null || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const x of node) if (!(out.column && out.param)) references(x, out);
    return out;
  }
  for (const k in node) {
    if (out.column && out.param) break;
    if (k === 'ColumnRef') out.column = true;
    else if (k === 'ParamRef') out.param = true;
    references((node as Record<string, unknown>)[k], out);
  }
  return out;
}

interface Reach {
  /** Some parameter values make the condition true for every row. */
  allTrue: boolean;
  /** Some parameter values make it false for every row. */
  allFalse: boolean;
}

const EITHER: Reach = { allTrue: true, allFalse: true };
const NEITHER: Reach = { allTrue: false, allFalse: false };

/**
 * What parameter values can make of a condition. Only the flags in `need` are computed (the
 * others may read false), so an AND stops at its first part that cannot be true for every row.
 * `known`: the condition's `truth`, when the caller has it already.
 */
function reach(
  node: unknown,
  track: LiteralTracker,
  need: Reach,
  refs = references(node),
  known: { truth: boolean | undefined } | undefined = undefined,
): Reach {
  const u = refs.param ? unwrap(node) : undefined;
  if (u?.[0] === 'BoolExpr') {
    const args = asList(u[1].args);
    if (u[1].boolop === 'NOT_EXPR') {
      const inner = args[0] === undefined ? NEITHER : reach(args[0], track, negate(need));
      return negate(inner);
    }
    const and = u[1].boolop === 'AND_EXPR';
    // AND: true for every row when each part is, false when one is; OR the other way round.
    let every = true;
    let some = false;
    for (const a of args) {
      const r = reach(a, track, need);
      every &&= and ? r.allTrue : r.allFalse;
      some ||= and ? r.allFalse : r.allTrue;
      const wantEvery = and ? need.allTrue : need.allFalse;
      const wantSome = and ? need.allFalse : need.allTrue;
      if ((!wantEvery || !every) && (!wantSome || some)) break;
    }
    return and ? { allTrue: every, allFalse: some } : { allTrue: some, allFalse: every };
  }
  if (u?.[0] === 'BooleanTest') {
    const test = u[1].booltesttype;
    if (test === 'IS_TRUE' || test === 'IS_NOT_FALSE') return reach(u[1].arg, track, need);
    if (test === 'IS_FALSE' || test === 'IS_NOT_TRUE') return negate(reach(u[1].arg, track, negate(need)));
  }
  // Any other part that reads parameters and no column has one value for every row, which is
  // unknown until the statement runs.
  if (refs.param && !refs.column) return EITHER;
  const t = known ? known.truth : truth(node, track);
  return { allTrue: t === true, allFalse: t === false };
}

function negate(r: Reach): Reach {
  return { allTrue: r.allFalse, allFalse: r.allTrue };
}

/**
 * Whether bound parameters alone can make the condition true for every row (`$1`, `$1 = 1`,
 * `$1 IS NULL OR id = $1`): the values are unknown when the statement is judged. Decided from
 * the tree's shape (and literals only where `truth` reads them), so a shape-cached verdict holds.
 * `known` is the condition's `truth`, which the caller has computed.
 */
export function parameterTautology(
  node: unknown,
  known: boolean | undefined,
  track: LiteralTracker,
): boolean {
  if (known === false) return false;
  const refs = references(node);
  return refs.param && reach(node, track, { allTrue: true, allFalse: false }, refs, { truth: known }).allTrue;
}
