// `guardrail check --base REF` with a real temporary git repository: files present at REF are
// applied history (their schema is known, their tables are not new), only files added or changed
// since are judged; without --base each file is judged as its own session. The action's
// pull-request base resolution is exercised on the same repository.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pullRequestBase } from '../../src/action/base-ref.js';
import { CheckReadError, checkFiles } from '../../src/cli/check.js';

let repo: string;
let dir: string;

function git(...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const write = (name: string, sql: string) => writeFileSync(join(dir, name), sql);
const rulesByFile = (r: Awaited<ReturnType<typeof checkFiles>>) =>
  r.statements.map((s) => [s.file.slice(dir.length + 1), s.line, s.findings.map((f) => f.rule)]);

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'guardrail-base-repo-'));
  dir = join(repo, 'db', 'migrations');
  mkdirSync(dir, { recursive: true });
  git('init', '-q', '-b', 'main');
  // Applied on main: the schema the pull request runs against.
  write(
    '20240101000000_init.up.sql',
    'CREATE TABLE events (id bigint PRIMARY KEY, request_id varchar(255), note text);\nCREATE INDEX events_request_idx ON events (request_id);\n',
  );
  write('20240101000000_init.down.sql', 'DROP TABLE events;\n');
  write('20240201000000_kind.up.sql', 'ALTER TABLE events ADD COLUMN kind varchar(20);\n');
  git('add', '.');
  git('commit', '-q', '-m', 'applied');
  git('checkout', '-q', '-b', 'feature');
  // The pull request: one new file and an edit of an applied one.
  write(
    '20240301000000_narrow.up.sql',
    [
      'DELETE FROM events WHERE length(request_id) > 40;',
      'ALTER TABLE events ALTER COLUMN request_id TYPE varchar(40);',
      'ALTER TABLE events ALTER COLUMN kind TYPE varchar(20);',
      'CREATE INDEX events_kind_idx ON events (kind);',
      'CREATE TABLE tags (id int, name text);',
      'CREATE INDEX tags_name_idx ON tags (name);',
      '',
    ].join('\n'),
  );
  write(
    '20240201000000_kind.up.sql',
    'ALTER TABLE events ADD COLUMN kind varchar(20);\nALTER TABLE events ALTER COLUMN note TYPE varchar(100);\n',
  );
  git('add', '.');
  git('commit', '-q', '-m', 'pr');
});

describe('guardrail check --base', () => {
  it('judges only the files the change adds or edits, against the schema of the applied ones', async () => {
    const r = await checkFiles([dir], { base: 'main' });
    expect(r.files.map((f) => f.slice(dir.length + 1))).toEqual([
      '20240201000000_kind.up.sql',
      '20240301000000_narrow.up.sql',
    ]);
    expect(rulesByFile(r)).toEqual([
      ['20240201000000_kind.up.sql', 1, []],
      ['20240201000000_kind.up.sql', 2, ['destructive/narrowing-type', 'lock-heavy/alter-column-type']],
      ['20240301000000_narrow.up.sql', 1, ['mass-change/data-change']],
      ['20240301000000_narrow.up.sql', 2, ['destructive/narrowing-type', 'lock-heavy/alter-column-type']],
      // Already varchar(20): nothing to say.
      ['20240301000000_narrow.up.sql', 3, []],
      // `events` existed: the index blocks writes; `tags` is new to the change.
      ['20240301000000_narrow.up.sql', 4, ['lock-heavy/blocking-index']],
      ['20240301000000_narrow.up.sql', 5, []],
      ['20240301000000_narrow.up.sql', 6, []],
    ]);
    const narrowing = r.statements
      .flatMap((s) => s.findings)
      .filter((f) => f.rule === 'destructive/narrowing-type');
    expect(narrowing.map((f) => f.message)).toEqual([
      'type change of events.note: text → varchar(100) can truncate, round or reject existing values',
      'type change of events.request_id: varchar(255) → varchar(40) can truncate, round or reject existing values',
    ]);
    expect(r.statements[2]?.verdict.action).toBe('allow');
    expect(r.statements[3]?.verdict.action).toBe('review');
  });

  it('without --base judges every file, each as its own session with earlier files as history', async () => {
    const r = await checkFiles([dir]);
    expect(r.files).toHaveLength(3);
    const byLine = rulesByFile(r);
    // The first file's CREATE INDEX is on a table that file creates.
    expect(byLine[0]).toEqual(['20240101000000_init.up.sql', 1, []]);
    expect(byLine[1]).toEqual(['20240101000000_init.up.sql', 2, []]);
    expect(byLine).toContainEqual([
      '20240301000000_narrow.up.sql',
      2,
      ['destructive/narrowing-type', 'lock-heavy/alter-column-type'],
    ]);
  });

  it('refuses a ref that names no commit, and a directory outside a repository', async () => {
    await expect(checkFiles([dir], { base: 'no-such-branch' })).rejects.toThrow(CheckReadError);
    const outside = mkdtempSync(join(tmpdir(), 'guardrail-no-repo-'));
    writeFileSync(join(outside, '1_a.sql'), 'SELECT 1;');
    await expect(checkFiles([outside], { base: 'main' })).rejects.toThrow(/git rev-parse/);
  });

  it('functions and triggers of applied files exist: a call or a write in a new file runs their bodies', async () => {
    git('checkout', '-q', '-b', 'fn-base', 'main');
    const fnDir = join(repo, 'db', 'fn');
    mkdirSync(fnDir);
    writeFileSync(
      join(fnDir, '1_fn.sql'),
      [
        'CREATE TABLE audit (id int);',
        'CREATE TABLE orders (id int, total numeric);',
        'CREATE FUNCTION purge_audit() RETURNS void LANGUAGE sql AS $$ DELETE FROM audit $$;',
        'CREATE FUNCTION orders_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE audit SET id = id + 1; RETURN NEW; END $$;',
        'CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_audit();',
        '',
      ].join('\n'),
    );
    git('add', '.');
    git('commit', '-q', '-m', 'fn applied');
    git('checkout', '-q', '-b', 'fn-pr');
    writeFileSync(join(fnDir, '2_use.sql'), 'SELECT purge_audit();\nINSERT INTO orders VALUES (1, 10);\n');
    git('add', '.');
    git('commit', '-q', '-m', 'fn pr');
    const expected = [
      ['2_use.sql', 1, ['destructive/delete-without-where']],
      ['2_use.sql', 2, ['destructive/update-without-where']],
    ];
    const withBase = await checkFiles([fnDir], { base: 'fn-base' });
    expect(
      withBase.statements.map((s) => [s.file.slice(fnDir.length + 1), s.line, s.findings.map((f) => f.rule)]),
    ).toEqual(expected);
    // Creating a function runs nothing; creating the trigger runs nothing now either, but its
    // function rewrites the whole audit table on every later insert into orders, by anyone
    // (outside any review): that is judged at CREATE TRIGGER.
    const each = await checkFiles([fnDir]);
    expect(
      each.statements.map((s) => [s.file.slice(fnDir.length + 1), s.line, s.findings.map((f) => f.rule)]),
    ).toEqual([
      ...[1, 2, 3, 4].map((line) => ['1_fn.sql', line, []]),
      ['1_fn.sql', 5, ['destructive/update-without-where']],
      ...expected,
    ]);
    git('checkout', '-q', 'feature');
  });

  it('a directory new in the change has no history: all of it is judged', async () => {
    git('checkout', '-q', '-b', 'newdir', 'main');
    const fresh = join(repo, 'db', 'other');
    mkdirSync(fresh);
    writeFileSync(join(fresh, '1_a.sql'), 'DROP VIEW v;\n');
    const r = await checkFiles([fresh], { base: 'main' });
    expect(r.statements.map((s) => s.findings.map((f) => f.rule))).toEqual([['destructive/drop-view']]);
    git('checkout', '-q', 'feature');
  });
});

describe('pull request base for the action', () => {
  const log = { info: () => {}, warning: (m: string) => warnings.push(m) };
  const warnings: string[] = [];

  it('takes pull_request.base.sha from the event payload when the commit is there', () => {
    const sha = git('rev-parse', 'main');
    const event = join(repo, 'event.json');
    writeFileSync(event, JSON.stringify({ pull_request: { base: { sha } } }));
    expect(pullRequestBase({ env: { GITHUB_EVENT_PATH: event }, cwd: repo, log })).toBe(sha);
  });

  it('falls back to origin/<GITHUB_BASE_REF>, and to no base (with a warning) when nothing resolves', () => {
    git('update-ref', 'refs/remotes/origin/main', git('rev-parse', 'main'));
    expect(pullRequestBase({ env: { GITHUB_BASE_REF: 'main' }, cwd: repo, log })).toBe('origin/main');
    expect(pullRequestBase({ env: {}, cwd: repo, log })).toBeUndefined();
    expect(pullRequestBase({ env: { GITHUB_BASE_REF: 'gone' }, cwd: repo, log })).toBeUndefined();
    expect(warnings.at(-1)).toMatch(/base gone is not in the checkout and could not be fetched/);
  });
});
