// The two halves of a gateway run as main.ts and post.ts call them. main: write the config, start
// the daemon, publish the connection. post: stop the daemon, revoke the lease, render and upload
// the transcript, write the job summary, remove the files that hold secrets. Post does each part
// even when an earlier one failed, and reports every failure.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportCommentResult } from '../approvals/report.js';
import type { JobInfo } from '../approvals/types.js';
import type { Lease } from '../credentials/types.js';
import { GuardrailError } from '../errors/guardrail-error.js';
import { type DaemonConfig, parseReady, type ReadyInfo, RUN_FILES } from '../gateway/daemon-contract.js';
import { readTranscript } from '../transcript/read.js';
import { renderHtml } from '../transcript/render-html.js';
import { type VerifyResult, verifyTranscript } from '../transcript/verify.js';
import {
  type ArtifactNaming,
  type ArtifactUploader,
  artifactName,
  type UploadedTranscript,
  uploadTranscript,
} from './artifact.js';
import type { Attester, TranscriptAttestation } from './attest.js';
import {
  type Launched,
  launchDaemon,
  type Stopped,
  stopDaemon,
  writeDaemonConfig,
} from './daemon-launcher.js';
import { publishConnection, publishTranscriptHead } from './outputs.js';
import { isDryRun, postReport, renderReport } from './report.js';
import { saveDaemonPid, saveReady } from './state.js';
import { renderSummary, SUMMARY_LIMIT_BYTES, writeSummary } from './summary.js';

/** The job as the runner describes it in GITHUB_* variables. */
export function jobInfoFromEnv(env: NodeJS.ProcessEnv = process.env): JobInfo {
  const need = (name: string): string => {
    const v = env[name];
    if (!v)
      throw new GuardrailError(`${name} is not set: not running inside GitHub Actions?`, {
        code: 'ERR_ACTION_ENVIRONMENT',
      });
    return v;
  };
  return {
    repository: need('GITHUB_REPOSITORY'),
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    runId: need('GITHUB_RUN_ID'),
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    job: need('GITHUB_JOB'),
    workflow: env.GITHUB_WORKFLOW ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
  };
}

/**
 * Writes the config into `runDir` (already saved in state), starts the daemon, saves its pid as
 * soon as it exists, and publishes the connection once it is ready.
 */
export async function startGateway(
  runDir: string,
  config: DaemonConfig,
  opts: { script: string; exportEnv: boolean; timeoutMs?: number },
): Promise<Launched> {
  const configPath = writeDaemonConfig(runDir, config);
  const launched = await launchDaemon(configPath, {
    script: opts.script,
    onSpawn: saveDaemonPid,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  publishConnection(launched.ready, config.dialect, {
    exportEnv: opts.exportEnv,
    transcriptPath: config.transcriptPath,
  });
  saveReady();
  return launched;
}

export interface FinishOptions {
  runDir: string;
  daemonPid?: number;
  naming: ArtifactNaming;
  stopTimeoutMs?: number;
  retentionDays?: number;
  /** The triggering event's webhook payload: the dry-run report's pull request comes from it. */
  eventPayload?: unknown;
  /** Sign the transcript's digest with the job's identity (a GitHub artifact attestation). */
  attest?: boolean;
}

export interface FinishDeps {
  /** Gives the upstream lease back (the credential provider's revoke). */
  revoke(lease: Lease): Promise<void>;
  uploader?: ArtifactUploader;
  attester?: Attester;
}

export interface FinishReport {
  stopped?: Stopped;
  revoked: boolean;
  verify?: VerifyResult;
  /** The transcript's attestation, or why there is none (a warning, not a problem). */
  attestation?: TranscriptAttestation | { error: string };
  artifact?: UploadedTranscript;
  summaryWritten: boolean;
  /** Dry runs: what became of the report comment on the pull request. */
  reportComment?: ReportCommentResult;
  /** Every part that failed, as a sentence; post.ts fails the step when this is not empty. */
  problems: string[];
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

export async function finishRun(opts: FinishOptions, deps: FinishDeps): Promise<FinishReport> {
  const report: FinishReport = { revoked: false, summaryWritten: false, problems: [] };
  const fail = (what: string, err: unknown) =>
    report.problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  const configPath = join(opts.runDir, RUN_FILES.config);
  const readyPath = join(opts.runDir, RUN_FILES.ready);
  const transcriptPath = join(opts.runDir, RUN_FILES.transcript);
  const htmlPath = join(opts.runDir, RUN_FILES.html);

  let config: DaemonConfig | undefined;
  let ready: ReadyInfo | undefined;
  try {
    config = readJson<DaemonConfig>(configPath);
    const raw = readJson<unknown>(readyPath);
    ready = raw === undefined ? undefined : parseReady(raw);
  } catch (err) {
    fail('reading the run directory', err);
  }
  try {
    if (opts.daemonPid) {
      // The transcript is complete only once the daemon has exited.
      try {
        report.stopped = await stopDaemon(opts.daemonPid, opts.stopTimeoutMs);
        if (report.stopped.forced) {
          report.problems.push('the gateway ignored SIGTERM and was killed; the transcript may end early');
        }
      } catch (err) {
        fail('stopping the gateway', err);
      }
    }
    if (config?.lease) {
      try {
        await deps.revoke(config.lease);
        report.revoked = true;
      } catch (err) {
        fail('revoking the database credentials', err);
      }
    }

    let lines: ReturnType<typeof readTranscript>['lines'] = [];
    if (existsSync(transcriptPath)) {
      try {
        const text = readFileSync(transcriptPath, 'utf8');
        report.verify = verifyTranscript(text);
        if (report.verify.head) publishTranscriptHead(report.verify.head, report.verify.lines);
        if (!report.verify.ok) {
          report.problems.push(
            `the transcript's hash chain is broken at line ${report.verify.brokenAt}: ${report.verify.reason}`,
          );
        } else if (report.verify.complete === false) {
          report.problems.push(
            'the transcript ends without gateway.stop: the gateway did not shut down cleanly',
          );
        }
        lines = readTranscript(text).lines;
        if (!existsSync(htmlPath)) {
          writeFileSync(
            htmlPath,
            renderHtml(lines, { title: `guardrail transcript ${opts.naming.job}`, verify: report.verify }),
            { mode: 0o600 },
          );
        }
      } catch (err) {
        fail('reading the transcript', err);
      }
      if (opts.attest && report.verify) {
        try {
          // Loaded only here: the signing stack is large and main.ts shares this module.
          const { attestTranscript } = await import('./attest.js');
          report.attestation = await attestTranscript(opts.runDir, {
            token: config?.githubToken,
            verify: report.verify,
            ...(deps.attester ? { attester: deps.attester } : {}),
          });
        } catch (err) {
          report.attestation = { error: err instanceof Error ? err.message : String(err) };
        }
      }
      try {
        report.artifact = await uploadTranscript(opts.runDir, artifactName(opts.naming), {
          ...(opts.retentionDays ? { retentionDays: opts.retentionDays } : {}),
          ...(deps.uploader ? { client: deps.uploader } : {}),
        });
      } catch (err) {
        fail('uploading the transcript', err);
      }
    } else if (config && opts.daemonPid) {
      // A daemon was started; without one (main failed before it) there is nothing to record.
      report.problems.push(`no transcript was written (${transcriptPath})`);
    }

    if (config) {
      const secrets = [ready?.password, config.lease?.password, config.githubToken].filter(
        (s): s is string => !!s,
      );
      let dryRun = '';
      if (isDryRun(lines, config.mode)) {
        try {
          dryRun = renderReport({ lines, dialect: config.dialect, job: config.job, secrets });
        } catch (err) {
          fail('rendering the dry-run report', err);
        }
      }
      try {
        const summary = renderSummary({
          lines,
          // The dry-run report is appended: both share the step's summary limit.
          maxBytes: SUMMARY_LIMIT_BYTES - Buffer.byteLength(dryRun),
          verify: report.verify ?? { ok: false, lines: 0, brokenAt: 1, reason: 'no transcript' },
          standingCredential: config.lease?.standing ?? false,
          secrets,
          ...(report.attestation ? { attestation: report.attestation } : {}),
          ...(report.artifact
            ? {
                artifact: {
                  name: report.artifact.name,
                  ...(report.artifact.id !== undefined ? { id: report.artifact.id } : {}),
                },
              }
            : {}),
        });
        await writeSummary(dryRun ? `${summary}\n${dryRun}` : summary);
        report.summaryWritten = true;
      } catch (err) {
        fail('writing the job summary', err);
      }
      if (dryRun) {
        try {
          report.reportComment = await postReport({
            job: config.job,
            report: dryRun,
            payload: opts.eventPayload,
            ...(config.githubToken ? { token: config.githubToken } : {}),
          });
        } catch (err) {
          fail('posting the dry-run report on the pull request', err);
        }
      }
    }
  } finally {
    // They hold the lease, the token and the gateway password; the transcript holds none.
    rmSync(configPath, { force: true });
    rmSync(readyPath, { force: true });
  }
  return report;
}
