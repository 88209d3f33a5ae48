import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkFiles, migrationFiles, run } from '../../src/cli/check.js';
import { toSarif } from '../../src/cli/check-output.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/index.js';

const M = 'test/fixtures/migrations';
const names = (files: string[]) => files.map((f) => f.slice(M.length + 1));

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const saved = { ...process.env };
  Object.assign(process.env, { GITHUB_ACTIONS: '' }, env);
  try {
    const code = await run(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.env = saved;
    log.mockRestore();
    error.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('migration files', () => {
  it('walks directories in migration order and skips down/undo files', () => {
    expect(names(migrationFiles([`${M}/flyway`]))).toEqual([
      'flyway/V1__create_users.sql',
      'flyway/V1.1__orders.sql',
      'flyway/V2__cleanup.sql',
      'flyway/V10__grant.sql',
      'flyway/R__views.sql',
    ]);
    expect(names(migrationFiles([`${M}/updown`, `${M}/node-pg-migrate`]))).toEqual([
      'updown/20231231000000_first.up.sql',
      'updown/20240101000000_add.up.sql',
      'node-pg-migrate/1681234567890_init.sql',
      'node-pg-migrate/1700000000000_second.sql',
    ]);
  });
});

describe('checkFiles', () => {
  it('analyses the files as one session and applies inline suppressions', async () => {
    const r = await checkFiles([`${M}/flyway`], { policy: defaultPolicy() });
    const found = r.statements.flatMap((s) =>
      s.findings.map((f) => `${names([s.file])[0]}:${f.location?.line} ${f.rule}`),
    );
    expect(found).toEqual([
      'flyway/V2__cleanup.sql:1 lock-heavy/blocking-index',
      'flyway/V2__cleanup.sql:6 destructive/truncate',
      'flyway/V10__grant.sql:1 privilege/grant',
    ]);
    const suppressed = r.statements.flatMap((s) =>
      s.suppressed.map((f) => `${f.location?.line} ${f.rule}: ${f.reason}`),
    );
    expect(suppressed).toEqual([
      '4 destructive/drop-table: legacy table, archived in TICKET-12',
      '5 destructive/delete-without-where: audit rotated by the archiver',
    ]);
    expect(r.problems).toEqual([]);
    const drop = r.statements.find((s) => s.text === 'DROP TABLE legacy_sessions');
    expect(drop?.verdict).toEqual({ action: 'allow' });
    expect(drop?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.statements.find((s) => s.text === 'TRUNCATE staging')?.verdict.action).toBe('review');
  });

  it('reads only the up part of node-pg-migrate files; an earlier file is history for a later one', async () => {
    const r = await checkFiles([`${M}/node-pg-migrate`]);
    expect(r.statements.map((s) => s.text)).toEqual([
      'CREATE TABLE things (id int)',
      "UPDATE settings SET value = 'x' WHERE key = 'y'",
      'ALTER TABLE things ALTER COLUMN id TYPE bigint',
      'ALTER TABLE settings ALTER COLUMN value TYPE text',
    ]);
    // Without --base each file is its own session: `things` exists when the second file runs,
    // and its old type is known from the first.
    expect(r.statements.map((s) => s.findings.map((f) => `${f.rule} ${f.message}`))).toEqual([
      [],
      ['mass-change/data-change UPDATE settings … WHERE changes existing rows of settings'],
      ['lock-heavy/alter-column-type type change of things.id (integer → bigint) rewrites things under lock'],
      [
        expect.stringMatching(
          /^lock-heavy\/alter-column-type type change of settings.value to text \(its old type is unknown here/,
        ),
      ],
    ]);
  });

  it('keeps analysing after a statement that does not parse', async () => {
    const r = await checkFiles([`${M}/broken/V1__typo.sql`]);
    expect(r.statements.map((s) => [s.line, s.findings.map((f) => f.rule)])).toEqual([
      [1, []],
      [2, ['opaque/unparseable']],
      [3, ['destructive/drop-table']],
    ]);
    expect(r.statements[2]?.findings[0]?.location).toEqual({ line: 3, column: 1 });
  });

  it('reports suppressions without a reason, with an unknown rule, or unused', async () => {
    const r = await checkFiles([`${M}/broken/V2__bad_suppression.sql`]);
    expect(r.problems.map((p) => [p.line, p.severity, p.message])).toEqual([
      [1, 'error', 'guardrail:allow destructive/drop-table needs a reason'],
      [3, 'error', 'guardrail:allow names an unknown rule id destructive/drop-tabel'],
      [5, 'warning', 'guardrail:allow destructive/truncate matches no finding'],
    ]);
    expect(r.statements.flatMap((s) => s.findings.map((f) => f.rule))).toEqual([
      'destructive/drop-table',
      'destructive/drop-table',
    ]);
  });

  it('checks MySQL files with the MySQL analyzer', async () => {
    const r = await checkFiles([`${M}/mysql`], { dialect: 'mysql' });
    expect(r.dialect).toBe('mysql');
    expect(r.statements.flatMap((s) => s.findings.map((f) => f.rule))).toContain('destructive/drop-table');
  });

  it('takes the dialect from the policy', async () => {
    const r = await checkFiles([`${M}/mysql`], { policy: parsePolicy('dialect: mysql\n', 'p.yml') });
    expect(r.dialect).toBe('mysql');
  });
});

describe('guardrail check command', () => {
  it('prints file:line:column rule message and fails on review', async () => {
    const { code, out } = await cli([`${M}/flyway`]);
    expect(code).toBe(1);
    expect(out).toContain(
      `${join(M, 'flyway/V2__cleanup.sql')}:6:10 destructive/truncate TRUNCATE staging removes every row`,
    );
    expect(out).toContain(
      `${join(M, 'flyway/V2__cleanup.sql')}:4:1 destructive/drop-table suppressed: legacy table, archived in TICKET-12`,
    );
    expect(out).toMatch(
      /5 files, \d+ statements: 0 denied, 2 need review, 1 with warnings, 0 findings allowed by the policy, 2 findings suppressed$/,
    );
    expect(out).not.toContain('::error');
  });

  it('marks a finding an override allowed, naming the override, and counts in English', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guardrail-check-allowed-'));
    const policy = join(dir, 'guardrail.yml');
    writeFileSync(
      policy,
      'version: 1\noverrides:\n  - rule: destructive/drop-table\n    objects: ["tmp_*"]\n    action: allow\n',
    );
    const file = join(dir, 'V1__drop.sql');
    writeFileSync(file, 'DROP TABLE tmp_import;\n');
    const allowed = await cli(['--policy', policy, file]);
    expect(allowed.code).toBe(0);
    const shown = relative(process.cwd(), file);
    const [finding] = allowed.out.split('\n').filter((l) => l.includes('destructive/drop-table'));
    expect(finding).toContain(
      `${shown}:1:1 destructive/drop-table allowed by override at ${policy}:3 (rule destructive/drop-table, objects tmp_*): `,
    );
    expect(allowed.out).toMatch(
      /^1 file, 1 statement: 0 denied, 0 need review, 0 with warnings, 1 finding allowed by the policy, 0 findings suppressed$/m,
    );
    const annotated = await cli(['--policy', policy, file], { GITHUB_ACTIONS: 'true' });
    expect(annotated.out).toContain(`::notice file=${shown},line=1,col=1,title=destructive/drop-table::`);

    // The same statement on another table is held, and printed without the mark.
    writeFileSync(file, 'DROP TABLE customers;\n');
    const held = await cli(['--policy', policy, file]);
    expect(held.code).toBe(1);
    const head = `${shown}:1:1 destructive/drop-table `;
    const line = held.out.split('\n').find((l) => l.startsWith(head));
    expect(line?.slice(head.length)).toMatch(/^(?!allowed)\S/);
    expect(held.out).toContain('0 findings allowed by the policy');
  });

  it('emits GitHub annotations under Actions', async () => {
    const { out } = await cli([`${M}/flyway`], { GITHUB_ACTIONS: 'true' });
    expect(out).toContain(
      `::error file=${join(M, 'flyway/V2__cleanup.sql')},line=6,col=10,title=destructive/truncate::TRUNCATE staging removes every row`,
    );
    expect(out).toContain(
      `::warning file=${join(M, 'flyway/V2__cleanup.sql')},line=1,col=35,title=lock-heavy/blocking-index::`,
    );
  });

  it('exits 0 when clean and honours --fail-on', async () => {
    expect((await cli([`${M}/updown`])).code).toBe(0);
    expect((await cli(['--fail-on', 'warn', `${M}/node-pg-migrate`])).code).toBe(1);
    expect((await cli(['--fail-on', 'review', `${M}/node-pg-migrate`])).code).toBe(0);
    expect((await cli(['--fail-on', 'never', `${M}/flyway`])).code).toBe(0);
    expect((await cli([`${M}/broken/V2__bad_suppression.sql`, '--fail-on', 'never'])).code).toBe(1);
  });

  it('exits 2 on usage and read errors', async () => {
    await expect(run([])).rejects.toThrow(/at least one migration file/);
    await expect(run(['--format', 'xml', M])).rejects.toThrow(/--format/);
    await expect(run(['--dialect', 'oracle', M])).rejects.toThrow(/--dialect/);
    const missing = await cli([`${M}/nope.sql`]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read test\/fixtures\/migrations\/nope\.sql/);
    const badPolicy = await cli(['--policy', `${M}/flyway/V1__create_users.sql`, `${M}/updown`]);
    expect(badPolicy.code).toBe(2);
  });

  it('writes JSON and SARIF 2.1.0', async () => {
    const json = JSON.parse((await cli(['--format', 'json', '--fail-on', 'never', `${M}/flyway`])).out);
    expect(json.statements.length).toBeGreaterThan(5);
    expect(json.statements[0]).toMatchObject({
      file: expect.stringContaining('V1__create_users.sql'),
      line: 2,
    });
    const sarif = JSON.parse((await cli(['--format', 'sarif', '--fail-on', 'never', `${M}/flyway`])).out);
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0].results as {
      ruleId: string;
      level: string;
      suppressions?: unknown[];
      ruleIndex: number;
      locations: { physicalLocation: { region: { startLine: number } } }[];
    }[];
    expect(
      results.map((r) => [
        r.ruleId,
        r.level,
        r.locations[0]!.physicalLocation.region.startLine,
        r.suppressions !== undefined,
      ]),
    ).toEqual([
      ['lock-heavy/blocking-index', 'warning', 1, false],
      ['destructive/drop-table', 'error', 4, true],
      ['destructive/delete-without-where', 'error', 5, true],
      ['destructive/truncate', 'error', 6, false],
      ['privilege/grant', 'error', 1, false],
    ]);
    for (const r of results) expect(sarif.runs[0].tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    const direct = toSarif(await checkFiles([`${M}/updown`]), defaultPolicy(), process.cwd()) as {
      runs: { results: unknown[] }[];
    };
    expect(direct.runs[0]!.results).toEqual([]);
  });
});
