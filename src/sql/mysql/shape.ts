// The MySQL shape cache: one-statement inputs that differ only in their number and string
// literals (sysbench's ids, a backfill's `UPDATE t SET c = … WHERE id = …`) share one analysis.
// An input's shape is its tokens as written (spelling, spacing, hints and executable comments
// kept) with each literal replaced by a mark, except inside optimizer hints, whose values are
// judged (`SET_VAR(foreign_key_checks = 0)`). Only queries and row changes (SELECT, INSERT,
// REPLACE, UPDATE, DELETE) are kept: a SET reads its values without flagging the result
// literal-sensitive (`SET foreign_key_checks = 1` is fine, `= 2` is not), and so may other
// statements; the exact-text cache, which never needed the flag there, keeps those. Only results
// that cannot depend on a literal's value are kept: no findings, nothing session-dependent, and,
// for a WHERE the analyzer judged by value (could it match every row?), the same WHERE with every
// literal a placeholder that no values can make match every row. A hit lexes the new text once,
// for its canonical form and hash, instead of classifying and parsing it (an UPDATE by key:
// ~130-160 µs of node-sql-parser).

import { Lru } from '../cache.js';
import { sha256 } from '../canonical.js';
import type { MysqlAnalysis } from './analyze.js';
import { LexError, Lexer, type Token } from './lexer.js';
import { matchesEveryRow, parseStatement, pinnedByPlaceholder, placeholderTautology } from './parse.js';
import type { MysqlSessionAfter } from './session.js';
import { nextStatement, type RawStatement } from './split.js';
import type { LexFlags } from './sql-mode.js';
import { canonicalText, isWord } from './tokens.js';

/** What a shape's inputs all analyse to, besides their own text, canonical form and hash. */
interface ShapeEntry {
  readOnly: boolean;
  /** Set when a WHERE was judged by value (and cleared for every literal): as a full analysis says. */
  whereByValue: boolean;
}

/** A shape whose result may depend on its literals: inputs of it are analysed in full. */
const UNSAFE = 'unsafe';

function isLiteral(t: Token): boolean {
  return t.kind === 'number' || t.kind === 'string';
}

/** The input's one statement, or undefined for none, several, or text the lexer refuses. */
function onlyStatement(text: string, flags: Readonly<LexFlags>): RawStatement | undefined {
  try {
    const lexer = new Lexer(text, flags);
    const first = nextStatement(lexer);
    return first && nextStatement(lexer) === undefined ? first : undefined;
  } catch (err) {
    if (err instanceof LexError) return undefined;
    throw err;
  }
}

/** Statements whose analysis reads no literal but those it flags (WHERE, by `literalSensitive`). */
const SHAPE_LEADS = ['SELECT', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE'];

function shapeOf(tokens: readonly Token[], literals = true): string {
  let key = '';
  for (const t of tokens) {
    if (t.hint) key += `/*+${shapeOf(t.hint, false)}*/`;
    if (t.spaced) key += ' ';
    if (t.executable) key += '!';
    // A literal's mark is not `?`: a statement with placeholders has a shape of its own.
    key += literals && isLiteral(t) ? '\u0001' : t.text;
    // Token texts are not escaped, so a separator keeps `a b` and `ab` apart even unspaced.
    key += '\u0000';
  }
  return key;
}

/**
 * With every literal a `?`, whether no values can make the WHERE of an UPDATE or DELETE match
 * every row: then no literal could, and the analysis of one set of literals holds for all. Only a
 * statement that is itself the UPDATE or DELETE (not one that runs it: EXPLAIN ANALYZE, SET
 * STATEMENT … FOR, a compound block) and that the parser reads this way is cleared.
 */
function wheresStayNarrow(tokens: readonly Token[]): boolean {
  if (!isWord(tokens[0], 'UPDATE', 'DELETE')) return false;
  const placeheld = tokens.map((t): Token => {
    if (!isLiteral(t)) return t;
    const { prefix: _prefix, ...rest } = t;
    return { ...rest, kind: 'param', text: '?', value: '?', upper: '' };
  });
  const parsed = parseStatement(canonicalText(placeheld, true));
  if (!parsed.ok || parsed.asts.length !== 1) return false;
  const ast = parsed.asts[0]!;
  return (
    (ast.type === 'update' || ast.type === 'delete') &&
    ast.where != null &&
    !matchesEveryRow(ast.where) &&
    !placeholderTautology(ast.where) &&
    pinnedByPlaceholder(ast.where)
  );
}

export class MysqlShapes {
  private readonly shapes: Lru<string, ShapeEntry | typeof UNSAFE>;
  /** Inputs served from a shape since the last `clear`. */
  hits = 0;

  constructor(capacity: number) {
    this.shapes = new Lru(capacity);
  }

  /**
   * The analysis of `text` from its shape, or undefined (then analyse it and `offer` the result).
   * `prefix` names the session state the analysis reads (the exact-text cache's key prefix);
   * `flags` must be plain lexing (no ANSI_QUOTES or NO_BACKSLASH_ESCAPES: such results are
   * session-sensitive and never kept).
   */
  get(
    text: string,
    prefix: string,
    flags: Readonly<LexFlags>,
    after: () => MysqlSessionAfter,
  ): { analysis?: MysqlAnalysis; key?: string; raw?: RawStatement } {
    const raw = onlyStatement(text, flags);
    if (!raw || !isWord(raw.tokens[0], ...SHAPE_LEADS)) return {};
    const key = prefix + shapeOf(raw.tokens);
    const entry = this.shapes.get(key);
    if (entry === undefined || entry === UNSAFE) return { key, raw };
    this.hits++;
    const canonical = canonicalText(raw.tokens);
    const hash = sha256(canonical);
    const { readOnly, whereByValue } = entry;
    const statement = {
      text: text.slice(raw.start, raw.end),
      offset: raw.start,
      findings: [],
      readOnly,
      opaque: false,
      canonical,
      hash,
    };
    const analysis: MysqlAnalysis = {
      findings: [],
      readOnly,
      opaque: false,
      canonical,
      hash,
      statements: [statement],
      after: after(),
      literalSensitive: whereByValue,
      sessionSensitive: false,
      changesSession: false,
    };
    if (whereByValue) analysis.literalsOnlyInWhere = true;
    return { analysis };
  }

  /** Keeps `a`, the full analysis of a text whose shape `get` named, if it holds for the shape. */
  offer(key: string, raw: RawStatement, a: MysqlAnalysis): void {
    if (this.shapes.get(key) !== undefined) return;
    const s = a.statements[0];
    const plain =
      a.statements.length === 1 &&
      s !== undefined &&
      a.findings.length === 0 &&
      s.findings.length === 0 &&
      !a.opaque &&
      !s.opaque &&
      !a.sessionSensitive &&
      !a.changesSession &&
      s.offset === raw.start &&
      // Nothing appended to the canonical form (what an EXECUTE or CALL ran).
      s.canonical === canonicalText(raw.tokens) &&
      a.canonical === s.canonical;
    const whereByValue = a.literalsOnlyInWhere === true;
    const safe = plain && (!a.literalSensitive || (whereByValue && wheresStayNarrow(raw.tokens)));
    this.shapes.set(key, safe ? { readOnly: s.readOnly, whereByValue } : UNSAFE);
  }

  clear(): void {
    this.shapes.clear();
    this.hits = 0;
  }
}
