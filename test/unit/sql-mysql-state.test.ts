// The pieces of the MySQL session-state model that need no server: the greeting's version,
// which readings of executable comments differ, client-charset decoding, which statements may
// change the state, and names compared as the server normalises them.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/sql/analyze.js';
import { decodeClient, decodesExactly } from '../../src/sql/mysql/charset.js';
import { executableReadings, parseServerVersion } from '../../src/sql/mysql/server.js';
import { UNKNOWN_SQL_MODE } from '../../src/sql/mysql/sql-mode.js';
import { mayChangeClientCharset, touchesSessionTracking } from '../../src/sql/mysql/state.js';

const rules = (sql: string, ctx: Record<string, unknown> = {}) =>
  analyze(sql, { dialect: 'mysql', ...ctx }).findings.map((f) => f.rule);

describe('server flavour and version', () => {
  it('reads the greeting of MariaDB (with and without the 5.5.5- prefix) and MySQL', () => {
    expect(parseServerVersion('10.11.19-MariaDB-0+deb12u1')).toEqual({ flavour: 'mariadb', version: 101119 });
    expect(parseServerVersion('5.5.5-10.6.12-MariaDB-log')).toEqual({ flavour: 'mariadb', version: 100612 });
    expect(parseServerVersion('8.0.36')).toEqual({ flavour: 'mysql', version: 80036 });
    expect(parseServerVersion('8.4.0-log')).toEqual({ flavour: 'mysql', version: 80400 });
    expect(parseServerVersion('garbage')).toBeUndefined();
  });

  it('lists the readings of a text only when executable comments can differ between servers', () => {
    expect(executableReadings('SELECT 1')).toBeUndefined();
    expect(executableReadings('/*!40101 SET NAMES utf8mb4 */')).toBeUndefined();
    expect(executableReadings('/*! DROP TABLE t */')).toBeUndefined();
    const readings = executableReadings('SELECT 1 /*!80000 , 2 */ /*M!100500 , 3 */');
    expect(readings).toContainEqual({ flavour: 'mysql', version: 80000 });
    expect(readings).toContainEqual({ flavour: 'mariadb', version: 100500 });
    expect(readings).toContainEqual({ flavour: 'mariadb', version: 100000 });
  });

  it('judges a MySQL-8-only comment as code offline, and as MariaDB skips it with the server known', () => {
    const sql = '/*!80000 INSERT /*+ SET_VAR(foreign_key_checks=0) */ INTO orders VALUES (1, 2) */';
    expect(rules(sql)).toContain('destructive/disable-integrity');
    expect(rules(sql, { server: { flavour: 'mysql', version: 80036 } })).toContain(
      'destructive/disable-integrity',
    );
    expect(rules(sql, { server: { flavour: 'mariadb', version: 101119 } })).toEqual([]);
    // The rest of the statement follows what the server did with the comment.
    const smuggle =
      "SET sql_mode = 'NO_BACKSLASH_ESCAPES' /*!99999 , sql_mode = '' */; SELECT 'a\\' ; DROP TABLE t; -- '";
    expect(rules(smuggle, { server: { flavour: 'mariadb', version: 101119 } })).toContain(
      'destructive/drop-table',
    );
    expect(rules(smuggle)).toContain('destructive/drop-table');
  });
});

describe('client character sets', () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

  it('groups bytes as the server does: 0xBF5C is one GBK character, not a backslash', () => {
    const b = bytes("SELECT '", [0xbf, 0x5c], "' ; DROP TABLE t; -- '");
    const gbk = decodeClient(b, 0, 'gbk');
    expect(gbk).toEqual({ text: "SELECT '\u7e17' ; DROP TABLE t; -- '" });
    expect(rules((gbk as { text: string }).text)).toContain('destructive/drop-table');
    // Read as UTF-8 the same bytes are one string: what the gateway used to judge.
    expect(rules(b.toString('utf8'))).toEqual([]);
    expect((decodeClient(bytes([0x95, 0x5c]), 0, 'sjis') as { text: string }).text).toHaveLength(1);
    expect((decodeClient(bytes([0xa4, 0x5c]), 0, 'big5') as { text: string }).text).toHaveLength(1);
    expect((decodeClient(bytes([0x81, 0x30, 0x81, 0x30]), 0, 'gb18030') as { text: string }).text).toBe(
      '\u0080',
    );
  });

  it('refuses byte sequences the server would not read as one character, never replacing them', () => {
    expect(decodeClient(bytes("'", [0x81, 0x27]), 0, 'gbk')).toMatchObject({
      error: expect.stringMatching(/invalid gbk/),
    });
    expect(decodeClient(bytes([0x81]), 0, 'sjis')).toMatchObject({ error: expect.any(String) });
  });

  it('reads latin1 as Windows-1252 with the five undefined bytes kept, and refuses what it does not decode', () => {
    expect(decodeClient(bytes([0x80, 0x81, 0xe9]), 0, 'latin1')).toEqual({ text: '\u20ac\u0081\u00e9' });
    expect(decodeClient(bytes('SELECT 1'), 0, 'koi8r')).toEqual({ text: 'SELECT 1' });
    expect(decodeClient(bytes([0xc1]), 0, 'koi8r')).toMatchObject({ error: expect.stringMatching(/koi8r/) });
    expect(decodeClient(bytes('SELECT 1'), 0, 'swe7')).toMatchObject({ error: expect.any(String) });
  });

  it('says which character sets it decodes exactly (what a COM_CHANGE_USER may switch to)', () => {
    for (const cs of ['utf8mb4', 'UTF8MB3', 'latin1', 'binary', 'gbk', 'big5', 'sjis', 'cp932', 'gb18030'])
      expect(decodesExactly(cs)).toBe(true);
    for (const cs of ['ujis', 'euckr', 'koi8r', 'swe7', 'ucs2', 'utf16', 'constructor'])
      expect(decodesExactly(cs)).toBe(false);
  });

  it('knows which texts may switch character_set_client before a later statement', () => {
    expect(mayChangeClientCharset("SET NAMES gbk; SELECT 'x'", '', undefined)).toBe(true);
    expect(mayChangeClientCharset('SELECT 1; SET NAMES gbk', '', undefined)).toBe(false);
    expect(mayChangeClientCharset("EXECUTE s; SELECT 'x'", '', undefined)).toBe(true);
    expect(mayChangeClientCharset("INSERT INTO t VALUES ('x'); SELECT 'y'", '', undefined)).toBe(false);
    expect(mayChangeClientCharset("SELECT 'a; SET NAMES gbk'", UNKNOWN_SQL_MODE, undefined)).toBe(false);
    expect(mayChangeClientCharset('SELECT "a\\"; SET NAMES gbk; SELECT 1', UNKNOWN_SQL_MODE, undefined)).toBe(
      true,
    );
    expect(touchesSessionTracking('SET session_track_schema = OFF')).toBe(true);
  });
});

describe('names compared as the server normalises them', () => {
  it.each([
    ['SET `foreign_key_checks` = 0', 'destructive/disable-integrity'],
    ['SET SESSION `FOREIGN_KEY_CHECKS`=0', 'destructive/disable-integrity'],
    ['SET @@session.`foreign_key_checks` = 0', 'destructive/disable-integrity'],
    ['SET @@session.`sql_log_bin` = 0', 'exfiltration/admin-function'],
    ['SET @@SESSION.Sql_Log_Bin=0', 'exfiltration/admin-function'],
    ['SET @@`global`.`read_only` = 0', 'exfiltration/admin-function'],
    ["SELECT `LOAD_FILE`('/etc/passwd')", 'exfiltration/server-file'],
    ["SELECT Load_File ('/etc/passwd')", 'exfiltration/server-file'],
    ['SET STATEMENT `sql_log_bin`=0 FOR DELETE FROM t WHERE id=1', 'exfiltration/admin-function'],
  ])('%s', (sql, rule) => {
    expect(rules(sql)).toContain(rule);
  });

  it('reads "…" as a name under ANSI_QUOTES only', () => {
    expect(rules('SET "sql_log_bin" = 0', { sqlMode: 'ANSI_QUOTES' })).toContain(
      'exfiltration/admin-function',
    );
    expect(rules(`SELECT "load_file"('/x')`, { sqlMode: 'ANSI_QUOTES' })).toContain(
      'exfiltration/server-file',
    );
    expect(rules(`SELECT "load_file"`)).toEqual([]);
  });
});
