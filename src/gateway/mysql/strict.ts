// Masking strict mode on MySQL: the statement's tokens against the masked columns of the tables
// the catalog scan found (src/masking/mysql-strict.ts). A statement the scan cannot follow is
// held as a whole: which columns it uses is unknown.
import { type Masking, maskedNames, mysqlMaskedUses } from '../../masking/index.js';
import { mysqlLexings } from '../../sql/mysql/name-scan.js';
import type { MysqlServer } from '../../sql/mysql/server.js';
import type { Finding } from '../../sql/types.js';
import { strictFindings } from '../strict.js';
import type { StatementSources } from './masking-catalog.js';

export function mysqlStrictFindings(
  text: string,
  sources: StatementSources | undefined,
  masking: Masking,
  sqlMode: string,
  server?: MysqlServer,
): Finding[] {
  if (!masking.config.strict || !sources) return [];
  const masked = maskedNames(sources.tables, sources.columnsOf, masking.matcher);
  if (sources.opaque && (masked.size > 0 || sources.views.length > 0))
    return strictFindings([
      { column: '(unknown: the statement cannot be followed)', position: 'expression' },
    ]);
  // Every lexing the session may give it (the server's reading of executable comments): a use
  // in any of them counts.
  const lexings = mysqlLexings(text, sqlMode, server);
  const uses = lexings
    ? lexings.flatMap((tokens) => mysqlMaskedUses(tokens, masked))
    : masked.size > 0
      ? [{ column: '(unknown: the statement cannot be lexed)', position: 'expression' as const }]
      : [];
  return strictFindings(uses);
}
