// The recorder every session writes through withholds what the record must not hold in clear,
// whatever name the server gives a column: an alias (`SELECT api_token AS v`) or COPY's rows.
import { describe, expect, it } from 'vitest';
import { SecretScrubbingRecorder } from '../../src/gateway/secret-recorder.js';
import { KnownSecrets } from '../../src/masking/index.js';
import type { TranscriptEvent } from '../../src/transcript/events.js';
import type { Recorder } from '../../src/transcript/recorder.js';

class Memory implements Recorder {
  readonly events: TranscriptEvent[] = [];
  record(_conn: number, event: TranscriptEvent): void {
    this.events.push(event);
  }
  flush(): void {}
  close(): void {}
  get failed(): undefined {
    return undefined;
  }
}

const byName = (columns: readonly string[], sample: unknown[][]) =>
  sample.map((row) => row.map((v, i) => (/token/i.test(columns[i] ?? '') ? '[redacted]' : v)));

function recorded(text: string, columns: string[], sample: unknown[][]): string {
  const memory = new Memory();
  const r = new SecretScrubbingRecorder(memory, new KnownSecrets(), byName);
  r.record(1, { type: 'statement', id: 's1', text, via: 'simple', hash: 'h', inTransaction: false });
  r.record(1, { type: 'rows', id: 's1', columns, sample, truncated: false, masked: [] });
  return JSON.stringify(memory.events);
}

describe('SecretScrubbingRecorder', () => {
  it('withholds the sample of a statement that reads a secret-named column under another name', () => {
    const out = recorded(
      'SELECT api_token AS v, id FROM creds',
      ['v', 'id'],
      [
        ['tokPLANTzz9', 1],
        [null, 2],
      ],
    );
    expect(out).not.toContain('tokPLANTzz9');
    expect(out).toContain('[null,"[redacted]"]');
    expect(
      recorded('COPY (SELECT api_token FROM creds) TO STDOUT', ['COPY row'], [['tokPLANTzz9\n']]),
    ).not.toContain('tokPLANTzz9');
  });

  it('keeps the sample of a statement that names no secret-looking column', () => {
    expect(recorded('SELECT name AS v FROM people', ['v'], [['Ada']])).toContain('"Ada"');
  });
});

describe('SecretScrubbingRecorder.afterWrites', () => {
  const statement = (id: string): TranscriptEvent => ({
    type: 'statement',
    id,
    text: `SELECT ${id}`,
    via: 'simple',
    hash: 'h',
    inTransaction: false,
  });
  const ids = (m: Memory) => m.events.map((e) => ('id' in e ? e.id : e.type));

  it('records what the chunk produced after it returns, in order, nested calls included', () => {
    const memory = new Memory();
    const r = new SecretScrubbingRecorder(memory, new KnownSecrets(), byName);
    const seenInside: number[] = [];
    const value = r.afterWrites(() => {
      r.record(1, statement('a'));
      r.afterWrites(() => r.record(2, statement('b')));
      seenInside.push(memory.events.length);
      r.record(1, statement('c'));
      return 42;
    });
    expect(value).toBe(42);
    expect(seenInside).toEqual([0]);
    expect(ids(memory)).toEqual(['a', 'b', 'c']);
    r.record(1, statement('d'));
    expect(ids(memory)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('writes what is put off before a flush inside the chunk (an approval is about to wait)', () => {
    const memory = new Memory();
    const r = new SecretScrubbingRecorder(memory, new KnownSecrets(), byName);
    r.afterWrites(() => {
      r.record(1, statement('held'));
      r.flush();
      expect(ids(memory)).toEqual(['held']);
    });
    expect(ids(memory)).toEqual(['held']);
  });

  it('scrubs a secret learned later in the chunk from a line put off before it', () => {
    const memory = new Memory();
    const secrets = new KnownSecrets();
    const r = new SecretScrubbingRecorder(memory, secrets, byName);
    r.afterWrites(() => {
      r.record(1, { type: 'notice', severity: 'NOTICE', code: '00000', message: 'echo hunter2-PLANTED' });
      secrets.add('hunter2-PLANTED');
    });
    expect(JSON.stringify(memory.events)).not.toContain('hunter2-PLANTED');
  });

  it('throws a failed transcript from the chunk, after its work ran', () => {
    const failing = new Memory();
    failing.record = () => {
      throw new Error('disk full');
    };
    const r = new SecretScrubbingRecorder(failing, new KnownSecrets(), byName);
    let ran = false;
    expect(() =>
      r.afterWrites(() => {
        r.record(1, statement('x'));
        ran = true;
      }),
    ).toThrow('disk full');
    expect(ran).toBe(true);
  });
});

describe('SecretScrubbingRecorder.afterWrites, once the transcript has failed', () => {
  it('throws at the record call, where the engines let a refusal go unrecorded', () => {
    const failed = new Memory();
    Object.defineProperty(failed, 'failed', { get: () => new Error('disk full') });
    failed.record = () => {
      throw new Error('disk full');
    };
    const r = new SecretScrubbingRecorder(failed, new KnownSecrets(), byName);
    let caught = '';
    r.afterWrites(() => {
      try {
        r.record(1, {
          type: 'result',
          id: 's1',
          durationMs: 0,
          error: { code: '42501', message: 'refused' },
        });
      } catch (err) {
        caught = (err as Error).message;
      }
    });
    expect(caught).toBe('disk full');
  });
});
