import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/gateway/policy-file.js';
import { defaultPolicy, PolicyError, parseDuration, parsePolicy } from '../../src/policy/index.js';

const F = '.github/guardrail.yml';

function error(text: string): string {
  try {
    parsePolicy(text, F);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as Error).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy file', () => {
  it('parses every section', () => {
    const p = parsePolicy(
      [
        'version: 1',
        'mode: audit',
        'dialect: mysql',
        'categories:',
        '  lock-heavy: review',
        'rules:',
        '  destructive/drop-index: warn',
        'overrides:',
        '  - rule: destructive/drop-table',
        "    objects: ['tmp_*', 'public.tmp_*']",
        '    action: allow',
        '  - category: destructive',
        "    objects: ['audit.*']",
        '    action: deny',
        'approvals:',
        '  permission: maintain',
        '  approvers: [alice, bob]',
        '  required: 2',
        '  allow-self-approval: true',
        '  timeout: 1h30m',
        'masking:',
        '  columns: [public.users.email, "*.ssn", billing.cards.*]',
        '  detectors: [email, credit-card]',
        '  custom:',
        '    - name: employee-id',
        "      pattern: 'EMP-[0-9]{6}'",
        '  on-wire: true',
        "  replacement: '***'",
        'mass-change:',
        '  threshold: 500',
        '  share: 75',
        '  min-table-rows: 20',
      ].join('\n'),
      F,
    );
    expect(p.mode).toBe('audit');
    expect(p.dialect).toBe('mysql');
    expect(p.categories['lock-heavy']).toBe('review');
    expect(p.categories.exfiltration).toBe('deny');
    expect(p.rules).toEqual({ 'destructive/drop-index': 'warn' });
    expect(p.overrides.map(({ line, ...o }) => o)).toEqual([
      { rule: 'destructive/drop-table', objects: ['tmp_*', 'public.tmp_*'], action: 'allow' },
      { category: 'destructive', objects: ['audit.*'], action: 'deny' },
    ]);
    expect(p.overrides[0]?.line).toBe(9);
    expect(p.approvals).toEqual({
      permission: 'maintain',
      approvers: ['alice', 'bob'],
      required: 2,
      allowSelfApproval: true,
      timeoutMs: 90 * 60_000,
    });
    expect(p.masking).toEqual({
      columns: ['public.users.email', '*.ssn', 'billing.cards.*'],
      detectors: ['email', 'credit-card'],
      custom: [{ name: 'employee-id', pattern: 'EMP-[0-9]{6}' }],
      onWire: true,
      replacement: '***',
    });
    expect(p.massChangeThreshold).toBe(500);
    expect(p.massChangeShare).toBe(75);
    expect(p.massChangeMinTableRows).toBe(20);
  });

  it('checks the mass-change share and table size', () => {
    expect(() => parsePolicy('mass-change:\n  share: 150', F)).toThrow(/mass-change.share.*percentage/);
    expect(() => parsePolicy('mass-change:\n  min-table-rows: -1', F)).toThrow(/min-table-rows.*>= 0/);
    expect(() => parsePolicy('mass-change:\n  shares: 5', F)).toThrow(/did you mean/);
    expect(parsePolicy('mass-change:\n  share: 0', F).massChangeShare).toBe(0);
  });

  it('reads catalog-wait as a duration', () => {
    expect(parsePolicy('catalog-wait: 2m', F).catalogWaitMs).toBe(120_000);
    expect(defaultPolicy().catalogWaitMs).toBe(30_000);
    expect(() => parsePolicy('catalog-wait: 0s', F)).toThrow(/catalog-wait: must be a duration/);
    expect(() => parsePolicy('catalog-wait: 30', F)).toThrow(/catalog-wait: must be a duration/);
    expect(() => parsePolicy('catalog-waits: 30s', F)).toThrow(/did you mean catalog-wait\?/);
  });

  it('gives the defaults for an empty file', () => {
    const p = parsePolicy('', F);
    expect({ ...p, source: undefined }).toEqual({ ...defaultPolicy(), source: undefined });
    expect(p.approvals).toEqual({
      permission: 'write',
      required: 1,
      allowSelfApproval: false,
      timeoutMs: 30 * 60_000,
    });
    expect(p.masking.replacement).toBe('[masked]');
  });

  it('names the file, line and key of every error, with a suggestion', () => {
    expect(error('mode: enforce\nrules:\n  destructive/drop-tabel: allow\n')).toBe(
      `${F}:3: rules.destructive/drop-tabel: unknown rule id (did you mean destructive/drop-table?)`,
    );
    expect(error('mode: enforced\n')).toBe(
      `${F}:1: mode: must be one of enforce, audit, dry-run (did you mean enforce?)`,
    );
    expect(error('rules:\n  destructive/drop-table: alow\n')).toMatch(
      /^\.github\/guardrail\.yml:2: rules\.destructive\/drop-table: must be one of allow, warn, review, deny \(did you mean allow\?\)$/,
    );
    expect(error('aprovals:\n  required: 2\n')).toBe(
      `${F}:1: aprovals: unknown key (did you mean approvals?)`,
    );
    expect(error('approvals:\n  required: 0\n')).toBe(`${F}:2: approvals.required: must be an integer >= 1`);
    expect(error('approvals:\n  timeout: soon\n')).toBe(
      `${F}:2: approvals.timeout: must be a duration like 30m, 90s or 2h`,
    );
    expect(error('approvals:\n  permission: owner\n')).toMatch(
      /^\.github\/guardrail\.yml:2: approvals\.permission: must be one of/,
    );
    expect(error('approvals:\n  permission: read\n')).toMatch(
      /^\.github\/guardrail\.yml:2: approvals\.permission: read cannot approve: on a public repository every GitHub account has read permission/,
    );
    expect(error('approvals:\n  permission: triage\n')).toMatch(
      /approvals\.permission: triage cannot approve/,
    );
    expect(error('approvals:\n  approvers: [alice]\n  required: 2\n')).toMatch(
      /:2: approvals\.required: needs 2 approvers/,
    );
    expect(error('overrides:\n  - rule: destructive/drop-table\n')).toBe(
      `${F}:2: overrides[0]: needs an action (allow, warn, review or deny)`,
    );
    expect(error('overrides:\n  - action: allow\n    objets: [x]\n')).toBe(
      `${F}:3: overrides[0].objets: unknown key (did you mean objects?)`,
    );
    expect(error('categories:\n  opaque: allow\n')).toMatch(
      /:2: categories\.opaque: opaque findings can only be allowed rule by rule/,
    );
    expect(error('masking:\n  custom:\n    - name: x\n      pattern: "("\n')).toMatch(
      /:4: masking\.custom\[0\]\.pattern: invalid regular expression/,
    );
    expect(error('masking:\n  columns: ["a b"]\n')).toMatch(
      /:2: masking\.columns\[0\]: "a b" is not a column pattern/,
    );
    expect(error('masking:\n  on-wire: yes please\n')).toBe(`${F}:2: masking.on-wire: must be true or false`);
    expect(error('masking:\n  strict: sometimes\n')).toBe(`${F}:2: masking.strict: must be true or false`);
    expect(parsePolicy('masking:\n  strict: true\n', F).masking.strict).toBe(true);
    expect(parsePolicy('masking:\n  columns: [a.b]\n', F).masking.strict).toBeUndefined();
    expect(error('mode: [a\n')).toMatch(/^\.github\/guardrail\.yml:\d+: /);
    expect(error('mode: audit\nmode: enforce\n')).toMatch(/^\.github\/guardrail\.yml:2: /);
    expect(error('- a\n- b\n')).toBe(`${F}:1: must be a mapping`);
  });

  it('loads from a file and reports unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const path = join(dir, 'guardrail.yml');
    writeFileSync(path, 'mode: dry-run\n');
    expect(loadPolicy(path).mode).toBe('dry-run');
    expect(() => loadPolicy(join(dir, 'missing.yml'))).toThrow(/missing\.yml: cannot read the policy file/);
  });

  it('parses durations', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('5 minutes')).toBeUndefined();
  });
});
