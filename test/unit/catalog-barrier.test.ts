import { describe, expect, it } from 'vitest';
import { CatalogBarrier } from '../../src/gateway/catalog-barrier.js';
import type { Reaching } from '../../src/gateway/catalog-scope.js';

/** A judgement that reached table t (and one that reached only u). */
const T: Reaching = { relations: ['public.t'], calls: [] };
const U: Reaching = { relations: ['u'], calls: [] };
/** A change that names t. */
const ON_T = new Set(['create', 'trigger', 'x', 'on', 't']);

function barrier(timeoutMs = 200) {
  let invalidated = 0;
  const b = new CatalogBarrier(() => invalidated++, timeoutMs, 10);
  return { b, invalidated: () => invalidated };
}

/** 'pending' while `p` has not settled within a few turns of the event loop. */
async function state(p: Promise<unknown>): Promise<string> {
  return Promise.race([
    p.then(
      () => 'resolved',
      (e: Error) => `rejected: ${e.message}`,
    ),
    new Promise<string>((r) => setTimeout(() => r('pending'), 20)),
  ]);
}

describe('CatalogBarrier', () => {
  it('holds other sessions, not the changing one, until the change is quiet outside a transaction', async () => {
    const { b, invalidated } = barrier();
    const [a, other] = [{}, {}];
    expect(b.change(a, 'all')).toBeUndefined();
    expect(invalidated()).toBe(1);
    expect(b.changedElsewhere(a, T)).toBe(false);
    expect(b.changedElsewhere(other, T)).toBe(true);
    const waiting = b.settled(other, T);
    b.quiet(a, true);
    expect(await state(waiting)).toBe('pending');
    const epoch = b.epoch;
    b.quiet(a, false);
    expect(await state(waiting)).toBe('resolved');
    expect(b.epoch).toBe(epoch + 1);
    expect(invalidated()).toBe(2);
    expect(b.changedElsewhere(other, T)).toBe(false);
  });

  it('rejects a wait for a change that does not end within the bound', async () => {
    const { b } = barrier(50);
    const [a, other] = [{}, {}];
    b.change(a, 'all');
    await expect(b.settled(other, T)).rejects.toThrow(
      "waited 0.05 s for another session's catalog change (DDL in a transaction not yet ended) to end",
    );
  });

  it("sends a change once other sessions' catalog-dependent statements are answered", async () => {
    const { b } = barrier();
    const [a, reader] = [{}, {}];
    b.run(a, T);
    b.run(reader, T);
    const change = b.change(a, 'all');
    expect(change).toBeInstanceOf(Promise);
    // Marked at once: the reader's next judgement waits.
    expect(b.changedElsewhere(reader, T)).toBe(true);
    expect(await state(change!)).toBe('pending');
    b.quiet(reader, true);
    expect(await state(change!)).toBe('resolved');
  });

  it('leaves the session as it was when the change times out', async () => {
    const { b, invalidated } = barrier(50);
    const [a, reader, third] = [{}, {}, {}];
    b.run(reader, T);
    const waiting = b.settled(third, T).then(() => 'settled');
    await expect(b.change(a, 'all')).rejects.toThrow("waited 0.05 s for other sessions' statements");
    expect(b.changedElsewhere(third, T)).toBe(false);
    expect(await waiting).toBe('settled');
    // Marked and released: both ends dropped what was read.
    expect(invalidated()).toBe(2);
  });

  it('keeps an earlier change of the session marked when a later one times out', async () => {
    const { b } = barrier(50);
    const [a, reader] = [{}, {}];
    b.change(a, 'all');
    b.quiet(a, true);
    b.run(reader, T);
    await expect(b.change(a, 'all')).rejects.toThrow(/other sessions' statements/);
    expect(b.changedElsewhere(reader, T)).toBe(true);
  });

  it('releases a session that leaves with nothing unanswered at once', async () => {
    const { b } = barrier();
    const [a, other] = [{}, {}];
    b.change(a, 'all');
    b.quiet(a, true);
    const waiting = b.settled(other, T);
    b.leave(a, async () => true);
    expect(await state(waiting)).toBe('resolved');
  });

  it('holds a session that leaves with statements unanswered until its server process is gone', async () => {
    const { b } = barrier(1_000);
    const [a, reader] = [{}, {}];
    b.run(reader, T);
    let alive = true;
    let asked = 0;
    b.leave(reader, async () => {
      asked++;
      return alive;
    });
    const change = b.change(a, 'all')!;
    await new Promise((r) => setTimeout(r, 50));
    expect(await state(change)).toBe('pending');
    expect(asked).toBeGreaterThan(1);
    alive = false;
    await expect(change).resolves.toBeUndefined();
  });

  it('keeps the place while the process cannot be looked up', async () => {
    const { b } = barrier(100);
    const [a, reader] = [{}, {}];
    b.run(reader, T);
    b.leave(reader, () => Promise.reject(new Error('side connection down')));
    await expect(b.change(a, 'all')).rejects.toThrow(/other sessions' statements/);
  });

  it('lets judgements and changes with no name in common pass each other', async () => {
    const { b } = barrier();
    const [a, reader] = [{}, {}];
    b.run(reader, U);
    // A change naming t is not held by a statement that reached only u …
    expect(b.change(a, ON_T)).toBeUndefined();
    // … nor holds one up: only what reached t waits.
    expect(b.changedElsewhere(reader, U)).toBe(false);
    expect(b.changedElsewhere(reader, T)).toBe(true);
    expect(b.changedElsewhere(reader, { relations: [], calls: [{ name: 'T' }] })).toBe(true);
    // A later change of the same session widens what it holds.
    b.quiet(a, true);
    b.quiet(reader, false);
    expect(b.change(a, new Set(['u']))).toBeUndefined();
    expect(b.changedElsewhere(reader, U)).toBe(true);
  });

  it('holds a change up for a statement that reached one of its names', async () => {
    const { b } = barrier();
    const [a, reader] = [{}, {}];
    b.run(reader, U);
    b.run(reader, T);
    const change = b.change(a, ON_T);
    expect(await state(change!)).toBe('pending');
    b.quiet(reader, false);
    expect(await state(change!)).toBe('resolved');
  });

  it('forgets a change whose session ended while it waited, and what the session sends after', async () => {
    const { b } = barrier();
    const [a, reader, third] = [{}, {}, {}];
    b.run(reader, T);
    const change = b.change(a, ON_T)!;
    expect(b.changedElsewhere(third, T)).toBe(true);
    b.leave(a);
    expect(b.changedElsewhere(third, T)).toBe(false);
    b.quiet(reader, false);
    await change;
    expect(b.changedElsewhere(third, T)).toBe(false);
    b.run(a, T);
    expect(b.change(a, ON_T)).toBeUndefined();
    expect(b.change(third, ON_T)).toBeUndefined();
    expect(b.changedElsewhere(reader, T)).toBe(true);
  });
});
