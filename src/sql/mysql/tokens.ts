// Small readers over a statement's token list, shared by the classifiers.
import { RESERVED } from './keywords.js';
import type { Token } from './lexer.js';

export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === 'word' && words.includes(t.upper);
}

export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === p;
}

/** Reads a possibly qualified name (a.b.c) at `i`; returns it and the index after it. */
export function readName(tokens: readonly Token[], i: number): { name: string; next: number } | undefined {
  const parts: string[] = [];
  let j = i;
  for (;;) {
    const t = tokens[j];
    if (!t || (t.kind !== 'word' && t.kind !== 'qident')) break;
    parts.push(t.value);
    j++;
    if (!isPunct(tokens[j], '.')) break;
    j++;
  }
  return parts.length > 0 ? { name: parts.join('.'), next: j } : undefined;
}

/** Reads `name [, name …]`. */
export function readNameList(tokens: readonly Token[], i: number): string[] {
  const names: string[] = [];
  let j = i;
  for (;;) {
    const n = readName(tokens, j);
    if (!n) break;
    names.push(n.name);
    j = n.next;
    if (!isPunct(tokens[j], ',')) break;
    j++;
  }
  return names;
}

/** Reads a user or role: 'name'@'host', name@host, `name`, CURRENT_USER. */
export function readAccount(tokens: readonly Token[], i: number): { name: string; next: number } | undefined {
  const t = tokens[i];
  if (!t || !(t.kind === 'word' || t.kind === 'qident' || t.kind === 'string')) return undefined;
  let name = t.value;
  let j = i + 1;
  const at = tokens[j];
  if (at?.kind === 'var' && !at.spaced) {
    // 'u'@host lexes as string + var(host)
    name += `@${at.value}`;
    j++;
  } else if (at?.kind === 'op' && at.text === '@') {
    const host = tokens[j + 1];
    if (host) {
      name += `@${host.value}`;
      j += 2;
    }
  }
  return { name, next: j };
}

export function skipIfExists(tokens: readonly Token[], i: number): number {
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) return i + 2;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS'))
    return i + 3;
  return i;
}

/** Splits tokens at commas outside parentheses. */
export function splitTopLevel(tokens: readonly Token[], sep = ','): Token[][] {
  const out: Token[][] = [];
  let depth = 0;
  let cur: Token[] = [];
  for (const t of tokens) {
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    if (depth === 0 && isPunct(t, sep)) {
      out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

// One replace, not a character-by-character concatenation: a 17 MiB literal built a rope of
// millions of pieces and spent seconds in the garbage collector.
function quoteString(value: string): string {
  return `'${value.replace(/['\\]/g, '\\$&')}'`;
}

function quoteIdent(value: string): string {
  return `\`${value.replaceAll('`', '``')}\``;
}

function isPlainName(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok =
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      (c >= 48 && c <= 57) ||
      c === 95 ||
      c === 36 ||
      c === 46;
    if (!ok) return false;
  }
  return true;
}

/** One token in canonical spelling. Strings and identifiers are re-quoted one way only. */
function canonicalToken(t: Token, prev: Token | undefined, next: Token | undefined, upper = false): string {
  switch (t.kind) {
    case 'word': {
      if (upper) return t.upper;
      const qualified = isPunct(prev, '.') || isPunct(next, '.');
      return !qualified && (RESERVED.has(t.upper) || prev === undefined) ? t.upper : t.value;
    }
    case 'qident':
      return quoteIdent(t.value);
    case 'string':
      return t.prefix === 'X' || t.prefix === 'B'
        ? `${t.prefix}'${t.value}'`
        : `${t.prefix ?? ''}${quoteString(t.value)}`;
    case 'var':
      return isPlainName(t.value) ? `@${t.value}` : `@${quoteIdent(t.value)}`;
    case 'sysvar':
      return `@@${t.value.toLowerCase()}`;
    default:
      return t.text;
  }
}

/**
 * Canonical text of a statement: comments and whitespace gone, executable-comment content and
 * optimizer hints kept, reserved words upper-cased, identifiers and literals kept. With
 * `upperWords` (every unquoted word upper-cased: node-sql-parser matches some keywords
 * case-sensitively) it is what the parser reads, so the parser sees exactly the tokens our lexer
 * found, whatever the sql_mode.
 */
export function canonicalText(tokens: readonly Token[], upperWords = false): string {
  const parts: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (
      t.kind === 'var' &&
      !t.spaced &&
      prev &&
      (prev.kind === 'string' || prev.kind === 'qident' || prev.kind === 'word')
    ) {
      // 'user'@'host': an account name, not a user variable.
      parts[parts.length - 1] += `@${quoteString(t.value)}`;
      continue;
    }
    // Hints are code the server runs, so they are part of what an approval binds to; the
    // parser's text leaves them out (they change settings, not what the statement is).
    if (t.hint && !upperWords) parts.push(`/*+ ${canonicalText(t.hint)} */`);
    parts.push(canonicalToken(t, prev, tokens[i + 1], upperWords));
  }
  return parts.join(' ');
}

/** The accounts of a `user [IDENTIFIED …], user …` list starting at `i`. */
export function accounts(tokens: readonly Token[], i: number): string[] {
  const out: string[] = [];
  let j = i;
  for (;;) {
    const a = readAccount(tokens, j);
    if (!a) break;
    out.push(a.name);
    j = a.next;
    while (j < tokens.length && !isPunct(tokens[j], ',')) j++;
    if (!isPunct(tokens[j], ',')) break;
    j++;
  }
  return out;
}
