import { readFileSync, writeFileSync } from 'node:fs';
import { readTranscript } from '../transcript/read.js';
import { renderHtml } from '../transcript/render-html.js';
import { renderText } from '../transcript/render-text.js';
import { type PublishedHead, verifyTranscript } from '../transcript/verify.js';
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
    head: {
      type: 'string',
      value: 'HASH',
      description:
        'with --verify: the head hash the post step published; proves the copy was not cut short or extended',
    },
    lines: {
      type: 'string',
      value: 'N',
      description: 'with --verify: the line count the post step published',
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
    { args: 'transcript.jsonl --verify --head 3f1c…e9 --lines 42' },
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
  const published = publishedHead(values.head, values.lines);
  if ((published.head || published.lines !== undefined) && !values.verify)
    throw new UsageError('--head and --lines go with --verify');
  const verified = verifyTranscript(text, published);
  if (values.verify) {
    if (verified.ok) {
      const tail = verified.complete
        ? 'ends with gateway.stop'
        : 'no gateway.stop at the end (the run was cut short)';
      const end = published.head
        ? ', ends at the published head'
        : ' (its end is unproven: pass --head from the job summary to check it)';
      console.log(`${file}: ${verified.lines} lines, hash chain intact, ${tail}${end}`);
      return 0;
    }
    console.error(
      verified.endMismatch
        ? `${file}: does not end where the job published: ${verified.reason}`
        : `${file}: hash chain broken at line ${verified.brokenAt}: ${verified.reason}`,
    );
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

/** The end the post step published (job summary, step output, log), as given on the command line. */
function publishedHead(head: string | undefined, lines: string | undefined): PublishedHead {
  if (head !== undefined && !/^[0-9a-fA-F]{64}$/.test(head))
    throw new UsageError('--head takes the 64 hex digits of the transcript head from the job summary');
  if (lines !== undefined && !/^\d+$/.test(lines))
    throw new UsageError('--lines takes the line count from the job summary');
  return { ...(head ? { head } : {}), ...(lines !== undefined ? { lines: Number(lines) } : {}) };
}
