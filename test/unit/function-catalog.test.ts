// The function-body cache's version, which decides whether a prepared statement is judged again
// before it runs (see Session.execute): it moves when an answer it gave may have changed.
import { describe, expect, it } from 'vitest';
import { FunctionCatalogCache } from '../../src/gateway/function-catalog.js';
import type { FunctionBody } from '../../src/sql/types.js';

const body = (name: string, text: string): FunctionBody => ({
  schema: 'public',
  name,
  language: 'sql',
  body: text,
  securityDefiner: false,
});

function catalog(bodies: Map<string, string>, opts: { maxNames?: number } = {}) {
  let now = 0;
  const reads: { release: () => void }[] = [];
  let hold = false;
  const cat = new FunctionCatalogCache(
    async (names) => {
      const answer = names.flatMap((n) => (bodies.has(n) ? [body(n, bodies.get(n)!)] : []));
      if (hold) await new Promise<void>((release) => reads.push({ release }));
      return answer;
    },
    () => [],
    { ttlMs: 100, now: () => now, ...opts },
  );
  return {
    cat,
    advance: (ms: number) => {
      now += ms;
    },
    holdReads: () => {
      hold = true;
    },
    reads,
  };
}

describe('FunctionCatalogCache.version', () => {
  it('stays when a name is read for the first time or read again unchanged', async () => {
    const { cat, advance } = catalog(new Map([['f', 'SELECT 1']]));
    const v = cat.version;
    await cat.prefetch([{ name: 'f' }, { name: 'g' }]);
    expect(cat.version).toBe(v);
    advance(101);
    expect(cat.needs([{ name: 'f' }])).toBe(true);
    await cat.prefetch([{ name: 'f' }]);
    expect(cat.version).toBe(v);
  });

  it('moves when a read finds another body, a function where there was none, or none where there was one', async () => {
    const bodies = new Map([['f', 'SELECT 1']]);
    const { cat, advance } = catalog(bodies);
    await cat.prefetch([{ name: 'f' }, { name: 'g' }]);
    for (const change of [
      () => bodies.set('f', 'SELECT 2'),
      () => bodies.set('g', 'SELECT 3'),
      () => bodies.delete('f'),
    ]) {
      const v = cat.version;
      change();
      advance(101);
      await cat.prefetch([{ name: 'f' }, { name: 'g' }]);
      expect(cat.version).toBeGreaterThan(v);
    }
  });

  it('moves when a name is evicted (it may come back changed, read as if for the first time)', async () => {
    const { cat } = catalog(new Map([['f', 'SELECT 1']]), { maxNames: 1 });
    await cat.prefetch([{ name: 'f' }]);
    const v = cat.version;
    await cat.prefetch([{ name: 'g' }]);
    expect(cat.version).toBeGreaterThan(v);
  });

  it('moves on invalidate, and a read begun before it stores nothing', async () => {
    const { cat, holdReads, reads } = catalog(new Map([['f', 'SELECT 1']]));
    holdReads();
    const read = cat.prefetch([{ name: 'f' }], 1);
    await new Promise((r) => setTimeout(r, 0));
    const v = cat.version;
    cat.invalidate();
    expect(cat.version).toBeGreaterThan(v);
    reads.shift()!.release();
    await read;
    expect(cat.known('f')).toBe(false);
  });
});
