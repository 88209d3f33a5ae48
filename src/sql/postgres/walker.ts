// Walks a libpg-query parse tree, every node of it, and collects findings and session effects.
// The walk is generic (every key of every object is visited), and handlers fire on node types
// they know, so a statement nested anywhere — a CTE, COPY (query), a rule action, a PREPARE
// body, EXPLAIN ANALYZE, a trigger — is judged like a top-level one. Code the server runs
// later or builds at run time (DO blocks, function bodies, EXECUTE strings, query_to_xml) is
// parsed and walked too; what cannot be resolved is reported opaque. This module is the
// traversal; the rules, one module per category, are in rules/.
import { type KnownRuleId, RULES } from '../rules.js';
import type { FunctionBody } from '../types.js';
import { DANGEROUS_FUNCTIONS } from './builtins.js';
import { constantString, type LiteralTracker } from './constant.js';
import { asList, asNode, contains, defElems, defFlag, dollarQuote, str, unwrap } from './nodes.js';
import { byteToCharMapper, type PgNode, parsePlpgsql, parseSql, type RawStatement } from './parser.js';
import { PURE_EXTENSIONS } from './pure-builtins.js';
import { waitsForWrite } from './row-scoped.js';
import { HANDLERS } from './rules/index.js';

/** A finding before its location is turned into line and column: `at` is a character offset. */
export interface Pending {
  rule: KnownRuleId;
  objects: string[];
  message: string;
  at: number;
}

/** What a statement does to the session, applied in order after the walk. */
export type Effect =
  | { kind: 'call'; name: string; schema?: string; at: number }
  /** CREATE TRIGGER: later writes to `table` run the function. */
  | { kind: 'trigger'; table: string; name: string; schema?: string; at: number }
  /**
   * A write to `table`: fires the triggers this session created on it, and what the catalog says
   * fires on it (`events`: letters of i(nsert), u(pdate), d(elete), t(runcate); see fired.ts).
   * `only`: the statement said ONLY, so the table's children are not written.
   */
  | { kind: 'write'; table: string; events: string; at: number; only?: true }
  /** A relation named in the statement: a view runs its query, row security its policies. */
  | { kind: 'read'; table: string; at: number }
  | { kind: 'function'; fn: FunctionBody }
  | { kind: 'table'; name: string; temporary: boolean }
  | { kind: 'dropped-table'; name: string }
  | { kind: 'unless-created'; table: string; finding: Pending }
  /** PREPARE: the findings of the prepared text and what running it does (also applied at PREPARE). */
  | { kind: 'prepare'; name: string; findings: Pending[]; effects: Effect[] }
  | { kind: 'execute'; name: string; at: number }
  | { kind: 'deallocate'; name?: string }
  | { kind: 'scs-off' };

const MAX_DEPTH = 8;

const READ_ONLY_TYPES = new Set([
  'SelectStmt',
  'ExplainStmt',
  'VariableShowStmt',
  'VariableSetStmt',
  'TransactionStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'ListenStmt',
  'UnlistenStmt',
  'DiscardStmt',
]);
export const WRITE_NODES = [
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'intoClause',
  'lockingClause',
];

/** Whether a top-level statement reads only (no writes, no locks, no DDL). */
export function isReadOnly(stmt: PgNode): boolean {
  const u = unwrap(stmt);
  if (!u || !READ_ONLY_TYPES.has(u[0])) return false;
  if (u[0] === 'ExplainStmt') {
    // Plain EXPLAIN only plans its statement; EXPLAIN ANALYZE runs it.
    return defFlag(defElems(u[1].options), 'analyze') ? isReadOnly(asNode(u[1].query) ?? {}) : true;
  }
  return !WRITE_NODES.some((t) => contains(u[1], t));
}

/** A rule handler (rules/): `false` stops the walk from descending into the node itself. */
export type Handler = (w: Walker, n: PgNode) => boolean | undefined;

export interface WalkerOptions {
  /** The text the tree was parsed from. */
  sql: string;
  /** Nested walks report every finding at this offset of the outer text. */
  anchor?: number;
  depth?: number;
  /**
   * standard_conforming_strings is (or may be) off where this code runs: the server reads a
   * backslash in nested code (a function or DO body) differently from the parser, so such code
   * is not read.
   */
  scsOff?: boolean;
}

export class Walker implements LiteralTracker {
  readonly findings: Pending[] = [];
  readonly effects: Effect[] = [];
  literalSensitive = false;
  private planOnly = 0;
  private stmtAt = 0;
  private stmtText = '';
  private readonly toChar: (byte: number) => number;
  readonly sql: string;
  readonly anchor: number | undefined;
  readonly depth: number;
  readonly scsOff: boolean;

  constructor(opts: WalkerOptions) {
    this.sql = opts.sql;
    this.anchor = opts.anchor;
    this.depth = opts.depth ?? 0;
    this.scsOff = opts.scsOff === true;
    this.toChar = byteToCharMapper(opts.sql);
  }

  /** Walks one parsed statement; returns its character range in `sql`. */
  statement(raw: RawStatement): { start: number; end: number } {
    const start = this.toChar(raw.stmt_location ?? 0);
    const end = raw.stmt_len ? this.toChar((raw.stmt_location ?? 0) + raw.stmt_len) : this.sql.length;
    this.stmtText = this.sql.slice(start, end);
    this.stmtAt = this.anchor ?? start;
    this.visit(raw.stmt);
    return { start, end };
  }

  at(node?: PgNode): number {
    if (this.anchor !== undefined) return this.anchor;
    const loc = node?.location;
    return typeof loc === 'number' && loc >= 0 ? this.toChar(loc) : this.stmtAt;
  }

  add(rule: KnownRuleId, objects: string[], message: string, at: number): void {
    this.findings.push({ rule, objects: objects.filter(Boolean), message, at });
  }

  visit(node: unknown): void {
    if (Array.isArray(node)) {
      for (const item of node) this.visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const handler = HANDLERS[key];
      if (handler && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        if (this.planOnly > 0 && !PLAN_TIME.has(key)) {
          this.visit(value);
          continue;
        }
        if (handler(this, value as PgNode) === false) continue;
      }
      this.visit(value);
    }
  }

  /** Walks `node` knowing it is only planned, not executed (plain EXPLAIN). */
  planned(node: unknown): void {
    this.planOnly++;
    try {
      this.visit(node);
    } finally {
      this.planOnly--;
    }
  }

  /** Analyses SQL text the server will run (an EXECUTE string, a function body, …). */
  nestedSql(sql: string, at: number, what: string): void {
    if (this.depth >= MAX_DEPTH) {
      this.add('opaque/dynamic-sql', [], `${what} is nested too deeply to analyse`, at);
      return;
    }
    if (this.backslashUnread(sql, at, what)) return;
    let stmts: RawStatement[];
    try {
      stmts = parseSql(sql);
    } catch (err) {
      this.add('opaque/unparseable', [], `${what} cannot be parsed: ${(err as Error).message}`, at);
      return;
    }
    const child = new Walker({ sql, anchor: at, depth: this.depth + 1, scsOff: this.scsOff });
    for (const raw of stmts) child.statement(raw);
    this.absorb(child);
  }

  private absorb(child: Walker): void {
    this.findings.push(...child.findings);
    this.effects.push(...child.effects);
    if (child.literalSensitive) this.literalSensitive = true;
  }

  /** Nested code with a backslash while standard_conforming_strings may be off: reported, not read. */
  private backslashUnread(code: string, at: number, what: string): boolean {
    if (!this.scsOff || !code.includes('\\')) return false;
    this.add(
      'opaque/unparseable',
      [],
      `${what} contains a backslash while standard_conforming_strings is (or may be) off`,
      at,
    );
    return true;
  }

  /** Walks PL/pgSQL: `source` is a complete DO or CREATE FUNCTION statement. */
  plpgsql(source: string, at: number, what: string): void {
    if (this.depth >= MAX_DEPTH) {
      this.add('opaque/dynamic-sql', [], `${what} is nested too deeply to analyse`, at);
      return;
    }
    if (this.backslashUnread(source, at, what)) return;
    let tree: unknown;
    try {
      tree = parsePlpgsql(source);
    } catch (err) {
      this.add('opaque/unparseable', [], `${what} cannot be parsed: ${(err as Error).message}`, at);
      return;
    }
    const funcs = asList(asNode(tree)?.plpgsql_funcs);
    if (funcs.length === 0) {
      this.add('opaque/unparseable', [], `${what} has no PL/pgSQL body the parser could read`, at);
      return;
    }
    this.plpgsqlNode(funcs, '', '', at, what);
  }

  private plpgsqlNode(node: unknown, parentType: string, key: string, at: number, what: string): void {
    if (Array.isArray(node)) {
      for (const item of node) this.plpgsqlNode(item, parentType, key, at, what);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'PLpgSQL_expr') this.plpgsqlExpr(asNode(v) ?? {}, parentType, key, at, what);
      else if (k.startsWith('PLpgSQL_')) this.plpgsqlNode(v, k, '', at, what);
      else this.plpgsqlNode(v, parentType, k, at, what);
    }
  }

  private plpgsqlExpr(expr: PgNode, parentType: string, key: string, at: number, what: string): void {
    const sql = plpgsqlSql(expr, parentType, key);
    if (sql.dynamic) this.dynamicSql(sql.text, at, `EXECUTE in ${what}`);
    else if (sql.kind === 'statement') this.nestedSql(sql.text, at, `a statement in ${what}`);
    else this.nestedSql(sql.text, at, `an ${sql.kind} in ${what}`);
  }

  /** EXECUTE of an expression: a constant string is analysed as SQL, anything else is opaque. */
  private dynamicSql(expression: string, at: number, what: string): void {
    let stmts: RawStatement[];
    try {
      stmts = parseSql(`SELECT ${expression}`);
    } catch (err) {
      this.add('opaque/unparseable', [], `${what} cannot be parsed: ${(err as Error).message}`, at);
      return;
    }
    const select = asNode(asNode(stmts[0]?.stmt)?.SelectStmt);
    const target = asNode(asNode(asList(select?.targetList)[0])?.ResTarget);
    this.literalSensitive = true;
    const sql = stmts.length === 1 ? constantString(target?.val, this) : undefined;
    if (sql !== undefined) this.nestedSql(sql, at, `${what} (a constant string)`);
    else this.add('opaque/dynamic-sql', [], `${what} runs SQL computed at run time`, at);
    // The expression itself runs too (EXECUTE f() calls f).
    this.nestedSql(`SELECT ${expression}`, at, what);
  }

  /** Judges a function's body as the code a call runs. */
  functionBody(fn: FunctionBody, at: number): void {
    const language = fn.language.toLowerCase();
    const what = `function ${fn.schema ? `${fn.schema}.` : ''}${fn.name}()`;
    if (language === 'plpgsql') {
      this.plpgsql(
        fn.definition ??
          `CREATE FUNCTION guardrail_body() RETURNS void LANGUAGE plpgsql AS ${dollarQuote(fn.body)}`,
        at,
        what,
      );
    } else if (language === 'sql') {
      const atomic = fn.definition ? this.atomicBody(fn.definition) : undefined;
      if (atomic !== undefined) {
        const child = new Walker({
          sql: fn.definition!,
          anchor: at,
          depth: this.depth + 1,
          scsOff: this.scsOff,
        });
        child.visit(atomic);
        this.absorb(child);
      } else this.nestedSql(fn.body, at, `the body of ${what}`);
    } else if (language !== 'internal' && language !== 'c') {
      this.add(
        'opaque/procedural-language',
        [fn.name],
        `${what} is written in ${language} and cannot be analysed`,
        at,
      );
    } else if (!(fn.extension && PURE_EXTENSIONS.has(fn.extension)) && !DANGEROUS_FUNCTIONS.has(fn.name)) {
      // Native code has no body to read: only the known extensions' functions are trusted.
      this.add(
        'opaque/procedural-language',
        [fn.name],
        `${what} is native (${language}) code${fn.extension ? ` of extension ${fn.extension}` : ''}, outside the known extensions`,
        at,
      );
    }
  }

  /** Judges the body of a function being replaced, as if called here. */
  replacedBody(fn: FunctionBody, at: number, trigger = false): void {
    const child = new Walker({
      sql: fn.definition ?? fn.body,
      anchor: at,
      depth: this.depth + 1,
      scsOff: this.scsOff,
    });
    child.functionBody(fn, at);
    const prefix = `CREATE OR REPLACE ${fn.name}() (may already run from ${trigger ? 'triggers' : 'defaults or views'}): `;
    for (const p of child.findings)
      if (!trigger || !waitsForWrite(p.rule, RULES[p.rule].category))
        this.findings.push({ ...p, message: prefix + p.message });
    // Only what the body does when it runs; its own definitions are not the session's.
    for (const e of child.effects) if (e.kind === 'call' || e.kind === 'unless-created') this.effects.push(e);
  }

  private atomicBody(definition: string): unknown {
    try {
      const stmt = asNode(asNode(parseSql(definition)[0]?.stmt)?.CreateFunctionStmt);
      return stmt?.sql_body;
    } catch {
      return undefined;
    }
  }

  get statementText(): string {
    return this.stmtText;
  }

  /** Location of a statement node: its target relation when it has one, else the statement. */
  stmtLocation(n: PgNode): number {
    return this.at(asNode(n.relation) ?? undefined);
  }
}

/**
 * The SQL a PL/pgSQL expression runs, as the server plans it: a statement as written, an
 * expression or an assignment's right-hand side as `SELECT …`; EXECUTE's argument is `dynamic`
 * (its text is the expression that computes the SQL).
 */
export function plpgsqlSql(
  expr: PgNode,
  parentType: string,
  key: string,
):
  | { dynamic: true; text: string }
  | { dynamic: false; kind: 'statement' | 'expression' | 'assignment'; text: string } {
  const query = str(expr.query) ?? '';
  if (
    key === 'dynquery' ||
    (key === 'query' && (parentType === 'PLpgSQL_stmt_dynexecute' || parentType === 'PLpgSQL_stmt_dynfors'))
  )
    return { dynamic: true, text: query };
  const mode = typeof expr.parseMode === 'number' ? expr.parseMode : 0;
  if (mode === 0) return { dynamic: false, kind: 'statement', text: query };
  if (mode === 2) return { dynamic: false, kind: 'expression', text: `SELECT ${query}` };
  // Assignment: `target := expression` (or `=`); the target is a variable, not SQL.
  const m = /:=|=/.exec(query);
  return {
    dynamic: false,
    kind: 'assignment',
    text: `SELECT ${m ? query.slice(m.index + m[0].length) : query}`,
  };
}

/** Handlers that still apply under plain EXPLAIN: planning can call functions, nothing else runs. */
const PLAN_TIME = new Set(['FuncCall']);
