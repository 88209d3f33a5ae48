import { beforeAll, describe, expect, it } from 'vitest';
import { compileMasking } from '../../src/masking/index.js';
import { UNKNOWN_SQL_MODE } from '../../src/sql/mysql/sql-mode.js';
import { loadPostgresParser } from '../../src/sql/postgres/parser.js';

// The Postgres parser's WebAssembly is loaded on first use, as the gateway context does.
beforeAll(loadPostgresParser);

const m = compileMasking({ columns: ['public.users.email', '*.ssn'] });
const pg = (sql: string) => m.redactStatement(sql, 'postgres');
const my = (sql: string, sqlMode?: string) => m.redactStatement(sql, 'mysql', sqlMode ? { sqlMode } : {});

describe('redactStatement (postgres)', () => {
  it.each([
    ["CREATE ROLE app LOGIN PASSWORD 'hunter2'", "CREATE ROLE app LOGIN PASSWORD '[redacted]'"],
    [
      "ALTER ROLE app WITH ENCRYPTED PASSWORD 'SCRAM-SHA-256$4096:abc' VALID UNTIL '2030-01-01'",
      "ALTER ROLE app WITH ENCRYPTED PASSWORD '[redacted]' VALID UNTIL '2030-01-01'",
    ],
    ["ALTER USER bob PASSWORD E'it\\'s'", "ALTER USER bob PASSWORD '[redacted]'"],
    ['CREATE USER x WITH PASSWORD $p$dollar$p$', "CREATE USER x WITH PASSWORD '[redacted]'"],
    [
      "SELECT dblink_connect('c1', 'host=db user=u password=s3cret dbname=app')",
      "SELECT dblink_connect('c1', 'host=db user=u password=[redacted:credential-field] dbname=app')",
    ],
    [
      "SELECT * FROM dblink('postgresql://u:s3cret@db/app', 'SELECT 1') AS t(x int)",
      "SELECT * FROM dblink('postgresql://u:[redacted:credential-field]@db/app', 'SELECT 1') AS t(x int)",
    ],
    [
      "SELECT dblink_exec('dbname=x password=pw1', 'DROP TABLE t')",
      "SELECT dblink_exec('dbname=x password=[redacted:credential-field]', 'DROP TABLE t')",
    ],
    [
      "CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'app', password 'pw2')",
      "CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'app', password '[redacted]')",
    ],
    [
      "ALTER USER MAPPING FOR app SERVER remote OPTIONS (SET password 'pw3')",
      "ALTER USER MAPPING FOR app SERVER remote OPTIONS (SET password '[redacted]')",
    ],
    [
      "CREATE SUBSCRIPTION s CONNECTION 'host=p password=pw4' PUBLICATION p",
      "CREATE SUBSCRIPTION s CONNECTION 'host=p password=[redacted:credential-field]' PUBLICATION p",
    ],
    [
      "SELECT set_config('app.api_token', 'tok-123', false), set_config('app.tenant', 'acme', false)",
      "SELECT set_config('app.api_token', '[redacted]', false), set_config('app.tenant', 'acme', false)",
    ],
    [
      "SELECT pg_catalog.set_config('my.secret', 'x', true)",
      "SELECT pg_catalog.set_config('my.secret', '[redacted]', true)",
    ],
    [
      "SET app.secret_key = 'abc'; SET search_path TO 'public'",
      "SET app.secret_key = '[redacted]'; SET search_path TO 'public'",
    ],
    ["SET SESSION my.password TO 'abc'", "SET SESSION my.password TO '[redacted]'"],
    [
      "INSERT INTO users (name, password_hash, note) VALUES ('bob', crypt('pw9', gen_salt('bf')), 'x'), ('eve', '$2b$10$abc', 'y') ON CONFLICT (name) DO UPDATE SET password_hash = 'z'",
      "INSERT INTO users (name, password_hash, note) VALUES ('bob', crypt('[redacted]', gen_salt('[redacted]')), 'x'), ('eve', '[redacted]', 'y') ON CONFLICT (name) DO UPDATE SET password_hash = '[redacted]'",
    ],
    ["INSERT INTO t VALUES ('bob', 'pw')", "INSERT INTO t VALUES ('bob', 'pw')"],
  ])('%s', (sql, expected) => {
    expect(pg(sql)).toBe(expected);
  });

  it('runs the detectors over literals, comments and numbers, and keeps the rest', () => {
    expect(
      pg("SELECT 'alice@example.com', 4111111111111111 /* ssn 123-45-6789 */ -- bob@example.com\nFROM t"),
    ).toBe(
      "SELECT '[redacted:email]', [redacted:credit-card] /* ssn [redacted:us-ssn] */ -- [redacted:email]\nFROM t",
    );
    expect(pg('SELECT id, name FROM users WHERE id = 42')).toBe('SELECT id, name FROM users WHERE id = 42');
  });

  it('maps scanner byte offsets to characters in non-ASCII text', () => {
    expect(pg("SELECT 'héllo ✓ 😀', 'x@example.com'; ALTER ROLE r PASSWORD 'pässwörd'")).toBe(
      "SELECT 'héllo ✓ 😀', '[redacted:email]'; ALTER ROLE r PASSWORD '[redacted]'",
    );
  });

  it('withholds everything after the first quote when the text cannot be scanned', () => {
    expect(pg("ALTER ROLE x PASSWORD 'unterminated")).toBe(
      'ALTER ROLE x PASSWORD [redacted: unterminated literal or comment]',
    );
  });

  it('reads plain strings as the server does with standard_conforming_strings off', () => {
    const off = { standardConformingStrings: false };
    // To the server, one literal holding the secret; read as standard, 'a\' then a bare word.
    const tricks = [
      "ALTER ROLE x PASSWORD 'a\\' Zq9secret -- '\n",
      "SET app.api_token = 'a\\' Zq9secret /* ' */",
      "SELECT set_config('app.api_token', 'a\\', Zq9secret, --', false)\n",
    ];
    for (const text of tricks) {
      expect(pg(text)).toContain('Zq9secret');
      const redacted = m.redactStatement(text, 'postgres', off);
      expect(redacted).not.toContain('Zq9secret');
      expect(redacted).toMatch(/\[redacted: read with standard_conforming_strings off\]$/);
    }
    // Text that reads the same either way keeps its usual redaction.
    expect(m.redactStatement("ALTER ROLE x PASSWORD 'plain'", 'postgres', off)).toBe(
      "ALTER ROLE x PASSWORD '[redacted]'",
    );
    expect(m.redactStatement("SELECT 1 -- a \\ in a comment, 'x'", 'postgres', off)).toBe(
      "SELECT 1 -- a \\ in a comment, 'x'",
    );
    expect(m.redactStatement("SELECT $$a\\'$$", 'postgres', off)).toBe("SELECT $$a\\'$$");
    // The values it withholds from later lines come from the detectors alone there.
    const keyed = "SELECT 'C:\\tmp', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'";
    expect(m.secretValues(keyed, 'postgres', off)).toEqual(['ghp_abcdefghijklmnopqrstuvwxyz0123456789']);
    expect(m.secretValues(tricks[0]!, 'postgres', off)).toEqual([]);
  });
});

describe('redactStatement (mysql)', () => {
  it.each([
    ["CREATE USER 'bob'@'%' IDENTIFIED BY 'pw1'", "CREATE USER 'bob'@'%' IDENTIFIED BY '[redacted]'"],
    [
      "ALTER USER bob IDENTIFIED BY PASSWORD '*94BDCEBE19083CE2A1F959FD02F964C7AF4CFC29'",
      "ALTER USER bob IDENTIFIED BY PASSWORD '[redacted]'",
    ],
    [
      "CREATE USER a IDENTIFIED WITH mysql_native_password BY 'pw2' REQUIRE SSL COMMENT 'ci user'",
      "CREATE USER a IDENTIFIED WITH mysql_native_password BY '[redacted]' REQUIRE SSL COMMENT 'ci user'",
    ],
    [
      "CREATE USER a IDENTIFIED VIA ed25519 USING PASSWORD('pw3') OR unix_socket, b IDENTIFIED BY 'pw4'",
      "CREATE USER a IDENTIFIED VIA ed25519 USING PASSWORD('[redacted]') OR unix_socket, b IDENTIFIED BY '[redacted]'",
    ],
    [
      "GRANT ALL ON db.* TO 'u'@'h' IDENTIFIED BY 'pw5'",
      "GRANT ALL ON db.* TO 'u'@'h' IDENTIFIED BY '[redacted]'",
    ],
    ["SET PASSWORD = 'pw6'", "SET PASSWORD = '[redacted]'"],
    ["SET PASSWORD FOR 'bob'@'%' = PASSWORD('pw7')", "SET PASSWORD FOR 'bob'@'%' = PASSWORD('[redacted]')"],
    ['SET @api_token = "tok", @other = \'visible\'', "SET @api_token = '[redacted]', @other = 'visible'"],
    [
      "CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (USER 'u', PASSWORD 'pw8', HOST 'h')",
      "CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (USER 'u', PASSWORD '[redacted]', HOST 'h')",
    ],
  ])('%s', (sql, expected) => {
    expect(my(sql)).toBe(expected);
  });

  it('treats executable comments as code and ordinary comments as text', () => {
    expect(my("/*!80000 CREATE USER x IDENTIFIED BY 'pw' */ SELECT 1 # mail a@example.com")).toBe(
      "/*!80000 CREATE USER x IDENTIFIED BY '[redacted]' */ SELECT 1 # mail [redacted:email]",
    );
  });

  it('reads executable comments as the server runs them, and under every reading without one', () => {
    // MariaDB 10.11 skips both comments, which end at their first */: the secret is a literal
    // given to @api_token. Read with every comment run, it was a bare word between two strings.
    const maria = { flavour: 'mariadb', version: 101119 } as const;
    for (const marker of ['/*M!999999', '/*!99999']) {
      const text = `SET @x = 1 ${marker} ' */, @api_token = 'Zq9secret' -- '*/`;
      const withServer = m.redactStatement(text, 'mysql', { sqlMode: '', server: maria });
      expect(withServer).toBe(`SET @x = 1 ${marker} ' */, @api_token = '[redacted]' -- '*/`);
      expect(m.secretValues(text, 'mysql', { sqlMode: '', server: maria })).toContain('Zq9secret');
      expect(my(text)).not.toContain('Zq9secret');
    }
    // A server that runs the comment reads a string there, then a bare word: nothing secret.
    const newer = { flavour: 'mariadb', version: 999999 } as const;
    expect(m.redactStatement("SET @x = 1 /*M!999999 ' */, @a = 'v' -- '*/", 'mysql', { server: newer })).toBe(
      "SET @x = 1 /*M!999999 ' */, @a = 'v' -- '*/",
    );
  });

  it('follows backslash escapes unless NO_BACKSLASH_ESCAPES, and double quotes unless ANSI_QUOTES', () => {
    expect(my("SELECT 'it\\'s a@example.com'")).toBe("SELECT 'it\\'s [redacted:email]'");
    // Without backslash escapes the first literal ends at the backslash-quote and a second one follows.
    expect(my("SELECT 'x\\', 'b@example.com'", 'NO_BACKSLASH_ESCAPES')).toBe(
      "SELECT 'x\\', '[redacted:email]'",
    );
    expect(my('SELECT "c@example.com" FROM t')).toBe('SELECT "[redacted:email]" FROM t');
    expect(my('SELECT "c@example.com" FROM t', 'ANSI_QUOTES')).toBe('SELECT "c@example.com" FROM t');
  });

  it('redacts under every lexing when the session sql_mode is unknown', () => {
    expect(my('CREATE USER x IDENTIFIED BY "pw"', 'ANSI_QUOTES')).toBe('CREATE USER x IDENTIFIED BY "pw"');
    expect(my('CREATE USER x IDENTIFIED BY "pw"', UNKNOWN_SQL_MODE)).toBe(
      "CREATE USER x IDENTIFIED BY '[redacted]'",
    );
  });

  it('withholds the rest of an unterminated literal', () => {
    expect(my("CREATE USER x IDENTIFIED BY 'pw")).toBe(
      'CREATE USER x IDENTIFIED BY [redacted: unterminated literal or comment]',
    );
  });
});

describe('secrets by where they go', () => {
  const m = compileMasking({});
  it('finds placeholders bound to secret columns, in both dialects', () => {
    expect([...m.secretParams('INSERT INTO acct (name, api_token) VALUES ($1, $2)', 'postgres')]).toEqual([
      1,
    ]);
    expect([...m.secretParams('UPDATE acct SET note = $2, password = $1 WHERE id = $3', 'postgres')]).toEqual(
      [0],
    );
    expect([...m.secretParams('UPDATE acct SET password = ? WHERE id = ?', 'mysql')]).toEqual([0]);
    expect([...m.secretParams('INSERT INTO t (a, client_secret, b) VALUES (?, ?, ?)', 'mysql')]).toEqual([1]);
    expect([...m.secretParams('SELECT * FROM acct WHERE id = $1', 'postgres')]).toEqual([]);
    expect(m.redactParams(['bob', 'Zq9x8w7v'], new Set([1]))).toEqual(['bob', '[redacted]']);
  });

  it('withholds bare numbers and words assigned to a secret name, and the folded form the server echoes', () => {
    for (const dialect of ['postgres', 'mysql'] as const) {
      expect(m.redactStatement('SET app.api_token = Sk7Value', dialect)).toBe(
        "SET app.api_token = '[redacted]'",
      );
      expect(m.redactStatement('SET app.secret_pin TO 918273645', dialect)).toBe(
        "SET app.secret_pin TO '[redacted]'",
      );
      expect(m.redactStatement('INSERT INTO acct (name, api_token) VALUES (1, 918273645)', dialect)).toBe(
        "INSERT INTO acct (name, api_token) VALUES (1, '[redacted]')",
      );
      // Near misses: keywords, a function called, a qualified name, a name that is not secret,
      // a secret name not assigned to.
      for (const kept of [
        'SET app.api_token = DEFAULT',
        'UPDATE acct SET password = NULL WHERE id = 7',
        'UPDATE acct SET api_token = md5(name) WHERE id = 7',
        'UPDATE acct SET api_token = other.col FROM other',
        'SET app.page_size = 918273645',
        'SELECT api_token, 918273645 FROM acct',
      ])
        expect(m.redactStatement(kept, dialect)).toBe(kept);
    }
    expect(m.redactStatement('SET @api_token := 918273645', 'mysql')).toBe("SET @api_token := '[redacted]'");
    expect(m.secretValues('SET app.api_token = Sk7Value', 'postgres').sort()).toEqual([
      'Sk7Value',
      'sk7value',
    ]);
    expect(m.secretValues('SET app.secret_pin = 918273645', 'postgres')).toEqual(['918273645']);
  });

  it('gives the clear values it withholds, and an AWS secret key next to its id', () => {
    const text = "INSERT INTO k VALUES ('AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')";
    expect(m.redactStatement(text, 'postgres')).not.toContain('wJalr');
    expect(m.secretValues(text, 'mysql')).toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(m.secretValues("UPDATE u SET password = 'it''s Zq9'", 'postgres')).toEqual(["it's Zq9"]);
    expect(m.redactStatement('SELECT 1 -- the admin password is Zq9x8w7v', 'postgres')).not.toContain('Zq9');
  });
});
