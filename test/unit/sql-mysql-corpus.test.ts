import { describe, expect, it } from 'vitest';
import { analyzeMysql } from '../../src/sql/mysql/analyze.js';
import { RULE_IDS } from '../../src/sql/rules.js';
import { type CorpusCase, corpus } from '../fixtures/mysql/corpus.js';

function analyze(c: CorpusCase) {
  return analyzeMysql(c.sql, { dialect: 'mysql', ...(c.mode !== undefined ? { sqlMode: c.mode } : {}) });
}

function label(c: CorpusCase): string {
  return `${c.mode ? `[${c.mode}] ` : ''}${c.sql.replace(/\s+/g, ' ').slice(0, 100)}`;
}

describe('MySQL corpus', () => {
  it('has at least 150 statements', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
  });

  it.each(corpus.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    const a = analyze(c);
    const rules = [...new Set(a.findings.map((f) => f.rule))].sort();
    expect(rules).toEqual([...new Set(c.rules)].sort());
    if (c.statements !== undefined) expect(a.statements.length).toBe(c.statements);
    if (c.rules.length === 0) {
      expect(a.opaque).toBe(false);
    }
  });

  it('reports only catalogued rule ids', () => {
    const known = new Set<string>(RULE_IDS);
    for (const c of corpus) for (const f of analyze(c).findings) expect(known.has(f.rule), f.rule).toBe(true);
  });

  it('covers every rule the MySQL analyzer reports, all of them catalogued', () => {
    // mass-change/rows needs a dry run against the database and is not static analysis.
    const mysqlRules = [
      'destructive/delete-without-where',
      'destructive/disable-integrity',
      'destructive/drop-column',
      'destructive/drop-constraint',
      'destructive/drop-database',
      'destructive/drop-function',
      'destructive/drop-index',
      'destructive/drop-other',
      'destructive/drop-partition',
      'destructive/drop-sequence',
      'destructive/drop-table',
      'destructive/drop-view',
      'destructive/rename',
      'destructive/replace',
      'destructive/sequence-reset',
      'destructive/truncate',
      'destructive/truncate-partition',
      'destructive/update-without-where',
      'exfiltration/admin-function',
      'exfiltration/into-outfile',
      'exfiltration/load-data',
      'exfiltration/remote-exec',
      'exfiltration/server-file',
      'lock-heavy/add-check',
      'lock-heavy/add-foreign-key',
      'lock-heavy/add-not-null',
      'lock-heavy/add-unique',
      'lock-heavy/alter-column-type',
      'lock-heavy/table-rewrite',
      'opaque/dynamic-sql',
      'opaque/oversized',
      'opaque/prepare-from-variable',
      'opaque/unparseable',
      'privilege/catalog-write',
      'privilege/grant',
      'privilege/revoke',
      'privilege/role-change',
      'privilege/security-definer',
      'privilege/set-role',
    ];
    const known = new Set<string>(RULE_IDS);
    expect(mysqlRules.filter((r) => !known.has(r))).toEqual([]);
    const seen = new Set(corpus.flatMap((c) => c.rules));
    expect(mysqlRules.filter((r) => !seen.has(r))).toEqual([]);
  });

  it('never lets a destructive corpus entry through without a blocking finding', () => {
    const blocking = new Set(['destructive', 'privilege', 'opaque', 'exfiltration']);
    for (const c of corpus) {
      const expectsBlock = c.rules.some((r) => blocking.has(r.split('/')[0]!));
      if (!expectsBlock) continue;
      const a = analyze(c);
      expect(
        a.findings.some((f) => blocking.has(f.category)),
        label(c),
      ).toBe(true);
      expect(a.readOnly, label(c)).toBe(false);
    }
  });
});
