// MySQL token rules for CREATE: DEFINER, accounts and roles, remote servers, MariaDB's CREATE OR
// REPLACE (which drops first), tables placed on server files or remote engines, unique indexes.
import type { Add } from '../classify.js';
import { isCreateIndex, isSequence } from '../ddl-shapes.js';
import type { Token } from '../lexer.js';
import { accounts, isWord, readAccount, readName, readNameList, skipIfExists } from '../tokens.js';

export function classifyCreate(tokens: readonly Token[], add: Add): boolean {
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
