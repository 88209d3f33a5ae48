// The statements and portals the client named in this session (Parse, Bind): which statement
// an Execute runs, and what a Describe describes. A PreparedStatement is a statement prepared
// through the protocol; its facts are the ones its Parse was judged with.
import type { Judgement } from '../session-contract.js';
import type { StatementFacts } from './replies.js';
import type { Portal } from './result-masking.js';
import type { ResultFields } from './result-messages.js';

export interface PreparedStatement extends StatementFacts {
  id: string;
  /** Its RowDescription, from a Describe of the statement. */
  described?: ResultFields;
  /** How its Parse was judged: each execution (Bind) goes on from there. */
  judgement?: Judgement;
  /** The parameter types its Parse declared (0: left to the server). */
  paramTypes?: readonly number[] | undefined;
}

/** A portal of a statement prepared in this session. */
export interface PreparedPortal extends Portal {
  statement: PreparedStatement | undefined;
  /** The execution (Session.execute) the Bind recorded: its result is this portal's. */
  execution?: string;
}

/** Named statements and portals, to know which statement an Execute runs. */
export class NamedStatements {
  readonly statements = new Map<string, PreparedStatement>();
  readonly portals = new Map<string, PreparedPortal>();
  /** Names created by SQL PREPARE statements (see notePrepares). */
  readonly bySql = new Set<string>();

  clear(): void {
    this.statements.clear();
    this.portals.clear();
  }
}
