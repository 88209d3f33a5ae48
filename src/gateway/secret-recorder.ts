// The recorder every session writes through: values found secret earlier in the run are withheld
// from every later line (the server echoes them in errors, notices and rows that carry no hint of
// what they are), and the rows sample of a column whose name marks it secret is withheld. A
// column's output name can be anything (`SELECT api_token AS v`, COPY's rows): a statement whose
// text names a secret-looking column has its whole sample withheld.
import { type KnownSecrets, REDACTED_VALUE, SECRET_NAME } from '../masking/index.js';
import type { TranscriptEvent } from '../transcript/events.js';
import type { Recorder } from '../transcript/recorder.js';

/** Statements remembered as reading secret-named columns (their executions record rows later). */
const MAX_SECRET_READS = 4096;

export class SecretScrubbingRecorder implements Recorder {
  private readonly secretReads = new Set<string>();
  /** `afterWrites` calls in progress, and the events they put off (with their connections). */
  private deferring = 0;
  private readonly deferred: TranscriptEvent[] = [];
  private readonly deferredConns: number[] = [];

  constructor(
    private readonly inner: Recorder,
    readonly secrets: KnownSecrets,
    private readonly secretColumns: (columns: readonly string[], sample: unknown[][]) => unknown[][],
  ) {}

  record(conn: number, event: TranscriptEvent): void {
    // A transcript that has failed throws at the call, as without deferral: the engines let a
    // refusal go unrecorded then, and refuse everything else.
    if (this.deferring > 0 && !this.inner.failed) {
      this.deferred.push(event);
      this.deferredConns.push(conn);
    } else this.write(conn, event);
  }

  /**
   * Runs `fn` (the framing of one chunk of a connection, ending in its socket writes) and records
   * the events it produced once it returns: the bytes leave before the lines' scrubbing, JSON
   * and hashing, which a round trip at one client would otherwise wait for. The lines are the
   * same and in the same order; a flush inside `fn` (before an approval) writes them first. The
   * events are built for the transcript and not touched after they are recorded, so recording
   * them a moment later records the same thing. A transcript that fails during `fn` (a flush)
   * surfaces here, from `fn`'s caller.
   */
  afterWrites<T>(fn: () => T): T {
    this.deferring++;
    try {
      return fn();
    } finally {
      if (--this.deferring === 0) this.drain();
    }
  }

  private drain(): void {
    const events = this.deferred;
    const conns = this.deferredConns;
    // The lists are reused; a write that throws (the transcript failed) drops the rest, as the
    // transcript then refuses everything anyway.
    try {
      for (let i = 0; i < events.length; i++) this.write(conns[i]!, events[i]!);
    } finally {
      events.length = 0;
      conns.length = 0;
    }
  }

  private write(conn: number, event: TranscriptEvent): void {
    let e = event;
    if (e.type === 'statement' && SECRET_NAME.test(e.text)) this.rememberSecretRead(e.id);
    if (e.type === 'rows') {
      const sample = this.secretReads.has(e.id)
        ? e.sample.map((row) => row.map((v) => (v === null ? null : REDACTED_VALUE)))
        : this.secretColumns(e.columns, e.sample);
      if (sample !== e.sample) e = { ...e, sample };
    }
    this.inner.record(conn, this.secrets.scrubDeep(e));
  }

  private rememberSecretRead(id: string): void {
    if (this.secretReads.size >= MAX_SECRET_READS) {
      const oldest = this.secretReads.values().next().value;
      if (oldest !== undefined) this.secretReads.delete(oldest);
    }
    this.secretReads.add(id);
  }

  flush(): void {
    this.drain();
    this.inner.flush();
  }

  close(): void {
    this.drain();
    this.inner.close();
  }

  get failed(): Error | undefined {
    return this.inner.failed;
  }
}
