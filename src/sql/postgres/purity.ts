// Whether the server may evaluate a statement's expressions for an impact estimate. EXPLAIN
// folds immutable calls while planning and a count evaluates the WHERE, so an estimate runs what
// is being judged: `DELETE FROM t WHERE id > evil()` would call evil() on the side connection,
// and a read-only transaction stops writes, not pg_terminate_backend, advisory locks or dblink.
// A statement is evaluated only when every function it reaches, directly or through the bodies
// of user functions, is an allowlisted built-in or a user function proved to do nothing but read
// and compute. What only the catalog can tell (user-defined operators and types, views, row
// security) is returned for the estimator to check on the side connection before it evaluates.

import { GuardrailError, type GuardrailErrorCode } from '../../errors/guardrail-error.js';
import type { FunctionBody } from '../types.js';
import { asList, asNode, contains, nameList, str } from './nodes.js';
import { type PgNode, parsePlpgsql, parseSql } from './parser.js';
import { PURE_BUILTINS, PURE_EXTENSIONS } from './pure-builtins.js';
import type { BodiesOf } from './session.js';
import { isReadOnly, plpgsqlSql, WRITE_NODES } from './walker.js';

/** How deep user functions may call each other before the proof gives up (unsafe). */
const MAX_DEPTH = 8;

/** PL/pgSQL statements that only compute, branch, loop, read or report. */
const PURE_PLPGSQL = new Set(
  `block assign if case loop while fori fors foreach_a exit return return_next return_query raise
   assert execsql perform getdiag`
    .split(/\s+/)
    .map((s) => `PLpgSQL_stmt_${s}`),
);

export interface Evaluation {
  /** Why the statement must not be evaluated; absent when the checks below are all that is left. */
  unsafe?: string;
  /** Operator names used: none may be user-defined (its function is not proved). */
  operators: string[];
  /** Type names cast to: none may be user-defined (a domain's CHECK, an input function). */
  types: string[];
  /** Relations read (SQL-quoted names): plain tables only (a view evaluates its own expressions). */
  relations: string[];
  /**
   * Built-in names relied on, and fields that could be functions of the row: no user function
   * of that name may exist (overloads could win).
   */
  builtins: string[];
  /** User functions' names no built-in may have (one outside the allowlist could be chosen). */
  unlisted: string[];
  /**
   * User functions proved, with the body proved: the catalog must still hold exactly these
   * bodies for the name (another connection may have replaced one since it was read).
   */
  proved: { name: string; body: string }[];
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

class Check {
  readonly operators = new Set<string>();
  readonly types = new Set<string>();
  readonly relations = new Set<string>();
  readonly builtins = new Set<string>();
  readonly unlisted = new Set<string>();
  readonly proved: { name: string; body: string }[] = [];
  private readonly proving = new Set<FunctionBody>();

  constructor(private readonly bodies: BodiesOf) {}

  /** Throws `Unsafe` at the first thing that may not be evaluated. */
  statements(sql: string, depth: number, mustRead: boolean): void {
    let stmts: ReturnType<typeof parseSql>;
    try {
      stmts = parseSql(sql);
    } catch {
      throw new Unsafe('a statement could not be parsed');
    }
    for (const raw of stmts) {
      if (mustRead && !(raw.stmt.SelectStmt && isReadOnly(raw.stmt)))
        throw new Unsafe('a function it calls does more than read');
      this.node(raw.stmt, depth, ctes(raw.stmt));
    }
  }

  private node(node: unknown, depth: number, ctes: Set<string>): void {
    if (Array.isArray(node)) {
      for (const item of node) this.node(item, depth, ctes);
      return;
    }
    const n = asNode(node);
    if (!n) return;
    for (const [key, value] of Object.entries(n)) {
      const v = asNode(value);
      switch (key) {
        case 'FuncCall':
          if (v) this.call(nameList(v.funcname), depth);
          break;
        case 'A_Expr':
          if (v) this.operator(v.name, v.kind === 'AEXPR_BETWEEN' || v.kind === 'AEXPR_NOT_BETWEEN');
          break;
        case 'SubLink':
          if (v?.operName) this.operator(v.operName, false);
          break;
        case 'SortBy':
          if (v?.useOp) this.operator(v.useOp, false);
          break;
        case 'TypeCast': {
          const names = asList(asNode(asNode(v?.typeName))?.names).map((p) =>
            str(asNode(asNode(p)?.String)?.sval),
          );
          if (names.length === 1 || names[0] !== 'pg_catalog') this.types.add(names[names.length - 1] ?? '');
          break;
        }
        case 'RangeVar':
          if (v) {
            const name = str(v.relname) ?? '';
            const schema = str(v.schemaname);
            if (schema !== undefined || !ctes.has(name))
              this.relations.add(schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name));
          }
          break;
        case 'ColumnRef': {
          // `o.flagged` with no column of that name calls flagged(o): attribute notation.
          const fields = asList(v?.fields);
          const last = str(asNode(asNode(fields[fields.length - 1])?.String)?.sval);
          if (fields.length > 1 && last) this.attribute(last, depth);
          break;
        }
        case 'A_Indirection':
          // `(o).flagged` is the same call through a parenthesised row.
          for (const field of asList(v?.indirection)) {
            const name = str(asNode(asNode(field)?.String)?.sval);
            if (name) this.attribute(name, depth);
          }
          break;
        case 'SetToDefault':
          throw new Unsafe('SET … = DEFAULT evaluates the column default');
        case 'CurrentOfExpr':
          throw new Unsafe('WHERE CURRENT OF reads a cursor');
      }
      this.node(value, depth, ctes);
    }
  }

  private operator(name: unknown, between: boolean): void {
    const parts = asList(name).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? '');
    if (parts.length > 1 && parts[0] !== 'pg_catalog')
      throw new Unsafe(`operator ${parts.join('.')} is not a built-in`);
    const op = parts[parts.length - 1] ?? '';
    if (between) for (const o of ['<', '<=', '>', '>=']) this.operators.add(o);
    else this.operators.add(op);
  }

  call(qualified: string, depth: number): void {
    const parts = qualified.toLowerCase().split('.');
    const name = parts.pop() ?? '';
    const schema = parts.pop();
    const label = qualified || name;
    if (schema === 'pg_catalog') {
      if (!PURE_BUILTINS.has(name)) throw new Unsafe(`${label}() is not known to be free of side effects`);
      return;
    }
    const user = this.bodies(name, schema);
    if (user.length === 0) {
      if (schema !== undefined || !PURE_BUILTINS.has(name))
        throw new Unsafe(`${label}() is not known to be free of side effects`);
      this.builtins.add(name);
      return;
    }
    // Built-in and user overloads alike may be chosen: each must be proved.
    if (schema === undefined && !PURE_BUILTINS.has(name)) this.unlisted.add(name);
    for (const fn of user) this.prove(fn, label, depth + 1);
  }

  /**
   * A field that may be a function of the row: user functions of that name are proved, and
   * without one, none may exist on the server either (the name is most likely a column's).
   */
  private attribute(name: string, depth: number): void {
    const user = this.bodies(name.toLowerCase(), undefined);
    if (user.length === 0) this.builtins.add(name.toLowerCase());
    for (const fn of user) this.prove(fn, name, depth + 1);
  }

  /** A user function: its body must only read and call what is proved in turn. */
  private prove(fn: FunctionBody, label: string, depth: number): void {
    if (this.proving.has(fn)) return; // recursion adds nothing the outer proof does not check
    if (depth > MAX_DEPTH) throw new Unsafe(`calls through ${label}() nest too deeply to prove`);
    this.proving.add(fn);
    this.proved.push({ name: fn.name.toLowerCase(), body: fn.body });
    try {
      const language = fn.language.toLowerCase();
      if (language === 'sql') this.sql(fn, depth);
      else if (language === 'plpgsql') this.plpgsql(fn, label, depth);
      else if (language === 'c' || language === 'internal') {
        if (!fn.extension || !PURE_EXTENSIONS.has(fn.extension))
          throw new Unsafe(`${label}() is native code outside the known extensions`);
      } else throw new Unsafe(`${label}() is written in ${language}`);
    } catch (err) {
      throw err instanceof Unsafe ? new Unsafe(`via ${label}(): ${err.message}`) : err;
    } finally {
      this.proving.delete(fn);
    }
  }

  /** A SQL function: its statements as text, or parsed already (BEGIN ATOMIC … END, RETURN …). */
  private sql(fn: FunctionBody, depth: number): void {
    let atomic: unknown;
    try {
      atomic = fn.definition
        ? asNode(asNode(parseSql(fn.definition)[0]?.stmt)?.CreateFunctionStmt)?.sql_body
        : undefined;
    } catch {
      throw new Unsafe(`the definition of ${fn.name}() could not be parsed`);
    }
    if (atomic === undefined) {
      this.statements(fn.body, depth, true);
      return;
    }
    if (WRITE_NODES.some((w) => contains(atomic, w)))
      throw new Unsafe('a function it calls does more than read');
    this.node(atomic, depth, new Set());
  }

  private plpgsql(fn: FunctionBody, label: string, depth: number): void {
    let tree: unknown;
    try {
      tree = parsePlpgsql(
        fn.definition ??
          `CREATE FUNCTION guardrail_body() RETURNS void LANGUAGE plpgsql AS $gr$${fn.body}$gr$`,
      );
    } catch {
      throw new Unsafe(`the body of ${label}() could not be parsed`);
    }
    const walk = (node: unknown, parentType: string, key: string): void => {
      if (Array.isArray(node)) {
        for (const item of node) walk(item, parentType, key);
        return;
      }
      const n = asNode(node);
      if (!n) return;
      for (const [k, v] of Object.entries(n)) {
        if (k === 'PLpgSQL_expr') {
          const sql = plpgsqlSql(asNode(v) ?? {}, parentType, key);
          if (sql.dynamic) throw new Unsafe(`${label}() runs dynamic SQL`);
          this.statements(sql.text, depth, true);
        } else if (k.startsWith('PLpgSQL_stmt_')) {
          if (!PURE_PLPGSQL.has(k)) throw new Unsafe(`${label}() runs ${k.slice(13).toUpperCase()}`);
          walk(v, k, '');
        } else if (k.startsWith('PLpgSQL_')) walk(v, k, '');
        else walk(v, parentType, k);
      }
    };
    walk(asList(asNode(tree)?.plpgsql_funcs), '', '');
  }
}

/** What makes a statement not provably free of side effects; the message says which part. */
class Unsafe extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_NOT_PROVABLY_PURE';
}

/** CTE names anywhere in the statement: a FROM naming one reads no relation. */
function ctes(stmt: PgNode): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const x of node) walk(x);
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (k === 'CommonTableExpr') {
          const name = str(asNode(v)?.ctename);
          if (name) out.add(name);
        }
        walk(v);
      }
  };
  walk(stmt);
  return out;
}

/** What evaluating `sql` (one statement, as the estimator plans and counts it) would run. */
export function evaluation(sql: string, bodies: BodiesOf): Evaluation {
  const check = new Check(bodies);
  let unsafe: string | undefined;
  try {
    check.statements(sql, 0, false);
  } catch (err) {
    if (!(err instanceof Unsafe)) throw err;
    unsafe = err.message;
  }
  return {
    ...(unsafe ? { unsafe } : {}),
    operators: [...check.operators],
    types: [...check.types].filter(Boolean),
    relations: [...check.relations],
    builtins: [...check.builtins],
    unlisted: [...check.unlisted],
    proved: check.proved,
  };
}
