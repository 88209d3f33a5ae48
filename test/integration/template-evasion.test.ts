// The analyzer reuses the lexing, and with equal literal lengths the whole judgement, of a text
// that differs from one already seen only in simple literals (src/sql/template.ts). An attacker
// who controls the migration's bytes sends a harmless text until it is the template, then the
// same text with the literal that makes it destructive — of the same length, or hidden in a
// version comment. The server's own state shows what ran: the rows must still be there.
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlShapeHits, mysqlTemplateHits } from '../../src/sql/analyze.js';
import { analysisTemplateHits } from '../../src/sql/postgres/analyze.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mysqlContext } from '../support/mysql-clients.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { gatewayFor, type TestGateway } from './pg-harness.js';

/**
 * Harmless texts that differ only in literals (so the later ones are served by template), then
 * the attack: the same text with a literal that makes it destructive, of the same length where
 * that is possible, or a quote smuggled into a string slot.
 */
interface Attack {
  learn: string[];
  attack: string;
}
const ATTACKS: Attack[] = [
  {
    learn: ['DELETE FROM victim WHERE 1 = 2', 'DELETE FROM victim WHERE 2 = 3'],
    attack: 'DELETE FROM victim WHERE 1 = 1',
  },
  {
    learn: ["DELETE FROM victim WHERE 'a' = 'b'", "DELETE FROM victim WHERE 'c' = 'd'"],
    attack: "DELETE FROM victim WHERE 'a' = 'a'",
  },
  {
    learn: [
      "DELETE FROM victim WHERE id = 7 AND note = 'x'",
      "DELETE FROM victim WHERE id = 8 AND note = 'y'",
    ],
    attack: "DELETE FROM victim WHERE id = 9 AND note = '' OR 1 = 1 OR ''",
  },
  {
    learn: [
      'DELETE FROM victim WHERE id = 17',
      'DELETE FROM victim WHERE id = 18',
      'DELETE FROM victim WHERE id = 19',
    ],
    attack: 'DELETE FROM victim WHERE id = 1 OR 1 = 1',
  },
];
describe('Postgres: a template does not carry a harmless verdict to a destructive text', () => {
  let server: PgServer;
  let gw: TestGateway;
  beforeAll(async () => {
    server = await startPostgres();
    await server.query(
      'CREATE TABLE victim (id int PRIMARY KEY, note text); INSERT INTO victim SELECT generate_series(1, 3)',
    );
    gw = await gatewayFor(server);
  });
  afterAll(async () => {
    await gw?.close();
    await server?.stop();
  });

  it('refuses the destructive text after its harmless twin was served by template, and the rows stay', async () => {
    const c = await gw.client();
    try {
      const before = analysisTemplateHits();
      for (const { learn, attack } of ATTACKS) {
        for (const text of learn) await c.query(text);
        const refused = await c.query(attack).then(
          () => 'ran',
          (e: pg.DatabaseError) => e.code,
        );
        expect(refused, attack).toBe('42501');
      }
      // The by-key texts were served by template: the path under attack was taken. (Texts whose
      // judgement reads a literal, WHERE 1 = 2, never are: their shapes are not cached.)
      expect(analysisTemplateHits()).toBeGreaterThan(before);
    } finally {
      await c.end();
    }
    const rows = await server.query<{ n: string }>('SELECT count(*) AS n FROM victim');
    expect(Number(rows[0]!.n)).toBe(3);
  });
});

describe('MySQL: a template does not carry a harmless verdict to a destructive text', () => {
  let db: MariaDbServer;
  let gw: MysqlGateway;
  beforeAll(async () => {
    db = await startMariaDb();
    await db.admin(
      'CREATE TABLE app.victim (id INT PRIMARY KEY, note TEXT); INSERT INTO app.victim (id) VALUES (1), (2), (3);',
    );
    gw = await startMysqlGateway({
      upstream: `${db.url()}?ssl-mode=disable`,
      context: await mysqlContext(new MemoryRecorder()),
    });
  });
  afterAll(async () => {
    await gw?.close();
    await db?.stop();
  });

  it('refuses the destructive text, also when only a version comment number changed, and the rows stay', async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'guardrail-outfile-')), 'rows.txt');
    chmodSync(dirname(outfile), 0o777);
    const c = await mysql.createConnection({
      host: gw.host,
      port: gw.port,
      user: gw.user,
      password: gw.password,
      database: 'app',
    });
    const attacks = [
      ...ATTACKS,
      // Not run below version 9.99.99; run by every server from 1.0.0 on: the same length.
      {
        learn: [4, 5, 6, 2].map((id) => `DELETE FROM victim WHERE id = ${id} /*!99999 OR 1 = 1 */`),
        attack: 'DELETE FROM victim WHERE id = 7 /*!10000 OR 1 = 1 */',
      },
      // Reads are served by template in a gateway session, as writes are; the file would be
      // written on the database host.
      {
        learn: [4, 5, 6].map((id) => `SELECT id FROM victim WHERE id = ${id}`),
        attack: `SELECT id FROM victim WHERE id = 1 INTO OUTFILE '${outfile}'`,
      },
      {
        learn: [4, 5, 6].map(
          (id) => `SELECT id FROM victim WHERE id = ${id} /*!99999 INTO OUTFILE '${outfile}' */`,
        ),
        attack: `SELECT id FROM victim WHERE id = 1 /*!10000 INTO OUTFILE '${outfile}' */`,
      },
    ];
    try {
      const before = mysqlTemplateHits();
      for (const { learn, attack } of attacks) {
        for (const text of learn) await c.query(text);
        const refused = await c.query(attack).then(
          () => 'ran',
          (e: { errno?: number }) => e.errno,
        );
        expect(refused, attack).toBe(1142);
      }
      expect(mysqlTemplateHits()).toBeGreaterThan(before);
    } finally {
      await c.end();
    }
    expect(existsSync(outfile)).toBe(false);
    // Control: the database host does write such a file when asked directly.
    const control = join(dirname(outfile), 'control.txt');
    await db.admin(`SELECT id FROM app.victim WHERE id = 1 INTO OUTFILE '${control}'`);
    expect(existsSync(control)).toBe(true);
    const rows = await db.admin<{ n: number }[]>('SELECT COUNT(*) AS n FROM app.victim');
    // The version-comment text deleted row 2 when it was harmless (a key); nothing else went.
    expect(Number(rows[0]!.n)).toBe(2);
  });

  it('does not serve a write learnt in one schema to the same text in the grant schema, however the schema changes', async () => {
    // Writes are cached per current schema: the same text that writes an application table in
    // `app` writes a table of the server's own `mysql` schema after USE — in a later query, or
    // earlier in the same one.
    await db.admin(
      `CREATE TABLE app.probe (id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0);
       CREATE TABLE mysql.probe (id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0);
       INSERT INTO app.probe (id) VALUES (5), (6), (7); INSERT INTO mysql.probe (id) VALUES (5), (6), (7);`,
    );
    const connect = () =>
      mysql.createConnection({
        host: gw.host,
        port: gw.port,
        user: gw.user,
        password: gw.password,
        database: 'app',
        multipleStatements: true,
      });
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ran',
        (e: { errno?: number }) => e.errno,
      );
    const c = await connect();
    try {
      const before = mysqlShapeHits();
      for (const id of [5, 6, 7]) await c.query(`UPDATE probe SET k = k + 1 WHERE id = ${id}`);
      expect(mysqlShapeHits() - before).toBeGreaterThan(0);
      expect(await outcome(c.query('USE mysql; UPDATE probe SET k = k + 1 WHERE id = 6'))).toBe(1142);
    } finally {
      await c.end();
    }
    const d = await connect();
    try {
      await d.query('UPDATE probe SET k = k + 1 WHERE id = 7');
      await d.query('USE mysql');
      expect(await outcome(d.query('UPDATE probe SET k = k + 1 WHERE id = 5'))).toBe(1142);
    } finally {
      await d.end();
    }
    const k = async (schema: string) =>
      (await db.admin<{ id: number; k: number }[]>(`SELECT id, k FROM ${schema}.probe ORDER BY id`)).map(
        (r) => Number(r.k),
      );
    expect(await k('app')).toEqual([1, 1, 2]);
    expect(await k('mysql')).toEqual([0, 0, 0]);
    // Control: the gateway's upstream account may write that table when it asks directly.
    const direct = await db.connect({ database: 'mysql' });
    try {
      await direct.query('UPDATE probe SET k = k + 1 WHERE id = 5');
    } finally {
      await direct.end();
    }
    expect(await k('mysql')).toEqual([1, 0, 0]);
  });
});
