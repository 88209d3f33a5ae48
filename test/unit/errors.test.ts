// The error family: every error class of src/ is a GuardrailError whose code is the same on the
// class and on the instance, distinct per class; errors without a class carry a code of the union.
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/broker/broker.js';
import { ConfigError, parseBrokerConfig } from '../../src/broker/config.js';
import { newRoleName } from '../../src/broker/role-name.js';
import { TokenError } from '../../src/broker/verify.js';
import { BaseRefError } from '../../src/cli/check-history.js';
import { HttpError } from '../../src/credentials/http.js';
import { OidcUnavailableError } from '../../src/credentials/oidc.js';
import { parseDsn } from '../../src/credentials/static.js';
import {
  BrokerSetupError,
  CredentialsError,
  DeadlineReached,
  GuardrailError,
} from '../../src/errors/guardrail-error.js';
import { ProtocolError, UpstreamError } from '../../src/errors/wire-errors.js';
import { Budget } from '../../src/impact/budget.js';
import { ValuesPending } from '../../src/impact/types.js';
import { MaskingConfigError, MaskingError } from '../../src/masking/index.js';
import { PolicyError, parsePolicy } from '../../src/policy/index.js';
import { LexError, tokenize } from '../../src/sql/mysql/lexer.js';
import { lexFlags } from '../../src/sql/mysql/sql-mode.js';
import { PgSyntaxError } from '../../src/sql/postgres/parser.js';
import { readTranscript } from '../../src/transcript/read.js';

const FAMILY = [
  [PolicyError, new PolicyError('m', 'f.yml', 1)],
  [CredentialsError, new CredentialsError('m')],
  [HttpError, new HttpError('m', 502)],
  [OidcUnavailableError, new OidcUnavailableError('m')],
  [BrokerError, new BrokerError(404, 'not_found', 'm')],
  [ConfigError, new ConfigError('m')],
  [TokenError, new TokenError('m', 401)],
  [BrokerSetupError, new BrokerSetupError('m')],
  [LexError, new LexError('m', 0)],
  [PgSyntaxError, new PgSyntaxError('m', 3)],
  [ValuesPending, new ValuesPending()],
  [DeadlineReached, new DeadlineReached()],
  [MaskingError, new MaskingError('m')],
  [MaskingConfigError, new MaskingConfigError('m')],
  [BaseRefError, new BaseRefError('m')],
  [ProtocolError, new ProtocolError('m')],
  [UpstreamError, new UpstreamError('m', '42P01')],
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
    expect(() => tokenize("'abc", lexFlags(''))).toThrow(expect.objectContaining({ code: 'ERR_SQL_LEX' }));
    expect(() => new Budget(0, 2000).nextProbeMs()).toThrow(
      expect.objectContaining({
        code: 'ERR_DEADLINE_REACHED',
        message: 'time budget used up before this probe',
      }),
    );
    expect(() => readTranscript('{"seq":1}\nnot json\n{"seq":3}\n')).toThrow(
      expect.objectContaining({
        code: 'ERR_TRANSCRIPT_MALFORMED',
        message: expect.stringMatching(/^line 2 /),
      }),
    );
  });

  it('takes a code for errors no caller branches on, and keeps the cause', () => {
    const cause = new Error('EACCES');
    const err = new GuardrailError('transcript t cannot be written: EACCES', {
      code: 'ERR_TRANSCRIPT_WRITE',
      cause,
    });
    expect([err.code, err.name, err.message, err.cause]).toEqual([
      'ERR_TRANSCRIPT_WRITE',
      'GuardrailError',
      'transcript t cannot be written: EACCES',
      cause,
    ]);
    // A subclass's own code wins over none given; the base without one says so.
    expect(new LexError('m', 1).code).toBe('ERR_SQL_LEX');
    expect(new GuardrailError('m').code).toBe('ERR_GUARDRAIL');
  });

  it('gives both engines one shape for wire errors: SQLSTATE, and MySQL’s error number', () => {
    const pgSide = new ProtocolError('connection closed during start-up', '08006');
    expect([pgSide.code, pgSide.sqlState, new ProtocolError('bad').sqlState]).toEqual([
      'ERR_PROTOCOL_MALFORMED',
      '08006',
      '08P01',
    ]);
    const mysqlSide = new UpstreamError("Table 'app.t' doesn't exist", '42S02', 1146);
    expect([mysqlSide.code, mysqlSide.sqlState, mysqlSide.errno]).toEqual([
      'ERR_UPSTREAM_FAILED',
      '42S02',
      1146,
    ]);
    expect(new UpstreamError('relation "t" does not exist', '42P01').errno).toBeUndefined();
  });
});
