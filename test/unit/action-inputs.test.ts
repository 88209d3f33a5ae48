import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, type InputSource, parseUpstream, readInputs } from '../../src/action/inputs.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function source(values: Record<string, string>, workspace = mkdtempSync(join(tmpdir(), 'gr-ws-'))) {
  const masked: string[] = [];
  const src: InputSource = { get: (n) => (values[n] ?? '').trim(), mask: (s) => masked.push(s), workspace };
  return { src, masked, workspace };
}

const broker = {
  database: 'postgres',
  upstream: 'db.internal:5432/app',
  credentials: 'broker',
  'broker-url': 'https://broker.example.com/',
};

function problems(values: Record<string, string>, workspace?: string): string[] {
  try {
    readInputs(source(values, workspace).src);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).problems;
  }
  throw new Error('expected the inputs to be refused');
}

describe('readInputs: accepted inputs', () => {
  it('reads a broker setup with its defaults', () => {
    const { src, workspace } = source({
      ...broker,
      'github-token': 'ghs_secret',
      migrations: 'db/*.sql\n\n  migrations/**/*.js ',
    });
    const inputs = readInputs(src);
    expect(inputs).toEqual({
      database: 'postgres',
      upstream: { host: 'db.internal', port: 5432, database: 'app' },
      upstreamSslMode: 'prefer',
      target: 'app',
      credentials: { kind: 'broker', url: 'https://broker.example.com' },
      audience: 'https://broker.example.com',
      policy: { path: join(workspace, '.github/guardrail.yml'), exists: false, explicit: false },
      githubToken: 'ghs_secret',
      migrations: ['db/*.sql', 'migrations/**/*.js'],
      listenPort: 0,
      maxConnections: 50,
      exportEnv: false,
    });
  });

  it('masks the github token and every form of the static DSN password', () => {
    const dsn = 'postgres://app:p%40ss%2Fw0rd@db.internal:5432/app';
    const { src, masked } = source({
      database: 'postgres',
      upstream: 'postgres://db.internal/app',
      credentials: 'static',
      'static-dsn': dsn,
      'github-token': 'ghs_token',
    });
    const inputs = readInputs(src);
    expect(inputs.credentials).toEqual({ kind: 'static', dsn });
    expect(inputs.audience).toBe('');
    expect(masked).toEqual(expect.arrayContaining(['ghs_token', dsn, 'p%40ss%2Fw0rd', 'p@ss/w0rd']));
  });

  it('reads vault settings, defaulting the auth path, mount and creds role', () => {
    const { src } = source({
      database: 'mysql',
      upstream: 'mysql://[::1]/shop',
      credentials: 'vault',
      'vault-url': 'http://127.0.0.1:8200',
      'vault-role': 'ci-migrate',
    });
    const inputs = readInputs(src);
    expect(inputs.upstream).toEqual({ host: '[::1]', port: 3306, database: 'shop' });
    expect(inputs.credentials).toEqual({
      kind: 'vault',
      url: 'http://127.0.0.1:8200',
      role: 'ci-migrate',
      authPath: 'jwt',
      mount: 'database',
      credsRole: 'ci-migrate',
    });
    expect(inputs.audience).toBe('http://127.0.0.1:8200');
  });

  it('reads the remaining settings', () => {
    const { src, workspace } = source({
      ...broker,
      audience: 'guardrail',
      policy: 'ci/policy.yml',
      mode: 'dry-run',
      'approval-timeout': '1h30m',
      'listen-port': '6543',
      'max-connections': '20',
      'transcript-name': 'nightly',
      'export-env': 'TRUE',
      'broker-ca': 'ca.pem',
    });
    mkdirSync(join(workspace, 'ci'));
    writeFileSync(join(workspace, 'ci/policy.yml'), 'rules: {}\n');
    writeFileSync(join(workspace, 'ca.pem'), CA);
    const inputs = readInputs(src);
    expect(inputs).toMatchObject({
      maxConnections: 20,
      audience: 'guardrail',
      policy: { path: join(workspace, 'ci/policy.yml'), exists: true, explicit: true },
      mode: 'dry-run',
      approvalTimeoutMs: 5_400_000,
      listenPort: 6543,
      transcriptName: 'nightly',
      exportEnv: true,
      credentials: { kind: 'broker', caFile: join(workspace, 'ca.pem') },
    });
  });
});

describe('readInputs: every bad value is refused with a message naming the input', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'unknown database',
      { ...broker, database: 'oracle' },
      /^database: 'oracle' is not one of postgres, mysql$/,
    ],
    ['missing upstream', { ...broker, upstream: '' }, /^upstream: required/],
    [
      'upstream with a password',
      { ...broker, upstream: 'postgres://u:p@db/app' },
      /^upstream: must not contain a user or password/,
    ],
    [
      'upstream without database',
      { ...broker, upstream: 'db.internal:5432' },
      /^upstream: names no database/,
    ],
    [
      'upstream with a bad port',
      { ...broker, upstream: 'db:99999/app' },
      /^upstream: port '99999' is not a number between 1 and 65535$/,
    ],
    [
      'upstream of the other dialect',
      { ...broker, upstream: 'mysql://db/app' },
      /^upstream: the scheme mysql:\/\/ does not match database postgres/,
    ],
    [
      'upstream with options',
      { ...broker, upstream: 'db/app?sslmode=disable' },
      /^upstream: query parameters/,
    ],
    [
      'upstream with a bad host',
      { ...broker, upstream: 'db_1!:5432/app' },
      /^upstream: 'db_1!' is not a host name/,
    ],
    [
      'unknown credentials',
      { ...broker, credentials: 'ldap' },
      /^credentials: 'ldap' is not one of broker, vault, static$/,
    ],
    [
      'broker without url',
      { ...broker, 'broker-url': '' },
      /^broker-url: required when credentials is broker$/,
    ],
    [
      'broker over http',
      { ...broker, 'broker-url': 'http://broker.example.com' },
      /^broker-url: must use https:\/\//,
    ],
    ['broker url not a url', { ...broker, 'broker-url': 'broker' }, /^broker-url: 'broker' is not a URL$/],
    [
      'broker url with credentials',
      { ...broker, 'broker-url': 'https://a:b@broker' },
      /^broker-url: must not contain a user/,
    ],
    [
      'broker-ca file missing',
      { ...broker, 'broker-ca': 'nope.pem' },
      /^broker-ca: cannot read .*nope\.pem: ENOENT$/,
    ],
    [
      'vault without role',
      { ...broker, credentials: 'vault', 'broker-url': '', 'vault-url': 'https://vault' },
      /^vault-role: required when credentials is vault$/,
    ],
    [
      'vault with a bad auth path',
      {
        ...broker,
        credentials: 'vault',
        'broker-url': '',
        'vault-url': 'https://vault',
        'vault-role': 'r',
        'vault-auth-path': 'a b',
      },
      /^vault-auth-path: 'a b' is not a Vault path/,
    ],
    [
      'a setting of another credentials kind',
      { ...broker, 'vault-role': 'r' },
      /^vault-role: is set, but credentials is broker, not vault$/,
    ],
    [
      'static without password',
      {
        ...broker,
        credentials: 'static',
        'broker-url': '',
        'static-dsn': 'postgres://u@db.internal:5432/app',
      },
      /^static-dsn: must contain both a user and a password$/,
    ],
    [
      'static DSN of the other dialect',
      { ...broker, credentials: 'static', 'broker-url': '', 'static-dsn': 'mysql://u:p@db.internal/app' },
      /^static-dsn: the scheme mysql:\/\/ does not match database postgres$/,
    ],
    [
      'audience with static',
      {
        ...broker,
        credentials: 'static',
        'broker-url': '',
        'static-dsn': 'postgres://u:p@db.internal/app',
        audience: 'x',
      },
      /^audience: only used with credentials broker or vault$/,
    ],
    [
      'a named policy file that does not exist',
      { ...broker, policy: 'ci/missing.yml' },
      /^policy: ci\/missing\.yml does not exist/,
    ],
    ['unknown mode', { ...broker, mode: 'block' }, /^mode: 'block' is not one of enforce, audit, dry-run$/],
    [
      'migrations outside the workspace',
      { ...broker, migrations: '../other/*.sql' },
      /^migrations: '\.\.\/other\/\*\.sql' must be a path inside the workspace$/,
    ],
    [
      'absolute migrations',
      { ...broker, migrations: '/etc/*.sql' },
      /^migrations: '\/etc\/\*\.sql' must be a path/,
    ],
    [
      'approval-timeout not a duration',
      { ...broker, 'approval-timeout': '30 minutes' },
      /^approval-timeout: '30 minutes' is not a duration between 1s and 24h/,
    ],
    ['approval-timeout zero', { ...broker, 'approval-timeout': '0s' }, /^approval-timeout: '0s'/],
    [
      'approval-timeout under a second',
      { ...broker, 'approval-timeout': '500ms' },
      /^approval-timeout: '500ms'/,
    ],
    ['approval-timeout beyond a day', { ...broker, 'approval-timeout': '25h' }, /^approval-timeout: '25h'/],
    [
      'listen-port out of range',
      { ...broker, 'listen-port': '70000' },
      /^listen-port: '70000' is not 0 or a port between 1 and 65535$/,
    ],
    ['listen-port not a number', { ...broker, 'listen-port': '54x' }, /^listen-port: '54x'/],
    [
      'max-connections of none',
      { ...broker, 'max-connections': '0' },
      /^max-connections: '0' is not a number of connections between 1 and 10000$/,
    ],
    ['max-connections not a number', { ...broker, 'max-connections': '5O' }, /^max-connections: '5O'/],
    [
      'attest neither auto, true nor false',
      { ...broker, attest: 'yes' },
      /^attest: 'yes' is not auto, true or false$/,
    ],
    [
      'transcript-name with a slash',
      { ...broker, 'transcript-name': 'a/b' },
      /^transcript-name: must not contain "\/"/,
    ],
    [
      'export-env not a boolean',
      { ...broker, 'export-env': 'yes' },
      /^export-env: 'yes' is not true or false$/,
    ],
  ];

  for (const [what, values, message] of cases) {
    it(what, () => {
      const found = problems(values);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(message);
    });
  }

  it('refuses a broker-ca file without a certificate', () => {
    const { workspace } = source({});
    writeFileSync(join(workspace, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMII\n');
    expect(problems({ ...broker, 'broker-ca': 'key.pem' }, workspace)).toEqual([
      `broker-ca: ${join(workspace, 'key.pem')} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ]);
  });

  it('reports all problems at once, in a message that lists them', () => {
    let error: InputError | undefined;
    try {
      readInputs(source({ database: 'db2', credentials: 'broker', mode: 'x' }).src);
    } catch (err) {
      error = err as InputError;
    }
    expect(error?.problems.map((p) => p.split(':')[0])).toEqual([
      'database',
      'upstream',
      'broker-url',
      'mode',
    ]);
    expect(error?.message).toBe(`invalid inputs:\n${error?.problems.map((p) => `  - ${p}`).join('\n')}`);
  });

  it('never quotes the static DSN or its password', () => {
    const dsn = 'postgres://app:hunter2secret@other-host:5432/app';
    const found = problems({ ...broker, credentials: 'static', 'broker-url': '', 'static-dsn': dsn });
    expect(found).toEqual(['static-dsn: names a different host, port or database than upstream']);
    expect(found.join('\n')).not.toContain('hunter2secret');
    const unparsable = problems({
      ...broker,
      credentials: 'static',
      'broker-url': '',
      'static-dsn': 'hunter2secret',
    });
    expect(unparsable.join('\n')).not.toContain('hunter2secret');
  });
});

describe('parsers', () => {
  it('parseUpstream reads both forms', () => {
    expect(parseUpstream('postgresql://DB.Internal:6432/app', 'postgres')).toEqual({
      host: 'db.internal',
      port: 6432,
      database: 'app',
    });
    expect(parseUpstream('10.0.0.5/my%20db', 'postgres')).toEqual({
      host: '10.0.0.5',
      port: 5432,
      database: 'my db',
    });
    expect(parseUpstream('mariadb://db:3307/shop', 'mysql')).toEqual({
      host: 'db',
      port: 3307,
      database: 'shop',
    });
  });
});
