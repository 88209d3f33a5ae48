// One error family for the whole project (in the manner of jose's JOSEError): every error the
// project throws on purpose is a GuardrailError whose `code` names what went wrong. A subclass
// exists only where callers branch on it (`instanceof`) or it carries fields of its own; it fixes
// its code on the class (`PolicyError.code`), and the instance carries the same (`err.code`).
// Anything else is thrown as `new GuardrailError(message, { code })`. Callers branch on `code`
// (or `instanceof`), never on message text; messages are for people.

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
  | 'ERR_BROKER_SETUP'
  /** SQL text the Postgres parser rejects (`position`: where). */
  | 'ERR_SQL_SYNTAX'
  /** The Postgres parser was called before `loadPostgresParser()` finished. */
  | 'ERR_PARSER_NOT_LOADED'
  /** SQL text a scanner cannot split into tokens (an unterminated literal or comment, a NUL). */
  | 'ERR_SQL_LEX'
  /** A statement or call the analyzer cannot prove free of side effects. */
  | 'ERR_NOT_PROVABLY_PURE'
  /** An estimate needs values a prepared statement has not been given yet. */
  | 'ERR_VALUES_PENDING'
  /** An impact probe did not run as planned. */
  | 'ERR_IMPACT_PROBE'
  /** A time budget ran out (impact probes, approval polling). */
  | 'ERR_DEADLINE_REACHED'
  /** A value or a query's lineage could not be masked: the data is withheld. */
  | 'ERR_MASKING_REFUSED'
  /** The policy's masking section is unusable. */
  | 'ERR_MASKING_CONFIG'
  /** The transcript cannot be written: the gateway stops accepting statements. */
  | 'ERR_TRANSCRIPT_WRITE'
  /** A transcript that cannot be read back (a line that is not JSON). */
  | 'ERR_TRANSCRIPT_MALFORMED'
  /** A peer sent bytes the wire protocol does not allow, or the connection failed mid-exchange. */
  | 'ERR_PROTOCOL_MALFORMED'
  /** The upstream database answered with an error, or could not be reached. */
  | 'ERR_UPSTREAM_FAILED'
  /** The side connection (impact estimates, catalog reads) is down. */
  | 'ERR_SIDE_CONNECTION'
  /** A catalog look-up a statement needs cannot be made (a name the query cannot carry safely). */
  | 'ERR_CATALOG_READ'
  /** The upstream URL or its TLS settings are unusable. */
  | 'ERR_UPSTREAM_CONFIG'
  /** The daemon's config or ready file does not hold what the other side needs. */
  | 'ERR_DAEMON_CONTRACT'
  /** The gateway daemon could not be started, signalled or stopped. */
  | 'ERR_DAEMON_PROCESS'
  /** An action input that does not validate. */
  | 'ERR_ACTION_INPUT'
  /** What the action needs from its runner is missing (environment, saved state, token, files). */
  | 'ERR_ACTION_ENVIRONMENT'
  /** The step was cancelled (a signal). */
  | 'ERR_CANCELLED'
  /** A migration batch was not approved. */
  | 'ERR_BATCH_NOT_APPROVED'
  /** Something an approval channel needs is unusable (repository name, report size, API answer). */
  | 'ERR_APPROVALS'
  /** A command line the CLI cannot run (unknown option, missing value). */
  | 'ERR_USAGE'
  /** git cannot read the base revision `guardrail check --base` names. */
  | 'ERR_BASE_REF'
  /** `guardrail check` cannot read a migration file or directory. */
  | 'ERR_CHECK_READ'
  /** `guardrail replay --against` cannot replay this transcript against that URL. */
  | 'ERR_REPLAY_TARGET'
  /** The demo's throwaway database could not be started. */
  | 'ERR_DEMO_DATABASE';

export interface GuardrailErrorOptions extends ErrorOptions {
  /** The code of this error; a subclass fixes its own on the class. */
  code?: GuardrailErrorCode;
}

export class GuardrailError extends Error {
  /** A base-class error without a code of its own is a bug: the message says what went wrong. */
  static readonly code: GuardrailErrorCode | 'ERR_GUARDRAIL' = 'ERR_GUARDRAIL';
  readonly code: GuardrailErrorCode | 'ERR_GUARDRAIL';

  constructor(message: string, options?: GuardrailErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? (new.target as typeof GuardrailError).code;
  }
}

/** Errors of credential acquisition and revocation (src/credentials). */
export class CredentialsError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_CREDENTIALS';
}

/** The broker could not set up what a request needs (src/broker). */
export class BrokerSetupError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_BROKER_SETUP';
}

/** A time budget ran out: what was left undone is reported, not retried. */
export class DeadlineReached extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_DEADLINE_REACHED';

  constructor(message = 'time budget used up', options?: ErrorOptions) {
    super(message, options);
  }
}
