// The statements a client prepared through the protocol (COM_STMT_PREPARE) on this connection,
// by the id the server gave them, with the judgement each was prepared under.
import type { Judgement } from '../session-contract.js';
import { type Packet, readStatementId } from './codec.js';
import type { ParamState } from './params.js';
import type { ResultPlan } from './result-masking.js';

export interface PreparedStatement {
  text: string;
  /** The judgement made at prepare time; executions are recorded against it. */
  judgement: Judgement;
  params: ParamState;
  /** A cursor left open by the last execution: rows come through COM_STMT_FETCH with this plan. */
  cursor?: { plan: ResultPlan; statementId: string };
}

export class PreparedStatements {
  private readonly byId = new Map<number, PreparedStatement>();
  /** Target of COM_STMT_EXECUTE with id 0xFFFFFFFF (MariaDB: "the last prepared"). */
  last: number | undefined;

  set(id: number, s: PreparedStatement): void {
    this.byId.set(id, s);
  }

  delete(id: number): void {
    this.byId.delete(id);
  }

  /** The server forgot them all (COM_RESET_CONNECTION, COM_CHANGE_USER). */
  clear(): void {
    this.byId.clear();
    this.last = undefined;
  }

  /** Resolves the statement id of a COM_STMT_* packet (0xFFFFFFFF: the last prepared). */
  of(p: Packet): { id: number; s: PreparedStatement } | undefined {
    let id = readStatementId(p.payload);
    if (id === undefined) return undefined;
    if (id === 0xffffffff) id = this.last;
    const s = id === undefined ? undefined : this.byId.get(id);
    return s && id !== undefined ? { id, s } : undefined;
  }
}
