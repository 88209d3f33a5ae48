// Masking strict mode on MySQL: the statement's tokens against the masked columns of the tables
// the catalog scan found (src/masking/mysql-strict.ts). A statement the scan cannot follow is
// held as a whole: which columns it uses is unknown.
import { type Masking, maskedNames, mysqlMaskedUses } from '../../masking/index.js';
import { tokenize } from '../../sql/mysql/lexer.js';
import { lexFlags } from '../../sql/mysql/sql-mode.js';
import type { Finding } from '../../sql/types.js';
import { strictFindings } from '../strict.js';
import type { StatementSources } from './masking-catalog.js';

export function mysqlStrictFindings(
  text: string,
  sources: StatementSources | undefined,
  masking: Masking,
  sqlMode: string,
): Finding[] {
  if (!masking.config.strict || !sources) return [];
  const masked = maskedNames(sources.tables, sources.columnsOf, masking.matcher);
  if (sources.opaque && (masked.size > 0 || sources.views.length > 0))
    return strictFindings([
      { column: '(unknown: the statement cannot be followed)', position: 'expression' },
    ]);
  let uses: ReturnType<typeof mysqlMaskedUses>;
  try {
    uses = mysqlMaskedUses(tokenize(text, lexFlags(sqlMode)), masked);
  } catch {
    uses =
      masked.size > 0 ? [{ column: '(unknown: the statement cannot be lexed)', position: 'expression' }] : [];
  }
  return strictFindings(uses);
}
