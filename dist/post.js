import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  finishRun,
  loadRunState,
  revokerFor
} from "./chunk-MYJHPNKU.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-GNXYIVKR.js";
import "./chunk-PAFGMZGK.js";
import "./chunk-CP3RSTG4.js";
import "./chunk-BBBSTV4C.js";
import {
  error,
  getInput,
  info,
  setFailed,
  warning
} from "./chunk-WS4WGG4Y.js";
import {
  context
} from "./chunk-ZXLTHBZ6.js";
import "./chunk-D7GJ7SEI.js";
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";

// src/action/post.ts
async function run() {
  const state = loadRunState();
  if (!state.runDir) {
    info("guardrail: the main step started nothing, so there is nothing to clean up.");
    return;
  }
  const env = process.env;
  const report = await finishRun(
    {
      runDir: state.runDir,
      ...state.daemonPid ? { daemonPid: state.daemonPid } : {},
      naming: {
        job: env.GITHUB_JOB ?? "job",
        runId: env.GITHUB_RUN_ID ?? "0",
        runAttempt: env.GITHUB_RUN_ATTEMPT ?? "1",
        transcriptName: getInput("transcript-name")
      },
      eventPayload: context.payload,
      attest: shouldAttest(getInput("attest"), env)
    },
    {
      revoke: state.provider ? revokerFor(state.provider) : async () => {
        throw new GuardrailError("the main step saved no credential settings to revoke with", {
          code: "ERR_ACTION_ENVIRONMENT"
        });
      }
    }
  );
  if (report.stopped?.wasRunning) info("guardrail: the gateway stopped.");
  if (report.revoked) info("guardrail: the database credentials were revoked.");
  const attested = report.attestation;
  if (attested && "error" in attested)
    warning(`guardrail: the transcript was not attested: ${attested.error}`);
  else if (attested)
    info(
      `guardrail: transcript sha256 ${attested.digest} attested${attested.id ? ` (attestation ${attested.id})` : ""}.`
    );
  if (report.artifact) info(`guardrail: transcript uploaded as artifact ${report.artifact.name}.`);
  const comment = report.reportComment;
  if (comment?.action === "skipped") info(`guardrail: no dry-run report comment: ${comment.reason}.`);
  else if (comment)
    info(`guardrail: dry-run report ${comment.action} on #${comment.pr}: ${comment.url}`);
  for (const problem of report.problems) error(problem);
  if (report.problems.length > 0)
    setFailed(`guardrail post step: ${report.problems.length} problem(s), see above`);
}
function shouldAttest(input, env) {
  if (input === "true" || input === "false") return input === "true";
  return !!env.ACTIONS_ID_TOKEN_REQUEST_URL;
}
run().catch((err) => {
  setFailed(err instanceof Error ? err.message : String(err));
});
