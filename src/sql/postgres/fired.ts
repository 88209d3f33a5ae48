// What existing relations run when a statement touches them: a write fires the table's triggers,
// rules, row-security policies, defaults, generated columns and checks; a read runs a view's query
// and the policies. The catalog (gateway/postgres/fired-catalog.ts) says what exists; this module
// turns it into code to judge (a function to call, or SQL walked like any nested statement), and
// lists everything a statement reaches so the gateway can read it all before analysis.
import type { AnalysisContext, FiredObject, FunctionBody } from '../types.js';
import { CATALOG_RELATIONS } from './catalog-relations.js';
import type { BodyCache } from './session.js';
import { type Effect, type Pending, Walker } from './walker.js';

export type Call = { name: string; schema?: string };

/** One piece of code a touched relation runs. */
export type Fired =
  | { label: string; fn: Call }
  | { label: string; pending: readonly Pending[]; effects: readonly Effect[] };

/**
 * The server's own relations (pg_catalog, information_schema): their views and rules are part of
 * the server, and an unqualified pg_catalog name resolves there first. (A session that puts
 * another schema first is flagged for it: privilege/search-path.)
 */
function systemRelation(table: string): boolean {
  const dot = table.lastIndexOf('.');
  if (dot < 0) return CATALOG_RELATIONS.has(table);
  const schema = table.slice(0, dot);
  return schema === 'pg_catalog' || schema === 'information_schema';
}

/** The user relation an effect touches and the events it fires there (s = select). */
export function touched(e: Effect): { table: string; events: string; only: boolean } | undefined {
  if ((e.kind !== 'write' && e.kind !== 'read') || !e.table || systemRelation(e.table)) return undefined;
  return e.kind === 'write'
    ? { table: e.table, events: e.events, only: e.only === true }
    : { table: e.table, events: 's', only: false };
}

/** Whether `o` runs for these events; a child table's objects not when the statement said ONLY. */
function fires(o: FiredObject, events: string, only = false): boolean {
  if (only && o.descendant) return false;
  for (const c of events) if (o.events.includes(c)) return true;
  return false;
}

type Walked = { pending: Pending[]; effects: Effect[] };

/** By the catalog's own objects, as bodies are (see bodyOf). */
const byObject = new WeakMap<FiredObject, Walked>();

/** SQL text the server runs for a relation, walked as if it ran at offset 0. */
function walked(o: FiredObject, sql: string, cache: BodyCache): Walked {
  const known = byObject.get(o);
  if (known) return known;
  const key = `fired\0${sql}`;
  let value = cache.get(key);
  if (!value) {
    const w = new Walker({ sql: '', anchor: 0, depth: 1 });
    w.nestedSql(sql, 0, 'its definition');
    value = { pending: w.findings, effects: w.effects };
    cache.set(key, value);
  }
  byObject.set(o, value);
  return value;
}

/**
 * A write to a view writes the relations its query reads (an automatically updatable view), so
 * their triggers fire too. Over-approximated: the view's reads all count as written.
 */
function asWrites(effects: readonly Effect[], events: string): Effect[] {
  return effects.map((e) => (e.kind === 'read' ? { kind: 'write', table: e.table, events, at: e.at } : e));
}

/** The code `objects` (what fires on `table`) run for these events. */
export function firedRuns(
  objects: readonly FiredObject[],
  table: string,
  events: string,
  cache: BodyCache,
  only = false,
): Fired[] {
  const out: Fired[] = [];
  const writes = events.replace('s', '');
  for (const o of objects) {
    if (!fires(o, events, only)) continue;
    const label = `${o.what} on ${table}`;
    if (o.hidden) {
      const message = `${label}: not read from the catalog, so what it runs is unknown`;
      out.push({
        label,
        pending: [{ rule: 'opaque/dynamic-sql', objects: [table], message, at: 0 }],
        effects: [],
      });
      continue;
    }
    if (o.fn) out.push({ label, fn: o.fn });
    const text = o.sql ?? (o.expr !== undefined ? `SELECT ${o.expr}` : undefined);
    if (text === undefined) continue;
    const body = walked(o, text, cache);
    out.push({
      label,
      pending: body.pending,
      effects: o.view && writes ? asWrites(body.effects, writes) : body.effects,
    });
  }
  return out;
}

/** Everything a statement reaches: what the gateway reads from the catalog before analysis. */
export interface Reached {
  calls: Call[];
  relations: string[];
  /** Bodies and definitions reached (their text decides whether running them may change the catalog). */
  code: string[];
}

export interface ReachSources {
  bodiesOf: (name: string, schema: string | undefined) => FunctionBody[];
  bodyOf: (fn: FunctionBody) => { pending: readonly Pending[]; effects: readonly Effect[] };
  /** Trigger functions this session created on a table. */
  sessionTriggers: (table: string) => Call[];
  /** What a statement this session prepared (SQL PREPARE) does when executed. */
  prepared: (name: string) => readonly Effect[] | undefined;
  cache: BodyCache;
}

/**
 * Follows calls (through function bodies, created in the session or read from the catalog) and
 * touched relations (through what fires on them) from a statement's effects, each once.
 */
export function reach(
  start: readonly (readonly Effect[])[],
  ctx: AnalysisContext,
  src: ReachSources,
): Reached {
  // Most statements call nothing and touch one relation on which nothing fires: the maps that
  // only calls and fired code fill are made when first needed.
  let calls: Map<string, Call> | undefined;
  const relations = new Set<string>();
  const code: string[] = [];
  let expanded: Set<string> | undefined;
  const work: (readonly Effect[])[] = [...start];
  const call = (c: Call) => {
    (calls ??= new Map()).set(
      `${c.schema ?? ''}.${c.name}`,
      c.schema ? { name: c.name, schema: c.schema } : { name: c.name },
    );
    expanded ??= new Set();
    if (expanded.has(`fn\0${c.name}`)) return;
    expanded.add(`fn\0${c.name}`);
    for (const fn of src.bodiesOf(c.name, undefined)) {
      code.push(fn.body || fn.definition || '');
      work.push(src.bodyOf(fn).effects);
    }
  };
  // Breadth first, in statement order: the order the calls are listed in is the order they run.
  for (let i = 0; i < work.length; i++) {
    const effects = work[i]!;
    for (const e of effects) {
      if (e.kind === 'call' || e.kind === 'trigger') call(e);
      if (e.kind === 'write') for (const fn of src.sessionTriggers(e.table)) call(fn);
      if (e.kind === 'execute') {
        const prepared = src.prepared(e.name);
        if (prepared) work.push(prepared);
      }
      const t = touched(e);
      if (!t) continue;
      relations.add(t.table);
      const objects = ctx.fired?.firedBy(t.table);
      if (!objects) continue;
      for (const run of firedRuns(objects, t.table, t.events, src.cache, t.only)) {
        const key = `${t.table}\0${t.events}\0${run.label}`;
        expanded ??= new Set();
        if (expanded.has(key)) continue;
        expanded.add(key);
        if ('fn' in run) call(run.fn);
        else work.push(run.effects);
      }
      for (const o of objects) if (o.sql ?? o.expr) code.push(o.sql ?? o.expr ?? '');
    }
  }
  return { calls: calls ? [...calls.values()] : [], relations: [...relations], code };
}

/** Whether a statement's effects touch a relation on which something fires (then it must be judged). */
export function firesAny(effects: readonly Effect[], ctx: AnalysisContext): boolean {
  const fired = ctx.fired;
  if (!fired) return false;
  for (const e of effects) {
    const t = touched(e);
    if (!t) continue;
    const objects = fired.firedBy(t.table);
    if (objects === undefined || objects.some((o) => fires(o, t.events, t.only))) return true;
  }
  return false;
}
