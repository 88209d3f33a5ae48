// A MySQL statement spelt again for a connection whose sql_mode lexes quotes and backslashes
// otherwise than the session's: every literal and quoted name is written in the one form all
// modes read alike (strings in single quotes, names in backquotes), everything else is kept as
// written. The estimate's probes are cut from the respelt text and proved free of side effects
// under the side connection's own mode, so they run what was proved, as that connection reads it.
import { type Token, tokenize } from '../sql/mysql/lexer.js';
import type { LexFlags } from '../sql/mysql/sql-mode.js';

/** `'…'` as a connection with `noBackslashEscapes` reads it back as `value`. */
function quoteString(value: string, noBackslashEscapes: boolean): string {
  const escaped = noBackslashEscapes ? value : value.replaceAll('\\', '\\\\');
  return `'${escaped.replaceAll("'", "''")}'`;
}

function quoteName(value: string): string {
  return `\`${value.replaceAll('`', '``')}\``;
}

/** How a token is written for the other mode; undefined: as it is. */
function respelt(t: Token, to: Readonly<LexFlags>): string | undefined {
  switch (t.kind) {
    case 'string':
      // X'…' and B'…' hold only digits; N'…' keeps its prefix.
      if (t.prefix === 'X' || t.prefix === 'B') return undefined;
      return `${t.prefix === 'N' ? 'N' : ''}${quoteString(t.value, to.noBackslashEscapes)}`;
    case 'qident':
      return t.text.startsWith('`') ? undefined : quoteName(t.value);
    case 'var':
      return /^@['"`]/.test(t.text) ? `@${quoteName(t.value)}` : undefined;
    default:
      return undefined;
  }
}

/**
 * `text`, lexed under `from` (the session's flags), spelt so that a connection lexing under `to`
 * reads the same tokens. Undefined when that cannot be promised: the text does not lex, holds
 * optimizer hints (`/*+ … *\/`, whose own lexer is not followed here), or a bracket that `to`
 * would read as a quoted name.
 */
export function respell(text: string, from: Readonly<LexFlags>, to: Readonly<LexFlags>): string | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(text, from);
  } catch {
    return undefined;
  }
  // A bracket the session reads as an operator would open a name under MSSQL.
  if (
    tokens.some(
      (t) => t.hint || (to.brackets && t.kind !== 'string' && t.kind !== 'qident' && t.text.includes('[')),
    )
  )
    return undefined;
  let out = '';
  let at = 0;
  for (const t of tokens) {
    const spelt = respelt(t, to);
    if (spelt === undefined) continue;
    out += text.slice(at, t.start) + spelt;
    at = t.end;
  }
  return out + text.slice(at);
}
