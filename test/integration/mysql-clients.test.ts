// Real command-line and Python clients through the MySQL gateway: the mariadb CLI (batch mode,
// --force, errors, DELIMITER multi-statements) and PyMySQL give the same output as direct.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli, mysqlContext, run, SYSTEM_PYTHON } from '../support/mysql-clients.js';

let db: MariaDbServer;
let gw: MysqlGateway;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(
    "CREATE TABLE app.t (id INT PRIMARY KEY, name VARCHAR(50)); INSERT INTO app.t VALUES (1, 'alice'), (2, 'bob')",
  );
  gw = await startMysqlGateway({
    upstream: `${db.url()}?ssl-mode=disable`,
    context: await mysqlContext(recorder),
  });
});
afterAll(async () => {
  await gw?.close();
  await db?.stop();
});

const target = () => ({
  host: gw.host,
  port: gw.port,
  user: gw.user,
  password: gw.password,
  database: 'app',
});
const directTarget = () => ({
  host: db.host,
  port: db.port,
  user: db.user,
  password: db.password,
  database: 'app',
});

const SCRIPT = `CREATE TEMPORARY TABLE cli (id INT PRIMARY KEY, v VARCHAR(20));
INSERT INTO cli VALUES (1, 'a'), (2, 'b\\'s');
SELECT * FROM cli ORDER BY id;
SELECT * FROM missing_table;
INSERT INTO cli VALUES (1, 'dup');
SELECT 1 AS a; SELECT 2 AS b;
DELIMITER //
SELECT 3 AS c; SELECT 'x;y' AS q; SELECT * FROM also_missing; SELECT 4 //
DELIMITER ;
SELECT CAST('abc' AS SIGNED) AS warn;
SHOW WARNINGS;
SELECT COUNT(*) AS n FROM t;
USE mysql;
SELECT DATABASE();
SELECT 'done';
`;

describe('mariadb CLI', () => {
  it('prints the same output and errors via the gateway as direct (--force)', async () => {
    const directRun = await mariadbCli(directTarget(), SCRIPT, ['--force']);
    const gatewayRun = await mariadbCli(target(), SCRIPT, ['--force']);
    expect(directRun.stdout).toContain('done');
    expect(directRun.stderr).toMatch(/ERROR 1146/);
    expect(gatewayRun).toEqual(directRun);
  });

  it('shows a refusal as an error and runs the rest of the script', async () => {
    const out = await mariadbCli(target(), "SELECT 'before';\nDROP TABLE t;\nSELECT 'after';\n", ['--force']);
    expect(out.stderr).toMatch(/ERROR 1142 \(42000\) at line 2: guardrail: denied by policy/);
    expect(out.stdout).toContain('before');
    expect(out.stdout).toContain('after');
    expect(Number((await db.admin<{ n: number }[]>('SELECT COUNT(*) AS n FROM app.t'))[0]!.n)).toBe(2);
  });

  it('authenticates with mysql_native_password and caching_sha2_password', async () => {
    for (const plugin of ['mysql_native_password', 'caching_sha2_password'] as const) {
      const g = await startMysqlGateway({
        upstream: `${db.url()}?ssl-mode=disable`,
        context: await mysqlContext(recorder),
        authPlugin: plugin,
        tls: false,
      });
      try {
        const ok = await mariadbCli({ ...target(), port: g.port, password: g.password }, 'SELECT 40 + 2;');
        expect(ok).toMatchObject({ code: 0, stdout: '40 + 2\n42\n' });
        const bad = await mariadbCli({ ...target(), port: g.port, password: 'nope' }, 'SELECT 1;');
        expect(bad.code).not.toBe(0);
        expect(bad.stderr).toMatch(/ERROR 1045 \(28000\)/);
      } finally {
        await g.close();
      }
    }
  });
});

const PY = `
import json, sys, pymysql
from pymysql.constants import CLIENT
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
conn = pymysql.connect(host=host, port=port, user=user, password=password, database='app',
                       client_flag=CLIENT.MULTI_STATEMENTS, autocommit=True)
out = []
with conn.cursor() as cur:
    cur.execute('SELECT id, name FROM t WHERE id >= %s ORDER BY id', (1,))
    out.append(cur.fetchall())
    cur.execute("SELECT 1 AS a; SELECT 'two' AS b")
    res = [cur.fetchall()]
    while cur.nextset():
        res.append(cur.fetchall())
    out.append(res)
    try:
        cur.execute('SELECT * FROM nope')
    except pymysql.MySQLError as e:
        out.append(['error', e.args[0]])
    try:
        if sys.argv[5] == 'drop':
            cur.execute('DROP TABLE t')
        out.append(['not refused'])
    except pymysql.MySQLError as e:
        out.append(['refused', e.args[0], e.args[1][:27]])
    cur.execute('SELECT COUNT(*) FROM t')
    out.append(cur.fetchall())
conn.close()
print(json.dumps(out, default=str))
`;

describe('PyMySQL', () => {
  it('gets the same results via the gateway, and a refusal instead of the DROP', async () => {
    const viaGateway = await run(SYSTEM_PYTHON, [
      '-c',
      PY,
      gw.host,
      String(gw.port),
      gw.user,
      gw.password,
      'drop',
    ]);
    expect(viaGateway.stderr).toBe('');
    const got = JSON.parse(viaGateway.stdout);
    expect(got).toEqual([
      [
        [1, 'alice'],
        [2, 'bob'],
      ],
      [[[1]], [['two']]],
      ['error', 1146],
      ['refused', 1142, 'guardrail: denied by policy'],
      [[2]],
    ]);
    // Direct, without the DROP (it would run): everything else is the same.
    const direct = await run(SYSTEM_PYTHON, [
      '-c',
      PY,
      db.host,
      String(db.port),
      db.user,
      db.password,
      'keep',
    ]);
    const expected = JSON.parse(direct.stdout);
    expect(expected[3]).toEqual(['not refused']);
    expect([...expected.slice(0, 3), expected[4]]).toEqual([...got.slice(0, 3), got[4]]);
  });
});
