// The transcript's file sink: the chain encoder's lines (transcript/chain.ts) appended to a file,
// batched, sealed, flushed and fsynced. Everything here is I/O and timing; what a line holds and
// how a batch is sealed is the encoder's.
import { closeSync, constants, fsyncSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuardrailError } from '../errors/guardrail-error.js';
import { ChainEncoder } from '../transcript/chain.js';
import type { TranscriptEvent } from '../transcript/events.js';
import type { Recorder } from '../transcript/recorder.js';

/**
 * How long a line waits for the ones that follow while events keep coming: the batch is written
 * by the first event recorded after that (in the event loop turn that records it, after the
 * turn's socket writes), so a busy gateway writes about once a millisecond or two with no timer
 * firing. Lines carry whole milliseconds: two apart is one to two milliseconds of age. A write per
 * turn was ~0.8 extra system calls per proxied query (bench/hotpath.ts).
 */
const BATCH_MS = 2;

/**
 * How long the last lines wait when events stop: a timer, restarted with every batch. Node still
 * wakes for a restarted timer at the time it was first due, so under load it fires about once per
 * IDLE_FLUSH_MS, and each firing costs: a 1 ms setInterval beside the bare relay cost it ~9 µs of
 * CPU per round trip at one client on this machine kind, a 100 ms one nothing measurable. Ten
 * milliseconds is what a killed job can lose; a statement held for approval is flushed at once.
 */
const IDLE_FLUSH_MS = 10;

/**
 * Appends JSON lines to a file. Lines produced within a millisecond or two are written together with
 * the seal that chains them (one write and one hash per batch rather than per event), so a
 * killed job loses at most IDLE_FLUSH_MS of them. `flush()` forces it, and the gateway calls it
 * before holding a statement for approval.
 */
export class FileRecorder implements Recorder {
  private fd: number;
  private readonly encoder: ChainEncoder;
  /** The time stamp (ms) of the open batch's first line; undefined when none is open. */
  private opened: number | undefined;
  private idle: NodeJS.Timeout | undefined;
  failed: Error | undefined;

  /** @param now the clock (tests pin it); the system clock by default. */
  constructor(
    readonly path: string,
    now?: () => Date,
  ) {
    this.encoder = new ChainEncoder(now);
    this.fd = openSync(path, 'a', 0o600);
  }

  record(conn: number, event: TranscriptEvent): void {
    if (this.failed) throw this.failed;
    this.encoder.encode(conn, event);
    // The line's own time stamp dates the batch (a pinned clock never ages it; a clock set back
    // leaves the batch to the idle timer).
    const at = this.encoder.lastMillis;
    if (this.opened === undefined) {
      this.opened = at;
      if (this.idle) this.idle.refresh();
      else this.idle = setTimeout(() => this.flushQuietly(), IDLE_FLUSH_MS);
    } else if (at - this.opened >= BATCH_MS) this.flushQuietly();
  }

  flush(): void {
    this.opened = undefined;
    if (this.fd < 0) return;
    const data = this.encoder.seal();
    if (data.length === 0) return;
    try {
      writeAll(this.fd, data);
    } catch (err) {
      this.failed = new GuardrailError(
        `transcript ${this.path} cannot be written: ${(err as Error).message}`,
        {
          code: 'ERR_TRANSCRIPT_WRITE',
          cause: err,
        },
      );
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
    clearTimeout(this.idle);
    if (this.fd < 0) return;
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * write(2) may write less than it was given (a nearly full disk): the rest follows, and a write
 * that makes no progress is an error, so a batch is never left cut off unseen.
 */
function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) {
    const n = writeSync(fd, bytes, at);
    if (n <= 0) throw new Error(`wrote ${at} of ${bytes.length} bytes`);
    at += n;
  }
}

/**
 * A new transcript file in a new directory only this user can enter (mkdtemp, 0700), created
 * exclusively and without following a link, so another local user can neither read it nor point
 * it elsewhere by creating the path first.
 */
export function privateTranscriptFile(prefix: string): string {
  const path = join(mkdtempSync(join(tmpdir(), prefix)), 'transcript.jsonl');
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600));
  return path;
}
