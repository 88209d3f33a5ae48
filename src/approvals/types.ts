import type { Finding } from '../sql/types.js';

/** Where the job runs, as GitHub describes it; used in comments and the transcript. */
export interface JobInfo {
  repository: string;
  serverUrl: string;
  runId: string;
  runAttempt: string;
  job: string;
  workflow: string;
  ref: string;
  sha: string;
  actor: string;
  eventName: string;
}

export interface ApprovalStatement {
  text: string;
  hash: string;
  findings: Finding[];
  /** Markdown-free facts about the impact (rows, size, dependents), when an estimate exists. */
  impact?: Record<string, unknown>;
}

export interface ApprovalRequest {
  /** Short id people type in commands, e.g. `gr-3f9c2a1b`. */
  id: string;
  /** More than one statement: a batch found statically before the migration starts. */
  batch: boolean;
  statements: ApprovalStatement[];
  database: { dialect: string; name: string; host: string; role: string };
  job: JobInfo;
  deadline: Date;
}

export type ApprovalDecision = 'approved' | 'denied' | 'timeout' | 'error';

/** A command that was seen and did not count, with the reason people are shown. */
export interface IgnoredCommand {
  login: string;
  verb: 'approve' | 'deny';
  reason: string;
  url?: string;
}

export interface ApprovalOutcome {
  decision: ApprovalDecision;
  /** Logins whose comments decided it. */
  by: string[];
  reason?: string;
  /** Link to the comment that carries the request. */
  url?: string;
  decidedAt: string;
  /**
   * The statement hashes this outcome approves: every hash of the request when approved,
   * empty otherwise. The caller runs a statement only if its hash is listed here.
   */
  hashes?: string[];
  /** Commands seen for this request that did not count, and why. */
  ignored?: IgnoredCommand[];
  /**
   * Request comments someone other than the gateway edited (or deleted): void, left as evidence,
   * and asked again in a new comment. Decisions made on them do not count.
   */
  voided?: { url: string; reason: string }[];
}

export interface ApprovalChannel {
  readonly name: string;
  /** Resolves with the outcome; never rejects: any failure is a `denied`/`error` outcome (fail closed). */
  request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome>;
}
