// The names a MySQL statement may read, for the masking catalog (gateway/mysql/masking-catalog.ts):
// every identifier is a candidate (a table, view or routine in the current schema, or
// `schema.name` when qualified), lexed as the server would under the session's sql_mode (every
// reading when the mode is unknown). What the scan cannot follow makes it opaque.
import { RESERVED } from './keywords.js';
import { type Token, tokenize } from './lexer.js';
import type { MysqlServer } from './server.js';
import { sessionLexings } from './sql-mode.js';

/** Names a statement (and the definitions it reaches) may use, plus what the scan could not follow. */
export interface Scan {
  names: Map<string, { schema: string; name: string }>;
  opaque?: string;
}

export const keyOf = (schema: string, name: string) => `${schema.toLowerCase()}\u0000${name.toLowerCase()}`;

function isName(t: Token | undefined): t is Token {
  return t !== undefined && (t.kind === 'qident' || (t.kind === 'word' && !RESERVED.has(t.upper)));
}

const isDot = (t: Token | undefined) => t?.kind === 'punct' && t.text === '.';

/**
 * The text's tokens under every lexing the session may give it (sessionLexings): a comment a
 * server skips ends at its first `*\/`, and what follows it is code, not the string a reader
 * running every comment sees. Undefined when none lexes.
 */
export function mysqlLexings(text: string, sqlMode: string, server?: MysqlServer): Token[][] | undefined {
  const lexings: Token[][] = [];
  for (const flags of sessionLexings(text, sqlMode, server)) {
    try {
      lexings.push(tokenize(text, flags));
    } catch {
      // Another reading may still succeed; none succeeding is opaque.
    }
  }
  return lexings.length > 0 ? lexings : undefined;
}

/** Adds the candidate names of `text` (unqualified names resolve in `schema`) to `scan`. */
export function scanText(
  text: string,
  schema: string,
  sqlMode: string,
  scan: Scan,
  server?: MysqlServer,
): void {
  const lexings = mysqlLexings(text, sqlMode, server);
  if (!lexings) {
    scan.opaque ??= 'the statement could not be scanned';
    return;
  }
  const add = (s: string, name: string) => {
    if (s && name) scan.names.set(keyOf(s, name), { schema: s, name });
  };
  for (const tokens of lexings) {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      // A user variable may hold a value read earlier (SELECT email INTO @e): no origin to trace.
      if (t.kind === 'var') scan.opaque ??= 'it reads user variables';
      if (t.kind === 'word') {
        const start = i === 0 || (tokens[i - 1]?.kind === 'punct' && tokens[i - 1]?.text === ';');
        if (t.upper === 'EXECUTE') scan.opaque ??= 'it runs dynamic SQL (EXECUTE)';
        if (t.upper === 'USE' && start) scan.opaque ??= 'it changes the schema (USE) before reading';
      }
      if (!isName(t) || isDot(tokens[i - 1])) continue;
      add(schema, t.value);
      if (isDot(tokens[i + 1]) && isName(tokens[i + 2])) add(t.value, tokens[i + 2]!.value);
    }
  }
}
