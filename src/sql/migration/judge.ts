// Judgement that needs the schema a migration runs against, not just the statement: what the
// analyzers found is refined with what earlier statements (applied history, earlier files of the
// same change, earlier statements of the file) and later statements of the same input tell:
//  - ALTER COLUMN TYPE / MODIFY / CHANGE: the old type, when known, decides: unchanged → nothing,
//    can lose values → `destructive/narrowing-type`, else the lock warning says old → new; an
//    unknown old type is said so;
//  - a DROP of a view, index, trigger, function or constraint that the same input creates again
//    under the same name → `destructive/drop-recreated` naming the line; of one created earlier
//    in the same change → nothing (it never held anything the change did not put there);
//  - lock warnings on tables the change created (MySQL; the Postgres analyzer already knows);
//  - optionally, DELETE / UPDATE with a WHERE on a table that existed → `mass-change/data-change`.
// Pure: callers read the files and decide what is history.
import { locationOf } from '../canonical.js';
import { finding } from '../rules.js';
import type { AnalysisContext, ColumnResolver, Dialect, Finding, StatementAnalysis } from '../types.js';
import { type ColumnType, compareTypes } from './column-types.js';
import { bareName, type SchemaEvent } from './events.js';
import { mysqlEvents, mysqlScriptEvents } from './mysql-events.js';
import { postgresEvents } from './postgres-events.js';

/** Drop rules a recreation (or an object new to the change) makes harmless. */
const RECREATABLE = new Set([
  'destructive/drop-view',
  'destructive/drop-function',
  'destructive/drop-index',
  'destructive/drop-other',
  'destructive/drop-constraint',
]);

export interface MigrationJudgeOptions {
  dialect: Dialect;
  /** Report DELETE / UPDATE with a WHERE on existing tables (static checks; at run time the row estimate decides). */
  dataChanges?: boolean;
  /** Judge type changes by the old type (default true; off where no schema is known). */
  types?: boolean;
  /** Column types of tables the migration did not define, from the live catalog. */
  catalog?: ColumnResolver;
}

/** One input's statements with the sql_mode each was lexed under (MySQL). */
export interface JudgedInput {
  text: string;
  statements: StatementAnalysis[];
  sqlMode?: string;
}

export class MigrationJudge {
  /** table → column → type, for every table known (history and change). */
  private readonly columns = new Map<string, Map<string, ColumnType>>();
  private readonly enums = new Map<string, string[]>();
  /** Tables and objects the change itself created (not the applied history). */
  private readonly newTables = new Set<string>();
  private readonly newObjects = new Set<string>();

  constructor(private readonly opts: MigrationJudgeOptions) {}

  private events(text: string, sqlMode: string | undefined): SchemaEvent[] {
    return this.opts.dialect === 'postgres'
      ? postgresEvents(text, (name) => this.enums.get(name))
      : mysqlEvents(text, sqlMode);
  }

  /** Applies an applied (history) file or statement: its tables and types become the schema. */
  history(text: string, sqlMode?: string): void {
    const events =
      this.opts.dialect === 'postgres' ? this.events(text, sqlMode) : mysqlScriptEvents(text, sqlMode);
    for (const e of events) this.apply(e, false);
  }

  /** Starts a new change: what the change so far created becomes history (existing objects). */
  newChange(): void {
    this.newTables.clear();
    this.newObjects.clear();
  }

  /** Refines the findings of one input of the change, in order; returns new statement analyses. */
  judge(input: JudgedInput): StatementAnalysis[] {
    // Read ahead for recreations; a statement whose types may name an enum created by an earlier
    // statement of this input is read again once those have been applied.
    const perStatement = input.statements.map((s) => this.events(s.text, input.sqlMode));
    return input.statements.map((s, i) => {
      const typed = perStatement[i]!.some(
        (e) => e.kind === 'retype' || e.kind === 'column' || e.kind === 'table',
      );
      const events =
        typed && this.opts.dialect === 'postgres' ? this.events(s.text, input.sqlMode) : perStatement[i]!;
      const findings = this.refine(s, events, input, perStatement, i);
      for (const e of events) this.apply(e, true);
      return findings === s.findings ? s : { ...s, findings };
    });
  }

  private refine(
    s: StatementAnalysis,
    events: SchemaEvent[],
    input: JudgedInput,
    all: SchemaEvent[][],
    index: number,
  ): Finding[] {
    let findings = s.findings;
    const at = (f: Finding | undefined) => f?.location ?? locationOf(input.text, s.offset);
    // Type changes: the analyzer's lock warnings are replaced by what the old type tells.
    const retypes = events.filter((e) => e.kind === 'retype');
    if (retypes.length > 0 && this.opts.types !== false) {
      const lockFinding = findings.find((f) => f.rule === 'lock-heavy/alter-column-type');
      findings = findings.filter((f) => f.rule !== 'lock-heavy/alter-column-type');
      for (const e of retypes) {
        findings = [...findings, ...this.typeChange(e, at(lockFinding))];
        // MySQL MODIFY restates NOT NULL; on a column that already is, nothing is checked.
        if (e.type.notNull && this.known(e.table, e.column)?.notNull) {
          const column = `${e.table}.${e.column}`;
          findings = findings.filter(
            (f) =>
              f.rule !== 'lock-heavy/add-not-null' ||
              !f.objects.every((o) => o.toLowerCase().endsWith(column)),
          );
        }
      }
    }
    // Drops of objects new to the change, or recreated later in this input.
    const drop = events.find((e) => e.kind === 'drop');
    if (drop && !drop.cascade && findings.some((f) => RECREATABLE.has(f.rule))) {
      const lines: number[] = [];
      const fresh = drop.objects.every((o) => this.newObjects.has(o));
      const recreated = drop.objects.every((o) => {
        if (this.newObjects.has(o)) return true;
        const j = all.findIndex(
          (ev, k) => k > index && ev.some((e) => e.kind === 'create' && e.object === o),
        );
        if (j < 0) return false;
        lines.push(locationOf(input.text, input.statements[j]!.offset).line);
        return true;
      });
      if (fresh) findings = findings.filter((f) => !RECREATABLE.has(f.rule));
      else if (recreated)
        findings = findings.map((f) =>
          RECREATABLE.has(f.rule)
            ? finding(
                'destructive/drop-recreated',
                f.objects,
                `${f.message}: recreated under the same name on line ${[...new Set(lines)].join(', ')}`,
                at(f),
              )
            : f,
        );
    }
    // Lock warnings on tables this change created (the MySQL analyzer does not track them).
    if (this.opts.dialect === 'mysql')
      findings = findings.filter(
        (f) => f.category !== 'lock-heavy' || !f.objects.every((o) => this.isNewTable(o)),
      );
    if (this.opts.dataChanges)
      for (const e of events) {
        if (e.kind !== 'write' || this.newTables.has(e.table)) continue;
        if (
          findings.some(
            (f) =>
              f.rule === 'destructive/delete-without-where' || f.rule === 'destructive/update-without-where',
          )
        )
          continue;
        findings = [
          ...findings,
          finding(
            'mass-change/data-change',
            [e.table],
            `${e.verb} ${e.verb === 'DELETE' ? 'FROM ' : ''}${e.table} … WHERE changes existing rows of ${e.table}`,
            at(undefined),
          ),
        ];
      }
    return findings;
  }

  /** The type a column has now: from the migration's own statements, else the catalog's. */
  private known(table: string, column: string): ColumnType | undefined {
    return this.columns.get(table)?.get(column) ?? this.opts.catalog?.columnsOf(table)?.get(column);
  }

  /** `t` or `t.column` names a table this change created. */
  private isNewTable(object: string): boolean {
    const parts = object.toLowerCase().split('.');
    return (
      this.newTables.has(parts[parts.length - 1]!) ||
      (parts.length > 1 && this.newTables.has(parts[parts.length - 2]!))
    );
  }

  private typeChange(
    e: Extract<SchemaEvent, { kind: 'retype' }>,
    location: { line: number; column: number },
  ): Finding[] {
    if (this.newTables.has(e.table)) return [];
    const old = this.known(e.table, e.column);
    const column = `${e.table}.${e.column}`;
    const lock = (detail: string) =>
      finding(
        'lock-heavy/alter-column-type',
        [column],
        `type change of ${column} ${detail} rewrites ${e.table} under lock`,
        location,
      );
    if (!old)
      return [
        lock(
          `to ${e.type.text} (its old type is unknown here: if it was wider, values are truncated or rejected; check with the table's definition)`,
        ),
      ];
    const change = compareTypes(old, e.type);
    if (change === 'same' && !e.using) return [];
    const arrow = `${old.text} → ${e.type.text}`;
    if (change === 'narrowing')
      return [
        finding(
          'destructive/narrowing-type',
          [column],
          `type change of ${column}: ${arrow} can truncate, round or reject existing values`,
          location,
        ),
        lock(`(${arrow})`),
      ];
    return [lock(`(${arrow}${change === 'unknown' ? ': whether every value fits is not known' : ''})`)];
  }

  private apply(e: SchemaEvent, change: boolean): void {
    switch (e.kind) {
      case 'table':
        this.columns.set(e.table, new Map(e.columns));
        if (change) this.newTables.add(e.table);
        break;
      case 'drop-table':
        this.columns.delete(e.table);
        this.newTables.delete(e.table);
        break;
      case 'rename-table': {
        const cols = this.columns.get(e.from);
        this.columns.delete(e.from);
        if (cols) this.columns.set(e.to, cols);
        if (this.newTables.delete(e.from)) this.newTables.add(e.to);
        break;
      }
      case 'column':
        this.table(e.table).set(e.column, e.type);
        break;
      case 'drop-column':
        this.columns.get(e.table)?.delete(e.column);
        break;
      case 'rename-column': {
        const cols = this.columns.get(e.table);
        const type = cols?.get(e.from);
        cols?.delete(e.from);
        if (cols && type) cols.set(e.to, type);
        break;
      }
      case 'retype': {
        const cols = this.table(e.table);
        cols.delete(e.column);
        cols.set(e.to ?? e.column, e.type);
        break;
      }
      case 'create':
        if (change) this.newObjects.add(e.object);
        break;
      case 'drop':
        for (const o of e.objects) this.newObjects.delete(o);
        break;
      case 'enum':
        this.enums.set(e.name, e.labels);
        break;
      case 'enum-value':
        this.enums.set(e.name, [...(this.enums.get(e.name) ?? []), e.label]);
        break;
      case 'write':
        break;
    }
  }

  private table(name: string): Map<string, ColumnType> {
    let cols = this.columns.get(bareName(name));
    if (!cols) {
      cols = new Map();
      this.columns.set(bareName(name), cols);
    }
    return cols;
  }
}

/** Rules whose findings the schema judgement of one input can change. */
export function inputJudgementMatters(findings: readonly Finding[]): boolean {
  return findings.some((f) => RECREATABLE.has(f.rule) || f.category === 'lock-heavy');
}

/**
 * Tables whose column types a statement changes (ALTER COLUMN TYPE, MODIFY, CHANGE): what the
 * gateway reads from the catalog before analysing it. A cheap look at the text first: most
 * statements are never parsed here.
 */
export function retypedTables(text: string, ctx: Pick<AnalysisContext, 'dialect' | 'sqlMode'>): string[] {
  if (!/\balter\b/i.test(text) || !/\b(type|modify|change)\b/i.test(text)) return [];
  const events =
    ctx.dialect === 'postgres' ? postgresEvents(text, () => undefined) : mysqlScriptEvents(text, ctx.sqlMode);
  return [...new Set(events.flatMap((e) => (e.kind === 'retype' ? [e.table] : [])))];
}
