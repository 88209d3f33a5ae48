// Judges one MySQL / MariaDB statement: PREPARE / EXECUTE / CALL and stored-function calls are
// followed into the SQL they run (through the walker's `nested`), compound statements are cut
// into their simple statements, and each simple statement gets the token rules (classify.ts)
// and, where those are not enough (WHERE clauses) or to confirm it is understood, node-sql-parser
// on its canonical text. Whatever nobody understands is opaque. Fail closed throughout.
import { bodyFragments, compoundParts } from './body.js';
import { routineAt } from './calls.js';
import { classifyTokens } from './classify.js';
import { type Acc, add, cloneEnv, type Env, MAX_DEPTH, type ModeState, modeState } from './env.js';
import { followFired } from './fired.js';
import type { Token } from './lexer.js';
import { matchesEveryRow, parseStatement, placeholderTautology, targetTables } from './parse.js';
import { scanAnywhere } from './rules/anywhere.js';
import { changesAccessMode } from './rules/set.js';
import { startsCompound } from './split.js';
import { canonicalText, isPunct, isWord, readAccount, readName } from './tokens.js';
import { nested } from './walker.js';

/**
 * Statements longer than this (canonical characters) are not given to node-sql-parser, which
 * needs about 2 ms per KB on the event loop. Shapes the token rules understand (SELECT, literal
 * INSERT batches, CREATE / ALTER TABLE …) are never parsed and have no cap.
 */
export const MAX_PARSE_CHARS = 32 * 1024;

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

function stringOperand(tokens: readonly Token[]): string | undefined {
  return tokens.length === 1 && tokens[0]!.kind === 'string' && !tokens[0]!.prefix
    ? tokens[0]!.value
    : undefined;
}

/** `inBody`: a statement cut out of a compound body, which cannot itself be a compound statement. */
export function judge(tokens: readonly Token[], ms: ModeState, env: Env, acc: Acc, inBody = false): void {
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
  const { fired } = env.ctx;
  if (fired) {
    const suffix = acc.suffix;
    // What fired depends on the catalog, not on the text: no cache may keep such a result (one
    // where nothing fired is keyed by the catalog's version, see mysqlPrefix in ../analyze.ts).
    const followed = followFired(
      tokens,
      fired,
      (sql, what) => nested(sql, what, ms, env, acc, true),
      (table, why) => add(acc, 'opaque/dynamic-sql', [table], why),
    );
    env.shared.sessionSensitive ||= followed || fired.version === undefined;
    // Fired code is judged, not part of the statement an approval binds to.
    acc.suffix = suffix;
  }
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

export function judgeBody(body: readonly Token[], ms: ModeState, env: Env, acc: Acc): void {
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
