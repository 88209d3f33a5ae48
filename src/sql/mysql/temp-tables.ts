// Writes to the session's own temporary tables. Only the session sees its temporary tables, so
// the side connection cannot count their rows, and they hold only what the session put in: an
// `UPDATE tmp SET …` or `DELETE FROM tmp` changes nothing another reader ever saw.
//
// Which table a name means is decided by the server at the moment the statement runs: a
// temporary table shadows a permanent one of the same name (in the same schema), and a DROP,
// a stored function or a trigger can drop it, after which the name means the permanent table
// again. So the gateway never trusts its own memory for this: the names the session gave to
// temporary tables (`temporaryTableNames`) only say when to ask, and the session's own
// connection is asked right before the statement runs (`SHOW CREATE TABLE`, which resolves the
// name exactly as the write will). Only a lone single-table UPDATE / DELETE is exempted, so that
// nothing the same input runs first can change what its name means.
import type { Analysis } from '../types.js';
import { mysqlCalledFunctions } from './calls.js';
import type { Token } from './lexer.js';
import { tokenize } from './lexer.js';
import type { MysqlAnalysisContext } from './session.js';
import { isUnknownMode, lexFlags } from './sql-mode.js';
import { isPunct, isWord } from './tokens.js';

/** A table as a statement names it: schema (when qualified) and name, unquoted. */
export interface TableName {
  schema?: string;
  name: string;
}

/** Findings that a write to a table holding only the session's own rows does not deserve. */
const ROW_RULES = new Set(['destructive/delete-without-where', 'destructive/update-without-where']);

function tokens(text: string, sqlMode: string | undefined): Token[] | undefined {
  if (isUnknownMode(sqlMode)) return undefined;
  try {
    return tokenize(text, lexFlags(sqlMode));
  } catch {
    return undefined;
  }
}

/**
 * The names (lower case, unqualified) of every `TEMPORARY TABLE [IF NOT EXISTS] name` in the
 * text: candidates for a later check, never proof.
 */
export function temporaryTableNames(text: string, sqlMode: string | undefined): string[] {
  if (!/temporary/i.test(text)) return [];
  const ts = tokens(text, sqlMode) ?? [];
  const out: string[] = [];
  for (let i = 0; i + 2 < ts.length; i++) {
    if (!isWord(ts[i], 'TEMPORARY') || !isWord(ts[i + 1], 'TABLE')) continue;
    let at = i + 2;
    if (isWord(ts[at], 'IF') && isWord(ts[at + 1], 'NOT') && isWord(ts[at + 2], 'EXISTS')) at += 3;
    const name = tableName(ts, at);
    if (name) out.push(name.table.name.toLowerCase());
  }
  return out;
}

function tableName(ts: readonly Token[], i: number): { table: TableName; next: number } | undefined {
  const ident = (t: Token | undefined) => t !== undefined && (t.kind === 'word' || t.kind === 'qident');
  if (!ident(ts[i])) return undefined;
  if (isPunct(ts[i + 1], '.')) {
    if (!ident(ts[i + 2]) || isPunct(ts[i + 3], '.')) return undefined;
    return { table: { schema: ts[i]!.value, name: ts[i + 2]!.value }, next: i + 3 };
  }
  return { table: { name: ts[i]!.value }, next: i + 1 };
}

// What may follow the one table of a single-table UPDATE / DELETE (after an optional alias).
const UPDATE_NEXT = ['SET'];
const DELETE_NEXT = ['WHERE', 'ORDER', 'LIMIT', 'RETURNING', 'PARTITION'];

/**
 * The table of a text that is exactly one single-table `UPDATE t … SET` or `DELETE FROM t …`
 * (no joins, no USING, no CTE, no executable comments); undefined for anything else.
 */
export function singleWriteTarget(text: string, sqlMode: string | undefined): TableName | undefined {
  const ts = tokens(text, sqlMode);
  if (!ts || ts.some((t) => t.executable)) return undefined;
  const end = isPunct(ts.at(-1), ';') ? ts.length - 1 : ts.length;
  if (ts.slice(0, end).some((t) => isPunct(t, ';'))) return undefined;
  const update = isWord(ts[0], 'UPDATE');
  if (!update && !isWord(ts[0], 'DELETE')) return undefined;
  let i = 1;
  while (isWord(ts[i], 'LOW_PRIORITY', 'QUICK', 'IGNORE')) i++;
  if (!update) {
    if (!isWord(ts[i], 'FROM')) return undefined;
    i++;
  }
  const found = tableName(ts, i);
  if (!found) return undefined;
  const follows = update ? UPDATE_NEXT : DELETE_NEXT;
  let next = found.next;
  const atEnd = (j: number) => j >= end || isWord(ts[j], ...follows);
  if (!atEnd(next)) {
    // An alias: `AS a` or a bare word that is none of the clause keywords.
    if (isWord(ts[next], 'AS')) next++;
    const alias = ts[next];
    if (!alias || !(alias.kind === 'qident' || (alias.kind === 'word' && !isWord(alias, ...follows))))
      return undefined;
    next++;
  }
  if (update ? !isWord(ts[next], 'SET') : !atEnd(next)) return undefined;
  return found.table;
}

/**
 * The analysis of an input that the gateway confirmed (on the session's own connection, for
 * this very text) to be one write to the session's own temporary table: without the
 * where-clause findings, and marked so that its row estimate is not held against it.
 */
export function withoutOwnTemporaryWrites(a: Analysis, text: string, ctx: MysqlAnalysisContext): Analysis {
  const own = ctx.ownTemporary;
  if (!own || own.text !== text) return a;
  // One judgement per confirmation: the next input is asked about afresh.
  delete ctx.ownTemporary;
  const target = singleWriteTarget(text, ctx.sqlMode);
  // A stored function's body may write other tables under the same rules: nothing is exempted.
  if (a.statements.length !== 1 || !target || mysqlCalledFunctions(text, ctx).length > 0) return a;
  const spellings = [target.name, ...(target.schema ? [`${target.schema}.${target.name}`] : [])];
  const names = new Set(spellings.map((n) => n.toLowerCase()));
  const [s] = a.statements;
  const findings = s!.findings.filter(
    (f) =>
      !ROW_RULES.has(f.rule) || f.objects.length === 0 || !f.objects.every((o) => names.has(o.toLowerCase())),
  );
  return { ...a, findings, statements: [{ ...s!, findings }], temporaryTarget: own.table };
}
