// Signs the transcript's digest with the job's own identity: a GitHub artifact attestation
// (Sigstore keyless: a short-lived Fulcio certificate for the workflow's OIDC identity, the
// signature witnessed by Rekor for public repositories or GitHub's timestamp authority for
// private ones, the bundle stored with the repository's attestations API). Anyone can then check
// who produced a transcript with `gh attestation verify transcript.jsonl -R owner/repo`, without
// trusting the artifact store. Runs in post.ts; a failure is reported, never a lost transcript.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attest } from '@actions/attest';
import { GuardrailError } from '../errors/guardrail-error.js';
import type { VerifyResult } from '../transcript/verify.js';

/** The in-toto predicate type of a transcript attestation. */
export const TRANSCRIPT_PREDICATE = 'https://github.com/guardrail-action/transcript/v1';
/** The Sigstore bundle, written beside the transcript so the artifact carries it too. */
export const BUNDLE_FILE = 'transcript.sigstore.json';

export interface TranscriptAttestation {
  /** sha256 hex of transcript.jsonl: the attestation's subject. */
  digest: string;
  /** The attestations API's id for it. */
  id?: string;
  /** Rekor's log index, for public repositories. */
  logIndex?: string;
}

/** Signs with @actions/attest; a test can hand in its own. */
export type Attester = typeof attest;

export async function attestTranscript(
  dir: string,
  opts: { token: string | undefined; verify: VerifyResult; attester?: Attester },
): Promise<TranscriptAttestation> {
  if (!opts.token)
    throw new GuardrailError('there is no github-token to store the attestation with', {
      code: 'ERR_ACTION_ENVIRONMENT',
    });
  const digest = createHash('sha256')
    .update(readFileSync(join(dir, 'transcript.jsonl')))
    .digest('hex');
  const signed = await (opts.attester ?? attest)({
    subjectName: 'transcript.jsonl',
    subjectDigest: { sha256: digest },
    predicateType: TRANSCRIPT_PREDICATE,
    // What the chain said when it was signed: its head and length pin its end.
    predicate: {
      lines: opts.verify.lines,
      chainIntact: opts.verify.ok,
      complete: opts.verify.complete ?? false,
      ...(opts.verify.head ? { head: opts.verify.head } : {}),
    },
    token: opts.token,
  });
  writeFileSync(join(dir, BUNDLE_FILE), JSON.stringify(signed.bundle), { mode: 0o600 });
  return {
    digest,
    ...(signed.attestationID !== undefined ? { id: String(signed.attestationID) } : {}),
    ...(signed.tlogID !== undefined ? { logIndex: String(signed.tlogID) } : {}),
  };
}
