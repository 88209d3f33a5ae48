// Prepared UPDATE / DELETE with placeholders through the MySQL gateway with a side connection:
// MariaDB cannot plan `WHERE grp = ?` for "any value", so the mass-change estimate is made at
// each execution, with that execution's values, and only an execution over the threshold is
// refused. Executed with mysql2's execute(), i.e. COM_STMT_PREPARE / COM_STMT_EXECUTE.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mysqlWithSide } from '../support/side-gateway.js';

let db: MariaDbServer;
let gateway: MysqlGateway;
let close: (() => Promise<void>) | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  // 1,500 rows in group 1 (over the default threshold of 1,000), 10 in group 2.
  await db.admin(
    `CREATE TABLE app.events (id int PRIMARY KEY, grp int, v int, KEY (grp));
     INSERT INTO app.events SELECT seq, IF(seq <= 1500, 1, 2), 0 FROM app.seq_1_to_1510;
     ANALYZE TABLE app.events`,
  );
  ({ gateway, close } = await mysqlWithSide(db, recorder));
});

afterAll(async () => {
  await close?.();
  await db?.stop();
});

const count = async (where: string) =>
  Number((await db.admin<{ n: number }[]>(`SELECT count(*) AS n FROM app.events WHERE ${where}`))[0]!.n);

it('estimates each execution with its values and refuses only the mass change', async () => {
  const c = await db.connect({
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    ssl: undefined,
  });
  try {
    const [one] = await c.execute('UPDATE events SET v = ? WHERE id = ?', [5, 7]);
    expect((one as { affectedRows: number }).affectedRows).toBe(1);
    const [small] = await c.execute('UPDATE events SET v = v + 1 WHERE grp = ?', [2]);
    expect((small as { affectedRows: number }).affectedRows).toBe(10);
    // The same prepared statement, now with a value that matches 1,500 rows.
    await expect(c.execute('UPDATE events SET v = v + 1 WHERE grp = ?', [1])).rejects.toThrow(
      /mass-change\/rows/,
    );
    // The connection stays usable, and the refused execution changed nothing.
    const [again] = await c.execute('UPDATE events SET v = v + 1 WHERE grp = ?', [2]);
    expect((again as { affectedRows: number }).affectedRows).toBe(10);
  } finally {
    await c.end();
  }
  expect(await count('grp = 1 AND v <> 0')).toBe(1); // only id 7, by the first UPDATE
  expect(await count('grp = 2 AND v = 2')).toBe(10);
  const impacts = recorder.lines.filter((l) => l.type === 'impact');
  const text = JSON.stringify(impacts);
  expect(text).toMatch(/estimated at each execution/);
  expect(text).toMatch(/"rowsExact":1500/);
  expect(text).not.toMatch(/You have an error in your SQL syntax/);
  const verdicts = recorder.lines.filter((l) => l.type === 'verdict' && l.rules.includes('mass-change/rows'));
  expect(verdicts).toHaveLength(1);
});
