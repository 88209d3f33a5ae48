// The shape the gateway records through, and the in-memory recorder. Lines are built by the one
// chain encoder (chain.ts); where they are kept is the recorder's business: here in memory, in
// gateway/transcript-file.ts in a file.
import { ChainEncoder } from './chain.js';
import type { TranscriptEvent, TranscriptLine } from './events.js';

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
 * Keeps a transcript in memory, for tests of the gateway seam: `lines` holds each event as soon
 * as it is recorded, parsed back from the encoder's text so it is exactly what readTranscript
 * gives a reader of the file; `text` is what a file sink would hold, sealed at each flush.
 */
export class MemoryRecorder implements Recorder {
  readonly lines: TranscriptLine[] = [];
  private readonly encoder = new ChainEncoder();
  private written = '';
  readonly failed = undefined;

  /** The transcript file's text: every flushed batch with its seal. */
  get text(): string {
    return this.written;
  }

  record(conn: number, event: TranscriptEvent): void {
    this.encoder.encode(conn, event);
    this.lines.push(JSON.parse(this.encoder.lastLine()) as TranscriptLine);
  }

  flush(): void {
    this.written += this.encoder.seal().toString('utf8');
  }

  close(): void {
    this.flush();
  }
}
