// The action's post step, which the runner runs whether the job succeeded, failed or was
// cancelled: stop the gateway, revoke the credentials, write the job summary and upload the
// transcript. Every part runs even when another failed; any failure fails this step.
import * as core from '@actions/core';
import { context } from '@actions/github';
import { GuardrailError } from '../errors/guardrail-error.js';
import { revokerFor } from './credentials.js';
import { finishRun } from './lifecycle.js';
import { loadRunState } from './state.js';

async function run(): Promise<void> {
  const state = loadRunState();
  if (!state.runDir) {
    core.info('guardrail: the main step started nothing, so there is nothing to clean up.');
    return;
  }
  const env = process.env;
  const report = await finishRun(
    {
      runDir: state.runDir,
      ...(state.daemonPid ? { daemonPid: state.daemonPid } : {}),
      naming: {
        job: env.GITHUB_JOB ?? 'job',
        runId: env.GITHUB_RUN_ID ?? '0',
        runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
        transcriptName: core.getInput('transcript-name'),
      },
      eventPayload: context.payload,
      attest: shouldAttest(core.getInput('attest'), env),
    },
    {
      revoke: state.provider
        ? revokerFor(state.provider)
        : async () => {
            throw new GuardrailError('the main step saved no credential settings to revoke with', {
              code: 'ERR_ACTION_ENVIRONMENT',
            });
          },
    },
  );
  if (report.stopped?.wasRunning) core.info('guardrail: the gateway stopped.');
  if (report.revoked) core.info('guardrail: the database credentials were revoked.');
  const attested = report.attestation;
  if (attested && 'error' in attested)
    core.warning(`guardrail: the transcript was not attested: ${attested.error}`);
  else if (attested)
    core.info(
      `guardrail: transcript sha256 ${attested.digest} attested${attested.id ? ` (attestation ${attested.id})` : ''}.`,
    );
  if (report.artifact) core.info(`guardrail: transcript uploaded as artifact ${report.artifact.name}.`);
  const comment = report.reportComment;
  if (comment?.action === 'skipped') core.info(`guardrail: no dry-run report comment: ${comment.reason}.`);
  else if (comment)
    core.info(`guardrail: dry-run report ${comment.action} on #${comment.pr}: ${comment.url}`);
  for (const problem of report.problems) core.error(problem);
  if (report.problems.length > 0)
    core.setFailed(`guardrail post step: ${report.problems.length} problem(s), see above`);
}

/**
 * The `attest` input: `true`, `false`, or `auto` (default): when the job may ask for an OIDC token
 * (`permissions: id-token: write`), which keyless signing needs.
 */
function shouldAttest(input: string, env: NodeJS.ProcessEnv): boolean {
  if (input === 'true' || input === 'false') return input === 'true';
  return !!env.ACTIONS_ID_TOKEN_REQUEST_URL;
}

run().catch((err: unknown) => {
  core.setFailed(err instanceof Error ? err.message : String(err));
});
