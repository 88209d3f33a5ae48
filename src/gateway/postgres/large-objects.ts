// Large objects a session created itself. Unlinking one of them is cleaning up after itself, not
// dropping someone else's data (the analyzer's own-session rules read the set, see
// src/sql/own-session.ts). An OID is learnt from the server's answer, never from the request:
// `lo_create(n)` that fails because n exists must not make n the session's.
import type { AnalysisContext } from '../../sql/types.js';

/** pg_catalog functions whose result is the OID of the large object they just created. */
const CREATORS: ReadonlySet<string> = new Set(['lo_creat', 'lo_create', 'lo_import', 'lo_from_bytea']);

/**
 * One statement that is nothing but a call of such a function, so its only column is the new
 * OID (`SELECT lo_creat(-1)`, `select pg_catalog.lo_create(0) AS oid;`). Parentheses are matched
 * as the server reads them only where nothing can hide one: no comments, dollar quotes (a `$n`
 * placeholder is fine), backslashes, nor parentheses or quotes inside string literals. Anything
 * else is not followed: unlinking that object later stays a finding.
 */
const ARG = String.raw`(?:[^()'"$\\/*-]|-(?!-)|\$[0-9]+|'[^'()$\\]*')`;
const SQL_CREATOR = new RegExp(
  String.raw`^\s*select\s+(?:pg_catalog\s*\.\s*)?(?:lo_creat|lo_create|lo_import|lo_from_bytea)\s*\((?:${ARG}|\(${ARG}*\))*\)\s*(?:as\s+[a-z_][a-z0-9_]*\s*)?;?\s*$`,
  'i',
);

export function createsLargeObject(schema: string, name: string): boolean {
  return schema === 'pg_catalog' && CREATORS.has(name);
}

/** Whether a Query's or Parse's statements create a large object whose OID comes back as their only row. */
export function sqlCreatesLargeObject(texts: readonly string[] | undefined): boolean {
  if (texts?.length !== 1) return false;
  const text = texts[0]!;
  // Every Query and Execute asks: a substring search keeps the regex off the hot path (a name
  // in mixed case, `Lo_Creat`, is not followed: unlinking that object stays a finding).
  return (text.includes('lo_') || text.includes('LO_')) && SQL_CREATOR.test(text);
}

/** The OID in a result value: four bytes in binary format, decimal digits in text. */
function oidOf(value: Buffer, binary: boolean): number | undefined {
  if (binary) return value.length === 4 ? value.readUInt32BE(0) : undefined;
  const text = value.toString('latin1');
  return /^[0-9]{1,10}$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : undefined;
}

/**
 * The session's own large objects, kept in the analysis context. An object is the session's once
 * the server answers with its OID; it stops being so when the transaction that made it is rolled
 * back or prepared for two-phase commit (after an error, a ROLLBACK or a PREPARE TRANSACTION, by the
 * next ReadyForQuery outside a transaction block), so
 * its OID, free again, cannot be taken by another session's `lo_create(<oid>)` and unlinked here.
 */
export class OwnLargeObjects {
  /** Created since the session was last idle outside a transaction block. */
  private pending: number[] = [];
  private undone = false;

  constructor(private readonly ctx: AnalysisContext) {}

  /** A creating call returned `value` (a FunctionCallResponse's, or a one-column DataRow's). */
  created(value: Buffer | null | undefined, binary: boolean): void {
    if (!value) return;
    const oid = oidOf(value, binary);
    // lo_creat answers 0 (InvalidOid) only on failure; it names no object.
    if (oid === undefined || oid === 0) return;
    (this.ctx.largeObjects ??= new Set()).add(oid);
    this.pending.push(oid);
  }

  /**
   * An error, a ROLLBACK (to a savepoint too) or a PREPARE TRANSACTION: what was created since may
   * be gone (a prepared transaction is settled later, by any session's ROLLBACK PREPARED).
   */
  undo(): void {
    if (this.pending.length > 0) this.undone = true;
  }

  /** A ReadyForQuery: `idle` outside a transaction block, where what is pending is settled. */
  ready(idle: boolean): void {
    if (!idle || this.pending.length === 0) return;
    if (this.undone) for (const oid of this.pending) this.ctx.largeObjects?.delete(oid);
    this.pending = [];
    this.undone = false;
  }
}
