// The terminal channel, for `guardrail proxy` run by a person: shows the request on the
// terminal and asks. Without a terminal there is nobody to ask, so the answer is no.
import { openSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { ReadStream, WriteStream } from 'node:tty';
import { renderPlain } from './render.js';
import type { ApprovalChannel, ApprovalOutcome, ApprovalRequest } from './types.js';

export interface TerminalChannelOptions {
  /** Streams to ask on; by default stdin/stderr when they are a terminal, else /dev/tty. */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Bounds every request in addition to its own deadline. */
  timeoutMs?: number;
  /** Who answers; defaults to the local user name. */
  user?: string;
}

interface Terminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  close(): void;
}

function openTerminal(): Terminal | undefined {
  if (process.stdin.isTTY && process.stderr.isTTY) {
    return { input: process.stdin, output: process.stderr, close: () => {} };
  }
  try {
    const fd = openSync('/dev/tty', 'r+');
    const input = new ReadStream(fd);
    const output = new WriteStream(fd);
    return {
      input,
      output,
      close: () => {
        input.destroy();
      },
    };
  } catch {
    return undefined;
  }
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'local user';
  }
}

type Answer = { line: string } | { ended: 'timeout' | 'aborted' | 'closed' };

function ask(terminal: Terminal, prompt: string, waitMs: number, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: false });
    let done = false;
    const finish = (answer: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      rl.close();
      resolve(answer);
    };
    const onAbort = () => finish({ ended: 'aborted' });
    const timer = setTimeout(() => finish({ ended: 'timeout' }), Math.max(0, waitMs));
    signal.addEventListener('abort', onAbort, { once: true });
    rl.once('line', (line) => finish({ line }));
    rl.once('close', () => finish({ ended: 'closed' }));
    terminal.output.write(prompt);
  });
}

export class TerminalChannel implements ApprovalChannel {
  readonly name = 'terminal';
  /** One prompt at a time: concurrent sessions wait their turn instead of interleaving. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: TerminalChannelOptions = {}) {}

  request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    const turn = this.queue.then(() => this.prompt(request, signal));
    this.queue = turn;
    return turn;
  }

  private async prompt(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome> {
    const decidedAt = () => new Date().toISOString();
    const user = this.options.user ?? localUser();
    const deadline = Math.min(
      request.deadline.getTime(),
      this.options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + this.options.timeoutMs,
    );
    if (signal.aborted)
      return { decision: 'denied', by: [], reason: 'aborted', decidedAt: decidedAt(), hashes: [] };
    if (Date.now() >= deadline) {
      return {
        decision: 'timeout',
        by: [],
        reason: 'no decision before the deadline',
        decidedAt: decidedAt(),
        hashes: [],
      };
    }
    let terminal: Terminal | undefined;
    try {
      terminal =
        this.options.input && this.options.output
          ? { input: this.options.input, output: this.options.output, close: () => {} }
          : openTerminal();
      if (!terminal) {
        return {
          decision: 'denied',
          by: [],
          reason: 'no terminal to ask on',
          decidedAt: decidedAt(),
          hashes: [],
        };
      }
      const prompt = `${renderPlain(request, new Date())}Run it? Type "yes" to approve, anything else denies: `;
      const answer = await ask(terminal, prompt, deadline - Date.now(), signal);
      if ('ended' in answer) {
        terminal.output.write('\n');
        const outcome: ApprovalOutcome =
          answer.ended === 'timeout'
            ? {
                decision: 'timeout',
                by: [],
                reason: 'no decision before the deadline',
                decidedAt: decidedAt(),
              }
            : answer.ended === 'aborted'
              ? { decision: 'denied', by: [], reason: 'aborted', decidedAt: decidedAt() }
              : {
                  decision: 'denied',
                  by: [],
                  reason: 'the terminal closed without an answer',
                  decidedAt: decidedAt(),
                };
        return { ...outcome, hashes: [] };
      }
      const yes = /^\s*y(es)?\s*$/i.test(answer.line);
      return yes
        ? {
            decision: 'approved',
            by: [user],
            decidedAt: decidedAt(),
            hashes: request.statements.map((s) => s.hash),
          }
        : {
            decision: 'denied',
            by: [user],
            reason: 'denied at the terminal',
            decidedAt: decidedAt(),
            hashes: [],
          };
    } catch (err) {
      return {
        decision: 'error',
        by: [],
        reason: `terminal prompt failed: ${(err as Error).message}`,
        decidedAt: decidedAt(),
        hashes: [],
      };
    } finally {
      terminal?.close();
    }
  }
}
