// The session's sql_mode decides how MySQL lexes: ANSI_QUOTES makes "…" an identifier and
// NO_BACKSLASH_ESCAPES makes `\` an ordinary character in strings. The gateway tracks the mode
// across statements with `sqlModeAfter`; when a new value cannot be known statically it becomes
// UNKNOWN_SQL_MODE and the analyzer lexes under every combination (fail closed).
import type { Token } from './lexer.js';
import { type MysqlServer, readingServers } from './server.js';

/** Not a real sql_mode value: marks a session whose mode could not be determined. */
export const UNKNOWN_SQL_MODE = 'GUARDRAIL_UNKNOWN_SQL_MODE';

export interface LexFlags {
  ansiQuotes: boolean;
  noBackslashEscapes: boolean;
  /** MariaDB's MSSQL mode: `[name]` is a quoted identifier. */
  brackets: boolean;
  /**
   * The server the text is for: decides which executable comments run. Undefined: every one
   * runs (callers that must be exact use executableReadings when the server is not known).
   */
  server?: MysqlServer;
}

// Combination modes that include ANSI_QUOTES (MySQL and MariaDB manuals, "Server SQL Modes").
const IMPLIES_ANSI_QUOTES = new Set(['ANSI_QUOTES', 'ANSI', 'DB2', 'MAXDB', 'MSSQL', 'ORACLE', 'POSTGRESQL']);

export function isUnknownMode(mode: string | undefined): boolean {
  return mode === UNKNOWN_SQL_MODE;
}

// A session keeps one mode for many statements, and every statement asks for its flags more
// than once, some callers with the server and some without: the last few answers are kept
// (frozen, as they are shared), the server matched by what it is, not by which object says so:
// every connection reads its own from the greeting, and entries kept per connection were pushed
// out by the other sessions' (one entry alternated between the two kinds of caller and parsed
// the mode again at nearly every call, ~1.7 % of the gateway's CPU under sysbench).
const RECENT = 4;
const recent: { mode: string | undefined; server: MysqlServer | undefined; flags: Readonly<LexFlags> }[] = [];
let nextSlot = 0;

export function lexFlags(mode: string | undefined, server?: MysqlServer): Readonly<LexFlags> {
  for (let i = 0; i < recent.length; i++) {
    const r = recent[i]!;
    if (r.mode === mode && r.server?.flavour === server?.flavour && r.server?.version === server?.version)
      return r.flags;
  }
  const flags = Object.freeze(parseLexFlags(mode, server));
  recent[nextSlot] = { mode, server, flags };
  nextSlot = (nextSlot + 1) % RECENT;
  return flags;
}

function parseLexFlags(mode: string | undefined, server: MysqlServer | undefined): LexFlags {
  const parts = (mode ?? '').toUpperCase().split(',');
  let ansiQuotes = false;
  let noBackslashEscapes = false;
  let brackets = false;
  for (const raw of parts) {
    const p = raw.trim();
    if (IMPLIES_ANSI_QUOTES.has(p)) ansiQuotes = true;
    if (p === 'NO_BACKSLASH_ESCAPES') noBackslashEscapes = true;
    // MariaDB quotes [names] in MSSQL mode; MySQL 5.7 has the mode without the brackets.
    if (p === 'MSSQL' && server?.flavour !== 'mysql') brackets = true;
  }
  return { ansiQuotes, noBackslashEscapes, brackets, ...(server ? { server } : {}) };
}

/**
 * Every lexing `text` may have in a session of `mode` on `server`: each mode when the mode is
 * unknown, each reading of its executable comments when the server is (readingServers).
 */
export function sessionLexings(
  text: string,
  mode: string | undefined,
  server: MysqlServer | undefined,
): Readonly<LexFlags>[] {
  const servers = readingServers(text, server);
  return (isUnknownMode(mode) ? ALL_LEX_MODES : [mode]).flatMap((m) => servers.map((s) => lexFlags(m, s)));
}

/** The lexings a statement can have when the mode is unknown. */
export const ALL_LEX_MODES: readonly string[] = [
  '',
  'ANSI_QUOTES',
  'NO_BACKSLASH_ESCAPES',
  'ANSI_QUOTES,NO_BACKSLASH_ESCAPES',
  'MSSQL',
  'MSSQL,NO_BACKSLASH_ESCAPES',
];

export type SqlModeChange =
  | { kind: 'unchanged' }
  | { kind: 'set'; mode: string }
  | { kind: 'unknown'; reason: string };

function isSqlModeVar(t: Token | undefined): { scope: 'session' | 'global' } | undefined {
  if (!t) return undefined;
  if (t.kind === 'word' && t.upper === 'SQL_MODE') return { scope: 'session' };
  if (t.kind === 'sysvar') {
    const v = t.value.toLowerCase();
    if (v === 'sql_mode' || v === 'session.sql_mode' || v === 'local.sql_mode') return { scope: 'session' };
    if (v === 'global.sql_mode') return { scope: 'global' };
  }
  return undefined;
}

function mentionsSqlMode(tokens: readonly Token[]): boolean {
  return tokens.some(
    (t) =>
      ((t.kind === 'word' || t.kind === 'qident') && t.value.toLowerCase() === 'sql_mode') ||
      (t.kind === 'sysvar' && t.value.toLowerCase().endsWith('sql_mode')),
  );
}

/** Evaluates a value expression that only uses string literals, @@sql_mode and CONCAT. */
function evalModeValue(tokens: readonly Token[], current: string | undefined): string | undefined {
  let i = 0;
  const expr = (): string | undefined => {
    const t = tokens[i];
    if (!t) return undefined;
    if (t.kind === 'string') {
      i++;
      return t.value;
    }
    if (t.kind === 'sysvar') {
      const v = t.value.toLowerCase();
      if (v !== 'sql_mode' && v !== 'session.sql_mode' && v !== 'local.sql_mode') return undefined;
      if (current === undefined || isUnknownMode(current)) return undefined;
      i++;
      return current;
    }
    if (t.kind === 'word' && t.upper === 'CONCAT' && tokens[i + 1]?.text === '(') {
      i += 2;
      let out = '';
      for (;;) {
        const part = expr();
        if (part === undefined) return undefined;
        out += part;
        const sep = tokens[i];
        if (sep?.text === ',') {
          i++;
          continue;
        }
        if (sep?.text === ')') {
          i++;
          return out;
        }
        return undefined;
      }
    }
    return undefined;
  };
  const value = expr();
  return i === tokens.length ? value : undefined;
}

/** Splits `a = x, b = y` at top-level commas. */
function assignments(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let depth = 0;
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    if (t.text === ',' && depth === 0 && t.kind === 'punct') {
      out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  out.push(cur);
  return out;
}

function normaliseMode(mode: string): string {
  return mode
    .split(',')
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m.length > 0)
    .join(',');
}

/**
 * The session's sql_mode after `tokens` (one statement) runs, given the mode before it.
 * Anything that might change the mode in a way we cannot compute is `unknown`.
 */
export function sqlModeAfter(tokens: readonly Token[], current: string | undefined): SqlModeChange {
  if (!mentionsSqlMode(tokens)) return { kind: 'unchanged' };
  const first = tokens[0];
  if (first?.kind === 'word' && (first.upper === 'SELECT' || first.upper === 'SHOW')) {
    const writes = tokens.some((t) => t.kind === 'op' && t.text === ':=');
    if (!writes) return { kind: 'unchanged' };
  }
  if (first?.kind !== 'word' || first.upper !== 'SET') {
    return { kind: 'unknown', reason: 'sql_mode is referenced by a statement that is not a plain SET' };
  }
  let result: SqlModeChange = { kind: 'unchanged' };
  let rest = tokens.slice(1);
  let defaultScope: 'session' | 'global' = 'session';
  const scopeWord = rest[0];
  if (scopeWord?.kind === 'word') {
    if (scopeWord.upper === 'GLOBAL') defaultScope = 'global';
    if (scopeWord.upper === 'GLOBAL' || scopeWord.upper === 'SESSION' || scopeWord.upper === 'LOCAL')
      rest = rest.slice(1);
    if (scopeWord.upper === 'STATEMENT')
      return { kind: 'unknown', reason: 'SET STATEMENT sql_mode … FOR is not tracked' };
  }
  for (const a of assignments(rest)) {
    let scope = defaultScope;
    let j = 0;
    const w = a[0];
    if (w?.kind === 'word' && (w.upper === 'GLOBAL' || w.upper === 'SESSION' || w.upper === 'LOCAL')) {
      scope = w.upper === 'GLOBAL' ? 'global' : 'session';
      j = 1;
    }
    const target = isSqlModeVar(a[j]);
    if (!target) {
      if (mentionsSqlMode(a)) return { kind: 'unknown', reason: 'sql_mode used in an unrecognised SET' };
      continue;
    }
    if (a[j]?.kind === 'sysvar') scope = target.scope;
    const eq = a[j + 1];
    if (!eq || (eq.text !== '=' && eq.text !== ':='))
      return { kind: 'unknown', reason: 'malformed SET sql_mode' };
    if (scope === 'global') continue;
    const before = result.kind === 'set' ? result.mode : current;
    const value = evalModeValue(a.slice(j + 2), before);
    if (value === undefined)
      return { kind: 'unknown', reason: 'sql_mode is set to a value computed at run time' };
    result = { kind: 'set', mode: normaliseMode(value) };
  }
  return result;
}
