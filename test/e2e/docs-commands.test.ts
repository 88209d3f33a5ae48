// The commands README.md and docs/*.md show must work as shown. Every shell code block carries a
// marker on the line before it: `<!-- runnable -->` (each line must exit 0),
// `<!-- runnable: exit N -->`, or `<!-- not runnable: why -->`. Runnable lines are run from the
// repository root with the committed dist/ (what `npx guardrail` runs in a clone).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Block {
  file: string;
  line: number;
  marker: string;
  commands: string[];
}

const SHELL = /^```(sh|bash|shell|console)\s*$/;
const MARKER = /^<!-- (runnable(?:: exit (\d+))?|not runnable: .+) -->$/;

function shellBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!SHELL.test(lines[i]!)) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    const commands = lines
      .slice(i + 1, end)
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    blocks.push({ file, line: i + 1, marker: lines[i - 1]?.trim() ?? '', commands });
    i = end;
  }
  return blocks;
}

const files = ['README.md', ...readdirSync('docs').map((f) => join('docs', f))].filter((f) =>
  f.endsWith('.md'),
);
const blocks = files.flatMap((f) => shellBlocks(f, readFileSync(f, 'utf8')));
const runnable = blocks.filter((b) => b.marker.startsWith('<!-- runnable'));

describe('shell blocks in the docs', () => {
  it('each say whether the tests run them', () => {
    for (const b of blocks) expect(b.marker, `${b.file}:${b.line}`).toMatch(MARKER);
    expect(runnable.length).toBeGreaterThan(0);
  });

  it('finds blocks and their markers', () => {
    const text = ['<!-- runnable: exit 1 -->', '```sh', 'false   # fails', '# a comment', '', '```'].join(
      '\n',
    );
    expect(shellBlocks('x.md', text)).toEqual([
      { file: 'x.md', line: 2, marker: '<!-- runnable: exit 1 -->', commands: ['false'] },
    ]);
  });
});

describe.each(runnable.map((b) => [`${b.file}:${b.line}`, b] as const))('the block at %s', (_, block) => {
  const exit = Number(MARKER.exec(block.marker)?.[2] ?? 0);
  it.each(block.commands)(`%s exits ${exit}`, (command) => {
    const r = spawnSync('bash', ['-c', command], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR },
    });
    expect(r.status, `${command}\n${r.stdout}\n${r.stderr}`).toBe(exit);
  });
});
