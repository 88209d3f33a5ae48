// The transcript's event vocabulary. Every line of a transcript is one TranscriptEvent plus the
// envelope fields the recorder adds (seq, ts, conn), or a seal: the chain's line after each
// written batch (chain.ts). Values are redacted before they get here.

export interface Envelope {
  /** The line's number in the file, from 1, seals included. */
  seq: number;
  /** ISO-8601 time with milliseconds. */
  ts: string;
  /** Connection id within the gateway run; 0 for gateway-level events. */
  conn: number;
}

export type TranscriptEvent =
  | { type: 'gateway.start'; dialect: string; upstream: string; mode: string; version: string }
  | { type: 'gateway.stop'; reason: string }
  | { type: 'session.start'; user: string; database: string; application?: string; client: string }
  | { type: 'session.end'; reason: string; statements: number }
  | {
      type: 'statement';
      id: string;
      text: string;
      via: 'simple' | 'extended' | 'prepared' | 'copy' | 'fast-path';
      hash: string;
      inTransaction: boolean;
      params?: unknown[];
      /** An execution of a statement judged at prepare time: the id of that judgement. */
      preparedAs?: string;
    }
  | {
      type: 'verdict';
      id: string;
      action: 'allow' | 'review' | 'deny';
      rules: string[];
      findings: { rule: string; severity: string; message: string; objects: string[] }[];
      enforced: boolean;
    }
  | {
      type: 'approval.requested';
      id: string;
      requestId: string;
      channel: string;
      url?: string;
      deadline: string;
    }
  | {
      type: 'approval.decided';
      id: string;
      requestId: string;
      outcome: 'approved' | 'denied' | 'timeout' | 'error';
      by: string[];
      reason?: string;
      url?: string;
      /** Commands that did not count, and why (wrong permission, self-approval, edited …). */
      ignored?: { login: string; verb: string; reason: string }[];
      /** Request comments someone else edited or deleted: void, and asked again. */
      voided?: { url: string; reason: string }[];
    }
  | {
      type: 'result';
      id: string;
      tag?: string;
      rows?: number;
      durationMs: number;
      error?: { code: string; message: string };
    }
  | {
      type: 'rows';
      id: string;
      columns: readonly string[];
      sample: unknown[][];
      truncated: boolean;
      masked: string[];
    }
  | { type: 'notice'; severity: string; code: string; message: string }
  | { type: 'impact'; id: string; estimate: Record<string, unknown> }
  | { type: 'error'; message: string; code?: string };

/**
 * An event as a reader of the transcript sees it. Transcripts written before seals also carry
 * `prev` (the previous line's hash) on every line; only verify.ts reads it.
 */
export type TranscriptLine = Envelope & TranscriptEvent;

/**
 * The line that closes each written batch: how many lines it covers and the chain value over
 * them (chain.ts). Not an event: nothing records one, readers skip it, verify.ts checks it.
 */
export interface SealLine extends Envelope {
  type: 'seal';
  lines: number;
  chain: string;
}

/** Any line of a transcript file. */
export type FileLine = TranscriptLine | SealLine;

/** The `result` tag of a statement a dry run did not execute. */
export const SKIPPED_TAG = 'SKIPPED (dry run)';
/** The `notice` code that says why a dry run did not execute a statement. */
export const SKIPPED_CODE = 'dry-run-skipped';
