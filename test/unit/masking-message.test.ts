import { describe, expect, it } from 'vitest';
import { compileMasking, KnownSecrets } from '../../src/masking/index.js';

const m = compileMasking({ columns: ['public.users.email', '*.ssn'] });

describe('redactMessage', () => {
  it('withholds key values when the table is unknown', () => {
    expect(m.redactMessage('Key (email)=(alice@x.com) already exists.')).toBe(
      'Key (email)=([redacted]) already exists.',
    );
    expect(m.redactMessage('Key (user_id)=(42) is not present in table "users".')).toBe(
      'Key (user_id)=([redacted]) is not present in table "users".',
    );
  });

  it('withholds key values of masked or expression columns on a known table', () => {
    const ctx = { schema: 'public', table: 'users' };
    expect(m.redactMessage('Key (email)=(bob) already exists.', ctx)).toBe(
      'Key (email)=([redacted]) already exists.',
    );
    expect(m.redactMessage('Key (lower(name::text))=(bob) already exists.', ctx)).toBe(
      'Key (lower(name::text))=([redacted]) already exists.',
    );
    expect(m.redactMessage('Key (id, name)=(7, bob (the builder)) already exists.', ctx)).toBe(
      'Key (id, name)=(7, bob (the builder)) already exists.',
    );
  });

  it('keeps values of columns and tables no rule can touch, but still runs the detectors', () => {
    const ctx = { schema: 'public', table: 'orders' };
    expect(m.redactMessage('Key (ref)=(A-1) already exists.', ctx)).toBe('Key (ref)=(A-1) already exists.');
    // A failing row does not name its columns, and *.ssn could match a column of orders.
    expect(m.redactMessage('Failing row contains (1, A-1).', ctx)).toBe('Failing row contains ([redacted]).');
    const strict = compileMasking({ columns: ['public.users.email'] });
    expect(strict.redactMessage('Failing row contains (1, carol@example.com, 5).', ctx)).toBe(
      'Failing row contains (1, [redacted:email], 5).',
    );
  });

  it('withholds both sides of an exclusion conflict', () => {
    expect(
      m.redactMessage(
        'Key (room, during)=(1, [2024-01-01,2024-01-02)) conflicts with existing key (room, during)=(1, [2024-01-01,2024-01-03)).',
      ),
    ).toBe('Key (room, during)=([redacted]) conflicts with existing key (room, during)=([redacted]).');
  });

  it('withholds failing rows, invalid input and MySQL duplicate entries', () => {
    expect(m.redactMessage('Failing row contains (1, alice@x.com, null).')).toBe(
      'Failing row contains ([redacted]).',
    );
    expect(m.redactMessage('invalid input syntax for type integer: "123-45-6789x"')).toBe(
      'invalid input syntax for type integer: "[redacted]"',
    );
    expect(m.redactMessage("Duplicate entry 'alice@x.com' for key 'users.email'")).toBe(
      "Duplicate entry '[redacted]' for key 'users.email'",
    );
    expect(m.redactMessage("Incorrect integer value: 'abc' for column `db`.`t`.`age` at row 1")).toBe(
      "Incorrect integer value: '[redacted]' for column `db`.`t`.`age` at row 1",
    );
  });

  it('runs the detectors over the rest of the message', () => {
    expect(m.redactMessage('connection to postgres://app:pw123@db failed; contact ops@example.com')).toBe(
      'connection to postgres://app:[redacted:credential-field]@db failed; contact [redacted:email]',
    );
  });

  it('keeps values when no column rule exists at all', () => {
    const none = compileMasking({});
    expect(none.redactMessage('Key (id)=(42) already exists.')).toBe('Key (id)=(42) already exists.');
  });
});

describe('redactParams', () => {
  it('runs every parameter through the detectors', () => {
    const out = m.redactParams([
      'alice@example.com',
      4111111111111111,
      42,
      null,
      true,
      Buffer.from('token ghp_abcdefghijklmnopqrstuvwxyz0123456789'),
      Buffer.from([0, 1, 2, 255]),
      { card: '4111 1111 1111 1111', n: 1 },
      new Date('2026-01-02T03:04:05Z'),
      12345678901234567890n,
    ]);
    expect(out).toEqual([
      '[redacted:email]',
      '[redacted:credit-card]',
      42,
      null,
      true,
      'token [redacted:github-token]',
      '[binary 4 bytes]',
      '{"card":"[redacted:credit-card]","n":1}',
      '2026-01-02T03:04:05.000Z',
      '12345678901234567890',
    ]);
  });
});

describe('secret names in server messages', () => {
  const m = compileMasking({});
  it('withholds the key of a column or index with a secret name even without column rules', () => {
    expect(m.redactMessage('Key (api_token)=(Zq9x8w7v) already exists.')).toBe(
      'Key (api_token)=([redacted]) already exists.',
    );
    expect(m.redactMessage("Duplicate entry 'Zq9x8w7v' for key 'users_password_uq'")).toBe(
      "Duplicate entry '[redacted]' for key 'users_password_uq'",
    );
    expect(m.redactMessage('Key (name)=(bob) already exists.')).toBe('Key (name)=(bob) already exists.');
  });
});

describe('KnownSecrets', () => {
  it('withholds learnt values everywhere in an event, longest first, and ignores short ones', () => {
    const k = new KnownSecrets();
    k.add('abc');
    k.add('Zq9x');
    k.add('Zq9x8w7v');
    const event = { type: 'rows', sample: [['Zq9x8w7v!', 1, null]], columns: ['abc'] };
    expect(k.scrubDeep(event)).toEqual({
      type: 'rows',
      sample: [['[redacted]!', 1, null]],
      columns: ['abc'],
    });
    const clean = { type: 'x', values: ['nothing'] };
    expect(k.scrubDeep(clean)).toBe(clean);
  });
});
