// One error family for the whole project (in the manner of jose's JOSEError): every error the
// project throws on purpose is a GuardrailError whose `code` names what went wrong, the same
// string on the class (`PolicyError.code`) and on the instance (`err.code`). Callers branch on
// `code` (or `instanceof`), never on message text; messages are for people.
// Adopted so far by src/policy, src/credentials and src/broker.

export type GuardrailErrorCode =
  /** A policy file that does not validate (names the file, line and key). */
  | 'ERR_POLICY_INVALID'
  /** Credentials could not be acquired or revoked (bad DSN, unreachable service, bad answer). */
  | 'ERR_CREDENTIALS'
  /** A credential service answered with an error status. */
  | 'ERR_CREDENTIALS_HTTP'
  /** The job has no OIDC token to offer (`id-token: write` missing, fork PR). */
  | 'ERR_OIDC_UNAVAILABLE'
  /** The broker refuses a request; `reason` and `status` are what its HTTP answer carries. */
  | 'ERR_BROKER_REQUEST'
  /** The broker's configuration file does not validate. */
  | 'ERR_BROKER_CONFIG'
  /** A job's OIDC token failed verification, or its issuer could not be consulted. */
  | 'ERR_BROKER_TOKEN'
  /** The broker could not set up or find what a binding names (roles, role names, issuer). */
  | 'ERR_BROKER_SETUP';

export class GuardrailError extends Error {
  static readonly code: GuardrailErrorCode | 'ERR_GUARDRAIL' = 'ERR_GUARDRAIL';
  readonly code: GuardrailErrorCode | 'ERR_GUARDRAIL' = 'ERR_GUARDRAIL';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Errors of credential acquisition and revocation (src/credentials). */
export class CredentialsError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_CREDENTIALS';
  override readonly code: GuardrailErrorCode = 'ERR_CREDENTIALS';
}

/** The broker could not set up what a request needs (src/broker). */
export class BrokerSetupError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_BROKER_SETUP';
  override readonly code: GuardrailErrorCode = 'ERR_BROKER_SETUP';
}
