// Secrets inside statement text, redacted before the text is recorded or shown to an approver.
// Works on tokens, so a literal is always replaced whole and the statement stays readable:
// CREATE ROLE x PASSWORD '[redacted]'.
import { Lru } from '../sql/cache.js';
import type { MysqlServer } from '../sql/mysql/server.js';
import { sessionLexings } from '../sql/mysql/sql-mode.js';
import { escapesInPlainStrings } from '../sql/postgres/state.js';
import type { Dialect } from '../sql/types.js';
import { CREDENTIAL_FIELDS, type ValueDetectors } from './detectors.js';
import { tokenizePostgresFast } from './pg-fast-tokens.js';
import { type Token, tokenizeMysql, tokenizePostgres } from './sql-tokens.js';

export const REDACTED_LITERAL = "'[redacted]'";

/** Names of settings, options, variables and columns whose literal values are secrets. */
export const SECRET_NAME =
  /pass(?:word|wd|phrase)|pwd|secret|token|api_?key|access_?key|private_?key|credential/i;

// An AWS access key id; the 40-character secret that goes with it has no shape of its own, so a
// literal of that shape in the same statement as a key id counts as the secret.
const AWS_KEY_ID = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}/;

/** Tokens allowed between a secret's name and its value: PASSWORD 'x', password = 'x', TO 'x', PASSWORD('x'). */
const BETWEEN_NAME_AND_VALUE = new Set(['(', '=', ':=', 'to']);

/** Words after INSERT INTO t that show no column list follows. */
const ENDS_INSERT_TARGET = new Set(['values', 'value', 'select', 'set', 'default']);

/** MySQL account clauses that end the secret part of IDENTIFIED …. */
const AFTER_IDENTIFIED = new Set(['comment', 'attribute', 'require']);

export interface StatementRedactionOptions {
  /** MySQL session sql_mode (ANSI_QUOTES, NO_BACKSLASH_ESCAPES change where literals are). */
  sqlMode?: string;
  /**
   * MySQL: the upstream's flavour and version, which decide which executable comments run (one
   * that does not ends at its first `*\/`). Absent: every reading the text can have.
   */
  server?: MysqlServer;
  /**
   * Postgres: false while standard_conforming_strings is (or may be) off, when a backslash in a
   * plain '…' string escapes the character after it.
   */
  standardConformingStrings?: boolean;
}

type Redact = (detectors: ValueDetectors, text: string) => string;
const filtered: Redact = (d, text) => d.redact(text);
const unfiltered: Redact = (d, text) => d.redactScanned(text);

// Postgres texts the fast tokenizer leaves to the real scanner (tens to hundreds of µs each)
// are cached by exact text: ORMs, pools and migration tools repeat them. At most 2 × GENERATION
// texts (sql/cache.ts's two generations) of at most MAX_CACHED_TEXT characters each.
const GENERATION = 2048;
const MAX_CACHED_TEXT = 1024;

/**
 * Statement redaction bound to one policy's detectors. Gives exactly what
 * `redactStatementReference` gives, faster: the hand-written tokenizer for common Postgres text,
 * the detectors' `mayFind` shortcut, and a cache of what libpg-query's scanner led to.
 */
export class StatementRedactor {
  private readonly cache = new Lru<string, string>(GENERATION);

  constructor(private readonly detectors: ValueDetectors) {}

  redact(text: string, dialect: Dialect, opts: StatementRedactionOptions = {}): string {
    // Most statements carry their values as bare numbers or placeholders: no tokens needed unless
    // a detector may match or a name makes a bare value secret (`SET app.api_token = abc`).
    if (
      withoutLiterals(text) &&
      !MAY_HAVE_SECRET_POSITION.test(text) &&
      !this.detectors.mayFindInParts(text) &&
      !CREDENTIAL_FIELDS.mayFindInParts(text)
    )
      return text;
    // MySQL's lexer is JavaScript and costs about what a cache miss costs: no cache there.
    if (dialect === 'mysql') return redactScanned(text, dialect, this.detectors, opts, filtered);
    if (escapesInStrings(text, opts)) return escapedText(text, this.detectors, filtered);
    const tokens = tokenizePostgresFast(text);
    if (tokens) return redactTokens(text, tokens, this.detectors, filtered);
    if (text.length > MAX_CACHED_TEXT) return redactScanned(text, dialect, this.detectors, opts, filtered);
    const hit = this.cache.get(text);
    if (hit !== undefined) return hit;
    const out = redactScanned(text, dialect, this.detectors, opts, filtered);
    this.cache.set(text, out);
    return out;
  }
}

/** Text that may put a value in a secret position (a cheap test before tokenizing). */
const MAY_HAVE_SECRET_POSITION = new RegExp(`${SECRET_NAME.source}|identified|${AWS_KEY_ID.source}`, 'i');

/**
 * The statement's tokens under every lexing the session may be in (MySQL with an unknown
 * sql_mode: each in turn), or nothing when it cannot be scanned.
 */
function lexings(text: string, dialect: Dialect, opts: StatementRedactionOptions): Token[][] {
  try {
    if (dialect === 'postgres')
      return escapesInStrings(text, opts) ? [] : [tokenizePostgresFast(text) ?? tokenizePostgres(text)];
    return sessionLexings(text, opts.sqlMode, opts.server).map((flags) => tokenizeMysql(text, flags));
  } catch {
    return [];
  }
}

/**
 * Zero-based indexes of the placeholders in secret positions (`SET password = $1`,
 * `INSERT INTO t (name, api_token) VALUES (?, ?)`): their bound values are secrets whatever
 * they look like.
 */
export function secretParams(
  text: string,
  dialect: Dialect,
  opts: StatementRedactionOptions = {},
): Set<number> {
  const out = new Set<number>();
  if (!MAY_HAVE_SECRET_POSITION.test(text)) return out;
  for (const tokens of lexings(text, dialect, opts)) {
    const secret = secretPositions(text, tokens);
    let ordinal = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind !== 'punct' || !isValue(t)) continue;
      const index = t.value === '?' ? ordinal++ : Number(t.value.slice(1)) - 1;
      if (secret.has(i)) out.add(index);
    }
  }
  return out;
}

/**
 * The clear values that redaction withholds from this statement: literals in secret positions
 * (their content, quotes removed) and what the detectors find in literals and comments. The
 * gateway withholds them from everything it records later (server messages that echo them).
 */
export function secretValues(
  text: string,
  dialect: Dialect,
  detectors: ValueDetectors,
  opts: StatementRedactionOptions = {},
): string[] {
  const out: string[] = [];
  const lexed = lexings(text, dialect, opts);
  if (lexed.length === 0) for (const span of detectors.find(text)) out.push(text.slice(span.start, span.end));
  for (const tokens of lexed) {
    const secret = secretPositions(text, tokens);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === 'punct' || (t.kind === 'word' && !secret.has(i))) continue;
      const source = text.slice(t.start, t.end);
      if (secret.has(i)) {
        out.push(literalContent(source));
        // An unquoted word is what the server folds it to (Postgres: lower case) when it echoes it.
        if (t.kind === 'word') out.push(t.value);
      }
      for (const d of [detectors, CREDENTIAL_FIELDS])
        for (const span of d.find(source)) out.push(literalContent(source.slice(span.start, span.end)));
    }
  }
  return out;
}

/** A literal's characters as the server reads them, near enough to find them in its messages. */
function literalContent(source: string): string {
  const m = /^[A-Za-z]?(['"])([\s\S]*)\1$/.exec(source);
  if (!m) return source;
  const quote = m[1]!;
  return m[2]!.split(quote + quote).join(quote);
}

/**
 * Whether text has no string literal and no comment in either dialect (for MySQL under any
 * sql_mode): printable ASCII (plus tab and line breaks) without quotes, backticks, `$` (Postgres
 * placeholders and dollar quotes), `#`, `--` or `/*`. Its tokens are then words, numbers and
 * punctuation (or the lexer fails and nothing is cut off), and the redactor can change only what
 * a detector finds in a part of it, or a bare value it gives a secret name.
 */
function withoutLiterals(text: string): boolean {
  let prev = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 ? c !== 9 && c !== 10 && c !== 13 : c > 126 || PLAIN_EXCLUDED[c] === 1) return false;
    // -- and /*
    if ((c === 45 && prev === 45) || (c === 42 && prev === 47)) return false;
    prev = c;
  }
  return true;
}

const PLAIN_EXCLUDED = new Uint8Array(128);
for (const ch of `'"\`$#`) PLAIN_EXCLUDED[ch.charCodeAt(0)] = 1;

/**
 * The real scanner (libpg-query, or the MySQL analyzer's lexer) and every detector rule over
 * every literal, comment and number: the definition `StatementRedactor` must match.
 */
export function redactStatementReference(
  text: string,
  dialect: Dialect,
  detectors: ValueDetectors,
  opts: StatementRedactionOptions = {},
): string {
  return redactScanned(text, dialect, detectors, opts, unfiltered);
}

function redactScanned(
  text: string,
  dialect: Dialect,
  detectors: ValueDetectors,
  opts: StatementRedactionOptions,
  redact: Redact,
): string {
  if (dialect === 'mysql') {
    // Where the session's lexing is not known exactly, redact under every one in turn, so a
    // literal under any of them ends up redacted.
    return sessionLexings(text, opts.sqlMode, opts.server).reduce(
      (t, flags) => redactLexed(t, () => tokenizeMysql(t, flags), detectors, redact),
      text,
    );
  }
  if (escapesInStrings(text, opts)) return escapedText(text, detectors, redact);
  return redactLexed(text, () => tokenizePostgres(text), detectors, redact);
}

function redactLexed(text: string, lex: () => Token[], detectors: ValueDetectors, redact: Redact): string {
  let tokens: Token[];
  try {
    tokens = lex();
  } catch {
    return unscannable(text, detectors, redact, 'unterminated literal or comment');
  }
  return redactTokens(text, tokens, detectors, redact);
}

/**
 * Postgres text the server reads with backslash escapes in plain strings, which the scanners here
 * do not follow: to them `'a\' x -- '` is the literal 'a\' followed by x and a comment, where the
 * server reads one literal holding x, so a secret there would be left in the clear
 * (`SET app.api_token = 'a\' value -- '`). Such text is cut before its first literal or comment,
 * as text that cannot be scanned is: the analyzer refuses it for the same reason, unjudged.
 */
function escapesInStrings(text: string, opts: StatementRedactionOptions): boolean {
  return opts.standardConformingStrings === false && escapesInPlainStrings(text);
}

function escapedText(text: string, detectors: ValueDetectors, redact: Redact): string {
  return unscannable(text, detectors, redact, 'read with standard_conforming_strings off');
}

function redactTokens(text: string, tokens: Token[], detectors: ValueDetectors, redact: Redact): string {
  const secret = secretPositions(text, tokens);
  let out = '';
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' || (t.kind === 'word' && !secret.has(i))) continue;
    const source = text.slice(t.start, t.end);
    const replacement = secret.has(i)
      ? REDACTED_LITERAL
      : redact(detectors, t.kind === 'number' ? source : redact(CREDENTIAL_FIELDS, source));
    if (replacement === source) continue;
    out += text.slice(at, t.start) + replacement;
    at = t.end;
  }
  return at === 0 ? text : out + text.slice(at);
}

/**
 * Indexes of the value tokens (string literals, placeholders, and bare numbers and words given
 * to a secret name) that are secrets by position, whatever they contain: after a secret name, in
 * IDENTIFIED BY, in an inserted secret column, next to an AWS access key id.
 */
function secretPositions(text: string, tokens: Token[]): Set<number> {
  const secret = secretLiterals(tokens);
  for (const i of insertedSecrets(tokens)) secret.add(i);
  if (AWS_KEY_ID.test(text)) for (const i of awsSecretKeys(text, tokens)) secret.add(i);
  return secret;
}

/** Words that are a value's keyword, never a secret: `SET x_token = DEFAULT`. */
const VALUE_KEYWORDS = new Set(['null', 'default', 'true', 'false', 'on', 'off', 'local']);

/**
 * A number, or a word that is neither a keyword above, nor a function called or a name
 * qualified: what `SET app.api_token = abc123` and `SET @api_token = 123` assign unquoted.
 */
function isBareValue(tokens: Token[], i: number): boolean {
  const t = tokens[i]!;
  if (t.kind === 'number') return true;
  if (t.kind !== 'word' || VALUE_KEYWORDS.has(t.value)) return false;
  const next = tokens[i + 1]?.value;
  return next !== '(' && next !== '.' && tokens[i - 1]?.value !== '.';
}

/** The statement so far ends with a secret name and `=`, `:=` or TO: a bare value there is assigned to it. */
function assignedToSecretName(tokens: Token[], significant: number[]): boolean {
  const op = tokens[significant.at(-1) ?? -1];
  const name = tokens[significant.at(-2) ?? -1];
  return (
    op !== undefined &&
    op.kind !== 'string' &&
    (op.value === '=' || op.value === ':=' || op.value === 'to') &&
    name?.kind === 'word' &&
    SECRET_NAME.test(name.value)
  );
}

/** A literal or a placeholder: what a secret name can give its value by. */
function isValue(t: Token): boolean {
  if (t.kind === 'string') return true;
  return t.kind === 'punct' && (t.value === '?' || (t.value.charCodeAt(0) === 36 && PG_PARAM.test(t.value)));
}

const PG_PARAM = /^\$[1-9][0-9]*$/;

const AWS_SECRET_SHAPE = /^['"]?[A-Za-z0-9/+]{40}['"]?$/;

function awsSecretKeys(text: string, tokens: Token[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'string' && AWS_SECRET_SHAPE.test(text.slice(t.start, t.end))) out.push(i);
  }
  return out;
}

/** Indexes of value tokens that follow a secret name or sit where a password goes. */
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
    if (isBareValue(tokens, i) && assignedToSecretName(tokens, significant)) secret.add(i);
    if (isValue(t)) {
      if (
        identifiedDepth >= 0 ||
        afterEquals ||
        followsSecretName(tokens, significant) ||
        isSetConfigValue(tokens, significant)
      ) {
        secret.add(i);
      }
    } else if (t.kind === 'punct') {
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
function unscannable(text: string, detectors: ValueDetectors, redact: Redact, why: string): string {
  const cut = text.search(/['"`$#]|--|\/\*/);
  if (cut < 0) return redact(detectors, text);
  return `${redact(detectors, text.slice(0, cut))}[redacted: ${why}]`;
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
    const v = isValue(t) ? '' : t.value;
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
      } else if (t.kind === 'word' && ENDS_INSERT_TARGET.has(v)) state = 'idle';
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
    } else if (
      (isValue(t) || t.kind === 'number') &&
      depth >= 1 &&
      SECRET_NAME.test(columns[position] ?? '')
    ) {
      out.push(i);
    } else if (depth === 0 && t.kind === 'word' && v !== 'row') {
      state = 'idle'; // ON CONFLICT, RETURNING, ON DUPLICATE KEY UPDATE …
    }
  }
  return out;
}
