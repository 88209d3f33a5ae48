// Compound statements: stored-program bodies and MariaDB's top-level BEGIN NOT ATOMIC / IF /
// loops. node-sql-parser cannot parse them, so we find the body and cut it into the simple
// statements it contains (plus control-flow conditions), which are analysed one by one.
import type { Token } from './lexer.js';
import { isPunct, isWord, readName, skipIfExists } from './tokens.js';

export type CompoundKind = 'PROCEDURE' | 'FUNCTION' | 'TRIGGER' | 'EVENT' | 'BLOCK' | 'OTHER';

export interface CompoundParts {
  kind: CompoundKind;
  name?: string;
  /** Tokens of the body; empty for routines without one (UDFs, ALTER PROCEDURE). */
  body: Token[];
  /** The header was read completely; false leaves the statement opaque. */
  ok: boolean;
}

function matchParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (isPunct(tokens[i], '(')) depth++;
    else if (isPunct(tokens[i], ')') && --depth === 0) return i;
  }
  return -1;
}

/** Skips RETURNS <type> and the routine characteristics; returns the body's first index. */
function skipCharacteristics(tokens: readonly Token[], i: number): number {
  if (isWord(tokens[i], 'RETURNS')) {
    i += 2;
    if (isPunct(tokens[i], '(')) i = matchParen(tokens, i) + 1;
    for (;;) {
      const t = tokens[i];
      if (isWord(t, 'UNSIGNED', 'SIGNED', 'ZEROFILL', 'BINARY', 'ASCII', 'UNICODE')) i++;
      else if (isWord(t, 'CHARSET', 'COLLATE')) i += 2;
      else if (isWord(t, 'CHARACTER') && isWord(tokens[i + 1], 'SET')) i += 3;
      else break;
    }
  }
  for (;;) {
    const t = tokens[i];
    const n = tokens[i + 1];
    if (isWord(t, 'COMMENT') && n?.kind === 'string') i += 2;
    else if (isWord(t, 'LANGUAGE') && isWord(n, 'SQL')) i += 2;
    else if (isWord(t, 'NOT') && isWord(n, 'DETERMINISTIC')) i += 2;
    else if (isWord(t, 'DETERMINISTIC')) i += 1;
    else if ((isWord(t, 'CONTAINS') || isWord(t, 'NO')) && isWord(n, 'SQL')) i += 2;
    else if (isWord(t, 'READS', 'MODIFIES') && isWord(n, 'SQL') && isWord(tokens[i + 2], 'DATA')) i += 3;
    else if (isWord(t, 'SQL') && isWord(n, 'SECURITY') && isWord(tokens[i + 2], 'DEFINER', 'INVOKER')) i += 3;
    else return i;
  }
}

export function compoundParts(tokens: readonly Token[]): CompoundParts {
  const t0 = tokens[0];
  if (!isWord(t0, 'CREATE', 'ALTER')) return { kind: 'BLOCK', body: [...tokens], ok: true };
  const k = tokens.findIndex((t) => isWord(t, 'PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT'));
  if (k < 0) return { kind: 'OTHER', body: [], ok: false };
  const kind = tokens[k]!.upper as CompoundKind;
  const name = readName(tokens, skipIfExists(tokens, k + 1));
  if (!name) return { kind, body: [], ok: false };
  const base = { kind, name: name.name };
  if (kind === 'PROCEDURE' || kind === 'FUNCTION') {
    if (isWord(t0, 'ALTER'))
      return { ...base, body: [], ok: skipCharacteristics(tokens, name.next) === tokens.length };
    if (!isPunct(tokens[name.next], '(')) {
      // A loadable function: CREATE FUNCTION f RETURNS STRING SONAME 'lib.so'.
      const soname = tokens.some((t) => isWord(t, 'SONAME'));
      return { ...base, body: [], ok: soname };
    }
    const close = matchParen(tokens, name.next);
    if (close < 0) return { ...base, body: [], ok: false };
    const start = skipCharacteristics(tokens, close + 1);
    return { ...base, body: tokens.slice(start), ok: start < tokens.length };
  }
  if (kind === 'TRIGGER') {
    const row = tokens.findIndex(
      (t, i) => isWord(t, 'FOR') && isWord(tokens[i + 1], 'EACH') && isWord(tokens[i + 2], 'ROW'),
    );
    if (row < 0) return { ...base, body: [], ok: false };
    let start = row + 3;
    if (isWord(tokens[start], 'FOLLOWS', 'PRECEDES'))
      start = readName(tokens, start + 1)?.next ?? tokens.length;
    return { ...base, body: tokens.slice(start), ok: start < tokens.length };
  }
  // EVENT: … DO body
  const doAt = tokens.findIndex((t, i) => i >= name.next && isWord(t, 'DO'));
  if (doAt < 0) return { ...base, body: [], ok: isWord(t0, 'ALTER') };
  return { ...base, body: tokens.slice(doAt + 1), ok: doAt + 1 < tokens.length };
}

export interface Fragment {
  tokens: Token[];
  /** A condition or declaration, not a statement the server runs on its own. */
  control: boolean;
  /** Parentheses or CASE … END left open: the cut cannot be trusted (opaque). */
  broken?: boolean;
}

const CONTROL_LEADERS = new Set([
  'IF',
  'ELSEIF',
  'WHILE',
  'FOR',
  'UNTIL',
  'CASE',
  'WHEN',
  'RETURN',
  'DECLARE',
  'LEAVE',
  'ITERATE',
  'OPEN',
  'CLOSE',
  'FETCH',
  'SIGNAL',
  'RESIGNAL',
  'GET',
]);
const BLOCK_WORDS = ['IF', 'CASE', 'WHILE', 'LOOP', 'REPEAT', 'FOR'];

/** `DECLARE … HANDLER FOR cond [, cond] stmt`: the index where `stmt` starts, if any. */
function handlerStatement(tokens: readonly Token[]): number {
  const h = tokens.findIndex((t) => isWord(t, 'HANDLER'));
  if (h < 0 || !isWord(tokens[h + 1], 'FOR')) return -1;
  let i = h + 2;
  for (;;) {
    if (isWord(tokens[i], 'SQLSTATE')) {
      i++;
      if (isWord(tokens[i], 'VALUE')) i++;
      i++;
    } else if (isWord(tokens[i], 'NOT') && isWord(tokens[i + 1], 'FOUND')) i += 2;
    else i++;
    if (!isPunct(tokens[i], ',')) return i < tokens.length ? i : -1;
    i++;
  }
}

/** Cuts a body into fragments at `;`, block keywords and THEN / ELSE / DO separators. */
export function bodyFragments(body: readonly Token[]): Fragment[] {
  const out: Fragment[] = [];
  let cur: Token[] = [];
  let paren = 0;
  let exprCase = 0;
  const flush = () => {
    const broken = paren !== 0 || exprCase !== 0;
    paren = 0;
    exprCase = 0;
    if (cur.length === 0) return;
    if (broken) {
      out.push({ tokens: cur, control: false, broken });
      cur = [];
      return;
    }
    const lead = cur[0]!;
    const control = lead.kind === 'word' && CONTROL_LEADERS.has(lead.upper);
    if (control && lead.upper === 'DECLARE') {
      const s = handlerStatement(cur);
      if (s >= 0) {
        out.push({ tokens: cur.slice(0, s), control: true });
        out.push({ tokens: cur.slice(s), control: false });
        cur = [];
        return;
      }
    }
    out.push({ tokens: cur, control });
    cur = [];
  };
  for (let i = 0; i < body.length; i++) {
    const t = body[i]!;
    // A semicolon never sits inside parentheses or a CASE expression: always a boundary.
    if (isPunct(t, ';')) {
      flush();
      continue;
    }
    if (paren > 0 || exprCase > 0) {
      if (isPunct(t, '(')) paren++;
      else if (isPunct(t, ')')) paren--;
      else if (paren === 0 && isWord(t, 'CASE') && !isWord(body[i - 1], 'END')) exprCase++;
      else if (paren === 0 && isWord(t, 'END')) exprCase--;
      cur.push(t);
      continue;
    }
    if (isPunct(t, '(')) {
      paren++;
      cur.push(t);
      continue;
    }
    if (isWord(t, 'END')) {
      flush();
      // END IF / END LOOP [label] / END label
      if (BLOCK_WORDS.some((w) => isWord(body[i + 1], w))) i++;
      const label = body[i + 1];
      if (label?.kind === 'word' && (i + 2 >= body.length || isPunct(body[i + 2], ';'))) i++;
      continue;
    }
    if (isWord(t, 'BEGIN')) {
      flush();
      if (isWord(body[i + 1], 'NOT') && isWord(body[i + 2], 'ATOMIC')) i += 2;
      continue;
    }
    if (cur.length === 0) {
      if (t.kind === 'word' && body[i + 1]?.kind === 'op' && body[i + 1]!.text === ':') {
        i++; // label:
        continue;
      }
      if (isWord(t, 'LOOP', 'REPEAT', 'ELSE')) continue;
      cur.push(t);
      continue;
    }
    if (isWord(t, 'THEN', 'ELSE', 'DO')) {
      flush();
      continue;
    }
    if (isWord(t, 'UNTIL')) {
      flush();
      cur.push(t);
      continue;
    }
    if (isWord(t, 'CASE')) exprCase++;
    cur.push(t);
  }
  flush();
  return out;
}
