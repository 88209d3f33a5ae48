// masking.strict on MySQL: a masked column may only be selected as is. The statement's tokens are
// matched against the masked columns of the tables it reads; every other use is held for review
// naming the column, and with no approval channel the hold ends in a refusal. The server shows
// the held writes did not run.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { parsePolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { connectThrough, mysqlGatewayWithSide, type SideGateway } from '../support/gateway-with-side.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';

let db: MariaDbServer;
let running: SideGateway;
let gw: GatewayHandle;
let c: mysql.Connection;

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(`
    CREATE TABLE app.users (id int PRIMARY KEY, name varchar(50), email varchar(100), ssn varchar(20));
    INSERT INTO app.users VALUES (1, 'Zed', 'zed@example.org', '123'), (2, 'Amy', 'amy@example.org', '456');
    CREATE TABLE app.copies (v varchar(100));
    CREATE TABLE app.orders (id int, user_email varchar(100));`);
  running = await mysqlGatewayWithSide(db, {
    policy: parsePolicy('masking:\n  columns: [app.users.email, "*.ssn"]\n  strict: true\n', 'guardrail.yml'),
    recorder: new MemoryRecorder(),
  });
  gw = running.gateway;
  c = await connectThrough(db, gw, 'app');
}, 60_000);

afterAll(async () => {
  await c?.end();
  await running?.close();
  await db?.stop();
});

async function attempt(sql: string, prepared = false): Promise<{ errno?: number; message?: string }> {
  try {
    if (prepared) await c.execute(sql, [1]);
    else await c.query(sql);
    return {};
  } catch (err) {
    const e = err as { errno: number; message: string };
    return { errno: e.errno, message: e.message };
  }
}

const HELD: [string, string, string][] = [
  ["SELECT id FROM users WHERE email LIKE 'a%'", 'email', 'a predicate'],
  ['SELECT count(*) FROM users GROUP BY ssn', 'ssn', 'a GROUP BY'],
  ['SELECT id FROM users ORDER BY email', 'email', 'an ORDER BY'],
  ['SELECT o.id FROM orders o JOIN users u ON u.email = o.user_email', 'email', 'a join condition'],
  ['SELECT LOWER(email) FROM users', 'email', 'a function argument'],
  ['SELECT email + 0 FROM users', 'email', 'an expression'],
  ['SELECT id, ROW_NUMBER() OVER (PARTITION BY ssn) FROM users', 'ssn', 'a window'],
  ['INSERT INTO copies SELECT email FROM users', 'email', 'a value written elsewhere'],
  [
    'UPDATE orders SET user_email = (SELECT email FROM users LIMIT 1) WHERE id = 1',
    'email',
    'a value written elsewhere',
  ],
  ['DELETE FROM users WHERE ssn = 999', 'ssn', 'a predicate'],
];

describe('masking strict mode (MySQL)', () => {
  it.each(HELD)('holds %s for review, naming %s in %s', async (sql, column, where) => {
    const r = await attempt(sql);
    expect(r.errno).toBe(1142);
    expect(r.message).toContain('exfiltration/masked-column-use');
    expect(r.message).toContain(`masked column ${column} is used in ${where}`);
  });

  it('holds a prepared statement that uses a masked column in a predicate', async () => {
    const r = await attempt('SELECT id FROM users WHERE ssn > ?', true);
    expect(r.message).toContain('masked column ssn is used in a predicate');
  });

  it('reads executable comments as the server runs them', async () => {
    // MariaDB 10.11 skips the comment, which ends at its first */: `ssn LIKE '1%'` is a predicate
    // it evaluates (its answer tells the masked value's first digit), not the string a reader
    // running every comment saw.
    const probe = "SELECT id FROM users WHERE id > 0 /*M!999999 '*/ AND ssn LIKE '1%' -- '*/\n";
    const direct = await db.connect({ database: 'app' });
    try {
      const [rows] = (await direct.query(probe)) as [{ id: number }[], unknown];
      expect(rows.map((r) => r.id)).toEqual([1]);
    } finally {
      await direct.end();
    }
    const r = await attempt(probe);
    expect(r.errno).toBe(1142);
    expect(r.message).toContain('masked column ssn is used in a predicate');
    // A table named only past such a comment is followed too.
    const hidden =
      "SELECT 1 FROM orders WHERE 1 /*M!999999 '*/ AND EXISTS (SELECT 1 FROM users WHERE ssn LIKE '1%') -- '*/\n";
    expect((await attempt(hidden)).message).toContain('masked column ssn is used in a predicate');
  });

  it('ran none of the held writes', async () => {
    expect(await db.admin('SELECT count(*) AS n FROM app.copies')).toEqual([{ n: 0 }]);
    expect(await db.admin('SELECT count(*) AS n FROM app.users')).toEqual([{ n: 2 }]);
  });

  it('lets masked columns be selected as is, written to, and other columns be used freely', async () => {
    for (const sql of [
      'SELECT email, ssn FROM users',
      'SELECT u.email AS e, name FROM users u WHERE u.id = 1 ORDER BY u.name',
      'SELECT * FROM users',
      "SELECT count(*), email FROM users WHERE name LIKE 'Z%' GROUP BY id",
      "INSERT INTO users (id, name, email) VALUES (3, 'Cy', 'cy@example.org')",
      "UPDATE users SET email = 'new@example.org' WHERE id = 3",
    ]) {
      const r = await attempt(sql);
      expect([sql, r.message]).toEqual([sql, undefined]);
    }
  });
});
