import { readFileSync } from 'node:fs';
import { verifyTranscript } from '../transcript/verify.js';
import { parse, UsageError } from './args.js';

export const usage = 'guardrail replay [--verify] FILE';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { verify: { type: 'boolean' } });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError('replay takes exactly one transcript file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    console.error(`guardrail replay: cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  if (!values.verify) throw new UsageError('only --verify is available so far');
  const result = verifyTranscript(text);
  if (result.ok) {
    console.log(`${file}: ${result.lines} lines, hash chain intact`);
    return 0;
  }
  console.error(`${file}: hash chain broken at line ${result.brokenAt}: ${result.reason}`);
  return 1;
}
