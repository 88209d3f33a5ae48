import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSummary, writeSummary } from '../../src/action/summary.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { verifyTranscript } from '../../src/transcript/verify.js';

const SECRET = 'hunter2-gateway-pw';
const APPROVAL_URL = 'https://github.com/octo-org/app/pull/42#issuecomment-1001';

function finding(rule: string, objects: string[]) {
  return { rule, severity: 'critical', message: `${rule} hit`, objects };
}

function session(mode: 'enforce' | 'audit' = 'enforce'): MemoryRecorder {
  const r = new MemoryRecorder();
  const enforced = mode === 'enforce';
  r.record(0, {
    type: 'gateway.start',
    dialect: 'postgres',
    upstream: 'db.internal:5432/app',
    mode,
    version: 't',
  });
  r.record(1, { type: 'session.start', user: 'gw', database: 'app', client: '127.0.0.1:5000' });
  const statement = (id: string, text: string) =>
    r.record(1, { type: 'statement', id, text, via: 'simple', hash: `h-${id}`, inTransaction: false });
  statement('s1', 'SELECT email FROM users');
  r.record(1, { type: 'verdict', id: 's1', action: 'allow', rules: [], findings: [], enforced });
  r.record(1, {
    type: 'rows',
    id: 's1',
    columns: ['email'],
    sample: [['[masked]']],
    truncated: false,
    masked: ['public.users.email'],
  });
  r.record(1, { type: 'result', id: 's1', tag: 'SELECT 3', rows: 3, durationMs: 1 });

  statement('s2', 'DROP TABLE users');
  r.record(1, {
    type: 'verdict',
    id: 's2',
    action: 'deny',
    rules: ['destructive/drop-table'],
    findings: [finding('destructive/drop-table', ['public.users'])],
    enforced,
  });

  statement('s3', 'DELETE FROM orders WHERE created < now()');
  r.record(1, {
    type: 'verdict',
    id: 's3',
    action: 'review',
    rules: ['mass-change/rows'],
    findings: [finding('mass-change/rows', ['public.orders'])],
    enforced,
  });
  r.record(1, {
    type: 'approval.requested',
    id: 's3',
    requestId: 'gr-0a1b2c3d',
    channel: 'github',
    url: APPROVAL_URL,
    deadline: '2026-11-29T04:00:00Z',
  });
  r.record(1, {
    type: 'approval.decided',
    id: 's3',
    requestId: 'gr-0a1b2c3d',
    outcome: 'approved',
    by: ['alice', 'bob'],
    url: APPROVAL_URL,
  });
  r.record(1, { type: 'result', id: 's3', tag: 'DELETE 12', rows: 12, durationMs: 4 });

  statement('s4', `TRUNCATE audit_log /* ${SECRET} */`);
  r.record(1, {
    type: 'verdict',
    id: 's4',
    action: 'review',
    rules: ['destructive/truncate'],
    findings: [finding('destructive/truncate', ['public.audit_log'])],
    enforced,
  });
  r.record(1, {
    type: 'approval.requested',
    id: 's4',
    requestId: 'gr-ffff0000',
    channel: 'github',
    url: 'javascript:alert(1)',
    deadline: '2026-11-29T04:00:00Z',
  });
  r.record(1, {
    type: 'approval.decided',
    id: 's4',
    requestId: 'gr-ffff0000',
    outcome: 'timeout',
    by: [],
    reason: `no decision ${SECRET}`,
  });

  statement(
    's5',
    "SELECT '<script>alert(1)</script> | **bold** @admin [x](https://evil.example)'\n\nSELECT 2",
  );
  r.record(1, { type: 'verdict', id: 's5', action: 'allow', rules: [], findings: [], enforced });
  r.record(1, { type: 'result', id: 's5', durationMs: 1, error: { code: '42601', message: 'syntax error' } });
  r.record(1, {
    type: 'rows',
    id: 's5',
    columns: ['ssn'],
    sample: [],
    truncated: false,
    masked: ['public.users.ssn'],
  });
  r.record(0, { type: 'error', code: 'upstream', message: 'upstream connection lost' });
  r.record(1, { type: 'session.end', reason: 'client closed', statements: 5 });
  return r;
}

/** The transcript file's text: what was recorded, sealed. */
function jsonl(r: MemoryRecorder): string {
  r.flush();
  return r.text;
}

/** Every line of the file, seals included: what the chain check counts. */
const fileLines = (r: MemoryRecorder) => jsonl(r).trimEnd().split('\n').length;

function section(md: string, title: string): string {
  const start = md.indexOf(`### ${title}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n### ', start + 4);
  return md.slice(start, next < 0 ? undefined : next);
}

describe('renderSummary', () => {
  const r = session();
  const md = renderSummary({
    lines: r.lines,
    verify: verifyTranscript(jsonl(r)),
    standingCredential: false,
    secrets: [SECRET],
    artifact: { name: 'guardrail-transcript-migrate-1-1', id: 77 },
  });

  it('heads with the gateway and counts the verdicts', () => {
    expect(md.startsWith('## Guardrail: postgres at db.internal&#58;5432/app, mode enforce\n')).toBe(true);
    expect(md).toContain('| 5 | 2 | 1 | 2 | 0 |');
  });

  it('lists the blocked statements, and only those', () => {
    const blocked = section(md, 'Blocked statements');
    expect(blocked).toContain('DROP TABLE users');
    expect(blocked).toContain('<td>denied</td>');
    expect(blocked).toContain('TRUNCATE audit&#95;log');
    expect(blocked).toContain('blocked &#40;timeout&#41;');
    expect(blocked).not.toContain('DELETE FROM orders');
    expect(blocked).not.toContain('SELECT email');
  });

  it('shows the approvals with their links, and no link that is not http(s)', () => {
    const approvals = section(md, 'Approvals');
    expect(approvals).toContain('<code>gr&#45;0a1b2c3d</code> for statement s3: approved by alice, bob');
    expect(approvals).toContain(
      `<a href="${APPROVAL_URL.replace(/[:#-]/g, (c) => `&#${c.charCodeAt(0)};`)}">comment</a>`,
    );
    expect(approvals).toContain(
      'gr&#45;ffff0000</code> for statement s4: timeout: no decision &#42;&#42;&#42;',
    );
    expect(approvals).not.toContain('javascript');
  });

  it('lists findings by rule, masked columns, and the transcript check', () => {
    const findings = section(md, 'Findings');
    expect(findings).toContain('| destructive/drop&#45;table | critical | 1 | public.users |');
    expect(findings).toContain('| mass&#45;change/rows | critical | 1 | public.orders |');
    expect(section(md, 'Masked columns')).toContain('public.users.email, public.users.ssn');
    expect(section(md, 'Transcript')).toContain(`Hash chain intact, ${fileLines(r)} lines.`);
    expect(section(md, 'Transcript')).toContain(
      'guardrail&#45;transcript&#45;migrate&#45;1&#45;1</code> (id 77)',
    );
    expect(md).toContain('> upstream&#58; upstream connection lost');
  });

  it('publishes the head of the chain and how to check a copy against it, only when the chain is intact', () => {
    const verify = verifyTranscript(jsonl(r));
    expect(verify.head).toMatch(/^[0-9a-f]{64}$/);
    expect(section(md, 'Transcript')).toContain(`Head: <code>${verify.head}</code> at line ${fileLines(r)}.`);
    expect(section(md, 'Transcript')).toContain(
      `&#45;&#45;verify &#45;&#45;head ${verify.head} &#45;&#45;lines ${fileLines(r)}`,
    );
    const lines = jsonl(r).split('\n');
    lines[2] = lines[2]!.replace('SELECT email', 'SELECT name');
    const broken = renderSummary({
      lines: r.lines,
      verify: verifyTranscript(lines.join('\n')),
      standingCredential: false,
      secrets: [],
    });
    expect(broken).not.toContain('Head:');
  });

  it('says whether the transcript was attested, and why not, escaping what the signer said', () => {
    const input = {
      lines: r.lines,
      verify: verifyTranscript(jsonl(r)),
      standingCredential: false,
      secrets: [],
    };
    const signed = renderSummary({
      ...input,
      attestation: { digest: 'ab'.repeat(32), id: '7', logIndex: '12' },
    });
    expect(section(signed, 'Transcript')).toContain(
      `Attested with this job's identity (attestation 7, Rekor log index 12): sha256 <code>${'ab'.repeat(32)}</code>`,
    );
    const failed = renderSummary({ ...input, attestation: { error: 'Fulcio said <b>no</b>' } });
    expect(section(failed, 'Transcript')).toContain(
      "> The transcript was not attested (signed with this job's identity): Fulcio said &#60;b&#62;no&#60;/b&#62;.",
    );
    expect(renderSummary(input)).not.toContain('attested');
  });

  it('shows every statement with its result', () => {
    const all = section(md, 'Statements');
    expect(all).toContain('SELECT 3, 3 rows');
    expect(all).toContain('DELETE 12, 12 rows');
    expect(all).toContain('error 42601');
    expect(all.match(/<tr><td>s\d/g)).toHaveLength(5);
  });

  it('escapes statement text so it cannot inject HTML, markdown, links or mentions', () => {
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('**bold**');
    expect(md).not.toContain('@admin');
    expect(md).not.toContain('](https');
    // A blank line inside a statement would end the HTML block and let markdown through.
    const s5 = md.slice(md.indexOf('<tr><td>s5'));
    expect(s5.slice(0, s5.indexOf('</tr>'))).not.toContain('\n');
  });

  it('never shows a secret, even one that reached the transcript', () => {
    expect(jsonl(r)).toContain(SECRET);
    expect(md).not.toContain(SECRET);
    expect(md).not.toContain('hunter2');
  });

  it('redacts a secret that straddles the cut of a long statement', () => {
    const long = new MemoryRecorder();
    // Raw, the cut at 1000 characters falls inside the secret.
    const text = `UPDATE t SET note = '${'n'.repeat(974)}${SECRET} ${'m'.repeat(100)}'`;
    expect(text.indexOf(SECRET)).toBeLessThan(1000);
    expect(text.indexOf(SECRET) + SECRET.length).toBeGreaterThan(1000);
    long.record(1, { type: 'statement', id: 's1', text, via: 'simple', hash: 'h', inTransaction: false });
    const out = renderSummary({
      lines: long.lines,
      verify: verifyTranscript(jsonl(long)),
      standingCredential: false,
      secrets: [SECRET],
    });
    expect(out).toContain('n&#42;&#42;&#42; m');
    expect(out).toContain('m…</pre>');
    expect(out).not.toContain('hunte');
  });

  it('warns about standing credentials only when one was used', () => {
    expect(md).not.toContain('standing credential');
    const standing = renderSummary({
      lines: r.lines,
      verify: verifyTranscript(jsonl(r)),
      standingCredential: true,
      secrets: [],
    });
    expect(standing).toContain('> [!WARNING]\n> A standing credential (static DSN)');
    expect(standing).toContain('Not uploaded.');
  });

  it('reports a broken hash chain with its line', () => {
    const lines = jsonl(r).split('\n');
    lines[2] = lines[2]!.replace('SELECT email', 'SELECT name');
    const verify = verifyTranscript(lines.join('\n'));
    // One batch, so its first line: the seal after it no longer matches.
    expect(verify).toMatchObject({ ok: false, brokenAt: 1 });
    const broken = renderSummary({ lines: r.lines, verify, standingCredential: false, secrets: [] });
    expect(broken).toContain(`> The transcript's hash chain is broken at line ${verify.brokenAt}`);
    expect(section(broken, 'Transcript')).toContain(`Hash chain broken at line ${verify.brokenAt}.`);
  });

  it('warns when the transcript does not end with gateway.stop', () => {
    expect(verifyTranscript(jsonl(r)).complete).toBe(false);
    expect(md).toContain('> The transcript ends without gateway.stop');
    const stopped = session();
    stopped.record(0, { type: 'gateway.stop', reason: 'SIGTERM' });
    const verify = verifyTranscript(jsonl(stopped));
    expect(verify.complete).toBe(true);
    const done = renderSummary({ lines: stopped.lines, verify, standingCredential: false, secrets: [] });
    expect(done).not.toContain('without gateway.stop');
  });

  it('counts statements that audit mode flagged but did not block', () => {
    const audit = session('audit');
    const out = renderSummary({
      lines: audit.lines,
      verify: verifyTranscript(jsonl(audit)),
      standingCredential: false,
      secrets: [],
    });
    expect(out).toContain('| 5 | 2 | 1 | 0 | 2 |');
    expect(out).toContain('deny &#40;not enforced&#41;');
  });
});

describe('renderSummary size limit', () => {
  function big(statements: number): MemoryRecorder {
    const r = new MemoryRecorder();
    r.record(0, {
      type: 'gateway.start',
      dialect: 'mysql',
      upstream: 'db:3306/shop',
      mode: 'enforce',
      version: 't',
    });
    for (let i = 0; i < statements; i++) {
      r.record(1, {
        type: 'statement',
        id: `s${i}`,
        text: `DELETE FROM t WHERE id = ${i} -- ${'x'.repeat(2000)}`,
        via: 'simple',
        hash: 'h',
        inTransaction: false,
      });
      r.record(1, {
        type: 'verdict',
        id: `s${i}`,
        action: i % 2 ? 'deny' : 'allow',
        rules: [],
        findings: [],
        enforced: true,
      });
    }
    return r;
  }

  it('stays within 1 MiB and says what was left out', () => {
    const r = big(3000);
    const md = renderSummary({
      lines: r.lines,
      verify: verifyTranscript(jsonl(r)),
      standingCredential: false,
      secrets: [],
    });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(1024 * 1024);
    expect(md).toMatch(/\d+ more rows of this table are not shown/);
    expect(
      md.endsWith(
        '> The job summary is limited to 1 MiB, so parts were left out. The transcript artifact has every event.\n',
      ),
    ).toBe(true);
    // Tables are closed even when cut short.
    expect(md.match(/<table>/g)?.length).toBe(md.match(/<\/table>/g)?.length);
  });

  it('respects a smaller limit the same way', () => {
    const r = big(100);
    const md = renderSummary({
      lines: r.lines,
      verify: verifyTranscript(jsonl(r)),
      standingCredential: false,
      secrets: [],
      maxBytes: 20_000,
    });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_000);
    expect(md).toContain('more rows of this table are not shown');
  });

  it('adds no note when everything fits', () => {
    const r = big(3);
    const md = renderSummary({
      lines: r.lines,
      verify: verifyTranscript(jsonl(r)),
      standingCredential: false,
      secrets: [],
    });
    expect(md).not.toContain('not shown');
    expect(md).not.toContain('limited to 1 MiB');
  });
});

describe('writeSummary', () => {
  it('appends to GITHUB_STEP_SUMMARY', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gr-sum-')), 'summary.md');
    writeFileSync(file, 'earlier step\n');
    const saved = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      await writeSummary('## Guardrail\n');
    } finally {
      process.env.GITHUB_STEP_SUMMARY = saved;
    }
    expect(readFileSync(file, 'utf8')).toBe('earlier step\n## Guardrail\n');
  });
});
