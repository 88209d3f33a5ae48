// What an engine (postgres/, mysql/) may ask of its session, and nothing more: the engines
// speak their protocol and tell the session what they saw; the transcript, the judgement,
// approvals, masking decisions and impact sit behind it (see ./session.ts, which implements it;
// the types live in ./session-types.ts).
import type { Mode } from '../policy/types.js';
import type { AnalysisContext, Finding } from '../sql/types.js';
import type { TranscriptEvent } from '../transcript/events.js';
import type { SequenceCatalog } from './postgres/sequence-catalog.js';
import type { Judgement, SessionInfo, Via } from './session-types.js';

export type { GatewayContext, Judgement, SessionInfo, Statement, Via } from './session-types.js';

/** How a forwarded (or refused) statement ended, as the engine saw it in the server's answer. */
export interface Outcome {
  tag?: string;
  rows?: number;
  durationMs: number;
  error?: { code: string; message: string };
}

/** The first rows of one result set, as the client got them (masked), for the transcript. */
export type RowsSample = Omit<Extract<TranscriptEvent, { type: 'rows' }>, 'type'>;

export interface EngineSession {
  readonly info: SessionInfo;
  /**
   * The run's mode: a dry run changes how the engines forward and answer; a Postgres dry run
   * asks `sequences` which writes would draw from a sequence (and so are answered, not run).
   */
  readonly gateway: { readonly mode: Mode; readonly sequences?: SequenceCatalog | undefined };
  /** The session state the analyzer reads; the engine writes what the server confirmed. */
  readonly analysisContext: AnalysisContext;
  /** Judges one statement before a byte of it is forwarded. */
  inspect(
    text: string,
    via: Via,
    opts?: { params?: unknown[]; inTransaction?: boolean },
  ): Judgement | Promise<Judgement>;
  /**
   * One execution of a statement judged when it was prepared: `params` as the transcript shows
   * them, `values` as the estimate binds them (when they differ), `exact` when they were read
   * exactly.
   */
  execute(
    prepared: Judgement,
    params?: unknown[],
    exact?: boolean,
    values?: unknown[],
  ): Judgement | Promise<Judgement>;
  /** Puts a judged statement to a reviewer after all (findings the engine made itself). */
  review(j: Judgement, reasons: Finding[], preparing: boolean): Judgement | Promise<Judgement>;
  /** The statement ran (or failed) upstream: how it ended. */
  ran(id: string, outcome: Outcome): void;
  /** A result set of the statement ended: its sample. */
  rows(sample: RowsSample): void;
  /** A dry run answered the statement itself and did not run it. */
  skipped(id: string, message: string): void;
  /** A notice or warning the server (or the dry run) sent the client. */
  notice(severity: string, code: string, message: string): void;
  /**
   * Everything sent so far has been answered; `inTransaction`: the server's last answer says a
   * transaction is open. Ends the catalog changes the session made, once committed.
   */
  quiet(inTransaction: boolean): void;
  /** The client connection ended. */
  end(reason: string): void;
  /**
   * Runs `fn`, the handling of one chunk up to its socket writes, and records the transcript
   * lines it produced after it: bytes first, bookkeeping second. Throws what recording throws.
   */
  afterWrites<T>(fn: () => T): T;
}

// The words the transcript uses for what a dry run did not execute: the engines set them on the
// answers they give in its place.
export { SKIPPED_CODE, SKIPPED_TAG } from '../transcript/events.js';
