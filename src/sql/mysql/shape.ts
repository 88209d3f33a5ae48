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
// ~130-160 µs of node-sql-parser); a text that differs from one already served only in simple
// literals is not even lexed (../template.ts).

import { Lru } from '../cache.js';
import { sha256 } from '../canonical.js';
import { FNV_PRIME } from '../fnv.js';
import { cut, match, STRING, seedOf, skeleton, type Template } from '../template.js';
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

/** What a text of a template has in common with the template's own text, under one session state. */
interface Common {
  /** The session state (`get`'s prefix). */
  prefix: string;
  /** The shape's key. */
  key: string;
  /** The canonical form around the slots' values (a string slot's quotes are kept here). */
  canonical: string[];
  /** The statement's bounds in the template's text (it starts before any slot). */
  start: number;
  end: number;
  /** The template's text's length. */
  length: number;
  /** Names the template (with its session state) for `slotsHash`. */
  identity: number;
}

/** Marks a slot while the template's canonical form is cut. */
const MARK = '\u0000';

/**
 * The template of a one-statement text whose shape is cached, or undefined. The canonical form is
 * cut where the slots' values go; a string slot's value is written there as it is written in the
 * text, which holds for strings without quotes or backslashes, and is checked: the cut form must
 * give back the text's own canonical form.
 */
function commonTemplate(
  text: string,
  raw: RawStatement,
  prefix: string,
  key: string,
): Template<Common> | undefined {
  const { tokens } = raw;
  const starts = tokens.map((t) => t.start);
  const ends = tokens.map((t) => t.end);
  const literals = tokens.flatMap((t, i) => (isLiteral(t) && t.prefix === undefined ? [i] : []));
  return cut(text, starts, ends, literals, (slots) => {
    const marked = tokens.slice();
    for (const i of slots) {
      const t = tokens[i]!;
      marked[i] = t.kind === 'string' ? { ...t, value: MARK } : { ...t, text: MARK };
    }
    const canonical = canonicalText(marked).split(MARK);
    if (canonical.length !== slots.length + 1) return undefined;
    const identity = skeleton(text, seedOf(prefix)) ^ 0x5bd1e995;
    const common = { prefix, key, canonical, start: raw.start, end: raw.end, length: text.length, identity };
    const bounds = slots.flatMap((i) => [starts[i]!, ends[i]!]);
    return canonicalFrom(
      common,
      slots.map((i) => (tokens[i]!.kind === 'string' ? STRING : 0)),
      text,
      bounds,
    ) === canonicalText(tokens)
      ? common
      : undefined;
  });
}

/** The canonical form of a text that matched a template, its slots at `bounds`. */
function canonicalFrom(c: Common, kinds: readonly number[], text: string, bounds: readonly number[]): string {
  let out = c.canonical[0]!;
  for (let k = 0; k < kinds.length; k++) {
    const quote = kinds[k] === STRING ? 1 : 0;
    out += text.slice(bounds[2 * k]! + quote, bounds[2 * k + 1]! - quote) + c.canonical[k + 1]!;
  }
  return out;
}

/**
 * A hash of a text that matched `t` (its slots at `bounds`): of the template's text and the
 * values, which name the text. (It is not `skeleton`'s whole-text hash: a text counted under both
 * is only admitted a sighting later, see admission.ts.)
 */
function slotsHash(t: Template<Common>, text: string): number {
  let h = t.value.identity;
  for (let k = 0; k < t.kinds.length; k++) {
    for (let i = bounds[2 * k]!; i < bounds[2 * k + 1]!; i++)
      h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
    h = Math.imul(h ^ 0xffff, FNV_PRIME);
  }
  return h;
}

/** Where `match` puts the slots' bounds, and `skeleton` the whole text's hash (reused). */
const bounds: number[] = [];
const whole = new Int32Array(1);

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
  /** By skeleton (seeded with the session state); null: texts of this skeleton had no slot. */
  private readonly templates: Lru<number, Template<Common> | null>;
  /** The template last matched: runs of one statement (sysbench's point selects) skip the lookup. */
  private last: Template<Common> | undefined;
  /** Inputs served from a shape since the last `clear`. */
  hits = 0;
  /** Of those, inputs that matched a template (not lexed). */
  templateHits = 0;

  constructor(capacity: number) {
    this.shapes = new Lru(capacity);
    this.templates = new Lru(capacity);
  }

  /**
   * The analysis of `text` from its shape, or undefined (then analyse it and `offer` the result).
   * `prefix` names the session state the analysis reads (the exact-text cache's key prefix);
   * `flags` must be plain lexing (no ANSI_QUOTES or NO_BACKSLASH_ESCAPES: such results are
   * session-sensitive and never kept). `sighting` is a hash of the prefix and the text, for the
   * exact-text cache's admission (this pass reads the text anyway).
   */
  get(
    text: string,
    prefix: string,
    flags: Readonly<LexFlags>,
    after: () => MysqlSessionAfter,
  ): { analysis?: MysqlAnalysis; key?: string; raw?: RawStatement; sighting: number } {
    const { last } = this;
    if (last && last.value.prefix === prefix && match(last, text, bounds)) {
      const analysis = this.fromTemplate(last, text, after);
      // A hash of the text from the template's and the values: this path reads no other character.
      if (analysis) return { analysis, sighting: slotsHash(last, text) };
    }
    const skeletonKey = skeleton(text, seedOf(prefix), whole);
    const sighting = whole[0]!;
    const template = this.templates.get(skeletonKey);
    if (template && template.value.prefix === prefix && match(template, text, bounds)) {
      this.last = template;
      const analysis = this.fromTemplate(template, text, after);
      if (analysis) return { analysis, sighting };
    }
    const raw = onlyStatement(text, flags);
    if (!raw || !isWord(raw.tokens[0], ...SHAPE_LEADS)) return { sighting };
    const key = prefix + shapeOf(raw.tokens);
    const entry = this.shapes.get(key);
    if (entry === undefined || entry === UNSAFE) return { key, raw, sighting };
    if (template !== null) {
      const made = commonTemplate(text, raw, prefix, key);
      this.templates.set(skeletonKey, made ?? null);
      if (made) this.last = made;
    }
    return {
      analysis: this.served(entry, text, raw.start, raw.end, canonicalText(raw.tokens), after),
      sighting,
    };
  }

  /** The analysis of a text that matched `t` (its slots at `bounds`), while its shape is kept. */
  private fromTemplate(
    t: Template<Common>,
    text: string,
    after: () => MysqlSessionAfter,
  ): MysqlAnalysis | undefined {
    const { key, start, end } = t.value;
    const entry = this.shapes.get(key);
    if (entry === undefined || entry === UNSAFE) return undefined;
    // The statement ends at or after its last slot: its end moves by all of them.
    const moved = end + text.length - t.value.length;
    const canonical = canonicalFrom(t.value, t.kinds, text, bounds);
    this.templateHits++;
    return this.served(entry, text, start, moved, canonical, after);
  }

  private served(
    entry: ShapeEntry,
    text: string,
    start: number,
    end: number,
    canonical: string,
    after: () => MysqlSessionAfter,
  ): MysqlAnalysis {
    this.hits++;
    const hash = sha256(canonical);
    const { readOnly, whereByValue } = entry;
    const statement = {
      text: text.slice(start, end),
      offset: start,
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
    return analysis;
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
    this.templates.clear();
    this.last = undefined;
    this.hits = 0;
    this.templateHits = 0;
  }
}
