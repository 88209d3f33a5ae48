// Bind parameters as recorded in the transcript: every value through the detectors. Binary
// values that are valid UTF-8 text are treated as text; other bytes are summarised, not copied.
import type { ValueDetectors } from './detectors.js';

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

export function redactParams(params: readonly unknown[], detectors: ValueDetectors): unknown[] {
  return params.map((p) => redactParam(p, detectors));
}
