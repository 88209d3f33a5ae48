// A pull-request dry run with the committed dist/main.js and dist/post.js: `mode: dry-run`, a real
// migration through the gateway against a real PostgreSQL, nothing kept, and one report comment on
// the pull request that the next push's run edits in place (issue 9).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportMarker } from '../../src/approvals/report.js';
import type { GhComment } from '../support/github-emulator.js';
import { newJob, type RunResult, reapTracked } from '../support/runner.js';
import {
  maskedValues,
  psqlPath,
  rawLog,
  runMain,
  runPost,
  type Scenario,
  startClient,
  startScenario,
  startWorld,
  tableRows,
  type World,
} from './action-support.js';

let world: World;

beforeAll(async () => {
  world = await startWorld(['dryrun']);
}, 120_000);

afterAll(async () => {
  await world?.close();
});

function decoded(text: string): string {
  return text.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

/** The report's table row of the statement whose text contains `text`, decoded. */
function rowWith(body: string, text: string): string {
  const row = decoded(body)
    .split('\n')
    .find((l) => l.startsWith('<tr><td>') && l.includes(text));
  if (!row) throw new Error(`no report row for ${text} in:\n${decoded(body)}`);
  return row;
}

async function dryRun(
  s: Scenario,
  migration: string,
): Promise<{ main: RunResult; post: RunResult; client: string }> {
  const main = await runMain(s);
  expect(main.code, rawLog(main)).toBe(0);
  const file = join(s.job.workspace, 'migration.sql');
  writeFileSync(file, migration);
  const done = await startClient(
    psqlPath(),
    [main.outputs.url!, '-v', 'ON_ERROR_STOP=1', '-X', '-f', file],
    {},
    s.job.workspace,
  ).exited;
  expect(done.code, done.output).toBe(0);
  const post = await runPost(s, main);
  expect(post.code, rawLog(post)).toBe(0);
  return { main, post, client: done.output };
}

function reports(s: Scenario): GhComment[] {
  return s.gh.commentsOn(s.pr).filter((c) => c.body.startsWith(reportMarker(s.job)));
}

function expectNoSecrets(s: Scenario, runs: RunResult[]): void {
  const secrets = [...maskedValues(...runs), s.gh.token, world.issuer.requestToken];
  expect(secrets.length).toBeGreaterThan(2);
  const places = [...s.gh.comments.map((c) => c.body), ...runs.map((r) => r.summary)];
  for (const secret of secrets) for (const text of places) expect(text.includes(secret)).toBe(false);
}

describe('dry run on a pull request (dist/main.js, dist/post.js)', () => {
  it('runs the migration, keeps nothing, and keeps one report comment up to date', async () => {
    const s = await startScenario(world, 'dryrun', { mode: 'dry-run' });
    const jobs = [s.job];
    try {
      const first = await dryRun(
        s,
        [
          'CREATE TABLE orders (id bigserial PRIMARY KEY, customer bigint NOT NULL);',
          'INSERT INTO orders (customer) SELECT id FROM customers;',
          'DELETE FROM customers WHERE id <= 5;',
          'CREATE INDEX CONCURRENTLY customers_email ON customers (email);',
          '',
        ].join('\n'),
      );
      // Nothing the migration did is kept.
      expect(await tableRows(world.db, 'dryrun', 'customers')).toBe(25);
      expect(await tableRows(world.db, 'dryrun', 'orders')).toBeNull();

      const [comment] = reports(s);
      expect(reports(s)).toHaveLength(1);
      const body = comment!.body;
      const del = rowWith(body, 'DELETE FROM customers WHERE id <= 5');
      expect(del).toContain('allowed');
      expect(del).toMatch(/~5 estimated|5 exact/);
      expect(del).toContain('<td>5</td>');
      expect(del).toMatch(/\d+\.\d ms/);
      expect(rowWith(body, 'INSERT INTO orders')).toContain('<td>25</td>');
      expect(rowWith(body, 'CREATE INDEX CONCURRENTLY')).toContain('not run');
      expect(decoded(body)).toContain('rolled back, so nothing was committed');
      // The job summary has the same report.
      expect(first.post.summary).toContain(body.slice(reportMarker(s.job).length + 1));
      expect(first.post.stdout).toContain(`dry-run report created on #${s.pr}`);

      // The next push to the pull request: a new commit, a new run of the same workflow and job.
      const sha = 'beef'.padEnd(40, '1');
      const pr = s.gh.issues.get(s.pr)!;
      pr.head = { ...pr.head!, sha };
      pr.commits!.push(sha);
      s.job = newJob({ apiUrl: s.gh.url, sha });
      jobs.push(s.job);
      const second = await dryRun(s, 'DELETE FROM customers WHERE id <= 12;\n');
      expect(await tableRows(world.db, 'dryrun', 'customers')).toBe(25);

      expect(reports(s)).toHaveLength(1);
      const updated = reports(s)[0]!;
      expect(updated.id).toBe(comment!.id);
      expect(updated.body).not.toBe(body);
      expect(rowWith(updated.body, 'DELETE FROM customers WHERE id <= 12')).toContain('<td>12</td>');
      expect(decoded(updated.body)).not.toContain('id <= 5');
      expect(decoded(updated.body)).toContain(sha.slice(0, 12));
      expect(second.post.stdout).toContain(`dry-run report updated on #${s.pr}`);
      expectNoSecrets(s, [first.main, first.post, second.main, second.post]);
    } finally {
      for (const job of jobs) reapTracked(job.trackingId);
      await s.close();
    }
  }, 300_000);
});
