import type { Category, Dialect, Finding } from '../sql/types.js';

export type Mode = 'enforce' | 'audit' | 'dry-run';

export type Action = 'allow' | 'warn' | 'review' | 'deny';

export type Verdict =
  | { action: 'allow'; warnings?: Finding[] }
  | { action: 'review'; reasons: Finding[]; warnings?: Finding[] }
  | { action: 'deny'; reasons: Finding[]; warnings?: Finding[] };

export type RepoPermission = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

/** The `approvals:` section. */
export interface ApprovalPolicy {
  permission: RepoPermission;
  /** When given, only these logins may decide (in addition to holding `permission`). */
  approvers?: string[];
  required: number;
  allowSelfApproval: boolean;
  timeoutMs: number;
}

/** The `masking:` section (consumed by src/masking). */
export interface MaskingPolicy {
  /** Column patterns: `schema.table.column`, `*.ssn`, `billing.cards.*`. */
  columns: string[];
  /** Built-in detectors to enable; undefined means all of them. */
  detectors?: string[];
  custom: { name: string; pattern: string }[];
  onWire: boolean;
  replacement: string;
  /** A masked column may only be selected as is; any other use is held for review. Default false. */
  strict?: boolean;
}

/** One entry of `overrides:`; the first entry matching a finding decides its action. */
export interface Override {
  /** An exact rule id. */
  rule?: string;
  category?: Category;
  /** Glob patterns (`*` any run of characters) matched against the finding's objects. */
  objects?: string[];
  action: Action;
  /** Line of the entry in the policy file, for messages. */
  line?: number;
}

export interface Policy {
  mode: Mode;
  dialect?: Dialect;
  categories: Record<Category, Action>;
  /** Per rule id. */
  rules: Record<string, Action>;
  overrides: Override[];
  approvals: ApprovalPolicy;
  masking: MaskingPolicy;
  /** `mass-change/rows` fires for UPDATE/DELETE estimated above this many rows. */
  massChangeThreshold: number;
  /** … or estimated to touch at least this percentage of a table (0 turns it off). */
  massChangeShare: number;
  /** … of more than this many rows. */
  massChangeMinTableRows: number;
  /**
   * How long a statement waits for another session's uncommitted catalog change to end, and a
   * change for other sessions' statements judged before it, before it is refused.
   */
  catalogWaitMs: number;
  /** File the policy came from, when it came from one. */
  source?: string;
}
