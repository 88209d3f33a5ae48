// Statement boundaries as the server finds them: a `;` token ends a statement, except inside a
// compound statement (stored-program bodies, MariaDB's BEGIN NOT ATOMIC / IF … END IF at top
// level), where BEGIN … END, IF … END IF, CASE … END and loops nest. A wrong guess only ever
// makes pieces unparseable (opaque) or keeps tokens in a body that is analysed too: every token
// is analysed somewhere.
import type { Lexer, Token } from './lexer.js';
import { isPunct, isWord } from './tokens.js';

export interface RawStatement {
  tokens: Token[];
  /** Offset of the first token; for an empty input, the lexer position. */
  start: number;
  /** Offset just past the last token. */
  end: number;
}

const ROUTINE_KINDS = ['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT', 'PACKAGE'];

/** Does the statement that starts with these tokens have a compound body? */
export function startsCompound(tokens: readonly Token[]): boolean {
  const t0 = tokens[0];
  if (t0?.kind !== 'word') return false;
  if (t0.upper === 'BEGIN') return isWord(tokens[1], 'NOT') && isWord(tokens[2], 'ATOMIC');
  if (['IF', 'CASE', 'WHILE', 'LOOP', 'REPEAT', 'FOR'].includes(t0.upper)) return true;
  if (tokens[1]?.kind === 'op' && tokens[1].text === ':') return true; // label: BEGIN …
  if (t0.upper === 'CREATE' || t0.upper === 'ALTER') {
    for (let i = 1; i < tokens.length && i < 16; i++) {
      const t = tokens[i]!;
      if (isPunct(t, '(')) return false;
      if (isWord(t, ...ROUTINE_KINDS)) return true;
    }
  }
  return false;
}

const STATEMENT_OPENERS = ['IF', 'WHILE', 'LOOP', 'REPEAT', 'FOR'];

function atStatementStart(prev: Token | undefined): boolean {
  if (!prev) return true;
  if (isPunct(prev, ';')) return true;
  if (prev.kind === 'op' && prev.text === ':') return true;
  return isWord(prev, 'BEGIN', 'THEN', 'ELSE', 'DO', 'ATOMIC', 'ROW');
}

/** Block depth change caused by `t` inside a compound statement. */
function blockDelta(t: Token, prev: Token | undefined): number {
  if (t.kind !== 'word') return 0;
  if (t.upper === 'BEGIN') return 1;
  if (t.upper === 'END') return -1;
  if (isWord(prev, 'END')) return 0; // END IF, END CASE, END LOOP …
  if (t.upper === 'CASE') return 1;
  return STATEMENT_OPENERS.includes(t.upper) && atStatementStart(prev) ? 1 : 0;
}

/**
 * Reads the next statement from `lexer`, leaving it just past the terminating `;`. Returns
 * undefined at end of input; skips empty statements (`;;`). Throws LexError for input the
 * server cannot lex either.
 */
export function nextStatement(lexer: Lexer): RawStatement | undefined {
  let t = lexer.next();
  while (t && isPunct(t, ';')) t = lexer.next();
  if (!t) return undefined;
  const tokens: Token[] = [];
  let depth = 0;
  let compound: boolean | undefined;
  for (; t; t = lexer.next()) {
    if (isPunct(t, ';')) {
      compound ??= startsCompound(tokens);
      if (!compound || depth <= 0) break;
    }
    depth += blockDelta(t, tokens[tokens.length - 1]);
    tokens.push(t);
  }
  return { tokens, start: tokens[0]!.start, end: tokens[tokens.length - 1]!.end };
}
