// One time budget per estimate: every probe gets at most what is left of it, so the whole
// estimate ends within the budget (plus one round trip) however slow the database is.

import { DeadlineReached, GuardrailError } from '../errors/guardrail-error.js';
import type { ImpactEstimate, Unavailable } from './types.js';

export class Budget {
  private readonly deadline: number;

  constructor(
    totalMs: number,
    private readonly probeMaxMs: number,
  ) {
    this.deadline = Date.now() + totalMs;
  }

  /** Milliseconds the next probe may run; throws when nothing is left. */
  nextProbeMs(): number {
    const left = Math.floor(Math.min(this.deadline - Date.now(), this.probeMaxMs));
    if (left < 1) throw new DeadlineReached('time budget used up before this probe');
    return left;
  }
}

/**
 * Runs one part of an estimate. A failure marks that part unavailable, with the reason, instead
 * of failing the whole estimate: a reviewer still sees what could be measured.
 */
export async function attempt<T>(
  part: Unavailable['part'],
  into: ImpactEstimate,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    into.unavailable.push({ part, reason: probeFailure(err) });
    return undefined;
  }
}

/** Why a probe failed, in words fit for a comment (database errors carry their SQLSTATE). */
function probeFailure(err: unknown): string {
  // The family's codes name the error's kind, not the database's SQLSTATE: not shown.
  if (err instanceof GuardrailError) return err.message;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? `${e.code}: ` : '';
  return `${code}${String(e.message ?? err)}`;
}

const busy = new WeakMap<object, Promise<unknown>>();

/**
 * Runs `fn` when no other estimate is using `connection`. An estimate is several round trips
 * inside transactions (one around all of MySQL's probes; Postgres probes with bound values or a
 * generic plan span several); two estimates interleaved on one connection would run inside each
 * other's transactions. Callers must not use the connection for anything else
 * while an estimate runs on it.
 */
export function exclusive<T>(connection: object, fn: () => Promise<T>): Promise<T> {
  const before = busy.get(connection) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  busy.set(
    connection,
    mine.catch(() => undefined),
  );
  return mine;
}
