// JSON written straight into a growing byte buffer, byte for byte what `JSON.stringify` gives
// encoded as UTF-8. The transcript writes several events per proxied round trip, and Node 20's
// JSON.stringify of one small event and the UTF-8 copy of its string cost about twice what
// writing its bytes here does (~500 ns against ~250 ns per event): no string is built for a line.
// Strings that need escaping, numbers that are not small integers, and values that are not plain
// (toJSON, class instances, BigInt) are left to JSON.stringify itself, so the output is exact.

/** UTF-8 takes at most three bytes per UTF-16 unit (a surrogate pair's four bytes are two units). */
const UTF8_MAX = 3;
/** A safe integer's decimal digits, at most. */
const DIGITS_MAX = 16;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The printable ASCII range JSON.stringify copies as it is (but for `"` and `\`). */
const PRINTABLE_FIRST = 0x20;
const PRINTABLE_LAST = 0x7e;

/** Left out of an object and written as null in an array, as JSON.stringify does. */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** An object JSON.stringify writes member by member: no toJSON, no class of its own. */
function plainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && (v as { toJSON?: unknown }).toJSON === undefined;
}

/**
 * A value only JSON.stringify itself writes: one with a toJSON, an instance of a class (Date,
 * Map, Buffer), a BigInt (which it refuses).
 */
function delegated(v: unknown): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  return Array.isArray(v) ? (v as { toJSON?: unknown }).toJSON !== undefined : !plainObject(v);
}

export class JsonBytes {
  /** The bytes written so far are buf[0, end). `buf` is replaced when it grows. */
  buf: Buffer;
  end = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Room for `bytes` more at the end. */
  ensure(bytes: number): void {
    if (this.end + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + bytes));
    this.buf.copy(bigger, 0, 0, this.end);
    this.buf = bigger;
  }

  /** Appends ASCII text. */
  ascii(text: string): void {
    this.ensure(text.length);
    const buf = this.buf;
    let at = this.end;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.end = at;
  }

  /** Appends a non-negative safe integer in decimal. */
  decimal(n: number): void {
    this.ensure(DIGITS_MAX);
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    const buf = this.buf;
    const end = this.end + digits;
    for (let i = end - 1, m = n; i >= this.end; i--, m = Math.floor(m / 10)) buf[i] = 48 + (m % 10);
    this.end = end;
  }

  /** Appends `JSON.stringify(v)`; v is a value JSON.stringify writes (not undefined, a function or a symbol). */
  value(v: unknown): void {
    if (typeof v === 'string') this.string(v);
    // -0 gives "0" here as there; NaN, Infinity and fractions are left to JSON.stringify below.
    else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) this.decimal(v);
    else if (typeof v === 'boolean') this.ascii(v ? 'true' : 'false');
    else if (v === null) this.ascii('null');
    // In an array, a toJSON that gives nothing is written as null, as JSON.stringify writes it.
    else if (delegated(v)) this.utf8(JSON.stringify(v) ?? 'null');
    else if (Array.isArray(v)) this.array(v);
    else if (typeof v === 'object') {
      this.ascii('{');
      this.members(v as Record<string, unknown>, true);
      this.ascii('}');
    } else this.ascii(JSON.stringify(v));
  }

  /**
   * Appends an object's members as JSON.stringify writes them between its braces, each after a
   * comma but the first when `first` (so an object's members can follow others already written).
   */
  members(o: Record<string, unknown>, first = false): void {
    for (const key in o) {
      if (!Object.hasOwn(o, key)) continue;
      const v = o[key];
      if (omitted(v)) continue;
      const text: string | null | undefined = delegated(v) ? JSON.stringify(v) : null;
      // A member whose toJSON gives nothing is left out, as JSON.stringify leaves it.
      if (text === undefined) continue;
      if (!first) this.ascii(',');
      first = false;
      this.string(key);
      this.ascii(':');
      if (text === null) this.value(v);
      else this.utf8(text);
    }
  }

  private array(a: readonly unknown[]): void {
    this.ascii('[');
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.ascii(',');
      const v = a[i];
      if (omitted(v)) this.ascii('null');
      else this.value(v);
    }
    this.ascii(']');
  }

  private string(s: string): void {
    this.ensure(s.length + 2);
    const buf = this.buf;
    const start = this.end;
    let at = start;
    buf[at++] = QUOTE;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < PRINTABLE_FIRST || c > PRINTABLE_LAST || c === QUOTE || c === BACKSLASH) {
        // Escapes, and bytes past ASCII: JSON.stringify's text, as UTF-8.
        this.end = start;
        this.utf8(JSON.stringify(s));
        return;
      }
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    this.end = at;
  }

  private utf8(text: string): void {
    this.ensure(text.length * UTF8_MAX);
    this.end += this.buf.write(text, this.end, 'utf8');
  }
}
