// Object patterns of policy overrides: `*` matches any run of characters (dots included), the
// rest literally; matching ignores ASCII case, as Postgres folds unquoted names.
const cache = new Map<string, RegExp>();

export function objectMatches(pattern: string, object: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 'i');
    cache.set(pattern, re);
  }
  return re.test(object);
}
