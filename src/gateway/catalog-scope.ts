// Which objects a catalog change may alter, and which a judgement relied on, as bare lower-cased
// names: the catalog barrier holds apart only the statements and changes that share a name. A
// second connection of the same migration tool (its history table, its lock) goes on while the
// migration's transaction is open, unless the two name the same object.
//
// A change's scope is every name in its text (function bodies included): a trigger, rule,
// policy, default or view is changed by a statement naming its relation, a function by one naming
// it, a name's meaning (a new table or function earlier on the search path, a rename) by one
// naming it. Changes whose effect reaches objects they do not name (schemas, types, domains,
// roles and grants, extensions, anything opaque or dynamic) are scoped to everything.

import { tokenize } from '../sql/mysql/lexer.js';
import type { MysqlAnalysisContext } from '../sql/mysql/session.js';
import { lexFlags } from '../sql/mysql/sql-mode.js';
import { scanTokens } from '../sql/postgres/parser.js';
import type { Analysis, AnalysisContext } from '../sql/types.js';

/** The names a change may alter, or everything. */
export type ChangeScope = ReadonlySet<string> | 'all';

/** What a judgement reached: the relations it touches and the functions it calls (resolve.ts). */
export interface Reaching {
  relations: readonly string[];
  calls: readonly { name: string }[];
}

// Statements that cannot create, change or drop a trigger, rule, policy, view, default, domain
// or function by themselves (what they call or fire is looked at apart). COMMIT PREPARED makes a
// prepared transaction's DDL visible: a change, from any session.
const DATA_ONLY =
  /^(?:select|insert|update|delete|merge|copy|values|table|with|replace|load|explain|show|fetch|move|close|begin|start|commit(?! prepared)|end|rollback(?! prepared)|abort|savepoint|release|execute|deallocate|listen|unlisten|notify|lock|declare|checkpoint|analyze|vacuum|call|set\s+(?!search_path|schema|role|session))\b/i;
// Words without which code cannot change the catalog (EXECUTE: dynamic SQL may do anything).
const CATALOG_WORDS = /\b(?:create|alter|drop|comment|grant|revoke|rename|import|execute|prepare)\b/i;
// Changes that alter only what they name (canonical text: one space between tokens).
const NAMED =
  /^(?:create(?: or replace)?(?: (?:temp|temporary|unlogged))?(?: definer = \S+)?(?: sql security \w+)?(?: constraint)? (?:table|view|materialized view|trigger|rule|policy|function|procedure|(?:unique )?index|sequence)|(?:alter|drop) (?:table|view|materialized view|trigger|rule|policy|function|procedure|index|sequence)|comment on|rename table|truncate)\b/i;

const IDENTIFIER = /"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|([\p{L}_][\p{L}\p{N}_$]*)/gu;

/**
 * What running a statement may change in the catalog: undefined when nothing (a plain write whose
 * text and reached code, function bodies and fired definitions, could not create or replace
 * anything), else the names it may alter, read with the dialect's own lexer (`ctx`: the
 * session's sql_mode and server, for MySQL).
 */
export function catalogChange(
  analysis: Analysis,
  text: string,
  reachedCode: readonly string[],
  ctx: AnalysisContext,
): ChangeScope | undefined {
  // Code that may change the catalog does it by names built at run time, or not read here.
  if (analysis.opaque || reachedCode.some((c) => CATALOG_WORDS.test(c))) return 'all';
  if (analysis.statements.every((s) => DATA_ONLY.test(s.canonical)))
    return CATALOG_WORDS.test(text) ? 'all' : undefined;
  const scope = new Set<string>();
  for (const s of analysis.statements) {
    if (DATA_ONLY.test(s.canonical)) {
      if (CATALOG_WORDS.test(s.text)) return 'all';
    } else if (!NAMED.test(s.canonical) || !namesIn(s.text, ctx, scope)) return 'all';
  }
  return scope;
}

/**
 * Adds the names in one statement as the server's lexer reads them: comments dropped, quoted
 * names whole, and every name-like word inside strings (bodies, arguments). A scan that did not
 * know comments and strings let a quote in a comment pair with one in a string and swallow the
 * table's name between them. False when the text cannot be read so (a Unicode-escaped name,
 * U&"\0074", is not the name its letters spell).
 */
function namesIn(text: string, ctx: AnalysisContext, names: Set<string>): boolean {
  try {
    if (ctx.dialect === 'postgres') {
      for (const t of scanTokens(text).tokens) {
        if (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT') continue;
        if (/^u&"/i.test(t.text)) return false;
        if (t.tokenName !== 'IDENT') wordsIn(t.text, names);
        else if (t.text.startsWith('"')) names.add(t.text.slice(1, -1).replaceAll('""', '"').toLowerCase());
        else names.add(t.text.toLowerCase());
      }
      return true;
    }
    const m = ctx as MysqlAnalysisContext;
    for (const t of tokenize(text, lexFlags(m.sqlMode, m.server))) {
      if (t.kind === 'word' || t.kind === 'qident') names.add(t.value.toLowerCase());
      else if (t.kind === 'string') wordsIn(t.value, names);
    }
    return true;
  } catch {
    return false;
  }
}

/** Adds every name-like run in `text` (bare words, "quoted" and `quoted` names), lower-cased. */
function wordsIn(text: string, names: Set<string>): void {
  for (const m of text.matchAll(IDENTIFIER)) names.add(identifier(m).toLowerCase());
}

/** The bare names a judgement reached: each relation's last part (quoted or not), each function's name. */
export function reachedNames(r: Reaching): string[] {
  return [...r.relations.map(lastPart), ...r.calls.map((c) => c.name.toLowerCase())];
}

function lastPart(relation: string): string {
  let last = relation;
  for (const m of relation.matchAll(IDENTIFIER)) last = identifier(m);
  return last.toLowerCase();
}

function identifier(m: RegExpMatchArray): string {
  return m[1]?.replaceAll('""', '"') ?? m[2]?.replaceAll('``', '`') ?? m[3]!;
}

/**
 * Every name a reached relation may stand for: its last part, and every way its text can end at a
 * dot (the analyzer joins a schema and a relation with a dot, unquoted, and a quoted name may hold
 * dots or spaces: `a.b.c d` is `c d`, `b.c d` or itself).
 */
function reachedForms(r: Reaching): string[] {
  const names = reachedNames(r);
  for (const relation of r.relations) {
    const lower = relation.toLowerCase();
    names.push(lower);
    for (let dot = lower.indexOf('.'); dot >= 0; dot = lower.indexOf('.', dot + 1))
      names.push(lower.slice(dot + 1));
  }
  return names;
}

/** Whether a change of `scope` may alter what `r` reached. */
export function touches(scope: ChangeScope, r: Reaching): boolean {
  return scope === 'all' || reachedForms(r).some((n) => scope.has(n));
}

/** Both scopes together. */
export function widen(a: ChangeScope | undefined, b: ChangeScope): ChangeScope {
  if (a === undefined) return b;
  if (a === 'all' || b === 'all') return 'all';
  return new Set([...a, ...b]);
}
