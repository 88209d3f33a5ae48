// The FROM-clause half of the lineage walk (see pg-lineage.ts): relations, views, subqueries,
// functions and joins become FROM items whose columns carry lineage, and column references are
// looked up in the scopes they make. Also the walk's state (where in the statement an
// expression sits, what it read and wrote), which both halves share; the statement and
// expression half (pg-lineage-walk.ts) extends this class.
import type { ColumnMatcher } from './columns.js';
import type { CatalogRelation, LineageCatalog, MaskedUse, UsePosition } from './pg-lineage.js';
import {
  aliased,
  CLEAR,
  type Col,
  type Env,
  type FromItem,
  isSpread,
  MAX_DEPTH,
  type Node,
  or,
  parseView,
  Refusal,
  type Rel,
  type Scope,
  SINGLE_COLUMN_SRFS,
  SRF_COLUMNS,
  spread,
  strings,
  unwrap,
  type Value,
} from './pg-lineage-tree.js';

type Position = UsePosition | 'selected';

/** Positions a nested expression takes over from: inside a clause, the clause's stays. */
const REPLACEABLE = new Set<Position>(['selected', 'expression', 'function argument']);

// Nodes that group expressions without computing anything: the position goes through unchanged.
export const NEUTRAL = new Set(['ResTarget', 'List', 'SortBy', 'NamedArgExpr']);

export abstract class FromLineage {
  /** Where the expression being walked sits, for strict mode's report. */
  protected position: Position = 'selected';
  /** Inside a statement that writes what it reads elsewhere (INSERT … SELECT, UPDATE SET …). */
  protected writing = false;
  protected uses: MaskedUse[] = [];
  protected readMasked = false;
  protected uncertain = false;
  protected writesSettings: string[] = [];
  protected readsSettings: string[] = [];

  constructor(
    protected readonly matcher: ColumnMatcher,
    protected readonly catalog: LineageCatalog,
  ) {}

  /** Output columns of a SELECT body (pg-lineage-walk.ts). */
  abstract select(sel: Node, env: Env): Col[];
  /** The lineage of an expression (pg-lineage-walk.ts). */
  abstract expr(node: Node, scope: Scope, env: Env): Value;

  /** Runs `fn` with the walk at `position` (a write's position wins over everything). */
  protected at<T>(position: Position, fn: () => T): T {
    const saved = this.position;
    this.position = this.writing ? 'write elsewhere' : position;
    try {
      return fn();
    } finally {
      this.position = saved;
    }
  }

  /** An expression outside the result (a predicate, a join condition, an ordering …). */
  protected clause(position: Position, node: Node, scope: Scope, env: Env): void {
    if (node === null || node === undefined) return;
    try {
      this.at(position, () => this.expr(node, scope, env));
    } catch (err) {
      // Not followed, so not known to be clear: the statement counts as reading masked data.
      if (!(err instanceof Refusal)) throw err;
      this.uncertain = true;
    }
  }

  /** Everything the statement writes is a copy of what it reads. */
  protected writes<T>(fn: () => T): T {
    const saved = this.writing;
    this.writing = true;
    try {
      return this.at('write elsewhere', fn);
    } finally {
      this.writing = saved;
    }
  }

  protected star(qualifier: string[], scope: Scope): Col[] {
    if (qualifier.length === 0) {
      if (scope.items.length === 0) throw new Refusal('SELECT * without FROM');
      return scope.items.flatMap((i) => (i.open ? [...i.star, spread(i.open)] : i.star));
    }
    const rel = this.findRel(qualifier, scope);
    if (!rel) throw new Refusal(`relation ${qualifier.join('.')} is not in the query`);
    return rel.open ? [...rel.cols, spread(rel.open)] : rel.cols;
  }

  private findRel(qualifier: string[], scope: Scope | undefined): Rel | undefined {
    const name = qualifier.at(-1);
    const schema = qualifier.length > 1 ? qualifier.at(-2) : undefined;
    for (let s = scope; s; s = s.outer) {
      for (const item of s.items) {
        const rel = item.rels.find((r) => r.name === name && (!schema || r.schema === schema));
        if (rel) return rel;
      }
    }
    return undefined;
  }

  protected fromItem(node: Node, env: Env, scope: Scope): FromItem {
    const [type, body] = unwrap(node);
    switch (type) {
      case 'RangeVar':
        return this.rangeVar(body, env);
      case 'RangeTableSample':
        return this.fromItem(body.relation, env, scope);
      case 'RangeSubselect': {
        const [qtype, query] = unwrap(body.subquery);
        if (qtype !== 'SelectStmt') throw new Refusal(`subquery of kind ${qtype} is not understood`);
        const cols = this.select(query, { ...env, outer: scope });
        return aliased(body.alias, cols);
      }
      case 'RangeFunction':
        return this.rangeFunction(body, env, scope);
      case 'JoinExpr':
        return this.join(body, env, scope);
      case 'RangeTableFunc':
      case 'JsonTable': {
        const v = this.expr(
          [body.docexpr, body.rowexpr, body.context_item, body.passing].filter(Boolean),
          scope,
          env,
        );
        if (v.masked) throw new Refusal(`${type} over masked columns is not understood`);
        const names: string[] = (body.columns ?? []).map(
          (c: Node) => c.RangeTableFuncCol?.colname ?? c.JsonTableColumn?.name ?? '?column?',
        );
        return aliased(
          body.alias,
          names.map((name) => ({ name, ...CLEAR })),
        );
      }
      default:
        throw new Refusal(`FROM item ${type} is not understood`);
    }
  }

  protected rangeVar(rv: Node, env: Env): FromItem {
    const name: string = rv.relname;
    if (name === 'pg_settings' && (!rv.schemaname || rv.schemaname === 'pg_catalog'))
      this.readsSettings.push('*');
    const alias = rv.alias;
    if (!rv.schemaname && env.ctes.has(name)) {
      const cte = env.ctes.get(name)!;
      return aliased(alias, cte.star, cte.open, name);
    }
    const schemas = rv.schemaname ? [rv.schemaname as string] : this.catalog.searchPath;
    for (const schema of schemas) {
      const relation = this.catalog.relation(schema, name);
      if (!relation) continue;
      const cols =
        relation.kind === 'view'
          ? this.view(schema, name, relation, env)
          : relation.columns.map((c) => this.tableColumn(schema, name, c));
      const item = aliased(alias, cols, undefined, name);
      for (const r of item.rels) if (!alias) r.schema = schema;
      return item;
    }
    if (schemas.some((s) => this.matcher.mayMatchTable(s, name))) {
      throw new Refusal(
        `relation ${rv.schemaname ? `${rv.schemaname}.` : ''}${name} is not in the masking catalog`,
      );
    }
    return aliased(alias, [], CLEAR, name);
  }

  private tableColumn(schema: string, table: string, column: string): Col {
    const masked = this.matcher.matches(schema, table, column);
    return { name: column, masked, sources: masked ? [`${schema}.${table}.${column}`] : [] };
  }

  private view(schema: string, name: string, relation: CatalogRelation, env: Env): Col[] {
    if (!relation.definition) throw new Refusal(`view ${schema}.${name} has no definition in the catalog`);
    if (env.depth > MAX_DEPTH) throw new Refusal(`views nest too deeply (at ${schema}.${name})`);
    const cols = this.select(parseView(relation.definition), { ctes: new Map(), depth: env.depth + 1 });
    if (cols.some(isSpread) || cols.length !== relation.columns.length) {
      if (cols.some((c) => c.masked))
        throw new Refusal(`columns of view ${schema}.${name} cannot be aligned`);
      return relation.columns.map((c) => this.tableColumn(schema, name, c));
    }
    return relation.columns.map((c, i) => {
      const own = this.tableColumn(schema, name, c);
      return { name: c, ...or([own, cols[i]!]) };
    });
  }

  private rangeFunction(body: Node, env: Env, scope: Scope): FromItem {
    const cols: Col[] = [];
    let open: Value | undefined;
    const defs: Node[] | undefined = body.coldeflist;
    for (const f of body.functions ?? []) {
      const [call, coldefs] = f.List?.items ?? [];
      const v = this.expr(call, scope, env);
      const fn = unwrap(call)[0] === 'FuncCall' ? strings(call.FuncCall.funcname).at(-1)! : '';
      const own: Node[] | undefined =
        coldefs?.List?.items ?? (body.functions.length === 1 ? defs : undefined);
      if (own?.length)
        cols.push(...own.map((d: Node) => ({ name: d.ColumnDef?.colname ?? '?column?', ...v })));
      else if (SRF_COLUMNS[fn]) cols.push(...SRF_COLUMNS[fn].map((name) => ({ name, ...v })));
      else if (SINGLE_COLUMN_SRFS.has(fn) || body.alias?.colnames?.length === 1)
        cols.push({ name: fn, ...v });
      else open = open ? or([open, v]) : v;
    }
    if (body.ordinality && !open) cols.push({ name: 'ordinality', ...CLEAR });
    // A single-column function result is named after the alias, as Postgres does.
    if (cols.length === 1 && body.alias && !body.alias.colnames && !open)
      cols[0]!.name = body.alias.aliasname;
    return aliased(body.alias, cols, open);
  }

  private join(body: Node, env: Env, scope: Scope): FromItem {
    const left = this.fromItem(body.larg, env, scope);
    const right = this.fromItem(body.rarg, env, { items: [...scope.items, left], outer: scope.outer });
    let using = strings(body.usingClause);
    if (body.isNatural) {
      const rightNames = new Set(right.star.map((c) => c.name));
      using = left.star.map((c) => c.name).filter((n) => rightNames.has(n));
      if (left.open || right.open) {
        if ([...left.star, ...right.star].some((c) => c.masked) || left.open?.masked || right.open?.masked) {
          throw new Refusal('NATURAL JOIN with a relation of unknown columns over masked data');
        }
      }
    }
    const merged: Col[] = using.map((name) => {
      const pick = (side: FromItem): Value => side.star.find((c) => c.name === name) ?? side.open ?? CLEAR;
      return { name, ...or([pick(left), pick(right)]) };
    });
    const rest = (side: FromItem) => side.star.filter((c) => !using.includes(c.name));
    const star = [...merged, ...rest(left), ...rest(right)];
    this.clause('join', body.quals, { items: [...scope.items, left, right], outer: scope.outer }, env);
    if (using.length && [...left.star, ...right.star].some((c) => using.includes(c.name) && c.masked)) {
      this.readMasked = true;
      for (const c of merged) if (c.masked) this.use(c.sources, 'join');
    }
    const open = left.open || right.open ? or([left.open ?? CLEAR, right.open ?? CLEAR]) : undefined;
    if (body.alias) return aliased(body.alias, star, open);
    const rels = [...left.rels, ...right.rels];
    if (merged.length) rels.unshift({ cols: merged });
    if (body.join_using_alias) rels.push({ name: body.join_using_alias.aliasname, cols: merged });
    return { rels, star, ...(open ? { open } : {}) };
  }

  protected column(fields: string[], scope: Scope): Col {
    const name = fields.at(-1)!;
    if (fields.length === 1) {
      for (let s: Scope | undefined = scope; s; s = s.outer) {
        const found = s.items.flatMap((i) => i.rels.flatMap((r) => r.cols.filter((c) => c.name === name)));
        // A relation of unknown columns may have this one too: its lineage joins in (fail closed).
        const open = s.items.flatMap((i) => i.rels.filter((r) => r.open).map((r) => r.open!));
        if (found.length) return { name, ...or([...found, ...open]) };
        // A bare relation name is a whole-row reference: to_jsonb(u), row_to_json(u), (u).email.
        const rel = this.findRel([name], { items: s.items });
        if (rel || open.length) {
          return { name, ...or([...(rel ? [...rel.cols, rel.open ?? CLEAR] : []), ...open]) };
        }
      }
      throw new Refusal(`column ${name} cannot be traced to a relation`);
    }
    const rel = this.findRel(fields.slice(0, -1), scope);
    if (!rel) throw new Refusal(`relation ${fields.slice(0, -1).join('.')} is not in the query`);
    if (name === '*') return { name, ...or([...rel.cols, rel.open ?? CLEAR]) };
    const col = rel.cols.find((c) => c.name === name);
    if (col) return col;
    if (rel.open) return { name, ...rel.open };
    throw new Refusal(`column ${fields.join('.')} is not a column of its relation`);
  }

  /** The position of an operand: a clause's position stays, otherwise the operand's own. */
  protected nested(position: UsePosition): Position {
    return REPLACEABLE.has(this.position) ? position : this.position;
  }

  protected use(sources: string[], position: Position): void {
    if (position === 'selected') return;
    for (const column of sources) this.uses.push({ column, position });
  }
}
