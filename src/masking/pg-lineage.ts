// Column lineage for Postgres result sets, from the real parse tree: for each output column of a
// statement, whether its values derive from a masked column — through expressions, aggregates,
// whole-row references, subqueries, CTEs, views, set operations and `*`. What it cannot follow
// it refuses (the way MaxScale refuses functions over masked columns): masking that guesses leaks.
//
// Out of scope, by design: filters that let a client probe masked values (WHERE email LIKE 'a%'),
// and statements that copy masked values into other tables (INSERT … SELECT, CREATE TABLE AS):
// those return no rows; the copies are masked only if a rule matches where they land.
import type { ColumnMatcher } from './columns.js';
import { parseSync } from './pg-wasm.js';

export interface CatalogRelation {
  kind: 'table' | 'view';
  /** Column names in attnum order (dropped columns left out). */
  columns: readonly string[];
  /** Views: the defining query (pg_get_viewdef). */
  definition?: string;
}

/**
 * What lineage needs from the database, filled by the gateway from catalog queries on a side
 * connection (and refreshed after DDL). Synchronous: lookups come from the gateway's cache.
 */
export interface LineageCatalog {
  /** current_schemas(true): the schemas an unqualified name is looked up in, in order. */
  searchPath: readonly string[];
  relation(schema: string, name: string): CatalogRelation | undefined;
  /** True for functions defined outside pg_catalog and information_schema. */
  isUserFunction(name: string, schema?: string): boolean;
}

export interface OutputColumn {
  name: string;
  masked: boolean;
  /** The masked columns it derives from, as schema.table.column. */
  sources: string[];
}

/** Where a statement uses a masked column other than by selecting it as is. */
export type UsePosition =
  | 'expression'
  | 'function argument'
  | 'predicate'
  | 'join'
  | 'ORDER BY'
  | 'GROUP BY'
  | 'window'
  | 'write elsewhere';

export interface MaskedUse {
  /** schema.table.column */
  column: string;
  position: UsePosition;
}

export interface StatementLineage {
  /** False for statements that return no table data (DDL, SET, EXPLAIN, FETCH, …). */
  returnsRows: boolean;
  /**
   * The statement reads a masked column somewhere (a result column, a predicate, a value it
   * writes …) or has a clause lineage could not follow: whatever else it produces — errors,
   * notices, settings — may carry masked values.
   */
  tainted?: boolean;
  /** Masked columns used other than selected as is (strict mode holds these). */
  uses?: MaskedUse[];
  /** Settings it writes with set_config ('*': a name known only when it runs). */
  writesSettings?: string[];
  /** Settings it reads: current_setting, SHOW, pg_settings ('*': any). */
  readsSettings?: string[];
  /** Every result column counts as masked (it reads a setting a tainted statement wrote). */
  maskAll?: boolean;
  /**
   * One entry per result column, in order, when `exact`. When not exact (a `*` over a relation
   * of unknown width) nothing in the result is masked and the list is partial.
   */
  columns: OutputColumn[];
  exact: boolean;
  anyMasked: boolean;
}

export type LineageResult =
  | { refuse: false; statements: StatementLineage[] }
  | { refuse: true; reason: string };

class Refusal extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: parse-tree nodes are JSON of many shapes
type Node = any;

interface Value {
  masked: boolean;
  sources: string[];
}

interface Col extends Value {
  name: string;
}

/** A relation visible in a FROM clause; `open` = it has columns we cannot list. */
interface Rel {
  name?: string;
  schema?: string;
  cols: Col[];
  open?: Value;
}

/** One FROM item: the relations it makes visible, and what its `*` expands to. */
interface FromItem {
  rels: Rel[];
  star: Col[];
  open?: Value;
}

interface Scope {
  items: FromItem[];
  outer?: Scope;
}

interface Env {
  ctes: Map<string, FromItem>;
  outer?: Scope;
  depth: number;
}

const CLEAR: Value = { masked: false, sources: [] };

// Functions that run SQL given as text, or read tables named by text: lineage cannot follow them.
const SQL_TEXT_FUNCTIONS = new Set([
  'query_to_xml',
  'query_to_xml_and_xmlschema',
  'query_to_xmlschema',
  'table_to_xml',
  'table_to_xml_and_xmlschema',
  'schema_to_xml',
  'schema_to_xml_and_xmlschema',
  'database_to_xml',
  'database_to_xml_and_xmlschema',
  'cursor_to_xml',
  'ts_stat',
  'dblink',
  'dblink_fetch',
  'dblink_get_result',
  'dblink_exec',
]);

// Set-returning functions whose output columns are known.
const SRF_COLUMNS: Record<string, string[]> = {
  json_each: ['key', 'value'],
  jsonb_each: ['key', 'value'],
  json_each_text: ['key', 'value'],
  jsonb_each_text: ['key', 'value'],
};
const SINGLE_COLUMN_SRFS = new Set([
  'generate_series',
  'unnest',
  'regexp_split_to_table',
  'string_to_table',
  'json_array_elements',
  'jsonb_array_elements',
  'json_array_elements_text',
  'jsonb_array_elements_text',
  'json_object_keys',
  'jsonb_object_keys',
  'generate_subscripts',
  'jsonb_path_query',
  'regexp_matches',
]);

// Expression nodes whose value is a combination of their children's values.
const COMBINING = new Set([
  'A_Expr',
  'BoolExpr',
  'TypeCast',
  'CollateClause',
  'NullTest',
  'BooleanTest',
  'CaseExpr',
  'CaseWhen',
  'CoalesceExpr',
  'MinMaxExpr',
  'RowExpr',
  'A_ArrayExpr',
  'A_Indirection',
  'A_Indices',
  'NamedArgExpr',
  'GroupingFunc',
  'SortBy',
  'WindowDef',
  'List',
  'XmlExpr',
  'XmlSerialize',
  'JsonValueExpr',
  'JsonObjectConstructor',
  'JsonArrayConstructor',
  'JsonArrayQueryConstructor',
  'JsonKeyValue',
  'JsonFuncExpr',
  'JsonIsPredicate',
  'JsonParseExpr',
  'JsonScalarExpr',
  'JsonSerializeExpr',
  'JsonObjectAgg',
  'JsonArrayAgg',
  'JsonAggConstructor',
  'JsonOutput',
  'JsonReturning',
  'JsonTablePathSpec',
  'JsonArgument',
  'JsonBehavior',
  'ResTarget',
  'GroupingSet',
]);

// Leaves that never carry a column value.
const CONSTANT = new Set([
  'A_Const',
  'ParamRef',
  'SQLValueFunction',
  'SetToDefault',
  'TypeName',
  'String',
  'Integer',
  'Float',
  'Boolean',
  'BitString',
  'JsonFormat',
  'MergeSupportFunc',
]);

const MAX_DEPTH = 32;

function unwrap(node: Node): [string, Node] {
  const keys = node && typeof node === 'object' ? Object.keys(node) : [];
  if (keys.length !== 1 || !/^[A-Z]/.test(keys[0]!)) throw new Refusal('unexpected parse tree shape');
  return [keys[0]!, node[keys[0]!]];
}

function strings(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => (n.String?.sval ?? (n.A_Star ? '*' : '')) as string);
}

function or(values: Value[]): Value {
  const masked = values.some((v) => v.masked);
  return masked ? { masked, sources: [...new Set(values.flatMap((v) => v.sources))] } : CLEAR;
}

const viewCache = new Map<string, Node>();

function parseView(definition: string): Node {
  let stmt = viewCache.get(definition);
  if (!stmt) {
    const stmts: Node[] = parseSync(definition).stmts ?? [];
    if (stmts.length !== 1 || !stmts[0]?.stmt?.SelectStmt)
      throw new Refusal('view definition is not a single query');
    stmt = stmts[0].stmt.SelectStmt;
    if (viewCache.size >= 512) viewCache.clear();
    viewCache.set(definition, stmt);
  }
  return stmt;
}

type Position = UsePosition | 'selected';

/** Positions a nested expression takes over from: inside a clause, the clause's stays. */
const REPLACEABLE = new Set<Position>(['selected', 'expression', 'function argument']);

// Nodes that group expressions without computing anything: the position goes through unchanged.
const NEUTRAL = new Set(['ResTarget', 'List', 'SortBy', 'NamedArgExpr']);

class Lineage {
  /** Where the expression being walked sits, for strict mode's report. */
  private position: Position = 'selected';
  /** Inside a statement that writes what it reads elsewhere (INSERT … SELECT, UPDATE SET …). */
  private writing = false;
  private uses: MaskedUse[] = [];
  private readMasked = false;
  private uncertain = false;
  private writesSettings: string[] = [];
  private readsSettings: string[] = [];

  constructor(
    private readonly matcher: ColumnMatcher,
    private readonly catalog: LineageCatalog,
  ) {}

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

  /** Runs `fn` with the walk at `position` (a write's position wins over everything). */
  private at<T>(position: Position, fn: () => T): T {
    const saved = this.position;
    this.position = this.writing ? 'write elsewhere' : position;
    try {
      return fn();
    } finally {
      this.position = saved;
    }
  }

  /** An expression outside the result (a predicate, a join condition, an ordering …). */
  private clause(position: Position, node: Node, scope: Scope, env: Env): void {
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
  private writes<T>(fn: () => T): T {
    const saved = this.writing;
    this.writing = true;
    try {
      return this.at('write elsewhere', fn);
    } finally {
      this.writing = saved;
    }
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

  private star(qualifier: string[], scope: Scope): Col[] {
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

  private fromItem(node: Node, env: Env, scope: Scope): FromItem {
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

  private rangeVar(rv: Node, env: Env): FromItem {
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

  private column(fields: string[], scope: Scope): Col {
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

  /** The position of an operand: a clause's position stays, otherwise the operand's own. */
  private nested(position: UsePosition): Position {
    return REPLACEABLE.has(this.position) ? position : this.position;
  }

  private use(sources: string[], position: Position): void {
    if (position === 'selected') return;
    for (const column of sources) this.uses.push({ column, position });
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

function none(): StatementLineage {
  return { returnsRows: false, columns: [], exact: true, anyMasked: false };
}

const SPREAD = '\u0000*';

function spread(v: Value): Col {
  return { masked: v.masked, sources: v.sources, name: SPREAD };
}

function isSpread(c: Col): boolean {
  return c.name === SPREAD;
}

function result(cols: Col[]): StatementLineage {
  const anyMasked = cols.some((c) => c.masked);
  if (cols.some(isSpread)) {
    if (anyMasked)
      throw new Refusal(
        'result columns over masked data cannot be aligned (`*` over a relation of unknown columns)',
      );
    return { returnsRows: true, columns: cols.filter((c) => !isSpread(c)), exact: false, anyMasked };
  }
  return {
    returnsRows: true,
    columns: cols.map((c) => ({ name: c.name, masked: c.masked, sources: [...new Set(c.sources)] })),
    exact: true,
    anyMasked,
  };
}

function rename(cols: Col[], names: string[]): Col[] {
  return cols.map((c, i) => (names[i] ? { ...c, name: names[i]! } : c));
}

function item(name: string, cols: Col[]): FromItem {
  const known = cols.filter((c) => !isSpread(c));
  const spreads = cols.filter(isSpread);
  const open = spreads.length ? or(spreads) : undefined;
  return { rels: [{ name, cols: known, ...(open ? { open } : {}) }], star: known, ...(open ? { open } : {}) };
}

function aliased(alias: Node, cols: Col[], open?: Value, defaultName?: string): FromItem {
  const named = rename(cols, strings(alias?.colnames));
  const known = named.filter((c) => !isSpread(c));
  const spreads = named.filter(isSpread);
  const allOpen = spreads.length || open ? or([...spreads, open ?? CLEAR]) : undefined;
  const name: string | undefined = alias?.aliasname ?? defaultName;
  return {
    rels: [{ ...(name ? { name } : {}), cols: known, ...(allOpen ? { open: allOpen } : {}) }],
    star: known,
    ...(allOpen ? { open: allOpen } : {}),
  };
}

function derivedName(node: Node): string {
  const [type, body] = unwrap(node);
  if (type === 'ColumnRef') return strings(body.fields).at(-1) ?? '?column?';
  if (type === 'FuncCall') return strings(body.funcname).at(-1) ?? '?column?';
  if (type === 'TypeCast') return derivedName(body.arg);
  if (type === 'A_Indirection') return body.indirection.at(-1)?.String?.sval ?? derivedName(body.arg);
  return '?column?';
}

/** A setting named by a string constant, lower-cased; '*' when the name is computed. */
function settingName(arg: Node): string {
  const sval = arg?.A_Const?.sval?.sval;
  return typeof sval === 'string' ? sval.toLowerCase() : '*';
}

/**
 * For each statement of `sql` (one entry per statement the server runs), which result columns
 * derive from masked columns. `{ refuse: true }` when any statement cannot be judged: the gateway
 * must not run it.
 */
export function maskedOutputs(sql: string, matcher: ColumnMatcher, catalog: LineageCatalog): LineageResult {
  let stmts: Node[];
  try {
    stmts = parseSync(sql).stmts ?? [];
  } catch (err) {
    return { refuse: true, reason: `statement could not be parsed: ${(err as Error).message}` };
  }
  const lineage = new Lineage(matcher, catalog);
  try {
    return {
      refuse: false,
      statements: stmts.map((s) =>
        matcher.empty
          ? { returnsRows: true, columns: [], exact: false, anyMasked: false }
          : lineage.statement(s.stmt),
      ),
    };
  } catch (err) {
    // Anything unexpected in the tree is a statement we do not understand: refuse, never guess.
    const reason =
      err instanceof Refusal
        ? err.message
        : `masking could not follow the statement: ${(err as Error).message}`;
    return { refuse: true, reason };
  }
}
