// Token-level rules: what kind of statement this is, read from its leading keywords, and the
// dangerous things that can appear anywhere in it (executable code, server files). These rules
// see every token the server will execute, so they hold even where node-sql-parser gives up.
// They only ADD findings; `understood` marks the few shapes that are provably harmless or fully
// classified, which are the only unparseable statements that are not also reported as opaque.
// This module dispatches on the leading keyword; the longer statement kinds have their own
// modules in rules/ (DROP, SET, CREATE, ALTER TABLE), and rules/anywhere.ts scans every token.
import type { KnownRuleId } from '../rules.js';
import { isAlterDatabase, isSequence } from './ddl-shapes.js';
import type { Token } from './lexer.js';
import { classifyAlterTable } from './rules/alter-table.js';
import { classifyCreate } from './rules/create.js';
import { classifyDrop, naming } from './rules/drop.js';
import { classifySet } from './rules/set.js';
import { accounts, isPunct, isWord, readName, readNameList, skipIfExists, splitTopLevel } from './tokens.js';

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

export type Add = (rule: KnownRuleId, objects: string[], message: string) => void;

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
