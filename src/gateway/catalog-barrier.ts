// Statements are judged against the catalog as the side connection reads it, and run against the
// catalog the server has when it reaches them. A change made through the gateway opens two gaps
// between the two, both used to run a trigger nobody judged:
// - the side connection cannot see a change until its transaction commits, yet a statement sent
//   meanwhile by another session may run after the commit (it waits for the change's lock);
// - a statement judged before a change may reach the server after the change commits (pipelined
//   behind a slow one, or a prepared statement executed later).
// The barrier keeps judgement and execution on the same side of every change, across the
// gateway's sessions. A session that sends a catalog change is `changing` until the server says
// it is outside a transaction with nothing left to answer; meanwhile other sessions' statements
// that reached a name the change may alter wait, and are judged again on a fresh read. A change
// is not sent while another session's statements that reached one of its names are unanswered.
// Statements and changes with no name in common pass each other (catalog-scope.ts). Every wait is
// bounded; what cannot wait is refused (fail closed). A session that leaves with statements
// unanswered holds its place until its server process is gone: they may still run.
import { type ChangeScope, type Reaching, touches, widen } from './catalog-scope.js';

/** A party to the barrier: a gateway session. */
export type Party = object;

interface Waiter {
  ready(): boolean;
  resolve(): void;
  timer: NodeJS.Timeout;
}

export class CatalogBarrier {
  /** Sessions that sent a catalog change not yet committed or rolled back, and what it may alter. */
  private readonly changing = new Map<Party, ChangeScope>();
  /**
   * Sessions with statements sent and not yet answered (the ones sending a change included), and
   * what those statements reached.
   */
  private readonly running = new Map<Party, Reaching[]>();
  private waiters: Waiter[] = [];
  /** Sessions that ended: what they judge after that is never sent. */
  private readonly left = new WeakSet<Party>();
  /** Bumped when a change begins or settles: a judgement begun under another epoch may be stale. */
  epoch = 0;

  /**
   * `invalidate`: drops what was read of the catalog (at both ends of a change);
   * `timeoutMs`: the longest wait for a change to settle or for statements to be answered.
   */
  constructor(
    private readonly invalidate: () => void,
    readonly timeoutMs = 30_000,
    private readonly pollMs = 100,
  ) {}

  /**
   * Whether a session other than `self` has a change pending that may alter what `r` reached
   * (without `r`: any change).
   */
  changedElsewhere(self: Party, r?: Reaching): boolean {
    if (this.changing.size === 0 || (this.changing.size === 1 && this.changing.has(self))) return false;
    for (const [party, scope] of this.changing) if (party !== self && (!r || touches(scope, r))) return true;
    return false;
  }

  /** Resolves once no other session's pending change may alter what `r` reached; rejects after `timeoutMs`. */
  settled(self: Party, r: Reaching): Promise<void> {
    return this.until(
      () => !this.changedElsewhere(self, r),
      "another session's catalog change (DDL in a transaction not yet ended)",
    );
  }

  /**
   * `self` is about to send a change of `scope`. Marks it changing at once (later judgements by
   * others that reach its names wait), and resolves when no other session has statements that
   * reached those names unanswered; undefined when none has. Rejects after `timeoutMs`, leaving
   * `self` as it was.
   */
  change(self: Party, scope: ChangeScope): Promise<void> | undefined {
    if (this.left.has(self)) return undefined;
    const before = this.changing.get(self);
    this.changing.set(self, widen(before, scope));
    if (before === undefined) {
      this.epoch++;
      this.invalidate();
    }
    const othersQuiet = () => {
      for (const [party, reached] of this.running)
        if (party !== self && reached.some((r) => touches(scope, r))) return false;
      return true;
    };
    const sent = () => {
      // Ended while it waited: the change is never sent.
      if (this.left.has(self)) this.gone(self);
      else this.sent(self);
    };
    if (othersQuiet()) {
      sent();
      return undefined;
    }
    return this.until(othersQuiet, "other sessions' statements judged against the catalog as it is").then(
      sent,
      (err: Error) => {
        if (before === undefined) this.release(self);
        else this.changing.set(self, before);
        throw err;
      },
    );
  }

  /** `self` sent a statement judged against the catalog: it counts until the session is quiet. */
  run(self: Party, r: Reaching): void {
    if (this.left.has(self)) return;
    const reached = this.running.get(self);
    if (reached) reached.push(r);
    else this.running.set(self, [r]);
  }

  /** `self` sent something (a change) that may still run until the session is quiet. */
  private sent(self: Party): void {
    if (!this.running.has(self)) this.running.set(self, []);
  }

  /** Everything `self` sent has been answered; `inTransaction`: the server says a transaction is open. */
  quiet(self: Party, inTransaction: boolean): void {
    const ran = this.running.delete(self);
    if (!inTransaction && this.changing.has(self)) this.release(self);
    else if (ran && this.waiters.length > 0) this.wake();
  }

  /**
   * The session ended. With nothing unanswered, whatever it left uncommitted is rolled back;
   * otherwise what it sent may still run, until `alive` says its server process is gone.
   */
  leave(self: Party, alive?: () => Promise<boolean>): void {
    this.left.add(self);
    if (!this.running.has(self) || !alive) {
      this.gone(self);
      return;
    }
    const poll = () => {
      alive().then(
        (yes) => (yes ? setTimeout(poll, this.pollMs).unref() : this.gone(self)),
        // An unreadable catalog is no answer: keep the place (waiters time out and refuse).
        () => setTimeout(poll, this.pollMs * 10).unref(),
      );
    };
    poll();
  }

  private gone(self: Party): void {
    this.running.delete(self);
    if (this.changing.has(self)) this.release(self);
    else this.wake();
  }

  /** Committed or rolled back: what was read while it was open is read again. */
  private release(self: Party): void {
    this.changing.delete(self);
    this.epoch++;
    this.invalidate();
    this.wake();
  }

  private until(ready: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (ready()) {
        resolve();
        return;
      }
      const waiter: Waiter = {
        ready,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`waited ${this.timeoutMs / 1000} s for ${what} to end`));
        }, this.timeoutMs).unref(),
      };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    const ready = this.waiters.filter((w) => w.ready());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }
}
