// What a person running `guardrail proxy` sees: how reviews will be decided, and one line for
// each statement the gateway refuses or holds, with its rules and then its outcome. The lines
// come from the transcript events, so they carry only what the transcript may carry (statement
// text is redacted before it is recorded).
import { closeSync, openSync } from 'node:fs';
import type { ApprovalChannel, ApprovalOutcome } from '../approvals/types.js';
import type { TranscriptEvent } from '../transcript/events.js';
import type { Recorder } from '../transcript/recorder.js';

/** The approval channel of a proxy without a terminal: nobody can be asked, so every review is denied. */
export class NoApprover implements ApprovalChannel {
  readonly name = 'none';
  /** Why, and what to do about it: the client's error carries it. */
  private readonly reason: string;

  /** @param self how the user starts guardrail where they are (`npx guardrail`, …). */
  constructor(self: string) {
    this.reason =
      'no approver is available to this proxy (it has no terminal to ask on). ' +
      `Run \`${self} proxy\` in a terminal to approve at its prompt, ` +
      'or allow the rule in a policy file (--policy FILE)';
  }

  async request(): Promise<ApprovalOutcome> {
    return {
      decision: 'denied',
      by: [],
      reason: this.reason,
      decidedAt: new Date().toISOString(),
      hashes: [],
    };
  }
}

/** Whether a prompt can be shown: stdin and stderr are a terminal, or the process has a controlling one. */
export function terminalAvailable(): boolean {
  if (process.stdin.isTTY && process.stderr.isTTY) return true;
  try {
    closeSync(openSync('/dev/tty', 'r+'));
    return true;
  } catch {
    return false;
  }
}

const MAX_TEXT = 120;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT - 1)}…` : flat;
}

/** Passes every event to the transcript and logs refusals, holds and approval outcomes. */
export class LoggingRecorder implements Recorder {
  private readonly texts = new Map<string, string>();
  private readonly rules = new Map<string, string>();

  constructor(
    private readonly inner: Recorder,
    private readonly log: (line: string) => void,
  ) {}

  get failed(): Error | undefined {
    return this.inner.failed;
  }

  record(conn: number, event: TranscriptEvent): void {
    this.inner.record(conn, event);
    const key = `${conn}/${'id' in event ? event.id : ''}`;
    switch (event.type) {
      case 'statement':
        this.texts.set(key, oneLine(event.text));
        break;
      case 'verdict': {
        const text = this.texts.get(key) ?? '';
        this.texts.delete(key);
        if (event.action === 'allow' || !event.enforced) break;
        const rules = event.rules.join(', ');
        if (event.action === 'deny') this.log(`[conn ${conn}] refused by policy (${rules}): ${text}`);
        else {
          this.rules.set(key, rules);
          this.log(`[conn ${conn}] held for review (${rules}): ${text}`);
        }
        break;
      }
      case 'approval.decided': {
        const rules = this.rules.get(key) ?? '';
        this.rules.delete(key);
        const by = event.by.length ? ` by ${event.by.join(', ')}` : '';
        const reason = event.reason ? `: ${event.reason}` : '';
        this.log(`[conn ${conn}] ${event.requestId} (${rules}): ${event.outcome}${by}${reason}`);
        break;
      }
    }
  }

  flush(): void {
    this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }
}
