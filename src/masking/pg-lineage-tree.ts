// The value model of Postgres column lineage and the parse-tree facts it reads: a value is masked
// or clear with the masked columns it derives from; relations, FROM items and scopes carry such
// values per column; tables of node kinds and functions say how expressions combine them.
// Anything outside them is refused (Refusal), never guessed.

import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import type { StatementLineage } from './pg-lineage.js';
import { parseSync } from './pg-wasm.js';

/** What lineage cannot follow: the statement is refused, not guessed. */
export class Refusal extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_MASKING_REFUSED';
}

// biome-ignore lint/suspicious/noExplicitAny: parse-tree nodes are JSON of many shapes
export type Node = any;

export interface Value {
  masked: boolean;
  sources: string[];
}

export interface Col extends Value {
  name: string;
}

/** A relation visible in a FROM clause; `open` = it has columns we cannot list. */
export interface Rel {
  name?: string;
  schema?: string;
  cols: Col[];
  open?: Value;
}

/** One FROM item: the relations it makes visible, and what its `*` expands to. */
export interface FromItem {
  rels: Rel[];
  star: Col[];
  open?: Value;
}

export interface Scope {
  items: FromItem[];
  outer?: Scope;
}

export interface Env {
  ctes: Map<string, FromItem>;
  outer?: Scope;
  depth: number;
}

export const CLEAR: Value = { masked: false, sources: [] };

// Functions that run SQL given as text, or read tables named by text: lineage cannot follow them.
export const SQL_TEXT_FUNCTIONS = new Set([
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
export const SRF_COLUMNS: Record<string, string[]> = {
  json_each: ['key', 'value'],
  jsonb_each: ['key', 'value'],
  json_each_text: ['key', 'value'],
  jsonb_each_text: ['key', 'value'],
};
export const SINGLE_COLUMN_SRFS = new Set([
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
export const COMBINING = new Set([
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
export const CONSTANT = new Set([
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

export const MAX_DEPTH = 32;

export function unwrap(node: Node): [string, Node] {
  const keys = node && typeof node === 'object' ? Object.keys(node) : [];
  if (keys.length !== 1 || !/^[A-Z]/.test(keys[0]!)) throw new Refusal('unexpected parse tree shape');
  return [keys[0]!, node[keys[0]!]];
}

export function strings(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => (n.String?.sval ?? (n.A_Star ? '*' : '')) as string);
}

export function or(values: Value[]): Value {
  const masked = values.some((v) => v.masked);
  return masked ? { masked, sources: [...new Set(values.flatMap((v) => v.sources))] } : CLEAR;
}

const viewCache = new Map<string, Node>();

export function parseView(definition: string): Node {
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

export function none(): StatementLineage {
  return { returnsRows: false, columns: [], exact: true, anyMasked: false };
}

const SPREAD = '\u0000*';

export function spread(v: Value): Col {
  return { masked: v.masked, sources: v.sources, name: SPREAD };
}

export function isSpread(c: Col): boolean {
  return c.name === SPREAD;
}

export function result(cols: Col[]): StatementLineage {
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

export function rename(cols: Col[], names: string[]): Col[] {
  return cols.map((c, i) => (names[i] ? { ...c, name: names[i]! } : c));
}

export function item(name: string, cols: Col[]): FromItem {
  const known = cols.filter((c) => !isSpread(c));
  const spreads = cols.filter(isSpread);
  const open = spreads.length ? or(spreads) : undefined;
  return { rels: [{ name, cols: known, ...(open ? { open } : {}) }], star: known, ...(open ? { open } : {}) };
}

export function aliased(alias: Node, cols: Col[], open?: Value, defaultName?: string): FromItem {
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

export function derivedName(node: Node): string {
  const [type, body] = unwrap(node);
  if (type === 'ColumnRef') return strings(body.fields).at(-1) ?? '?column?';
  if (type === 'FuncCall') return strings(body.funcname).at(-1) ?? '?column?';
  if (type === 'TypeCast') return derivedName(body.arg);
  if (type === 'A_Indirection') return body.indirection.at(-1)?.String?.sval ?? derivedName(body.arg);
  return '?column?';
}

/** A setting named by a string constant, lower-cased; '*' when the name is computed. */
export function settingName(arg: Node): string {
  const sval = arg?.A_Const?.sval?.sval;
  return typeof sval === 'string' ? sval.toLowerCase() : '*';
}
