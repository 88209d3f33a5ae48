import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { TranscriptEvent, TranscriptLine } from './events.js';

export const GENESIS = '0'.repeat(64);

export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex');
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
 * Appends hash-chained JSON lines to a file. Lines produced in one event-loop turn are written
 * together at the end of that turn, so a killed job loses at most the current turn while the
 * hot path pays one write per batch rather than per event. `flush()` forces it, and the gateway
 * calls it before holding a statement for approval.
 */
export class FileRecorder implements Recorder {
  private fd: number;
  private seq = 0;
  private prev = GENESIS;
  private pending: string[] = [];
  private scheduled = false;
  failed: Error | undefined;

  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.fd = openSync(path, 'a', 0o600);
  }

  record(conn: number, event: TranscriptEvent): void {
    if (this.failed) throw this.failed;
    const line = JSON.stringify({
      seq: ++this.seq,
      ts: this.now().toISOString(),
      conn,
      prev: this.prev,
      ...event,
    });
    this.prev = lineHash(line);
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushQuietly());
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
