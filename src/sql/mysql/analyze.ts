// MySQL / MariaDB analysis: our lexer decides what the server will execute (strings, comments,
// executable comments, statement boundaries, sql_mode changes between statements); each
// statement's tokens are classified, and node-sql-parser reads the canonical text where the
// token rules are not enough (WHERE clauses) or to confirm that a statement is understood.
// Whatever nobody understands is opaque. Fail closed throughout.

import { sha256 } from '../canonical.js';
import { finding, type KnownRuleId } from '../rules.js';
import type { Analysis, Finding, Location, StatementAnalysis } from '../types.js';
import { bodyFragments, compoundParts } from './body.js';
import { routineAt } from './calls.js';
import { changesAccessMode, classifyTokens, type RawFinding, scanAnywhere } from './classify.js';
import { LexError, Lexer, type LexerState, type Token } from './lexer.js';
import { matchesEveryRow, parseStatement, placeholderTautology, targetTables } from './parse.js';
import { executableReadings, type MysqlServer } from './server.js';
import type { MysqlAnalysisContext, MysqlSessionAfter, SqlPreparedStatement } from './session.js';
import { nextStatement, type RawStatement, startsCompound } from './split.js';
import {
  ALL_LEX_MODES,
  isUnknownMode,
  type LexFlags,
  lexFlags,
  sqlModeAfter,
  UNKNOWN_SQL_MODE,
} from './sql-mode.js';
import { canonicalText, isPunct, isWord, readAccount, readName } from './tokens.js';

/**
 * Statements longer than this (canonical characters) are not given to node-sql-parser, which
 * needs about 2 ms per KB on the event loop. Shapes the token rules understand (SELECT, literal
 * INSERT batches, CREATE / ALTER TABLE …) are never parsed and have no cap.
 */
export const MAX_PARSE_CHARS = 32 * 1024;
const MAX_FORKS = 16;
const MAX_DEPTH = 4;

export interface MysqlAnalysis extends Analysis {
  /** The session state once the whole input has run; see MysqlSessionAfter. */
  after: MysqlSessionAfter;
  /**
   * The findings depend on literal values (WHERE 1=1, PREPARE … FROM '…', SET sql_mode = '…',
   * EXECUTE IMMEDIATE '…'): a cache keyed by a literal-stripping digest must not reuse them.
   */
  literalSensitive: boolean;
  /**
   * The only literals read were in UPDATE / DELETE WHERE clauses (could it match every row?):
   * a shape cache may still keep the result once it has shown that no literal could (shape.ts).
   */
  literalsOnlyInWhere?: true;
  /**
   * The findings depend on session state besides the text: prepared statements (EXECUTE),
   * routine bodies (CALL, stored functions), the current schema, or a sql_mode that changes
   * lexing (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, unknown).
   * A cache must key on that state too, or not keep the result.
   */
  sessionSensitive: boolean;
  /**
   * The input changes the session state (PREPARE, DEALLOCATE, USE, CREATE PROCEDURE / FUNCTION,
   * sql_mode, or what an EXECUTE or CALL ran): `after` is not the context's state carried over,
   * so a cache must not reuse it for another session.
   */
  changesSession: boolean;
}

interface ModeState {
  mode: string | undefined;
  flags: LexFlags;
}

interface Env {
  ctx: MysqlAnalysisContext;
  prepared: Map<string, SqlPreparedStatement>;
  /** Procedures and functions created earlier in this input: lower-cased name → body text. */
  routines: Map<string, string>;
  schema: string | undefined;
  /** The server whose reading of executable comments this run follows. */
  server: MysqlServer | undefined;
  depth: number;
  shared: {
    forks: number;
    literalSensitive: boolean;
    /** A WHERE was judged by its literals' values (kept apart for `literalsOnlyInWhere`). */
    whereLiterals: boolean;
    sessionSensitive: boolean;
    modeChanged: boolean;
    changesSession: boolean;
  };
}

interface Run {
  statements: StatementAnalysis[];
  mode: string | undefined;
  env: Env;
}

interface Acc {
  findings: RawFinding[];
  opaque: boolean;
  readOnly: boolean;
  /** Appended to the canonical form: what an EXECUTE or CALL actually runs. */
  suffix: string;
}

const READ_ONLY_LEADS = new Set([
  'SELECT',
  'SHOW',
  'DESCRIBE',
  'DESC',
  'HELP',
  'USE',
  'BEGIN',
  'START',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
]);

function modeState(mode: string | undefined, server: MysqlServer | undefined): ModeState {
  return { mode, flags: lexFlags(mode, server) };
}

function cloneEnv(env: Env, depth = env.depth): Env {
  return { ...env, prepared: new Map(env.prepared), routines: new Map(env.routines), depth };
}

// Line starts of the text last located in, so that locating every statement of a long input
// stays linear.
let indexed: { text: string; starts: number[] } | undefined;

function location(text: string, offset: number): Location {
  if (indexed?.text !== text) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    indexed = { text, starts };
  }
  const { starts } = indexed;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

function dedupe(findings: RawFinding[]): RawFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\u0000${f.objects.join('\u0001')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function add(acc: Acc, rule: KnownRuleId, objects: string[], message: string): void {
  acc.findings.push({ rule, objects, message });
}

/** Analyses `text` from lexer state `from`; several runs when the sql_mode becomes unknown. */
function runFrom(text: string, from: LexerState, ms: ModeState, env: Env): Run[] {
  const statements: StatementAnalysis[] = [];
  let lexer = new Lexer(text, ms.flags, from);
  for (;;) {
    const before = lexer.pos;
    let raw: RawStatement | undefined;
    try {
      raw = nextStatement(lexer);
    } catch (err) {
      if (!(err instanceof LexError)) throw err;
      statements.push(opaqueRest(text, before, 'opaque/unparseable', `cannot be lexed: ${err.message}`));
      break;
    }
    if (!raw) break;
    statements.push(analyzeStatement(raw, text, ms, env));
    const change = executesModeChange(raw.tokens, env)
      ? ({ kind: 'unknown', reason: 'a prepared statement may set sql_mode' } as const)
      : sqlModeAfter(raw.tokens, ms.mode);
    if (change.kind === 'set') {
      env.shared.modeChanged = true;
      env.shared.literalSensitive = true;
      ms = modeState(change.mode, env.server);
      lexer = new Lexer(text, ms.flags, lexer.state());
    } else if (change.kind === 'unknown') {
      env.shared.modeChanged = true;
      return fork(text, lexer.state(), env).map((r) => ({
        ...r,
        statements: [...statements, ...r.statements],
      }));
    }
  }
  return [{ statements, mode: ms.mode, env }];
}

/**
 * EXECUTE runs a prepared statement, and a SET sql_mode in it changes the session's mode (unlike
 * a procedure, which restores the caller's). Bodies we cannot see might do it too.
 */
function executesModeChange(tokens: readonly Token[], env: Env): boolean {
  if (!isWord(tokens[0], 'EXECUTE')) return false;
  let body: string | undefined;
  if (isWord(tokens[1], 'IMMEDIATE')) body = tokens[2]?.kind === 'string' ? tokens[2].value : undefined;
  else if (tokens[1]) body = env.prepared.get(tokens[1].value.toLowerCase())?.text;
  return body === undefined || /sql_mode/i.test(body);
}

/** The rest of the input under every lexing the unknown sql_mode allows. */
function fork(text: string, from: LexerState, env: Env): Run[] {
  const rest = new Lexer(text, lexFlags('', env.server), from);
  let empty: boolean;
  try {
    empty = rest.next() === undefined;
  } catch {
    empty = false;
  }
  if (empty) return [{ statements: [], mode: UNKNOWN_SQL_MODE, env }];
  if (env.shared.forks >= MAX_FORKS) {
    return [
      {
        statements: [opaqueRest(text, from.pos, 'opaque/dynamic-sql', 'too many sql_mode changes to follow')],
        mode: UNKNOWN_SQL_MODE,
        env,
      },
    ];
  }
  env.shared.forks++;
  return ALL_LEX_MODES.flatMap((m) =>
    runFrom(text, from, { mode: UNKNOWN_SQL_MODE, flags: lexFlags(m, env.server) }, cloneEnv(env)),
  );
}

function opaqueRest(text: string, start: number, rule: KnownRuleId, message: string): StatementAnalysis {
  const rest = text.slice(start);
  const lead = rest.length - rest.trimStart().length;
  const body = rest.trim();
  const canonical = `/* opaque */ ${body}`;
  return {
    text: body,
    offset: start + lead,
    findings: [finding(rule, [], message, location(text, start + lead))],
    readOnly: false,
    opaque: true,
    canonical,
    hash: sha256(canonical),
  };
}

function analyzeStatement(raw: RawStatement, text: string, ms: ModeState, env: Env): StatementAnalysis {
  const acc: Acc = { findings: [], opaque: false, readOnly: false, suffix: '' };
  judge(raw.tokens, ms, env, acc);
  const loc = location(text, raw.start);
  const findings = dedupe(acc.findings).map((f) => finding(f.rule, f.objects, f.message, loc));
  const opaque = acc.opaque || findings.some((f) => f.category === 'opaque');
  const canonical = canonicalText(raw.tokens) + acc.suffix;
  return {
    text: text.slice(raw.start, raw.end),
    offset: raw.start,
    findings,
    readOnly: acc.readOnly && findings.length === 0 && !opaque,
    opaque,
    canonical,
    hash: sha256(canonical),
  };
}

/** Analyses SQL that a statement runs indirectly (EXECUTE, CALL) and folds it into `acc`. */
function nested(sql: string, what: string, ms: ModeState, env: Env, acc: Acc, asBody: boolean): void {
  if (env.depth >= MAX_DEPTH) {
    add(acc, 'opaque/dynamic-sql', [], `${what}: nested too deeply to follow`);
    return;
  }
  const inner = cloneEnv(env, env.depth + 1);
  let statements: StatementAnalysis[];
  if (asBody) {
    const sub: Acc = { findings: [], opaque: false, readOnly: false, suffix: '' };
    try {
      const lexer = new Lexer(sql, ms.flags);
      const tokens: Token[] = [];
      for (let t = lexer.next(); t; t = lexer.next()) tokens.push(t);
      judgeBody(tokens, ms, inner, sub);
    } catch (err) {
      if (!(err instanceof LexError)) throw err;
      add(sub, 'opaque/unparseable', [], `cannot be lexed: ${err.message}`);
    }
    statements = [
      {
        text: sql,
        offset: 0,
        findings: sub.findings.map((f) => finding(f.rule, f.objects, f.message)),
        readOnly: false,
        opaque: sub.opaque,
        canonical: sql,
        hash: '',
      },
    ];
  } else {
    const start = { pos: 0, inExecutable: false };
    const runs = isUnknownMode(ms.mode) ? fork(sql, start, inner) : runFrom(sql, start, ms, inner);
    statements = runs.flatMap((r) => r.statements);
  }
  // What EXECUTE / CALL did to the session (PREPARE inside a procedure) stays in the session.
  for (const [k, v] of inner.prepared) env.prepared.set(k, v);
  env.shared.changesSession = true;
  for (const s of statements) {
    for (const f of s.findings)
      acc.findings.push({
        rule: f.rule as KnownRuleId,
        objects: f.objects,
        message: `${what}: ${f.message}`,
      });
    if (s.opaque) acc.opaque = true;
  }
  acc.suffix += ` /* ${what} runs: ${asBody ? canonicalOf(sql, ms) : statements.map((s) => s.canonical).join(' ; ')} */`;
}

function canonicalOf(sql: string, ms: ModeState): string {
  try {
    const lexer = new Lexer(sql, ms.flags);
    const tokens: Token[] = [];
    for (let t = lexer.next(); t; t = lexer.next()) tokens.push(t);
    return canonicalText(tokens);
  } catch {
    return sql;
  }
}

function stringOperand(tokens: readonly Token[]): string | undefined {
  return tokens.length === 1 && tokens[0]!.kind === 'string' && !tokens[0]!.prefix
    ? tokens[0]!.value
    : undefined;
}

/** `inBody`: a statement cut out of a compound body, which cannot itself be a compound statement. */
function judge(tokens: readonly Token[], ms: ModeState, env: Env, acc: Acc, inBody = false): void {
  const t0 = tokens[0]!;
  const t1 = tokens[1];
  if (isWord(t0, 'PREPARE') && t1 && isWord(tokens[2], 'FROM')) {
    const name = t1.value.toLowerCase();
    const body = stringOperand(tokens.slice(3));
    env.shared.literalSensitive = true;
    env.shared.changesSession = true;
    if (body === undefined) {
      env.prepared.set(name, {});
      add(
        acc,
        'opaque/prepare-from-variable',
        [t1.value],
        `PREPARE ${t1.value} FROM a value computed at run time`,
      );
    } else {
      // The server lexes the body now, under the current sql_mode.
      env.prepared.set(name, { text: body, ...(ms.mode !== undefined ? { sqlMode: ms.mode } : {}) });
      acc.readOnly = true;
    }
    return;
  }
  if (isWord(t0, 'EXECUTE') && isWord(t1, 'IMMEDIATE')) {
    const using = tokens.findIndex((t) => isWord(t, 'USING'));
    const body = stringOperand(tokens.slice(2, using < 0 ? undefined : using));
    env.shared.literalSensitive = true;
    if (body === undefined)
      add(acc, 'opaque/prepare-from-variable', [], 'EXECUTE IMMEDIATE of a value computed at run time');
    else nested(body, 'EXECUTE IMMEDIATE', ms, env, acc, false);
    return;
  }
  if (isWord(t0, 'EXECUTE') && t1) {
    env.shared.sessionSensitive = true;
    const prepared = env.prepared.get(t1.value.toLowerCase());
    if (!prepared)
      add(acc, 'opaque/dynamic-sql', [t1.value], `EXECUTE ${t1.value}: the prepared statement is not known`);
    else if (prepared.text === undefined)
      add(
        acc,
        'opaque/prepare-from-variable',
        [t1.value],
        `EXECUTE ${t1.value}: prepared from a run-time value`,
      );
    else {
      const at = prepared.sqlMode === undefined ? ms : modeState(prepared.sqlMode, env.server);
      nested(prepared.text, `EXECUTE ${t1.value}`, at, env, acc, false);
    }
    return;
  }
  if (isWord(t0, 'DEALLOCATE', 'DROP') && isWord(t1, 'PREPARE') && tokens[2]) {
    env.prepared.delete(tokens[2].value.toLowerCase());
    env.shared.changesSession = true;
    acc.readOnly = true;
    return;
  }
  if (isWord(t0, 'CALL')) {
    acc.findings.push(...scanAnywhere(tokens));
    const name = readName(tokens, 1);
    // The argument list must be all there is; anything else is not a plain CALL.
    if (!parseStatement(canonicalText(tokens, true)).ok)
      add(acc, 'opaque/unparseable', [], 'the SQL parser cannot read this CALL statement');
    const routine = name ? routineBody(name.name, ms, env) : undefined;
    if (routine?.body === undefined)
      add(acc, 'opaque/dynamic-sql', name ? [name.name] : [], 'CALL of a procedure whose body is not known');
    else nested(routine.body, `CALL ${name!.name}`, routine.ms, env, acc, true);
    return;
  }
  if (!inBody && startsCompound(tokens)) {
    judgeCompound(tokens, ms, env, acc);
    return;
  }
  if (isWord(t0, 'EXPLAIN', 'DESCRIBE', 'DESC') && isWord(t1, 'ANALYZE') && tokens.length > 2) {
    // EXPLAIN ANALYZE runs the statement.
    judge(tokens.slice(2), ms, env, acc);
    return;
  }
  if (isWord(t0, 'ANALYZE') && isWord(t1, 'SELECT', 'DELETE', 'UPDATE', 'INSERT', 'REPLACE')) {
    // MariaDB's ANALYZE <statement> runs it.
    judge(tokens.slice(1), ms, env, acc);
    return;
  }
  if (isWord(t0, 'SET') && isWord(t1, 'STATEMENT')) {
    // MariaDB: SET STATEMENT var = value [, …] FOR <statement> runs the statement.
    const forAt = tokens.findIndex((t) => isWord(t, 'FOR'));
    if (forAt > 0 && forAt + 1 < tokens.length) {
      judgeSimple([t0, ...tokens.slice(2, forAt)], ms, env, acc);
      judge(tokens.slice(forAt + 1), ms, env, acc);
      // The statement runs under the settings: one that lifts read-only makes it no read.
      if (changesAccessMode(tokens.slice(2, forAt))) acc.readOnly = false;
      return;
    }
  }
  if (isWord(t0, 'USE')) {
    const n = readName(tokens, 1);
    if (n) env.schema = n.name;
    env.shared.changesSession = true;
  }
  judgeSimple(tokens, ms, env, acc);
}

/** A routine's body and how to lex it; `body` undefined when the catalog hides it. */
function routineBody(name: string, ms: ModeState, env: Env): { body?: string; ms: ModeState } | undefined {
  env.shared.sessionSensitive = true;
  const local = env.routines.get(name.toLowerCase());
  // Bodies remembered from this session are stored in canonical form, written for default lexing.
  if (local !== undefined) return { body: local, ms: modeState('', env.server) };
  const dot = name.lastIndexOf('.');
  const fn =
    dot >= 0
      ? env.ctx.functions?.lookup(name.slice(dot + 1), name.slice(0, dot))
      : env.ctx.functions?.lookup(name, env.schema);
  if (!fn) return undefined;
  return fn.language === 'hidden' ? { ms } : { body: fn.body, ms };
}

/** Stored functions called from expressions: their bodies run too. */
function calledFunctions(tokens: readonly Token[], ms: ModeState, env: Env, acc: Acc): void {
  if (env.routines.size === 0 && !env.ctx.functions) return;
  for (let i = 0; i < tokens.length; i++) {
    const call = routineAt(tokens, i);
    if (!call) continue;
    const name = call.schema ? `${call.schema}.${call.name}` : call.name;
    const routine = routineBody(name, ms, env);
    const unread = routine === undefined && env.ctx.functions?.known?.(call.name) === false;
    if (routine?.body === undefined) {
      if (routine || unread)
        add(acc, 'opaque/dynamic-sql', [name], `function ${name}: its body cannot be read`);
    } else nested(routine.body, `function ${name}`, routine.ms, env, acc, true);
  }
}

const WRITE_LEADS = [
  'INSERT',
  'REPLACE',
  'UPDATE',
  'DELETE',
  'LOAD',
  'TRUNCATE',
  'ALTER',
  'DROP',
  'RENAME',
  'CREATE',
];
// The grant tables live in the `mysql` schema; writing them (then FLUSH PRIVILEGES) edits accounts.
const SYSTEM_SCHEMAS = new Set(['mysql']);

function catalogWrites(tokens: readonly Token[], env: Env): string[] {
  if (!isWord(tokens[0], ...WRITE_LEADS)) return [];
  const hits = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (
      (t.kind === 'word' || t.kind === 'qident') &&
      isPunct(tokens[i + 1], '.') &&
      !isPunct(tokens[i - 1], '.')
    ) {
      if (SYSTEM_SCHEMAS.has(t.value.toLowerCase())) hits.add(readName(tokens, i)?.name ?? t.value);
    }
  }
  if (env.schema !== undefined) env.shared.sessionSensitive = true;
  if (
    env.schema !== undefined &&
    SYSTEM_SCHEMAS.has(env.schema.toLowerCase()) &&
    !isWord(tokens[0], 'CREATE')
  )
    hits.add(`${env.schema}.*`);
  return [...hits];
}

/**
 * Tables created earlier in the session have no readers yet: renaming one is no finding. CREATE
 * TABLE is remembered (in the session's memory, so the analysis is not cached), and a rename
 * consults it.
 */
function createdTables(cls: ReturnType<typeof classifyTokens>, tokens: readonly Token[], env: Env) {
  const tables = (env.ctx.memory ??= {
    functions: new Map(),
    prepared: new Map(),
    tables: new Set(),
    temporaryTables: new Set(),
  }).tables;
  const at = tokens.findIndex((t, i) => i < 3 && isWord(t, 'TABLE'));
  if (isWord(tokens[0], 'CREATE') && at > 0) {
    const n = readName(tokens, isWord(tokens[at + 1], 'IF') ? at + 4 : at + 1);
    if (n) tables.add(n.name.toLowerCase());
    env.shared.changesSession = true;
  }
  if (!cls.findings.some((f) => f.rule === 'destructive/rename')) return cls;
  env.shared.sessionSensitive = true;
  const created = (o: string) =>
    [...tables].some((t) => o.toLowerCase() === t || o.toLowerCase().startsWith(`${t}.`));
  return {
    ...cls,
    findings: cls.findings.filter((f) => f.rule !== 'destructive/rename' || !f.objects.every(created)),
  };
}

function judgeSimple(tokens: readonly Token[], ms: ModeState, env: Env, acc: Acc): void {
  const cls = createdTables(classifyTokens(tokens), tokens, env);
  const lead = tokens[0]!;
  acc.findings.push(...scanAnywhere(tokens));
  const system = catalogWrites(tokens, env);
  if (system.length > 0)
    add(acc, 'privilege/catalog-write', system, 'writes the server’s grant tables (mysql schema)');
  calledFunctions(tokens, ms, env, acc);
  acc.readOnly = lead.kind === 'word' && READ_ONLY_LEADS.has(lead.upper) && !changesAccessMode(tokens);
  const dml = isWord(lead, 'DELETE', 'UPDATE');
  if (cls.understood && !dml) {
    acc.findings.push(...cls.findings);
    return;
  }
  const canonical = canonicalText(tokens, true);
  if (canonical.length > Math.min(MAX_PARSE_CHARS, env.ctx.maxStatementLength ?? MAX_PARSE_CHARS)) {
    acc.findings.push(...cls.findings);
    add(acc, 'opaque/oversized', [], `statement of ${canonical.length} characters is over the analysis cap`);
    return;
  }
  const parsed = parseStatement(canonical);
  if (!parsed.ok) {
    acc.findings.push(...cls.findings);
    if (!cls.understood)
      add(acc, 'opaque/unparseable', [], `the SQL parser cannot read this statement (${parsed.error})`);
    return;
  }
  // The AST judges WHERE clauses better than tokens can.
  const asts = parsed.asts;
  const byAst = asts.some((a) => a.type === 'delete' || a.type === 'update');
  for (const f of cls.findings) {
    const whereRule =
      f.rule === 'destructive/delete-without-where' || f.rule === 'destructive/update-without-where';
    if (!(byAst && whereRule)) acc.findings.push(f);
  }
  for (const ast of asts) {
    if (ast.type !== 'delete' && ast.type !== 'update') continue;
    if (ast.where) env.shared.whereLiterals = true;
    const why = matchesEveryRow(ast.where)
      ? `${ast.where ? 'with a WHERE that is always true' : 'without WHERE'} changes every row`
      : placeholderTautology(ast.where)
        ? 'with a WHERE that placeholders alone can make true may change every row'
        : undefined;
    if (why) {
      const del = ast.type === 'delete';
      add(
        acc,
        del ? 'destructive/delete-without-where' : 'destructive/update-without-where',
        targetTables(ast).map((name) => spelling(tokens, name)),
        `${del ? 'DELETE' : 'UPDATE'} ${why}`,
      );
    }
  }
}

/** The parser read upper-cased words: give a name back the spelling it has in the statement. */
function spelling(tokens: readonly Token[], name: string): string {
  return name
    .split('.')
    .map((part) => tokens.find((t) => t.kind === 'word' && t.upper === part)?.value ?? part)
    .join('.');
}

/** CREATE PROCEDURE / FUNCTION / TRIGGER / EVENT, and top-level compound blocks. */
function judgeCompound(tokens: readonly Token[], ms: ModeState, env: Env, acc: Acc): void {
  const parts = compoundParts(tokens);
  const header = tokens.slice(0, tokens.length - parts.body.length);
  acc.findings.push(...scanAnywhere(header));
  if (!parts.ok) add(acc, 'opaque/unparseable', [], 'compound statement that cannot be read');
  const definer = header.findIndex((t) => isWord(t, 'DEFINER'));
  if (definer >= 0) {
    const who = readAccount(tokens, definer + 2);
    add(
      acc,
      'privilege/security-definer',
      who ? [who.name] : [],
      'DEFINER = makes the routine run with another account’s rights',
    );
  }
  if (parts.kind === 'BLOCK') {
    judgeBody(parts.body, ms, env, acc);
    return;
  }
  // A definition runs nothing now: analyse its body in a throwaway session so that PREPAREs in
  // it do not pollute this one, and remember it for a later CALL.
  if (parts.body.length > 0) {
    const body = parts.body;
    const what = `${parts.kind.toLowerCase()} ${parts.name}`;
    const sub: Acc = { findings: [], opaque: false, readOnly: false, suffix: '' };
    judgeBody(body, ms, cloneEnv(env, env.depth + 1), sub);
    for (const f of sub.findings) acc.findings.push({ ...f, message: `${what}: ${f.message}` });
    if (sub.opaque) acc.opaque = true;
    if (parts.name && (parts.kind === 'PROCEDURE' || parts.kind === 'FUNCTION')) {
      env.routines.set(parts.name.toLowerCase(), bodyText(body));
      env.shared.changesSession = true;
    }
  }
}

function bodyText(body: readonly Token[]): string {
  // Re-lexable text of the body: the canonical spelling keeps every token.
  return canonicalText(body);
}

function judgeBody(body: readonly Token[], ms: ModeState, env: Env, acc: Acc): void {
  if (env.depth > MAX_DEPTH) {
    add(acc, 'opaque/dynamic-sql', [], 'nested too deeply to follow');
    return;
  }
  for (const fragment of bodyFragments(body)) {
    if (fragment.broken) {
      acc.findings.push(...scanAnywhere(fragment.tokens));
      add(acc, 'opaque/unparseable', [], 'compound statement whose structure cannot be followed');
      continue;
    }
    if (fragment.control) {
      acc.findings.push(...scanAnywhere(fragment.tokens));
      calledFunctions(fragment.tokens, ms, env, acc);
      continue;
    }
    const sub: Acc = { findings: [], opaque: false, readOnly: false, suffix: '' };
    judge(fragment.tokens, ms, env, sub, true);
    acc.findings.push(...sub.findings);
    if (sub.opaque) acc.opaque = true;
  }
}

function mergeRuns(
  runs: Run[],
  _ctx: MysqlAnalysisContext,
): { statements: StatementAnalysis[]; after: MysqlSessionAfter; shared: Env['shared'] } {
  if (runs.length === 1) {
    // One lexing (the sql_mode was known throughout): its statements are in order and its
    // session state is the state after the input.
    const { statements, mode, env } = runs[0]!;
    return {
      statements,
      shared: env.shared,
      after: sessionAfter(mode, env.schema, env.prepared, env.routines),
    };
  }
  const seen = new Set<string>();
  const statements: StatementAnalysis[] = [];
  for (const r of runs)
    for (const s of r.statements) {
      const key = `${s.offset}:${s.hash}`;
      if (seen.has(key)) continue;
      seen.add(key);
      statements.push(s);
    }
  statements.sort((a, b) => a.offset - b.offset);
  const first = runs[0]!;
  const modes = new Set(runs.map((r) => r.mode));
  const schemas = new Set(runs.map((r) => r.env.schema));
  const prepared = new Map<string, SqlPreparedStatement>();
  for (const r of runs)
    for (const [k, v] of r.env.prepared) {
      const had = prepared.get(k);
      prepared.set(k, had === undefined || had.text === v.text ? v : {});
    }
  for (const r of runs) for (const k of prepared.keys()) if (!r.env.prepared.has(k)) prepared.set(k, {});
  const routines = new Map<string, string>();
  for (const r of runs) for (const [k, v] of r.env.routines) routines.set(k, v);
  const schema = schemas.size === 1 ? first.env.schema : undefined;
  const sqlMode = modes.size === 1 ? first.mode : UNKNOWN_SQL_MODE;
  return {
    statements,
    shared: first.env.shared,
    after: sessionAfter(sqlMode, schema, prepared, routines),
  };
}

/** The session state after an input, as `MysqlSessionAfter` spells it (unset parts left out). */
export function sessionAfter(
  sqlMode: string | undefined,
  schema: string | undefined,
  prepared: ReadonlyMap<string, SqlPreparedStatement>,
  routines: ReadonlyMap<string, string>,
): MysqlSessionAfter {
  const after: MysqlSessionAfter = { prepared, routines };
  if (sqlMode !== undefined) after.sqlMode = sqlMode;
  if (schema !== undefined) after.schema = schema;
  return after;
}

function newEnv(ctx: MysqlAnalysisContext): Env {
  return {
    ctx,
    prepared: new Map(ctx.mysql?.prepared ?? []),
    routines: new Map(ctx.mysql?.routines ?? []),
    schema: ctx.mysql?.schema,
    server: ctx.server,
    depth: 0,
    shared: {
      forks: 0,
      literalSensitive: false,
      whereLiterals: false,
      sessionSensitive: false,
      modeChanged: false,
      changesSession: false,
    },
  };
}

function assemble(statements: StatementAnalysis[]): Analysis {
  const findings: Finding[] = statements.flatMap((s) => s.findings);
  const canonical = statements.map((s) => s.canonical).join(' ;\n');
  // One statement: its canonical form is the whole input's, already hashed.
  const only = statements.length === 1 ? statements[0]! : undefined;
  return {
    findings,
    readOnly: statements.every((s) => s.readOnly),
    opaque: statements.some((s) => s.opaque),
    canonical,
    hash: only && only.hash !== '' ? only.hash : sha256(canonical),
    statements,
  };
}

/** Analyses a MySQL/MariaDB input (one COM_QUERY: possibly several statements). */
export function analyzeMysql(text: string, ctx: MysqlAnalysisContext): MysqlAnalysis {
  const env = newEnv(ctx);
  const start = { pos: 0, inExecutable: false };
  // Executable comments whose outcome depends on the server: with the upstream known, its
  // reading; otherwise every reading, and the strongest verdict wins (the findings of all).
  const readings = executableReadings(text);
  const servers = ctx.server || !readings ? [ctx.server] : readings;
  const runs = servers.flatMap((server) => {
    const e = servers.length === 1 ? env : { ...cloneEnv(env), server };
    return isUnknownMode(ctx.sqlMode)
      ? fork(text, start, e)
      : runFrom(text, start, modeState(ctx.sqlMode, server), e);
  });
  const merged = mergeRuns(runs, ctx);
  const base = assemble(merged.statements);
  // Spelled out rather than spread: building the result by spreading costs more than analysing
  // a short statement.
  const { literalSensitive, whereLiterals } = merged.shared;
  const result: MysqlAnalysis = {
    findings: base.findings,
    readOnly: base.readOnly,
    opaque: base.opaque,
    canonical: base.canonical,
    hash: base.hash,
    statements: base.statements,
    after: merged.after,
    literalSensitive: literalSensitive || whereLiterals,
    sessionSensitive:
      merged.shared.sessionSensitive ||
      readings !== undefined ||
      isUnknownMode(ctx.sqlMode) ||
      Object.values(lexFlags(ctx.sqlMode)).some(Boolean),
    changesSession: merged.shared.changesSession || merged.shared.modeChanged,
  };
  if (whereLiterals && !literalSensitive) result.literalsOnlyInWhere = true;
  return result;
}

/**
 * Analyses a migration file the way the mysql client runs it: `DELIMITER xx` lines (a client
 * directive) change the terminator; each chunk between delimiters is one query for the server.
 */
export function analyzeMysqlScript(text: string, ctx: MysqlAnalysisContext): MysqlAnalysis {
  const statements: StatementAnalysis[] = [];
  let current: MysqlAnalysisContext = ctx;
  let literalSensitive = false;
  let sessionSensitive = false;
  let changesSession = false;
  let after: MysqlSessionAfter | undefined;
  let pos = 0;
  let delimiter = ';';
  while (pos < text.length) {
    const chunk = nextChunk(text, pos, delimiter, current.sqlMode);
    const part = analyzeMysql(text.slice(pos, chunk.end), current);
    for (const s of part.statements) {
      const offset = s.offset + pos;
      statements.push({
        ...s,
        offset,
        findings: s.findings.map((f) => (f.location ? { ...f, location: location(text, offset) } : f)),
      });
    }
    literalSensitive ||= part.literalSensitive;
    sessionSensitive ||= part.sessionSensitive;
    changesSession ||= part.changesSession;
    after = part.after;
    current = {
      ...ctx,
      ...(part.after.sqlMode !== undefined ? { sqlMode: part.after.sqlMode } : {}),
      mysql: part.after,
    };
    if (chunk.delimiter !== undefined) delimiter = chunk.delimiter;
    pos = chunk.next;
  }
  const base = assemble(statements);
  return {
    ...base,
    after: after ?? {
      ...(ctx.sqlMode !== undefined ? { sqlMode: ctx.sqlMode } : {}),
      prepared: new Map(ctx.mysql?.prepared ?? []),
      routines: new Map(ctx.mysql?.routines ?? []),
    },
    literalSensitive,
    sessionSensitive,
    changesSession,
  };
}

function nextChunk(
  text: string,
  pos: number,
  delimiter: string,
  sqlMode: string | undefined,
): { end: number; next: number; delimiter?: string } {
  const flags = lexFlags(isUnknownMode(sqlMode) ? '' : sqlMode);
  const lexer = new Lexer(
    text,
    flags,
    { pos, inExecutable: false },
    delimiter === ';' ? undefined : delimiter,
  );
  try {
    for (let t = lexer.next(); t; t = lexer.next()) {
      if (t.kind === 'punct' && t.value === ';' && t.text !== ';') return { end: t.start, next: t.end };
      // The client's \g and \G also end a query.
      if (t.kind === 'op' && t.text === '\\') {
        const g = lexer.next();
        if (g && !g.spaced && g.kind === 'word' && g.upper === 'G') return { end: t.start, next: g.end };
      }
      if (isWord(t, 'DELIMITER') && atLineStart(text, t.start)) {
        let eol = text.indexOf('\n', t.end);
        if (eol < 0) eol = text.length;
        const next = text.slice(t.end, eol).trim().split(/\s+/)[0] ?? '';
        return { end: t.start, next: eol, ...(next ? { delimiter: next } : {}) };
      }
    }
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
  }
  return { end: text.length, next: text.length };
}

function atLineStart(text: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t' && c !== '\r') return false;
  }
  return true;
}

export type { MysqlAnalysisContext, MysqlSessionAfter } from './session.js';
export { UNKNOWN_SQL_MODE } from './sql-mode.js';
