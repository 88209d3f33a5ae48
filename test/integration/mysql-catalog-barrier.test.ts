// Judgement and execution on the same side of every catalog change, on a real MariaDB through the
// gateway. A RENAME TABLE (approved up front) swaps in a table whose trigger empties the canary,
// created directly beforehand: a write judged against the harmless table must not reach the
// trapped one. Each case is proved from the server's state: the canary's rows and where each row
// landed.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { MysqlGateway } from '../../src/gateway/mysql/listener.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { analyze, loadAnalyzers } from '../../src/sql/analyze.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mysqlWithSide, type WithSide } from '../support/side-gateway.js';

let db: MariaDbServer;
let gateway: MysqlGateway;
let withSide: WithSide<MysqlGateway> | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin('CREATE TABLE app.canary (id int)');
  await loadAnalyzers();
  // What a reviewer approved with the migration: the swaps.
  const preapproved = ['piped', 'prep', 'sqlprep', 'slow'].flatMap((t) =>
    analyze(swap(t), { dialect: 'mysql' }).statements.map((s) => s.hash),
  );
  withSide = await mysqlWithSide(db, recorder, {
    policy: { ...defaultPolicy(), catalogWaitMs: 3_000 },
    preapproved,
  });
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await db?.stop();
});

beforeEach(async () => {
  await db.admin('DELETE FROM app.canary; INSERT INTO app.canary SELECT seq FROM app.seq_1_to_10');
});

const connect = () =>
  db.connect({
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    ssl: undefined,
    multipleStatements: true,
  });
const count = async (sql: string) => Number((await db.admin<{ n: number }[]>(sql))[0]!.n);
const canary = () => count('SELECT count(*) AS n FROM app.canary');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `name`, harmless, and `name_trap`, whose trigger empties the canary (created directly). */
async function tables(name: string): Promise<void> {
  await db.admin(
    `CREATE TABLE app.${name} (id int);
     CREATE TABLE app.${name}_trap (id int);
     CREATE TRIGGER app.${name}_wipe AFTER INSERT ON app.${name}_trap FOR EACH ROW DELETE FROM app.canary`,
  );
}
const swap = (name: string) => `RENAME TABLE ${name} TO ${name}_old, ${name}_trap TO ${name}`;

it('lets a RENAME that swaps in a trapped table wait for an INSERT judged against the harmless one, queued behind a slow statement', async () => {
  await tables('piped');
  const a = await connect();
  const b = await connect();
  try {
    const piped = b.query('SELECT SLEEP(1) FROM canary LIMIT 1; INSERT INTO piped VALUES (1)');
    await sleep(300);
    await a.query(swap('piped'));
    await piped;
    // Now `piped` is the trapped table, and the next INSERT into it is held.
    await expect(b.query('INSERT INTO piped VALUES (2)')).rejects.toThrow(
      /destructive\/delete-without-where/,
    );
  } finally {
    await a.end();
    await b.end();
  }
  expect(await canary()).toBe(10);
  // The first INSERT landed in the harmless table, renamed away after it ran.
  expect(await count('SELECT count(*) AS n FROM app.piped_old')).toBe(1);
  expect(await count('SELECT count(*) AS n FROM app.piped')).toBe(0);
});

it('judges a prepared INSERT again when a RENAME swapped its table since: the execution is held', async () => {
  await tables('prep');
  const a = await connect();
  const b = await connect();
  try {
    await b.execute('INSERT INTO prep VALUES (?)', [1]);
    await a.query(swap('prep'));
    await expect(b.execute('INSERT INTO prep VALUES (?)', [2])).rejects.toThrow(
      /destructive\/delete-without-where.*trigger prep_wipe/,
    );
  } finally {
    await a.end();
    await b.end();
  }
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.prep_old')).toBe(1);
  expect(await count('SELECT count(*) AS n FROM app.prep')).toBe(0);
});

it('runs an INSERT prepared in SQL (PREPARE … FROM, EXECUTE), and judges it again after a RENAME swapped its table', async () => {
  await tables('sqlprep');
  const a = await connect();
  const b = await connect();
  try {
    await b.query("PREPARE ins FROM 'INSERT INTO sqlprep VALUES (1)'");
    await b.query('EXECUTE ins');
    await a.query(swap('sqlprep'));
    await expect(b.query('EXECUTE ins')).rejects.toThrow(
      /destructive\/delete-without-where.*EXECUTE ins: trigger sqlprep_wipe/,
    );
  } finally {
    await a.end();
    await b.end();
  }
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.sqlprep_old')).toBe(1);
  expect(await count('SELECT count(*) AS n FROM app.sqlprep')).toBe(0);
});

it('refuses the RENAME when a statement judged against the old tables stays unanswered past the bound', async () => {
  await tables('slow');
  const a = await connect();
  const b = await connect();
  try {
    const slow = b.query('SELECT SLEEP(5) FROM canary LIMIT 1; INSERT INTO slow VALUES (1)');
    await sleep(300);
    await expect(a.query(swap('slow'))).rejects.toThrow(
      /guardrail: catalog change not sent: waited 3 s for other sessions' statements/,
    );
    await slow;
  } finally {
    await a.end();
    await b.end();
  }
  expect(await canary()).toBe(10);
  expect(await count('SELECT count(*) AS n FROM app.slow')).toBe(1);
  expect(await count('SELECT count(*) AS n FROM app.slow_trap')).toBe(0);
});
