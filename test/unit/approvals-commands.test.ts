import { describe, expect, it } from 'vitest';
import { commandFor, hashMatches, parseCommands, requestHash } from '../../src/approvals/commands.js';

describe('parseCommands', () => {
  it('reads approve and deny on lines of their own, verb in any case', () => {
    expect(parseCommands('looks fine\n/guardrail APPROVE gr-1a2b3c4d 52C4DD0A1B2C\n')).toEqual([
      { verb: 'approve', id: 'gr-1a2b3c4d', hash: '52c4dd0a1b2c' },
    ]);
    expect(parseCommands('/guardrail Deny gr-1a2b3c4d  drops the wrong table ')).toEqual([
      { verb: 'deny', id: 'gr-1a2b3c4d', reason: 'drops the wrong table' },
    ]);
    expect(parseCommands('  /guardrail deny gr-1\r\n/guardrail approve gr-2')).toEqual([
      { verb: 'deny', id: 'gr-1' },
      { verb: 'approve', id: 'gr-2' },
    ]);
  });

  it('keeps the id exactly as typed', () => {
    expect(parseCommands('/guardrail approve GR-1A2B')).toEqual([{ verb: 'approve', id: 'GR-1A2B' }]);
  });

  it('ignores commands inside sentences, quotes and code blocks', () => {
    const body = [
      'please /guardrail approve gr-1',
      '> /guardrail approve gr-2',
      '```',
      '/guardrail approve gr-3',
      '```',
      '````md',
      '```',
      '/guardrail approve gr-4',
      '````',
      '`/guardrail approve gr-5`',
      '/guardrail approve gr-6 52c4dd0a1b2c because',
      '/guardrail approve',
      '/guardrailapprove gr-7',
      '/guardrail merge gr-8',
    ].join('\n');
    expect(parseCommands(body)).toEqual([]);
  });

  it('caps a deny reason', () => {
    const [cmd] = parseCommands(`/guardrail deny gr-1 ${'x'.repeat(2000)}`);
    expect(cmd?.reason?.length).toBe(500);
  });

  it('reads an approval without a hash as such: the tally refuses it with a reason', () => {
    expect(parseCommands('/guardrail approve gr-1')).toEqual([{ verb: 'approve', id: 'gr-1' }]);
  });

  it('names a single statement by its own hash and a batch by the hash of its hashes', () => {
    const one = { batch: false, statements: [{ text: '', hash: 'AB'.repeat(32), findings: [] }] };
    expect(requestHash(one)).toBe('ab'.repeat(32));
    const batch = { ...one, batch: true };
    expect(requestHash(batch)).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash(batch)).not.toBe(requestHash(one));
    expect(commandFor('approve', 'gr-1', requestHash(one))).toBe('/guardrail approve gr-1 abababababab');
    expect(hashMatches('abababababab', requestHash(one))).toBe(true);
    expect(hashMatches('ababababab', requestHash(one))).toBe(false);
    expect(hashMatches(undefined, requestHash(one))).toBe(false);
  });
});
