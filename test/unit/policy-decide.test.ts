import { describe, expect, it } from 'vitest';
import { actionFor, decide, defaultPolicy, parsePolicy, verdictLevel } from '../../src/policy/index.js';
import { finding, type KnownRuleId } from '../../src/sql/rules.js';

const f = (rule: KnownRuleId, ...objects: string[]) => finding(rule, objects, rule);

describe('decide', () => {
  it('rules with their own default (recreated drops, data changes in migrations) warn unless the policy names them', () => {
    const recreated = finding('destructive/drop-recreated', ['v'], 'DROP VIEW v: recreated on line 2');
    const data = finding('mass-change/data-change', ['t'], 'DELETE FROM t … WHERE');
    expect(actionFor(recreated, defaultPolicy())).toBe('warn');
    expect(actionFor(data, defaultPolicy())).toBe('warn');
    // A category setting does not reach them; a rules: entry or an override does.
    const strict = parsePolicy('categories:\n  destructive: deny\n  mass-change: deny\n', 'p.yml');
    expect(actionFor(recreated, strict)).toBe('warn');
    const byRule = parsePolicy('rules:\n  mass-change/data-change: review\n', 'p.yml');
    expect(actionFor(data, byRule)).toBe('review');
    const byOverride = parsePolicy(
      'overrides:\n  - rule: destructive/drop-recreated\n    action: review\n',
      'p.yml',
    );
    expect(actionFor(recreated, byOverride)).toBe('review');
  });

  it('applies the default actions per category', () => {
    const p = defaultPolicy();
    expect(actionFor(f('destructive/drop-table', 'users'), p)).toBe('review');
    expect(actionFor(f('privilege/grant'), p)).toBe('review');
    expect(actionFor(f('opaque/dynamic-sql'), p)).toBe('review');
    expect(actionFor(f('exfiltration/copy-program'), p)).toBe('deny');
    expect(actionFor(f('lock-heavy/blocking-index'), p)).toBe('warn');
    expect(actionFor(f('mass-change/rows'), p)).toBe('review');
  });

  it('lets the strongest action win and keeps warnings', () => {
    const p = defaultPolicy();
    expect(decide({ findings: [] }, p)).toEqual({ action: 'allow' });
    const lock = f('lock-heavy/add-check', 't');
    expect(decide({ findings: [lock] }, p)).toEqual({ action: 'allow', warnings: [lock] });
    expect(verdictLevel(decide({ findings: [lock] }, p))).toBe('warn');
    const drop = f('destructive/drop-table', 't');
    expect(decide({ findings: [lock, drop] }, p)).toEqual({
      action: 'review',
      reasons: [drop],
      warnings: [lock],
    });
    const copy = f('exfiltration/copy-program', 't');
    const v = decide({ findings: [drop, copy, lock] }, p);
    expect(v.action).toBe('deny');
    expect(v.action !== 'allow' && v.reasons).toEqual([copy]);
  });

  it('applies overrides by rule and object pattern, first match first', () => {
    const p = parsePolicy(
      [
        'overrides:',
        '  - rule: destructive/drop-table',
        "    objects: ['tmp_*', 'public.tmp_*']",
        '    action: allow',
        '  - category: destructive',
        "    objects: ['audit.*']",
        '    action: deny',
        'rules:',
        '  destructive/drop-index: warn',
      ].join('\n'),
      'p.yml',
    );
    expect(actionFor(f('destructive/drop-table', 'tmp_import'), p)).toBe('allow');
    expect(actionFor(f('destructive/drop-table', 'public.TMP_x'), p)).toBe('allow');
    expect(actionFor(f('destructive/drop-table', 'users'), p)).toBe('review');
    expect(actionFor(f('destructive/drop-table', 'tmp_a', 'users'), p)).toBe('allow');
    expect(actionFor(f('destructive/delete-without-where', 'audit.log'), p)).toBe('deny');
    expect(actionFor(f('destructive/drop-index', 'i'), p)).toBe('warn');
  });

  it('never lets opaque findings through unless their rule is named', () => {
    const byCategory = parsePolicy('overrides:\n  - objects: ["*"]\n    action: allow\n', 'p.yml');
    expect(actionFor(f('opaque/unparseable'), byCategory)).toBe('review');
    expect(actionFor(f('destructive/truncate', 'x'), byCategory)).toBe('allow');
    const byRule = parsePolicy('rules:\n  opaque/dynamic-sql: allow\n', 'p.yml');
    expect(actionFor(f('opaque/dynamic-sql'), byRule)).toBe('allow');
    expect(actionFor(f('opaque/unparseable'), byRule)).toBe('review');
    const byOverride = parsePolicy(
      'overrides:\n  - rule: opaque/procedural-language\n    action: warn\n',
      'p.yml',
    );
    expect(actionFor(f('opaque/procedural-language'), byOverride)).toBe('warn');
    const denied = parsePolicy('categories:\n  opaque: deny\n', 'p.yml');
    expect(actionFor(f('opaque/oversized'), denied)).toBe('deny');
  });
});
