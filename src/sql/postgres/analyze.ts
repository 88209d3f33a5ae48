// Postgres analysis with its caches. Fastest path first:
//  1. exact-text cache: the same text again costs one Map lookup (plus session effects, if any);
//  2. shape cache: a cheap single lexing pass gives the digest (literals replaced by `?`); a shape
//     already parsed is reused — but only when its analysis never read a literal's value
//     (`literalSensitive` false), since `WHERE 1=1` and `WHERE 1=2`, or two EXECUTE strings,
//     share a digest and not a verdict. Positions are moved through their tokens onto the new
//     text's. A text that differs from one already served by shape only in simple literals is
//     not even lexed: its template (../template.ts) gives what lexing would;
//  3. full parse with libpg-query.
// The canonical form and hash always come from the real text (the lexing pass yields them).
// A text enters the exact-text cache from its second sighting on, and a shape hit without
// findings or session effects (every `pgbench -S` statement, most ORM reads) never does:
// rebuilding it costs about as much as the lookup it would save, while caching every unique text
// fills the cache with entries that are never hit and keeps the garbage collector busy moving
// them. The last few entries parsed and not kept there are remembered apart (`recent`), and the
// last one rebuilt by shape too (`lastEntry`).

import { SecondSighting } from '../admission.js';
import { Lru } from '../cache.js';
import { canonicalEnd, firstTokenAtOrAfter, sha256, tokenAt } from '../canonical.js';
import { type Scanned, scan, withTokens } from '../digest.js';
import { match, skeleton, type Template } from '../template.js';
import type { Analysis, AnalysisContext, Finding, FunctionBody, StatementAnalysis } from '../types.js';
import { type Core, type CoreStatement, DEFAULT_MAX_STATEMENT_LENGTH, postgresCore } from './core.js';
import { firesAny, type Reached, reach } from './fired.js';
import { canonicalFrom, type Lexing, lexedFrom, lexingTemplate } from './lexing-template.js';
import { canonicalFromScan } from './parser.js';
import { bodyOf, SessionJudge, sessionBodies, triggersOn } from './session.js';
import type { Effect, Pending } from './walker.js';

/** Texts longer than this are analysed but not kept in the exact-text cache. */
const EXACT_CACHE_MAX_TEXT = 64 * 1024;

// Records made for every statement are class instances, not object literals: V8 moves the
// objects of a literal that mostly outlive a young-generation collection (the entries the caches
// keep after a full parse) straight to the old generation, and the per-call copies made at the
// same literal would then fill it with garbage (the new-literal path ran at half speed after a
// few thousand full parses, 37% of its time in the collector).
class Canon {
  readonly hash: string;

  constructor(
    readonly canonical: string,
    hash = sha256(canonical),
  ) {
    this.hash = hash;
  }
}

class ExactEntry {
  /** No statement has findings or session effects: the analysis needs no session judgement. */
  readonly pure: boolean;

  constructor(
    readonly core: Core,
    readonly statements: Canon[],
    readonly whole: Canon,
  ) {
    this.pure = isPure(core);
  }
}

/**
 * A parsed text's core and where its tokens start: a text of the same digest has its tokens in
 * the same order, so each position maps through its token onto the new text.
 */
interface Shape {
  core: Core;
  starts: Int32Array;
}

/**
 * A template's texts whose slots hold values as long as those of the text it was made from have
 * their tokens where that text has them: its core and where its statements' canonical forms lie
 * hold for them as they are (only the canonical forms, with the new values, are new).
 */
interface Plan {
  template: Template<Lexing>;
  /** The shape it was made from: it holds while the cache keeps that one. */
  shape: Shape;
  core: Core;
  ranges: number[];
  /** The length of each slot's value. */
  lengths: number[];
}

interface Caches {
  exact: Lru<string, ExactEntry>;
  shapes: Lru<string, Shape>;
  /** By skeleton; null: texts of this skeleton had no slot. */
  templates: Lru<number, Template<Lexing> | null>;
  /** The template last matched or made: runs of one statement (pgbench, a backfill) skip the lookup. */
  lastTemplate: Template<Lexing> | undefined;
  /** For the texts of `lastTemplate`. */
  plan: Plan | undefined;
  /** The last entry rebuilt by shape (and kept nowhere else), and its text. */
  lastText: string | undefined;
  lastEntry: ExactEntry | undefined;
  /** Texts seen once (`exact` keeps a text from its second sighting on). */
  seen: SecondSighting;
  /**
   * Parsed entries not kept in `exact`: the gateway asks `reachedPostgres` and then `analyze` about
   * the same text (sessions interleaving), and the second must not parse it again.
   */
  recent: Lru<string, ExactEntry>;
}

const cacheSize = { exact: 20_000, shapes: 20_000, templates: 5_000, seen: 1 << 16, recent: 64 };
const newCaches = (): Caches => ({
  exact: new Lru(cacheSize.exact),
  shapes: new Lru(cacheSize.shapes),
  templates: new Lru(cacheSize.templates),
  lastTemplate: undefined,
  plan: undefined,
  lastText: undefined,
  lastEntry: undefined,
  seen: new SecondSighting(cacheSize.seen),
  recent: new Lru(cacheSize.recent),
});
const caches: Record<'on' | 'off', Caches> = { on: newCaches(), off: newCaches() };
const bodies = new Lru<string, { pending: Pending[]; effects: Effect[] }>(2_000);

/** Where `match` puts the slots' bounds (reused: one text is matched at a time). */
const bounds: number[] = [];

/** How inputs were analysed since the caches were last cleared. */
export interface AnalysisCacheStats {
  exactHits: number;
  shapeHits: number;
  parses: number;
}

const stats: AnalysisCacheStats = { exactHits: 0, shapeHits: 0, parses: 0 };
/** Shape hits whose text matched a template (not lexed). */
let templateHits = 0;

export function analysisCacheStats(): AnalysisCacheStats {
  return { ...stats };
}

/** Of the shape hits since the caches were last cleared, those whose text matched a template. */
export function analysisTemplateHits(): number {
  return templateHits;
}

/** Empties every cache and zeroes the statistics (tests and benchmarks measure cold paths). */
export function clearAnalysisCaches(): void {
  for (const c of Object.values(caches)) {
    c.exact.clear();
    c.shapes.clear();
    c.templates.clear();
    c.lastTemplate = undefined;
    c.plan = undefined;
    c.lastText = undefined;
    c.lastEntry = undefined;
    c.seen.clear();
    c.recent.clear();
  }
  bodies.clear();
  stats.exactHits = 0;
  stats.shapeHits = 0;
  stats.parses = 0;
  templateHits = 0;
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
      case 'write':
      case 'read':
        return { ...e, at: at(e.at) };
      case 'unless-created':
        return { ...e, finding: pending(e.finding) };
      case 'prepare':
        return { ...e, findings: e.findings.map(pending), effects: e.effects.map(effect) };
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
        // Cores are never changed once built, so empty lists are shared rather than copied.
        pending: s.pending.length === 0 ? s.pending : s.pending.map(pending),
        effects: s.effects.length === 0 ? s.effects : s.effects.map(effect),
        readOnly: s.readOnly,
      }),
    ),
  };
}

/**
 * The shape's core moved onto `lexed`, a text of the same digest: a statement starts at its first
 * token (at or after its position in the shape's text) and ends with the token before the first
 * one at or after its end; anything else is at the start of its token.
 */
function fromShape(shape: Shape, lexed: Scanned): Core {
  const n = lexed.starts.length;
  return mapCore(
    shape.core,
    (o) => {
      const i = firstTokenAtOrAfter(shape, o);
      return i < n ? lexed.starts[i]! : (lexed.ends[n - 1] ?? 0);
    },
    (o) => {
      const i = firstTokenAtOrAfter(shape, o);
      return i > 0 ? lexed.ends[i - 1]! : 0;
    },
    (o) => lexed.starts[tokenAt(shape, o)] ?? 0,
  );
}

function canon(canonical: string): Canon {
  return new Canon(canonical);
}

function scanCanonical(text: string): string {
  try {
    return canonicalFromScan(text);
  } catch {
    return text.trim();
  }
}

/**
 * No findings and no session effects. A write or a read is pure too: it matters only to a session
 * that created triggers, or when something fires on the relation, and `build` judges it then.
 */
function isPure(core: Core): boolean {
  return core.statements.every(
    (s) => s.pending.length === 0 && s.effects.every((e) => e.kind === 'write' || e.kind === 'read'),
  );
}

function makeEntry(core: Core, lexed: Scanned | undefined, text: string): ExactEntry {
  if (lexed) return entryOf(core, lexed.canonical, canonicalRanges(core, lexed));
  const statements = core.statements.map((s) => canon(scanCanonical(text.slice(s.start, s.end))));
  return entryWith(core, statements, scanCanonical(text));
}

/** Where each statement's canonical form lies in the whole text's: a start and an end each. */
function canonicalRanges(core: Core, lexed: Scanned): number[] {
  const ranges: number[] = [];
  for (const s of core.statements) {
    const from = firstTokenAtOrAfter(lexed, s.start);
    const to = firstTokenAtOrAfter(lexed, s.end);
    // No token: the empty form (as canonicalOf gives it).
    if (from >= to || from >= lexed.starts.length) ranges.push(0, 0);
    else ranges.push(lexed.canonicalStarts[from]!, canonicalEnd(lexed, to));
  }
  return ranges;
}

function entryOf(core: Core, canonical: string, ranges: readonly number[]): ExactEntry {
  const statements = core.statements.map((_, i) => canon(canonical.slice(ranges[2 * i], ranges[2 * i + 1])));
  return entryWith(core, statements, canonical);
}

function entryWith(core: Core, statements: Canon[], wholeText: string): ExactEntry {
  // A single statement is usually the whole input: hash it once.
  const only = statements.length === 1 ? statements[0]! : undefined;
  const whole = only && only.canonical === wholeText ? only : canon(wholeText);
  return new ExactEntry(core, statements, whole);
}

function build(entry: ExactEntry, text: string, ctx: AnalysisContext): Analysis {
  // A pure entry needs no judge (and must not create the session memory as a side effect).
  const judge =
    entry.pure && !ctx.memory?.triggers?.size && !entry.core.statements.some((s) => firesAny(s.effects, ctx))
      ? undefined
      : new SessionJudge(ctx, text, bodies);
  const all: Finding[] = [];
  let readOnly = true;
  let opaque = false;
  const statements = entry.core.statements.map((s, i): StatementAnalysis => {
    const findings = judge ? judge.judge(s) : [];
    const stmtOpaque = findings.some((f) => f.category === 'opaque');
    for (const f of findings) all.push(f);
    const stmtReadOnly = s.readOnly && findings.length === 0;
    readOnly &&= stmtReadOnly;
    opaque ||= stmtOpaque;
    return {
      text: text.slice(s.start, s.end),
      offset: s.start,
      findings,
      readOnly: stmtReadOnly,
      opaque: stmtOpaque,
      canonical: entry.statements[i]!.canonical,
      hash: entry.statements[i]!.hash,
    };
  });
  return {
    findings: all,
    readOnly,
    opaque,
    canonical: entry.whole.canonical,
    hash: entry.whole.hash,
    statements,
  };
}

function postgresEntry(
  text: string,
  ctx: AnalysisContext,
  scs = ctx.postgres?.standardConformingStrings !== false,
): ExactEntry {
  const maxLength = ctx.maxStatementLength ?? DEFAULT_MAX_STATEMENT_LENGTH;
  if (text.length > maxLength) {
    // Not lexed, not parsed, not cached: bounded work for any size.
    const core = postgresCore(text, { lexed: undefined, standardConformingStrings: scs, maxLength });
    const raw = new Canon('', sha256(text));
    return new ExactEntry(core, [raw], raw);
  }
  const cache = caches[scs ? 'on' : 'off'];
  if (cache.lastText === text && cache.lastEntry) {
    stats.exactHits++;
    return cache.lastEntry;
  }
  // A run of one statement's texts (pgbench, a backfill) matches the template last used: no lookup.
  const { lastTemplate } = cache;
  if (lastTemplate !== undefined && match(lastTemplate, text, bounds)) {
    const entry =
      planned(cache, lastTemplate, text, scs) ??
      byShape(cache, text, lexedFrom(lastTemplate, text, bounds), scs, lastTemplate);
    if (entry) return entry;
  }
  const hit = cache.recent.get(text) ?? cache.exact.get(text);
  if (hit) {
    stats.exactHits++;
    return hit;
  }
  const skeletonKey = skeleton(text);
  const template = cache.templates.get(skeletonKey);
  const matched = template ? match(template, text, bounds) : false;
  if (matched) cache.lastTemplate = template!;
  const scanned = matched
    ? lexedFrom(template!, text, bounds)
    : scan(text, { dialect: 'postgres', standardConformingStrings: scs });
  const served = scanned && byShape(cache, text, scanned, scs, matched ? template! : undefined);
  if (served) {
    if (!matched && template !== null) {
      const made = lexingTemplate(text, scanned);
      cache.templates.set(skeletonKey, made ?? null);
      if (made) cache.lastTemplate = made;
    }
    return served;
  }
  stats.parses++;
  const core = postgresCore(text, {
    lexed: scanned && withTokens(scanned),
    standardConformingStrings: scs,
    maxLength,
  });
  if (scanned && !core.literalSensitive)
    cache.shapes.set(scanned.digest, { core, starts: Int32Array.from(scanned.starts) });
  const entry = makeEntry(core, scanned, text);
  keep(cache, text, entry, false);
  return entry;
}

/**
 * The entry of a text of a cached shape, or undefined. `template`: the text matched it, its slots
 * are at `bounds`, and the entry makes the template's plan.
 */
function byShape(
  cache: Caches,
  text: string,
  scanned: Scanned,
  scs: boolean,
  template?: Template<Lexing>,
): ExactEntry | undefined {
  // With standard_conforming_strings off, a backslash in a plain string makes the text unreadable
  // (see postgresCore); a shape built from a text without one must not stand in for it.
  if (!scs && scanned.backslashInPlainString) return undefined;
  const shape = cache.shapes.get(scanned.digest);
  if (!shape) return undefined;
  stats.shapeHits++;
  const core = fromShape(shape, scanned);
  const ranges = canonicalRanges(core, scanned);
  const entry = entryOf(core, scanned.canonical, ranges);
  if (template) {
    templateHits++;
    const lengths = template.kinds.map((_, k) => bounds[2 * k + 1]! - bounds[2 * k]!);
    cache.plan = { template, shape, core, ranges, lengths };
  }
  keep(cache, text, entry, entry.pure);
  return entry;
}

/** The entry of a text that matched `t` (slots at `bounds`) by its plan, or undefined. */
function planned(cache: Caches, t: Template<Lexing>, text: string, scs: boolean): ExactEntry | undefined {
  const { plan } = cache;
  if (plan === undefined || plan.template !== t) return undefined;
  for (let k = 0; k < plan.lengths.length; k++)
    if (bounds[2 * k + 1]! - bounds[2 * k]! !== plan.lengths[k]) return undefined;
  if ((!scs && t.value.backslashInPlainString) || cache.shapes.get(t.value.digest) !== plan.shape)
    return undefined;
  stats.shapeHits++;
  templateHits++;
  const entry = entryOf(plan.core, canonicalFrom(t, text, bounds), plan.ranges);
  keep(cache, text, entry, entry.pure);
  return entry;
}

/**
 * Keeps an entry in `exact` from its text's second sighting on, unless `cheap` (rebuilt by
 * shape); otherwise remembers it as recent, a cheap one as the last only.
 */
function keep(cache: Caches, text: string, entry: ExactEntry, cheap: boolean): void {
  if (cheap) {
    cache.lastText = text;
    cache.lastEntry = entry;
  } else if (text.length <= EXACT_CACHE_MAX_TEXT && cache.seen.again(text)) cache.exact.set(text, entry);
  else cache.recent.set(text, entry);
}

/** A statement turns standard_conforming_strings off before the input's last statement. */
function scsOffInside(entry: ExactEntry): boolean {
  const { statements } = entry.core;
  return statements.some((s, i) => i < statements.length - 1 && s.effects.some((e) => e.kind === 'scs-off'));
}

/**
 * Analyses one Postgres input. The result is a new object on every call, never shared. The
 * server reads a whole Query under the settings it started with, but a file run statement by
 * statement (psql) would read the rest of it with standard_conforming_strings off after a
 * statement turns it off: such an input is read the stricter way throughout. The session's
 * state is never changed here: only the server's reports change it.
 */
export function analyzePostgres(text: string, ctx: AnalysisContext): Analysis {
  const entry = postgresEntry(text, ctx);
  return build(scsOffInside(entry) ? postgresEntry(text, ctx, false) : entry, text, ctx);
}

type Call = { name: string; schema?: string };

/**
 * What a Postgres statement reaches, so the gateway can read it from the catalog before `analyze`:
 * the functions it calls (directly, as a trigger it creates, through triggers the session created
 * on a table it writes, through what the catalog says fires on the relations it touches, and
 * through the bodies of all of these) and the relations it touches (theirs too). Only what is
 * already known is followed: the gateway calls it again after each read, to a fixed point.
 */
export function reachedPostgres(text: string, ctx: AnalysisContext): Reached {
  const memory = ctx.memory;
  return reach(
    postgresEntry(text, ctx).core.statements.map((s) => s.effects),
    ctx,
    {
      bodiesOf: sessionBodies(memory, ctx.functions),
      bodyOf: (fn) => bodyOf(fn, bodies),
      sessionTriggers: (table) => (memory ? triggersOn(memory, table) : []),
      prepared: (name) => memory?.prepared.get(name)?.effects,
      cache: bodies,
    },
  );
}

/** The functions a Postgres statement reaches (see `reachedPostgres`). */
export function calledFunctions(text: string, ctx: AnalysisContext): Call[] {
  return reachedPostgres(text, ctx).calls;
}

/** The functions a function's body calls directly (the catalog's next round). */
export function functionCalls(fn: FunctionBody): Call[] {
  const seen = new Map<string, Call>();
  for (const e of bodyOf(fn, bodies).effects)
    if (e.kind === 'call' || e.kind === 'trigger')
      seen.set(
        `${e.schema ?? ''}.${e.name}`,
        e.schema ? { name: e.name, schema: e.schema } : { name: e.name },
      );
  return [...seen.values()];
}
