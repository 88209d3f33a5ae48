// The dry-run report renderer, from synthetic transcripts recorded the way the gateway records them.
import { describe, expect, it } from 'vitest';
import { isDryRun, renderReport } from '../../src/action/report.js';
import { COMMENT_LIMIT, reportMarker } from '../../src/approvals/report.js';
import type { JobInfo } from '../../src/approvals/types.js';
import { SKIPPED_CODE } from '../../src/transcript/events.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';

const SECRET = 'lease-pw-5ecret-9f8e7d';

const job: JobInfo = {
  repository: 'octo-org/app',
  serverUrl: 'https://github.com',
  runId: '4242',
  runAttempt: '2',
  job: 'migrate',
  workflow: 'pr dry run',
  ref: 'refs/pull/7/merge',
  sha: 'abcdef0123456789abcdef0123456789abcdef01',
  actor: 'octocat',
  eventName: 'pull_request',
};

/** What a reader sees: the numeric character references the renderer writes, decoded. */
function readable(markdown: string): string {
  return markdown.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

/** The table row of one statement, decoded. */
function rowOf(markdown: string, id: string): string {
  const row = markdown.split('\n').find((l) => l.startsWith(`<tr><td>${id}</td>`));
  if (!row) throw new Error(`no row for ${id}`);
  return readable(row);
}

function dryRun(dialect: 'postgres' | 'mysql'): MemoryRecorder {
  const r = new MemoryRecorder();
  r.record(0, {
    type: 'gateway.start',
    dialect,
    upstream: 'db.internal:5432/app',
    mode: 'dry-run',
    version: 't',
  });
  r.record(1, { type: 'session.start', user: 'gw', database: 'app', client: '127.0.0.1:5000' });
  const statement = (id: string, text: string, conn = 1) =>
    r.record(conn, { type: 'statement', id, text, via: 'simple', hash: `h-${id}`, inTransaction: true });
  const verdict = (id: string, action: 'allow' | 'review' | 'deny', rules: string[] = [], conn = 1) =>
    r.record(conn, {
      type: 'verdict',
      id,
      action,
      rules,
      findings: rules.map((rule) => ({ rule, severity: 'risk', message: `${rule} fired`, objects: [] })),
      enforced: true,
    });

  statement('s1', 'SELECT count(*) FROM customers');
  verdict('s1', 'allow');
  r.record(1, { type: 'result', id: 's1', tag: 'SELECT 1', rows: 1, durationMs: 1.24 });

  statement('s2', "DELETE FROM orders WHERE created < now() - interval '1 year'");
  r.record(1, {
    type: 'impact',
    id: 's2',
    estimate: {
      'delete public.orders': {
        kind: 'delete',
        table: 'public.orders',
        rowsEstimated: 1200,
        rowsExact: 1187,
        tableRows: 50_000,
        bytes: 12_345_678,
        lockLevel: 'ROW EXCLUSIVE',
        notes: [],
        unavailable: [],
      },
    },
  });
  verdict('s2', 'review', ['mass-change/rows']);
  r.record(1, {
    type: 'approval.decided',
    id: 's2',
    requestId: 'gr-00aa11bb',
    outcome: 'approved',
    by: ['alice'],
  });
  r.record(1, { type: 'result', id: 's2', tag: 'DELETE 1187', rows: 1187, durationMs: 8.5 });

  statement('s3', 'DROP TABLE customers');
  r.record(1, {
    type: 'impact',
    id: 's3',
    estimate: {
      'drop-table public.customers': {
        kind: 'drop-table',
        table: 'public.customers',
        rowsEstimated: 25,
        rowsExact: 25,
        lockLevel: 'ACCESS EXCLUSIVE',
        dependents: { views: ['public.v_customers'], foreignKeys: [], functions: [], triggers: [] },
        notes: [],
        unavailable: [],
      },
    },
  });
  verdict('s3', 'deny', ['destructive/drop-table']);
  r.record(1, {
    type: 'result',
    id: 's3',
    durationMs: 0,
    error: { code: '42501', message: 'denied by policy (destructive/drop-table)' },
  });

  statement('s4', 'CREATE INDEX CONCURRENTLY orders_created ON orders (created)');
  verdict('s4', 'allow');
  r.record(1, {
    type: 'notice',
    severity: 'warning',
    code: SKIPPED_CODE,
    message: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction',
  });

  // A second connection: the notice above must not be taken for this one's statements.
  r.record(2, { type: 'session.start', user: 'gw', database: 'app', client: '127.0.0.1:5001' });
  statement('s5', 'VACUUM orders', 2);
  verdict('s5', 'allow', [], 2);
  r.record(2, { type: 'result', id: 's5', tag: 'SKIPPED (dry run)', durationMs: 0 });

  statement('s6', `UPDATE users SET note = '${SECRET} @alice <img src=x> | *x*' WHERE id = 1`);
  r.record(1, { type: 'impact', id: 's6', estimate: { error: 'impact estimate failed: timeout' } });
  verdict('s6', 'allow');
  r.record(1, { type: 'result', id: 's6', tag: 'UPDATE 1', rows: 1, durationMs: 3 });
  r.record(0, {
    type: 'notice',
    severity: 'info',
    code: 'dry-run-rolled-back',
    message: 'the transaction of connection 1 was rolled back',
  });
  r.record(0, { type: 'gateway.stop', reason: 'SIGTERM' });
  return r;
}

describe('renderReport (dry run)', () => {
  it('lists every statement with its verdict, findings, estimated and actual rows, lock and time', () => {
    const md = renderReport({ lines: dryRun('postgres').lines, job, secrets: [SECRET] });

    const s1 = rowOf(md, 's1');
    expect(s1).toContain('SELECT count(*) FROM customers');
    expect(s1).toContain('allowed');
    expect(s1).toContain('<td>1</td>');
    expect(s1).toContain('1.2 ms');

    const s2 = rowOf(md, 's2');
    expect(s2).toContain('needs approval, approved by alice');
    expect(s2).toContain('<code>mass-change/rows</code> risk: mass-change/rows fired');
    expect(s2).toContain('~1,200 estimated, 1,187 exact');
    expect(s2).toContain('<td>1,187</td>');
    expect(s2).toContain('ROW EXCLUSIVE');
    expect(s2).toContain('8.5 ms');

    const s3 = rowOf(md, 's3');
    expect(s3).toContain('denied');
    expect(s3).toContain('destructive/drop-table');
    expect(s3).toContain('ACCESS EXCLUSIVE');
    expect(s3).toContain('error 42501: denied by policy');

    expect(rowOf(md, 's4')).toContain('not run: CREATE INDEX CONCURRENTLY cannot run inside a transaction');
    expect(rowOf(md, 's5')).toContain('not run: SKIPPED (dry run)');
    expect(rowOf(md, 's6')).toContain('estimate failed');

    const text = readable(md);
    expect(text).toContain('6 statements: 4 allowed, 1 need approval, 1 denied, 2 not run, 1 failed.');
    expect(text).toContain('dry-run-rolled-back: the transaction of connection 1 was rolled back');
    expect(text).toContain('rolled back, so nothing was committed');
    expect(text).toContain('https://github.com/octo-org/app/actions/runs/4242/attempts/2');
    expect(text).toContain('abcdef012345');
  });

  it('says that a MySQL dry run analysed and estimated only, and executed nothing', () => {
    const r = new MemoryRecorder();
    r.record(0, {
      type: 'gateway.start',
      dialect: 'mysql',
      upstream: 'db:3306/app',
      mode: 'dry-run',
      version: 't',
    });
    r.record(1, {
      type: 'statement',
      id: 's1',
      text: 'DELETE FROM t',
      via: 'simple',
      hash: 'h',
      inTransaction: false,
    });
    r.record(1, {
      type: 'impact',
      id: 's1',
      estimate: {
        'delete app.t': {
          kind: 'delete',
          table: 'app.t',
          rowsEstimated: 40,
          lockLevel: 'row locks on every row read',
          notes: [],
          unavailable: [{ part: 'rowsExact', reason: 'statement shape not recognised' }],
        },
      },
    });
    r.record(1, { type: 'verdict', id: 's1', action: 'allow', rules: [], findings: [], enforced: true });
    const md = renderReport({ lines: r.lines, secrets: [] });
    const text = readable(md);
    expect(text).toContain(
      'MySQL dry run: the statements were analysed and their impact estimated only. None was executed.',
    );
    expect(text).not.toContain('rolled back');
    const s1 = rowOf(md, 's1');
    expect(s1).toContain('~40 estimated');
    expect(s1).toContain('not executed');
    expect(s1).toContain('row locks on every row read');

    // The dialect comes from the run's config when the transcript lost its first line.
    const headless = renderReport({ lines: r.lines.slice(1), dialect: 'mysql', secrets: [] });
    expect(readable(headless)).toContain('None was executed.');
  });

  it('shows no secret, and nothing in a statement can mention, link or break out of the table', () => {
    const md = renderReport({ lines: dryRun('postgres').lines, job, secrets: [SECRET] });
    expect(md).not.toContain(SECRET);
    expect(md).not.toContain('lease-pw');
    expect(readable(md)).toContain("SET note = '*** @alice");
    for (const raw of ['@alice', '<img', '| *x*']) expect(md).not.toContain(raw);
    // One line per statement row: a newline in a statement cannot end the HTML block early.
    const r = new MemoryRecorder();
    r.record(1, {
      type: 'statement',
      id: 's1',
      text: 'SELECT 1;\n\n</table>\n# hi',
      via: 'simple',
      hash: 'h',
      inTransaction: false,
    });
    const broken = renderReport({ lines: r.lines, secrets: [] });
    expect(broken.match(/<\/table>/g)).toHaveLength(1);
    expect(broken).not.toContain('\n# hi');
  });

  it('stays under the comment limit with a note when there are too many statements', () => {
    const r = new MemoryRecorder();
    const n = 400;
    for (let i = 1; i <= n; i++) {
      r.record(1, {
        type: 'statement',
        id: `s${i}`,
        text: `INSERT INTO t (a) VALUES ('${'x'.repeat(3000)}') -- ${i}`,
        via: 'simple',
        hash: `h${i}`,
        inTransaction: true,
      });
      r.record(1, { type: 'verdict', id: `s${i}`, action: 'allow', rules: [], findings: [], enforced: true });
      r.record(1, { type: 'result', id: `s${i}`, tag: 'INSERT 0 1', rows: 1, durationMs: 0.5 });
    }
    // A long workflow name makes a long marker: the report leaves room for it.
    const named = { ...job, workflow: 'nightly ünïcode workflow '.repeat(120) };
    const md = renderReport({ lines: r.lines, job: named, secrets: [] });
    expect(`${reportMarker(named)}\n${md}`.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(`${reportMarker(named)}\n${md}`.length).toBeGreaterThan(COMMENT_LIMIT - 5_000);
    const shown = md.split('\n').filter((l) => l.startsWith('<tr><td>s')).length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(n);
    expect(md).toContain(`${n - shown} more statements are not shown`);
    expect(md.match(/<\/table>/g)).toHaveLength(1);

    const small = renderReport({ lines: r.lines.slice(0, 30), secrets: [] });
    expect(small).not.toContain('not shown');
  });

  it('reads whatever the transcript holds: no statements, or impact fields of the wrong type', () => {
    const empty = readable(renderReport({ lines: [], secrets: [] }));
    expect(empty).toContain('0 statements');
    expect(empty).not.toContain('<table>');

    const r = new MemoryRecorder();
    r.record(1, {
      type: 'statement',
      id: 's1',
      text: 'DELETE FROM t',
      via: 'simple',
      hash: 'h',
      inTransaction: true,
    });
    r.record(1, {
      type: 'impact',
      id: 's1',
      estimate: { 'delete t': { rowsEstimated: 'lots', lockLevel: 7, unavailable: 'no' }, junk: 3 },
    });
    const s1 = rowOf(renderReport({ lines: r.lines, secrets: [] }), 's1');
    expect(s1).toContain('not judged');
    expect(s1).toContain('no result recorded');
    expect(s1).not.toContain('lots');
  });

  it('knows a dry run by the mode input or by the mode the gateway recorded', () => {
    const lines = dryRun('postgres').lines;
    const enforcing = lines.map((l) => (l.type === 'gateway.start' ? { ...l, mode: 'enforce' } : l));
    expect(isDryRun(lines, 'enforce')).toBe(true);
    expect(isDryRun(enforcing, 'dry-run')).toBe(true);
    expect(isDryRun(enforcing, 'enforce')).toBe(false);
    expect(isDryRun([], undefined)).toBe(false);
  });
});
