// FNV-1a: a cheap 32-bit hash over UTF-16 code units, for cache slots and template look-ups
// (never for anything a collision could make wrong: callers compare what a hash finds).

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

export function fnv1a(key: string, seed = FNV_OFFSET): number {
  let h = seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return h;
}
