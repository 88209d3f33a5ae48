// The analyzer entry point: dispatches by dialect. Postgres results are cached (exact text, then
// statement shape; see postgres/analyze.ts). MySQL results are cached by exact text and the
// session state they can depend on, only when the analyzer says they depend on nothing else,
// and only from a text's second sighting on (admission.ts says why); one-statement inputs that
// differ only in literals share a shape (mysql/shape.ts).
import { SecondSighting } from './admission.js';
import { Lru } from './cache.js';
import { inputJudgementMatters, MigrationJudge } from './migration/judge.js';
import { analyzeMysql, type MysqlAnalysis, sessionAfter } from './mysql/analyze.js';
import { MAX_PARSE_CHARS } from './mysql/judge.js';
import type { MysqlAnalysisContext, MysqlSessionAfter } from './mysql/session.js';
import { MysqlShapes } from './mysql/shape.js';
import { isUnknownMode, lexFlags } from './mysql/sql-mode.js';
import { withoutOwnTemporaryWrites } from './mysql/temp-tables.js';
import { withoutOwnSignals } from './own-session.js';
import { analyzePostgres, clearAnalysisCaches as clearPostgresCaches } from './postgres/analyze.js';
import { loadPostgresParser } from './postgres/parser.js';
import type { Analysis, AnalysisContext } from './types.js';

export { analyzePostgres, calledFunctions, functionCalls, reachedPostgres } from './postgres/analyze.js';
export { loadPostgresParser } from './postgres/parser.js';
export { newSessionMemory } from './postgres/session.js';

/** Texts longer than this are analysed but not kept in the MySQL cache. */
const MYSQL_CACHE_MAX_TEXT = 16 * 1024;
/** Longer texts are not given a shape: a key is as long as its text, and hot statements are short. */
const MYSQL_SHAPE_MAX_TEXT = 2048;
const mysqlCache = new Lru<string, MysqlAnalysis>(10_000);
const mysqlSeen = new SecondSighting(1 << 16);
const mysqlShapes = new MysqlShapes(10_000);
const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();

/** Empties every analysis cache (tests and benchmarks measure cold paths). */
export function clearAnalysisCaches(): void {
  clearPostgresCaches();
  mysqlCache.clear();
  mysqlSeen.clear();
  mysqlShapes.clear();
}

/** MySQL inputs served from the shape cache since the caches were last cleared. */
export function mysqlShapeHits(): number {
  return mysqlShapes.hits;
}

/** Of those, inputs that matched a template and were not lexed. */
export function mysqlTemplateHits(): number {
  return mysqlShapes.templateHits;
}

/** Loads the parsers (libpg-query's WebAssembly). Await once before the first `analyze`. */
export async function loadAnalyzers(): Promise<void> {
  await loadPostgresParser();
}

/**
 * Analyses one input (one simple-query string, one Parse, one migration file). Keep one `ctx`
 * per session: the analyzer records in it what later statements depend on. The returned
 * analysis may be shared between calls and frozen: copy it before changing it.
 */
export function analyze(text: string, ctx: AnalysisContext): Analysis {
  const a = ctx.dialect === 'mysql' ? analyzeMysqlCached(text, ctx) : analyzePostgres(text, ctx);
  const judged =
    (a.statements.length > 1 && inputJudgementMatters(a.findings)) ||
    (ctx.columns !== undefined && a.findings.some((f) => f.rule === 'lock-heavy/alter-column-type'));
  const own = withoutOwnSignals(judged ? withinInput(a, text, ctx) : a, ctx);
  return ctx.dialect === 'mysql' ? withoutOwnTemporaryWrites(own, text, ctx) : own;
}

/**
 * What the input's own statements say about each other: a DROP VIEW (index, trigger, function,
 * constraint) that a later statement recreates, or of an object an earlier one created, and (MySQL)
 * lock warnings on a table it created. Type changes are judged by the old type when the gateway
 * read the table's columns from the catalog (`ctx.columns`); otherwise left as the analyzer says.
 */
function withinInput<A extends Analysis>(a: A, text: string, ctx: AnalysisContext): A {
  const judge = new MigrationJudge({
    dialect: ctx.dialect,
    types: ctx.columns !== undefined,
    ...(ctx.columns ? { catalog: ctx.columns } : {}),
  });
  const statements = judge.judge({
    text,
    statements: a.statements,
    ...(ctx.sqlMode !== undefined ? { sqlMode: ctx.sqlMode } : {}),
  });
  if (statements.every((s, i) => s === a.statements[i])) return a;
  return { ...a, statements, findings: statements.flatMap((s) => s.findings) };
}

/**
 * What a MySQL result can depend on besides the text when the analyzer flags it neither
 * literal- nor session-sensitive: the sql_mode (lexing), the current schema (writes to the
 * `mysql` schema), whether routines or a function catalog exist (stored function calls are
 * followed only then), the server's flavour and version (which executable comments run), and
 * the parse cap. (The client character set is not read: the text is already decoded.)
 */
function mysqlPrefix(ctx: MysqlAnalysisContext): string {
  const m = ctx.mysql;
  const resolver = ctx.functions !== undefined || (m?.routines !== undefined && m.routines.size > 0);
  const schema = m?.schema === undefined ? '-' : `+${m.schema}`;
  const server = ctx.server ? `${ctx.server.flavour}${ctx.server.version}` : '?';
  // Nothing fired when it was cached: true only while what fires on relations is unchanged.
  const fired = ctx.fired ? (ctx.fired.version ?? '?') : '-';
  return `${ctx.sqlMode ?? '-'}\0${schema}\0${resolver ? 1 : 0}\0${server}\0${fired}\0${ctx.maxStatementLength ?? ''}\0`;
}

/**
 * The analysis of an input that left the session as it was (the analyzer says so): the session
 * state after it is the caller's own, carried over.
 */
function carriedOver(ctx: MysqlAnalysisContext): MysqlSessionAfter {
  const m = ctx.mysql;
  return sessionAfter(ctx.sqlMode, m?.schema, m?.prepared ?? EMPTY, m?.routines ?? EMPTY);
}

function analyzeMysqlCached(text: string, ctx: MysqlAnalysisContext): MysqlAnalysis {
  if (text.length > MYSQL_CACHE_MAX_TEXT) return analyzeMysql(text, ctx);
  const prefix = mysqlPrefix(ctx);
  const key = prefix + text;
  const hit = mysqlCache.get(key);
  if (hit) return withAfter(hit, carriedOver(ctx));
  // The shape key names the same session state as the exact one (its prefix). The shape is lexed
  // for the server, as the analyzer lexes: an executable comment's version digits are not in the
  // shape, only whether its content runs (`/*!99999 WHERE …*/` is skipped).
  const shape = shapeable(text, ctx)
    ? mysqlShapes.get(text, prefix, lexFlags(ctx.sqlMode, ctx.server), () => carriedOver(ctx))
    : undefined;
  const fromShape = shape?.analysis;
  const analysis = fromShape ?? analyzeMysql(text, ctx);
  if (!fromShape && shape?.key !== undefined && shape.raw) mysqlShapes.offer(shape.key, shape.raw, analysis);
  // A text seen again is kept whole whichever way it was analysed: an exact hit is cheaper still.
  if (
    !analysis.literalSensitive &&
    !analysis.sessionSensitive &&
    !analysis.changesSession &&
    (shape ? mysqlSeen.againHashed(shape.sighting) : mysqlSeen.again(key))
  ) {
    // Kept without this session's state (its maps would stay alive for as long as the entry).
    mysqlCache.set(key, withAfter(analysis, carriedOver({ dialect: 'mysql' })));
  }
  return analysis;
}

/**
 * Plain lexing (a sql_mode that changes it makes every result session-sensitive), and a text far
 * enough under the parse cap that no literal of another length could take it over.
 */
function shapeable(text: string, ctx: MysqlAnalysisContext): boolean {
  if (text.length > MYSQL_SHAPE_MAX_TEXT) return false;
  if (text.length * 4 > Math.min(MAX_PARSE_CHARS, ctx.maxStatementLength ?? MAX_PARSE_CHARS)) return false;
  if (isUnknownMode(ctx.sqlMode)) return false;
  const flags = lexFlags(ctx.sqlMode);
  return !flags.ansiQuotes && !flags.noBackslashEscapes;
}

/** A fresh result object: callers may keep or extend it without touching the cached one. */
function withAfter(a: MysqlAnalysis, after: MysqlSessionAfter): MysqlAnalysis {
  return {
    findings: a.findings,
    readOnly: a.readOnly,
    opaque: a.opaque,
    canonical: a.canonical,
    hash: a.hash,
    statements: a.statements,
    after,
    literalSensitive: a.literalSensitive,
    sessionSensitive: a.sessionSensitive,
    changesSession: a.changesSession,
  };
}
