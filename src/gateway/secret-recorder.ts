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

  constructor(
    private readonly inner: Recorder,
    readonly secrets: KnownSecrets,
    private readonly secretColumns: (columns: readonly string[], sample: unknown[][]) => unknown[][],
  ) {}

  record(conn: number, event: TranscriptEvent): void {
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
    this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }

  get failed(): Error | undefined {
    return this.inner.failed;
  }
}
