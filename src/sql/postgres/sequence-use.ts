// Which statements move a sequence without naming nextval() or setval(): sequence changes are
// not transactional, so a dry run (which rolls everything else back) must not run them. A row
// written to a table moves a sequence when a column it does not supply has a default that draws
// from one (serial, identity, DEFAULT nextval(…), a default calling a user function) or a DEFAULT
// is written explicitly, or when a trigger on the table calls one. The table's columns come from
// the catalog (`SequenceColumns`); the dry run's own DDL is invisible there, so a table it gave
// such defaults or triggers is named by `ownSequenceDdl` and treated as moving one on every write.
import { asList, asNode, contains, nameList, str } from './nodes.js';
import { type PgNode, parseSql } from './parser.js';

/** A column list that stands for every column: a trigger that calls nextval() runs on any write. */
export const ANY_WRITE = '*';

/** Columns (of any table of that name) whose value draws from a sequence; `*`: every write does. */
export type SequenceColumns = (relname: string) => readonly string[] | undefined;

export interface RowWrite {
  verb: 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' | 'COPY';
  relname: string;
  /** A row is inserted: the defaults of the columns it does not supply are evaluated. */
  inserts: boolean;
  /** Columns an insert supplies; undefined: no column list. */
  supplied?: readonly string[];
  /** A DEFAULT written explicitly, or OVERRIDING USER VALUE: defaults are evaluated anyway. */
  defaults: boolean;
}

const BODY_CALLS = /\b(?:nextval|setval)\s*\(/i;

// The last text parsed: a statement is read several times while it is judged and planned.
let last: { text: string; statements: PgNode[] } | undefined;

function parse(text: string): PgNode[] {
  if (last?.text === text) return last.statements;
  let statements: PgNode[];
  try {
    statements = parseSql(text).map((s) => s.stmt);
  } catch {
    // The server rejects it too: it runs nothing.
    statements = [];
  }
  last = { text, statements };
  return statements;
}

function names(list: unknown, key: 'name' | 'sval'): string[] {
  return asList(list)
    .map((item) => {
      const n = asNode(item);
      return str(asNode(n?.ResTarget)?.[key] ?? asNode(n?.String)?.[key]);
    })
    .filter((s): s is string => s !== undefined);
}

function relname(v: unknown): string | undefined {
  const n = asNode(v);
  return str((asNode(n?.RangeVar) ?? n)?.relname);
}

function visit(v: unknown, f: (type: string, n: PgNode) => void): void {
  if (Array.isArray(v)) for (const x of v) visit(x, f);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      const n = asNode(x);
      if (n && /^[A-Z]/.test(k)) f(k, n);
      visit(x, f);
    }
}

function insertLike(verb: RowWrite['verb'], table: string, cols: string[], node: PgNode): RowWrite {
  return {
    verb,
    relname: table,
    inserts: true,
    ...(cols.length > 0 ? { supplied: cols } : {}),
    defaults: contains(node, 'SetToDefault') || str(node.override) === 'OVERRIDING_USER_VALUE',
  };
}

function changeOf(verb: RowWrite['verb'], table: string, node: PgNode): RowWrite {
  return { verb, relname: table, inserts: false, defaults: contains(node, 'SetToDefault') };
}

/** Every row-writing statement in the text, also inside CTEs. */
export function rowWrites(text: string): RowWrite[] {
  const out: RowWrite[] = [];
  visit(parse(text), (type, n) => {
    const table = relname(n.relation);
    if (!table) return;
    if (type === 'InsertStmt') out.push(insertLike('INSERT', table, names(n.cols, 'name'), n));
    else if (type === 'CopyStmt' && n.is_from === true)
      out.push(insertLike('COPY', table, names(n.attlist, 'sval'), {}));
    else if (type === 'UpdateStmt') out.push(changeOf('UPDATE', table, n));
    else if (type === 'DeleteStmt') out.push(changeOf('DELETE', table, n));
    else if (type === 'MergeStmt')
      for (const w of asList(n.mergeWhenClauses)) {
        const c = asNode(asNode(w)?.MergeWhenClause);
        if (!c) continue;
        out.push(
          str(c.commandType) === 'CMD_INSERT'
            ? insertLike('MERGE', table, names(c.targetList, 'name'), c)
            : changeOf('MERGE', table, c),
        );
      }
  });
  return out;
}

/** Why this write moves a sequence, or undefined. `columns` undefined: not known (fail closed). */
export function movesSequence(w: RowWrite, columns: readonly string[] | undefined): string | undefined {
  const what = `${w.verb} ${w.relname}`;
  if (columns === undefined) return `${what}: its column defaults could not be read`;
  if (columns.includes(ANY_WRITE)) return `${what}: a trigger on it calls nextval() or setval()`;
  if (columns.length === 0) return undefined;
  if (w.defaults) return `${what}: writes DEFAULT, and ${columns.join(', ')} draws from a sequence`;
  if (!w.inserts) return undefined;
  const missing = w.supplied === undefined ? columns : columns.filter((c) => !w.supplied!.includes(c));
  return missing.length > 0 ? `${what}: ${missing.join(', ')} draws from a sequence` : undefined;
}

// Defaults that read the clock or make random values: no sequence behind them.
const PLAIN_DEFAULTS = new Set([
  'now',
  'clock_timestamp',
  'statement_timestamp',
  'transaction_timestamp',
  'timeofday',
  'gen_random_uuid',
  'random',
]);

function callsBeyondPlain(node: unknown): boolean {
  let found = false;
  visit(node, (type, n) => {
    if (type !== 'FuncCall') return;
    const name = nameList(n.funcname).replace(/^pg_catalog\./, '');
    if (!PLAIN_DEFAULTS.has(name)) found = true;
  });
  return found;
}

/**
 * Tables the text gives defaults or triggers that may draw from an existing sequence (CREATE /
 * ALTER TABLE with a function-call default, LIKE, INHERITS, PARTITION OF; CREATE TRIGGER).
 */
export function ownSequenceDdl(text: string): string[] {
  const out: string[] = [];
  for (const stmt of parse(text)) {
    const create = asNode(stmt.CreateStmt);
    const alter = asNode(stmt.AlterTableStmt);
    const trigger = asNode(stmt.CreateTrigStmt);
    const node = create ?? alter ?? trigger;
    const table = relname(node?.relation);
    if (!node || !table) continue;
    const risky =
      trigger !== undefined ||
      callsBeyondPlain(node) ||
      contains(node, 'TableLikeClause') ||
      asList(create?.inhRelations).length > 0 ||
      create?.partbound !== undefined ||
      asList(alter?.cmds).some((c) => str(asNode(asNode(c)?.AlterTableCmd)?.subtype) === 'AT_AddInherit');
    if (risky) out.push(table);
  }
  return out;
}

/** A parsed body (SQL-standard `RETURN …` / `BEGIN ATOMIC`) that calls nextval() or setval(). */
function callsSequenceFunction(node: unknown): boolean {
  let found = false;
  visit(node, (type, n) => {
    if (type === 'FuncCall' && /^(?:pg_catalog\.)?(?:nextval|setval)$/.test(nameList(n.funcname)))
      found = true;
  });
  return found;
}

/** Functions the text defines whose body names nextval() or setval() (lower-cased names). */
export function sequenceFunctionsDefined(text: string): string[] {
  const out: string[] = [];
  for (const stmt of parse(text)) {
    const fn = asNode(stmt.CreateFunctionStmt);
    if (!fn) continue;
    const body = asList(fn.options).some((o) => {
      const d = asNode(asNode(o)?.DefElem);
      return str(d?.defname) === 'as' && BODY_CALLS.test(JSON.stringify(d?.arg));
    });
    if (body || callsSequenceFunction(fn.sql_body))
      out.push((nameList(fn.funcname).split('.').pop() ?? '').toLowerCase());
  }
  return out;
}

/** Whether a function body (its definition or source text) names nextval() or setval(). */
export function bodyMovesSequences(body: string): boolean {
  return BODY_CALLS.test(body);
}
