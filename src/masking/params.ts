// Bind parameters as recorded in the transcript: every value through the detectors. Binary
// values that are valid UTF-8 text are treated as text; other bytes are summarised, not copied.
import type { ValueDetectors } from './detectors.js';
import { REDACTED_VALUE } from './message.js';
import { SECRET_NAME } from './statement.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array): string | undefined {
  try {
    const text = utf8.decode(bytes);
    // Control characters other than whitespace mean binary data, not text.
    return /[\0-\x08\x0e-\x1f]/.test(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

export function redactParam(value: unknown, detectors: ValueDetectors): unknown {
  if (value === null || value === undefined || typeof value === 'boolean') return value ?? null;
  if (typeof value === 'string') return detectors.redact(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    if (detectors.detects(text)) return detectors.redact(text);
    // JSON (the transcript) has no bigint.
    return typeof value === 'bigint' ? text : value;
  }
  if (value instanceof Uint8Array) {
    const text = asText(value);
    return text === undefined ? `[binary ${value.byteLength} bytes]` : detectors.redact(text);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  // Arrays and JSON objects: judged and recorded as their JSON text.
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return json === undefined ? `[${typeof value}]` : detectors.redact(json);
}

/** `secret`: indexes of parameters bound to secret positions, withheld whole whatever they hold. */
export function redactParams(
  params: readonly unknown[],
  detectors: ValueDetectors,
  secret?: ReadonlySet<number>,
): unknown[] {
  return params.map((p, i) =>
    secret?.has(i) && p !== null && p !== undefined ? REDACTED_VALUE : redactParam(p, detectors),
  );
}

/** A parameter's value as text, to be found again where the server echoes it. */
export function paramText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value instanceof Uint8Array) return asText(value);
  return undefined;
}

/** The transcript's rows sample with the values of columns whose names mark them secret withheld. */
export function redactSecretColumns(columns: readonly string[], sample: unknown[][]): unknown[][] {
  const secret = columns.map((c) => SECRET_NAME.test(c));
  if (!secret.includes(true)) return sample;
  return sample.map((row) => row.map((v, i) => (secret[i] && v !== null ? REDACTED_VALUE : v)));
}
