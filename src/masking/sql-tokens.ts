// Token streams for secret redaction, one shape for both dialects: where literals, comments,
// numbers and words are. Postgres uses the real scanner (libpg-query scanSync), MySQL the
// analyzer's lexer.

import { GuardrailError } from '../errors/guardrail-error.js';
import { type Token as MysqlToken, tokenize } from '../sql/mysql/lexer.js';
import type { LexFlags } from '../sql/mysql/sql-mode.js';
import { scanSync } from './pg-wasm.js';

export type TokenKind = 'string' | 'number' | 'comment' | 'word' | 'punct';

export interface Token {
  kind: TokenKind;
  /** Character offsets into the scanned text. */
  start: number;
  end: number;
  /** Words: lower-cased unless quoted, quotes removed. Others: the source text. */
  value: string;
}

const PG_STRING = new Set([261 /* SCONST */, 262 /* USCONST */, 263 /* BCONST */, 264 /* XCONST */]);
const PG_NUMBER = new Set([260 /* FCONST */, 266 /* ICONST */]);
const PG_COMMENT = new Set([275 /* SQL_COMMENT */, 276 /* C_COMMENT */]);
const PG_IDENT = new Set([258 /* IDENT */, 259 /* UIDENT */]);

/** libpg-query reports UTF-8 byte offsets; the redactor edits the JS string. */
function byteToChar(text: string): (byte: number) => number {
  if (Buffer.byteLength(text, 'utf8') === text.length) return (b) => b;
  const map: number[] = [];
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i)!;
    const n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) map[byte + k] = i;
    byte += n;
    if (c >= 0x10000) i++;
  }
  map[byte] = text.length;
  return (b) => map[b] ?? text.length;
}

/** Throws when the text cannot be scanned (an unterminated literal or comment, a NUL). */
export function tokenizePostgres(text: string): Token[] {
  // The scanner reads a C string: it would stop at a NUL and leave the rest unscanned.
  if (text.includes('\0')) throw new GuardrailError('NUL in statement text', { code: 'ERR_SQL_LEX' });
  const toChar = byteToChar(text);
  return scanSync(text).tokens.map((t) => {
    const start = toChar(t.start);
    const end = toChar(t.end);
    const source = text.slice(start, end);
    let kind: TokenKind = 'punct';
    let value = source;
    if (PG_STRING.has(t.tokenType)) kind = 'string';
    else if (PG_NUMBER.has(t.tokenType)) kind = 'number';
    else if (PG_COMMENT.has(t.tokenType)) kind = 'comment';
    else if (PG_IDENT.has(t.tokenType) || t.keywordKind > 0) {
      kind = 'word';
      value = source.startsWith('"') ? source.slice(1, -1).replace(/""/g, '"') : source.toLowerCase();
    }
    return { kind, start, end, value };
  });
}

/**
 * MySQL tokens from the analyzer's lexer (src/sql/mysql/lexer.ts), which follows the session's
 * sql_mode and treats executable comments as code. It skips comments, so the text between two
 * tokens that is not whitespace becomes a comment token here: detectors must see it too.
 */
export function tokenizeMysql(text: string, flags: Readonly<LexFlags>): Token[] {
  const out: Token[] = [];
  let at = 0;
  const gap = (end: number) => {
    if (at === end) return;
    NON_SPACE.lastIndex = at;
    const next = NON_SPACE.exec(text);
    if (next && next.index < end) out.push({ kind: 'comment', start: at, end, value: text.slice(at, end) });
  };
  for (const t of tokenize(text, flags)) {
    gap(t.start);
    at = t.end;
    out.push({ kind: MYSQL_KIND[t.kind], start: t.start, end: t.end, value: mysqlValue(t) });
  }
  gap(text.length);
  return out;
}

const NON_SPACE = /\S/g;

const MYSQL_KIND: Record<MysqlToken['kind'], TokenKind> = {
  word: 'word',
  qident: 'word',
  var: 'word',
  sysvar: 'word',
  string: 'string',
  number: 'number',
  param: 'punct',
  op: 'punct',
  punct: 'punct',
};

function mysqlValue(t: MysqlToken): string {
  if (t.kind === 'word') return t.upper.toLowerCase();
  if (t.kind === 'qident' || t.kind === 'var' || t.kind === 'sysvar') return t.value;
  return t.text;
}
