// The action's main step: validate the inputs and the policy, acquire the job's database
// credentials, put the migration's risky statements up for approval, start the gateway daemon and
// publish how to reach it. Each stage saves what post needs to undo it before it acts, so post can
// clean up whichever stage this step failed or was cancelled in.
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { GitHubChannel } from '../approvals/github.js';
import { createCredentialProvider } from '../credentials/provider.js';
import type { Lease } from '../credentials/types.js';
import { GuardrailError } from '../errors/guardrail-error.js';
import type { DaemonConfig } from '../gateway/daemon-contract.js';
import { loadPolicy } from '../gateway/policy-file.js';
import { DEFAULT_POLICY_PATH, defaultPolicy } from '../policy/index.js';
import type { Policy } from '../policy/types.js';
import { pullRequestBase } from './base-ref.js';
import { providerConfig, savedProvider } from './credentials.js';
import { makeRunDir, runPaths, writeDaemonConfig } from './daemon-launcher.js';
import { type ActionInputs, readInputs } from './inputs.js';
import { jobInfoFromEnv, startGateway } from './lifecycle.js';
import { expandMigrations, preapprove } from './migrations.js';
import { saveProvider, saveRunDir } from './state.js';

function readPolicy(inputs: ActionInputs): Policy {
  if (inputs.policy.exists) return loadPolicy(inputs.policy.path);
  core.notice(`No policy file at ${DEFAULT_POLICY_PATH}: using the built-in default policy.`);
  return defaultPolicy();
}

function maskLease(lease: Lease): void {
  core.setSecret(lease.password);
  const encoded = encodeURIComponent(lease.password);
  if (encoded !== lease.password) core.setSecret(encoded);
  for (const value of Object.values(lease.revocation ?? {})) {
    // The broker URL travels in the same record; it is not a secret.
    if (!/^https?:\/\//.test(value)) core.setSecret(value);
  }
}

async function run(): Promise<void> {
  const inputs = readInputs();
  const policy = readPolicy(inputs);
  const job = jobInfoFromEnv();
  const runDir = makeRunDir(process.env.RUNNER_TEMP || tmpdir());
  saveRunDir(runDir);
  const paths = runPaths(runDir);

  const credentials = providerConfig(inputs);
  saveProvider(savedProvider(credentials));
  const lease = await createCredentialProvider(credentials).acquire({
    repository: job.repository,
    runId: job.runId,
    runAttempt: job.runAttempt,
    job: job.job,
    audience: inputs.audience,
    target: inputs.target,
  });
  maskLease(lease);
  const started = Date.now();
  const config: DaemonConfig = {
    version: 1,
    dialect: inputs.database,
    mode: inputs.mode ?? policy.mode,
    listen: { host: '127.0.0.1', port: inputs.listenPort, maxClients: inputs.maxConnections },
    upstream: { ...inputs.upstream, sslmode: inputs.upstreamSslMode },
    lease,
    policyPath: inputs.policy.exists ? inputs.policy.path : null,
    ...(inputs.approvalTimeoutMs ? { approvalTimeoutMs: inputs.approvalTimeoutMs } : {}),
    ...(inputs.githubToken ? { githubToken: inputs.githubToken } : {}),
    preapproved: [],
    job,
    transcriptPath: paths.transcript,
    readyPath: paths.ready,
  };
  // Written now, so post can revoke the lease even if the approval below fails or is cancelled.
  writeDaemonConfig(runDir, config);

  // Time spent waiting for people to approve is not start-up time.
  let waitedMs = 0;
  if (inputs.migrations.length > 0) {
    const asked = Date.now();
    config.preapproved = await preapproveMigrations(inputs, policy, config);
    waitedMs = Date.now() - asked;
  }

  const launched = await startGateway(runDir, config, {
    script: join(dirname(fileURLToPath(import.meta.url)), 'daemon.js'),
    exportEnv: inputs.exportEnv,
  });
  core.info(
    `guardrail ${inputs.database} gateway ready at ${launched.ready.host}:${launched.ready.port} (pid ${launched.pid}), ${Date.now() - started - waitedMs} ms after the credentials arrived`,
  );
}

async function preapproveMigrations(
  inputs: ActionInputs,
  policy: Policy,
  config: DaemonConfig,
): Promise<string[]> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const { paths, unmatched } = expandMigrations(inputs.migrations, workspace);
  for (const glob of unmatched) core.warning(`migrations: '${glob}' matches no file`);
  if (paths.length === 0) return [];
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals) =>
    cancel.abort(new GuardrailError(`the step received ${signal}`, { code: 'ERR_CANCELLED' }));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const base = pullRequestBase({ env: process.env, cwd: workspace, log: core });
    const result = await preapprove({
      paths,
      ...(base ? { base } : {}),
      dialect: inputs.database,
      policy,
      ...(inputs.githubToken
        ? {
            channel: new GitHubChannel({
              token: inputs.githubToken,
              policy: policy.approvals,
              log: core.info,
            }),
          }
        : {}),
      job: config.job,
      database: {
        dialect: inputs.database,
        name: config.lease.database,
        host: `${config.lease.host}:${config.lease.port}`,
        role: config.lease.username,
      },
      timeoutMs: inputs.approvalTimeoutMs ?? policy.approvals.timeoutMs,
      signal: cancel.signal,
      log: { info: core.info, warning: core.warning },
    });
    return result.hashes;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

run().catch((err: unknown) => {
  core.setFailed(err instanceof Error ? err.message : String(err));
});
