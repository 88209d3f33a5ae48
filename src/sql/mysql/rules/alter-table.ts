// MySQL token rules for ALTER TABLE, one specification at a time: dropped columns, indexes,
// constraints and partitions, renames, column changes and rebuilds under lock, and the
// specifications known to be harmless.
import type { Add } from '../classify.js';
import type { Token } from '../lexer.js';
import { isWord, readName, skipIfExists, splitTopLevel } from '../tokens.js';

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

export function classifyAlterTable(tokens: readonly Token[], at: number, add: Add): boolean {
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
