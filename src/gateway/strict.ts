// Masking strict mode, for both engines: each masked column a statement uses other than by
// selecting it as is becomes one finding that names the column and where it is used; the session
// holds the statement for review with them (Session.review).
import type { UsePosition } from '../masking/index.js';
import { finding } from '../sql/rules.js';
import type { Finding } from '../sql/types.js';

const POSITION_WORDS: Record<UsePosition, string> = {
  expression: 'an expression',
  'function argument': 'a function argument',
  predicate: 'a predicate',
  join: 'a join condition',
  'ORDER BY': 'an ORDER BY',
  'GROUP BY': 'a GROUP BY',
  window: 'a window',
  'write elsewhere': 'a value written elsewhere',
};

export function strictFindings(uses: readonly { column: string; position: UsePosition }[]): Finding[] {
  const byColumn = new Map<string, Set<UsePosition>>();
  for (const u of uses) {
    const at = byColumn.get(u.column) ?? new Set<UsePosition>();
    at.add(u.position);
    byColumn.set(u.column, at);
  }
  return [...byColumn].map(([column, at]) =>
    finding(
      'exfiltration/masked-column-use',
      [column],
      `masking strict mode: masked column ${column} is used in ${[...at].map((p) => POSITION_WORDS[p]).join(', ')}; only selecting it as is is allowed`,
    ),
  );
}
