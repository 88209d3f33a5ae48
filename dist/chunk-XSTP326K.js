import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));

// src/gateway/handle.ts
var DEFAULT_MAX_CLIENTS = 50;
function tooManyClients(max) {
  return `guardrail: too many clients (the gateway serves at most ${max} connections at once; raise max-connections or use fewer)`;
}

// src/gateway/refusal.ts
function refusal(kind, reason) {
  return { kind, message: `guardrail: ${reason}` };
}
var INSUFFICIENT_PRIVILEGE = { sqlState: "42501" };
var PROTOCOL_VIOLATION = { sqlState: "08P01" };
var POSTGRES_REFUSALS = {
  "policy-deny": INSUFFICIENT_PRIVILEGE,
  "approval-denied": INSUFFICIENT_PRIVILEGE,
  "approval-timeout": INSUFFICIENT_PRIVILEGE,
  "approval-failed": INSUFFICIENT_PRIVILEGE,
  "transcript-failure": INSUFFICIENT_PRIVILEGE,
  "masking-refused": INSUFFICIENT_PRIVILEGE,
  unjudgeable: INSUFFICIENT_PRIVILEGE,
  malformed: PROTOCOL_VIOLATION
};
var TABLE_ACCESS_DENIED = { errno: 1142, sqlState: "42000" };
var MALFORMED_PACKET = { errno: 1835, sqlState: "08S01" };
var MYSQL_REFUSALS = {
  "policy-deny": TABLE_ACCESS_DENIED,
  "approval-denied": TABLE_ACCESS_DENIED,
  "approval-timeout": TABLE_ACCESS_DENIED,
  "approval-failed": TABLE_ACCESS_DENIED,
  "transcript-failure": TABLE_ACCESS_DENIED,
  "masking-refused": TABLE_ACCESS_DENIED,
  unjudgeable: TABLE_ACCESS_DENIED,
  malformed: MALFORMED_PACKET
};

// src/gateway/session-approval.ts
import { randomBytes } from "node:crypto";
function requestId() {
  return `gr-${randomBytes(4).toString("hex")}`;
}
function rulesOf(findings) {
  return [...new Set(findings.map((f) => f.rule))].join(", ");
}
var SessionApprovals = class {
  constructor(gateway, analysisContext, record) {
    this.gateway = gateway;
    this.analysisContext = analysisContext;
    this.record = record;
  }
  gateway;
  analysisContext;
  record;
  /** Approval waits in flight: ending the session aborts them, so their comments say so. */
  waiting = /* @__PURE__ */ new Set();
  /**
   * Batch pre-approval covers a statement when every part of it that needs review on its own
   * was approved by hash (`guardrail check` lists only those parts); parts that are allowed on
   * their own need no approval.
   */
  preapproved(statement, analysis) {
    const { preapproved, decide } = this.gateway;
    if (preapproved.size === 0) return false;
    const needing = analysis.statements.filter(
      (s) => decide(
        {
          findings: s.findings,
          readOnly: s.readOnly,
          opaque: s.opaque,
          canonical: s.canonical,
          hash: s.hash,
          statements: [s]
        },
        statement
      ).action !== "allow"
    );
    return needing.length > 0 && needing.every((s) => preapproved.has(s.hash));
  }
  async await(statement, analysis, verdict, impact) {
    const channel = this.gateway.approvals;
    const id = requestId();
    if (!channel) {
      return {
        approved: false,
        refusal: refusal(
          "approval-failed",
          `needs approval (${rulesOf(verdict.reasons)}) but no approval channel is configured: ${verdict.reasons[0]?.message ?? ""}`
        )
      };
    }
    const deadline = new Date(Date.now() + this.gateway.approvalTimeoutMs);
    this.record({
      type: "approval.requested",
      id: statement.id,
      requestId: id,
      channel: channel.name,
      deadline: deadline.toISOString()
    });
    this.gateway.recorder.flush();
    const abort = new AbortController();
    this.waiting.add(abort);
    const timer = setTimeout(
      () => abort.abort(new Error("approval timed out")),
      this.gateway.approvalTimeoutMs + 1e3
    );
    let outcome;
    try {
      outcome = await channel.request(
        {
          id,
          batch: false,
          statements: analysis.statements.map((s) => ({
            text: this.gateway.redact(s.text, this.analysisContext),
            hash: s.hash,
            findings: s.findings,
            ...impact ? { impact } : {}
          })),
          database: { dialect: this.gateway.dialect, ...this.gateway.database },
          job: this.gateway.job ?? localJob(),
          deadline
        },
        abort.signal
      );
    } catch (err) {
      outcome = {
        decision: "error",
        by: [],
        reason: err.message,
        decidedAt: (/* @__PURE__ */ new Date()).toISOString()
      };
    } finally {
      clearTimeout(timer);
      this.waiting.delete(abort);
    }
    const approvedHashes = new Set(outcome.hashes ?? []);
    if (outcome.decision === "approved" && !analysis.statements.every((s) => approvedHashes.has(s.hash))) {
      outcome = { ...outcome, decision: "error", reason: "the approval does not name this statement hash" };
    }
    this.record({
      type: "approval.decided",
      id: statement.id,
      requestId: id,
      outcome: outcome.decision,
      by: outcome.by,
      ...outcome.reason ? { reason: outcome.reason } : {},
      ...outcome.url ? { url: outcome.url } : {},
      ...outcome.ignored?.length ? { ignored: outcome.ignored.map((i) => ({ login: i.login, verb: i.verb, reason: i.reason })) } : {},
      ...outcome.voided?.length ? { voided: outcome.voided } : {}
    });
    if (outcome.decision === "approved") return { approved: true };
    const [kind, why] = outcome.decision === "denied" ? [
      "approval-denied",
      // Nobody named: the channel itself said no (no approver reachable); its reason says why.
      outcome.by.length ? `denied by ${outcome.by.join(", ")}${outcome.reason ? `: ${outcome.reason}` : ""}` : `denied: ${outcome.reason ?? "no reason given"}`
    ] : outcome.decision === "timeout" ? ["approval-timeout", "no approval before the deadline"] : ["approval-failed", `approval failed: ${outcome.reason ?? "unknown error"}`];
    return {
      approved: false,
      refusal: refusal(kind, `held for approval ${id} (${rulesOf(verdict.reasons)}) and not run: ${why}`)
    };
  }
  /** The session ended: every wait in flight is aborted. */
  abortAll(reason) {
    for (const abort of this.waiting) abort.abort(new Error(`the session ended: ${reason}`));
  }
};
function localJob() {
  return {
    repository: "local",
    serverUrl: "",
    runId: "0",
    runAttempt: "1",
    job: "local",
    workflow: "local",
    ref: "",
    sha: "",
    actor: process.env.USER ?? "unknown",
    eventName: "local"
  };
}

export {
  DEFAULT_MAX_CLIENTS,
  tooManyClients,
  refusal,
  POSTGRES_REFUSALS,
  MYSQL_REFUSALS,
  requestId,
  rulesOf,
  SessionApprovals
};
