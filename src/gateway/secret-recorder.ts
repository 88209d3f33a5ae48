// The recorder every session writes through: values found secret earlier in the run are withheld
// from every later line (the server echoes them in errors, notices and rows that carry no hint of
// what they are), and the rows sample of a column whose name marks it secret is withheld.
import type { KnownSecrets } from '../masking/index.js';
import type { TranscriptEvent } from '../transcript/events.js';
import type { Recorder } from '../transcript/recorder.js';

export class SecretScrubbingRecorder implements Recorder {
  constructor(
    private readonly inner: Recorder,
    readonly secrets: KnownSecrets,
    private readonly secretColumns: (columns: readonly string[], sample: unknown[][]) => unknown[][],
  ) {}

  record(conn: number, event: TranscriptEvent): void {
    let e = event;
    if (e.type === 'rows') {
      const sample = this.secretColumns(e.columns, e.sample);
      if (sample !== e.sample) e = { ...e, sample };
    }
    this.inner.record(conn, this.secrets.scrubDeep(e));
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
