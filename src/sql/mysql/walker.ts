// Walks a MySQL / MariaDB input statement by statement, the way the server will lex it: our
// lexer finds strings, comments, executable comments and statement boundaries, and the walk
// follows sql_mode changes between statements; where the sql_mode becomes unknown it forks, one
// run per lexing that mode allows. Each statement goes to the judge (judge.ts); SQL a statement
// runs indirectly (EXECUTE, CALL, a stored function) comes back here through `nested`, so the
// walker and the judge call each other. The MySQL counterpart of postgres/walker.ts.
import { sha256 } from '../canonical.js';
import { finding, type KnownRuleId } from '../rules.js';
import type { Location, StatementAnalysis } from '../types.js';
import type { RawFinding } from './classify.js';
import { type Acc, add, cloneEnv, type Env, MAX_DEPTH, type ModeState, modeState } from './env.js';
import { judge, judgeBody } from './judge.js';
import { LexError, Lexer, type LexerState, type Token } from './lexer.js';
import { nextStatement, type RawStatement } from './split.js';
import { ALL_LEX_MODES, isUnknownMode, lexFlags, sqlModeAfter, UNKNOWN_SQL_MODE } from './sql-mode.js';
import { canonicalText, isWord } from './tokens.js';

const MAX_FORKS = 16;

export interface Run {
  statements: StatementAnalysis[];
  mode: string | undefined;
  env: Env;
}

// Line starts of the text last located in, so that locating every statement of a long input
// stays linear.
let indexed: { text: string; starts: number[] } | undefined;

export function location(text: string, offset: number): Location {
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

/** Analyses `text` from lexer state `from`; several runs when the sql_mode becomes unknown. */
export function runFrom(text: string, from: LexerState, ms: ModeState, env: Env): Run[] {
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
export function fork(text: string, from: LexerState, env: Env): Run[] {
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
export function nested(sql: string, what: string, ms: ModeState, env: Env, acc: Acc, asBody: boolean): void {
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
