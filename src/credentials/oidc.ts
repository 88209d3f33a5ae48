// The job's GitHub OIDC token. core.getIDToken reads ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN, which
// the runner sets only when the workflow grants `id-token: write` and the run is not a fork PR.
import * as core from '@actions/core';
import { CredentialsError, type GuardrailErrorCode } from '../errors/guardrail-error.js';

export class OidcUnavailableError extends CredentialsError {
  static override readonly code: GuardrailErrorCode = 'ERR_OIDC_UNAVAILABLE';
}

export interface IdTokenOptions {
  attempts?: number;
  /** Delay before the second attempt; doubled for each further one. */
  backoffMs?: number;
  /** Replaceable for the CLI; the action uses @actions/core. */
  getIDToken?: (audience: string) => Promise<string>;
}

const MISSING = [
  'this job cannot get a GitHub OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL is not set.',
  'Add `permissions: { id-token: write }` to the workflow or the job.',
  'Runs for pull requests from forks never get a token; `pull_request_target` gets one but runs',
  "with the base repository's secrets, so use it only with care (never check out and run the",
  "fork's code there). For a dry run without the broker, use `credentials: static` with a",
  'secret DSN of a throwaway or read-only database.',
].join(' ');

/** Fetches the job's ID token for `audience`, retrying transient failures with backoff. */
export async function fetchIdToken(audience: string, opts: IdTokenOptions = {}): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new OidcUnavailableError(MISSING);
  }
  const attempts = opts.attempts ?? 4;
  const get = opts.getIDToken ?? ((aud: string) => core.getIDToken(aud));
  let delay = opts.backoffMs ?? 1000;
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      return await get(audience);
    } catch (err) {
      last = err;
      if (i < attempts) {
        await new Promise((r) => setTimeout(r, delay));
        delay *= 2;
      }
    }
  }
  const reason = last instanceof Error ? last.message.replace(/\s+/g, ' ').trim() : String(last);
  throw new CredentialsError(
    `could not get the job's OIDC token for audience "${audience}" after ${attempts} attempts: ${reason}`,
  );
}
