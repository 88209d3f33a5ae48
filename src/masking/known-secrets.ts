// Values this gateway run has already found secret (literals in secret positions, parameters bound
// to secret columns, what the detectors found in statements). The server echoes them back in
// places that carry no hint of what they are: `Key (api_token)=(…)`, `Failing row contains (…)`,
// a notice a function raised, a row read later. Everything recorded after a value was learnt is
// searched for it, so it is withheld wherever it comes back.
import { REDACTED_VALUE } from './message.js';

/** Shorter values would take ordinary words and numbers out of every line. */
export const MIN_SECRET_LENGTH = 4;
/** The most recent values are kept; a run that binds more secrets than this forgets the oldest. */
const MAX_SECRETS = 512;

export class KnownSecrets {
  private readonly values = new Set<string>();
  /** Longest first, so no secret's tail survives another's replacement; rebuilt after a change. */
  private sorted: string[] | undefined = [];

  get size(): number {
    return this.values.size;
  }

  add(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || value === REDACTED_VALUE || this.values.has(value)) return;
    this.values.add(value);
    if (this.values.size > MAX_SECRETS) this.values.delete(this.values.values().next().value!);
    this.sorted = undefined;
  }

  /** `text` with every known secret replaced. */
  scrub(text: string): string {
    if (this.values.size === 0) return text;
    this.sorted ??= [...this.values].sort((a, b) => b.length - a.length);
    let out = text;
    for (const s of this.sorted) if (out.includes(s)) out = out.replaceAll(s, REDACTED_VALUE);
    return out;
  }

  /** Every string inside arrays and plain objects scrubbed; a new value only where one changed. */
  scrubDeep<T>(value: T): T {
    if (this.values.size === 0) return value;
    return this.deep(value) as T;
  }

  private deep(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const s = this.deep(v);
        changed ||= s !== v;
        return s;
      });
      return changed ? out : value;
    }
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const s = this.deep(v);
        changed ||= s !== v;
        out[k] = s;
      }
      return changed ? out : value;
    }
    return value;
  }
}
