import { readFileSync, writeFileSync } from 'node:fs';
import { readTranscript } from '../transcript/read.js';
import { renderHtml } from '../transcript/render-html.js';
import { renderText } from '../transcript/render-text.js';
import { verifyTranscript } from '../transcript/verify.js';
import { command, parse, UsageError } from './args.js';

export const spec = command({
  name: 'replay',
  summary: 'show a transcript as a timeline, check its hash chain, render it as HTML, or re-run it',
  positionals: 'FILE',
  description: [
    'FILE is a transcript (JSON Lines) written by the action, `guardrail proxy` or the demo.',
    'Without options it prints the timeline. Exit code: 1 when the hash chain is broken or',
    '--against found a divergence; 2 when the file cannot be read.',
  ],
  options: {
    verify: {
      type: 'boolean',
      description: 'only check the hash chain, and that the run ended with gateway.stop',
    },
    html: { type: 'string', value: 'OUT', description: 'write a self-contained HTML replay to OUT' },
    against: {
      type: 'string',
      value: 'URL',
      description:
        'run the forwarded statements against a scratch database (postgres:// or mysql://) and report differences',
    },
    color: { type: 'boolean', description: 'colour the timeline (default: when stdout is a terminal)' },
    'no-color': { type: 'boolean', description: 'never colour the timeline' },
  },
  examples: [
    { args: 'transcript.jsonl --verify' },
    { args: 'transcript.jsonl --html replay.html' },
    { args: 'transcript.jsonl --against postgres://postgres@127.0.0.1:5432/scratch' },
  ],
});

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, spec);
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('replay takes exactly one transcript file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    console.error(`guardrail replay: cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const verified = verifyTranscript(text);
  if (values.verify) {
    if (verified.ok) {
      const tail = verified.complete
        ? 'ends with gateway.stop'
        : 'no gateway.stop at the end (the run was cut short)';
      console.log(`${file}: ${verified.lines} lines, hash chain intact, ${tail}`);
      return 0;
    }
    console.error(`${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`);
    return 1;
  }
  const { lines, partialTail } = readTranscript(text);
  if (values.against) {
    if (!verified.ok)
      console.error(`${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`);
    const { replayCommand } = await import('./replay-against.js');
    return replayCommand(lines, values.against, file);
  }
  if (values.html) {
    writeFileSync(
      values.html,
      renderHtml(lines, { title: `guardrail transcript ${file}`, verify: verified }),
    );
    console.log(`wrote ${values.html}`);
    return verified.ok ? 0 : 1;
  }
  const color = values['no-color']
    ? false
    : (values.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR));
  process.stdout.write(renderText(lines, { color }));
  if (partialTail) console.error(`${file}: the last line is incomplete (the writer stopped mid-line)`);
  if (!verified.ok)
    console.error(`${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`);
  return verified.ok ? 0 : 1;
}
