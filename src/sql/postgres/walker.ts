// Walks a libpg-query parse tree, every node of it, and collects findings and session effects.
// The walk is generic (every key of every object is visited), and handlers fire on node types
// they know, so a statement nested anywhere — a CTE, COPY (query), a rule action, a PREPARE
// body, EXPLAIN ANALYZE, a trigger — is judged like a top-level one. Code the server runs
// later or builds at run time (DO blocks, function bodies, EXECUTE strings, query_to_xml) is
// parsed and walked too; what cannot be resolved is reported opaque.
import { type KnownRuleId, RULES } from '../rules.js';
import type { FunctionBody } from '../types.js';
import {
  DANGEROUS_FUNCTIONS,
  IDENTITY_SETTINGS,
  NON_REWRITING_DEFAULTS,
  RISKY_EXTENSIONS,
  sqlTextArguments,
} from './builtins.js';
import { CATALOG_RELATIONS } from './catalog-relations.js';
import { constantString, type LiteralTracker, parameterTautology, references, truth } from './constant.js';
import {
  asList,
  asNode,
  contains,
  defElems,
  defFlag,
  defString,
  nameList,
  objectName,
  rangeVarName,
  roleName,
  str,
  unwrap,
} from './nodes.js';
import { byteToCharMapper, type PgNode, parsePlpgsql, parseSql, type RawStatement } from './parser.js';
import { PURE_EXTENSIONS } from './pure-builtins.js';
import { waitsForWrite } from './row-scoped.js';

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
   */
  | { kind: 'write'; table: string; events: string; at: number }
  /** A relation named in the statement: a view runs its query, row security its policies. */
  | { kind: 'read'; table: string; at: number }
  | { kind: 'function'; fn: FunctionBody }
  | { kind: 'table'; name: string; temporary: boolean }
  | { kind: 'dropped-table'; name: string }
  | { kind: 'unless-created'; table: string; finding: Pending }
  | { kind: 'prepare'; name: string; findings: Pending[] }
  | { kind: 'execute'; name: string; at: number }
  | { kind: 'deallocate'; name?: string }
  | { kind: 'scs-off' };

const MAX_DEPTH = 8;

const DROP_RULES: Record<string, KnownRuleId> = {
  OBJECT_TABLE: 'destructive/drop-table',
  OBJECT_FOREIGN_TABLE: 'destructive/drop-table',
  OBJECT_VIEW: 'destructive/drop-view',
  OBJECT_MATVIEW: 'destructive/drop-view',
  OBJECT_FUNCTION: 'destructive/drop-function',
  OBJECT_PROCEDURE: 'destructive/drop-function',
  OBJECT_ROUTINE: 'destructive/drop-function',
  OBJECT_AGGREGATE: 'destructive/drop-function',
  OBJECT_TYPE: 'destructive/drop-type',
  OBJECT_DOMAIN: 'destructive/drop-type',
  OBJECT_SEQUENCE: 'destructive/drop-sequence',
  OBJECT_INDEX: 'destructive/drop-index',
  OBJECT_SCHEMA: 'destructive/drop-schema',
  // A restrictive policy narrows what the others let through: dropping one widens access.
  OBJECT_POLICY: 'privilege/row-security',
};

/** Object kinds whose SQL spelling differs from the parser's name (DROP <kind> …). */
const DROP_KIND_SQL: Record<string, string> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_TABCONSTRAINT: 'CONSTRAINT',
  OBJECT_LARGEOBJECT: 'LARGE OBJECT',
};

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

function dollarQuote(body: string): string {
  let tag = '$gr$';
  for (let i = 0; body.includes(tag); i++) tag = `$gr${i}$`;
  return `${tag}${body}${tag}`;
}

type Handler = (w: Walker, n: PgNode) => boolean | undefined;

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

/** Renames whose old name running code reads (a table's, a view's, a column's). */
const RENAMED: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_COLUMN: 'column',
};

/** Handlers that still apply under plain EXPLAIN: planning can call functions, nothing else runs. */
const PLAN_TIME = new Set(['FuncCall']);

/** Functions an operator, aggregate or cast runs whenever it is used. */
const DEFINITION_FUNCTIONS = new Set([
  'function',
  'procedure',
  'sfunc',
  'finalfunc',
  'combinefunc',
  'serialfunc',
  'deserialfunc',
  'msfunc',
  'minvfunc',
  'mfinalfunc',
]);

/**
 * `RETURNS trigger`: runs only when a table trigger fires, on a write that is judged then.
 * (Event-trigger functions fire on DDL, which is not followed: they stay judged on replacement.)
 */
function returnsTrigger(n: PgNode): boolean {
  const type = nameList(asNode(n.returnType)?.names).toLowerCase();
  return type === 'trigger' || type === 'pg_catalog.trigger';
}

function callEffect(w: Walker, qualified: string, at: number): void {
  const parts = qualified.split('.');
  const name = (parts.pop() ?? '').toLowerCase();
  const schema = parts.pop();
  w.effects.push({ kind: 'call', name, ...(schema ? { schema } : {}), at });
}

/** Writing the system catalogs (pg_authid, pg_proc, …) edits roles and code directly. */
function catalogWrite(w: Walker, n: PgNode, verb: string): void {
  const rv = asNode(n.relation);
  const schema = str(rv?.schemaname);
  const rel = str(rv?.relname) ?? '';
  if (schema === 'pg_catalog' || (schema === undefined && CATALOG_RELATIONS.has(rel))) {
    w.add(
      'privilege/catalog-write',
      [rangeVarName(rv)],
      `${verb} on system catalog ${rel}`,
      w.stmtLocation(n),
    );
  }
}

/** A write to a table: triggers the session created on it run (see SessionJudge). */
function writes(w: Walker, table: string, at: number, events: string): void {
  if (table) w.effects.push({ kind: 'write', table, events, at });
}

/** CREATE [TEMP] TABLE, CREATE TABLE AS, SELECT INTO: the table and whether it is the session's own. */
function createdTable(relation: unknown): Effect {
  return {
    kind: 'table',
    name: rangeVarName(relation),
    temporary: str(asNode(relation)?.relpersistence) === 't',
  };
}

function whereRule(w: Walker, n: PgNode, rule: KnownRuleId, verb: string): void {
  catalogWrite(w, n, verb);
  const table = rangeVarName(n.relation);
  writes(w, table, w.stmtLocation(n), rule === 'destructive/delete-without-where' ? 'd' : 'u');
  const where = n.whereClause;
  const always = where === undefined ? undefined : truth(where, w);
  if (where === undefined) {
    w.add(rule, [table], `${verb} ${table} without WHERE changes every row`, w.stmtLocation(n));
  } else if (always === true) {
    w.add(
      rule,
      [table],
      `${verb} ${table} with a WHERE that is always true changes every row`,
      w.stmtLocation(n),
    );
  } else if (parameterTautology(where, always, w)) {
    w.add(
      rule,
      [table],
      `${verb} ${table} with a WHERE that bound parameters alone can make true may change every row`,
      w.stmtLocation(n),
    );
  }
}

function dropMessage(kind: string, names: string[], n: PgNode): string {
  const cascade = n.behavior === 'DROP_CASCADE' ? ' CASCADE (drops dependent objects too)' : '';
  return `DROP ${kind} ${names.join(', ')}${cascade}`;
}

function alterTable(w: Walker, n: PgNode): void {
  const table = rangeVarName(n.relation);
  const at = w.stmtLocation(n);
  for (const item of asList(n.cmds)) {
    const cmd = asNode(asNode(item)?.AlterTableCmd);
    if (!cmd) continue;
    const col = str(cmd.name) ?? '';
    const column = col ? `${table}.${col}` : table;
    const def = unwrap(cmd.def);
    switch (cmd.subtype) {
      case 'AT_DropColumn':
        w.add(
          'destructive/drop-column',
          [column],
          `ALTER TABLE ${table} DROP COLUMN ${col} loses its data`,
          at,
        );
        break;
      case 'AT_DropConstraint':
        w.add('destructive/drop-constraint', [table], `ALTER TABLE ${table} DROP CONSTRAINT ${col}`, at);
        break;
      case 'AT_AlterColumnType':
        if (
          def?.[0] === 'ColumnDef' &&
          def[1].raw_default !== undefined &&
          // A `USING` that reads no column discards the old values.
          !references(def[1].raw_default).column
        ) {
          w.add(
            'destructive/drop-column',
            [column],
            `ALTER COLUMN ${col} TYPE … USING an expression of no column replaces every value of ${column}`,
            at,
          );
        }
        lockEffect(
          w,
          'lock-heavy/alter-column-type',
          table,
          `ALTER COLUMN ${col} TYPE rewrites ${table} under an ACCESS EXCLUSIVE lock`,
          at,
        );
        break;
      case 'AT_SetNotNull':
        lockEffect(
          w,
          'lock-heavy/add-not-null',
          table,
          `SET NOT NULL on ${column} scans ${table} under lock`,
          at,
        );
        break;
      case 'AT_AddConstraint':
        if (def?.[0] === 'Constraint') constraint(w, def[1], table, at);
        break;
      case 'AT_AddColumn':
        if (def?.[0] === 'ColumnDef') addColumn(w, def[1], table, at);
        break;
      case 'AT_DropInherit': {
        const parent = rangeVarName(def?.[1]);
        w.add(
          'destructive/drop-partition',
          [table],
          `ALTER TABLE ${table} NO INHERIT ${parent}: its rows disappear from ${parent}`,
          at,
        );
        break;
      }
      case 'AT_SetIdentity':
        if (def?.[0] === 'List' && defElems(def[1].items).has('restart'))
          w.add(
            'destructive/sequence-reset',
            [column],
            `ALTER TABLE ${table} ALTER COLUMN ${col} RESTART moves the identity sequence`,
            at,
          );
        break;
      case 'AT_DetachPartition':
      case 'AT_DetachPartitionFinalize': {
        const part = rangeVarName(asNode(asNode(def?.[1] ?? {})?.name));
        w.add(
          'destructive/drop-partition',
          [part || table],
          `ALTER TABLE ${table} DETACH PARTITION ${part}`,
          at,
        );
        break;
      }
      case 'AT_ChangeOwner':
        w.add('privilege/owner-change', [table], `ALTER ${table} OWNER TO ${roleName(cmd.newowner)}`, at);
        break;
      case 'AT_DisableTrig':
      case 'AT_DisableTrigAll':
      case 'AT_DisableTrigUser':
      case 'AT_DisableRule':
      // ENABLE REPLICA fires only under session_replication_role = replica: off for everyone else.
      case 'AT_EnableReplicaTrig':
      case 'AT_EnableReplicaRule':
        w.add(
          'destructive/disable-integrity',
          [table],
          `ALTER TABLE ${table} ${SUBCOMMAND_SQL[String(cmd.subtype)]}${col ? ` ${col}` : ''} stops it firing`,
          at,
        );
        break;
      case 'AT_DisableRowSecurity':
      case 'AT_NoForceRowSecurity':
        w.add('privilege/row-security', [table], `row level security weakened on ${table}`, at);
        break;
      case 'AT_SetTableSpace':
      case 'AT_SetLogged':
      case 'AT_SetUnLogged':
      case 'AT_SetAccessMethod':
        if (cmd.subtype === 'AT_SetUnLogged')
          // Unlogged: emptied after a crash and never sent to replicas. A table created in this
          // session holds nothing yet, as if created UNLOGGED.
          lockEffect(
            w,
            'destructive/disable-integrity',
            table,
            `SET UNLOGGED: ${table} is emptied after a crash and no longer replicated`,
            at,
          );
        lockEffect(
          w,
          'lock-heavy/table-rewrite',
          table,
          `${SUBCOMMAND_SQL[String(cmd.subtype)]} rewrites ${table}`,
          at,
        );
        break;
      default:
        break;
    }
  }
}

/** ALTER TABLE subcommands as written in SQL (the parser's names are not). */
const SUBCOMMAND_SQL: Record<string, string> = {
  AT_DisableTrig: 'DISABLE TRIGGER',
  AT_DisableTrigAll: 'DISABLE TRIGGER ALL',
  AT_DisableTrigUser: 'DISABLE TRIGGER USER',
  AT_DisableRule: 'DISABLE RULE',
  AT_EnableReplicaTrig: 'ENABLE REPLICA TRIGGER',
  AT_EnableReplicaRule: 'ENABLE REPLICA RULE',
  AT_SetTableSpace: 'SET TABLESPACE',
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
};

function lockEffect(w: Walker, rule: KnownRuleId, table: string, message: string, at: number): void {
  w.effects.push({ kind: 'unless-created', table, finding: { rule, objects: [table], message, at } });
}

function constraint(w: Walker, c: PgNode, table: string, at: number): void {
  const notValid = c.skip_validation === true;
  const name = str(c.conname) ?? '';
  switch (c.contype) {
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
    case 'CONSTR_EXCLUSION':
      if (!c.indexname)
        lockEffect(
          w,
          'lock-heavy/add-unique',
          table,
          `ADD ${name || 'UNIQUE/PRIMARY KEY'} builds an index on ${table} under lock (build it CONCURRENTLY, then ADD … USING INDEX)`,
          at,
        );
      break;
    case 'CONSTR_FOREIGN':
      if (!notValid)
        lockEffect(
          w,
          'lock-heavy/add-foreign-key',
          table,
          `ADD FOREIGN KEY ${name} validates ${table} under lock (add NOT VALID, then VALIDATE)`,
          at,
        );
      break;
    case 'CONSTR_CHECK':
      if (!notValid)
        lockEffect(
          w,
          'lock-heavy/add-check',
          table,
          `ADD CHECK ${name} scans ${table} under lock (add NOT VALID, then VALIDATE)`,
          at,
        );
      break;
    case 'CONSTR_NOTNULL':
      if (!notValid)
        lockEffect(w, 'lock-heavy/add-not-null', table, `ADD NOT NULL scans ${table} under lock`, at);
      break;
    default:
      break;
  }
}

function addColumn(w: Walker, col: PgNode, table: string, at: number): void {
  const type = nameList(asNode(col.typeName)?.names).toLowerCase();
  const name = `${table}.${str(col.colname) ?? ''}`;
  let rewrite = /(^|\.)(small|big)?serial[248]?$/.test(type);
  for (const item of asList(col.constraints)) {
    const c = asNode(asNode(item)?.Constraint);
    if (!c) continue;
    if (c.contype === 'CONSTR_DEFAULT') {
      const calls = collectCalls(c.raw_expr);
      if (calls.some((f) => !NON_REWRITING_DEFAULTS.has(f))) rewrite = true;
    }
    if (c.contype === 'CONSTR_GENERATED' || c.contype === 'CONSTR_IDENTITY') rewrite = true;
    if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE')
      lockEffect(
        w,
        'lock-heavy/add-unique',
        table,
        `ADD COLUMN ${name} with a unique index builds it under lock`,
        at,
      );
  }
  if (rewrite)
    lockEffect(
      w,
      'lock-heavy/table-rewrite',
      table,
      `ADD COLUMN ${name} with a volatile or generated value rewrites ${table}`,
      at,
    );
}

function collectCalls(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) collectCalls(x, out);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'FuncCall') out.push(nameList(asNode(v)?.funcname).toLowerCase().split('.').pop() ?? '');
      collectCalls(v, out);
    }
  }
  return out;
}

/** Any role but `origin` stops foreign-key and ordinary triggers from firing. */
function replicationRole(w: Walker, value: string, at: number): void {
  w.add(
    'destructive/disable-integrity',
    [],
    `session_replication_role = ${value} switches off foreign-key checks and triggers`,
    at,
  );
}

/**
 * A schema searched before pg_catalog can shadow built-in functions, operators and types with its
 * own (`lower`, `=`): every later statement of the session, and of functions it calls, runs them.
 * Left out, pg_catalog is searched first; pg_temp never supplies functions or operators.
 */
function searchPath(w: Walker, schemas: string[] | undefined, at: number): void {
  if (schemas === undefined) {
    w.add('privilege/search-path', [], "set_config('search_path', …) with a computed value", at);
    return;
  }
  const before = schemas
    .slice(0, Math.max(schemas.indexOf('pg_catalog'), 0))
    .filter((s) => s !== '' && !s.startsWith('pg_temp'));
  if (before.length > 0)
    w.add(
      'privilege/search-path',
      before,
      `search_path puts ${before.join(', ')} before pg_catalog: they can shadow built-in functions`,
      at,
    );
}

/** A search_path value as set_config reads it: a comma-separated list of (quoted) names. */
function pathList(value: string): string[] {
  return value.split(',').map((part) => {
    const s = part.trim();
    return s.startsWith('"') && s.endsWith('"') && s.length > 1 ? s.slice(1, -1) : s.toLowerCase();
  });
}

/** `true` / `false` as written (a boolean argument tells overloads of dblink apart). */
function isBooleanConstant(node: unknown): boolean {
  const c = asNode(asNode(node)?.A_Const);
  return c?.boolval !== undefined;
}

function funcCall(w: Walker, n: PgNode): void {
  const parts = asList(n.funcname).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? '');
  const name = (parts[parts.length - 1] ?? '').toLowerCase();
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const at = w.at(n);
  const args = asList(n.args);
  const rule = DANGEROUS_FUNCTIONS.get(name);
  if (rule) w.add(rule, [name], `calls ${name}()`, at);
  if (name === 'set_config') {
    const setting = constantString(args[0], w);
    const key = setting?.trim().toLowerCase();
    const identity = key === undefined ? undefined : IDENTITY_SETTINGS.get(key);
    if (identity)
      w.add(identity, [setting!], `set_config('${setting}', …) changes the session's identity`, at);
    else if (key === 'session_replication_role') {
      const value = constantString(args[1], w);
      if (value?.trim().toLowerCase() !== 'origin') replicationRole(w, value ?? '(computed)', at);
    } else if (key === 'search_path') {
      const value = constantString(args[1], w);
      searchPath(w, value === undefined ? undefined : pathList(value), at);
    } else if (setting === undefined)
      w.add('opaque/dynamic-sql', [], 'set_config() with a computed setting name may change the role', at);
  }
  const sqlArgs = sqlTextArguments(name, args.length, (i) => isBooleanConstant(args[i]));
  if (sqlArgs === 'assembled')
    w.add('opaque/dynamic-sql', [], `${name}() runs a query assembled from its arguments`, at);
  else
    for (const i of sqlArgs ?? []) {
      const sql = constantString(args[i], w);
      if (sql !== undefined) w.nestedSql(sql, at, `the query of ${name}()`);
      else w.add('opaque/dynamic-sql', [], `${name}() runs SQL computed at run time`, at);
    }
  w.effects.push({ kind: 'call', name, ...(schema ? { schema } : {}), at });
}

const HANDLERS: Record<string, Handler> = {
  RangeVar(w, n) {
    w.effects.push({ kind: 'read', table: rangeVarName(n), at: w.at(n) });
    return undefined;
  },
  FuncCall(w, n) {
    funcCall(w, n);
    return undefined;
  },
  CallStmt(w, n) {
    const fc = asNode(n.funccall);
    if (fc && !fc.FuncCall) {
      funcCall(w, fc);
      w.visit(fc.args);
      return false;
    }
    return undefined;
  },
  DeleteStmt(w, n) {
    if (!asNode(n.whereClause)?.CurrentOfExpr)
      whereRule(w, n, 'destructive/delete-without-where', 'DELETE FROM');
    return undefined;
  },
  UpdateStmt(w, n) {
    if (!asNode(n.whereClause)?.CurrentOfExpr) whereRule(w, n, 'destructive/update-without-where', 'UPDATE');
    return undefined;
  },
  InsertStmt(w, n) {
    catalogWrite(w, n, 'INSERT');
    writes(w, rangeVarName(n.relation), w.stmtLocation(n), n.onConflictClause ? 'iu' : 'i');
    return undefined;
  },
  MergeStmt(w, n) {
    catalogWrite(w, n, 'MERGE');
    const table = rangeVarName(n.relation);
    writes(w, table, w.stmtLocation(n), 'iud');
    for (const c of asList(n.mergeWhenClauses)) {
      if (asNode(asNode(c)?.MergeWhenClause)?.commandType === 'CMD_DELETE') {
        w.add(
          'destructive/merge-delete',
          [table],
          `MERGE INTO ${table} … THEN DELETE deletes rows`,
          w.stmtLocation(n),
        );
        break;
      }
    }
    return undefined;
  },
  TruncateStmt(w, n) {
    const tables = asList(n.relations).map(rangeVarName);
    for (const t of tables) writes(w, t, w.at(), 't');
    const cascade = n.behavior === 'DROP_CASCADE' ? ' CASCADE (and every table referencing them)' : '';
    w.add(
      'destructive/truncate',
      tables,
      `TRUNCATE ${tables.join(', ')}${cascade} removes every row`,
      w.at(asNode(asNode(asList(n.relations)[0])?.RangeVar)),
    );
    return undefined;
  },
  DropStmt(w, n) {
    const type = String(n.removeType ?? '');
    const names = asList(n.objects).map(objectName);
    const rule = DROP_RULES[type] ?? 'destructive/drop-other';
    const kind = DROP_KIND_SQL[type] ?? type.replace('OBJECT_', '').replace(/_/g, ' ');
    w.add(rule, names, dropMessage(kind, names, n), w.at());
    if (type === 'OBJECT_TABLE') for (const name of names) w.effects.push({ kind: 'dropped-table', name });
    return undefined;
  },
  DropdbStmt(w, n) {
    const db = str(n.dbname) ?? '';
    w.add('destructive/drop-database', [db], `DROP DATABASE ${db}`, w.at());
    return undefined;
  },
  DropOwnedStmt(w, n) {
    const roles = asList(n.roles).map(roleName);
    w.add(
      'destructive/drop-other',
      roles,
      `DROP OWNED BY ${roles.join(', ')} drops everything they own`,
      w.at(),
    );
    return undefined;
  },
  DropTableSpaceStmt(w, n) {
    w.add('destructive/drop-other', [str(n.tablespacename) ?? ''], 'DROP TABLESPACE', w.at());
    return undefined;
  },
  DropSubscriptionStmt(w, n) {
    w.add('destructive/drop-other', [str(n.subname) ?? ''], 'DROP SUBSCRIPTION', w.at());
    return undefined;
  },
  AlterTableStmt(w, n) {
    alterTable(w, n);
    return undefined;
  },
  IndexStmt(w, n) {
    const table = rangeVarName(n.relation);
    // ON ONLY a partitioned parent builds nothing (inh is false, hence absent).
    if (!n.concurrent && asNode(n.relation)?.inh === true) {
      lockEffect(
        w,
        'lock-heavy/blocking-index',
        table,
        `CREATE INDEX on ${table} without CONCURRENTLY blocks writes while it builds`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  ReindexStmt(w, n) {
    if (!defFlag(defElems(n.params), 'concurrently')) {
      const target = n.relation ? rangeVarName(n.relation) : (str(n.name) ?? '');
      w.add(
        'lock-heavy/blocking-index',
        [target],
        `REINDEX ${target} without CONCURRENTLY blocks writes`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  ClusterStmt(w, n) {
    const table = rangeVarName(n.relation);
    lockEffect(
      w,
      'lock-heavy/table-rewrite',
      table,
      `CLUSTER rewrites ${table || 'every clustered table'} under an ACCESS EXCLUSIVE lock`,
      w.stmtLocation(n),
    );
    return undefined;
  },
  VacuumStmt(w, n) {
    if (n.is_vacuumcmd && defFlag(defElems(n.options), 'full')) {
      const tables = asList(n.rels).map((r) => rangeVarName(asNode(asNode(r)?.VacuumRelation)?.relation));
      w.add(
        'lock-heavy/table-rewrite',
        tables,
        `VACUUM FULL rewrites ${tables.join(', ') || 'every table'} under an ACCESS EXCLUSIVE lock`,
        w.at(),
      );
    }
    return undefined;
  },
  CreateStmt(w, n) {
    if (!n.if_not_exists) w.effects.push(createdTable(n.relation));
    return undefined;
  },
  CreateTableAsStmt(w, n) {
    if (!n.if_not_exists) w.effects.push(createdTable(asNode(n.into)?.rel));
    return undefined;
  },
  SelectStmt(w, n) {
    const into = asNode(n.intoClause);
    if (into) w.effects.push(createdTable(into.rel));
    return undefined;
  },
  CopyStmt(w, n) {
    const table = n.relation ? rangeVarName(n.relation) : '(query)';
    const file = str(n.filename);
    const dir = n.is_from ? 'FROM' : 'TO';
    if (n.is_from) writes(w, table, w.stmtLocation(n), 'i');
    if (n.is_program) {
      w.literalSensitive = true;
      w.add(
        'exfiltration/copy-program',
        [table],
        `COPY ${table} ${dir} PROGRAM runs a shell command on the database host`,
        w.stmtLocation(n),
      );
    } else if (file !== undefined) {
      w.literalSensitive = true;
      w.add(
        'exfiltration/server-file',
        [table],
        `COPY ${table} ${dir} '${file}' accesses a file on the database host`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  ExplainStmt(w, n) {
    if (defFlag(defElems(n.options), 'analyze')) return undefined;
    w.planned(n.query);
    return false;
  },
  VariableSetStmt(w, n) {
    const name = String(n.name ?? '').toLowerCase();
    if (n.kind !== 'VAR_SET_VALUE') return undefined;
    const value = asList(n.args)
      .map((a) => str(asNode(asNode(asNode(a)?.A_Const)?.sval)?.sval) ?? '')
      .join(',');
    if (name === 'role') {
      w.literalSensitive = true;
      if (value.toLowerCase() !== 'none') w.add('privilege/set-role', [value], `SET ROLE ${value}`, w.at(n));
    } else if (name === 'session_authorization') {
      // The user may be a string literal ('postgres'): the finding's object is its value.
      w.literalSensitive = true;
      w.add('privilege/session-authorization', [value], `SET SESSION AUTHORIZATION ${value}`, w.at(n));
    } else if (name === 'session_replication_role') {
      w.literalSensitive = true;
      if (value.toLowerCase() !== 'origin') replicationRole(w, value, w.at(n));
    } else if (name === 'search_path') {
      w.literalSensitive = true;
      searchPath(
        w,
        asList(n.args).map((a) => str(asNode(asNode(asNode(a)?.A_Const)?.sval)?.sval) ?? ''),
        w.at(n),
      );
    } else if (name === 'standard_conforming_strings') {
      w.literalSensitive = true;
      if (!['on', 'true', 'yes', '1'].includes(value.toLowerCase())) w.effects.push({ kind: 'scs-off' });
    }
    return undefined;
  },
  GrantStmt(w, n) {
    const objects = asList(n.objects).map(objectName);
    const grantees = asList(n.grantees).map(roleName);
    const verb = n.is_grant ? 'GRANT' : 'REVOKE';
    w.add(
      n.is_grant ? 'privilege/grant' : 'privilege/revoke',
      objects,
      `${verb} on ${objects.join(', ') || String(n.objtype ?? '')} ${n.is_grant ? 'to' : 'from'} ${grantees.join(', ')}`,
      w.at(),
    );
    return undefined;
  },
  GrantRoleStmt(w, n) {
    const roles = asList(n.granted_roles).map((r) => str(asNode(asNode(r)?.AccessPriv)?.priv_name) ?? '');
    const grantees = asList(n.grantee_roles).map(roleName);
    const verb = n.is_grant ? 'GRANT' : 'REVOKE';
    w.add(
      n.is_grant ? 'privilege/grant' : 'privilege/revoke',
      roles,
      `${verb} role ${roles.join(', ')} ${n.is_grant ? 'to' : 'from'} ${grantees.join(', ')}`,
      w.at(),
    );
    return undefined;
  },
  CreateRoleStmt(w, n) {
    w.add('privilege/role-change', [str(n.role) ?? ''], `CREATE ROLE ${str(n.role) ?? ''}`, w.at());
    return undefined;
  },
  AlterRoleStmt(w, n) {
    const role = roleName(n.role);
    w.add('privilege/role-change', [role], `ALTER ROLE ${role}`, w.at());
    return undefined;
  },
  AlterRoleSetStmt(w, n) {
    const role = roleName(n.role);
    w.add('privilege/role-change', [role], `ALTER ROLE ${role} SET …`, w.at());
    return undefined;
  },
  DropRoleStmt(w, n) {
    const roles = asList(n.roles).map(roleName);
    w.add('privilege/role-change', roles, `DROP ROLE ${roles.join(', ')}`, w.at());
    return undefined;
  },
  RenameStmt(w, n) {
    const what = RENAMED[String(n.renameType)];
    if (what) {
      // Every reader of the old name breaks at once; a table this session created has none yet.
      const table = rangeVarName(n.relation);
      const column = what === 'column' ? (str(n.subname) ?? '') : undefined;
      const name = column === undefined ? table : `${table}.${column}`;
      w.effects.push({
        kind: 'unless-created',
        table,
        finding: {
          rule: 'destructive/rename',
          objects: [name],
          message: `renames ${what} ${name} to ${str(n.newname) ?? ''}: whatever uses the old name fails`,
          at: w.stmtLocation(n),
        },
      });
    }
    if (n.renameType === 'OBJECT_ROLE')
      w.add(
        'privilege/role-change',
        [str(n.subname) ?? ''],
        `ALTER ROLE ${str(n.subname) ?? ''} RENAME`,
        w.at(),
      );
    return undefined;
  },
  AlterDatabaseSetStmt(w, n) {
    // `setstmt` is a bare VariableSetStmt: judge it as one (ALTER DATABASE … SET role = …).
    w.visit({ VariableSetStmt: n.setstmt });
    return false;
  },
  AlterDefaultPrivilegesStmt(w) {
    w.add(
      'privilege/default-privileges',
      [],
      'ALTER DEFAULT PRIVILEGES changes the rights on future objects',
      w.at(),
    );
    return false;
  },
  AlterOwnerStmt(w, n) {
    const name = objectName(n.object);
    w.add('privilege/owner-change', [name], `ALTER … ${name} OWNER TO ${roleName(n.newowner)}`, w.at());
    return undefined;
  },
  ReassignOwnedStmt(w, n) {
    const roles = asList(n.roles).map(roleName);
    w.add(
      'privilege/owner-change',
      roles,
      `REASSIGN OWNED BY ${roles.join(', ')} TO ${roleName(n.newrole)}`,
      w.at(),
    );
    return undefined;
  },
  AlterFunctionStmt(w, n) {
    const name = nameList(asNode(n.func)?.objname);
    if (defFlag(defElems(n.actions), 'security'))
      w.add(
        'privilege/security-definer',
        [name],
        `ALTER FUNCTION ${name} SECURITY DEFINER runs it with its owner's rights`,
        w.at(),
      );
    return undefined;
  },
  CreateFunctionStmt(w, n) {
    const opts = defElems(n.options);
    const full = asList(n.funcname).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? '');
    const name = full[full.length - 1] ?? '';
    const schema = full.length > 1 ? (full[full.length - 2] ?? '') : '';
    const language = (defString(opts.get('language')) ?? (n.sql_body ? 'sql' : 'sql')).toLowerCase();
    const securityDefiner = defFlag(opts, 'security');
    if (securityDefiner)
      w.add(
        'privilege/security-definer',
        [full.join('.')],
        `${full.join('.')}() is SECURITY DEFINER: it runs with its owner's rights`,
        w.at(),
      );
    w.literalSensitive = true;
    const fn: FunctionBody = {
      schema,
      name,
      language,
      body: defString(opts.get('as')) ?? '',
      securityDefiner,
      definition: w.statementText,
    };
    w.effects.push({ kind: 'function', fn });
    if (language === 'c' || language === 'internal') {
      // Native code: an internal-language wrapper can rename pg_read_file & co.
      w.add(
        'opaque/procedural-language',
        [full.join('.')],
        `${full.join('.')}() is native (${language}) code`,
        w.at(),
      );
    } else if (n.replace) {
      // OR REPLACE may swap the body of a function already wired to defaults, views or triggers,
      // which then runs without any call we would see: judge the body now (for a trigger
      // function, what it does beyond the rows a write fires it for; see row-scoped.ts).
      w.replacedBody(fn, w.at(), returnsTrigger(n));
    }
    // The body runs when the function is called: it is judged at the call. Its SET clauses
    // (SET role = …) apply to every call: judge them now.
    w.visit(asList(n.options).filter((o) => asNode(asNode(o)?.DefElem)?.defname === 'set'));
    return false;
  },
  DoStmt(w, n) {
    const opts = defElems(n.args);
    const language = (defString(opts.get('language')) ?? 'plpgsql').toLowerCase();
    const body = defString(opts.get('as')) ?? '';
    w.literalSensitive = true;
    const at = w.at();
    if (language === 'plpgsql') w.plpgsql(`DO ${dollarQuote(body)}`, at, 'DO block');
    else w.add('opaque/procedural-language', [], `DO block in ${language} cannot be analysed`, at);
    return false;
  },
  CreateTrigStmt(w, n) {
    const parts = asList(n.funcname).map((p) => str(asNode(asNode(p)?.String)?.sval) ?? '');
    const name = (parts[parts.length - 1] ?? '').toLowerCase();
    const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
    // The trigger runs the function on later writes to its table: row-scoped rules are judged
    // there; what the function can do to the schema is judged here (session.ts).
    w.effects.push({
      kind: 'trigger',
      table: rangeVarName(n.relation),
      name,
      ...(schema ? { schema } : {}),
      at: w.at(),
    });
    return undefined;
  },
  DefineStmt(w, n) {
    for (const [name, arg] of defElems(n.definition)) {
      if (DEFINITION_FUNCTIONS.has(name)) callEffect(w, objectName(arg), w.at());
    }
    return undefined;
  },
  CreateCastStmt(w, n) {
    const fn = nameList(asNode(n.func)?.objname);
    if (fn) callEffect(w, fn, w.at());
    return undefined;
  },
  AlterSeqStmt(w, n) {
    if (defElems(n.options).has('restart')) {
      const seq = rangeVarName(n.sequence);
      w.add(
        'destructive/sequence-reset',
        [seq],
        `ALTER SEQUENCE ${seq} RESTART: values it hands out again collide with existing keys`,
        w.at(asNode(n.sequence)),
      );
    }
    return undefined;
  },
  RuleStmt(w, n) {
    // Its actions are walked like any statement; replacing a rule also removes the old one,
    // which may have been what protected the table (ON DELETE DO INSTEAD NOTHING).
    if (n.replace) {
      const table = rangeVarName(n.relation);
      w.add(
        'destructive/drop-other',
        [`${table}.${str(n.rulename) ?? ''}`],
        `CREATE OR REPLACE RULE ${str(n.rulename) ?? ''} ON ${table} may replace a rule that protects it`,
        w.stmtLocation(n),
      );
    }
    return undefined;
  },
  CreatePolicyStmt(w, n) {
    // Permissive policies are OR-ed: one that is always true opens the table to its roles.
    const open =
      n.permissive === true && [n.qual, n.with_check].some((e) => e !== undefined && truth(e, w) === true);
    if (open) {
      const table = rangeVarName(n.table);
      w.add(
        'privilege/row-security',
        [table],
        `CREATE POLICY ${str(n.policy_name) ?? ''} on ${table} lets every row through`,
        w.at(asNode(n.table)),
      );
    }
    return undefined;
  },
  AlterPolicyStmt(w, n) {
    const table = rangeVarName(n.table);
    w.add(
      'privilege/row-security',
      [table],
      `ALTER POLICY ${str(n.policy_name) ?? ''} on ${table} changes which rows or roles it admits`,
      w.at(asNode(n.table)),
    );
    return undefined;
  },
  CreateSubscriptionStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.subname) ?? ''],
      'CREATE SUBSCRIPTION connects to another server',
      w.at(),
    );
    return undefined;
  },
  AlterEventTrigStmt(w, n) {
    // 'D' disables, 'R' leaves it firing only under session_replication_role = replica.
    if (n.tgenabled === 'D' || n.tgenabled === 'R')
      w.add(
        'destructive/disable-integrity',
        [str(n.trigname) ?? ''],
        `ALTER EVENT TRIGGER ${str(n.trigname) ?? ''} stops it firing`,
        w.at(),
      );
    return undefined;
  },
  CreateEventTrigStmt(w, n) {
    const name = nameList(n.funcname).toLowerCase().split('.').pop() ?? '';
    w.effects.push({ kind: 'call', name, at: w.at() });
    return undefined;
  },
  PrepareStmt(w, n) {
    const before = w.findings.length;
    w.visit(n.query);
    w.effects.push({ kind: 'prepare', name: str(n.name) ?? '', findings: w.findings.slice(before) });
    return false;
  },
  ExecuteStmt(w, n) {
    w.effects.push({ kind: 'execute', name: str(n.name) ?? '', at: w.at() });
    return undefined;
  },
  DeallocateStmt(w, n) {
    w.effects.push(n.isall ? { kind: 'deallocate' } : { kind: 'deallocate', name: str(n.name) ?? '' });
    return undefined;
  },
  CreateExtensionStmt(w, n) {
    const ext = str(n.extname) ?? '';
    const rule = RISKY_EXTENSIONS.get(ext.toLowerCase());
    if (rule) w.add(rule, [ext], `CREATE EXTENSION ${ext}`, w.at());
    return undefined;
  },
  CreatePLangStmt(w, n) {
    const lang = str(n.plname) ?? '';
    if (n.pltrusted !== true)
      w.add('opaque/procedural-language', [lang], `CREATE LANGUAGE ${lang} (untrusted)`, w.at());
    return undefined;
  },
  CreateForeignServerStmt(w, n) {
    const fdw = str(n.fdwname) ?? '';
    w.add(
      fdw === 'file_fdw' ? 'exfiltration/server-file' : 'exfiltration/remote-exec',
      [str(n.servername) ?? ''],
      `CREATE SERVER … FOREIGN DATA WRAPPER ${fdw}`,
      w.at(),
    );
    return undefined;
  },
  CreateUserMappingStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.servername) ?? ''],
      'CREATE USER MAPPING stores credentials for a foreign server',
      w.at(),
    );
    return undefined;
  },
  AlterUserMappingStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.servername) ?? ''],
      'ALTER USER MAPPING changes credentials for a foreign server',
      w.at(),
    );
    return undefined;
  },
  ImportForeignSchemaStmt(w, n) {
    w.add(
      'exfiltration/remote-exec',
      [str(n.server_name) ?? ''],
      'IMPORT FOREIGN SCHEMA links remote tables',
      w.at(),
    );
    return undefined;
  },
  AlterSystemStmt(w) {
    w.add('exfiltration/admin-function', [], 'ALTER SYSTEM changes the server configuration', w.at());
    return false;
  },
  LoadStmt(w, n) {
    // The file name is a string literal: the finding's object is its value.
    w.literalSensitive = true;
    w.add(
      'exfiltration/admin-function',
      [str(n.filename) ?? ''],
      'LOAD loads a shared library into the server',
      w.at(),
    );
    return undefined;
  },
};
