import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  SessionApprovals,
  refusal,
  rulesOf
} from "./chunk-XSTP326K.js";
import {
  SKIPPED_CODE,
  SKIPPED_TAG
} from "./chunk-LLFWNX4K.js";
import {
  SessionColumns,
  catalogChange,
  widen
} from "./chunk-CCMQQIB6.js";
import {
  finding
} from "./chunk-AIHX2DPB.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/gateway/resolve.ts
var MAX_ROUNDS = 5;
function missing(c, r) {
  const reads = [];
  if (c.functions && r.calls.length > 0 && c.functions.needs(r.calls))
    reads.push(c.functions.prefetch(r.calls, 1));
  if (c.fired && r.relations.length > 0 && c.fired.needs(r.relations))
    reads.push(c.fired.prefetch(r.relations));
  return reads;
}
function resolveReached(c, text, ctx) {
  if (!c.reach) return { calls: [], relations: [], code: [] };
  const first = c.reach(text, ctx);
  const reads = missing(c, first);
  if (reads.length === 0) return first;
  return (async () => {
    await Promise.all(reads);
    let r = c.reach(text, ctx);
    for (let round = 1; round < MAX_ROUNDS; round++) {
      const more = missing(c, r);
      if (more.length === 0) break;
      await Promise.all(more);
      r = c.reach(text, ctx);
    }
    return r;
  })();
}

// src/gateway/session-dry-run.ts
function dryRunMayRun(verdict) {
  return verdict.action !== "allow" && !verdict.reasons.some((f) => f.category === "opaque" || f.category === "exfiltration");
}
function dryRun(dialect, statement, verdict, analysis, preparing) {
  const runs = dialect !== "mysql" || preparing || analysis.readOnly && verdict.action === "allow";
  if (runs) return { forward: true, statement, verdict, analysis };
  return {
    forward: false,
    statement,
    verdict,
    analysis,
    skip: "guardrail dry run: not executed (MySQL commits DDL implicitly, so a dry run only analyses and estimates)"
  };
}

// src/gateway/session-events.ts
var NO_FINDINGS = [];
function verdictEvent(id, action, findings, enforced) {
  return {
    type: "verdict",
    id,
    action,
    rules: findings.map((f) => f.rule),
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      objects: f.objects
    })),
    enforced
  };
}
function recordedFindings(verdict) {
  const warnings = verdict.warnings ?? NO_FINDINGS;
  if (verdict.action === "allow") return warnings;
  return warnings.length === 0 ? verdict.reasons : [...verdict.reasons, ...warnings];
}
function statementEvent(gateway, ctx, statement, hash, params, preparedAs) {
  const recorded = {
    type: "statement",
    id: statement.id,
    text: gateway.redact(statement.text, ctx),
    via: statement.via,
    hash,
    inTransaction: statement.inTransaction
  };
  if (preparedAs) recorded.preparedAs = preparedAs;
  if (params)
    recorded.params = gateway.redactParams?.(params, statement.text, ctx) ?? params.map(() => "[param]");
  return recorded;
}

// src/gateway/session-impact.ts
var ROW_CHANGES = /^(?:with\b|update\b|delete\b|merge\b|replace\b|insert\b.*\bon (?:conflict\b.*\bdo update|duplicate key update)\b|alter table\b.*\busing\b)/is;
function writesRows(analysis) {
  return !analysis.readOnly && analysis.statements.some((s) => ROW_CHANGES.test(s.canonical));
}
async function estimateImpact(impact, text, analysis, ctx, values) {
  try {
    return await impact(text, analysis, ctx, values);
  } catch (err) {
    const message = `impact estimate failed: ${err.message}`;
    return writesRows(analysis) ? {
      record: { error: message },
      finding: finding("mass-change/rows", [], `rows affected unknown (${message})`)
    } : { record: { error: message } };
  }
}
function massChangeOf(estimate) {
  return estimate.pending ? finding(
    "mass-change/rows",
    [],
    "rows affected unknown (the placeholder values could not be read exactly)"
  ) : estimate.finding;
}

// src/gateway/session.ts
var CATALOG_CHANGED = "catalog-changed";
var nextStatement = 0;
function statementId() {
  return `s${(++nextStatement).toString(36)}`;
}
var Session = class {
  constructor(gateway, info) {
    this.gateway = gateway;
    this.info = info;
    this.columns = gateway.columns && new SessionColumns(gateway.columns, gateway.dialect, () => this.analysisContext);
    this.analysisContext = {
      dialect: gateway.dialect,
      ...gateway.functions ? { functions: gateway.functions } : {},
      ...gateway.fired ? { fired: gateway.fired } : {},
      ...this.columns ? { columns: this.columns } : {}
    };
    this.approvals = new SessionApprovals(gateway, this.analysisContext, (e) => this.record(e));
    this.record({
      type: "session.start",
      user: info.user,
      database: info.database,
      client: info.client,
      ...info.application ? { application: info.application } : {}
    });
  }
  gateway;
  info;
  statements = 0;
  ended = false;
  approvals;
  analysisContext;
  columns;
  /** Code each statement reaches (function bodies, fired definitions), for cache invalidation. */
  reachedCode = /* @__PURE__ */ new WeakMap();
  /** Prepared statements judged again since they were prepared (the catalog moved): the latest judgement. */
  rejudged = /* @__PURE__ */ new WeakMap();
  /** Whether `rejudged` holds anything: it is looked up before every execution otherwise. */
  anyRejudged = false;
  record(event) {
    this.gateway.recorder.record(this.info.conn, event);
  }
  /**
   * Judges one statement. Returns synchronously when nothing has to be fetched and no human is
   * involved (the hot path), and a promise when function bodies must be read from the catalog,
   * an impact estimate is needed, or the statement waits for an approval. Never throws for bad
   * SQL: the analyzer reports it as opaque and the policy decides.
   */
  inspect(text, via, opts = {}) {
    const { barrier } = this.gateway;
    if (!barrier) return this.inspectNow(text, via, opts);
    const reach = barrier.changedElsewhere(this) ? this.gateway.reach?.(text, this.analysisContext) : void 0;
    if (reach && barrier.changedElsewhere(this, reach))
      return this.afterChange(barrier, reach, text, via, opts);
    const { epoch } = barrier;
    return after(
      this.inspectNow(text, via, opts),
      (j) => this.admitJudged(barrier, j, epoch, text, via, opts)
    );
  }
  /**
   * A judgement made while a catalog change began or ended elsewhere may rest on what that change
   * replaced: it is made again. Prepared statements run at their executions (see `execute`).
   */
  admitJudged(barrier, j, epoch, text, via, opts) {
    if (!j.forward) return j;
    if (j.catalog) {
      const pending = barrier.changedElsewhere(this, j.catalog);
      if (pending || barrier.epoch !== epoch) {
        this.record({
          type: "notice",
          severity: "note",
          code: CATALOG_CHANGED,
          message: `${j.statement.id} is judged again: the catalog changed while it was judged`
        });
        return pending ? this.afterChange(barrier, j.catalog, text, via, opts) : this.inspect(text, via, opts);
      }
    }
    return via === "prepared" || via === "extended" ? j : this.admit(barrier, j);
  }
  /** Judges once no other session's pending change may alter what the statement reaches. */
  afterChange(barrier, reach, text, via, opts) {
    return barrier.settled(this, reach).then(
      () => this.inspect(text, via, opts),
      (err) => this.refuse(
        this.statementOf(text, via, opts),
        void 0,
        refusal("unjudgeable", `what it calls or fires cannot be read from the catalog: ${err.message}`)
      )
    );
  }
  /** A judgement about to be sent: a change waits for others' statements; a dependent one counts. */
  admit(barrier, j) {
    if (!j.forward || this.ended) return j;
    const { changes } = j;
    if (!changes) {
      if (j.catalog) barrier.run(this, j.catalog);
      return j;
    }
    const { relatedRelations } = this.gateway;
    if (changes instanceof Set && relatedRelations)
      return relatedRelations([...changes]).then(
        (names) => this.change(barrier, j, widen(changes, new Set(names))),
        () => this.change(barrier, j, "all")
      );
    return this.change(barrier, j, changes);
  }
  /** Sends a change once no other session's unanswered statement reached what it may alter. */
  change(barrier, j, scope) {
    if (this.ended) return j;
    const sent = () => {
      if (j.catalog) barrier.run(this, j.catalog);
      return j;
    };
    const wait = barrier.change(this, scope);
    return wait ? wait.then(
      sent,
      (err) => this.refuse(
        j.statement,
        j.analysis,
        refusal("unjudgeable", `catalog change not sent: ${err.message}`),
        j.verdict
      )
    ) : sent();
  }
  statementOf(text, via, opts) {
    const statement = {
      id: statementId(),
      dialect: this.gateway.dialect,
      text,
      via,
      session: this.info,
      inTransaction: opts.inTransaction ?? false
    };
    if (opts.params) statement.params = opts.params;
    return statement;
  }
  inspectNow(text, via, opts) {
    const statement = this.statementOf(text, via, opts);
    this.statements++;
    const { recorder } = this.gateway;
    if (recorder.failed) {
      return this.refuse(
        statement,
        void 0,
        refusal("transcript-failure", `transcript unavailable: ${recorder.failed.message}`)
      );
    }
    let reached;
    try {
      reached = resolveReached(this.gateway, text, this.analysisContext);
    } catch (err) {
      return this.refuse(statement, void 0, unjudgeable(err));
    }
    if (reached instanceof Promise)
      return reached.then(
        (r) => {
          this.remember(statement, r.code);
          return this.withUse(this.judgeWithColumns(statement, opts.params), r);
        },
        (err) => this.refuse(
          statement,
          void 0,
          refusal(
            "unjudgeable",
            `what it calls or fires could not be read from the catalog: ${err.message}`
          )
        )
      );
    this.remember(statement, reached.code);
    return this.withUse(this.judgeWithColumns(statement, opts.params), reached);
  }
  /** Notes what the judgement read of the catalog, and the catalog's version as it was read. */
  withUse(j, r) {
    if (!this.gateway.barrier || r.relations.length === 0 && r.calls.length === 0) return j;
    const catalog = { relations: r.relations, calls: r.calls, stamp: this.stamp() };
    return after(j, (x) => {
      x.catalog = catalog;
      return x;
    });
  }
  stamp() {
    return (this.gateway.functions?.version ?? 0) + (this.gateway.fired?.version ?? 0);
  }
  /** Most statements reach no code: a WeakMap entry per statement is a GC cost on the hot path. */
  remember(statement, code) {
    if (code.length > 0) this.reachedCode.set(statement, code);
  }
  /** Reads the old column types a type change is judged by, then judges. */
  judgeWithColumns(statement, params) {
    const sequences = this.gateway.sequences?.prefetch(statement.text, this.analysisContext);
    if (sequences) return sequences.then(() => this.judgeWithColumns(statement, params));
    const tables = this.columns?.wanted(statement.text) ?? [];
    if (tables.length === 0) return this.judge(statement, params);
    return this.columns.prefetch(tables).then(() => this.judge(statement, params));
  }
  judge(statement, params) {
    let analysis;
    let verdict;
    try {
      analysis = this.gateway.analyze(statement.text, this.analysisContext);
      verdict = this.gateway.decide(analysis, statement);
    } catch (err) {
      return this.refuse(statement, void 0, unjudgeable(err));
    }
    this.columns?.judged(statement.text, analysis.readOnly, statement.inTransaction);
    this.recordStatement(statement, analysis.hash, params);
    const { syntaxCheck } = this.gateway;
    if (syntaxCheck && this.refusesUnparseable(analysis, verdict)) {
      return syntaxCheck(statement.text, this.analysisContext).then(
        (serverError) => serverError ? this.rejectedByServer(statement, analysis, verdict, serverError) : this.proceed(statement, analysis, verdict)
      );
    }
    return this.proceed(statement, analysis, verdict);
  }
  /**
   * Whether the statement would be held or refused because the parser could not read it. Only
   * then is the server asked: in audit mode it runs, and the server answers for itself.
   */
  refusesUnparseable(analysis, verdict) {
    const { mode, dialect } = this.gateway;
    return verdict.action !== "allow" && (mode === "enforce" || mode === "dry-run") && // A MySQL multi-statement text cannot be prepared as a whole: only a single one is asked about.
    (dialect === "postgres" || analysis.statements.length === 1) && analysis.findings.some((f) => f.rule === "opaque/unparseable");
  }
  /** The server cannot parse it either: the client gets the server's own error, as without the gateway. */
  rejectedByServer(statement, analysis, verdict, serverError) {
    const unparseable = analysis.findings.filter((f) => f.rule === "opaque/unparseable");
    this.record({ ...verdictEvent(statement.id, "deny", unparseable, true), rules: ["opaque/unparseable"] });
    const redacted = { ...serverError, message: this.redactMessage(serverError.message) };
    return {
      ...this.refuse(statement, analysis, refusal("unjudgeable", redacted.message), verdict),
      serverError: redacted
    };
  }
  proceed(statement, analysis, verdict) {
    const changes = catalogChange(
      analysis,
      statement.text,
      this.reachedCode.get(statement) ?? [],
      this.analysisContext
    );
    const { impact } = this.gateway;
    if (impact && verdict.action !== "deny" && (verdict.action === "review" || writesRows(analysis))) {
      const preparing = statement.via === "prepared" || statement.via === "extended";
      return this.estimate(impact, statement, analysis, void 0).then(
        (estimate) => this.changing(changes, this.concludeEstimated(statement, analysis, verdict, estimate, preparing))
      );
    }
    return this.changing(
      changes,
      this.conclude(statement, analysis, verdict, void 0, statement.via === "prepared")
    );
  }
  /**
   * A judgement of a statement that may change the catalog carries the change's scope (the barrier
   * holds it apart when it is sent). Without a barrier the caches are dropped now, once the
   * estimate (which proves calls from them) is done and before the statement runs; with one, when
   * the change is sent and when it ends, so a change refused here makes nothing be judged again.
   */
  changing(changes, j) {
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
  recordStatement(statement, hash, params, preparedAs) {
    this.record(statementEvent(this.gateway, this.analysisContext, statement, hash, params, preparedAs));
  }
  /** Concludes with the estimate's mass-change finding, if any, added to the analysis. */
  concludeEstimated(statement, analysis, verdict, estimate, preparing) {
    if (estimate.pending && preparing) {
      const mark = (j) => j.forward ? { ...j, estimateEachExecution: true } : j;
      return after(this.conclude(statement, analysis, verdict, estimate.record, true), mark);
    }
    const massChange = massChangeOf(estimate);
    if (!massChange) return this.conclude(statement, analysis, verdict, estimate.record, preparing);
    const findings = [...analysis.findings, massChange];
    const widened = { ...analysis, findings, readOnly: false };
    let reverdict;
    try {
      reverdict = this.gateway.decide(widened, statement);
    } catch (err) {
      return this.refuse(statement, widened, unjudgeable(err));
    }
    return this.conclude(statement, widened, reverdict, estimate.record, preparing);
  }
  /** Runs the estimator and records what it found. */
  async estimate(impact, statement, analysis, values) {
    const result = await estimateImpact(impact, statement.text, analysis, this.analysisContext, values);
    this.record({ type: "impact", id: statement.id, estimate: result.record });
    return result;
  }
  /** `preparing`: a statement being prepared, whose executions come later (dry-run semantics). */
  conclude(statement, analysis, verdict, impact, preparing) {
    const enforced = this.gateway.mode === "enforce" || this.gateway.mode === "dry-run";
    this.record(verdictEvent(statement.id, verdict.action, recordedFindings(verdict), enforced));
    if (verdict.action === "allow" || !enforced) {
      return this.gateway.mode === "dry-run" ? dryRun(this.gateway.dialect, statement, verdict, analysis, preparing) : { forward: true, statement, verdict, analysis };
    }
    if (verdict.action === "deny") {
      return this.refuse(
        statement,
        analysis,
        refusal(
          "policy-deny",
          `denied by policy (${rulesOf(verdict.reasons)}): ${verdict.reasons[0]?.message ?? ""}`
        ),
        verdict
      );
    }
    if (this.gateway.mode === "dry-run" && (this.gateway.dialect === "mysql" || dryRunMayRun(verdict)))
      return dryRun(this.gateway.dialect, statement, verdict, analysis, preparing);
    if (this.approvals.preapproved(statement, analysis)) {
      this.record({
        type: "approval.decided",
        id: statement.id,
        requestId: "batch",
        outcome: "approved",
        by: ["batch pre-approval"]
      });
      return { forward: true, statement, verdict, analysis };
    }
    return this.approvals.await(statement, analysis, verdict, impact).then(
      (r) => r.approved ? { forward: true, statement, verdict, analysis } : this.refuse(statement, analysis, r.refusal, verdict)
    );
  }
  /**
   * A review found after the verdict, once masking has followed the statement (strict mode): the
   * statement is recorded as held for these reasons and goes the way of any review (approval,
   * batch pre-approval, dry run, audit mode). `preparing`: judged when prepared, not executed.
   */
  review(j, reasons, preparing) {
    const analysis = { ...j.analysis, findings: [...j.analysis.findings, ...reasons] };
    return this.conclude(j.statement, analysis, { action: "review", reasons }, void 0, preparing);
  }
  /**
   * Records one execution of a statement judged when it was prepared: the text cannot change
   * between prepare and execute, so it is not judged (or put to a reviewer) again; the
   * parameters are recorded. Refuses when the transcript can no longer be written, and goes
   * through the mass-change rule when the prepare-time estimate needed the values (then a
   * promise). `params`: as recorded; `exact`: whether the values are known exactly as bound;
   * `values`: those exact values, when `params` were shortened for the record.
   */
  execute(prepared, params, exact = true, values = params) {
    const { barrier } = this.gateway;
    if (!barrier) return this.executeNow(prepared, params, exact, values);
    const current = this.anyRejudged && this.rejudged.get(prepared) || prepared;
    const use = current.forward ? current.catalog : void 0;
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
      (err) => this.refuse(
        current.statement,
        current.analysis,
        refusal("unjudgeable", `what it calls or fires could not be read from the catalog: ${err.message}`)
      )
    );
  }
  admitExecution(barrier, prepared, params, exact, values) {
    return after(this.executeNow(prepared, params, exact, values), (j) => this.admit(barrier, j));
  }
  /** Whether the catalog moved since the judgement read it, or what it read has expired. */
  outdated(use) {
    const { functions, fired } = this.gateway;
    return this.stamp() !== use.stamp || fired !== void 0 && use.relations.length > 0 && fired.needs(use.relations) || functions !== void 0 && use.calls.length > 0 && functions.needs(use.calls);
  }
  /**
   * The prepared statement as the catalog is now: what it read is read again once no change is
   * open elsewhere, and it is judged again (as prepared) when the catalog moved.
   */
  async rejudge(barrier, j, use) {
    if (barrier.changedElsewhere(this, use)) await barrier.settled(this, use);
    const { functions, fired } = this.gateway;
    if (fired && use.relations.length > 0) await fired.prefetch(use.relations);
    if (functions && use.calls.length > 0) await functions.prefetch(use.calls);
    if (this.stamp() === use.stamp) return j;
    const { text, via, inTransaction } = j.statement;
    this.record({
      type: "notice",
      severity: "note",
      code: CATALOG_CHANGED,
      message: `${j.statement.id} is judged again before it runs: the catalog changed since it was prepared`
    });
    return this.inspect(text, via, { inTransaction });
  }
  executeNow(prepared, params, exact, values) {
    const statement = {
      ...prepared.statement,
      id: statementId(),
      ...params ? { params } : {}
    };
    this.statements++;
    const { recorder } = this.gateway;
    if (recorder.failed)
      return this.refuse(
        statement,
        void 0,
        refusal("transcript-failure", `transcript unavailable: ${recorder.failed.message}`)
      );
    this.recordStatement(statement, prepared.analysis.hash, params, prepared.statement.id);
    const judged = () => this.gateway.mode === "dry-run" && prepared.forward ? dryRun(this.gateway.dialect, statement, prepared.verdict, prepared.analysis, false) : { ...prepared, statement };
    const { impact } = this.gateway;
    if (!prepared.estimateEachExecution || !impact) return judged();
    return this.estimate(impact, statement, prepared.analysis, exact ? values : void 0).then(
      (estimate) => (
        // The prepare's verdict stands (whoever approved it is not asked again) unless these values
        // cross the threshold, or cannot be judged: then this execution is decided on its own.
        estimate.finding || estimate.pending ? this.concludeEstimated(statement, prepared.analysis, prepared.verdict, estimate, false) : judged()
      )
    );
  }
  refuse(statement, analysis, why, verdict) {
    const findings = verdict && verdict.action !== "allow" ? verdict.reasons : [];
    return {
      forward: false,
      statement,
      verdict: verdict ?? { action: "deny", reasons: findings },
      analysis: analysis ?? {
        findings: [],
        readOnly: false,
        opaque: true,
        canonical: "",
        hash: "",
        statements: []
      },
      refusal: why
    };
  }
  /** Records how a forwarded (or refused) statement ended. */
  ran(id, result) {
    const { error } = result;
    const recorded = {
      type: "result",
      id,
      ...result,
      durationMs: Math.round(result.durationMs * 1e3) / 1e3
    };
    if (error) recorded.error = { code: error.code, message: this.redactMessage(error.message) };
    this.record(recorded);
  }
  /** Records a result set's sample (already masked by the engine's result masking). */
  rows(sample) {
    this.record({ type: "rows", ...sample });
  }
  /** Records a statement a dry run answered without running it. */
  skipped(id, message) {
    this.notice("note", SKIPPED_CODE, message);
    this.ran(id, { tag: SKIPPED_TAG, durationMs: 0 });
  }
  redactMessage(text) {
    return (this.gateway.redactMessage ?? this.gateway.redact)(text);
  }
  notice(severity, code, message) {
    this.record({ type: "notice", severity, code, message: this.redactMessage(message) });
  }
  afterWrites(fn) {
    const { recorder } = this.gateway;
    return recorder.afterWrites ? recorder.afterWrites(fn) : fn();
  }
  /** Everything sent has been answered; `inTransaction`: as the server's last answer says. */
  quiet(inTransaction) {
    this.gateway.barrier?.quiet(this, inTransaction);
  }
  end(reason) {
    if (this.ended) return;
    this.ended = true;
    const { barrier, backendAlive } = this.gateway;
    const id = this.analysisContext.backendId;
    barrier?.leave(this, backendAlive && id !== void 0 ? () => backendAlive(id) : void 0);
    this.approvals.abortAll(reason);
    this.record({ type: "session.end", reason, statements: this.statements });
  }
};
function after(j, f) {
  return j instanceof Promise ? j.then(f) : f(j);
}
function unjudgeable(err) {
  return refusal("unjudgeable", `statement could not be judged: ${err.message}`);
}

// src/gateway/lifecycle.ts
function openSession(context, info) {
  return new Session(context, info);
}
function gatewayStarted(context, run) {
  const { dialect, upstream, version } = run;
  context.recorder.record(0, { type: "gateway.start", dialect, upstream, mode: context.mode, version });
}
function gatewayStopped(context, reason) {
  context.recorder.record(0, { type: "gateway.stop", reason });
  context.recorder.flush();
}

// src/gateway/tls-certificate.ts
import { execFile } from "node:child_process";
import { generateKeyPair } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { promisify } from "node:util";
async function generateKeys() {
  const { privateKey, publicKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  return {
    privateKey,
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString()
  };
}
async function selfSignedCertificate(privatePem) {
  const dir = await mkdtemp(join(tmpdir(), "guardrail-gw-"));
  try {
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    await writeFile(keyFile, privatePem, { mode: 384 });
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-new",
      "-key",
      keyFile,
      "-days",
      "2",
      "-subj",
      "/CN=guardrail gateway",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
      "-out",
      certFile
    ]);
    return await readFile(certFile, "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
async function clientTls(option, privatePem) {
  if (option) return { context: createSecureContext(option), certificate: option.cert };
  if (option === false) return { unavailable: "disabled by configuration" };
  try {
    const key = await privatePem();
    const certificate = await selfSignedCertificate(key);
    return { context: createSecureContext({ key, cert: certificate }), certificate };
  } catch (err) {
    return { unavailable: `no certificate: ${err.message}` };
  }
}

// src/errors/wire-errors.ts
var ProtocolError = class extends GuardrailError {
  constructor(message, sqlState = "08P01", options) {
    super(message, options);
    this.sqlState = sqlState;
  }
  sqlState;
  static code = "ERR_PROTOCOL_MALFORMED";
};
var UpstreamError = class extends GuardrailError {
  constructor(message, sqlState, errno) {
    super(message);
    this.sqlState = sqlState;
    this.errno = errno;
  }
  sqlState;
  errno;
  static code = "ERR_UPSTREAM_FAILED";
};

// src/gateway/recent-decodes.ts
var WAYS = 8;
var RecentDecodes = class {
  /** @param decode reads the message `buf[start, end)`; it is called only for bytes not seen lately. */
  constructor(decode) {
    this.decode = decode;
  }
  decode;
  keys = [];
  values = [];
  get(buf, start, end) {
    const { keys } = this;
    const length = end - start;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (key.length === length && buf.compare(key, 0, length, start, end) === 0) return this.values[k];
    }
    const value = this.decode(buf, start, end);
    if (keys.length === WAYS) {
      keys.shift();
      this.values.shift();
    }
    keys.push(Buffer.from(buf.subarray(start, end)));
    this.values.push(value);
    return value;
  }
};

// src/gateway/strict.ts
var POSITION_WORDS = {
  expression: "an expression",
  "function argument": "a function argument",
  predicate: "a predicate",
  join: "a join condition",
  "ORDER BY": "an ORDER BY",
  "GROUP BY": "a GROUP BY",
  window: "a window",
  "write elsewhere": "a value written elsewhere"
};
function strictFindings(uses) {
  const byColumn = /* @__PURE__ */ new Map();
  for (const u of uses) {
    const at = byColumn.get(u.column) ?? /* @__PURE__ */ new Set();
    at.add(u.position);
    byColumn.set(u.column, at);
  }
  return [...byColumn].map(
    ([column, at]) => finding(
      "exfiltration/masked-column-use",
      [column],
      `masking strict mode: masked column ${column} is used in ${[...at].map((p) => POSITION_WORDS[p]).join(", ")}; only selecting it as is is allowed`
    )
  );
}

export {
  openSession,
  gatewayStarted,
  gatewayStopped,
  generateKeys,
  clientTls,
  ProtocolError,
  UpstreamError,
  RecentDecodes,
  strictFindings
};
