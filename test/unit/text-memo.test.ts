import { describe, expect, it } from 'vitest';
import { TextMemo } from '../../src/gateway/text-memo.js';
import { postgresState } from '../../src/sql/postgres/state.js';

/** A memo whose computations are counted, per call of `read`. */
function counted() {
  const memo = new TextMemo<string>();
  let computed = 0;
  const read = (text: string, sqlMode?: string) =>
    memo.get(text, sqlMode === undefined ? undefined : { dialect: 'mysql', sqlMode }, () => {
      computed++;
      return `${sqlMode ?? '-'}:${text.toUpperCase()}`;
    });
  return { read, computed: () => computed };
}

describe('TextMemo', () => {
  it('reads a text seen once every time, and keeps it from its second sighting on', () => {
    const m = counted();
    expect(m.read('select 1')).toBe('-:SELECT 1');
    expect(m.computed()).toBe(1);
    expect(m.read('select 1')).toBe('-:SELECT 1');
    expect(m.computed()).toBe(2);
    for (let i = 0; i < 5; i++) expect(m.read('select 1')).toBe('-:SELECT 1');
    expect(m.computed()).toBe(2);
  });

  it('keeps nothing of texts seen once each (statements with their values inline)', () => {
    const m = counted();
    for (let i = 0; i < 100; i++) m.read(`select ${i}`);
    expect(m.computed()).toBe(100);
    // None was kept: each costs a computation again (its second sighting), then none does.
    for (let i = 0; i < 100; i++) m.read(`select ${i}`);
    expect(m.computed()).toBe(200);
    for (let i = 0; i < 100; i++) m.read(`select ${i}`);
    expect(m.computed()).toBe(200);
  });

  it('never answers for one sql_mode with what was read under another', () => {
    const m = counted();
    m.read('select "a"', 'ANSI_QUOTES');
    m.read('select "a"', 'ANSI_QUOTES');
    expect(m.read('select "a"', 'ANSI_QUOTES')).toBe('ANSI_QUOTES:SELECT "A"');
    expect(m.computed()).toBe(2);
    expect(m.read('select "a"', '')).toBe(':SELECT "A"');
    expect(m.read('select "a"')).toBe('-:SELECT "A"');
    expect(m.computed()).toBe(4);
    // The mode last read is the one kept.
    expect(m.read('select "a"')).toBe('-:SELECT "A"');
    expect(m.computed()).toBe(4);
  });

  it('never answers for standard_conforming_strings off with what was read with it on', () => {
    const memo = new TextMemo<string>();
    const state = postgresState();
    const ctx = { dialect: 'postgres' as const, postgres: state };
    const read = () => memo.get("select 'a\\'", ctx, () => String(state.standardConformingStrings));
    read();
    expect(read()).toBe('true');
    state.parameter('standard_conforming_strings', 'off');
    expect(read()).toBe('false');
    state.parameter('standard_conforming_strings', 'on');
    state.unsettled = true;
    expect(read()).toBe('false');
  });

  it('does not keep texts longer than its limit', () => {
    const m = counted();
    const long = `select '${'x'.repeat(5000)}'`;
    for (let i = 0; i < 3; i++) m.read(long);
    expect(m.computed()).toBe(3);
  });
});
