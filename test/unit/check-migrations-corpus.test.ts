// The real-world migration corpus (test/fixtures/migrations-corpus.ts) through `checkFiles`: each
// case's applied migration and new migration are written as two files of one directory, and the
// new file's findings must be exactly the expected rule ids, lines and levels.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles } from '../../src/cli/check.js';
import { actionFor, defaultPolicy } from '../../src/policy/index.js';
import { MIGRATION_CORPUS } from '../fixtures/migrations-corpus.js';

const policy = defaultPolicy();

describe('migration corpus', () => {
  it('covers every item of the issue in both dialects', () => {
    const rules = (d: string) =>
      new Set(MIGRATION_CORPUS.filter((c) => c.dialect === d).flatMap((c) => c.expect.map((e) => e[1])));
    for (const d of ['postgres', 'mysql'])
      for (const r of [
        'destructive/narrowing-type',
        'destructive/drop-recreated',
        'mass-change/data-change',
        'lock-heavy/alter-column-type',
      ])
        expect(rules(d), `${d} ${r}`).toContain(r);
  });

  it.each(MIGRATION_CORPUS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = mkdtempSync(join(tmpdir(), 'guardrail-corpus-'));
    if (c.history) writeFileSync(join(dir, '20240101000000_applied.up.sql'), c.history);
    const file = join(dir, '20240601000000_change.up.sql');
    writeFileSync(file, c.sql);
    writeFileSync(join(dir, '20240601000000_change.down.sql'), 'DROP TABLE everything;\n');
    const r = await checkFiles([dir], { dialect: c.dialect });
    const got = r.statements
      .filter((s) => s.file === file)
      .flatMap((s) =>
        s.findings.map((f) => [f.location?.line ?? s.line, f.rule, actionFor(f, policy)] as const),
      )
      .sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
    expect(got).toEqual(c.expect);
    const messages = r.statements.flatMap((s) => s.findings);
    for (const [rule, text] of Object.entries(c.message ?? {}))
      expect(messages.filter((f) => f.rule === rule).map((f) => f.message)).toContainEqual(
        expect.stringContaining(text),
      );
    // The history file judged on its own never reports data changes or narrowing.
    const applied = r.statements.filter((s) => s.file !== file).flatMap((s) => s.findings.map((f) => f.rule));
    expect(
      applied.filter((x) => x === 'destructive/narrowing-type' || x === 'mass-change/data-change'),
    ).toEqual([]);
  });

  it('diesel layout: one directory per migration, down.sql skipped, earlier directories are history', async () => {
    const root = mkdtempSync(join(tmpdir(), 'guardrail-diesel-'));
    const mk = (name: string, up: string, down: string) => {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'up.sql'), up);
      writeFileSync(join(root, name, 'down.sql'), down);
    };
    mk(
      '00000000000000_diesel_initial_setup',
      'CREATE TABLE posts (id SERIAL PRIMARY KEY, title VARCHAR NOT NULL, body TEXT NOT NULL);\n',
      'DROP TABLE posts;\n',
    );
    mk(
      '2024-02-01-101500_shorten_title',
      'ALTER TABLE posts ALTER COLUMN title TYPE VARCHAR(120);\n',
      'ALTER TABLE posts ALTER COLUMN title TYPE VARCHAR;\n',
    );
    const r = await checkFiles([root]);
    expect(r.files.map((f) => f.slice(root.length + 1))).toEqual([
      '00000000000000_diesel_initial_setup/up.sql',
      '2024-02-01-101500_shorten_title/up.sql',
    ]);
    expect(r.statements.flatMap((s) => s.findings.map((f) => `${f.rule}: ${f.message}`))).toEqual([
      'destructive/narrowing-type: type change of posts.title: varchar → varchar(120) can truncate, round or reject existing values',
      'lock-heavy/alter-column-type: type change of posts.title (varchar → varchar(120)) rewrites posts under lock',
    ]);
  });
});
