import { describe, expect, it } from 'vitest';
import { CatalogCache } from '../../src/impact/catalog-cache.js';

describe('CatalogCache', () => {
  it('answers per connection and table until the facts are ttl old', () => {
    let now = 1_000;
    const cache = new CatalogCache<string[]>(500, () => now);
    const a = {};
    const b = {};
    cache.set(a, 'app.users', ['id']);
    expect(cache.get(a, 'app.users')).toEqual(['id']);
    expect(cache.get(b, 'app.users')).toBeUndefined();
    expect(cache.get(a, 'app.orders')).toBeUndefined();
    now += 499;
    expect(cache.get(a, 'app.users')).toEqual(['id']);
    now += 1;
    expect(cache.get(a, 'app.users')).toBeUndefined();
    cache.set(a, 'app.users', ['id', 'tenant']);
    expect(cache.get(a, 'app.users')).toEqual(['id', 'tenant']);
  });
});
