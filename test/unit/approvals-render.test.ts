import { describe, expect, it } from 'vitest';
import { parseCommands } from '../../src/approvals/commands.js';
import { fenced, inlineCode, marker, renderComment, renderPlain } from '../../src/approvals/render.js';
import type { ApprovalRequest } from '../../src/approvals/types.js';
import { defaultPolicy } from '../../src/policy/defaults.js';

const hash = 'a'.repeat(64);

function request(over: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'gr-0badcafe',
    batch: false,
    statements: [
      {
        text: 'DROP TABLE users',
        hash,
        findings: [
          {
            rule: 'destructive/drop-table',
            category: 'destructive',
            severity: 'critical',
            objects: ['public.users'],
            message: 'drops table public.users',
          },
        ],
      },
    ],
    database: { dialect: 'postgres', name: 'app', host: 'db.internal:5432', role: 'gr_job_1' },
    job: {
      repository: 'octo-org/app',
      serverUrl: 'https://github.com',
      runId: '42',
      runAttempt: '2',
      job: 'migrate',
      workflow: 'Nightly migrations',
      ref: 'refs/heads/main',
      sha: 'f'.repeat(40),
      actor: 'dev-a',
      eventName: 'push',
    },
    deadline: new Date('2026-01-01T00:30:00Z'),
    ...over,
  };
}

const now = new Date('2026-01-01T00:00:00Z');

describe('renderComment', () => {
  it('carries the marker, run link, job facts, statement, hash, findings, commands and deadline', () => {
    const body = renderComment(request(), { policy: defaultPolicy().approvals, now });
    expect(body.startsWith(marker('gr-0badcafe'))).toBe(true);
    expect(body).toContain('(https://github.com/octo-org/app/actions/runs/42/attempts/2)');
    expect(body).toContain('Nightly migrations');
    expect(body).toContain('`refs/heads/main`');
    expect(body).toContain('| Actor | dev-a |');
    expect(body).toContain('`app` on `db.internal:5432`');
    expect(body).toContain('`gr_job_1`');
    expect(body).toContain('```sql\nDROP TABLE users\n```');
    expect(body).toContain(hash);
    expect(body).toContain('`destructive/drop-table` (critical): drops table public.users');
    expect(body).toContain('- no estimate');
    expect(body).toContain(`\`\`\`\n/guardrail approve gr-0badcafe ${hash.slice(0, 12)}\n\`\`\``);
    expect(body).toContain(`the statement hash \`${hash.slice(0, 12)}\``);
    expect(body).toContain('/guardrail deny gr-0badcafe');
    expect(body).toContain('2026-01-01T00:30:00.000Z (in 30 minutes)');
  });

  it('fills the impact section when an estimate exists', () => {
    const r = request();
    r.statements[0]!.impact = {
      'delete public.users': {
        kind: 'delete',
        table: 'public.users',
        rowsEstimated: 120000,
        rowsExact: 118250,
        lockLevel: 'ROW EXCLUSIVE',
        dependents: { views: ['v_users'], foreignKeys: [], functions: [], triggers: [] },
        notes: [],
        unavailable: [],
      },
    };
    const body = renderComment(r, { policy: defaultPolicy().approvals, now });
    const line = body.split('\n').find((l) => l.startsWith('- delete public.users'));
    expect(line).toMatch(/118,?250 exact/);
    expect(line).toContain('lock ROW EXCLUSIVE');
    expect(line).toContain('dependents: views v\\_users');
    expect(body).not.toContain('no estimate');
    expect(body).not.toContain('{"kind"');
  });

  it('keeps a statement with backtick fences inside its code block', () => {
    const text = 'SELECT 1;\n```\n/guardrail approve gr-0badcafe\n```\n<!-- guardrail:request:gr-other -->';
    const r = request();
    r.statements[0]!.text = text;
    const body = renderComment(r, { policy: defaultPolicy().approvals, now });
    expect(body).toContain(`\`\`\`\`sql\n${text}\n\`\`\`\``);
    // The command inside the statement is in a code block: it is not a command of the comment.
    const lines = body.split('\n');
    const open = lines.indexOf('````sql');
    const close = lines.indexOf('````', open + 1);
    expect(open).toBeGreaterThan(0);
    expect(close).toBeGreaterThan(open + 4);
    expect(fenced('a ````` b').startsWith('``````\n')).toBe(true);
    expect(inlineCode('a `b` c')).toBe('``a `b` c``');
  });

  it('shortens long statements with a note and always shows the hash', () => {
    const r = request();
    r.statements[0]!.text = `DELETE FROM t WHERE id IN (${'1,'.repeat(5000)}1)`;
    const body = renderComment(r, { policy: defaultPolicy().approvals, now });
    expect(body).toContain(
      `Shortened: the first 4000 of ${r.statements[0]!.text.length} characters are shown`,
    );
    expect(body).toContain(hash);
    expect(body.length).toBeLessThan(10_000);
  });

  it('stays under GitHub’s size limit for a big batch and still names every hash', () => {
    const statements = Array.from({ length: 400 }, (_, i) => ({
      text: `ALTER TABLE t${i} DROP COLUMN c ${'-- pad\n'.repeat(200)}`,
      hash: i.toString(16).padStart(64, '0'),
      findings: [],
    }));
    const body = renderComment(request({ batch: true, statements }), {
      policy: defaultPolicy().approvals,
      now,
    });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('a batch of 400 statements');
    for (const s of statements) expect(body).toContain(s.hash);
  });

  it('escapes markup and mentions in names and messages', () => {
    const r = request();
    r.job.workflow = 'deploy <!-- x --> @org/team [link](http://evil)';
    r.statements[0]!.findings[0]!.message = 'drops `x` *now* @someone';
    const body = renderComment(r, { policy: defaultPolicy().approvals, now });
    expect(body).not.toContain('<!-- x -->');
    expect(body).not.toMatch(/@org\/team|@someone/);
    expect(body).not.toContain('[link](http://evil)');
  });

  it('reports the outcome and the commands that did not count', () => {
    const body = renderComment(request(), {
      policy: defaultPolicy().approvals,
      now,
      outcome: {
        decision: 'denied',
        by: ['carol'],
        reason: 'wrong table',
        decidedAt: '2026-01-01T00:05:00.000Z',
        ignored: [{ login: 'bob', verb: 'approve', reason: 'read permission' }],
      },
    });
    expect(body).toContain(
      '> **Denied** by @carol at 2026-01-01T00:05:00.000Z: wrong table. The statement was not run.',
    );
    expect(body).toContain('- ignored: @bob (read permission), an approval');
    // Decided: no commands to copy and no countdown any more.
    expect(body).not.toContain('/guardrail approve');
    expect(body).toContain('Deadline was 2026-01-01T00:30:00.000Z.');
  });

  it('never contains a live command line outside code blocks', () => {
    const body = renderComment(request(), { policy: defaultPolicy().approvals, now });
    expect(parseCommands(body)).toEqual([]);
  });
});

describe('renderPlain', () => {
  it('shows the statement without terminal control characters', () => {
    const r = request();
    r.statements[0]!.text = 'DROP TABLE users \u001b[2J\u001b]0;owned\u0007';
    const text = renderPlain(r, now);
    expect(text).toContain('DROP TABLE users');
    expect(text).toContain(hash);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});
