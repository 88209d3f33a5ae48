// Runtime shapes of the policy's `masking:` section and the error every masking step throws.
// The policy module validates the YAML and produces a MaskingConfig; `compileMasking` then
// rejects what only masking can judge (detector names, custom regexes).
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';

/** Built-in value detectors; `detectors:` in the policy enables a subset (default: all). */
export const DETECTOR_NAMES = [
  'email',
  'credit-card',
  'us-ssn',
  'iban',
  'jwt',
  'private-key',
  'aws-key',
  'gcp-key',
  'azure-key',
  'github-token',
  'slack-token',
  'bearer-token',
  'credential-field',
] as const;

export type DetectorName = (typeof DETECTOR_NAMES)[number];

export interface CustomDetectorConfig {
  name: string;
  pattern: string;
}

export interface MaskingConfig {
  /** Column patterns: `schema.table.column`, `table.column` or `column`; `*` globs within a part. */
  columns: string[];
  /** Built-in detectors to run; undefined means all of them. */
  detectors?: DetectorName[] | string[];
  custom?: CustomDetectorConfig[];
  /** Mask result rows on the wire too, not only in the transcript. */
  onWire: boolean;
  /** What a masked text value becomes. */
  replacement: string;
  /** A masked column may only be selected as is; any other use is held for review. */
  strict?: boolean;
}

export const DEFAULT_REPLACEMENT = '[masked]';

/**
 * A value could not be masked or a query's lineage could not be judged. The gateway turns it into
 * a protocol error for the client; the data it was about is withheld, never forwarded.
 */
export class MaskingError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_MASKING_REFUSED';
}

/** The masking section of the policy is unusable; the gateway must not start. */
export class MaskingConfigError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_MASKING_CONFIG';
}
