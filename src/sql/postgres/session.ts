// The session-dependent half of Postgres analysis: applies each statement's effects in order
// against the session's memory (functions and tables created, statements prepared) and the
// catalog resolver, turning calls into findings from the called function's body.
import { locationOf } from '../canonical.js';
import { finding } from '../rules.js';
import type { AnalysisContext, Finding, FunctionBody, FunctionResolver, SessionMemory } from '../types.js';
import type { CoreStatement } from './core.js';
import { firedRuns, touched } from './fired.js';
import { waitsForWrite } from './row-scoped.js';
import { type Effect, type Pending, Walker } from './walker.js';

const MAX_CALL_DEPTH = 8;

export function newSessionMemory(): SessionMemory {
  return { functions: new Map(), prepared: new Map(), tables: new Set(), temporaryTables: new Set() };
}

function bare(name: string): string {
  return name.split('.').pop() ?? name;
}

/** The trigger functions this session created on `table` (named as written, or bare). */
export function triggersOn(memory: SessionMemory, table: string): { name: string; schema?: string }[] {
  return memory.triggers?.get(table) ?? memory.triggers?.get(bare(table)) ?? [];
}

export interface BodyCache {
  get(key: string): { pending: Pending[]; effects: Effect[] } | undefined;
  set(key: string, value: { pending: Pending[]; effects: Effect[] }): void;
}

/** By the catalog's own objects: building the text key of a long body on every lookup costs more than the walk saved. */
const byObject = new WeakMap<FunctionBody, { pending: Pending[]; effects: Effect[] }>();

/** Findings and effects of a function body, as if the body ran at offset 0. */
export function bodyOf(fn: FunctionBody, cache: BodyCache): { pending: Pending[]; effects: Effect[] } {
  const known = byObject.get(fn);
  if (known) return known;
  const key = `${fn.language}\0${fn.definition ?? ''}\0${fn.body}`;
  const hit = cache.get(key);
  if (hit) {
    byObject.set(fn, hit);
    return hit;
  }
  const walker = new Walker({ sql: fn.definition ?? fn.body, anchor: 0, depth: 1 });
  walker.functionBody(fn, 0);
  const value = { pending: walker.findings, effects: walker.effects };
  cache.set(key, value);
  byObject.set(fn, value);
  return value;
}

export class SessionJudge {
  readonly memory: SessionMemory;

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly text: string,
    private readonly bodies: BodyCache,
  ) {
    this.memory = ctx.memory ??= newSessionMemory();
  }

  private toFinding(p: Pending, at: number | undefined, prefix = ''): Finding {
    return finding(p.rule, p.objects, prefix + p.message, locationOf(this.text, at ?? p.at));
  }

  /** Findings of one statement after its effects; updates the session memory. */
  judge(stmt: CoreStatement): Finding[] {
    const out = stmt.pending.map((p) => this.toFinding(p, undefined));
    this.apply(stmt.effects, out, undefined, '', 0, new Set());
    return out;
  }

  private apply(
    effects: readonly Effect[],
    out: Finding[],
    callAt: number | undefined,
    prefix: string,
    depth: number,
    visiting: Set<string>,
  ): void {
    const { memory } = this;
    for (const e of effects) {
      switch (e.kind) {
        case 'call':
          this.call(e.name, e.schema, callAt ?? e.at, out, prefix, depth, visiting);
          break;
        case 'trigger':
          if (callAt === undefined) {
            const triggers = (memory.triggers ??= new Map());
            const fn = e.schema ? { name: e.name, schema: e.schema } : { name: e.name };
            for (const key of new Set([e.table, bare(e.table)]))
              triggers.set(key, [...(triggers.get(key) ?? []), fn]);
            // Once created, the trigger fires on every later write by anyone, not only on this
            // session's (which are judged whole at the write): what its function can do beyond
            // the written rows (drop, truncate, grant, run SQL text, …) is judged now.
            const fired: Finding[] = [];
            this.call(e.name, e.schema, e.at, fired, `trigger on ${e.table}: `, depth, visiting);
            for (const f of fired) if (!waitsForWrite(f.rule, f.category)) out.push(f);
          }
          break;
        case 'read':
        case 'write': {
          const t = touched(e);
          if (t) this.fire(t.table, t.events, t.only, callAt ?? e.at, out, prefix, depth, visiting);
          if (e.kind === 'read') break;
          for (const fn of triggersOn(memory, e.table))
            this.call(
              fn.name,
              fn.schema,
              callAt ?? e.at,
              out,
              `${prefix}trigger on ${e.table}: `,
              depth,
              visiting,
            );
          break;
        }
        case 'unless-created':
          if (!memory.tables.has(e.table)) out.push(this.toFinding(e.finding, callAt, prefix));
          break;
        case 'table':
          // Only top-level statements create tables for the session's later statements to use.
          if (callAt === undefined) {
            memory.tables.add(e.name);
            memory.tables.add(bare(e.name));
            if (e.temporary) memory.temporaryTables.add(bare(e.name));
          }
          break;
        case 'dropped-table':
          // Whichever table went, a permanent one of that name may be what the name means now.
          memory.temporaryTables.delete(bare(e.name));
          break;
        case 'function':
          if (callAt === undefined) {
            const key = e.fn.name.toLowerCase();
            memory.functions.set(key, [...(memory.functions.get(key) ?? []), e.fn]);
          }
          break;
        case 'prepare':
          if (callAt === undefined)
            memory.prepared.set(e.name, {
              findings: e.findings.map((p) => this.toFinding(p, undefined)),
              effects: e.effects,
            });
          break;
        case 'execute': {
          const at = callAt ?? e.at;
          const prepared = callAt === undefined ? memory.prepared.get(e.name) : undefined;
          if (prepared) {
            const what = `${prefix}EXECUTE ${e.name}: `;
            for (const f of prepared.findings)
              out.push({ ...f, message: what + f.message, location: locationOf(this.text, at) });
            // What it calls and fires now, not when it was prepared: a trigger may have come since.
            this.apply(prepared.effects, out, at, what, depth, visiting);
          } else {
            out.push(
              finding(
                'opaque/dynamic-sql',
                [e.name],
                `${prefix}EXECUTE ${e.name} runs a statement prepared outside what was analysed`,
                locationOf(this.text, at),
              ),
            );
          }
          break;
        }
        case 'deallocate':
          if (callAt === undefined) {
            if (e.name === undefined) memory.prepared.clear();
            else memory.prepared.delete(e.name);
          }
          break;
      }
    }
  }

  /** Judges what the catalog says fires on `table` for these events, like calls made here. */
  private fire(
    table: string,
    events: string,
    only: boolean,
    at: number,
    out: Finding[],
    prefix: string,
    depth: number,
    visiting: Set<string>,
  ): void {
    const fired = this.ctx.fired;
    if (!fired || !table) return;
    const objects = fired.firedBy(table);
    if (objects === undefined) {
      this.unfollowed(
        out,
        'opaque/dynamic-sql',
        table,
        `${prefix}touches ${table}, whose triggers, rules and policies the catalog was not read for (too many nested objects)`,
        at,
      );
      return;
    }
    for (const run of firedRuns(objects, table, events, this.bodies, only)) {
      const key = `fired\0${table}\0${run.label}`;
      const inner = `${prefix}${run.label}: `;
      if (visiting.has(key)) continue;
      if (depth >= MAX_CALL_DEPTH) {
        this.unfollowed(out, 'opaque/dynamic-sql', table, `${inner}nests too deeply to analyse`, at);
        continue;
      }
      visiting.add(key);
      if ('fn' in run) this.call(run.fn.name, run.fn.schema, at, out, inner, depth + 1, visiting);
      else {
        for (const p of run.pending) out.push(this.toFinding(p, at, inner));
        this.apply(run.effects, out, at, inner, depth + 1, visiting);
      }
      visiting.delete(key);
    }
  }

  private call(
    name: string,
    schema: string | undefined,
    at: number,
    out: Finding[],
    prefix: string,
    depth: number,
    visiting: Set<string>,
  ): void {
    const bodies = this.bodiesOf(name, schema);
    const label = `${schema ? `${schema}.` : ''}${name}`;
    if (bodies.length === 0) {
      // The catalog stopped before this name (its bound on round trips): not seen, not allowed.
      const { functions } = this.ctx;
      if (functions?.known && !functions.known(name))
        this.unfollowed(
          out,
          'opaque/dynamic-sql',
          label,
          `${prefix}calls ${label}(), which the catalog was not read for (too many nested calls)`,
          at,
        );
      return;
    }
    if (visiting.has(label)) return;
    if (depth >= MAX_CALL_DEPTH) {
      this.unfollowed(
        out,
        'opaque/dynamic-sql',
        label,
        `${prefix}calls through ${label}() nest too deeply to analyse`,
        at,
      );
      return;
    }
    visiting.add(label);
    // The server reads a body when the function runs, under the session's settings then.
    const scsOff = this.ctx.postgres?.standardConformingStrings === false;
    for (const fn of bodies) {
      const inner = `${prefix}via ${label}(): `;
      if (scsOff && `${fn.definition ?? ''}${fn.body}`.includes('\\')) {
        this.unfollowed(
          out,
          'opaque/unparseable',
          label,
          `${inner}its body contains a backslash while standard_conforming_strings is (or may be) off`,
          at,
        );
        continue;
      }
      const body = bodyOf(fn, this.bodies);
      for (const p of body.pending) out.push(this.toFinding(p, at, inner));
      this.apply(body.effects, out, at, inner, depth + 1, visiting);
    }
    visiting.delete(label);
  }

  /** What the walk could not follow from the statement at `at`: never allowed unseen. */
  private unfollowed(
    out: Finding[],
    rule: 'opaque/dynamic-sql' | 'opaque/unparseable',
    object: string,
    why: string,
    at: number,
  ): void {
    out.push(finding(rule, [object], why, locationOf(this.text, at)));
  }

  private bodiesOf(name: string, schema: string | undefined): FunctionBody[] {
    return sessionBodies(this.memory, this.ctx.functions)(name, schema);
  }
}

/** User functions by name, as the session created them or the catalog holds them. */
export type BodiesOf = (name: string, schema: string | undefined) => FunctionBody[];

export function sessionBodies(
  memory: SessionMemory | undefined,
  resolver: FunctionResolver | undefined,
): BodiesOf {
  return (name, schema) => {
    const created = (memory?.functions.get(name) ?? []).filter(
      (f) => schema === undefined || f.schema === '' || f.schema === schema,
    );
    const catalog = resolver?.lookupAll
      ? resolver.lookupAll(name, schema)
      : [resolver?.lookup(name, schema)].filter((f): f is FunctionBody => f !== undefined);
    return [...created, ...catalog];
  };
}
