// Types shared by the analyzers, the policy and everything that reports findings.
// Pure: no I/O may be imported into src/sql.
import type { ColumnType } from './migration/column-types.js';
import type { PostgresSessionState } from './postgres/state.js';
import type { Effect } from './postgres/walker.js';

export type Dialect = 'postgres' | 'mysql';

export type Severity = 'info' | 'warn' | 'risk' | 'critical';

export type Category = 'destructive' | 'privilege' | 'opaque' | 'exfiltration' | 'lock-heavy' | 'mass-change';

/** Stable rule identifier, e.g. `destructive/drop-table`. Documented in docs/rules.md. */
export type RuleId = string;

export interface Location {
  line: number;
  column: number;
}

export interface Finding {
  rule: RuleId;
  category: Category;
  severity: Severity;
  /** Qualified names of the objects touched, lower-cased unless quoted, e.g. `public.users`. */
  objects: string[];
  message: string;
  location?: Location;
}

export interface StatementAnalysis {
  /** The statement's own text (one statement of a multi-statement string). */
  text: string;
  /** Offset of `text` in the analyzed input, in characters. */
  offset: number;
  findings: Finding[];
  readOnly: boolean;
  opaque: boolean;
  /** Canonical form: whitespace and comments dropped, literals, identifiers and order kept. */
  canonical: string;
  /** sha256 hex of `canonical`: what an approval binds to. */
  hash: string;
}

export interface Analysis {
  /** All findings of all statements, in order. */
  findings: Finding[];
  readOnly: boolean;
  opaque: boolean;
  canonical: string;
  hash: string;
  /** One entry per statement the server will execute separately. */
  statements: StatementAnalysis[];
  /**
   * The input is one write to this table, which the gateway confirmed on the session's own
   * connection to be the session's temporary table: no other reader's rows (MySQL).
   */
  temporaryTarget?: string;
}

/** Session state the analyzer needs and that changes as the session runs. */
export interface AnalysisContext {
  dialect: Dialect;
  /** MySQL: the current sql_mode (ANSI_QUOTES, NO_BACKSLASH_ESCAPES change lexing). */
  sqlMode?: string;
  /**
   * Postgres: the settings the server confirmed for this session (standard_conforming_strings,
   * client_encoding, …). Only the protocol engine writes it; absent, the defaults apply.
   */
  postgres?: PostgresSessionState;
  /** Bodies of user functions looked up in the catalog (filled by the gateway before analysis). */
  functions?: FunctionResolver;
  /**
   * What existing relations run when a statement reads or writes them (triggers, rules, views,
   * row-security policies, defaults, generated columns, checks), from the catalog (filled by the
   * gateway before analysis, like `functions`).
   */
  fired?: FiredResolver;
  /** Column types of existing tables from the catalog (filled before a type change is analysed). */
  columns?: ColumnResolver;
  /**
   * What the analyzer learned from earlier statements of this session (functions and tables it
   * created, statements it prepared). Created on first use; keep one per session.
   */
  memory?: SessionMemory;
  /** Statements longer than this (characters) are not parsed but reported opaque. Default 1 MiB. */
  maxStatementLength?: number;
  /**
   * The session's own backend on the server (Postgres pid, MySQL connection id): cancelling or
   * killing it is not stopping someone else's session.
   */
  backendId?: number;
  /**
   * Postgres: OIDs of the large objects this session created (the server's answers to
   * lo_creat / lo_create / lo_import / lo_from_bytea): unlinking one is not dropping others' data.
   */
  largeObjects?: Set<number>;
}

/** Mutable per-session state the analyzer keeps between statements. */
export interface SessionMemory {
  /** Functions created in this session, by lower-cased name (all overloads, newest last). */
  functions: Map<string, FunctionBody[]>;
  /**
   * SQL-level prepared statements, by name: the findings of their text, and what running it does,
   * judged again at each EXECUTE against the catalog as it is then.
   */
  prepared: Map<string, { findings: Finding[]; effects: readonly Effect[] }>;
  /** Tables created in this session (qualified and bare names): lock-heavy rules do not apply. */
  tables: Set<string>;
  /**
   * Triggers created in this session: table (qualified and bare names) → the functions they run.
   * A later write to the table runs them, and is judged with their bodies.
   */
  triggers?: Map<string, { name: string; schema?: string }[]>;
  /**
   * Temporary tables created in this session (bare names). Only this session sees them: the
   * side connection cannot estimate writes to them, and they hold only what the session put in.
   */
  temporaryTables: Set<string>;
}

export interface FunctionBody {
  schema: string;
  name: string;
  language: string;
  body: string;
  securityDefiner: boolean;
  /** The complete CREATE FUNCTION statement (as pg_get_functiondef returns it), when known. */
  definition?: string;
  /** The extension the function belongs to (native functions are judged by their extension). */
  extension?: string;
}

/**
 * Supplies the bodies of user functions a statement calls. The session remembers functions
 * created on it; the gateway adds a catalog lookup on a side connection. Synchronous lookups
 * come from a cache that the gateway fills before analysis (see `prefetch`).
 */
export interface FunctionResolver {
  lookup(name: string, schema?: string): FunctionBody | undefined;
  /** All overloads of `name`; preferred over `lookup` when present. */
  lookupAll?(name: string, schema?: string): FunctionBody[];
  /**
   * Whether the catalog was asked about `name` (found or not). A call the catalog never answered
   * for (its bound on round trips was reached) is opaque. Absent: no catalog, calls judged by name.
   */
  known?(name: string): boolean;
}

/**
 * Code an existing relation runs when a statement touches it. `events` lists what fires it:
 * s(elect), i(nsert), u(pdate), d(elete), t(runcate). It runs either a function (`fn`: a trigger)
 * or SQL text (`sql`: a rule's or a view's definition, a MySQL trigger body; `expr`: a default,
 * a generated column, a check or a policy's condition).
 */
export interface FiredObject {
  /** Its kind and name for messages, e.g. `trigger audit_t`, `default of column id`. */
  what: string;
  events: string;
  fn?: { name: string; schema?: string };
  sql?: string;
  expr?: string;
  /** Its code exists but the catalog does not show it to the side connection: opaque. */
  hidden?: true;
  /**
   * An object of a child table (or of a table reached through one): a write to the parent with
   * ONLY (UPDATE, DELETE, TRUNCATE) does not fire it.
   */
  descendant?: true;
  /** A view: a write to it is a write to the relations its query reads (unless a rule or trigger does it instead). */
  view?: true;
}

export interface FiredResolver {
  /** What fires on `table` (named as the statement writes it); undefined: the catalog was not read for it. */
  firedBy(table: string): readonly FiredObject[] | undefined;
  /** Changes whenever an answer may have changed: an analysis cached under another version is stale. */
  readonly version?: number;
}

/** Column types of existing tables (bare, lower-cased names), from the catalog. */
export interface ColumnResolver {
  columnsOf(table: string): ReadonlyMap<string, ColumnType> | undefined;
}
