// The refusal table: one code per refusal kind and dialect, the codes the engines send today.
import { describe, expect, it } from 'vitest';
import { MYSQL_REFUSALS, POSTGRES_REFUSALS, type RefusalKind, refusal } from '../../src/gateway/refusal.js';

const KINDS: RefusalKind[] = [
  'policy-deny',
  'approval-denied',
  'approval-timeout',
  'approval-failed',
  'transcript-failure',
  'masking-refused',
  'unjudgeable',
  'malformed',
];
const REFUSED = KINDS.filter((k) => k !== 'malformed');

describe('refusal codes', () => {
  it('cover every kind in both dialects, and nothing else', () => {
    expect(Object.keys(POSTGRES_REFUSALS).sort()).toEqual([...KINDS].sort());
    expect(Object.keys(MYSQL_REFUSALS).sort()).toEqual([...KINDS].sort());
  });

  it('answer a refused statement as the engines do: 42501, and MySQL ERR 1142 with 42000', () => {
    for (const kind of REFUSED) {
      expect(POSTGRES_REFUSALS[kind]).toEqual({ sqlState: '42501' });
      expect(MYSQL_REFUSALS[kind]).toEqual({ errno: 1142, sqlState: '42000' });
    }
  });

  it('give a protocol error a connection-exception code, never a refusal’s', () => {
    expect(POSTGRES_REFUSALS.malformed).toEqual({ sqlState: '08P01' });
    expect(MYSQL_REFUSALS.malformed).toEqual({ errno: 1835, sqlState: '08S01' });
    // SQLSTATE class 08 (connection exception) against 42 (access rule violation): a client can
    // tell "the gateway said no" from "the gateway could not read me".
    for (const kind of REFUSED) {
      expect(POSTGRES_REFUSALS[kind].sqlState.slice(0, 2)).toBe('42');
      expect(MYSQL_REFUSALS[kind].sqlState.slice(0, 2)).toBe('42');
    }
    expect(POSTGRES_REFUSALS.malformed.sqlState.slice(0, 2)).toBe('08');
    expect(MYSQL_REFUSALS.malformed.sqlState.slice(0, 2)).toBe('08');
  });

  it('SQLSTATEs are five characters of digits and capitals', () => {
    for (const code of [...Object.values(POSTGRES_REFUSALS), ...Object.values(MYSQL_REFUSALS)])
      expect(code.sqlState).toMatch(/^[0-9A-Z]{5}$/);
  });

  it('a refusal names the gateway as the one who refused', () => {
    expect(refusal('policy-deny', 'denied by policy (destructive/drop-table): DROP TABLE')).toEqual({
      kind: 'policy-deny',
      message: 'guardrail: denied by policy (destructive/drop-table): DROP TABLE',
    });
  });
});
