// Token-level rules: what kind of statement this is, read from its leading keywords, and the
// dangerous things that can appear anywhere in it (executable code, server files). These rules
// see every token the server will execute, so they hold even where node-sql-parser gives up.
// They only ADD findings; `understood` marks the few shapes that are provably harmless or fully
// classified, which are the only unparseable statements that are not also reported as opaque.
import type { KnownRuleId } from '../rules.js';
import { isAlterDatabase, isCreateIndex, isDropIndex, isDropTemporary, isSequence } from './ddl-shapes.js';
import type { Token } from './lexer.js';
import {
  isPunct,
  isWord,
  readAccount,
  readName,
  readNameList,
  skipIfExists,
  splitTopLevel,
} from './tokens.js';

export interface RawFinding {
  rule: KnownRuleId;
  objects: string[];
  message: string;
}

export interface TokenClassification {
  findings: RawFinding[];
  /** A parser failure on this statement need not make it opaque. */
  understood: boolean;
}

const SERVER_FILE_FUNCTIONS = new Set(['LOAD_FILE']);
// User-defined functions from lib_mysqludf_sys and similar kits that run shell commands.
const EXEC_FUNCTIONS = new Set([
  'SYS_EXEC',
  'SYS_EVAL',
  'SYS_GET',
  'SYS_SET',
  'SYS_BINEVAL',
  'DO_SYSTEM',
  'XP_CMDSHELL',
]);

/** Rules that hold wherever the tokens appear (function calls, INTO OUTFILE, SONAME). */
export function scanAnywhere(tokens: readonly Token[]): RawFinding[] {
  const out: RawFinding[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.hint) hintFindings(t.hint, out);
    const fn = functionName(t);
    if (fn === undefined) continue;
    const next = tokens[i + 1];
    if (isPunct(next, '(')) {
      if (SERVER_FILE_FUNCTIONS.has(fn))
        out.push({
          rule: 'exfiltration/server-file',
          objects: [],
          message: `${fn}() reads a file on the server`,
        });
      else if (fn === 'SETVAL')
        out.push({
          rule: 'destructive/sequence-reset',
          objects: [],
          message: 'SETVAL() moves a sequence: values it hands out again collide with existing keys',
        });
      else if (EXEC_FUNCTIONS.has(fn))
        out.push({
          rule: 'exfiltration/remote-exec',
          objects: [],
          message: `${t.value}() runs a command on the database host`,
        });
    }
    if (t.upper === 'INTO' && isWord(next, 'OUTFILE', 'DUMPFILE')) {
      const file = tokens[i + 2];
      out.push({
        rule: 'exfiltration/into-outfile',
        objects: file?.kind === 'string' ? [file.value] : [],
        message: `SELECT … INTO ${next!.upper} writes a file on the server`,
      });
    }
    if (t.upper === 'SONAME')
      out.push({
        rule: 'exfiltration/remote-exec',
        objects: [],
        message: 'loads a shared library into the server',
      });
  }
  return out;
}

const HARMLESS_SHOW_LIKE = new Set(['SHOW', 'DESCRIBE', 'DESC', 'HELP', 'USE']);
const TRANSACTION_WORDS = new Set(['COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE']);
const ADMIN_LEADERS = new Set([
  'KILL',
  'SHUTDOWN',
  'UNINSTALL',
  'FLUSH',
  'RESET',
  'PURGE',
  'BINLOG',
  'RESTART',
]);
// Session variables whose change needs administrative rights (binary log, replication).
// Session variables only an administrator may set: they hide the session from the logs
// (sql_log_off), or change what and how replicas receive (binlog, GTID, Galera).
const ADMIN_SESSION_VARS = new Set([
  'SQL_LOG_BIN',
  'SQL_LOG_OFF',
  'GTID_NEXT',
  'GTID_DOMAIN_ID',
  'GTID_SEQ_NO',
  'SERVER_ID',
  'PSEUDO_THREAD_ID',
  'PSEUDO_SLAVE_MODE',
  'SKIP_REPLICATION',
  'BINLOG_FORMAT',
  'WSREP_ON',
  'WSREP_OSU_METHOD',
]);

export function classifyTokens(tokens: readonly Token[]): TokenClassification {
  const findings: RawFinding[] = [];
  const add = (rule: KnownRuleId, objects: string[], message: string) =>
    findings.push({ rule, objects, message });
  const t0 = tokens[0];
  const t1 = tokens[1];
  const understood = (): TokenClassification => ({ findings, understood: true });
  const classified = (): TokenClassification => ({ findings, understood: false });
  if (t0?.kind !== 'word') return classified();
  const lead = t0.upper;

  if (HARMLESS_SHOW_LIKE.has(lead)) return understood();
  if (TRANSACTION_WORDS.has(lead)) return understood();
  if (lead === 'BEGIN' && (tokens.length === 1 || (tokens.length === 2 && isWord(t1, 'WORK'))))
    return understood();
  if (lead === 'START' && isWord(t1, 'TRANSACTION')) return understood();
  if (lead === 'EXPLAIN' && !isWord(t1, 'ANALYZE')) return understood();
  if (lead === 'SELECT') {
    // Its dangers (INTO OUTFILE, LOAD_FILE, UDFs) are found anywhere by scanAnywhere. A stray
    // backslash (a client command such as \G) is not SQL: leave that to the parser.
    return tokens.some((t) => t.kind === 'op' && t.text === '\\') ? classified() : understood();
  }

  if (lead === 'DROP') return { findings, understood: classifyDrop(tokens, add) };
  if (lead === 'TRUNCATE') {
    const i = isWord(t1, 'TABLE') ? 2 : 1;
    const names = readNameList(tokens, i);
    add('destructive/truncate', names, `${naming('TRUNCATE', names)} removes every row`);
    return classified();
  }
  if (lead === 'REPLACE') {
    const i = tokens.findIndex((t) => isWord(t, 'INTO'));
    const name = readName(tokens, i >= 0 ? i + 1 : 1);
    add(
      'destructive/replace',
      name ? [name.name] : [],
      'REPLACE deletes the conflicting row before inserting',
    );
    return classified();
  }
  if (lead === 'GRANT') {
    add('privilege/grant', [], 'GRANT changes privileges');
    return classified();
  }
  if (lead === 'REVOKE') {
    add('privilege/revoke', [], 'REVOKE changes privileges');
    return classified();
  }
  if (lead === 'RENAME' && isWord(t1, 'TABLE', 'TABLES')) {
    // RENAME TABLE a TO b, c TO d: each old name, which every reader uses, disappears.
    const old: string[] = [];
    for (const part of splitTopLevel(tokens.slice(2))) {
      const n = readName(part, 0);
      if (n) old.push(n.name);
    }
    add('destructive/rename', old, `RENAME TABLE ${old.join(', ')}: whatever uses the old names fails`);
    return classified();
  }
  if (lead === 'RENAME' && isWord(t1, 'USER')) {
    add('privilege/role-change', accounts(tokens, 2), 'RENAME USER');
    return classified();
  }
  if (lead === 'LOAD' && (isWord(t1, 'DATA') || isWord(t1, 'XML'))) {
    const local = isWord(tokens[2], 'LOCAL') || tokens.some((t) => isWord(t, 'LOCAL'));
    const file = tokens.find((t) => t.kind === 'string');
    add(
      'exfiltration/load-data',
      file ? [file.value] : [],
      `LOAD ${t1!.upper} ${local ? 'LOCAL ' : ''}INFILE reads a file into the database`,
    );
    return classified();
  }
  if (ADMIN_LEADERS.has(lead) || (lead === 'CHANGE' && isWord(t1, 'MASTER', 'REPLICATION'))) {
    add('exfiltration/admin-function', [], `${lead} is a server administration command`);
    return classified();
  }
  if ((lead === 'START' || lead === 'STOP') && isWord(t1, 'SLAVE', 'REPLICA', 'ALL')) {
    add('exfiltration/admin-function', [], `${lead} ${t1!.upper} controls replication`);
    return classified();
  }
  if (lead === 'INSTALL') {
    add('exfiltration/remote-exec', [], 'INSTALL loads a plugin (native code) into the server');
    return classified();
  }
  if (lead === 'SET') return { findings, understood: classifySet(tokens, add) };
  if (lead === 'CREATE') return { findings, understood: classifyCreate(tokens, add) };
  if (lead === 'ALTER') {
    if (isWord(t1, 'USER')) {
      add('privilege/role-change', accounts(tokens, skipIfExists(tokens, 2)), 'ALTER USER');
      return classified();
    }
    const tableAt = isWord(t1, 'ONLINE', 'IGNORE') ? 2 : 1;
    if (isWord(tokens[tableAt], 'TABLE'))
      return { findings, understood: classifyAlterTable(tokens, tableAt + 1, add) };
    if (tokens.some((t) => isWord(t, 'DEFINER')))
      add('privilege/security-definer', [], 'DEFINER = makes the object run with another account’s rights');
    if (isWord(t1, 'SEQUENCE') && tokens.some((t) => isWord(t, 'RESTART')))
      add(
        'destructive/sequence-reset',
        readNameList(tokens, skipIfExists(tokens, 2)),
        'ALTER SEQUENCE … RESTART: values it hands out again collide with existing keys',
      );
    // A view's query runs nothing when it is defined (DEFINER is reported above).
    const view = tokens.findIndex((t) => isWord(t, 'VIEW'));
    const viewName = view > 0 ? readName(tokens, view + 1) : undefined;
    const after = viewName ? tokens[viewName.next] : undefined;
    if (isWord(after, 'AS') || isPunct(after, '(')) return understood();
    if (isAlterDatabase(tokens) || isSequence(tokens)) return understood();
    return classified();
  }
  if (lead === 'DELETE' || lead === 'UPDATE') {
    // Only used when the parser fails: no WHERE at the top level means every row.
    let depth = 0;
    let where = false;
    for (const t of tokens) {
      if (isPunct(t, '(')) depth++;
      else if (isPunct(t, ')')) depth--;
      else if (depth === 0 && isWord(t, 'WHERE')) where = true;
    }
    if (!where)
      add(
        lead === 'DELETE' ? 'destructive/delete-without-where' : 'destructive/update-without-where',
        [],
        `${lead} without WHERE changes every row`,
      );
    return classified();
  }
  if (lead === 'INSERT') return { findings, understood: literalInsert(tokens) };
  return classified();
}

type Add = (rule: KnownRuleId, objects: string[], message: string) => void;

function accounts(tokens: readonly Token[], i: number): string[] {
  const out: string[] = [];
  let j = i;
  for (;;) {
    const a = readAccount(tokens, j);
    if (!a) break;
    out.push(a.name);
    j = a.next;
    while (j < tokens.length && !isPunct(tokens[j], ',')) j++;
    if (!isPunct(tokens[j], ',')) break;
    j++;
  }
  return out;
}

const DROP_RULES: Record<string, KnownRuleId> = {
  DATABASE: 'destructive/drop-database',
  SCHEMA: 'destructive/drop-database',
  TABLE: 'destructive/drop-table',
  TABLES: 'destructive/drop-table',
  VIEW: 'destructive/drop-view',
  FUNCTION: 'destructive/drop-function',
  PROCEDURE: 'destructive/drop-function',
  PACKAGE: 'destructive/drop-function',
  SEQUENCE: 'destructive/drop-sequence',
  INDEX: 'destructive/drop-index',
  TRIGGER: 'destructive/drop-other',
  EVENT: 'destructive/drop-other',
  SERVER: 'destructive/drop-other',
  TABLESPACE: 'destructive/drop-other',
  SPATIAL: 'destructive/drop-other',
  LOGFILE: 'destructive/drop-other',
};

/** A message that names what the statement acts on, as the Postgres findings do: `DROP TABLE shop.users`. */
function naming(head: string, names: string[]): string {
  return names.length ? `${head} ${names.join(', ')}` : head;
}

function classifyDrop(tokens: readonly Token[], add: Add): boolean {
  let i = 1;
  const t1 = tokens[1];
  if (isWord(t1, 'PREPARE')) return true;
  if (isWord(t1, 'USER', 'ROLE')) {
    const names = accounts(tokens, skipIfExists(tokens, 2));
    add('privilege/role-change', names, naming(`DROP ${t1!.upper}`, names));
    return false;
  }
  if (isWord(t1, 'TEMPORARY') && isWord(tokens[2], 'TABLE')) {
    // Only ever drops this session's temporary tables.
    return isDropTemporary(tokens);
  }
  if (isWord(t1, 'ONLINE', 'OFFLINE')) i++;
  if (isWord(tokens[i], 'PACKAGE') && isWord(tokens[i + 1], 'BODY')) i++;
  const kind = tokens[i];
  const rule = kind?.kind === 'word' ? DROP_RULES[kind.upper] : undefined;
  const what = kind?.kind === 'word' ? kind.upper : 'object';
  const nameAt = skipIfExists(tokens, i + 1);
  if (what === 'INDEX') {
    const index = readName(tokens, nameAt);
    const on = tokens.findIndex((t) => isWord(t, 'ON'));
    const table = on >= 0 ? readName(tokens, on + 1) : undefined;
    add(
      'destructive/drop-index',
      [table && index ? `${table.name}.${index.name}` : (index?.name ?? '')].filter(Boolean),
      `${naming('DROP INDEX', index ? [index.name] : [])}${table ? ` ON ${table.name}` : ''}`,
    );
    return isDropIndex(tokens, nameAt);
  }
  const names = readNameList(tokens, nameAt);
  add(rule ?? 'destructive/drop-other', names, naming(`DROP ${what}`, names));
  // DROP <kind> [IF EXISTS] a, b [RESTRICT | CASCADE] is read completely from the tokens.
  let end = nameAt;
  while (end < tokens.length && !isWord(tokens[end], 'RESTRICT', 'CASCADE')) end++;
  return (
    rule !== undefined && names.length > 0 && end >= tokens.length - 1 && listEnd(tokens, nameAt) === end
  );
}

/** Index just past a `name, name …` list starting at `i`. */
function listEnd(tokens: readonly Token[], i: number): number {
  let j = i;
  for (;;) {
    const n = readName(tokens, j);
    if (!n) return j;
    j = n.next;
    if (!isPunct(tokens[j], ',')) return j;
    j++;
  }
}

/** Session switches that, when off, let in rows that break keys or constraints. */
const INTEGRITY_CHECKS = new Set(['FOREIGN_KEY_CHECKS', 'UNIQUE_CHECKS', 'CHECK_CONSTRAINT_CHECKS']);
/** Values that leave such a check on; anything else (0, OFF, a variable) may switch it off. */
const CHECKS_ON = new Set(['1', 'ON', 'TRUE', 'DEFAULT']);

/**
 * The session variable a token names (`x`, `` `x` ``, `@@session.x`), upper-cased as the server
 * compares them; '' for other tokens.
 */
export function sessionVar(t: Token): string {
  if (t.kind === 'sysvar') return t.value.replace(/^(session|local)\./i, '').toUpperCase();
  return t.kind === 'word' ? t.upper : t.kind === 'qident' ? t.value.toUpperCase() : '';
}

/** Settings that make a read-only session or transaction writable again. */
const ACCESS_MODE_VARS = new Set(['TRANSACTION_READ_ONLY', 'TX_READ_ONLY']);

/**
 * Whether a statement changes the transaction access mode (`START TRANSACTION READ WRITE`,
 * `SET [SESSION] TRANSACTION READ WRITE`, `transaction_read_only` / `tx_read_only` in any spelling,
 * also inside `SET STATEMENT … FOR`): whatever it runs is then no longer held to read-only.
 */
export function changesAccessMode(tokens: readonly Token[]): boolean {
  return tokens.some(
    (t, i) => (isWord(t, 'READ') && isWord(tokens[i + 1], 'WRITE')) || ACCESS_MODE_VARS.has(sessionVar(t)),
  );
}

/** A function name as the server resolves it: quoted or not, in any case. */
function functionName(t: Token): string | undefined {
  return t.kind === 'word' ? t.upper : t.kind === 'qident' ? t.value.toUpperCase() : undefined;
}

/** `<integrity check> = <value>` at `i`, with a value that may switch the check off. */
function switchesOffChecks(tokens: readonly Token[], i: number): boolean {
  if (!INTEGRITY_CHECKS.has(sessionVar(tokens[i]!))) return false;
  const op = tokens[i + 1]?.text;
  if (op !== '=' && op !== ':=') return false;
  const value = tokens[i + 2];
  const end = tokens[i + 3];
  const plain = end === undefined || isPunct(end, ',') || isWord(end, 'FOR');
  return !(plain && value !== undefined && CHECKS_ON.has(value.value.toUpperCase()));
}

/**
 * Optimizer hints: `SET_VAR(name = value)` holds while the statement runs, so it is judged like
 * `SET name = value` (the server ignores variables it does not allow there: fail closed).
 */
function hintFindings(hint: readonly Token[], out: RawFinding[]): void {
  for (let i = 0; i + 1 < hint.length; i++) {
    if (!isWord(hint[i], 'SET_VAR') || !isPunct(hint[i + 1], '(')) continue;
    let end = i + 2;
    for (let depth = 1; end < hint.length; end++) {
      if (isPunct(hint[end], '(')) depth++;
      else if (isPunct(hint[end], ')') && --depth === 0) break;
    }
    const setting = hint.slice(i + 2, end);
    const name = setting[0];
    if (!name) continue;
    if (switchesOffChecks(setting, 0))
      out.push({
        rule: 'destructive/disable-integrity',
        objects: [],
        message: `hint SET_VAR(${name.value} = ${setting[2]?.text ?? ''}) stops enforcing it for the statement`,
      });
    if (ADMIN_SESSION_VARS.has(sessionVar(name)))
      out.push({
        rule: 'exfiltration/admin-function',
        objects: [name.value],
        message: `hint SET_VAR(${name.value}) needs administrative rights`,
      });
  }
}

function classifySet(tokens: readonly Token[], add: Add): boolean {
  const t1 = tokens[1];
  if (isWord(t1, 'ROLE')) {
    add(
      'privilege/set-role',
      [tokens[2]?.value ?? ''].filter(Boolean),
      'SET ROLE changes the active privileges',
    );
    return false;
  }
  if (isWord(t1, 'DEFAULT') && isWord(tokens[2], 'ROLE')) {
    add('privilege/role-change', [], 'SET DEFAULT ROLE');
    return false;
  }
  if (isWord(t1, 'PASSWORD')) {
    add('privilege/role-change', [], 'SET PASSWORD changes an account');
    return false;
  }
  if (isWord(t1, 'GLOBAL', 'PERSIST', 'PERSIST_ONLY')) {
    add('exfiltration/admin-function', [], `SET ${t1!.upper} changes server-wide settings`);
    return false;
  }
  for (const [i, t] of tokens.entries()) {
    if (switchesOffChecks(tokens, i))
      add(
        'destructive/disable-integrity',
        [],
        `${t.value} = ${tokens[i + 2]?.text ?? ''} stops enforcing it`,
      );
    if (isWord(t, 'GLOBAL', 'PERSIST', 'PERSIST_ONLY')) {
      add('exfiltration/admin-function', [], `SET ${t.upper} changes server-wide settings`);
      return false;
    }
    if (t.kind === 'sysvar' && /^(global|persist|persist_only)\./i.test(t.value)) {
      add('exfiltration/admin-function', [t.value], 'SET @@global changes server-wide settings');
      return false;
    }
    if (ADMIN_SESSION_VARS.has(sessionVar(t))) {
      add('exfiltration/admin-function', [t.value], `${t.value} needs administrative rights`);
      return false;
    }
  }
  // What is left sets session or local variables (SET NAMES, SET x = …, SET NEW.col = …): no data
  // effect of its own; functions and subqueries in the values are covered by scanAnywhere, and
  // sql_mode changes by the session tracking.
  return !isWord(t1, 'STATEMENT');
}

function classifyCreate(tokens: readonly Token[], add: Add): boolean {
  let i = 1;
  if (isWord(tokens[i], 'OR') && isWord(tokens[i + 1], 'REPLACE')) i += 2;
  const definer = tokens.findIndex((t) => isWord(t, 'DEFINER'));
  const kindAt = tokens.findIndex(
    (t, j) =>
      j >= i &&
      isWord(
        t,
        'USER',
        'ROLE',
        'TABLE',
        'SERVER',
        'DATABASE',
        'SCHEMA',
        'INDEX',
        'VIEW',
        'PROCEDURE',
        'FUNCTION',
        'TRIGGER',
        'EVENT',
      ),
  );
  const kind = tokens[kindAt]?.upper;
  if (definer >= 0 && definer < kindAt) {
    const who = readAccount(tokens, definer + 2);
    add(
      'privilege/security-definer',
      who ? [who.name] : [],
      'DEFINER = makes the object run with another account’s rights',
    );
  }
  if (kind === 'USER' || kind === 'ROLE') {
    add('privilege/role-change', accounts(tokens, skipIfExists(tokens, kindAt + 1)), `CREATE ${kind}`);
    return false;
  }
  if (kind === 'SERVER') {
    add(
      'exfiltration/remote-exec',
      readNameList(tokens, kindAt + 1),
      'CREATE SERVER connects to a remote server',
    );
    return false;
  }
  if (
    isWord(tokens[1], 'OR') &&
    isWord(tokens[2], 'REPLACE') &&
    (kind === 'TABLE' || kind === 'DATABASE' || kind === 'SCHEMA')
  ) {
    // MariaDB: CREATE OR REPLACE drops the existing object first.
    const n = readName(tokens, kindAt + 1);
    add(
      kind === 'TABLE' ? 'destructive/drop-table' : 'destructive/drop-database',
      n ? [n.name] : [],
      `CREATE OR REPLACE ${kind} drops the existing one`,
    );
  }
  if (kind === 'TABLE') {
    if (tokens.some((t, j) => isWord(t, 'DATA', 'INDEX') && isWord(tokens[j + 1], 'DIRECTORY')))
      add('exfiltration/server-file', [], 'DATA / INDEX DIRECTORY places table files anywhere on the server');
    const engine = tokens.findIndex((t) => isWord(t, 'ENGINE'));
    const value = tokens[engine + 1]?.text === '=' ? tokens[engine + 2] : tokens[engine + 1];
    if (engine >= 0 && isWord(value, 'CONNECT', 'FEDERATED', 'FEDERATEDX'))
      add(
        value!.upper === 'CONNECT' ? 'exfiltration/server-file' : 'exfiltration/remote-exec',
        [],
        `ENGINE=${value!.upper} reads files or remote servers`,
      );
    if (tokens.some((t) => isWord(t, 'CONNECTION')))
      add('exfiltration/remote-exec', [], 'CONNECTION= points the table at a remote server');
    const selects = tokens.some((t, j) => j > kindAt && isWord(t, 'SELECT', 'REPLACE', 'WITH'));
    return !selects && definer < 0;
  }
  if (kind === 'DATABASE' || kind === 'SCHEMA') return true;
  if (isSequence(tokens)) return true;
  if (kind === 'INDEX' && isWord(tokens[kindAt - 1], 'UNIQUE')) {
    const on = tokens.findIndex((t) => isWord(t, 'ON'));
    const table = on >= 0 ? readName(tokens, on + 1) : undefined;
    add(
      'lock-heavy/add-unique',
      table ? [table.name] : [],
      'CREATE UNIQUE INDEX checks every row under lock',
    );
  }
  return kind === 'INDEX' && isCreateIndex(tokens);
}

function literalInsert(tokens: readonly Token[]): boolean {
  // INSERT [IGNORE] INTO name [(cols)] VALUES (literal, …), …  — the bulk-load shape of dumps.
  let i = 1;
  if (isWord(tokens[i], 'IGNORE')) i++;
  if (!isWord(tokens[i], 'INTO')) return false;
  const name = readName(tokens, i + 1);
  if (!name) return false;
  i = name.next;
  if (isPunct(tokens[i], '(')) {
    i++;
    while (i < tokens.length && !isPunct(tokens[i], ')')) {
      const t = tokens[i]!;
      if (!(t.kind === 'word' || t.kind === 'qident' || isPunct(t, ','))) return false;
      i++;
    }
    i++;
  }
  if (!isWord(tokens[i], 'VALUES', 'VALUE')) return false;
  i++;
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(')) {
      if (++depth > 1) return false;
    } else if (isPunct(t, ')')) depth--;
    else if (isPunct(t, ',')) continue;
    else if (t.kind === 'string' || t.kind === 'number') continue;
    else if (isWord(t, 'NULL', 'TRUE', 'FALSE', 'DEFAULT')) continue;
    else if (t.kind === 'op' && (t.text === '-' || t.text === '+')) continue;
    else if (t.kind === 'word' && t.value.startsWith('_') && tokens[i + 1]?.kind === 'string') continue;
    else return false;
  }
  return depth === 0;
}

const HARMLESS_ALTER_SPECS = new Set([
  'ADD',
  'ALTER',
  'RENAME',
  'COMMENT',
  'AUTO_INCREMENT',
  'DEFAULT',
  'CHARACTER',
  'CHARSET',
  'COLLATE',
  'ROW_FORMAT',
  'KEY_BLOCK_SIZE',
  'LOCK',
  'ALGORITHM',
  'DISABLE',
  'ENABLE',
  'ORDER',
  'STATS_PERSISTENT',
  'STATS_AUTO_RECALC',
  'PACK_KEYS',
  'CHECKSUM',
]);

function classifyAlterTable(tokens: readonly Token[], at: number, add: Add): boolean {
  const table = readName(tokens, skipIfExists(tokens, at));
  const objects = table ? [table.name] : [];
  const qualify = (n: string | undefined) => (n && table ? `${table.name}.${n}` : (table?.name ?? ''));
  let understood = table !== undefined;
  for (const spec of splitTopLevel(tokens.slice(table?.next ?? at))) {
    const s0 = spec[0];
    const s1 = spec[1];
    if (!s0) continue;
    const w = s0.kind === 'word' ? s0.upper : '';
    if (w === 'DROP') {
      let j = 1;
      if (isWord(s1, 'COLUMN')) j = 2;
      const target = spec[j];
      if (isWord(target, 'INDEX', 'KEY')) {
        const n = readName(spec, skipIfExists(spec, j + 1));
        add('destructive/drop-index', [qualify(n?.name)], 'ALTER TABLE … DROP INDEX');
      } else if (
        isWord(target, 'FOREIGN') ||
        isWord(target, 'PRIMARY') ||
        isWord(target, 'CONSTRAINT', 'CHECK')
      ) {
        const n = readName(spec, skipIfExists(spec, j + (isWord(target, 'CONSTRAINT', 'CHECK') ? 1 : 2)));
        add(
          'destructive/drop-constraint',
          [qualify(n?.name ?? target!.upper)],
          `ALTER TABLE … DROP ${target!.upper}`,
        );
      } else if (isWord(target, 'PARTITION')) {
        add('destructive/drop-partition', objects, 'ALTER TABLE … DROP PARTITION deletes its rows');
      } else if (isWord(target, 'PERIOD', 'SYSTEM')) {
        add('destructive/drop-other', objects, 'ALTER TABLE … DROP of a system period');
      } else {
        const n = readName(spec, skipIfExists(spec, j));
        add('destructive/drop-column', [qualify(n?.name)], 'ALTER TABLE … DROP COLUMN');
      }
      continue;
    }
    if (w === 'DISCARD') {
      add('destructive/drop-other', objects, 'ALTER TABLE … DISCARD deletes the table’s data files');
      continue;
    }
    if (w === 'TRUNCATE' && isWord(s1, 'PARTITION')) {
      add('destructive/truncate-partition', objects, 'ALTER TABLE … TRUNCATE PARTITION deletes its rows');
      continue;
    }
    if (w === 'RENAME' && !isWord(s1, 'INDEX', 'KEY')) {
      // RENAME [TO|AS] new, RENAME COLUMN a TO b: the old name's readers break.
      const column = isWord(s1, 'COLUMN') ? readName(spec, 2)?.name : undefined;
      const name = column === undefined ? (table?.name ?? '') : qualify(column);
      add(
        'destructive/rename',
        [name],
        `ALTER TABLE … RENAME ${column === undefined ? 'table' : 'column'} ${name}`,
      );
      continue;
    }
    if (w === 'MODIFY' || w === 'CHANGE') {
      const colAt = isWord(s1, 'COLUMN') ? 2 : 1;
      const n = readName(spec, skipIfExists(spec, colAt));
      const renamed = w === 'CHANGE' && n ? readName(spec, n.next) : undefined;
      if (n && renamed && renamed.name.toLowerCase() !== n.name.toLowerCase())
        add(
          'destructive/rename',
          [qualify(n.name)],
          `ALTER TABLE … CHANGE renames column ${qualify(n.name)}`,
        );
      add('lock-heavy/alter-column-type', [qualify(n?.name)], `ALTER TABLE … ${w} may rebuild the table`);
      if (spec.some((t, k) => isWord(t, 'NOT') && isWord(spec[k + 1], 'NULL')))
        add('lock-heavy/add-not-null', [qualify(n?.name)], 'NOT NULL on an existing column checks every row');
      continue;
    }
    if (w === 'ALGORITHM' && spec.some((t) => isWord(t, 'COPY'))) {
      add('lock-heavy/table-rewrite', objects, 'ALGORITHM=COPY rebuilds the table under lock');
      continue;
    }
    if (w === 'ENGINE' && spec.some((t) => t.value.toUpperCase() === 'BLACKHOLE')) {
      add('destructive/truncate', objects, 'ALTER TABLE … ENGINE=BLACKHOLE discards every row');
      continue;
    }
    if (
      w === 'FORCE' ||
      w === 'ENGINE' ||
      (w === 'CONVERT' && isWord(s1, 'TO')) ||
      (w === 'PARTITION' && isWord(s1, 'BY')) ||
      (w === 'REMOVE' && isWord(s1, 'PARTITIONING')) ||
      (w === 'REORGANIZE' && isWord(s1, 'PARTITION'))
    ) {
      add('lock-heavy/table-rewrite', objects, `ALTER TABLE … ${w} rebuilds the table`);
      continue;
    }
    if (w === 'ADD') {
      let j = 1;
      if (isWord(spec[j], 'CONSTRAINT')) {
        j++;
        if (!isWord(spec[j], 'UNIQUE', 'FOREIGN', 'CHECK', 'PRIMARY')) j++;
      }
      const k = spec[j];
      if (isWord(k, 'UNIQUE') || isWord(k, 'PRIMARY'))
        add('lock-heavy/add-unique', objects, `ALTER TABLE … ADD ${k!.upper} checks every row`);
      else if (isWord(k, 'FOREIGN'))
        add('lock-heavy/add-foreign-key', objects, 'ALTER TABLE … ADD FOREIGN KEY checks every row');
      else if (isWord(k, 'CHECK'))
        add('lock-heavy/add-check', objects, 'ALTER TABLE … ADD CHECK checks every row');
      else if (isWord(k, 'PARTITION')) understood = false;
      continue;
    }
    if (!HARMLESS_ALTER_SPECS.has(w)) understood = false;
  }
  return understood;
}
