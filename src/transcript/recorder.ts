import { hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { TranscriptEvent, TranscriptLine } from './events.js';

export const GENESIS = '0'.repeat(64);

/** sha256 hex of a line: every line is hashed once, on the gateway's hot path (one-shot hash). */
export function lineHash(line: string): string {
  return hash('sha256', line, 'hex');
}

/**
 * The JSON line of an event: an object whose keys are seq, ts, conn and prev, then the event's
 * own keys — what `JSON.stringify({ seq, ts, conn, prev, ...event })` gives, without building
 * the merged object (no event type has a key of the envelope's, and an ISO time needs no escaping).
 */
function lineOf(seq: number, ts: string, conn: number, prev: string, event: TranscriptEvent): string {
  const body = JSON.stringify(event);
  const head = `{"seq":${seq},"ts":"${ts}","conn":${JSON.stringify(conn)},"prev":"${prev}"`;
  return body.length > 2 ? `${head},${body.slice(1)}` : `${head}}`;
}

/** Receives events; the gateway depends on this shape only. */
export interface Recorder {
  record(conn: number, event: TranscriptEvent): void;
  /** Writes everything buffered now; throws if the file cannot be written. */
  flush(): void;
  close(): void;
  /** Set once a write failed: the gateway stops accepting statements (fail closed). */
  readonly failed: Error | undefined;
}

/**
 * How long lines wait to be written with the ones that follow. A timer rather than the end of
 * the event-loop turn: under load one turn often carries one event, and a write per turn was
 * ~0.8 extra system calls per proxied query (bench/hotpath.ts); a millisecond is what a killed
 * job can lose.
 */
const FLUSH_DELAY_MS = 1;

/**
 * Appends hash-chained JSON lines to a file. Lines produced within a millisecond are written
 * together, so a killed job loses at most that while the hot path pays one write per batch
 * rather than per event. `flush()` forces it, and the gateway calls it before holding a
 * statement for approval.
 */
export class FileRecorder implements Recorder {
  private fd: number;
  private seq = 0;
  private prev = GENESIS;
  private pending: string[] = [];
  private scheduled = false;
  /** The clock's last millisecond and its ISO form: most lines share it with the line before. */
  private lastMs = Number.NaN;
  private lastTs = '';
  failed: Error | undefined;

  constructor(
    readonly path: string,
    private readonly now?: () => Date,
  ) {
    this.fd = openSync(path, 'a', 0o600);
  }

  private timestamp(): string {
    if (this.now) return this.now().toISOString();
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = new Date(ms).toISOString();
    }
    return this.lastTs;
  }

  record(conn: number, event: TranscriptEvent): void {
    if (this.failed) throw this.failed;
    const line = lineOf(++this.seq, this.timestamp(), conn, this.prev, event);
    this.prev = lineHash(line);
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flushQuietly(), FLUSH_DELAY_MS);
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.fd < 0) return;
    const data = `${this.pending.join('\n')}\n`;
    this.pending = [];
    try {
      writeSync(this.fd, data);
    } catch (err) {
      this.failed = new Error(`transcript ${this.path} cannot be written: ${(err as Error).message}`);
      throw this.failed;
    }
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // `failed` is set; the next record() or inspect() reports it.
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** Keeps lines in memory: for `guardrail check` reports and tests of the gateway seam. */
export class MemoryRecorder implements Recorder {
  readonly lines: TranscriptLine[] = [];
  private prev = GENESIS;
  readonly failed = undefined;

  record(conn: number, event: TranscriptEvent): void {
    const line = {
      seq: this.lines.length + 1,
      ts: new Date().toISOString(),
      conn,
      prev: this.prev,
      ...event,
    };
    this.prev = lineHash(JSON.stringify(line));
    this.lines.push(line as TranscriptLine);
  }

  flush(): void {}
  close(): void {}
}
