// Stored routines a MySQL / MariaDB statement calls: `f(…)` that is not a built-in, `db.f(…)`,
// `CALL p`. The gateway reads their bodies from information_schema.ROUTINES before the statement
// is analysed, and the bodies' own calls after them (a fixed point, see the function catalog).
import type { AnalysisContext } from '../types.js';
import { LexError, type Token, tokenize } from './lexer.js';
import { MYSQL_PURE_FUNCTIONS, NOT_CALLS } from './purity.js';
import type { MysqlAnalysisContext } from './session.js';
import { lexFlags } from './sql-mode.js';
import { isPunct, isWord, readName } from './tokens.js';

export interface RoutineCall {
  name: string;
  schema?: string;
}

/**
 * The routine a call at token `i` (a name followed by `(`) names, or undefined for a built-in:
 * MySQL resolves an unqualified built-in name to the built-in, so only a qualified call can reach
 * a stored function of that name.
 */
export function routineAt(tokens: readonly Token[], i: number): RoutineCall | undefined {
  const t = tokens[i]!;
  if ((t.kind !== 'word' && t.kind !== 'qident') || !isPunct(tokens[i + 1], '(')) return undefined;
  if (isPunct(tokens[i - 1], '.')) {
    const schema = tokens[i - 2];
    if (!schema || (schema.kind !== 'word' && schema.kind !== 'qident')) return undefined;
    return { name: t.value, schema: schema.value };
  }
  if (t.kind === 'word' && (MYSQL_PURE_FUNCTIONS.has(t.upper) || NOT_CALLS.has(t.upper))) return undefined;
  return { name: t.value };
}

export function mysqlCalledFunctions(text: string, ctx: AnalysisContext): RoutineCall[] {
  let tokens: Token[];
  try {
    tokens = tokenize(text, lexFlags(ctx.sqlMode, (ctx as MysqlAnalysisContext).server));
  } catch (err) {
    if (err instanceof LexError) return [];
    throw err;
  }
  return callsIn(tokens);
}

/** The routines lexed `tokens` call. */
export function callsIn(tokens: readonly Token[]): RoutineCall[] {
  const out = new Map<string, RoutineCall>();
  const add = (c: RoutineCall) => out.set(`${c.schema ?? ''}.${c.name.toLowerCase()}`, c);
  for (let i = 0; i < tokens.length; i++) {
    if (isWord(tokens[i], 'CALL') && !isPunct(tokens[i + 1], '(')) {
      const n = readName(tokens, i + 1);
      if (n) {
        const dot = n.name.lastIndexOf('.');
        add(dot < 0 ? { name: n.name } : { name: n.name.slice(dot + 1), schema: n.name.slice(0, dot) });
      }
      continue;
    }
    const call = routineAt(tokens, i);
    if (call) add(call);
  }
  return [...out.values()];
}
