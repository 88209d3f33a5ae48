import { describe, expect, it } from 'vitest';
import { CatalogBarrier } from '../../src/gateway/catalog-barrier.js';

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
    expect(b.change(a)).toBeUndefined();
    expect(invalidated()).toBe(1);
    expect(b.changedElsewhere(a)).toBe(false);
    expect(b.changedElsewhere(other)).toBe(true);
    const waiting = b.settled(other);
    b.quiet(a, true);
    expect(await state(waiting)).toBe('pending');
    const epoch = b.epoch;
    b.quiet(a, false);
    expect(await state(waiting)).toBe('resolved');
    expect(b.epoch).toBe(epoch + 1);
    expect(invalidated()).toBe(2);
    expect(b.changedElsewhere(other)).toBe(false);
  });

  it('rejects a wait for a change that does not end within the bound', async () => {
    const { b } = barrier(50);
    const [a, other] = [{}, {}];
    b.change(a);
    await expect(b.settled(other)).rejects.toThrow(
      "waited 0.05 s for another session's catalog change (DDL in a transaction not yet ended) to end",
    );
  });

  it("sends a change once other sessions' catalog-dependent statements are answered", async () => {
    const { b } = barrier();
    const [a, reader] = [{}, {}];
    b.run(a);
    b.run(reader);
    const change = b.change(a);
    expect(change).toBeInstanceOf(Promise);
    // Marked at once: the reader's next judgement waits.
    expect(b.changedElsewhere(reader)).toBe(true);
    expect(await state(change!)).toBe('pending');
    b.quiet(reader, true);
    expect(await state(change!)).toBe('resolved');
  });

  it('leaves the session as it was when the change times out', async () => {
    const { b, invalidated } = barrier(50);
    const [a, reader, third] = [{}, {}, {}];
    b.run(reader);
    const waiting = b.settled(third).then(() => 'settled');
    await expect(b.change(a)).rejects.toThrow("waited 0.05 s for other sessions' statements");
    expect(b.changedElsewhere(third)).toBe(false);
    expect(await waiting).toBe('settled');
    // Marked and released: both ends dropped what was read.
    expect(invalidated()).toBe(2);
  });

  it('keeps an earlier change of the session marked when a later one times out', async () => {
    const { b } = barrier(50);
    const [a, reader] = [{}, {}];
    b.change(a);
    b.quiet(a, true);
    b.run(reader);
    await expect(b.change(a)).rejects.toThrow(/other sessions' statements/);
    expect(b.changedElsewhere(reader)).toBe(true);
  });

  it('releases a session that leaves with nothing unanswered at once', async () => {
    const { b } = barrier();
    const [a, other] = [{}, {}];
    b.change(a);
    b.quiet(a, true);
    const waiting = b.settled(other);
    b.leave(a, async () => true);
    expect(await state(waiting)).toBe('resolved');
  });

  it('holds a session that leaves with statements unanswered until its server process is gone', async () => {
    const { b } = barrier(1_000);
    const [a, reader] = [{}, {}];
    b.run(reader);
    let alive = true;
    let asked = 0;
    b.leave(reader, async () => {
      asked++;
      return alive;
    });
    const change = b.change(a)!;
    await new Promise((r) => setTimeout(r, 50));
    expect(await state(change)).toBe('pending');
    expect(asked).toBeGreaterThan(1);
    alive = false;
    await expect(change).resolves.toBeUndefined();
  });

  it('keeps the place while the process cannot be looked up', async () => {
    const { b } = barrier(100);
    const [a, reader] = [{}, {}];
    b.run(reader);
    b.leave(reader, () => Promise.reject(new Error('side connection down')));
    await expect(b.change(a)).rejects.toThrow(/other sessions' statements/);
  });
});
