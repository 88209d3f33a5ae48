import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  error,
  finishRun,
  getInput,
  info,
  loadRunState,
  revokerFor,
  setFailed
} from "./chunk-UEFALDC3.js";
import {
  context
} from "./chunk-LK5F3IY5.js";
import "./chunk-ZCNM5CIL.js";
import "./chunk-5DUNQABF.js";
import "./chunk-UFPKOEU3.js";
import "./chunk-JYUWKEP5.js";

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
      eventPayload: context.payload
    },
    {
      revoke: state.provider ? revokerFor(state.provider) : async () => {
        throw new Error("the main step saved no credential settings to revoke with");
      }
    }
  );
  if (report.stopped?.wasRunning) info("guardrail: the gateway stopped.");
  if (report.revoked) info("guardrail: the database credentials were revoked.");
  if (report.artifact) info(`guardrail: transcript uploaded as artifact ${report.artifact.name}.`);
  const comment = report.reportComment;
  if (comment?.action === "skipped") info(`guardrail: no dry-run report comment: ${comment.reason}.`);
  else if (comment)
    info(`guardrail: dry-run report ${comment.action} on #${comment.pr}: ${comment.url}`);
  for (const problem of report.problems) error(problem);
  if (report.problems.length > 0)
    setFailed(`guardrail post step: ${report.problems.length} problem(s), see above`);
}
run().catch((err) => {
  setFailed(err instanceof Error ? err.message : String(err));
});
