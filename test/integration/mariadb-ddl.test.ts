// MariaDB's DDL forms on a real server: each statement of the fixture runs on mariadbd (which
// must accept it, in order), and the analyzer reports exactly the expected rules for it: never
// opaque/unparseable for a statement the server runs.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeMysql } from '../../src/sql/mysql/analyze.js';
import { MARIADB_DDL_FORMS } from '../fixtures/mysql/mariadb-ddl.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';

let db: MariaDbServer;
let conn: mysql.Connection;

beforeAll(async () => {
  db = await startMariaDb();
  conn = await db.connect();
}, 120_000);

afterAll(async () => {
  await conn?.end();
  await db?.stop();
});

describe('MariaDB DDL reference forms', () => {
  it('covers index IF [NOT] EXISTS forms and enough of the reference', () => {
    expect(MARIADB_DDL_FORMS.length).toBeGreaterThanOrEqual(50);
    const sqls = MARIADB_DDL_FORMS.map((f) => f.sql);
    expect(sqls.some((s) => /^CREATE UNIQUE INDEX IF NOT EXISTS/.test(s))).toBe(true);
    expect(sqls.some((s) => /^DROP INDEX IF EXISTS \w+ ON/.test(s))).toBe(true);
  });

  // In order, one after the other: later forms use the objects earlier ones create.
  it.each(MARIADB_DDL_FORMS.map((f, i) => [i, f.sql, f.rules] as const))('#%i %s', async (_i, sql, rules) => {
    await conn.query(sql);
    const got = [...new Set(analyzeMysql(sql, { dialect: 'mysql' }).findings.map((f) => f.rule))].sort();
    expect(got).toEqual(rules);
  });
});
