// Commands on statements prepared through the protocol: an execution is recorded against its
// prepare-time judgement (estimated with its values when the mass-change rule needs them), a
// cursor's rows are fetched with the plan of the execution that opened it, and long data,
// close and reset keep the gateway's view of each statement in step with the server's.
import { refusal } from '../refusal.js';
import type { Judgement } from '../session-contract.js';
import { type Packet, readLongData } from './codec.js';
import { MysqlCommands } from './commands.js';
import { Com, ER_UNKNOWN_STMT, Status } from './constants.js';
import type { StatementSources } from './masking-catalog.js';
import { decodeExecuteParams } from './params.js';
import type { PreparedStatement } from './prepared.js';

export abstract class MysqlPreparedCommands extends MysqlCommands {
  protected preparedCommand(p: Packet, cmd: number): void {
    switch (cmd) {
      case Com.STMT_EXECUTE:
        this.execute(p);
        return;
      case Com.STMT_SEND_LONG_DATA:
      case Com.STMT_CLOSE: {
        const stmt = this.prepared.of(p);
        if (!stmt) return; // Neither has a response, so an unknown id is ignored as the server would.
        if (cmd === Com.STMT_CLOSE) this.prepared.delete(stmt.id);
        else {
          const chunk = readLongData(p.payload);
          if (chunk)
            stmt.s.params.longData.set(
              chunk.param,
              (stmt.s.params.longData.get(chunk.param) ?? 0) + chunk.bytes,
            );
        }
        this.upstream.write(p.raw);
        this.flow();
        return;
      }
      case Com.STMT_RESET: {
        const stmt = this.prepared.of(p);
        if (!stmt) {
          this.reply(
            p,
            ER_UNKNOWN_STMT,
            'HY000',
            'Unknown prepared statement handler given to mysqld_stmt_reset',
          );
          return;
        }
        stmt.s.params.longData.clear();
        this.forward(p, 'single');
        return;
      }
      case Com.STMT_FETCH:
        this.fetch(p);
        return;
    }
  }

  private execute(p: Packet): void {
    const stmt = this.prepared.of(p);
    if (!stmt) {
      // Every statement the server knows was prepared through the gateway; an unknown id (or
      // "the last prepared" after a refused or failed prepare) must not reach it.
      this.reply(
        p,
        ER_UNKNOWN_STMT,
        'HY000',
        'guardrail: unknown prepared statement handler given to COM_STMT_EXECUTE',
      );
      return;
    }
    let params: { values: unknown[]; exact: boolean };
    try {
      params = decodeExecuteParams(p.payload, stmt.s.params);
    } catch (err) {
      this.refusalReply(p, refusal('malformed', `malformed COM_STMT_EXECUTE: ${(err as Error).message}`));
      return;
    } finally {
      stmt.s.params.longData.clear();
    }
    // Judged at prepare time: each execution is recorded with its parameters, not judged again
    // (only estimated, when the mass-change rule needs the values).
    let j: Judgement | Promise<Judgement>;
    try {
      j = this.session.execute(stmt.s.judgement, params.values, params.exact);
    } catch (err) {
      this.refuse(p, refusal('unjudgeable', `statement could not be judged: ${(err as Error).message}`));
      return;
    }
    if (!(j instanceof Promise)) {
      this.executeJudged(p, stmt.s, j);
      return;
    }
    this.busy = true;
    j.then(
      (judged) => {
        if (!this.closed) this.executeJudged(p, stmt.s, judged);
      },
      (err: Error) => this.refuse(p, refusal('unjudgeable', `statement could not be judged: ${err.message}`)),
    );
  }

  private executeJudged(p: Packet, s: PreparedStatement, j: Judgement): void {
    if (j.skip) {
      this.skipped(p, j);
      return;
    }
    if (!j.forward) {
      this.refuseJudged(p, j);
      return;
    }
    this.withSources(s.text, (sources) =>
      this.strict(p, j, s.text, sources, (j) => this.executeForwarded(p, s, j, sources)),
    );
  }

  private executeForwarded(p: Packet, s: PreparedStatement, j: Judgement, sources?: StatementSources): void {
    const masker = this.masker(true, j.statement.id, sources);
    this.forward(p, 'results', {
      statementId: j.statement.id,
      text: s.text,
      analysis: j.analysis,
      masker,
      after: (t) => {
        if (t.status >= 0 && t.status & Status.CURSOR_EXISTS && masker.lastPlan && !masker.withheld)
          s.cursor = { plan: masker.lastPlan, statementId: j.statement.id };
        else delete s.cursor;
      },
    });
  }

  /** Rows of an open cursor: masked with the plan of the execution that opened it. */
  private fetch(p: Packet): void {
    const cursor = this.prepared.of(p)?.s.cursor;
    if (!cursor && this.opts.catalog && this.opts.masking.config.onWire) {
      this.refusalReply(
        p,
        refusal('masking-refused', 'COM_STMT_FETCH without a cursor the gateway has a masking plan for'),
      );
      return;
    }
    this.forward(
      p,
      'fetch',
      cursor ? { masker: this.masker(true, cursor.statementId, undefined, cursor.plan) } : {},
    );
  }
}
