// Batch pre-approval asks about exactly what the gateway would hold at run time: statements that
// need review, including those whose findings the migration file suppresses (the gateway does not
// read suppressions), each with the author's reason shown to the reviewer.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { preapprove } from '../../src/action/migrations.js';
import type { ApprovalChannel, ApprovalRequest } from '../../src/approvals/types.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { loadAnalyzers } from '../../src/sql/analyze.js';

/** A channel that approves every request and remembers it. */
const approving = (asked: ApprovalRequest[]): ApprovalChannel => ({
  name: 'test',
  async request(r) {
    asked.push(r);
    return {
      decision: 'approved',
      by: ['reviewer'],
      hashes: r.statements.map((s) => s.hash),
      decidedAt: new Date().toISOString(),
    };
  },
});

const common = {
  dialect: 'postgres' as const,
  policy: defaultPolicy(),
  job: {
    repository: 'o/r',
    serverUrl: 'https://github.com',
    runId: '1',
    runAttempt: '1',
    job: 'migrate',
    workflow: 'w',
    ref: 'refs/heads/main',
    sha: 'abc',
    actor: 'dev',
    eventName: 'push',
  },
  database: { dialect: 'postgres' as const, name: 'app', host: 'db:5432', role: 'ci' },
  timeoutMs: 60_000,
  signal: new AbortController().signal,
  log: { info() {}, warning() {} },
};

it('puts suppressed and unsuppressed reviews in the batch and nothing that is allowed', async () => {
  await loadAnalyzers();
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-batch-'));
  const file = join(dir, 'V1__cleanup.sql');
  writeFileSync(
    file,
    [
      'CREATE TABLE fresh (id int);',
      '-- guardrail:allow destructive/drop-table the legacy copy is empty since 2024',
      'DROP TABLE legacy_orders;',
      'TRUNCATE audit_log;',
      '',
    ].join('\n'),
  );
  const asked: ApprovalRequest[] = [];
  const result = await preapprove({ ...common, paths: [file], channel: approving(asked) });
  expect(asked).toHaveLength(1);
  const statements = asked[0]!.statements;
  expect(statements.map((s) => s.text)).toEqual(['DROP TABLE legacy_orders', 'TRUNCATE audit_log']);
  expect(statements[0]!.findings[0]!.message).toContain(
    'suppressed in the file: the legacy copy is empty since 2024',
  );
  expect(result.hashes).toEqual(statements.map((s) => s.hash));
});

it('asks for what the gateway alone would hold, and judges every file when the base cannot be read', async () => {
  await loadAnalyzers();
  const dir = mkdtempSync(join(tmpdir(), 'guardrail-batch-'));
  writeFileSync(
    join(dir, 'V2__views.sql'),
    'DROP VIEW active_users;\nCREATE VIEW active_users AS SELECT 1 AS id;\n',
  );
  const asked: ApprovalRequest[] = [];
  const warnings: string[] = [];
  const result = await preapprove({
    ...common,
    paths: [dir],
    base: 'main',
    channel: approving(asked),
    log: { info() {}, warning: (m) => warnings.push(m) },
  });
  // Not a git repository: a warning, then every file judged.
  expect(warnings).toEqual([
    expect.stringMatching(/^migrations: cannot read the base main .*every file is judged$/),
  ]);
  expect(result.check.files).toHaveLength(1);
  // The check calls the recreated view a warning; the gateway, seeing one statement at a time,
  // holds the DROP VIEW: it is put up front, marked.
  expect(result.check.statements[0]!.findings.map((f) => f.rule)).toEqual(['destructive/drop-recreated']);
  expect(asked[0]!.statements.map((s) => s.text)).toEqual(['DROP VIEW active_users']);
  expect(asked[0]!.statements[0]!.findings.map((f) => [f.rule, f.message])).toEqual([
    ['destructive/drop-recreated', 'DROP VIEW active_users: recreated under the same name on line 2'],
    ['destructive/drop-view', 'DROP VIEW active_users (as the gateway judges it alone)'],
  ]);
});
