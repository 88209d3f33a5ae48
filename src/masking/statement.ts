// Secrets inside statement text, redacted before the text is recorded or shown to an approver.
// Works on tokens, so a literal is always replaced whole and the statement stays readable:
// CREATE ROLE x PASSWORD '[redacted]'.
import { ALL_LEX_MODES, isUnknownMode } from '../sql/mysql/sql-mode.js';
import type { Dialect } from '../sql/types.js';
import { CREDENTIAL_FIELDS, type ValueDetectors } from './detectors.js';
import { type Token, tokenizeMysql, tokenizePostgres } from './sql-tokens.js';

export const REDACTED_LITERAL = "'[redacted]'";

/** Names of settings, options, variables and columns whose literal values are secrets. */
const SECRET_NAME = /pass(?:word|wd|phrase)|pwd|secret|token|api_?key|access_?key|private_?key|credential/i;

/** Tokens allowed between a secret's name and its value: PASSWORD 'x', password = 'x', TO 'x', PASSWORD('x'). */
const BETWEEN_NAME_AND_VALUE = new Set(['(', '=', ':=', 'to']);

/** MySQL account clauses that end the secret part of IDENTIFIED …. */
const AFTER_IDENTIFIED = new Set(['comment', 'attribute', 'require']);

export interface StatementRedactionOptions {
  /** MySQL session sql_mode (ANSI_QUOTES, NO_BACKSLASH_ESCAPES change where literals are). */
  sqlMode?: string;
}

export function redactStatement(
  text: string,
  dialect: Dialect,
  detectors: ValueDetectors,
  opts: StatementRedactionOptions = {},
): string {
  if (dialect === 'mysql' && isUnknownMode(opts.sqlMode)) {
    // The session's lexing is unknown: redact under every lexing in turn, so a literal under
    // any of them ends up redacted.
    return ALL_LEX_MODES.reduce((t, sqlMode) => redactStatement(t, dialect, detectors, { sqlMode }), text);
  }
  let tokens: Token[];
  try {
    tokens = dialect === 'postgres' ? tokenizePostgres(text) : tokenizeMysql(text, opts.sqlMode);
  } catch {
    return unscannable(text, detectors);
  }
  const secret = secretLiterals(tokens);
  for (const i of insertedSecrets(tokens)) secret.add(i);
  let out = '';
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word' || t.kind === 'punct') continue;
    const source = text.slice(t.start, t.end);
    const replacement =
      t.kind === 'string' && secret.has(i)
        ? REDACTED_LITERAL
        : detectors.redact(t.kind === 'number' ? source : CREDENTIAL_FIELDS.redact(source));
    if (replacement === source) continue;
    out += text.slice(at, t.start) + replacement;
    at = t.end;
  }
  return at === 0 ? text : out + text.slice(at);
}

/** Indexes of string tokens that are secrets by position, whatever they contain. */
function secretLiterals(tokens: Token[]): Set<number> {
  const secret = new Set<number>();
  const significant: number[] = [];
  let depth = 0;
  let identifiedDepth = -1;
  let setPassword = false;
  let afterEquals = false;
  let statementWords = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'comment') continue;
    const v = t.value;
    if (t.kind === 'punct') {
      if (v === ';') {
        identifiedDepth = -1;
        setPassword = afterEquals = false;
        statementWords = 0;
      } else if (v === '(') depth++;
      else if (v === ')') depth = Math.max(0, depth - 1);
      else if (v === ',' && depth === identifiedDepth) identifiedDepth = -1;
      else if (v === '=' && setPassword) afterEquals = true;
    } else if (t.kind === 'word') {
      statementWords++;
      if (v === 'identified') identifiedDepth = depth;
      else if (AFTER_IDENTIFIED.has(v)) identifiedDepth = -1;
      // SET PASSWORD [FOR user] = …: user names come before the '=', the secret after it.
      if (statementWords === 2 && v === 'password' && wordAt(tokens, significant.at(-1)) === 'set') {
        setPassword = true;
      }
    } else if (t.kind === 'string') {
      if (
        identifiedDepth >= 0 ||
        afterEquals ||
        followsSecretName(tokens, significant) ||
        isSetConfigValue(tokens, significant)
      ) {
        secret.add(i);
      }
    }
    significant.push(i);
  }
  return secret;
}

function wordAt(tokens: Token[], i: number | undefined): string | undefined {
  const t = i === undefined ? undefined : tokens[i];
  return t?.kind === 'word' ? t.value : undefined;
}

function followsSecretName(tokens: Token[], significant: number[]): boolean {
  for (let k = significant.length - 1; k >= 0; k--) {
    const t = tokens[significant[k]!]!;
    if (BETWEEN_NAME_AND_VALUE.has(t.value) && t.kind !== 'string') continue;
    return t.kind === 'word' && SECRET_NAME.test(t.value);
  }
  return false;
}

/** set_config('app.api_token', '<value>', …) */
function isSetConfigValue(tokens: Token[], significant: number[]): boolean {
  const [fn, open, name, comma] = significant.slice(-4).map((i) => tokens[i]);
  return (
    fn?.kind === 'word' &&
    fn.value === 'set_config' &&
    open?.value === '(' &&
    name?.kind === 'string' &&
    SECRET_NAME.test(name.value) &&
    comma?.value === ','
  );
}

/** An unterminated literal or comment: everything from the first quote or comment on is withheld. */
function unscannable(text: string, detectors: ValueDetectors): string {
  const cut = text.search(/['"`$#]|--|\/\*/);
  if (cut < 0) return detectors.redact(text);
  return `${detectors.redact(text.slice(0, cut))}[redacted: unterminated literal or comment]`;
}

/**
 * INSERT INTO t (name, password_hash) VALUES ('bob', '…'), …: the literals in the positions of
 * columns with secret names. Statements without a column list are left to the detectors.
 */
function insertedSecrets(tokens: Token[]): number[] {
  const out: number[] = [];
  let state: 'idle' | 'target' | 'columns' | 'between' | 'values' = 'idle';
  let columns: string[] = [];
  let depth = 0;
  let position = 0;
  let first = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'comment') continue;
    const v = t.kind === 'string' ? '' : t.value;
    const startsStatement = first;
    first = v === ';';
    if (v === ';') {
      state = 'idle';
      continue;
    }
    if (state === 'idle') {
      if (startsStatement && t.kind === 'word' && v === 'insert') state = 'target';
    } else if (state === 'target') {
      if (v === '(') {
        state = 'columns';
        columns = [''];
      } else if (t.kind === 'word' && ['values', 'value', 'select', 'set', 'default'].includes(v))
        state = 'idle';
    } else if (state === 'columns') {
      if (v === ',') columns.push('');
      else if (v === ')') state = 'between';
      else if (t.kind === 'word') columns[columns.length - 1] = v;
    } else if (state === 'between') {
      state = t.kind === 'word' && (v === 'values' || v === 'value') ? 'values' : 'idle';
      depth = 0;
    } else if (v === '(') {
      if (++depth === 1) position = 0;
    } else if (v === ')') {
      depth--;
    } else if (v === ',' && depth === 1) {
      position++;
    } else if (t.kind === 'string' && depth >= 1 && SECRET_NAME.test(columns[position] ?? '')) {
      out.push(i);
    } else if (depth === 0 && t.kind === 'word' && v !== 'row') {
      state = 'idle'; // ON CONFLICT, RETURNING, ON DUPLICATE KEY UPDATE …
    }
  }
  return out;
}
