// The error family: every error class of src/policy, src/credentials and src/broker is a
// GuardrailError whose code is the same on the class and on the instance, distinct per class.
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/broker/broker.js';
import { ConfigError, parseBrokerConfig } from '../../src/broker/config.js';
import { newRoleName } from '../../src/broker/role-name.js';
import { TokenError } from '../../src/broker/verify.js';
import { HttpError } from '../../src/credentials/http.js';
import { OidcUnavailableError } from '../../src/credentials/oidc.js';
import { parseDsn } from '../../src/credentials/static.js';
import { BrokerSetupError, CredentialsError, GuardrailError } from '../../src/errors/guardrail-error.js';
import { PolicyError, parsePolicy } from '../../src/policy/index.js';

const FAMILY = [
  [PolicyError, new PolicyError('m', 'f.yml', 1)],
  [CredentialsError, new CredentialsError('m')],
  [HttpError, new HttpError('m', 502)],
  [OidcUnavailableError, new OidcUnavailableError('m')],
  [BrokerError, new BrokerError(404, 'not_found', 'm')],
  [ConfigError, new ConfigError('m')],
  [TokenError, new TokenError('m', 401)],
  [BrokerSetupError, new BrokerSetupError('m')],
] as const;

describe('GuardrailError', () => {
  it('gives every class its own code, the same on the class and the instance, and its name', () => {
    for (const [cls, err] of FAMILY) {
      expect(err).toBeInstanceOf(GuardrailError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(cls.code);
      expect(err.name).toBe(cls.name);
    }
    expect(new Set(FAMILY.map(([cls]) => cls.code)).size).toBe(FAMILY.length);
    expect(new HttpError('m', 502)).toBeInstanceOf(CredentialsError);
  });

  it('is what the adopting modules throw', () => {
    expect(() => parsePolicy('mode: loud\n', 'p.yml')).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_INVALID', line: 1 }),
    );
    expect(() => parseDsn('not a url')).toThrow(expect.objectContaining({ code: 'ERR_CREDENTIALS' }));
    expect(() => newRoleName('gr_', 'x', '1', new Date())).toThrow(
      expect.objectContaining({ code: 'ERR_BROKER_SETUP' }),
    );
    expect(() => parseBrokerConfig('nonsense: [', 'b.yml')).toThrow(
      expect.objectContaining({ code: 'ERR_BROKER_CONFIG' }),
    );
    // The broker's HTTP answer keeps its own reason slug apart from the family's code.
    const refused = new BrokerError(404, 'not_found', 'gone');
    expect([refused.code, refused.reason, refused.status]).toEqual(['ERR_BROKER_REQUEST', 'not_found', 404]);
  });
});
