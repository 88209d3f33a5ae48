// The protocol-neutral seam: every statement of every protocol path passes through
// `Session.inspect` before a byte of it reaches the database. Protocol engines (postgres/,
// mysql/) turn messages into statement text; this module turns text into a decision.
import type { Verdict } from '../policy/types.js';
import type { Analysis, AnalysisContext, Finding } from '../sql/types.js';
import { SKIPPED_CODE, SKIPPED_TAG, type TranscriptEvent } from '../transcript/events.js';
import type { CatalogBarrier } from './catalog-barrier.js';
import { type ChangeScope, catalogChange, type Reaching, widen } from './catalog-scope.js';
import { SessionColumns } from './column-catalog.js';
import { type Refusal, refusal } from './refusal.js';
import { type Reached, resolveReached } from './resolve.js';
import { rulesOf, SessionApprovals } from './session-approval.js';
import type { EngineSession, Outcome, RowsSample } from './session-contract.js';
import { dryRun, dryRunMayRun } from './session-dry-run.js';
import { recordedFindings, statementEvent, verdictEvent } from './session-events.js';
import { estimateImpact, massChangeOf, writesRows } from './session-impact.js';
import type {
  CatalogUse,
  GatewayContext,
  ImpactEstimator,
  ImpactResult,
  Judgement,
  SessionInfo,
  Statement,
  Via,
} from './session-types.js';
import type { ServerSyntaxError } from './syntax-check.js';

type ResultEvent = Extract<TranscriptEvent, { type: 'result' }>;
type InspectOptions = { params?: unknown[]; inTransaction?: boolean };

/** The transcript's notice code for a judgement made again because the catalog moved. */
const CATALOG_CHANGED = 'catalog-changed';

let nextStatement = 0;

function statementId(): string {
  return `s${(++nextStatement).toString(36)}`;
}

export class Session implements EngineSession {
  private statements = 0;
  private ended = false;
  private readonly approvals: SessionApprovals;
  readonly analysisContext: AnalysisContext;
  private readonly columns: SessionColumns | undefined;
  /** Code each statement reaches (function bodies, fired definitions), for cache invalidation. */
  private readonly reachedCode = new WeakMap<Statement, readonly string[]>();
  /** Prepared statements judged again since they were prepared (the catalog moved): the latest judgement. */
  private readonly rejudged = new WeakMap<Judgement, Judgement>();
  /** Whether `rejudged` holds anything: it is looked up before every execution otherwise. */
  private anyRejudged = false;

  constructor(
    readonly gateway: GatewayContext,
    readonly info: SessionInfo,
  ) {
    this.columns =
      gateway.columns && new SessionColumns(gateway.columns, gateway.dialect, () => this.analysisContext);
    this.analysisContext = {
      dialect: gateway.dialect,
      ...(gateway.functions ? { functions: gateway.functions } : {}),
      ...(gateway.fired ? { fired: gateway.fired } : {}),
      ...(this.columns ? { columns: this.columns } : {}),
    };
    this.approvals = new SessionApprovals(gateway, this.analysisContext, (e) => this.record(e));
    this.record({
      type: 'session.start',
      user: info.user,
      database: info.database,
      client: info.client,
      ...(info.application ? { application: info.application } : {}),
    });
  }

  private record(event: TranscriptEvent): void {
    this.gateway.recorder.record(this.info.conn, event);
  }

  /**
   * Judges one statement. Returns synchronously when nothing has to be fetched and no human is
   * involved (the hot path), and a promise when function bodies must be read from the catalog,
   * an impact estimate is needed, or the statement waits for an approval. Never throws for bad
   * SQL: the analyzer reports it as opaque and the policy decides.
   */
  inspect(text: string, via: Via, opts: InspectOptions = {}): Judgement | Promise<Judgement> {
    const { barrier } = this.gateway;
    if (!barrier) return this.inspectNow(text, via, opts);
    // Another session's catalog change is open: what the side connection reads now of what this
    // reaches directly may be stale (what it reaches beyond is checked once read, below).
    const reach = barrier.changedElsewhere(this)
      ? this.gateway.reach?.(text, this.analysisContext)
      : undefined;
    if (reach && barrier.changedElsewhere(this, reach))
      return this.afterChange(barrier, reach, text, via, opts);
    const { epoch } = barrier;
    return after(this.inspectNow(text, via, opts), (j) =>
      this.admitJudged(barrier, j, epoch, text, via, opts),
    );
  }

  /**
   * A judgement made while a catalog change began or ended elsewhere may rest on what that change
   * replaced: it is made again. Prepared statements run at their executions (see `execute`).
   */
  private admitJudged(
    barrier: CatalogBarrier,
    j: Judgement,
    epoch: number,
    text: string,
    via: Via,
    opts: InspectOptions,
  ): Judgement | Promise<Judgement> {
    if (!j.forward) return j;
    if (j.catalog) {
      const pending = barrier.changedElsewhere(this, j.catalog);
      if (pending || barrier.epoch !== epoch) {
        this.record({
          type: 'notice',
          severity: 'note',
          code: CATALOG_CHANGED,
          message: `${j.statement.id} is judged again: the catalog changed while it was judged`,
        });
        return pending
          ? this.afterChange(barrier, j.catalog, text, via, opts)
          : this.inspect(text, via, opts);
      }
    }
    return via === 'prepared' || via === 'extended' ? j : this.admit(barrier, j);
  }

  /** Judges once no other session's pending change may alter what the statement reaches. */
  private afterChange(
    barrier: CatalogBarrier,
    reach: Reaching,
    text: string,
    via: Via,
    opts: InspectOptions,
  ): Promise<Judgement> {
    return barrier.settled(this, reach).then(
      () => this.inspect(text, via, opts),
      (err: Error) =>
        this.refuse(
          this.statementOf(text, via, opts),
          undefined,
          refusal('unjudgeable', `what it calls or fires cannot be read from the catalog: ${err.message}`),
        ),
    );
  }

  /** A judgement about to be sent: a change waits for others' statements; a dependent one counts. */
  private admit(barrier: CatalogBarrier, j: Judgement): Judgement | Promise<Judgement> {
    // A session that ended while this was judged sends nothing more.
    if (!j.forward || this.ended) return j;
    const { changes } = j;
    if (!changes) {
      if (j.catalog) barrier.run(this, j.catalog);
      return j;
    }
    const { relatedRelations } = this.gateway;
    if (changes instanceof Set && relatedRelations)
      // A table's partitions, children and the tables whose keys cascade to it are altered too.
      return relatedRelations([...changes]).then(
        (names) => this.change(barrier, j, widen(changes, new Set(names))),
        () => this.change(barrier, j, 'all'),
      );
    return this.change(barrier, j, changes);
  }

  /** Sends a change once no other session's unanswered statement reached what it may alter. */
  private change(barrier: CatalogBarrier, j: Judgement, scope: ChangeScope): Judgement | Promise<Judgement> {
    if (this.ended) return j;
    const sent = () => {
      if (j.catalog) barrier.run(this, j.catalog);
      return j;
    };
    const wait = barrier.change(this, scope);
    return wait
      ? wait.then(sent, (err: Error) =>
          this.refuse(
            j.statement,
            j.analysis,
            refusal('unjudgeable', `catalog change not sent: ${err.message}`),
            j.verdict,
          ),
        )
      : sent();
  }

  private statementOf(text: string, via: Via, opts: InspectOptions): Statement {
    const statement: Statement = {
      id: statementId(),
      dialect: this.gateway.dialect,
      text,
      via,
      session: this.info,
      inTransaction: opts.inTransaction ?? false,
    };
    if (opts.params) statement.params = opts.params;
    return statement;
  }

  private inspectNow(text: string, via: Via, opts: InspectOptions): Judgement | Promise<Judgement> {
    const statement = this.statementOf(text, via, opts);
    this.statements++;
    const { recorder } = this.gateway;
    if (recorder.failed) {
      // Nothing may run unrecorded.
      return this.refuse(
        statement,
        undefined,
        refusal('transcript-failure', `transcript unavailable: ${recorder.failed.message}`),
      );
    }
    let reached: ReturnType<typeof resolveReached>;
    try {
      reached = resolveReached(this.gateway, text, this.analysisContext);
    } catch (err) {
      return this.refuse(statement, undefined, unjudgeable(err));
    }
    if (reached instanceof Promise)
      return reached.then(
        (r) => {
          this.remember(statement, r.code);
          return this.withUse(this.judgeWithColumns(statement, opts.params), r);
        },
        (err: Error) =>
          this.refuse(
            statement,
            undefined,
            refusal(
              'unjudgeable',
              `what it calls or fires could not be read from the catalog: ${err.message}`,
            ),
          ),
      );
    this.remember(statement, reached.code);
    return this.withUse(this.judgeWithColumns(statement, opts.params), reached);
  }

  /** Notes what the judgement read of the catalog, and the catalog's version as it was read. */
  private withUse(j: Judgement | Promise<Judgement>, r: Reached): Judgement | Promise<Judgement> {
    if (!this.gateway.barrier || (r.relations.length === 0 && r.calls.length === 0)) return j;
    const catalog: CatalogUse = { relations: r.relations, calls: r.calls, stamp: this.stamp() };
    return after(j, (x) => {
      x.catalog = catalog;
      return x;
    });
  }

  private stamp(): number {
    return (this.gateway.functions?.version ?? 0) + (this.gateway.fired?.version ?? 0);
  }

  /** Most statements reach no code: a WeakMap entry per statement is a GC cost on the hot path. */
  private remember(statement: Statement, code: readonly string[]): void {
    if (code.length > 0) this.reachedCode.set(statement, code);
  }

  /** Reads the old column types a type change is judged by, then judges. */
  private judgeWithColumns(
    statement: Statement,
    params: unknown[] | undefined,
  ): Judgement | Promise<Judgement> {
    const sequences = this.gateway.sequences?.prefetch(statement.text, this.analysisContext);
    if (sequences) return sequences.then(() => this.judgeWithColumns(statement, params));
    const tables = this.columns?.wanted(statement.text) ?? [];
    if (tables.length === 0) return this.judge(statement, params);
    return this.columns!.prefetch(tables).then(() => this.judge(statement, params));
  }

  private judge(statement: Statement, params: unknown[] | undefined): Judgement | Promise<Judgement> {
    let analysis: Analysis;
    let verdict: Verdict;
    try {
      analysis = this.gateway.analyze(statement.text, this.analysisContext);
      verdict = this.gateway.decide(analysis, statement);
    } catch (err) {
      return this.refuse(statement, undefined, unjudgeable(err));
    }
    this.columns?.judged(statement.text, analysis.readOnly, statement.inTransaction);
    this.recordStatement(statement, analysis.hash, params);
    const { syntaxCheck } = this.gateway;
    if (syntaxCheck && this.refusesUnparseable(analysis, verdict)) {
      return syntaxCheck(statement.text, this.analysisContext).then((serverError) =>
        serverError
          ? this.rejectedByServer(statement, analysis, verdict, serverError)
          : this.proceed(statement, analysis, verdict),
      );
    }
    return this.proceed(statement, analysis, verdict);
  }

  /**
   * Whether the statement would be held or refused because the parser could not read it. Only
   * then is the server asked: in audit mode it runs, and the server answers for itself.
   */
  private refusesUnparseable(analysis: Analysis, verdict: Verdict): boolean {
    const { mode, dialect } = this.gateway;
    return (
      verdict.action !== 'allow' &&
      (mode === 'enforce' || mode === 'dry-run') &&
      // A MySQL multi-statement text cannot be prepared as a whole: only a single one is asked about.
      (dialect === 'postgres' || analysis.statements.length === 1) &&
      analysis.findings.some((f) => f.rule === 'opaque/unparseable')
    );
  }

  /** The server cannot parse it either: the client gets the server's own error, as without the gateway. */
  private rejectedByServer(
    statement: Statement,
    analysis: Analysis,
    verdict: Verdict,
    serverError: ServerSyntaxError,
  ): Judgement {
    const unparseable = analysis.findings.filter((f) => f.rule === 'opaque/unparseable');
    this.record({ ...verdictEvent(statement.id, 'deny', unparseable, true), rules: ['opaque/unparseable'] });
    // Like any server error on its way to the client: values quoted in it are masked.
    const redacted = { ...serverError, message: this.redactMessage(serverError.message) };
    return {
      ...this.refuse(statement, analysis, refusal('unjudgeable', redacted.message), verdict),
      serverError: redacted,
    };
  }

  private proceed(
    statement: Statement,
    analysis: Analysis,
    verdict: Verdict,
  ): Judgement | Promise<Judgement> {
    // A function created or replaced may change what a later call does, in any session.
    const changes = catalogChange(
      analysis,
      statement.text,
      this.reachedCode.get(statement) ?? [],
      this.analysisContext,
    );
    const { impact } = this.gateway;
    // A denied statement is never estimated: the estimate would evaluate what was just refused.
    if (impact && verdict.action !== 'deny' && (verdict.action === 'review' || writesRows(analysis))) {
      // A Postgres Parse of the unnamed statement is a prepare too: its values come with the Bind.
      const preparing = statement.via === 'prepared' || statement.via === 'extended';
      return this.estimate(impact, statement, analysis, undefined).then((estimate) =>
        this.changing(changes, this.concludeEstimated(statement, analysis, verdict, estimate, preparing)),
      );
    }
    return this.changing(
      changes,
      this.conclude(statement, analysis, verdict, undefined, statement.via === 'prepared'),
    );
  }

  /**
   * A judgement of a statement that may change the catalog carries the change's scope (the barrier
   * holds it apart when it is sent). Without a barrier the caches are dropped now, once the
   * estimate (which proves calls from them) is done and before the statement runs; with one, when
   * the change is sent and when it ends, so a change refused here makes nothing be judged again.
   */
  private changing(
    changes: ChangeScope | undefined,
    j: Judgement | Promise<Judgement>,
  ): Judgement | Promise<Judgement> {
    if (!changes) return j;
    if (!this.gateway.barrier) {
      this.gateway.functions?.invalidate();
      this.gateway.fired?.invalidate();
    }
    return after(j, (x) => {
      if (x.forward) x.changes = changes;
      return x;
    });
  }

  private recordStatement(statement: Statement, hash: string, params?: unknown[], preparedAs?: string): void {
    this.record(statementEvent(this.gateway, this.analysisContext, statement, hash, params, preparedAs));
  }

  /** Concludes with the estimate's mass-change finding, if any, added to the analysis. */
  private concludeEstimated(
    statement: Statement,
    analysis: Analysis,
    verdict: Verdict,
    estimate: ImpactResult,
    preparing: boolean,
  ): Judgement | Promise<Judgement> {
    // Values come with each execution of a prepared statement, which is estimated then.
    if (estimate.pending && preparing) {
      const mark = (j: Judgement): Judgement => (j.forward ? { ...j, estimateEachExecution: true } : j);
      return after(this.conclude(statement, analysis, verdict, estimate.record, true), mark);
    }
    const massChange = massChangeOf(estimate);
    if (!massChange) return this.conclude(statement, analysis, verdict, estimate.record, preparing);
    const findings = [...analysis.findings, massChange];
    const widened: Analysis = { ...analysis, findings, readOnly: false };
    let reverdict: Verdict;
    try {
      reverdict = this.gateway.decide(widened, statement);
    } catch (err) {
      return this.refuse(statement, widened, unjudgeable(err));
    }
    return this.conclude(statement, widened, reverdict, estimate.record, preparing);
  }

  /** Runs the estimator and records what it found. */
  private async estimate(
    impact: ImpactEstimator,
    statement: Statement,
    analysis: Analysis,
    values: unknown[] | undefined,
  ): Promise<ImpactResult> {
    const result = await estimateImpact(impact, statement.text, analysis, this.analysisContext, values);
    this.record({ type: 'impact', id: statement.id, estimate: result.record });
    return result;
  }

  /** `preparing`: a statement being prepared, whose executions come later (dry-run semantics). */
  private conclude(
    statement: Statement,
    analysis: Analysis,
    verdict: Verdict,
    impact: Record<string, unknown> | undefined,
    preparing: boolean,
  ): Judgement | Promise<Judgement> {
    const enforced = this.gateway.mode === 'enforce' || this.gateway.mode === 'dry-run';
    this.record(verdictEvent(statement.id, verdict.action, recordedFindings(verdict), enforced));
    if (verdict.action === 'allow' || !enforced) {
      return this.gateway.mode === 'dry-run'
        ? dryRun(this.gateway.dialect, statement, verdict, analysis, preparing)
        : { forward: true, statement, verdict, analysis };
    }
    if (verdict.action === 'deny') {
      return this.refuse(
        statement,
        analysis,
        refusal(
          'policy-deny',
          `denied by policy (${rulesOf(verdict.reasons)}): ${verdict.reasons[0]?.message ?? ''}`,
        ),
        verdict,
      );
    }
    if (this.gateway.mode === 'dry-run' && (this.gateway.dialect === 'mysql' || dryRunMayRun(verdict)))
      return dryRun(this.gateway.dialect, statement, verdict, analysis, preparing);
    if (this.approvals.preapproved(statement, analysis)) {
      this.record({
        type: 'approval.decided',
        id: statement.id,
        requestId: 'batch',
        outcome: 'approved',
        by: ['batch pre-approval'],
      });
      return { forward: true, statement, verdict, analysis };
    }
    return this.approvals
      .await(statement, analysis, verdict, impact)
      .then(
        (r): Judgement =>
          r.approved
            ? { forward: true, statement, verdict, analysis }
            : this.refuse(statement, analysis, r.refusal, verdict),
      );
  }

  /**
   * A review found after the verdict, once masking has followed the statement (strict mode): the
   * statement is recorded as held for these reasons and goes the way of any review (approval,
   * batch pre-approval, dry run, audit mode). `preparing`: judged when prepared, not executed.
   */
  review(j: Judgement, reasons: Finding[], preparing: boolean): Judgement | Promise<Judgement> {
    const analysis: Analysis = { ...j.analysis, findings: [...j.analysis.findings, ...reasons] };
    return this.conclude(j.statement, analysis, { action: 'review', reasons }, undefined, preparing);
  }

  /**
   * Records one execution of a statement judged when it was prepared: the text cannot change
   * between prepare and execute, so it is not judged (or put to a reviewer) again; the
   * parameters are recorded. Refuses when the transcript can no longer be written, and goes
   * through the mass-change rule when the prepare-time estimate needed the values (then a
   * promise). `params`: as recorded; `exact`: whether the values are known exactly as bound;
   * `values`: those exact values, when `params` were shortened for the record.
   */
  execute(
    prepared: Judgement,
    params?: unknown[],
    exact = true,
    values = params,
  ): Judgement | Promise<Judgement> {
    const { barrier } = this.gateway;
    if (!barrier) return this.executeNow(prepared, params, exact, values);
    const current = (this.anyRejudged && this.rejudged.get(prepared)) || prepared;
    const use = current.forward ? current.catalog : undefined;
    if (!use || !(barrier.changedElsewhere(this, use) || this.outdated(use)))
      return this.admitExecution(barrier, current, params, exact, values);
    return this.rejudge(barrier, current, use).then(
      (j) => {
        if (j !== current) {
          this.anyRejudged = true;
          this.rejudged.set(prepared, j);
        }
        return this.admitExecution(barrier, j, params, exact, values);
      },
      (err: Error) =>
        this.refuse(
          current.statement,
          current.analysis,
          refusal('unjudgeable', `what it calls or fires could not be read from the catalog: ${err.message}`),
        ),
    );
  }

  private admitExecution(
    barrier: CatalogBarrier,
    prepared: Judgement,
    params: unknown[] | undefined,
    exact: boolean,
    values: unknown[] | undefined,
  ): Judgement | Promise<Judgement> {
    return after(this.executeNow(prepared, params, exact, values), (j) => this.admit(barrier, j));
  }

  /** Whether the catalog moved since the judgement read it, or what it read has expired. */
  private outdated(use: CatalogUse): boolean {
    const { functions, fired } = this.gateway;
    return (
      this.stamp() !== use.stamp ||
      (fired !== undefined && use.relations.length > 0 && fired.needs(use.relations)) ||
      (functions !== undefined && use.calls.length > 0 && functions.needs(use.calls))
    );
  }

  /**
   * The prepared statement as the catalog is now: what it read is read again once no change is
   * open elsewhere, and it is judged again (as prepared) when the catalog moved.
   */
  private async rejudge(barrier: CatalogBarrier, j: Judgement, use: CatalogUse): Promise<Judgement> {
    if (barrier.changedElsewhere(this, use)) await barrier.settled(this, use);
    const { functions, fired } = this.gateway;
    if (fired && use.relations.length > 0) await fired.prefetch(use.relations);
    if (functions && use.calls.length > 0) await functions.prefetch(use.calls);
    if (this.stamp() === use.stamp) return j;
    const { text, via, inTransaction } = j.statement;
    this.record({
      type: 'notice',
      severity: 'note',
      code: CATALOG_CHANGED,
      message: `${j.statement.id} is judged again before it runs: the catalog changed since it was prepared`,
    });
    return this.inspect(text, via, { inTransaction });
  }

  private executeNow(
    prepared: Judgement,
    params: unknown[] | undefined,
    exact: boolean,
    values: unknown[] | undefined,
  ): Judgement | Promise<Judgement> {
    const statement: Statement = {
      ...prepared.statement,
      id: statementId(),
      ...(params ? { params } : {}),
    };
    this.statements++;
    const { recorder } = this.gateway;
    if (recorder.failed)
      return this.refuse(
        statement,
        undefined,
        refusal('transcript-failure', `transcript unavailable: ${recorder.failed.message}`),
      );
    this.recordStatement(statement, prepared.analysis.hash, params, prepared.statement.id);
    const judged = (): Judgement =>
      this.gateway.mode === 'dry-run' && prepared.forward
        ? dryRun(this.gateway.dialect, statement, prepared.verdict, prepared.analysis, false)
        : { ...prepared, statement };
    const { impact } = this.gateway;
    if (!prepared.estimateEachExecution || !impact) return judged();
    return this.estimate(impact, statement, prepared.analysis, exact ? values : undefined).then((estimate) =>
      // The prepare's verdict stands (whoever approved it is not asked again) unless these values
      // cross the threshold, or cannot be judged: then this execution is decided on its own.
      estimate.finding || estimate.pending
        ? this.concludeEstimated(statement, prepared.analysis, prepared.verdict, estimate, false)
        : judged(),
    );
  }

  private refuse(
    statement: Statement,
    analysis: Analysis | undefined,
    why: Refusal,
    verdict?: Verdict,
  ): Judgement {
    const findings = verdict && verdict.action !== 'allow' ? verdict.reasons : [];
    return {
      forward: false,
      statement,
      verdict: verdict ?? { action: 'deny', reasons: findings },
      analysis: analysis ?? {
        findings: [],
        readOnly: false,
        opaque: true,
        canonical: '',
        hash: '',
        statements: [],
      },
      refusal: why,
    };
  }

  /** Records how a forwarded (or refused) statement ended. */
  ran(id: string, result: Outcome): void {
    const { error } = result;
    // Microseconds are all a duration means here; a double's 16 digits only lengthen the line.
    const recorded: ResultEvent = {
      type: 'result',
      id,
      ...result,
      durationMs: Math.round(result.durationMs * 1000) / 1000,
    };
    if (error) recorded.error = { code: error.code, message: this.redactMessage(error.message) };
    this.record(recorded);
  }

  /** Records a result set's sample (already masked by the engine's result masking). */
  rows(sample: RowsSample): void {
    this.record({ type: 'rows', ...sample });
  }

  /** Records a statement a dry run answered without running it. */
  skipped(id: string, message: string): void {
    this.notice('note', SKIPPED_CODE, message);
    this.ran(id, { tag: SKIPPED_TAG, durationMs: 0 });
  }

  private redactMessage(text: string): string {
    return (this.gateway.redactMessage ?? this.gateway.redact)(text);
  }

  notice(severity: string, code: string, message: string): void {
    this.record({ type: 'notice', severity, code, message: this.redactMessage(message) });
  }

  afterWrites<T>(fn: () => T): T {
    const { recorder } = this.gateway;
    return recorder.afterWrites ? recorder.afterWrites(fn) : fn();
  }

  /** Everything sent has been answered; `inTransaction`: as the server's last answer says. */
  quiet(inTransaction: boolean): void {
    this.gateway.barrier?.quiet(this, inTransaction);
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    const { barrier, backendAlive } = this.gateway;
    const id = this.analysisContext.backendId;
    barrier?.leave(this, backendAlive && id !== undefined ? () => backendAlive(id) : undefined);
    this.approvals.abortAll(reason);
    this.record({ type: 'session.end', reason, statements: this.statements });
  }
}

/** `f` of the judgement, now when it is made, or once it is (the hot path stays synchronous). */
function after(
  j: Judgement | Promise<Judgement>,
  f: (j: Judgement) => Judgement | Promise<Judgement>,
): Judgement | Promise<Judgement> {
  return j instanceof Promise ? j.then(f) : f(j);
}

function unjudgeable(err: unknown): Refusal {
  return refusal('unjudgeable', `statement could not be judged: ${(err as Error).message}`);
}
