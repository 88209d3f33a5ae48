// Which tables a Postgres statement touches and how, read from the real parser's tree, and the
// read-only COUNT that matches a DELETE / UPDATE. libpg-query 18 has no deparser, so the count is
// assembled from slices of the statement's own text, cut at top-level keywords found by the
// server's lexer; the result is parsed again and must be a single SELECT, or no count is made.
import { type PgNode, parseSql, scanTokens } from '../sql/postgres/parser.js';

export interface PgName {
  schema?: string;
  name: string;
}

export type PgTarget = { statement: number; table: PgName } & (
  | { kind: 'drop-table' | 'truncate' }
  | {
      kind: 'delete' | 'update';
      text: string;
      count: { sql: string } | { reason: string };
      /**
       * The count's rows (`target WHERE …`), for counting what they cascade to; `extra`: the
       * placeholders only the write uses, selected as text beside a count so they can be bound.
       */
      rows: { from: string; extra: string } | { reason: string };
      /** UPDATE: the columns it sets (a key among them cascades to referencing tables). */
      sets: string[];
      /** The highest placeholder number ($n) in the statement; 0 without placeholders. */
      params: number;
      /**
       * Columns of the target the WHERE fixes to one value (`col = 5`, `col = $1`, ANDed at its
       * top level), when the statement has no WITH, FROM or USING; with ONLY, `only` is set.
       */
      pinned: string[];
      only: boolean;
    }
  | { kind: 'drop-column'; column: string; lockLevel: string }
  /** ALTER COLUMN … TYPE … USING: every row's value is computed again, as an UPDATE of all rows. */
  | { kind: 'rewrite'; column: string }
  | { kind: 'lock'; lockLevel: string; columns: string[] }
);

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The name as SQL, every part quoted: the parser already folded case. */
export function pgQualified(n: PgName): string {
  return n.schema ? `${quoteIdent(n.schema)}.${quoteIdent(n.name)}` : quoteIdent(n.name);
}

/** A string literal that means the same whatever standard_conforming_strings is. */
export const pgLiteral = (s: string) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const pgTextArray = (items: string[]) =>
  items.length ? `ARRAY[${items.map(pgLiteral).join(', ')}]::text[]` : 'ARRAY[]::text[]';

export function pgDisplay(n: PgName): string {
  return n.schema ? `${n.schema}.${n.name}` : n.name;
}

// Lock strengths in the order of the Postgres manual's table-level lock modes (13.3.1).
const LOCKS = ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'];
const strongest = (a: string, b: string) => (LOCKS.indexOf(a) >= LOCKS.indexOf(b) ? a : b);

// ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (manual: ALTER TABLE, "Notes").
const ALTER_LOCKS: Record<string, string> = {
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_SetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_SetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigUser: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigUser: 'SHARE ROW EXCLUSIVE',
};

function alterLock(cmd: PgNode): string {
  if (cmd.subtype === 'AT_AddConstraint') {
    const c = (cmd.def as { Constraint?: { contype?: string } } | undefined)?.Constraint;
    return c?.contype === 'CONSTR_FOREIGN' ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  }
  if (cmd.subtype === 'AT_DetachPartition' && (cmd.def as PgNode | undefined)?.PartitionCmd)
    return ((cmd.def as { PartitionCmd: { concurrent?: boolean } }).PartitionCmd.concurrent ?? false)
      ? 'SHARE UPDATE EXCLUSIVE'
      : 'ACCESS EXCLUSIVE';
  return ALTER_LOCKS[String(cmd.subtype)] ?? 'ACCESS EXCLUSIVE';
}

const rangeVar = (rv: PgNode): PgName => ({
  ...(typeof rv.schemaname === 'string' ? { schema: rv.schemaname } : {}),
  name: String(rv.relname),
});

function listName(node: PgNode): PgName | undefined {
  const items = ((node.List as { items?: PgNode[] } | undefined)?.items ?? []).map(
    (i) => (i.String as { sval: string }).sval,
  );
  if (items.length === 1) return { name: items[0]! };
  if (items.length === 2) return { schema: items[0]!, name: items[1]! };
  return undefined; // database.schema.table: not this database's to estimate
}

/**
 * The estimable parts of each statement in `text`. `lockHeavy(i)` says whether the analyzer found
 * a lock-heavy rule in statement i; ALTER TABLE gets a lock estimate only then.
 */
export function pgTargets(text: string, lockHeavy: (statement: number) => boolean): PgTarget[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: PgTarget[] = [];
  for (const [statement, raw] of parseSql(text).entries()) {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    const own = bytes.subarray(start, end).toString('utf8').trim();
    const [type, node] = Object.entries(raw.stmt)[0] as [string, PgNode];
    switch (type) {
      case 'DropStmt':
        if (node.removeType !== 'OBJECT_TABLE') break;
        for (const o of (node.objects as PgNode[]) ?? []) {
          const table = listName(o);
          if (table) out.push({ statement, kind: 'drop-table', table });
        }
        break;
      case 'TruncateStmt':
        for (const r of (node.relations as PgNode[]) ?? [])
          out.push({ statement, kind: 'truncate', table: rangeVar(r.RangeVar as PgNode) });
        break;
      case 'DeleteStmt':
      case 'UpdateStmt': {
        const kind = type === 'DeleteStmt' ? 'delete' : 'update';
        let count: ReturnType<typeof pgCountQuery> | undefined;
        out.push({
          statement,
          kind,
          table: rangeVar(node.relation as PgNode),
          text: own,
          // Built when asked for: a write that fixes a unique key is never counted.
          get count() {
            count ??= pgCountQuery(own, kind, node);
            return 'sql' in count ? { sql: count.sql } : count;
          },
          get rows() {
            count ??= pgCountQuery(own, kind, node);
            return 'sql' in count ? { from: count.from, extra: count.extra } : count;
          },
          params: highestParam(node),
          pinned: pinnedColumns(node),
          sets: ((node.targetList as PgNode[] | undefined) ?? []).flatMap((r) => {
            const name = (r.ResTarget as PgNode | undefined)?.name;
            return typeof name === 'string' ? [name] : [];
          }),
          only: (node.relation as PgNode).inh !== true,
        });
        break;
      }
      case 'InsertStmt':
      case 'MergeStmt': {
        // An upsert or a MERGE that updates or deletes matched rows: a mass change with no WHERE
        // to count, so the planner's estimate of the rows it writes (at most) is the figure.
        const clauses = ((node.mergeWhenClauses as PgNode[] | undefined) ?? []).map(
          (c) => (c.MergeWhenClause as PgNode | undefined)?.commandType,
        );
        const upsert = (node.onConflictClause as PgNode | undefined)?.action === 'ONCONFLICT_UPDATE';
        if (!upsert && !clauses.some((c) => c === 'CMD_UPDATE' || c === 'CMD_DELETE')) break;
        out.push({
          statement,
          kind: clauses.includes('CMD_DELETE') ? 'delete' : 'update',
          table: rangeVar(node.relation as PgNode),
          text: own,
          count: { reason: `${upsert ? 'an upsert' : 'MERGE'} is estimated by the planner only` },
          rows: { reason: `${upsert ? 'an upsert' : 'MERGE'} has no WHERE to select its rows by` },
          params: highestParam(node),
          pinned: [],
          sets: [],
          only: false,
        });
        break;
      }
      case 'AlterTableStmt': {
        if (node.objtype !== 'OBJECT_TABLE') break;
        const table = rangeVar(node.relation as PgNode);
        const cmds = ((node.cmds as PgNode[]) ?? []).map((c) => c.AlterTableCmd as PgNode);
        let lock: string | undefined;
        const columns: string[] = [];
        for (const cmd of cmds) {
          const using = (cmd.def as { ColumnDef?: { raw_default?: unknown } } | undefined)?.ColumnDef
            ?.raw_default;
          if (cmd.subtype === 'AT_AlterColumnType' && using && typeof cmd.name === 'string')
            out.push({ statement, kind: 'rewrite', table, column: cmd.name });
          if (cmd.subtype === 'AT_DropColumn' && typeof cmd.name === 'string') {
            out.push({
              statement,
              kind: 'drop-column',
              table,
              column: cmd.name,
              lockLevel: 'ACCESS EXCLUSIVE',
            });
            continue;
          }
          lock = lock ? strongest(lock, alterLock(cmd)) : alterLock(cmd);
          if (typeof cmd.name === 'string') columns.push(cmd.name);
        }
        if (lock && lockHeavy(statement))
          out.push({ statement, kind: 'lock', table, lockLevel: lock, columns });
        break;
      }
      case 'IndexStmt':
        out.push({
          statement,
          kind: 'lock',
          table: rangeVar(node.relation as PgNode),
          lockLevel: node.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE',
          columns: [],
        });
        break;
    }
  }
  return out;
}

/** A value that is the same for every row: a constant or a placeholder, perhaps cast. */
function rowInvariant(node: PgNode | undefined): boolean {
  if (!node) return false;
  if (node.A_Const || node.ParamRef) return true;
  const cast = node.TypeCast as PgNode | undefined;
  return cast !== undefined && rowInvariant(cast.arg as PgNode | undefined);
}

/**
 * The target's columns a DELETE / UPDATE's WHERE sets equal to a row-invariant value in a
 * top-level conjunct. A bare column (no COLLATE) of the target, by its name or alias; volatile
 * calls (`id = random()`) are not row-invariant and do not count.
 */
function pinnedColumns(node: PgNode): string[] {
  if (node.withClause || (node.fromClause as unknown[] | undefined)?.length) return [];
  if ((node.usingClause as unknown[] | undefined)?.length) return [];
  const rel = node.relation as PgNode;
  const names = new Set([String(rel.relname), String((rel.alias as PgNode | undefined)?.aliasname ?? '')]);
  const where = node.whereClause as PgNode | undefined;
  if (!where) return [];
  const and = where.BoolExpr as PgNode | undefined;
  const conjuncts = (and?.boolop === 'AND_EXPR' ? (and.args as PgNode[]) : [where]).map(
    (c) => c.A_Expr as PgNode | undefined,
  );
  const column = (n: PgNode | undefined): string | undefined => {
    const fields = ((n?.ColumnRef as PgNode | undefined)?.fields as PgNode[] | undefined)?.map(
      (f) => (f.String as { sval?: string } | undefined)?.sval,
    );
    if (!fields || fields.some((f) => f === undefined)) return undefined;
    if (fields.length === 1) return fields[0];
    return fields.length === 2 && names.has(fields[0]!) ? fields[1] : undefined;
  };
  const out: string[] = [];
  for (const e of conjuncts) {
    const op = (e?.name as PgNode[] | undefined)?.map((n) => (n.String as { sval?: string }).sval);
    if (e?.kind !== 'AEXPR_OP' || op?.length !== 1 || op[0] !== '=') continue;
    const l = e.lexpr as PgNode | undefined;
    const r = e.rexpr as PgNode | undefined;
    const col = rowInvariant(r) ? column(l) : rowInvariant(l) ? column(r) : undefined;
    if (col !== undefined) out.push(col);
  }
  return out;
}

/** The `$n` numbers of a parse tree. */
function paramNumbers(node: unknown, out: Set<number>): void {
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'ParamRef') out.add(Number((v as { number?: number }).number ?? 0));
    paramNumbers(v, out);
  }
}

/** The highest `$n` in a parse tree. */
function highestParam(node: unknown): number {
  const numbers = new Set<number>();
  paramNumbers(node, numbers);
  return Math.max(0, ...numbers);
}

interface Tok {
  start: number;
  end: number;
  word: string;
}

/** Top-level (parenthesis depth 0) tokens of a statement, keywords upper-cased. */
function topLevel(text: string): { toks: Tok[]; bytes: Buffer } {
  const bytes = Buffer.from(text, 'utf8');
  const toks: Tok[] = [];
  let depth = 0;
  for (const t of scanTokens(text).tokens as {
    start: number;
    end: number;
    text: string;
    tokenName: string;
    keywordKind: number;
  }[]) {
    if (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0)
      toks.push({ start: t.start, end: t.end, word: t.keywordKind ? t.text.toUpperCase() : t.text });
  }
  return { toks, bytes };
}

/**
 * `SELECT count(*)` over the rows a DELETE / UPDATE would touch, keeping its $n placeholders.
 * With USING / FROM, a target row counts once however many joined rows match, as the write
 * itself would treat it: hence EXISTS rather than a join.
 */
function pgCountQuery(
  text: string,
  kind: 'delete' | 'update',
  node: PgNode,
): { sql: string; from: string; extra: string } | { reason: string } {
  if (node.withClause) return { reason: 'statement has a WITH clause: only the planner estimate is made' };
  if ((node.whereClause as PgNode | undefined)?.CurrentOfExpr)
    return { reason: 'WHERE CURRENT OF a cursor cannot be counted separately' };
  const { toks, bytes } = topLevel(text);
  const slice = (from: number, to: number) => bytes.subarray(from, to).toString('utf8').trim();
  const find = (word: string, from: number) => toks.findIndex((t, i) => i >= from && t.word === word);
  const head = kind === 'delete' ? find('FROM', find('DELETE', 0)) : find('UPDATE', 0);
  if (head < 0) return { reason: 'statement shape not recognised' };
  // The statement ends at RETURNING, a semicolon or the end of the text.
  const stops = ['RETURNING', ';'].map((w) => find(w, head + 1)).filter((i) => i > 0);
  const end = stops.length ? Math.min(...stops) : toks.length;
  const at = (word: string, from: number) => {
    const i = find(word, from);
    return i > 0 && i < end ? i : -1;
  };
  const startOf = (i: number) => (i < toks.length ? toks[i]!.start : bytes.length);
  const set = kind === 'update' ? at('SET', head + 1) : -1;
  if (kind === 'update' && set < 0) return { reason: 'statement shape not recognised' };
  const where = at('WHERE', head + 1);
  const join = at(kind === 'delete' ? 'USING' : 'FROM', kind === 'update' ? set + 1 : head + 1);
  const joinBeforeWhere = join > 0 && (where < 0 || join < where) ? join : -1;
  const targetEnd = kind === 'update' ? set : joinBeforeWhere > 0 ? joinBeforeWhere : where > 0 ? where : end;
  const target = slice(toks[head]!.end, startOf(targetEnd));
  const whereText = where > 0 ? slice(toks[where]!.end, startOf(end)) : undefined;
  const joined =
    joinBeforeWhere > 0 ? slice(toks[joinBeforeWhere]!.end, startOf(where > 0 ? where : end)) : undefined;
  const from = joined
    ? `${target} WHERE EXISTS (SELECT 1 FROM ${joined}${whereText ? ` WHERE ${whereText}` : ''})`
    : `${target}${whereText ? ` WHERE ${whereText}` : ''}`;
  const failed = { reason: 'the count query could not be built from the statement text' };
  try {
    const check = parseSql(`SELECT count(*) FROM ${from}`);
    if (check.length !== 1 || !check[0]!.stmt.SelectStmt) return failed;
    // The values of placeholders only the write uses (`SET v = $1`) are bound to the count too:
    // the server must be able to type them, so they are selected as text beside the count.
    const used = new Set<number>();
    paramNumbers(check[0]!.stmt, used);
    let unused = '';
    for (let n = 1; n <= highestParam(node); n++) if (!used.has(n)) unused += `, $${n}::text`;
    return { sql: `SELECT count(*)${unused} FROM ${from}`, from, extra: unused };
  } catch {
    return failed;
  }
}
