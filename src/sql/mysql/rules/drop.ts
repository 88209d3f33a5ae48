// MySQL token rules for DROP: the rule for each kind of object, the names dropped, and whether
// the tokens alone read the statement completely.
import type { KnownRuleId } from '../../rules.js';
import type { Add } from '../classify.js';
import { isDropIndex, isDropTemporary } from '../ddl-shapes.js';
import type { Token } from '../lexer.js';
import { accounts, isPunct, isWord, readName, readNameList, skipIfExists } from '../tokens.js';

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
export function naming(head: string, names: string[]): string {
  return names.length ? `${head} ${names.join(', ')}` : head;
}

export function classifyDrop(tokens: readonly Token[], add: Add): boolean {
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
