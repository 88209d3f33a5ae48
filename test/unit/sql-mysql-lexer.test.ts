import { describe, expect, it } from 'vitest';
import { analyzeMysql } from '../../src/sql/mysql/analyze.js';
import { LexError, Lexer, type Token, tokenize } from '../../src/sql/mysql/lexer.js';
import { analyzeMysqlScript } from '../../src/sql/mysql/script.js';
import { sqlModeChangeOf, useSchemaOf } from '../../src/sql/mysql/session.js';
import { nextStatement } from '../../src/sql/mysql/split.js';
import { lexFlags, UNKNOWN_SQL_MODE } from '../../src/sql/mysql/sql-mode.js';

const DEFAULT = lexFlags('');
const NBE = lexFlags('NO_BACKSLASH_ESCAPES');
const ANSI = lexFlags('ANSI_QUOTES');

function kinds(tokens: Token[]): string[] {
  return tokens.map((t) => `${t.kind}:${t.value}`);
}

function statements(sql: string, mode = ''): string[] {
  const lexer = new Lexer(sql, lexFlags(mode));
  const out: string[] = [];
  for (let s = nextStatement(lexer); s; s = nextStatement(lexer)) out.push(sql.slice(s.start, s.end));
  return out;
}

describe('MySQL lexer: strings', () => {
  it('reads backslash escapes by default', () => {
    const [s] = tokenize(String.raw`'a\'b\\c\nd\%'`, DEFAULT);
    expect(s).toMatchObject({ kind: 'string', value: "a'b\\c\nd\\%" });
  });

  it('treats backslash as a plain character under NO_BACKSLASH_ESCAPES', () => {
    expect(kinds(tokenize(String.raw`'a\' 'b'`, NBE))).toEqual(['string:a\\', 'string:b']);
  });

  it('reads doubled quotes in both modes', () => {
    for (const flags of [DEFAULT, NBE]) {
      expect(tokenize(`'it''s'`, flags)[0]).toMatchObject({ kind: 'string', value: "it's" });
      expect(tokenize(`"say ""hi"""`, flags)[0]).toMatchObject({ kind: 'string', value: 'say "hi"' });
    }
  });

  it('reads "…" as a string by default and as an identifier under ANSI_QUOTES', () => {
    expect(tokenize('"users"', DEFAULT)[0]).toMatchObject({ kind: 'string', value: 'users' });
    expect(tokenize('"users"', ANSI)[0]).toMatchObject({ kind: 'qident', value: 'users' });
    expect(tokenize('"users"', lexFlags('ANSI'))[0]).toMatchObject({ kind: 'qident' });
    expect(tokenize('"users"', lexFlags('POSTGRESQL'))[0]).toMatchObject({ kind: 'qident' });
  });

  it('never treats backslash as an escape in quoted identifiers', () => {
    expect(kinds(tokenize('`a\\` x', DEFAULT))).toEqual(['qident:a\\', 'word:x']);
    expect(kinds(tokenize('`a``b`', DEFAULT))).toEqual(['qident:a`b']);
    expect(kinds(tokenize('"a\\" x', ANSI))).toEqual(['qident:a\\', 'word:x']);
  });

  it('reads hex, bit and national strings and introducers', () => {
    expect(tokenize("X'41'", DEFAULT)[0]).toMatchObject({ kind: 'string', prefix: 'X', value: '41' });
    expect(tokenize("b'01'", DEFAULT)[0]).toMatchObject({ kind: 'string', prefix: 'B', value: '01' });
    expect(tokenize("N'x'", DEFAULT)[0]).toMatchObject({ kind: 'string', prefix: 'N', value: 'x' });
    expect(kinds(tokenize("_utf8mb4'x'", DEFAULT))).toEqual(['word:_utf8mb4', 'string:x']);
  });

  it('rejects unterminated strings, identifiers and comments', () => {
    expect(() => tokenize("'abc", DEFAULT)).toThrow(LexError);
    expect(() => tokenize("'abc\\'", DEFAULT)).toThrow(LexError);
    expect(() => tokenize('`abc', DEFAULT)).toThrow(LexError);
    expect(() => tokenize('SELECT /* x', DEFAULT)).toThrow(LexError);
    expect(tokenize("'abc\\'", NBE)).toMatchObject([{ kind: 'string', value: 'abc\\' }]);
  });
});

describe('MySQL lexer: numbers, words, variables', () => {
  it('tells numbers from identifiers that start with digits', () => {
    expect(kinds(tokenize('1 1.5 .5 1e3 1.5e-3 0x1F 0b01 1abc 1e', DEFAULT))).toEqual([
      'number:1',
      'number:1.5',
      'number:.5',
      'number:1e3',
      'number:1.5e-3',
      'number:0x1F',
      'number:0b01',
      'word:1abc',
      'word:1e',
    ]);
  });

  it('reads qualified names with a dot, not a decimal', () => {
    expect(kinds(tokenize('t.5c', DEFAULT))).toEqual(['word:t', 'punct:.', 'word:5c']);
  });

  it('reads user and system variables', () => {
    expect(kinds(tokenize("@a @`b c` @'d' @@session.sql_mode @@GLOBAL.x", DEFAULT))).toEqual([
      'var:a',
      'var:b c',
      'var:d',
      'sysvar:session.sql_mode',
      'sysvar:GLOBAL.x',
    ]);
  });

  it('reads multi-character operators', () => {
    expect(
      kinds(tokenize('a := b <=> c != d <> e || f ->> g', DEFAULT)).filter((k) => k.startsWith('op')),
    ).toEqual(['op::=', 'op:<=>', 'op:!=', 'op:<>', 'op:||', 'op:->>']);
  });
});

describe('MySQL lexer: comments', () => {
  it('drops /* */, # and -- comments', () => {
    expect(kinds(tokenize('SELECT /* x */ 1 # y\n, 2 -- z\n, 3', DEFAULT))).toEqual([
      'word:SELECT',
      'number:1',
      'punct:,',
      'number:2',
      'punct:,',
      'number:3',
    ]);
  });

  it('needs whitespace or a control character after --', () => {
    expect(kinds(tokenize('1--1', DEFAULT))).toEqual(['number:1', 'op:-', 'op:-', 'number:1']);
    expect(kinds(tokenize('1 --\t1', DEFAULT))).toEqual(['number:1']);
    expect(kinds(tokenize('1 --', DEFAULT))).toEqual(['number:1']);
  });

  it('does not nest comments', () => {
    expect(kinds(tokenize('/* a /* b */ 1 */', DEFAULT))).toEqual(['number:1', 'op:*', 'op:/']);
  });

  it('keeps the content of executable comments as code', () => {
    for (const sql of [
      '/*!DROP TABLE t*/',
      '/*!50000 DROP TABLE t */',
      '/*!50000DROP TABLE t*/',
      '/*M!100400 DROP TABLE t */',
    ]) {
      const tokens = tokenize(sql, DEFAULT);
      expect(kinds(tokens), sql).toEqual(['word:DROP', 'word:TABLE', 'word:t']);
      expect(tokens.every((t) => t.executable)).toBe(true);
    }
  });

  it('runs executable comments by the rules and version of the server (MariaDB sql_lex.cc)', () => {
    const maria = lexFlags('', { flavour: 'mariadb', version: 101119 });
    const mysql = lexFlags('', { flavour: 'mysql', version: 80036 });
    const code = (sql: string, flags: typeof maria) => kinds(tokenize(`1 ${sql} , 2`, flags));
    const runs = ['number:1', 'op:+', 'number:1', 'punct:,', 'number:2'];
    const skipped = ['number:1', 'punct:,', 'number:2'];
    // MariaDB: no version runs; a version runs when not above the server's, except /*! for
    // MySQL 5.7 and later (50700…99999); /*M! always counts; six digits are read when present.
    expect(code('/*!+1*/', maria)).toEqual(runs);
    expect(code('/*M!+1*/', maria)).toEqual(runs);
    expect(code('/*!50699 +1*/', maria)).toEqual(runs);
    expect(code('/*!50700 +1*/', maria)).toEqual(skipped);
    expect(code('/*M!50700 +1*/', maria)).toEqual(runs);
    expect(code('/*!101119 +1*/', maria)).toEqual(runs);
    expect(code('/*!101120 +1*/', maria)).toEqual(skipped);
    // MySQL: five digits; /*M! is an ordinary comment.
    expect(code('/*!80036 +1*/', mysql)).toEqual(runs);
    expect(code('/*!80037 +1*/', mysql)).toEqual(skipped);
    expect(code('/*M!+1*/', mysql)).toEqual(skipped);
    // A comment that does not run may hold one ordinary comment: the first */ does not end it.
    expect(kinds(tokenize("/*!99999 /* a */ ' */ DROP", maria))).toEqual(['word:DROP']);
    // Fewer than five digits are code, not a version.
    expect(kinds(tokenize('/*!1234 */', maria))).toEqual(['number:1234']);
  });

  it('reads [names] as identifiers in MariaDB MSSQL mode', () => {
    const mssql = lexFlags('MSSQL', { flavour: 'mariadb', version: 101119 });
    expect(kinds(tokenize("[a'] ; [x]]y]", mssql))).toEqual(["qident:a'", 'punct:;', 'qident:x]y']);
    expect(kinds(tokenize('[a]', lexFlags('MSSQL', { flavour: 'mysql', version: 50744 })))).toEqual([
      'op:[',
      'word:a',
      'op:]',
    ]);
  });

  it('lexes strings inside executable comments, so */ in a string does not end them', () => {
    expect(kinds(tokenize("/*! SELECT '*/' */ 1", DEFAULT))).toEqual([
      'word:SELECT',
      'string:*/',
      'number:1',
    ]);
  });

  it('treats a comment as a separator', () => {
    const [drop, table] = tokenize('DROP/**/TABLE', DEFAULT);
    expect(drop?.value).toBe('DROP');
    expect(table).toMatchObject({ value: 'TABLE', spaced: true });
  });

  it('keeps optimizer hints as the tokens of the next token, lexed in the current mode', () => {
    const tokens = tokenize(
      'INSERT /*+ SET_VAR(x = "a)") */ /*+ BKA(t) */ INTO t /* SET_VAR(y=0) */ VALUES',
      ANSI,
    );
    expect(kinds(tokens)).toEqual(['word:INSERT', 'word:INTO', 'word:t', 'word:VALUES']);
    expect(kinds(tokens[1]!.hint!)).toEqual([
      'word:SET_VAR',
      'punct:(',
      'word:x',
      'op:=',
      'qident:a)',
      'punct:)',
      'word:BKA',
      'punct:(',
      'word:t',
      'punct:)',
    ]);
    expect(tokens.filter((t) => t.hint).length).toBe(1);
    expect(tokenize("SELECT /*+ SET_VAR(a = 'x) */ 1", DEFAULT)[1]).toMatchObject({ value: '1' });
  });

  it('binds the hash to the hints, which the server runs', () => {
    const hash = (sql: string) => analyzeMysql(sql, { dialect: 'mysql' }).hash;
    const plain = hash('INSERT INTO t VALUES (1)');
    expect(hash('INSERT /* note */ INTO t VALUES (1)')).toBe(plain);
    expect(hash('INSERT /*+ SET_VAR(foreign_key_checks=0) */ INTO t VALUES (1)')).not.toBe(plain);
    expect(hash('INSERT /*+ SET_VAR(foreign_key_checks = 0)  */ INTO t VALUES (1)')).toBe(
      hash('INSERT /*+SET_VAR(foreign_key_checks=0)*/ INTO t VALUES (1)'),
    );
  });
});

describe('MySQL statement splitting', () => {
  it('splits at semicolons outside strings, identifiers and comments', () => {
    expect(statements("SELECT ';'; SELECT `;`; SELECT 1 /* ; */; SELECT 2 -- ;\n; SELECT 3 # ;\n")).toEqual([
      "SELECT ';'",
      'SELECT `;`',
      'SELECT 1',
      'SELECT 2',
      'SELECT 3',
    ]);
  });

  it('depends on the backslash mode', () => {
    const sql = "SELECT 'a\\'; DROP TABLE users; -- '";
    expect(statements(sql)).toHaveLength(1);
    expect(statements(sql, 'NO_BACKSLASH_ESCAPES')).toEqual(["SELECT 'a\\'", 'DROP TABLE users']);
  });

  it('depends on ANSI_QUOTES', () => {
    const sql = String.raw`SELECT "a\"; DROP TABLE t; -- "`;
    expect(statements(sql)).toHaveLength(1);
    expect(statements(sql, 'ANSI_QUOTES')).toEqual([String.raw`SELECT "a\"`, 'DROP TABLE t']);
    expect(statements(`SELECT "it's"; DROP TABLE t; SELECT 'x'`, 'ANSI_QUOTES')).toHaveLength(3);
  });

  it('splits inside executable comments', () => {
    expect(statements('SELECT 1 /*! ; DROP TABLE t */')).toEqual(['SELECT 1', 'DROP TABLE t']);
  });

  it('keeps compound statements whole', () => {
    const proc =
      'CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; ELSE SELECT CASE WHEN 1 THEN 2 END; END IF; END';
    expect(statements(`${proc}; SELECT 9`)).toEqual([proc, 'SELECT 9']);
    const block = 'BEGIN NOT ATOMIC DECLARE x INT; SET x = 1; END';
    expect(statements(`${block}; SELECT 9`)).toEqual([block, 'SELECT 9']);
    const trigger =
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW IF NEW.a < 0 THEN SET NEW.a = 0; END IF';
    expect(statements(`${trigger}; SELECT 9`)).toEqual([trigger, 'SELECT 9']);
  });

  it('treats a plain BEGIN as a transaction start', () => {
    expect(statements('BEGIN; DELETE FROM t WHERE id = 1; COMMIT')).toHaveLength(3);
  });
});

describe('sql_mode tracking', () => {
  it('follows literal SET sql_mode forms', () => {
    expect(sqlModeChangeOf("SET sql_mode = 'ANSI_QUOTES'", '')).toEqual({ kind: 'set', mode: 'ANSI_QUOTES' });
    expect(sqlModeChangeOf("SET SESSION sql_mode='a,b'", '')).toEqual({ kind: 'set', mode: 'A,B' });
    expect(sqlModeChangeOf("SET @@sql_mode := 'x'", '')).toEqual({ kind: 'set', mode: 'X' });
    expect(sqlModeChangeOf("SET @@session.sql_mode = ''", 'ANSI')).toEqual({ kind: 'set', mode: '' });
    expect(sqlModeChangeOf("SET NAMES utf8, sql_mode = 'ANSI'", '')).toEqual({ kind: 'set', mode: 'ANSI' });
    expect(sqlModeChangeOf("/*!40101 SET sql_mode = 'NO_BACKSLASH_ESCAPES' */", '')).toEqual({
      kind: 'set',
      mode: 'NO_BACKSLASH_ESCAPES',
    });
  });

  it('computes CONCAT of the current mode when it is known', () => {
    expect(
      sqlModeChangeOf("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')", 'STRICT_TRANS_TABLES'),
    ).toEqual({
      kind: 'set',
      mode: 'STRICT_TRANS_TABLES,ANSI_QUOTES',
    });
    expect(sqlModeChangeOf("SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')", UNKNOWN_SQL_MODE).kind).toBe(
      'unknown',
    );
  });

  it('reports run-time values as unknown', () => {
    for (const sql of [
      'SET sql_mode = @saved',
      'SET sql_mode = DEFAULT',
      "SET sql_mode = REPLACE(@@sql_mode, 'ANSI_QUOTES', '')",
      "SET STATEMENT sql_mode = '' FOR SELECT 1",
      'SELECT @x := @@sql_mode',
      "BEGIN NOT ATOMIC SET sql_mode = 'ANSI'; END",
    ]) {
      expect(sqlModeChangeOf(sql, '').kind, sql).toBe('unknown');
    }
  });

  it('ignores reads and global changes', () => {
    expect(sqlModeChangeOf('SELECT @@sql_mode', '')).toEqual({ kind: 'unchanged' });
    expect(sqlModeChangeOf("SET GLOBAL sql_mode = 'ANSI'", '')).toEqual({ kind: 'unchanged' });
    expect(sqlModeChangeOf('SELECT 1', '')).toEqual({ kind: 'unchanged' });
  });

  it('re-lexes the rest of a multi-statement input under the new mode', () => {
    const a = analyzeMysql(`SET sql_mode = 'ANSI_QUOTES'; SELECT "x" FROM t`, { dialect: 'mysql' });
    expect(a.statements[1]?.canonical).toBe('SELECT `x` FROM t');
    expect(a.after.sqlMode).toBe('ANSI_QUOTES');
    expect(a.changesSession).toBe(true);
  });

  it('analyses every lexing when the mode is unknown, and says so', () => {
    const a = analyzeMysql('SELECT "x" FROM t', { dialect: 'mysql', sqlMode: UNKNOWN_SQL_MODE });
    expect(a.statements.map((s) => s.canonical).sort()).toEqual(["SELECT 'x' FROM t", 'SELECT `x` FROM t']);
    expect(a.after.sqlMode).toBe(UNKNOWN_SQL_MODE);
  });
});

describe('session helpers', () => {
  it('tracks USE', () => {
    expect(useSchemaOf('USE app')).toBe('app');
    expect(useSchemaOf('use `my db`')).toBe('my db');
    expect(useSchemaOf('SELECT 1')).toBeUndefined();
    expect(analyzeMysql('USE shop; SELECT 1', { dialect: 'mysql' }).after.schema).toBe('shop');
  });

  it('judges EXECUTE by the body prepared earlier in the session', () => {
    const first = analyzeMysql("PREPARE st FROM 'TRUNCATE users'", { dialect: 'mysql' });
    expect(first.findings).toEqual([]);
    const second = analyzeMysql('EXECUTE st', { dialect: 'mysql', mysql: first.after });
    expect(second.findings.map((f) => f.rule)).toEqual(['destructive/truncate']);
    const fresh = analyzeMysql('EXECUTE st', { dialect: 'mysql' });
    expect(fresh.findings.map((f) => f.rule)).toEqual(['opaque/dynamic-sql']);
    const dropped = analyzeMysql('DEALLOCATE PREPARE st; EXECUTE st', {
      dialect: 'mysql',
      mysql: first.after,
    });
    expect(dropped.findings.map((f) => f.rule)).toEqual(['opaque/dynamic-sql']);
  });

  it('lexes a prepared body under the sql_mode it was prepared in', () => {
    const a = analyzeMysql(
      `SET sql_mode = 'ANSI_QUOTES'; PREPARE st FROM 'DROP TABLE "users"'; SET sql_mode = ''; EXECUTE st`,
      { dialect: 'mysql' },
    );
    expect(a.findings.map((f) => [f.rule, f.objects])).toEqual([['destructive/drop-table', ['users']]]);
  });

  it('binds the hash of EXECUTE to the prepared body', () => {
    const a = analyzeMysql("PREPARE st FROM 'DELETE FROM a'; EXECUTE st", { dialect: 'mysql' });
    const b = analyzeMysql("PREPARE st FROM 'DELETE FROM b'; EXECUTE st", { dialect: 'mysql' });
    expect(a.statements[1]?.hash).not.toBe(b.statements[1]?.hash);
  });

  it('judges CALL by a body the resolver knows', () => {
    const functions = {
      lookup: (name: string) =>
        name === 'cleanup'
          ? {
              schema: 'app',
              name,
              language: 'sql',
              body: 'BEGIN DELETE FROM logs; END',
              securityDefiner: false,
            }
          : undefined,
    };
    const a = analyzeMysql('CALL cleanup()', { dialect: 'mysql', functions });
    expect(a.findings.map((f) => f.rule)).toEqual(['destructive/delete-without-where']);
  });
});

describe('size', () => {
  it('judges big literal INSERT batches (dump files) from their tokens, without the parser cap', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `(${i}, 'name ${i}', NULL, -1.5)`).join(',');
    const a = analyzeMysql(`INSERT INTO t (id, name, x, y) VALUES ${rows}`, { dialect: 'mysql' });
    expect(a.findings).toEqual([]);
    expect(a.opaque).toBe(false);
  });

  it('reports statements the parser would need and that are over the cap as oversized', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => i).join(',');
    const a = analyzeMysql(`UPDATE t SET a = 1 WHERE id IN (${list})`, { dialect: 'mysql' });
    expect(a.findings.map((f) => f.rule)).toEqual(['opaque/oversized']);
    const small = analyzeMysql('UPDATE t SET a = 1 WHERE id IN (1, 2)', {
      dialect: 'mysql',
      maxStatementLength: 10,
    });
    expect(small.findings.map((f) => f.rule)).toEqual(['opaque/oversized']);
  });
});

describe('cache hints', () => {
  it('says when findings depend on literals or on session state', () => {
    const a = (sql: string, ctx = {}) => analyzeMysql(sql, { dialect: 'mysql', ...ctx });
    expect(a('SELECT * FROM t WHERE id = 1')).toMatchObject({
      literalSensitive: false,
      sessionSensitive: false,
    });
    expect(a('DELETE FROM t WHERE 1 = 1').literalSensitive).toBe(true);
    expect(a("PREPARE s FROM 'SELECT 1'").literalSensitive).toBe(true);
    expect(a("SET sql_mode = 'ANSI'").literalSensitive).toBe(true);
    expect(a('EXECUTE s').sessionSensitive).toBe(true);
    expect(a('SELECT 1', { sqlMode: 'NO_BACKSLASH_ESCAPES' }).sessionSensitive).toBe(true);
    expect(a('SELECT 1', { sqlMode: 'STRICT_TRANS_TABLES' }).sessionSensitive).toBe(false);
  });
});

describe('scripts with DELIMITER', () => {
  it('follows the client-side delimiter', () => {
    const script = [
      'DROP PROCEDURE IF EXISTS p;',
      'DELIMITER //',
      'CREATE PROCEDURE p()',
      'BEGIN',
      '  DELETE FROM t WHERE id = 1;',
      '  SELECT 1;',
      'END //',
      'DELIMITER ;',
      'CALL p();',
      'SELECT 2;',
    ].join('\n');
    const a = analyzeMysqlScript(script, { dialect: 'mysql' });
    expect(a.statements.map((s) => s.text.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'DROP PROCEDURE',
      'CREATE PROCEDURE',
      'CALL p()',
      'SELECT 2',
    ]);
    expect(a.findings.map((f) => f.rule)).toEqual(['destructive/drop-function']);
    const create = a.statements[1]!;
    expect(script.slice(create.offset, create.offset + create.text.length)).toBe(create.text);
    expect(create.findings).toEqual([]);
  });

  it('ends a query at the client commands \\g and \\G', () => {
    const a = analyzeMysqlScript('SELECT 1\\G DROP TABLE t\\g SELECT 2', { dialect: 'mysql' });
    expect(a.statements.map((s) => s.text)).toEqual(['SELECT 1', 'DROP TABLE t', 'SELECT 2']);
    expect(a.findings.map((f) => f.rule)).toEqual(['destructive/drop-table']);
    // Sent to the server as one query, the backslash is not SQL: not understood.
    expect(analyzeMysql('SELECT 1\\G DROP TABLE t', { dialect: 'mysql' }).opaque).toBe(true);
  });

  it('does not let a delimiter inside a string end the chunk', () => {
    const a = analyzeMysqlScript("DELIMITER $$\nSELECT '$$'; DROP TABLE t $$\n", { dialect: 'mysql' });
    expect(a.statements).toHaveLength(2);
    expect(a.findings.map((f) => f.rule)).toEqual(['destructive/drop-table']);
  });
});

describe('lexFlags', () => {
  it('answers every connection to the same server from one entry, and tells servers and modes apart', () => {
    // Each connection parses its own server object from the greeting.
    const sessions = Array.from({ length: 9 }, () => ({ flavour: 'mariadb' as const, version: 101119 }));
    const mode = 'STRICT_TRANS_TABLES,MSSQL';
    const first = lexFlags(mode, sessions[0]);
    for (const server of sessions) {
      lexFlags(mode, undefined);
      expect(lexFlags(mode, server)).toBe(first);
    }
    expect(first).toMatchObject({ brackets: true, ansiQuotes: true });
    // Near misses: another server, another flavour, another mode each get their own answer.
    const mysql = lexFlags(mode, { flavour: 'mysql', version: 80036 });
    expect(mysql).not.toBe(first);
    expect(mysql.brackets).toBe(false);
    expect(lexFlags(mode, { flavour: 'mariadb', version: 100611 })).not.toBe(first);
    expect(lexFlags('NO_BACKSLASH_ESCAPES', sessions[0])).toMatchObject({
      noBackslashEscapes: true,
      brackets: false,
    });
  });
});
