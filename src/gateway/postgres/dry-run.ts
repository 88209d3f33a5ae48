// `mode: dry-run`: the session runs inside one upstream transaction that is never committed.
//
// The gateway opens it (BEGIN) before the client's first statement and rolls it back when the
// session ends. Inside it, the client's own transaction commands become savepoints:
//   BEGIN / START TRANSACTION    → SAVEPOINT guardrail_tx           (client sees BEGIN)
//   COMMIT / END                 → RELEASE SAVEPOINT guardrail_tx   (client sees COMMIT)
//   ROLLBACK / ABORT, or COMMIT of a failed block
//                                → ROLLBACK TO SAVEPOINT guardrail_tx (client sees ROLLBACK)
// A statement outside the client's transaction block would, on failure, abort the whole upstream
// transaction; so every batch (a Query, or the extended-protocol messages up to Sync) that starts
// outside a block runs above a savepoint of its own, `guardrail_auto`, which the next batch
// releases — or rolls back to first, when the batch failed, as autocommit would have.
//
// The client sees the transaction status it expects in ReadyForQuery: I outside its own block
// (the upstream always says T or E), T or E inside. To know the status before the next batch is
// planned, the client's next batch is read only once the previous one's ReadyForQuery has gone
// out (COPY FROM STDIN data excepted): a dry run does not pipeline.
//
// Statements that cannot run inside a transaction block are not run: the server executes a no-op
// in their place, and the client gets their usual CommandComplete tag and a notice. Statements
// that call nextval() or setval() are not run either (a sequence is not rolled back): the server
// raises an error that says so in their place. Nor are those that reach a sequence without naming
// it (sequence-catalog.ts: a column default, identity, trigger or user function): a write is
// answered with its usual tag and a notice, anything else gets the error.
import { queryMessage } from './codec.js';

/** What the gateway does with one client statement in a dry run. */
export interface Step {
  /** The SQL the server runs instead; absent when the statement runs as written. */
  sql?: string;
  /** CommandComplete tag the client gets instead of the server's. */
  tag?: string;
  /** Sent to the client just before the CommandComplete. */
  notice?: { severity: string; code: string; message: string };
  /** Not run at all: recorded as `SKIPPED (dry run)`. */
  skipped?: boolean;
  /** The client's transaction depth once it completes. */
  depth?: 0 | 1;
}

// Runs nothing and returns only a CommandComplete, whose tag the gateway replaces.
const NO_OP = 'DO $guardrail$BEGIN END$guardrail$';

const BEGIN = /^(?:begin|start\s+transaction)\b/i;
const COMMIT = /^(?:commit|end)\b(?!\s+prepared)/i;
const ROLLBACK = /^(?:rollback|abort)\b(?!\s+(?:to|prepared)\b)/i;

/** Statements PostgreSQL refuses inside a transaction block, with the tag they complete with. */
const OUTSIDE_TRANSACTION: [RegExp, string][] = [
  [/^create\s+(?:unique\s+)?index\s+concurrently\b/i, 'CREATE INDEX'],
  [/^drop\s+index\s+concurrently\b/i, 'DROP INDEX'],
  [
    /^reindex\b(?:\s*\([^)]*\bconcurrently\b|[\s\S]*\bconcurrently\b|\s+(?:\([^)]*\)\s*)?(?:schema|database|system)\b)/i,
    'REINDEX',
  ],
  [/^vacuum\b/i, 'VACUUM'],
  [/^create\s+database\b/i, 'CREATE DATABASE'],
  [/^drop\s+database\b/i, 'DROP DATABASE'],
  [/^alter\s+database\b[\s\S]*\bset\s+tablespace\b/i, 'ALTER DATABASE'],
  [/^create\s+tablespace\b/i, 'CREATE TABLESPACE'],
  [/^drop\s+tablespace\b/i, 'DROP TABLESPACE'],
  [/^alter\s+system\b/i, 'ALTER SYSTEM'],
  [/^create\s+subscription\b/i, 'CREATE SUBSCRIPTION'],
  [/^alter\s+subscription\b/i, 'ALTER SUBSCRIPTION'],
  [/^drop\s+subscription\b/i, 'DROP SUBSCRIPTION'],
  [/^cluster\s*(?:\(\s*verbose\s*\)\s*|verbose\s*)?;?\s*$/i, 'CLUSTER'],
  [/^alter\s+table\b[\s\S]*\bdetach\s+partition\b[\s\S]*\bconcurrently\b/i, 'ALTER TABLE'],
  [/^prepare\s+transaction\b/i, 'PREPARE TRANSACTION'],
  [/^commit\s+prepared\b/i, 'COMMIT PREPARED'],
  [/^rollback\s+prepared\b/i, 'ROLLBACK PREPARED'],
  [/^discard\s+all\b/i, 'DISCARD ALL'],
];

// Statements that evaluate expressions now (not DDL that stores `DEFAULT nextval(…)` for later).
// PREPARE and DECLARE run theirs when executed or fetched, CREATE … AS when it creates.
const RUNS_EXPRESSIONS =
  /^(?:select|with|values|table|insert|update|delete|merge|do|call|copy|explain|execute|prepare|declare|create\b[^;]*?\bas\s*\(?\s*(?:select|with|values|table|execute)\b)/i;
const SEQUENCE_CALL = /\b(?:nextval|setval)\s*\(/i;

// Runs in their place: a fixed text, so nothing of the client's statement reaches the DO body.
const SEQUENCE_REFUSAL = `DO $guardrail$BEGIN RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'guardrail dry run: not executed: the statement calls nextval() or setval(), which change a sequence for good (the rollback of the dry run does not undo them)'; END$guardrail$`;

// The same, for statements that reach a sequence without naming it; the notice says how.
const SEQUENCE_USE_REFUSAL = `DO $guardrail$BEGIN RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'guardrail dry run: not executed: the statement moves a sequence through a column default, identity, trigger or function, which the rollback of the dry run does not undo'; END$guardrail$`;
const WRITE_TAGS: Record<string, string> = {
  insert: 'INSERT 0 0',
  update: 'UPDATE 0',
  delete: 'DELETE 0',
  merge: 'MERGE 0',
};

function body(text: string): string {
  return text.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '');
}

function firstLine(text: string): string {
  const line = body(text).split('\n')[0]!.trim();
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

export class DryRun {
  /**
   * `movesSequence`: why a statement reaches a sequence without naming nextval() / setval()
   * (undefined: it does not); absent, only statements that name them are held back.
   */
  constructor(private readonly movesSequence?: (text: string) => string | undefined) {}

  /** The client's transaction depth (it has one level: BEGIN … COMMIT). */
  private depth: 0 | 1 = 0;
  /** Depth as planned so far in the current batch (statements are planned before they run). */
  private planned: 0 | 1 = 0;
  /** The client's block has failed (it sees E until it rolls back). */
  private failed = false;
  private opened = false;
  /** How the previous batch outside a block ended: its savepoint is released or rolled back. */
  private autoPending: 'ok' | 'failed' | undefined;
  private batchOpen = false;

  /**
   * Called before each client message that starts or continues a batch: at the start of one,
   * the SQL the gateway must run first (its own, unseen by the client), or undefined.
   */
  batchPrefix(): Buffer | undefined {
    if (this.batchOpen) return undefined;
    this.batchOpen = true;
    this.planned = this.depth;
    const sql: string[] = [];
    if (!this.opened) {
      sql.push('BEGIN');
      this.opened = true;
    }
    if (this.autoPending === 'failed') sql.push('ROLLBACK TO SAVEPOINT guardrail_auto');
    if (this.autoPending) sql.push('RELEASE SAVEPOINT guardrail_auto');
    this.autoPending = undefined;
    if (this.depth === 0) sql.push('SAVEPOINT guardrail_auto');
    return sql.length ? queryMessage(sql.join('; ')) : undefined;
  }

  /** Plans one client statement of the current batch. */
  step(text: string): Step {
    const b = body(text);
    if (BEGIN.test(b)) {
      if (this.planned === 1)
        return {
          sql: NO_OP,
          tag: 'BEGIN',
          notice: {
            severity: 'WARNING',
            code: '25001',
            message: 'there is already a transaction in progress',
          },
        };
      this.planned = 1;
      return { sql: 'SAVEPOINT guardrail_tx', tag: 'BEGIN', depth: 1 };
    }
    const commit = COMMIT.test(b);
    if (commit || ROLLBACK.test(b)) {
      const tag = commit ? 'COMMIT' : 'ROLLBACK';
      if (this.planned === 0)
        return {
          sql: NO_OP,
          tag,
          notice: { severity: 'WARNING', code: '25P01', message: 'there is no transaction in progress' },
        };
      this.planned = 0;
      if (commit && !this.failed) return { sql: 'RELEASE SAVEPOINT guardrail_tx', tag, depth: 0 };
      // The savepoint stays until the batch's own savepoint below it is released.
      return { sql: 'ROLLBACK TO SAVEPOINT guardrail_tx', tag: 'ROLLBACK', depth: 0 };
    }
    for (const [pattern, tag] of OUTSIDE_TRANSACTION) {
      if (pattern.test(b)) {
        return {
          sql: NO_OP,
          tag,
          skipped: true,
          notice: {
            severity: 'NOTICE',
            code: '01000',
            message: `guardrail dry run: skipped ${firstLine(text)} (it cannot run inside the dry run's transaction)`,
          },
        };
      }
    }
    if (RUNS_EXPRESSIONS.test(b) && SEQUENCE_CALL.test(b)) {
      return { sql: SEQUENCE_REFUSAL };
    }
    const why = RUNS_EXPRESSIONS.test(b) ? this.movesSequence?.(text) : undefined;
    return why ? sequenceUse(b, why) : {};
  }

  /** A step completed on the server. */
  completed(step: Step | undefined): void {
    if (step?.depth !== undefined) {
      this.depth = step.depth;
      if (step.depth === 0) this.failed = false;
    }
  }

  /**
   * The batch ended with the upstream's ReadyForQuery status (T or E): returns the status the
   * client sees, and notes what the next batch must do first.
   */
  batchEnded(upstream: number): number {
    // The start-up's ReadyForQuery ends no batch.
    if (!this.batchOpen) return upstream;
    this.batchOpen = false;
    if (this.depth === 0) {
      this.autoPending = upstream === 0x45 ? 'failed' : 'ok';
      return 0x49;
    }
    this.failed = upstream === 0x45;
    return upstream;
  }

  /** The statements of a client Query, rewritten; undefined when all run as written. */
  rewrite(texts: readonly string[]): { sql: string | undefined; steps: Step[] } {
    const steps = texts.map((t) => this.step(t));
    const changed = steps.some((s) => s.sql !== undefined);
    return {
      sql: changed ? texts.map((t, i) => steps[i]!.sql ?? t).join(';\n') : undefined,
      steps,
    };
  }
}

/** A statement that would move a sequence: a write answered as if it changed nothing, else an error. */
function sequenceUse(b: string, why: string): Step {
  const tag = WRITE_TAGS[/^\w+/.exec(b)?.[0]?.toLowerCase() ?? ''];
  if (!tag) return { sql: SEQUENCE_USE_REFUSAL };
  const message = `guardrail dry run: not executed: ${why} (a sequence is not rolled back)`;
  return { sql: NO_OP, tag, skipped: true, notice: { severity: 'NOTICE', code: '01000', message } };
}

/** The end of a dry-run session: nothing it did is kept. */
export const DRY_RUN_ROLLBACK = queryMessage('ROLLBACK');
