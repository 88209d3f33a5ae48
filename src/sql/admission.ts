// Admission to a cache on a key's second sighting. Keeping every analysed text cost more than
// analysing it: sysbench's point selects (a new id every time) filled the MySQL exact-text cache
// with entries never hit again, and moving them through the garbage collector's generations cost
// about 8 µs a statement against 4–5 µs for the analysis itself (measured by hand, analyze() in a
// loop of new ids). A text seen once is now only remembered as a 32-bit hash in a fixed table; a
// text seen again is cached.
// A hash collision only admits a text early, or forgets one seen before: it changes what is
// kept, never what a cached entry says.

import { fnv1a } from './fnv.js';

export class SecondSighting {
  private readonly seen: Int32Array;
  private readonly mask: number;

  /** `slots` is rounded up to a power of two; each slot remembers one key's hash. */
  constructor(slots: number) {
    let size = 1;
    while (size < slots) size <<= 1;
    this.seen = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Whether `key` was (probably) seen before; remembers it either way. */
  again(key: string): boolean {
    return this.againHashed(fnv1a(key));
  }

  /** `again` for a key already hashed (by a pass that reads it anyway); `h` names it alone. */
  againHashed(h: number): boolean {
    // Never 0, the value of an empty slot.
    const mark = h | 1;
    const slot = (h ^ (h >>> 16)) & this.mask;
    if (this.seen[slot] === mark) return true;
    this.seen[slot] = mark;
    return false;
  }

  clear(): void {
    this.seen.fill(0);
  }
}
