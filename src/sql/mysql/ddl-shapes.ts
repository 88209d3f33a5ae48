// DDL shapes MariaDB accepts and node-sql-parser does not (`CREATE INDEX IF NOT EXISTS`,
// `CREATE OR REPLACE INDEX`, `DROP INDEX IF EXISTS … ON`, `ALTER DATABASE`, sequences, `ALTER
// VIEW`, `DROP TEMPORARY TABLE IF EXISTS`), read completely from the tokens. A statement of exactly
// one of these shapes is understood without the parser: nothing in it runs code (function calls
// in key parts or a view's query are still seen by scanAnywhere; DEFINER by classifyTokens).
import type { Token } from './lexer.js';
import { isPunct, isWord, readName, skipIfExists } from './tokens.js';

/** Index just past the `( … )` group opening at `i`, or -1 when `i` is not `(` or it never closes. */
function pastGroup(tokens: readonly Token[], i: number): number {
  if (!isPunct(tokens[i], '(')) return -1;
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    if (isPunct(tokens[j], '(')) depth++;
    else if (isPunct(tokens[j], ')') && --depth === 0) return j + 1;
  }
  return -1;
}

/**
 * Trailing options: ALGORITHM [=] x, LOCK [=] x, KEY_BLOCK_SIZE [=] n, COMMENT 'x', USING BTREE,
 * WITH PARSER p, VISIBLE, [NOT] IGNORED, WAIT n, NOWAIT, CHARACTER SET x, START WITH -1,
 * INCREMENT BY n, NOCACHE. Words, numbers, strings, `=` and `-` only: no expression, no subquery.
 */
function plainOptions(tokens: readonly Token[], i: number): boolean {
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind === 'word' || t.kind === 'number' || t.kind === 'string') continue;
    if (t.kind === 'op' && (t.text === '=' || t.text === '-')) continue;
    return false;
  }
  return true;
}

/** `CREATE [OR REPLACE] [UNIQUE|FULLTEXT|SPATIAL] INDEX [IF NOT EXISTS] i [USING t] ON tbl (…) …` */
export function isCreateIndex(tokens: readonly Token[]): boolean {
  let i = 1;
  if (isWord(tokens[i], 'OR') && isWord(tokens[i + 1], 'REPLACE')) i += 2;
  if (isWord(tokens[i], 'UNIQUE', 'FULLTEXT', 'SPATIAL')) i++;
  if (!isWord(tokens[i], 'INDEX')) return false;
  const name = readName(tokens, skipIfExists(tokens, i + 1));
  if (!name) return false;
  i = name.next;
  if (isWord(tokens[i], 'USING') && tokens[i + 1]?.kind === 'word') i += 2;
  if (!isWord(tokens[i], 'ON')) return false;
  const table = readName(tokens, i + 1);
  if (!table) return false;
  const end = pastGroup(tokens, table.next);
  return end > 0 && plainOptions(tokens, end);
}

/** `DROP INDEX [IF EXISTS] i ON tbl [ALGORITHM [=] x] [LOCK [=] x] [WAIT n | NOWAIT]` */
export function isDropIndex(tokens: readonly Token[], nameAt: number): boolean {
  const name = readName(tokens, nameAt);
  if (!name || !isWord(tokens[name.next], 'ON')) return false;
  const table = readName(tokens, name.next + 1);
  return table !== undefined && plainOptions(tokens, table.next);
}

/** `ALTER {DATABASE|SCHEMA} [name] [DEFAULT] CHARACTER SET … | COLLATE … | COMMENT …` */
export function isAlterDatabase(tokens: readonly Token[]): boolean {
  return isWord(tokens[1], 'DATABASE', 'SCHEMA') && plainOptions(tokens, 2);
}

/** `{CREATE [IF NOT EXISTS] | ALTER [IF EXISTS]} SEQUENCE s <options>` (not OR REPLACE). */
export function isSequence(tokens: readonly Token[]): boolean {
  if (!isWord(tokens[0], 'CREATE', 'ALTER') || !isWord(tokens[1], 'SEQUENCE')) return false;
  const name = readName(tokens, skipIfExists(tokens, 2));
  return name !== undefined && plainOptions(tokens, name.next);
}

/** `DROP TEMPORARY TABLE [IF EXISTS] a [, b …] [RESTRICT | CASCADE]` */
export function isDropTemporary(tokens: readonly Token[]): boolean {
  let i = skipIfExists(tokens, 3);
  for (;;) {
    const name = readName(tokens, i);
    if (!name) return false;
    i = name.next;
    if (!isPunct(tokens[i], ',')) break;
    i++;
  }
  return i === tokens.length || (i === tokens.length - 1 && isWord(tokens[i], 'RESTRICT', 'CASCADE'));
}
