// What existing MySQL / MariaDB tables and views run when a statement touches them: a write runs
// the table's triggers (their bodies, from information_schema.TRIGGERS), a reference to a view
// runs its query (information_schema.VIEWS). The gateway reads them before analysis; the analyzer
// judges each body as code run by the statement. Relations are found in the tokens (the body of
// a routine or trigger is read the same way), over-approximating: a name that is no relation
// only costs a look-up that finds nothing.

import { Lru } from '../cache.js';
import { cut, match, seedOf, skeleton, type Template } from '../template.js';
import type { AnalysisContext, FiredObject, FiredResolver } from '../types.js';
import { callsIn, type RoutineCall } from './calls.js';
import { LexError, type Token, tokenize } from './lexer.js';
import type { MysqlAnalysisContext } from './session.js';
import { lexFlags } from './sql-mode.js';
import { isPunct, isWord, readName } from './tokens.js';

export interface Touch {
  table: string;
  /** i(nsert), u(pdate), d(elete), s(elect). */
  events: string;
}

// TABLE: LOAD DATA … REPLACE INTO TABLE t, which deletes the rows it replaces.
const MODIFIERS = ['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'QUICK', 'INTO', 'FROM', 'TABLE'];

function skipModifiers(tokens: readonly Token[], i: number): number {
  while (isWord(tokens[i], ...MODIFIERS)) i++;
  return i;
}

/** The tables a statement (or a body of statements) writes and reads. */
export function touchedRelations(tokens: readonly Token[]): Touch[] {
  const out = new Map<string, Touch>();
  const touch = (name: string | undefined, events: string) => {
    if (!name) return;
    const key = name.toLowerCase();
    const had = out.get(key);
    out.set(key, { table: name, events: had ? [...new Set(had.events + events)].join('') : events });
  };
  const upsert = tokens.some((t, i) => isWord(t, 'DUPLICATE') && isWord(tokens[i + 1], 'KEY'));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // INSERT( and REPLACE( are string functions; UPDATE ( opens a parenthesised table reference.
    if (
      t.kind !== 'word' ||
      (isPunct(tokens[i + 1], '(') && t.upper !== 'UPDATE') ||
      isPunct(tokens[i - 1], '.')
    )
      continue;
    switch (t.upper) {
      case 'INSERT':
        touch(readName(tokens, skipModifiers(tokens, i + 1))?.name, upsert ? 'iu' : 'i');
        break;
      case 'REPLACE':
        touch(readName(tokens, skipModifiers(tokens, i + 1))?.name, 'id');
        break;
      case 'UPDATE':
        // ON DUPLICATE KEY UPDATE names columns, and SELECT … FOR UPDATE locks rows: no table.
        if (!isWord(tokens[i - 1], 'KEY', 'FOR'))
          for (const name of referencedTables(tokens, skipModifiers(tokens, i + 1), UPDATE_ENDS))
            touch(name, 'u');
        break;
      case 'DELETE':
        for (const name of referencedTables(tokens, skipModifiers(tokens, i + 1), DELETE_ENDS))
          touch(name, 'd');
        break;
      case 'TABLE':
        // LOAD DATA … INTO TABLE t
        if (isWord(tokens[i - 1], 'INTO')) touch(readName(tokens, i + 1)?.name, 'i');
        break;
      case 'FROM':
      case 'JOIN':
      case 'USING': {
        // A list of tables: FROM a, b x, c AS y. DELETE … USING writes the first ones too, but
        // reading them is what views and triggers care about here.
        let j = i + 1;
        for (;;) {
          const n = readName(tokens, j);
          if (!n) break;
          touch(n.name, 's');
          j = n.next;
          if (isWord(tokens[j], 'AS')) j++;
          if (
            tokens[j]?.kind === 'word' &&
            !isPunct(tokens[j + 1], '.') &&
            !KEYWORD_AFTER.has(tokens[j]!.upper)
          )
            j++;
          if (!isPunct(tokens[j], ',')) break;
          j++;
        }
        break;
      }
    }
  }
  return [...out.values()];
}

/**
 * The tables a multi-table UPDATE may write (`UPDATE a JOIN b ON … SET b.x = …`, `UPDATE a, b SET
 * …`) and a multi-table DELETE may delete from (`DELETE a, b FROM a JOIN b …`, `DELETE FROM a
 * USING a JOIN b …`): every name at the start of a table reference up to the first of `ends`
 * outside parentheses, parenthesised and braced ones included (`JOIN (b)`, `(a JOIN b)`,
 * `{ OJ a LEFT JOIN b … }`). Which of them a SET or a delete list names is not told apart, and a
 * name at the start of a subquery or a condition counts too: a table only read has its triggers
 * judged too, and a name that is no table finds nothing, which can only hold more.
 */
function referencedTables(tokens: readonly Token[], start: number, ends: ReadonlySet<string>): string[] {
  const names: string[] = [];
  let depth = 0;
  let expectName = true;
  for (let j = start; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (isPunct(t, '(') || t.text === '{') {
      depth++;
      expectName = true;
    } else if (isPunct(t, ')') || t.text === '}') depth--;
    else if (depth === 0 && (isPunct(t, ';') || (t.kind === 'word' && ends.has(t.upper)))) break;
    else if (isPunct(t, ',') || (t.kind === 'word' && OPENS_TABLE.has(t.upper))) expectName = true;
    else if (expectName && !isWord(t, 'OJ')) {
      expectName = false;
      const n = readName(tokens, j);
      if (n) {
        names.push(n.name);
        j = n.next - 1;
      }
    }
  }
  return names;
}

const UPDATE_ENDS = new Set(['SET']);
const DELETE_ENDS = new Set(['WHERE', 'ORDER', 'LIMIT', 'RETURNING']);
/** Words after which a table reference follows. */
const OPENS_TABLE = new Set(['JOIN', 'STRAIGHT_JOIN', 'FROM', 'USING']);

/** Words that end a table reference rather than alias it. */
const KEYWORD_AFTER = new Set([
  'WHERE',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'CROSS',
  'NATURAL',
  'STRAIGHT_JOIN',
  'ON',
  'USING',
  'GROUP',
  'ORDER',
  'HAVING',
  'LIMIT',
  'UNION',
  'SET',
  'FOR',
  'LOCK',
  'WINDOW',
  'INTO',
  'PARTITION',
  'USE',
  'FORCE',
  'IGNORE',
  'EXCEPT',
  'INTERSECT',
  'RETURNING',
  'VALUES',
  'SELECT',
]);

/** The objects that fire for a touch. */
export function firedFor(objects: readonly FiredObject[], events: string): FiredObject[] {
  return objects.filter((o) => [...events].some((c) => o.events.includes(c)));
}

/** What a text's own tokens reach, before any body is followed. Shared: never changed. */
interface OwnReach {
  readonly calls: readonly RoutineCall[];
  readonly touched: readonly Touch[];
  /** Lower-cased names of the prepared statements it EXECUTEs. */
  readonly executes: readonly string[];
}

/**
 * Own reaches by template (../template.ts), under the sql_mode they were lexed in. A text that
 * differs from a template's only in simple literals lexes into the same tokens but for those
 * literals' values, and calls and touched relations are read from names alone: sysbench's next id
 * is not lexed again. A text without such literals is its own template (no slots: the same text).
 */
const OWN_REACHES = new Lru<number, Template<{ sqlMode: string; own: OwnReach }>>(1024);
/** Longer texts (bodies, generated batches) are lexed each time rather than kept. */
const OWN_MAX_TEXT = 4096;
/** Where `match` puts the slots' bounds (not read). */
const BOUNDS: number[] = [];

function ownReach(text: string, ctx: AnalysisContext): OwnReach {
  if (text.length > OWN_MAX_TEXT) return reachOf(lex(text, ctx));
  // No mode at all is not the mode of any name ('' is the empty mode, an SQL value).
  const sqlMode = ctx.sqlMode === undefined ? '\0' : ctx.sqlMode;
  const key = skeleton(text, seedOf(sqlMode));
  const known = OWN_REACHES.get(key);
  if (known && known.value.sqlMode === sqlMode && match(known, text, BOUNDS)) return known.value.own;
  const tokens = lex(text, ctx);
  const own = reachOf(tokens);
  // Text the lexer refused reaches nothing; lexed again next time rather than remembered.
  if (tokens.length === 0) return own;
  const value = { sqlMode, own };
  const literals = tokens.flatMap((t, i) =>
    (t.kind === 'number' || t.kind === 'string') && t.prefix === undefined ? [i] : [],
  );
  const template = cut(
    text,
    tokens.map((t) => t.start),
    tokens.map((t) => t.end),
    literals,
    () => value,
  );
  OWN_REACHES.set(key, template ?? { segments: [text], kinds: [], value });
  return own;
}

function reachOf(tokens: readonly Token[]): OwnReach {
  const executes: string[] = [];
  for (let i = 0; i + 1 < tokens.length; i++)
    if (isWord(tokens[i], 'EXECUTE') && tokens[i + 1]!.kind !== 'string')
      executes.push(tokens[i + 1]!.value.toLowerCase());
  return { calls: callsIn(tokens), touched: touchedRelations(tokens), executes };
}

function lex(text: string, ctx: AnalysisContext | undefined): Token[] {
  try {
    return tokenize(text, lexFlags(ctx?.sqlMode, (ctx as MysqlAnalysisContext | undefined)?.server));
  } catch (err) {
    if (err instanceof LexError) return [];
    throw err;
  }
}

/**
 * The touches, and for a write to a view the same write to every table its query reads: an
 * updatable view writes its base table, whose triggers fire (over-approximated: every table the
 * query reads counts), through views over views. A view's definition, as information_schema
 * shows it, names its tables with their database and backquotes.
 */
export function throughViews(touches: readonly Touch[], fired: FiredResolver | undefined): Touch[] {
  const out = [...touches];
  const key = (t: Touch) => `${t.table.toLowerCase()}\0${t.events}`;
  const seen = new Set(out.map(key));
  for (let i = 0; i < out.length; i++) {
    const writes = out[i]!.events.replace('s', '');
    if (!writes) continue;
    for (const o of fired?.firedBy(out[i]!.table) ?? []) {
      if (!o.view || !o.sql) continue;
      for (const base of touchedRelations(lex(o.sql, undefined))) {
        const next = { table: base.table, events: writes };
        if (seen.has(key(next))) continue;
        seen.add(key(next));
        out.push(next);
      }
    }
  }
  return out;
}

/**
 * What a MySQL statement reaches, so the gateway can read it before `analyze`: the routines it
 * calls and the relations it touches, through the bodies of the routines, triggers and views
 * already read (the gateway asks again after each read, to a fixed point).
 */
export function mysqlReached(
  text: string,
  ctx: AnalysisContext,
): { calls: RoutineCall[]; relations: string[]; code: string[] } {
  const calls = new Map<string, RoutineCall>();
  const relations = new Set<string>();
  const code: string[] = [];
  const seen = new Set<string>([text]);
  const work = [text];
  const more = (body: string) => {
    if (seen.has(body)) return;
    seen.add(body);
    code.push(body);
    work.push(body);
  };
  for (let i = 0; i < work.length; i++) {
    const own = ownReach(work[i]!, ctx);
    for (const c of own.calls) {
      calls.set(`${c.schema ?? ''}.${c.name.toLowerCase()}`, c);
      const bodies = ctx.functions?.lookupAll?.(c.name, c.schema) ?? [];
      for (const fn of bodies) if (fn.body) more(fn.body);
    }
    // A statement prepared in SQL runs its text: what it reaches is read before the EXECUTE is judged.
    for (const name of own.executes) {
      const prepared = (ctx as MysqlAnalysisContext).mysql?.prepared?.get(name)?.text;
      if (prepared !== undefined) more(prepared);
    }
    for (const t of throughViews(own.touched, ctx.fired)) {
      relations.add(t.table);
      for (const o of firedFor(ctx.fired?.firedBy(t.table) ?? [], t.events)) if (o.sql) more(o.sql);
    }
  }
  return { calls: [...calls.values()], relations: [...relations], code };
}

/**
 * Runs `judge` on the body of everything that fires on the relations `tokens` touch; `opaque` for
 * a relation the catalog was not read for (the gateway's bound on rounds was hit) or whose code it
 * does not show. Returns whether anything fired or was unread: then the analysis depends on more
 * than the text and the catalog's version.
 */
export function followFired(
  tokens: readonly Token[],
  fired: FiredResolver,
  judge: (sql: string, what: string) => void,
  opaque: (table: string, why: string) => void,
): boolean {
  let followed = false;
  for (const t of throughViews(touchedRelations(tokens), fired)) {
    const objects = fired.firedBy(t.table);
    if (objects === undefined) {
      opaque(t.table, `what fires on ${t.table} was not read from the catalog`);
      followed = true;
      continue;
    }
    for (const o of firedFor(objects, t.events)) {
      followed = true;
      const what = `${o.what} on ${t.table}`;
      if (o.sql) judge(o.sql, what);
      else if (o.hidden) opaque(t.table, `${what}: its body cannot be read`);
    }
  }
  return followed;
}
