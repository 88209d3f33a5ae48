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
  const channel: ApprovalChannel = {
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
  };
  const result = await preapprove({
    paths: [file],
    dialect: 'postgres',
    policy: defaultPolicy(),
    channel,
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
    database: { dialect: 'postgres', name: 'app', host: 'db:5432', role: 'ci' },
    timeoutMs: 60_000,
    signal: new AbortController().signal,
    log: { info() {}, warning() {} },
  });
  expect(asked).toHaveLength(1);
  const statements = asked[0]!.statements;
  expect(statements.map((s) => s.text)).toEqual(['DROP TABLE legacy_orders', 'TRUNCATE audit_log']);
  expect(statements[0]!.findings[0]!.message).toContain(
    'suppressed in the file: the legacy copy is empty since 2024',
  );
  expect(result.hashes).toEqual(statements.map((s) => s.hash));
});
