// Server messages (Postgres ErrorResponse/NoticeResponse message and detail, MySQL ERR text) quote
// row values in a few well-known shapes. Those values are withheld unless the table is known and
// no masking rule can touch it (fail closed: an unknown table or column counts as masked); the
// detectors run over everything that remains.
import type { ColumnMatcher } from './columns.js';
import type { ValueDetectors } from './detectors.js';
import { SECRET_NAME } from './statement.js';

export const REDACTED_VALUE = '[redacted]';

export interface MessageContext {
  /** From the ErrorResponse's schema (s) and table (t) fields when the server sent them. */
  schema?: string;
  table?: string;
}

// Postgres: Key (email)=(alice@x.com) already exists. / … is not present in table "t". /
// … is still referenced from table "t". / … conflicts with existing key (…)=(…).
const PG_KEY =
  /(\b[Kk]ey \()(.*?)(\)=\()(.*?)(?=\) already exists|\) is not present|\) is still referenced|\) conflicts with|\)\.?\s*$)/gs;
// Postgres: Failing row contains (1, alice@x.com, null).
const PG_FAILING_ROW = /(Failing row contains \()(.*)(?=\)\.?\s*$)/gms;
// Postgres: invalid input syntax for type integer: "abc" / invalid input value for enum mood: "x"
const PG_QUOTED_INPUT = /(invalid input (?:syntax for type|value for enum) [^:]{1,128}: ")(.*)(?="\s*$)/gm;
// MySQL: Duplicate entry 'alice@x.com' for key 'email'
const MY_DUPLICATE = /(Duplicate entry ')(.*?)(?=' for key )/gs;
const MY_DUPLICATE_KEY = /(Duplicate entry ')(.*?)(?=' for key '([^']*)')/gs;
// MySQL: Incorrect integer value: 'abc' for column … / Truncated incorrect DOUBLE value: 'x'
const MY_VALUE =
  /((?:Incorrect|Truncated incorrect) [A-Za-z ]{1,64} value: ')(.*?)(?='(?: for column |\s*$))/gms;

export function redactMessage(
  text: string,
  detectors: ValueDetectors,
  matcher: ColumnMatcher,
  ctx: MessageContext = {},
): string {
  // A key whose column (or, MySQL, index) has a secret name quotes a secret, whatever the rules say.
  let out = text
    .replace(PG_KEY, (m, key: string, cols: string, eq: string) =>
      SECRET_NAME.test(cols) ? key + cols + eq + REDACTED_VALUE : m,
    )
    .replace(MY_DUPLICATE_KEY, (m, lead: string, _v: string, index: string) =>
      SECRET_NAME.test(index) ? lead + REDACTED_VALUE : m,
    );
  if (!tableIsClear(matcher, ctx)) {
    out = out.replace(PG_KEY, (_m, key: string, cols: string, eq: string, values: string) =>
      keyColumnsClear(matcher, ctx, cols) ? key + cols + eq + values : key + cols + eq + REDACTED_VALUE,
    );
    for (const shape of [PG_FAILING_ROW, PG_QUOTED_INPUT, MY_DUPLICATE, MY_VALUE]) {
      out = out.replace(shape, (_m, lead: string) => lead + REDACTED_VALUE);
    }
  }
  return detectors.redact(out);
}

/** No rule exists, or the message names a table that no rule can mask. */
function tableIsClear(matcher: ColumnMatcher, ctx: MessageContext): boolean {
  if (matcher.empty) return true;
  return ctx.schema !== undefined && ctx.table !== undefined && !matcher.mayMatchTable(ctx.schema, ctx.table);
}

/** Key columns are plain names on a known table and none is masked; expressions count as unknown. */
function keyColumnsClear(matcher: ColumnMatcher, ctx: MessageContext, cols: string): boolean {
  if (ctx.schema === undefined || ctx.table === undefined) return false;
  const names = cols.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  return names.every(
    (n) => /^[A-Za-z_][A-Za-z0-9_$]*$/.test(n) && !matcher.matches(ctx.schema!, ctx.table!, n),
  );
}
