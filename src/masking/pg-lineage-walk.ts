// The statement and expression half of the lineage walk (see pg-lineage.ts): what each kind of
// statement returns or copies, SELECT with its CTEs, set operations and clauses, and the lineage
// of every expression, on top of the FROM-clause half it extends (pg-lineage-from.ts).
import type { StatementLineage } from './pg-lineage.js';
import { FromLineage, NEUTRAL } from './pg-lineage-from.js';
import {
  CLEAR,
  COMBINING,
  CONSTANT,
  type Col,
  derivedName,
  type Env,
  type FromItem,
  isSpread,
  item,
  MAX_DEPTH,
  type Node,
  none,
  or,
  Refusal,
  rename,
  result,
  type Scope,
  SQL_TEXT_FUNCTIONS,
  settingName,
  spread,
  strings,
  unwrap,
  type Value,
} from './pg-lineage-tree.js';

export class Lineage extends FromLineage {
  statement(node: Node): StatementLineage {
    this.position = 'selected';
    this.writing = false;
    this.uses = [];
    this.readMasked = this.uncertain = false;
    this.writesSettings = [];
    this.readsSettings = [];
    const l = this.outputs(node);
    const out: StatementLineage = { ...l };
    if (this.readMasked || this.uncertain || l.anyMasked) out.tainted = true;
    if (this.uses.length) out.uses = this.uses;
    if (this.writesSettings.length) out.writesSettings = this.writesSettings;
    if (this.readsSettings.length) out.readsSettings = this.readsSettings;
    return out;
  }

  private outputs(node: Node): StatementLineage {
    const [type, body] = unwrap(node);
    const env: Env = { ctes: new Map(), depth: 0 };
    switch (type) {
      case 'SelectStmt':
        if (!body.intoClause) return result(this.select(body, env));
        this.writes(() => this.select(body, env));
        return none();
      case 'CreateTableAsStmt':
        if (unwrap(body.query)[0] === 'SelectStmt')
          this.writes(() => this.select(unwrap(body.query)[1], env));
        return none();
      case 'DoStmt':
        // Its body reads what it likes and raises what it likes: its notices and errors may carry masked values.
        this.uncertain = true;
        return none();
      case 'VariableShowStmt':
        this.readsSettings.push(String(body.name).toLowerCase());
        return none();
      case 'InsertStmt':
        if (body.selectStmt)
          this.writes(() => this.select(unwrap(body.selectStmt)[1], this.withCtes(body.withClause, env)));
        return this.returning(body, env);
      case 'UpdateStmt':
      case 'DeleteStmt':
        this.writeClauses(body, env);
        return this.returning(body, env);
      case 'MergeStmt':
        return this.returning(body, env);
      case 'CopyStmt':
        if (body.is_from) return none();
        if (body.query) return result(this.select(unwrap(body.query)[1], env));
        return result(this.copyRelation(body));
      case 'DeclareCursorStmt':
      case 'PrepareStmt': {
        const [qtype, query] = unwrap(body.query);
        const cols = qtype === 'SelectStmt' ? this.select(query, env) : this.returning(query, env).columns;
        if (cols.some((c) => c.masked)) {
          throw new Refusal(
            `${type === 'PrepareStmt' ? 'SQL-level PREPARE' : 'a cursor'} over masked columns cannot be masked when its rows are fetched later; use a protocol-level prepared statement or a plain query`,
          );
        }
        return none();
      }
      case 'CallStmt':
        throw new Refusal('CALL of a procedure: masking cannot see which columns its results come from');
      default:
        return none();
    }
  }

  /** UPDATE's SET values (copies) and the WHERE of UPDATE and DELETE (predicates). */
  private writeClauses(body: Node, env: Env): void {
    let scope: Scope;
    let inner: Env;
    try {
      inner = this.withCtes(body.withClause, env);
      const items: FromItem[] = [this.rangeVar(body.relation, inner)];
      for (const from of [...(body.fromClause ?? []), ...(body.usingClause ?? [])])
        items.push(this.fromItem(from, inner, { items }));
      scope = { items, outer: inner.outer };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      this.uncertain = true;
      return;
    }
    for (const t of body.targetList ?? []) {
      try {
        this.writes(() => this.expr(t.ResTarget?.val ?? t, scope, inner));
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        this.uncertain = true;
      }
    }
    this.clause('predicate', body.whereClause, scope, inner);
  }

  private returning(body: Node, env: Env): StatementLineage {
    const targets: Node[] | undefined = body.returningClause?.exprs ?? body.returningList;
    if (!targets?.length) return none();
    const inner = this.withCtes(body.withClause, env);
    const target = this.rangeVar(body.relation, inner);
    const items: FromItem[] = [target];
    // RETURNING old.* / new.* (PG 18) name the target relation too.
    for (const name of ['old', 'new']) items.push({ rels: [{ ...target.rels[0]!, name }], star: [] });
    for (const from of [...(body.fromClause ?? []), ...(body.usingClause ?? [])]) {
      items.push(this.fromItem(from, inner, { items }));
    }
    if (body.sourceRelation) items.push(this.fromItem(body.sourceRelation, inner, { items }));
    return result(this.targets(targets, { items, outer: inner.outer }, inner));
  }

  private copyRelation(body: Node): Col[] {
    const item = this.rangeVar(body.relation, { ctes: new Map(), depth: 0 });
    const names = strings(body.attlist);
    if (names.length === 0) return item.star.length || !item.open ? item.star : [spread(item.open)];
    return names.map((n) => this.column([n], { items: [item] }));
  }

  private withCtes(withClause: Node, env: Env): Env {
    if (!withClause?.ctes?.length) return env;
    const ctes = new Map(env.ctes);
    const inner: Env = { ...env, ctes };
    for (const c of withClause.ctes) {
      const cte = c.CommonTableExpr;
      const name: string = cte.ctename;
      const aliases = strings(cte.aliascolnames);
      const [qtype, query] = unwrap(cte.ctequery);
      const evaluate = (): Col[] =>
        qtype === 'SelectStmt' ? this.select(query, inner) : this.returning(query, inner).columns;
      if (withClause.recursive && qtype === 'SelectStmt' && query.op !== 'SETOP_NONE' && query.larg) {
        // Fixpoint: start from the non-recursive term, re-evaluate until the masked flags settle.
        let cols = rename(this.select(query.larg, inner), aliases);
        for (let round = 0; ; round++) {
          ctes.set(name, item(name, cols));
          const next = rename(evaluate(), aliases);
          if (next.every((c, i) => c.masked === cols[i]?.masked) && next.length === cols.length) break;
          if (round > 8) throw new Refusal(`recursive CTE ${name} does not settle`);
          cols = next.map((c, i) => ({ ...c, ...or([c, cols[i] ?? CLEAR]) }));
        }
      } else {
        ctes.set(name, item(name, rename(evaluate(), aliases)));
      }
    }
    return inner;
  }

  /** Output columns of a SELECT body (may contain spread entries for unknown-width `*`). */
  select(sel: Node, env: Env): Col[] {
    if (env.depth > MAX_DEPTH) throw new Refusal('query nests too deeply to follow');
    const inner = this.withCtes(sel.withClause, { ...env, depth: env.depth + 1 });
    if (sel.op && sel.op !== 'SETOP_NONE') {
      const left = this.select(sel.larg, inner);
      const right = this.select(sel.rarg, inner);
      if (left.length !== right.length || left.some(isSpread) || right.some(isSpread)) {
        if ([...left, ...right].some((c) => c.masked)) {
          throw new Refusal('set operation over masked columns with columns that cannot be aligned');
        }
        return [spread(CLEAR)];
      }
      return left.map((c, i) => ({ name: c.name, ...or([c, right[i]!]) }));
    }
    if (sel.valuesLists) {
      const rows: Value[][] = sel.valuesLists.map((l: Node) =>
        (l.List?.items ?? []).map((e: Node) => this.expr(e, { items: [], outer: inner.outer }, inner)),
      );
      const width = rows[0]?.length ?? 0;
      return Array.from({ length: width }, (_, i) => ({
        name: `column${i + 1}`,
        ...or(rows.map((r) => r[i] ?? CLEAR)),
      }));
    }
    const scope: Scope = { items: [], outer: inner.outer };
    for (const from of sel.fromClause ?? []) scope.items.push(this.fromItem(from, inner, scope));
    const cols = this.targets(sel.targetList ?? [], scope, inner);
    this.clause('predicate', sel.whereClause, scope, inner);
    this.clause('predicate', sel.havingClause, scope, inner);
    this.clause('GROUP BY', sel.groupClause, scope, inner);
    // Plain DISTINCT is a list of one empty node; DISTINCT ON lists expressions.
    this.clause(
      'expression',
      sel.distinctClause?.filter((n: Node) => Object.keys(n ?? {}).length),
      scope,
      inner,
    );
    this.clause('window', sel.windowClause, scope, inner);
    this.clause('expression', [sel.limitCount, sel.limitOffset].filter(Boolean), scope, inner);
    // ORDER BY may name result columns by their output names.
    const outputs: FromItem = { rels: [{ cols }], star: [] };
    this.clause('ORDER BY', sel.sortClause, { items: [...scope.items, outputs], outer: scope.outer }, inner);
    return cols;
  }

  private targets(list: Node[], scope: Scope, env: Env): Col[] {
    const out: Col[] = [];
    for (const t of list) {
      const res = t.ResTarget;
      const ref = res?.val?.ColumnRef;
      const fields = strings(ref?.fields);
      if (ref && fields.at(-1) === '*') {
        out.push(...this.star(fields.slice(0, -1), scope));
        continue;
      }
      const indirection: Node[] | undefined = res?.val?.A_Indirection?.indirection;
      if (indirection?.at(-1)?.A_Star) {
        // (composite).* expands to columns we cannot list one by one.
        out.push(spread(this.expr(res.val.A_Indirection.arg, scope, env)));
        continue;
      }
      const v = this.at(ref ? 'selected' : 'expression', () => this.expr(res.val, scope, env));
      out.push({ ...v, name: res.name ?? derivedName(res.val) });
    }
    return out;
  }

  /** The lineage of an expression: masked when any value it is computed from is masked. */
  expr(node: Node, scope: Scope, env: Env): Value {
    if (node === null || node === undefined) return CLEAR;
    if (Array.isArray(node)) return or(node.map((n) => this.expr(n, scope, env)));
    const [type, body] = unwrap(node);
    if (CONSTANT.has(type)) return CLEAR;
    switch (type) {
      case 'ColumnRef': {
        const { masked, sources } = this.column(strings(body.fields), scope);
        if (masked) {
          this.readMasked = true;
          this.use(sources, this.position);
        }
        return { masked, sources };
      }
      case 'SubLink': {
        const [, query] = unwrap(body.subselect);
        const test = this.expr(body.testexpr, scope, env);
        if (body.subLinkType === 'EXISTS_SUBLINK') {
          this.at('predicate', () => this.select(query, { ...env, outer: scope }));
          return test;
        }
        const cols = this.at('selected', () => this.select(query, { ...env, outer: scope }));
        const v = or([test, ...cols]);
        // Its rows are selected as is inside; what the enclosing expression does with them counts.
        if (v.masked) this.use(v.sources, this.position);
        return v;
      }
      case 'SelectStmt': {
        const v = or(this.at('selected', () => this.select(body, { ...env, outer: scope })));
        if (v.masked) this.use(v.sources, this.position);
        return v;
      }
      case 'FuncCall': {
        const name = strings(body.funcname);
        const fn = name.at(-1)!.toLowerCase();
        if (fn === 'set_config') this.writesSettings.push(settingName(body.args?.[0]));
        else if (fn === 'current_setting') this.readsSettings.push(settingName(body.args?.[0]));
        if (SQL_TEXT_FUNCTIONS.has(fn))
          throw new Refusal(`${fn}() runs SQL given as text; masking cannot follow it`);
        if (this.catalog.isUserFunction(fn, name.length > 1 ? name[0] : undefined)) {
          throw new Refusal(
            `${name.join('.')}() is a user-defined function; masking cannot see which columns it reads`,
          );
        }
        const { over, ...call } = body;
        const v = this.at(this.nested('function argument'), () => this.children(call, scope, env));
        return over ? or([v, this.at(this.nested('window'), () => this.children(over, scope, env))]) : v;
      }
      default:
        if (NEUTRAL.has(type)) return this.children(body, scope, env);
        if (type === 'WindowDef')
          return this.at(this.nested('window'), () => this.children(body, scope, env));
        if (COMBINING.has(type))
          return this.at(this.nested('expression'), () => this.children(body, scope, env));
        throw new Refusal(`expression ${type} is not understood by masking`);
    }
  }

  /** Walks a node's fields: nested nodes are expressions; plain objects (inline structs) are walked. */
  private children(body: Node, scope: Scope, env: Env): Value {
    const values: Value[] = [];
    for (const [key, v] of Object.entries(body)) {
      if (v === null || typeof v !== 'object' || key === 'alias' || key === 'typeName') continue;
      if (Array.isArray(v)) values.push(...v.map((n) => this.expr(n, scope, env)));
      else if (Object.keys(v).length === 1 && /^[A-Z]/.test(Object.keys(v)[0]!))
        values.push(this.expr(v, scope, env));
      else values.push(this.children(v, scope, env));
    }
    return or(values);
  }
}
