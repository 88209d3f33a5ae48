// What an impact estimate reports. Plain JSON so it can go into an approval comment
// (ApprovalStatement.impact) and the transcript's `impact` event unchanged.

import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import type { BodiesOf } from '../sql/postgres/session.js';

export type ImpactKind = 'drop-table' | 'truncate' | 'delete' | 'update' | 'drop-column' | 'lock';

export interface Dependents {
  views: string[];
  /** `constraint on referencing_table`. */
  foreignKeys: string[];
  functions: string[];
  triggers: string[];
}

/** A part of the estimate that could not be produced, and why (timeout, lock, missing catalog). */
export interface Unavailable {
  part: 'rows' | 'rowsExact' | 'bytes' | 'dependents' | 'nonNull' | 'table';
  reason: string;
}

export interface ImpactEstimate {
  kind: ImpactKind;
  /** Qualified table name as the database resolved it (the statement's spelling when unresolved). */
  table: string;
  /** DROP COLUMN and column type changes: the column. */
  column?: string;
  /**
   * Rows the statement touches according to the planner / table statistics. For DROP COLUMN, the
   * table's rows. Absent when unavailable (see `unavailable`).
   */
  rowsEstimated?: number;
  /** Counted, not estimated: only present when the count finished within the time bound. */
  rowsExact?: number;
  /** DELETE / UPDATE: the table's estimated total rows, for percentage thresholds. */
  tableRows?: number;
  /** DROP COLUMN: counted non-null values of the column. */
  nonNull?: number;
  /** Table size on disk including indexes and TOAST. */
  bytes?: number;
  dependents?: Dependents;
  /** The lock the statement takes on the table (Postgres lock mode names; MySQL a description). */
  lockLevel?: string;
  notes: string[];
  unavailable: Unavailable[];
}

/**
 * A row-wise statement with placeholders (`?`, `$n`) and no values for them yet: no plan for "any
 * value" bounds what one execution's values reach (a MySQL server cannot even make one), so it is
 * estimated at each execution, with that execution's values.
 */
export class ValuesPending extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_VALUES_PENDING';

  constructor() {
    super('the statement has placeholders and no values for them yet');
  }
}

export interface EstimateOptions {
  /** Total time budget for all probes of this statement, in milliseconds. */
  timeoutMs: number;
  /** Count rows exactly only when the estimate is below this (default 1,000,000). */
  exactBelow?: number;
  /** Upper bound for any one probe query (default 2000 ms; never more than what is left). */
  statementTimeoutMs?: number;
  /** Lock wait bound for each probe (default 200 ms). */
  lockTimeoutMs?: number;
  /**
   * Values of the statement's placeholders, exactly as an execution bound them (MySQL
   * COM_STMT_EXECUTE, Postgres Bind); absent when the statement is judged as it is prepared.
   */
  params?: unknown[];
  /** MySQL: the session's sql_mode, which decides how the statement is lexed. */
  sqlMode?: string;
  /** Postgres: false while the session's standard_conforming_strings is (or may be) off. */
  standardConformingStrings?: boolean;
  /**
   * Postgres: bodies of the user functions the statement may reach (the session's and the
   * catalog's), to prove that planning and counting it runs nothing but reads. Without it only
   * allowlisted built-ins are evaluated.
   */
  bodies?: BodiesOf;
}
