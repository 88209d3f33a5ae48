import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULE_IDS, RULES } from '../../src/sql/rules.js';

const doc = readFileSync('docs/rules.md', 'utf8');

describe('docs/rules.md', () => {
  const sections = [...doc.matchAll(/^### `([^`]+)`\n([\s\S]*?)(?=^#{2,3} |(?![\s\S]))/gm)];

  it('documents exactly the rule ids of the catalog, each once', () => {
    const ids = sections.map((m) => m[1]!);
    expect([...ids].sort()).toEqual([...RULE_IDS].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives what, why, a safer alternative and an example for every rule, under its category', () => {
    for (const [, id, body] of sections) {
      for (const part of ['**What**', '**Why risky**', '**Safer**', '**Example**']) {
        expect([id, body!.includes(`- ${part}: `)]).toEqual([id, true]);
      }
      const category = RULES[id as keyof typeof RULES].category;
      const heading = doc.lastIndexOf('\n## ', doc.indexOf(`### \`${id}\``));
      expect([id, doc.slice(heading + 4, doc.indexOf('\n', heading + 1))]).toEqual([id, category]);
    }
  });
});
