// MySQL taint: a statement that reads a table with masked columns (or that the catalog scan could
// not follow) may put masked values in what it leaves besides its rows: the text of its error
// (`EXTRACTVALUE(1, CONCAT(0x7e, email))` quotes it in the XPATH error) and its warnings
// (`SELECT email + 0` leaves `Truncated incorrect DOUBLE value: '<email>'` for SHOW WARNINGS).
// Its errors are withheld; diagnostics read after it (SHOW WARNINGS, SHOW ERRORS, GET DIAGNOSTICS)
// are masked whole until a statement that reads tables and no masked data has replaced them.
// User variables need nothing here: a statement that reads one is opaque to the catalog scan,
// so its result columns without an origin are refused.
import type { ColumnMatcher } from '../../masking/index.js';
import type { StatementSources } from './masking-catalog.js';

const READS_DIAGNOSTICS = /\b(?:warnings|errors|diagnostics)\b/i;

export class DiagnosticsTaint {
  /** The diagnostics area may hold what a statement over masked data left. */
  private tainted = false;

  constructor(private readonly matcher: ColumnMatcher) {}

  /** `sources` with what masking withholds of this statement, in the order statements run. */
  judge(text: string, sources: StatementSources): StatementSources {
    const reads = readsMasked(sources, this.matcher, text);
    if (READS_DIAGNOSTICS.test(text)) {
      const maskAll = this.tainted;
      if (reads) this.tainted = true;
      return maskAll || reads ? { ...sources, taint: taint(sources, maskAll) } : sources;
    }
    if (reads) this.tainted = true;
    else if (sources.tables.length > 0) this.tainted = false;
    return reads ? { ...sources, taint: taint(sources, false) } : sources;
  }
}

function taint(sources: StatementSources, maskAll: boolean): StatementSources['taint'] {
  return { errors: true, syntaxErrors: sources.opaque !== undefined, maskAll };
}

// INSERT or REPLACE of given values reads no column (unless it selects, updates on a duplicate
// key, or copies a table): what its errors quote is the client's own values.
const ONLY_WRITES = /^\s*(?:insert|replace)\b/i;
const READS_BACK = /\b(?:select|update|table)\b/i;

function readsMasked(s: StatementSources, matcher: ColumnMatcher, text: string): boolean {
  if (s.opaque) return true;
  if (ONLY_WRITES.test(text) && !READS_BACK.test(text)) return false;
  if (s.views.some((v) => matcher.mayMatchTable(v.schema, v.table))) return true;
  return s.tables.some((t) => {
    const columns = s.columnsOf(t.schema, t.table);
    return columns === undefined
      ? matcher.mayMatchTable(t.schema, t.table)
      : columns.some((c) => matcher.matches(t.schema, t.table, c));
  });
}
