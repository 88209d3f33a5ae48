// What a connection decoded from its last few distinct messages of one kind, by their exact bytes:
// a session repeats a handful of queries, and their result descriptions (a Postgres RowDescription,
// a MySQL column definition) come back byte for byte the same, so each is decoded once. Equal
// bytes decode to the same value, so a hit can never answer for another message; the values are
// shared and must never be changed.

/** Distinct messages remembered: a session's few queries (sysbench's four tables), oldest out first. */
const WAYS = 8;

export class RecentDecodes<T> {
  private readonly keys: Buffer[] = [];
  private readonly values: T[] = [];

  /** @param decode reads the message `buf[start, end)`; it is called only for bytes not seen lately. */
  constructor(private readonly decode: (buf: Buffer, start: number, end: number) => T) {}

  get(buf: Buffer, start: number, end: number): T {
    const { keys } = this;
    const length = end - start;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      if (key.length === length && buf.compare(key, 0, length, start, end) === 0) return this.values[k]!;
    }
    const value = this.decode(buf, start, end);
    if (keys.length === WAYS) {
      keys.shift();
      this.values.shift();
    }
    // A copy: the message's buffer is the socket's, not ours to keep.
    keys.push(Buffer.from(buf.subarray(start, end)));
    this.values.push(value);
    return value;
  }
}
