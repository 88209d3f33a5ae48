// A bounded cache with least-recently-used flavour, in two generations: hits in the old
// generation are promoted, and when the young one is full the old one is dropped whole.
// (Deleting and re-inserting keys of one big Map on every hit leaves holes V8 must skip when
// it looks for the oldest key; two generations keep every operation O(1).)
export class Lru<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  /** Holds between `capacity` and `2 × capacity` entries. */
  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.capacity && !this.young.has(key)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
