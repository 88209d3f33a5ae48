import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newRoleName, parseRoleName } from '../../src/broker/role-name.js';
import {
  checkRevocationToken,
  mysqlNativeHash,
  newPassword,
  revocationToken,
  scramVerifier,
} from '../../src/broker/secrets.js';

describe('role names', () => {
  it("round-trip run, attempt and expiry, fit MySQL's 32 characters, and differ each time", () => {
    const exp = new Date('2026-11-29T04:00:00Z');
    const a = newRoleName('gr_', '12345678901', '2', exp);
    const b = newRoleName('gr_', '12345678901', '2', exp);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(32);
    expect(parseRoleName('gr_', a)).toEqual({
      name: a,
      runId: '12345678901',
      runAttempt: '2',
      expiresAt: exp,
    });
  });

  it('does not claim names that merely share the prefix', () => {
    expect(parseRoleName('gr_', 'gr_admin')).toBeUndefined();
    expect(parseRoleName('gr_', 'app_12_1_abc_123456')).toBeUndefined();
  });

  it('refuses run ids that are not numbers', () => {
    expect(() => newRoleName('gr_', "1'; DROP ROLE x; --", '1', new Date())).toThrow(/decimal/);
  });
});

describe('password verifiers', () => {
  it('builds a SCRAM-SHA-256 verifier a server can check the password against', () => {
    const pw = newPassword();
    const v = scramVerifier(pw);
    const m = /^SCRAM-SHA-256\$4096:([^$]+)\$([^:]+):(.+)$/.exec(v)!;
    expect(m).not.toBeNull();
    const salted = pbkdf2Sync(pw, Buffer.from(m[1]!, 'base64'), 4096, 32, 'sha256');
    const stored = createHash('sha256')
      .update(createHmac('sha256', salted).update('Client Key').digest())
      .digest('base64');
    expect(m[2]).toBe(stored);
    expect(v).not.toContain(pw);
  });

  it('builds the mysql_native_password hash', () => {
    // Known value: PASSWORD('password') in MySQL/MariaDB.
    expect(mysqlNativeHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
  });

  it('checks revocation tokens per lease and key', () => {
    const t = revocationToken('key', 'app.gr_1_1_x_abcdef');
    expect(checkRevocationToken('key', 'app.gr_1_1_x_abcdef', t)).toBe(true);
    expect(checkRevocationToken('key', 'app.gr_1_1_x_abcdeg', t)).toBe(false);
    expect(checkRevocationToken('other', 'app.gr_1_1_x_abcdef', t)).toBe(false);
    expect(checkRevocationToken('key', 'app.gr_1_1_x_abcdef', 'short')).toBe(false);
  });
});
