// The types the session and its context exchange: what a statement is, what the session decides
// about it (a Judgement), and what a gateway run shares across its sessions (GatewayContext, the
// analyzer, policy and impact hooks the context wires in). The engines see them through
// ./session-contract.ts.
import type { ApprovalChannel, JobInfo } from '../approvals/types.js';
import type { Mode, Verdict } from '../policy/types.js';
import type { Analysis, AnalysisContext, Dialect, Finding, FunctionResolver } from '../sql/types.js';
import type { Recorder } from '../transcript/recorder.js';
import type { CatalogBarrier } from './catalog-barrier.js';
import type { ChangeScope } from './catalog-scope.js';
import type { ColumnCatalog } from './column-catalog.js';
import type { FiredCatalog } from './fired-catalog.js';
import type { SequenceCatalog } from './postgres/sequence-catalog.js';
import type { Refusal } from './refusal.js';
import type { Reach } from './resolve.js';
import type { ServerSyntaxError, SyntaxCheck } from './syntax-check.js';

export type Via = 'simple' | 'extended' | 'prepared' | 'copy' | 'fast-path';

export interface SessionInfo {
  conn: number;
  user: string;
  database: string;
  application?: string;
  /** Client address, e.g. `127.0.0.1:53122` or `unix`. */
  client: string;
}

export interface Statement {
  id: string;
  dialect: Dialect;
  text: string;
  params?: unknown[];
  session: SessionInfo;
  inTransaction: boolean;
  via: Via;
}

/** What the protocol engine needs to act: forward, or answer with an error of its own. */
export interface Judgement {
  forward: boolean;
  statement: Statement;
  verdict: Verdict;
  analysis: Analysis;
  /** Set when `forward` is false: why, and the message the client gets (rule ids and the reason). */
  refusal?: Refusal;
  /** Set with `refusal` when the server itself cannot parse the text: the client gets this error instead. */
  serverError?: ServerSyntaxError;
  /** Prepared with placeholders the impact estimate needs values for: each execution is estimated. */
  estimateEachExecution?: boolean;
  /**
   * A MySQL dry run: not forwarded, yet not refused either. The engine answers success and
   * records the statement as skipped, so the migration tool goes on and every later statement
   * is analysed and estimated too.
   */
  skip?: string;
  /** Judged against the catalog (what it calls or fires was read): see CatalogUse. */
  catalog?: CatalogUse;
  /** What running it may change in the catalog (see catalogChange): others' judgements reaching it wait. */
  changes?: ChangeScope;
}

/**
 * What a judgement read from the catalog, and the catalog's version then: an execution of a
 * prepared statement is judged again when the version has moved (through the gateway or not).
 */
export interface CatalogUse {
  relations: readonly string[];
  calls: readonly { name: string; schema?: string }[];
  /** The function and fired catalogs' versions added: both only grow. */
  stamp: number;
}

export type Analyzer = (text: string, ctx: AnalysisContext) => Analysis;

/** Bodies of existing user functions, read from the catalog before a statement that calls them is analysed. */
export interface FunctionCatalog extends FunctionResolver {
  /** Whether any of these calls is not in the cache (then `prefetch` must run first). */
  needs(calls: readonly { name: string; schema?: string }[]): boolean;
  /** Rejects when the catalog cannot be read: the statement is then refused. */
  prefetch(calls: readonly { name: string; schema?: string }[], rounds?: number): Promise<void>;
  invalidate(): void;
  /** Bumped whenever an answer may have changed. */
  readonly version: number;
}

export interface ImpactResult {
  /** What the estimate found, for the transcript and the approval comment. */
  record: Record<string, unknown>;
  /** `mass-change/rows`, when the estimate crosses the policy's threshold. */
  finding?: Finding;
  /** It needs the placeholders' values: each execution of the prepared statement is estimated. */
  pending?: boolean;
}

/**
 * Estimates what a statement would touch, on a read-only side connection with its own deadline.
 * `values`: the placeholders' values, exactly as an execution bound them.
 */
export type ImpactEstimator = (
  text: string,
  analysis: Analysis,
  ctx: AnalysisContext,
  values?: unknown[],
) => Promise<ImpactResult>;
export type Decider = (analysis: Analysis, statement: Statement) => Verdict;

/** Everything a gateway run shares across its sessions. */
export interface GatewayContext {
  dialect: Dialect;
  mode: Mode;
  analyze: Analyzer;
  decide: Decider;
  /** `afterWrites`: the gateway's own recorder (secret-recorder.ts) can put lines off until a chunk's writes are done. */
  recorder: Recorder & { afterWrites?<T>(fn: () => T): T };
  /** Absent: a review verdict cannot be approved and is refused (fail closed). */
  approvals?: ApprovalChannel;
  /** Statement hashes approved up front (batch approval of the migration files). */
  preapproved: Set<string>;
  approvalTimeoutMs: number;
  job?: JobInfo;
  database: { name: string; host: string; role: string };
  /** Masks secrets in statement text before it is recorded (MySQL lexing needs the session's sql_mode). */
  redact: (text: string, ctx?: AnalysisContext) => string;
  /** Redacts bound values for the record; `text` says which placeholders sit in secret positions. */
  redactParams?: (params: unknown[], text: string, ctx: AnalysisContext) => unknown[];
  /** The catalog of user functions (side connection). */
  functions?: FunctionCatalog;
  /** What fires on relations (triggers, rules, views, policies, defaults, checks; side connection). */
  fired?: FiredCatalog;
  /** Keeps judgements and catalog changes of different sessions apart (enforce mode; side connection). */
  barrier?: CatalogBarrier;
  /** Whether the server process with this id still exists (side connection): see CatalogBarrier.leave. */
  backendAlive?: (id: number) => Promise<boolean>;
  /**
   * The relations joined by inheritance or foreign keys to those with these bare names (Postgres,
   * side connection): a change naming one may alter what a statement naming another runs.
   */
  relatedRelations?: (names: readonly string[]) => Promise<string[]>;
  /** The analyzer's list of what a statement reaches (calls, relations), read before it is judged. */
  reach?: Reach;
  /** Column types of tables whose type a statement changes (side connection). */
  columns?: ColumnCatalog;
  /** Impact estimates for reviewed statements and for UPDATE/DELETE (the mass-change rule). */
  impact?: ImpactEstimator;
  /** Masks values in server error and notice texts (`Key (email)=(…) already exists`). */
  redactMessage?: (text: string) => string;
  /** Asks the server to parse (not run) what the analyzer could not parse (side connection). */
  syntaxCheck?: SyntaxCheck;
  /** Postgres dry run: what moves a sequence without naming nextval() (side connection). */
  sequences?: SequenceCatalog;
}
