// Cancel keys: clients get the upstream backend's real process id (what pg_backend_pid() says, so
// a client can recognise its own notifications and its own backend), paired with a secret of the
// gateway's own, never the upstream's. A CancelRequest is forwarded only for a pair the gateway
// handed out, with the upstream's secret put back.
import { randomInt } from 'node:crypto';

interface Target {
  secret: number;
  upstreamSecret: number;
}

export class CancelKeys {
  private readonly byPid = new Map<number, Target>();

  register(upstreamPid: number, upstreamSecret: number): { pid: number; secret: number } {
    const secret = randomInt(-0x80000000, 0x7fffffff);
    // A live backend's pid is unique on its server; an entry still here belongs to a backend
    // that has ended and whose link has not closed yet, so the newer one replaces it.
    this.byPid.set(upstreamPid, { secret, upstreamSecret });
    return { pid: upstreamPid, secret };
  }

  /** Forgets a pair, unless a newer backend with the same pid has taken its place. */
  release(pid: number, secret: number): void {
    if (this.byPid.get(pid)?.secret === secret) this.byPid.delete(pid);
  }

  /** The upstream backend's pid and secret for a gateway key pair, if it is one. */
  lookup(pid: number, secret: number): { pid: number; secret: number } | undefined {
    const t = this.byPid.get(pid);
    return t && t.secret === secret ? { pid, secret: t.upstreamSecret } : undefined;
  }
}
