// Cancel keys: clients get keys of the gateway's own, never the upstream backend's, and a
// CancelRequest is forwarded only for a key pair the gateway handed out.
import { randomInt } from 'node:crypto';

interface Target {
  secret: number;
  pid: number;
  upstreamSecret: number;
}

export class CancelKeys {
  private readonly byPid = new Map<number, Target>();

  register(upstreamPid: number, upstreamSecret: number): { pid: number; secret: number } {
    let pid: number;
    do pid = randomInt(1, 0x7fffffff);
    while (this.byPid.has(pid));
    const secret = randomInt(-0x80000000, 0x7fffffff);
    this.byPid.set(pid, { secret, pid: upstreamPid, upstreamSecret });
    return { pid, secret };
  }

  release(pid: number): void {
    this.byPid.delete(pid);
  }

  /** The upstream backend's pid and secret for a gateway key pair, if it is one. */
  lookup(pid: number, secret: number): { pid: number; secret: number } | undefined {
    const t = this.byPid.get(pid);
    return t && t.secret === secret ? { pid: t.pid, secret: t.upstreamSecret } : undefined;
  }
}
