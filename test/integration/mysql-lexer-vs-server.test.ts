// Our MySQL lexer against the real server: for tricky inputs made only of harmless SELECTs, the
// number of statements the analyzer finds must equal the number of result sets MariaDB returns,
// and the string values it lexes must be the values the server returns. This is what proves
// that the corpus expectations (backslash modes, ANSI_QUOTES, comments, executable comments)
// describe the server and not our assumptions.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeMysql } from '../../src/sql/mysql/analyze.js';
import { type Token, tokenize } from '../../src/sql/mysql/lexer.js';
import { type MysqlServer, parseServerVersion } from '../../src/sql/mysql/server.js';
import { lexFlags } from '../../src/sql/mysql/sql-mode.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';

let db: MariaDbServer;
let conn: mysql.Connection;
/** The server's flavour and version, as the gateway reads them from its greeting. */
let server: MysqlServer;

beforeAll(async () => {
  db = await startMariaDb();
  conn = await db.connect({ multipleStatements: true });
  const [[row]] = (await conn.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
  server = parseServerVersion(row.v)!;
});
afterAll(async () => {
  await conn?.end();
  await db?.stop();
});

interface Case {
  sql: string;
  mode: string;
}

const CASES: Case[] = [
  { sql: "SELECT 'a\\'; SELECT 2; -- '", mode: '' },
  { sql: "SELECT 'a\\'; SELECT 2; -- '", mode: 'NO_BACKSLASH_ESCAPES' },
  { sql: 'SELECT 1 AS "a\\"; SELECT 2; -- "', mode: '' },
  { sql: 'SELECT 1 AS "a\\"; SELECT 2; -- "', mode: 'ANSI_QUOTES' },
  { sql: "SELECT 'x;y', `;` FROM (SELECT 1 AS `;`) t; SELECT 2", mode: '' },
  { sql: 'SELECT 1 /* ; SELECT 2 */; SELECT 3', mode: '' },
  { sql: 'SELECT 1 /* /* */ , 2; SELECT 3', mode: '' },
  { sql: 'SELECT 1 # ; SELECT 2\n; SELECT 3', mode: '' },
  { sql: 'SELECT 1 -- ; SELECT 2\n; SELECT 3', mode: '' },
  { sql: 'SELECT 1--1; SELECT 2', mode: '' },
  { sql: 'SELECT 1 /*!40101 , 2 */', mode: '' },
  { sql: "SELECT 1 /*!40101 , '*/' */", mode: '' },
  { sql: 'SELECT 1 /*!40101 , 2 /* c */ , 3 */', mode: '' },
  { sql: 'SELECT 1 --', mode: '' },
  { sql: 'SELECT 1 #', mode: '' },
  { sql: "SELECT 'a' 'b'", mode: '' },
  { sql: 'SELECT 1 /*M!100000 , 2 */; SELECT 3', mode: '' },
  { sql: 'SELECT 1 /*!50700 , 2 */, 3', mode: '' },
  { sql: 'SELECT 1 /*M!50700 , 2 */, 3', mode: '' },
  { sql: 'SELECT 1 /*!99999 /* ; */ , 2 */ , 3; SELECT 4', mode: '' },
  { sql: 'SELECT 1 /*!999999 , 2 */; SELECT 3', mode: '' },
  { sql: "SELECT 1 AS [a'], 2 AS [b]]c]; SELECT 3 -- ']", mode: 'MSSQL' },
  { sql: "SELECT 'it''s', \"say \"\"hi\"\"\", 'a\\nb', 'c\\%d', 'e\\_f', 'g\\qh'", mode: '' },
  { sql: "SELECT 'it''s', 'a\\nb'", mode: 'NO_BACKSLASH_ESCAPES' },
  { sql: "SELECT X'4142', N'n', _utf8mb4'u'", mode: '' },
];

async function run(sql: string, mode: string): Promise<unknown[][][]> {
  await conn.query(`SET SESSION sql_mode = '${mode}'`);
  const [results, fields] = await conn.query({ sql, rowsAsArray: true });
  // mysql2 gives one result for one statement and a list of results for several; only the
  // field list tells the two apart when rows are arrays.
  const several = Array.isArray(fields) && fields.some((f) => f === undefined || Array.isArray(f));
  const list = (several ? results : [results]) as unknown[];
  return list.filter((r): r is unknown[][] => Array.isArray(r));
}

describe('MySQL lexer agrees with MariaDB', () => {
  it.each(CASES.map((c) => [`[${c.mode || 'default'}] ${c.sql}`, c] as const))('%s', async (_label, c) => {
    const sets = await run(c.sql, c.mode);
    const analysis = analyzeMysql(c.sql, { dialect: 'mysql', sqlMode: c.mode, server });
    expect(analysis.statements.length).toBe(sets.length);
    expect(analysis.findings).toEqual([]);
    // Columns of each SELECT: as many as we lexed, with the values we lexed for its strings.
    for (let i = 0; i < sets.length; i++) {
      const row = sets[i]![0]!.map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)));
      const tokens = tokenize(analysis.statements[i]!.text, lexFlags(c.mode, server));
      const columns = selectList(tokens);
      expect(row.length, 'columns').toBe(columns.length);
      columns.forEach((col, k) => {
        const literal =
          col.length === 1 || (col.length === 2 && col[0]!.kind === 'word') ? col[col.length - 1] : undefined;
        if (literal?.kind === 'string') {
          const value =
            literal.prefix === 'X' ? Buffer.from(literal.value, 'hex').toString('latin1') : literal.value;
          expect(row[k]).toBe(value);
        }
      });
    }
  });

  it('ends a statement at a semicolon inside an executable comment; the analyzer keeps what follows', async () => {
    // The server runs SELECT 1, then fails on ` SELECT 2 */`; the analyzer judges `SELECT 2` as
    // code anyway (fail closed: with DROP instead of SELECT it reports the DROP).
    await expect(run('SELECT 1 /*!50000 ; SELECT 2 */', '')).rejects.toThrow(/syntax/);
    const analysis = analyzeMysql('SELECT 1 /*!50000 ; DROP TABLE users */', { dialect: 'mysql' });
    expect(analysis.statements).toHaveLength(2);
    expect(analysis.findings.map((f) => f.rule)).toEqual(['destructive/drop-table']);
  });

  it('runs version-gated executable comments as this server does, and judges every reading without one', async () => {
    // MariaDB skips MySQL 5.7+ version comments and versions above its own.
    for (const sql of [
      'SELECT 1 /*!99999 , 2 */',
      'SELECT 1 /*!999999 , 2 */',
      'SELECT 1 /*M!999999 , 2 */',
      `SELECT 1 /*!${server.version + 1} , 2 */`,
    ]) {
      const sets = await run(sql, '');
      expect(sets[0]![0], sql).toHaveLength(1);
      expect(selectList(tokenize(sql, lexFlags('', server))), sql).toHaveLength(1);
    }
    const sets = await run(`SELECT 1 /*!${server.version} , 2 */`, '');
    expect(sets[0]![0]).toHaveLength(2);
    // Fewer than five digits are no version: they are code.
    const short = 'SELECT /*!1234 */ + 1';
    expect(String((await run(short, ''))[0]![0]![0])).toBe('1235');
    expect(tokenize(short, lexFlags('', server)).map((t) => t.text)).toEqual(['SELECT', '1234', '+', '1']);
    // Without the server (a file checked offline) a comment that may run is judged both ways.
    const drop = 'SELECT 1 /*!99999 ; DROP TABLE users */';
    expect(analyzeMysql(drop, { dialect: 'mysql', server }).findings).toEqual([]);
    expect(analyzeMysql(drop, { dialect: 'mysql' }).findings.map((f) => f.rule)).toContain(
      'destructive/drop-table',
    );
  });

  it('re-lexes the rest of a multi-statement query after SET sql_mode, like the server', async () => {
    const sql = `SET SESSION sql_mode = 'ANSI_QUOTES'; SELECT "x" FROM (SELECT 'identifier' AS x) t`;
    const sets = await run(sql, '');
    expect(sets[0]).toEqual([['identifier']]); // "x" named the column: an identifier
    const analysis = analyzeMysql(sql, { dialect: 'mysql', sqlMode: '' });
    expect(analysis.statements[1]?.canonical).toContain('SELECT `x` FROM');
    expect(analysis.after.sqlMode).toBe('ANSI_QUOTES');
    const [[mode]] = (
      await conn.query({ sql: 'SELECT @@sql_mode', rowsAsArray: true })
    )[0] as unknown[][] as [[string]];
    expect(mode).toBe(analysis.after.sqlMode);
  });

  it('changes sql_mode for the rest of the query when a prepared statement sets it', async () => {
    const sql = String.raw`PREPARE m FROM 'SET sql_mode = ''NO_BACKSLASH_ESCAPES'''; EXECUTE m; SELECT 'a\'; SELECT 2; -- '`;
    const values = (await run(sql, '')).map((r) => String(r[0]![0]));
    expect(values).toEqual(['a\\', '2']);
    const analysis = analyzeMysql(sql, { dialect: 'mysql', sqlMode: '' });
    expect(analysis.statements.map((s) => s.text)).toContain('SELECT 2');
  });

  it('runs the statements of a BEGIN NOT ATOMIC block as one compound statement', async () => {
    const sql = 'BEGIN NOT ATOMIC SELECT 1; SELECT 2; END; SELECT 3';
    const values = (await run(sql, '')).map((r) => String(r[0]![0]));
    expect(values).toEqual(['1', '2', '3']);
    const analysis = analyzeMysql(sql, { dialect: 'mysql' });
    expect(analysis.statements.map((s) => s.text)).toEqual([
      'BEGIN NOT ATOMIC SELECT 1; SELECT 2; END',
      'SELECT 3',
    ]);
  });
});

/** The select-list items of a SELECT (tokens between SELECT and FROM, split at top-level commas). */
function selectList(tokens: Token[]): Token[][] {
  const items: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens.slice(1)) {
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (depth === 0 && t.kind === 'word' && t.upper === 'FROM') break;
    if (depth === 0 && t.kind === 'punct' && t.text === ',') items.push([]);
    else items[items.length - 1]!.push(t);
  }
  return items.map((item) => {
    const as = item.findIndex((t) => t.kind === 'word' && t.upper === 'AS');
    return as >= 0 ? item.slice(0, as) : item;
  });
}
