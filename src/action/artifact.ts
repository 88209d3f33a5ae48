// Uploads the transcript as a workflow artifact. Runs in post.ts: ACTIONS_RUNTIME_TOKEN and
// ACTIONS_RESULTS_URL are given to JavaScript actions only, never to `run:` steps.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DefaultArtifactClient } from '@actions/artifact';
import { GuardrailError } from '../errors/guardrail-error.js';

/** Files that go into the artifact, in this order, when they exist in the run directory. */
export const TRANSCRIPT_FILES = ['transcript.jsonl', 'transcript.html', 'transcript.sigstore.json'] as const;

export interface ArtifactNaming {
  /** The `transcript-name` input; empty for the default prefix. */
  transcriptName?: string;
  /** GITHUB_JOB: the job's id in the workflow. */
  job: string;
  runId: string;
  runAttempt: string;
}

/**
 * Artifact names are unique per workflow run, so the name carries the job and the attempt:
 * two jobs of one run, or a re-run, never collide with an earlier upload. A matrix job shares
 * GITHUB_JOB across its legs, so matrix workflows set `transcript-name` per leg.
 */
export function artifactName(n: ArtifactNaming): string {
  const chosen = n.transcriptName?.trim();
  return chosen
    ? `${chosen}-${n.job}-${n.runAttempt}`
    : `guardrail-transcript-${n.job}-${n.runId}-${n.runAttempt}`;
}

/** The subset of DefaultArtifactClient this module uses; tests pass the real client. */
export interface ArtifactUploader {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: { retentionDays?: number },
  ): Promise<{ id?: number; size?: number; digest?: string }>;
}

export interface UploadedTranscript {
  name: string;
  id?: number;
  size?: number;
  digest?: string;
  files: string[];
}

/**
 * Uploads transcript.jsonl (required) and transcript.html (when rendered) from `dir`.
 * Throws when the transcript is missing: a run without its record must not look successful.
 */
export async function uploadTranscript(
  dir: string,
  name: string,
  options: { retentionDays?: number; client?: ArtifactUploader } = {},
): Promise<UploadedTranscript> {
  const files = TRANSCRIPT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  if (!files.some((f) => basename(f) === 'transcript.jsonl')) {
    throw new GuardrailError(`no transcript to upload: ${join(dir, 'transcript.jsonl')} does not exist`, {
      code: 'ERR_ACTION_ENVIRONMENT',
    });
  }
  const client = options.client ?? new DefaultArtifactClient();
  const result = await client.uploadArtifact(
    name,
    files,
    dir,
    options.retentionDays ? { retentionDays: options.retentionDays } : {},
  );
  return { name, ...result, files: files.map((f) => basename(f)) };
}
