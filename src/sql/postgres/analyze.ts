// Postgres analysis with its caches. Fastest path first:
//  1. exact-text cache: the same text again costs one Map lookup (plus session effects, if any);
//  2. shape cache: a cheap single lexing pass gives the digest (literals replaced by `?`); a shape
//     already parsed is reused — but only when its analysis never read a literal's value
//     (`literalSensitive` false), since `WHERE 1=1` and `WHERE 1=2`, or two EXECUTE strings,
//     share a digest and not a verdict. Positions are kept as token indexes and moved onto the
//     new text's tokens;
//  3. full parse with libpg-query.
// The canonical form and hash always come from the real text (the lexing pass yields them).

import { Lru } from '../cache.js';
import { canonicalOf, firstTokenAtOrAfter, sha256, tokenAt } from '../canonical.js';
import { type Lexed, lex } from '../digest.js';
import type { Analysis, AnalysisContext, StatementAnalysis } from '../types.js';
import { type Core, type CoreStatement, DEFAULT_MAX_STATEMENT_LENGTH, postgresCore } from './core.js';
import { canonicalFromScan } from './parser.js';
import { SessionJudge } from './session.js';
import type { Effect, Pending } from './walker.js';

/** Texts longer than this are analysed but not kept in the exact-text cache. */
const EXACT_CACHE_MAX_TEXT = 64 * 1024;

interface Canon {
  canonical: string;
  hash: string;
}

interface ExactEntry {
  core: Core;
  statements: Canon[];
  whole: Canon;
  /** Prebuilt (frozen) analysis when no statement has findings or session effects. */
  pure: Analysis | undefined;
}

interface Caches {
  exact: Lru<string, ExactEntry>;
  shapes: Lru<string, Core>;
}

const cacheSize = { exact: 20_000, shapes: 20_000 };
const caches: Record<'on' | 'off', Caches> = {
  on: { exact: new Lru(cacheSize.exact), shapes: new Lru(cacheSize.shapes) },
  off: { exact: new Lru(cacheSize.exact), shapes: new Lru(cacheSize.shapes) },
};
const bodies = new Lru<string, { pending: Pending[]; effects: Effect[] }>(2_000);

/** Empties every cache (tests and benchmarks measure cold paths with it). */
export function clearAnalysisCaches(): void {
  for (const c of Object.values(caches)) {
    c.exact.clear();
    c.shapes.clear();
  }
  bodies.clear();
}

function mapCore(
  core: Core,
  start: (n: number) => number,
  end: (n: number) => number,
  at: (n: number) => number,
): Core {
  const pending = (p: Pending): Pending => ({ ...p, at: at(p.at) });
  const effect = (e: Effect): Effect => {
    switch (e.kind) {
      case 'call':
      case 'execute':
        return { ...e, at: at(e.at) };
      case 'unless-created':
        return { ...e, finding: pending(e.finding) };
      case 'prepare':
        return { ...e, findings: e.findings.map(pending) };
      default:
        return e;
    }
  };
  return {
    literalSensitive: core.literalSensitive,
    statements: core.statements.map(
      (s): CoreStatement => ({
        start: start(s.start),
        end: end(s.end),
        pending: s.pending.map(pending),
        effects: s.effects.map(effect),
        readOnly: s.readOnly,
      }),
    ),
  };
}

/** Positions → token indexes, so the result fits any text of the same shape. */
function toShape(core: Core, lexed: Lexed): Core {
  return mapCore(
    core,
    (o) => firstTokenAtOrAfter(lexed, o),
    (o) => firstTokenAtOrAfter(lexed, o),
    (o) => tokenAt(lexed, o),
  );
}

function fromShape(shape: Core, lexed: Lexed): Core {
  const n = lexed.starts.length;
  return mapCore(
    shape,
    (i) => (i < n ? lexed.starts[i]! : (lexed.ends[n - 1] ?? 0)),
    (i) => (i > 0 ? lexed.ends[i - 1]! : 0),
    (i) => lexed.starts[i] ?? 0,
  );
}

function canon(canonical: string): Canon {
  return { canonical, hash: sha256(canonical) };
}

function scanCanonical(text: string): string {
  try {
    return canonicalFromScan(text);
  } catch {
    return text.trim();
  }
}

function makeEntry(core: Core, lexed: Lexed | undefined, text: string): ExactEntry {
  const statements = core.statements.map((s) =>
    canon(
      lexed
        ? canonicalOf(lexed, firstTokenAtOrAfter(lexed, s.start), firstTokenAtOrAfter(lexed, s.end))
        : scanCanonical(text.slice(s.start, s.end)),
    ),
  );
  const wholeText = lexed ? lexed.tokens.join(' ') : scanCanonical(text);
  // A single statement is usually the whole input: hash it once.
  const only = statements.length === 1 ? statements[0]! : undefined;
  const whole = only && only.canonical === wholeText ? only : canon(wholeText);
  const entry: ExactEntry = { core, statements, whole, pure: undefined };
  if (core.statements.every((s) => s.pending.length === 0 && s.effects.length === 0)) {
    entry.pure = deepFreeze(build(entry, text, undefined));
  }
  return entry;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function build(entry: ExactEntry, text: string, ctx: AnalysisContext | undefined): Analysis {
  const judge = ctx ? new SessionJudge(ctx, text, bodies) : undefined;
  const statements = entry.core.statements.map((s, i): StatementAnalysis => {
    const findings = judge ? judge.judge(s) : [];
    return {
      text: text.slice(s.start, s.end),
      offset: s.start,
      findings,
      readOnly: s.readOnly && findings.length === 0,
      opaque: findings.some((f) => f.category === 'opaque'),
      canonical: entry.statements[i]!.canonical,
      hash: entry.statements[i]!.hash,
    };
  });
  return {
    findings: statements.flatMap((s) => s.findings),
    readOnly: statements.every((s) => s.readOnly),
    opaque: statements.some((s) => s.opaque),
    canonical: entry.whole.canonical,
    hash: entry.whole.hash,
    statements,
  };
}

function postgresEntry(text: string, ctx: AnalysisContext): ExactEntry {
  const scs = ctx.standardConformingStrings !== false;
  const maxLength = ctx.maxStatementLength ?? DEFAULT_MAX_STATEMENT_LENGTH;
  if (text.length > maxLength) {
    // Not lexed, not parsed, not cached: bounded work for any size.
    const core = postgresCore(text, { lexed: undefined, standardConformingStrings: scs, maxLength });
    const raw = { canonical: '', hash: sha256(text) };
    return { core, statements: [raw], whole: raw, pure: undefined };
  }
  const cache = caches[scs ? 'on' : 'off'];
  const hit = cache.exact.get(text);
  if (hit) return hit;
  const lexed = lex(text, { dialect: 'postgres', standardConformingStrings: scs });
  let core: Core | undefined;
  const shape = lexed ? cache.shapes.get(lexed.digest) : undefined;
  if (shape && lexed) core = fromShape(shape, lexed);
  else {
    core = postgresCore(text, { lexed, standardConformingStrings: scs, maxLength });
    if (lexed && !core.literalSensitive) cache.shapes.set(lexed.digest, toShape(core, lexed));
  }
  const entry = makeEntry(core, lexed, text);
  if (text.length <= EXACT_CACHE_MAX_TEXT) cache.exact.set(text, entry);
  return entry;
}

export function analyzePostgres(text: string, ctx: AnalysisContext): Analysis {
  const entry = postgresEntry(text, ctx);
  return entry.pure ?? build(entry, text, ctx);
}

/**
 * Functions a Postgres statement calls (directly, or as a trigger it creates), so the gateway
 * can prefetch their bodies from the catalog before `analyze`.
 */
export function calledFunctions(text: string, ctx: AnalysisContext): { name: string; schema?: string }[] {
  const seen = new Map<string, { name: string; schema?: string }>();
  for (const s of postgresEntry(text, ctx).core.statements) {
    for (const e of s.effects) {
      if (e.kind === 'call')
        seen.set(
          `${e.schema ?? ''}.${e.name}`,
          e.schema ? { name: e.name, schema: e.schema } : { name: e.name },
        );
    }
  }
  return [...seen.values()];
}
