import { describe, expect, it } from 'vitest';
import { asSetStatement, startupSettings } from '../../src/gateway/postgres/startup-settings.js';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';

describe('startupSettings', () => {
  it('passes formatting settings and judges the rest, including each -c of options', () => {
    const s = startupSettings({
      user: 'u',
      database: 'd',
      application_name: 'psql',
      DateStyle: 'ISO',
      role: 'admin',
      options: '-c search_path=a\\ b --statement-timeout=5s -cwork_mem=64MB',
    });
    expect(s.plain).toEqual({ application_name: 'psql', DateStyle: 'ISO' });
    expect(s.judged).toEqual([
      { name: 'role', value: 'admin' },
      { name: 'search_path', value: 'a b' },
      { name: 'statement_timeout', value: '5s' },
      { name: 'work_mem', value: '64MB' },
    ]);
  });

  it('refuses option switches that are not settings', () => {
    expect(() => startupSettings({ options: '-d 5' })).toThrow(/not allowed/);
    expect(() => startupSettings({ options: '-c novalue' })).toThrow(/not allowed/);
  });

  it('writes the SET statement with quoting', () => {
    expect(asSetStatement({ name: 'role', value: "o'brien" })).toBe("SET role = 'o''brien'");
    expect(asSetStatement({ name: 'Weird"Name', value: 'x' })).toBe('SET "Weird""Name" = \'x\'');
  });

  it('judges search_path, a list, through set_config so the analyzer sees each schema', async () => {
    const s = startupSettings({ search_path: 'evil,pg_catalog', options: '-c search_path=app,public' });
    expect(s.plain).toEqual({});
    const texts = s.judged.map(asSetStatement);
    expect(texts).toEqual([
      "SELECT set_config('search_path', 'evil,pg_catalog', false)",
      "SELECT set_config('search_path', 'app,public', false)",
    ]);
    await loadAnalyzers();
    const rules = texts.map((t) => analyze(t, { dialect: 'postgres' }).findings.map((f) => f.rule));
    expect(rules).toEqual([['privilege/search-path'], []]);
  });
});
