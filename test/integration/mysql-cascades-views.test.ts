// What a MariaDB write sets in motion beyond the table it names, through the gateway with a side
// connection: rows of other tables deleted by InnoDB foreign-key cascades (counted towards the
// mass-change threshold; InnoDB fires no triggers for them, which a test here shows), and the
// base table an updatable view writes, whose triggers fire. Every object was created on a direct
// connection; refusals are proved from the server's state, near misses run and their effect shows.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MysqlGateway } from '../../src/gateway/mysql/listener.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { mariadbCli } from '../support/mysql-clients.js';
import { mysqlWithSide, type WithSide } from '../support/side-gateway.js';

let db: MariaDbServer;
let gateway: MysqlGateway;
let withSide: WithSide<MysqlGateway> | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(
    `CREATE TABLE app.canary (id int);
     CREATE TABLE app.customers (id int PRIMARY KEY, name varchar(20)) ENGINE=InnoDB;
     CREATE TABLE app.orders (id int PRIMARY KEY, customer_id int,
       FOREIGN KEY (customer_id) REFERENCES app.customers (id) ON DELETE CASCADE) ENGINE=InnoDB;
     CREATE TABLE app.order_lines (id int, order_id int,
       FOREIGN KEY (order_id) REFERENCES app.orders (id) ON DELETE CASCADE) ENGINE=InnoDB;
     CREATE TABLE app.order_audit (id int);
     CREATE TRIGGER app.orders_del AFTER DELETE ON app.orders FOR EACH ROW INSERT INTO app.order_audit VALUES (OLD.id);
     CREATE TABLE app.base_t (id int);
     CREATE TRIGGER app.base_wipe AFTER INSERT ON app.base_t FOR EACH ROW DELETE FROM app.canary;
     CREATE VIEW app.v_base AS SELECT id FROM app.base_t;
     CREATE VIEW app.v_over AS SELECT id FROM app.v_base;
     CREATE TABLE app.plain_t (id int);
     CREATE VIEW app.v_plain AS SELECT id FROM app.plain_t`,
  );
  withSide = await mysqlWithSide(db, recorder);
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await db?.stop();
});

beforeEach(async () => {
  await db.admin(
    `DELETE FROM app.canary; INSERT INTO app.canary SELECT seq FROM app.seq_1_to_10;
     DELETE FROM app.order_lines; DELETE FROM app.orders; DELETE FROM app.customers; DELETE FROM app.order_audit;
     INSERT INTO app.customers VALUES (1, 'big'), (2, 'small'), (3, 'lines');
     INSERT INTO app.orders SELECT seq, 1 FROM app.seq_1_to_1500;
     INSERT INTO app.orders VALUES (2001, 2), (2002, 2), (2003, 2), (3001, 3);
     INSERT INTO app.order_lines SELECT seq, 3001 FROM app.seq_1_to_1200;
     ANALYZE TABLE app.customers, app.orders, app.order_lines`,
  );
});

const connect = () =>
  db.connect({
    host: gateway.host,
    port: gateway.port,
    user: gateway.user,
    password: gateway.password,
    ssl: undefined,
  });
const count = async (sql: string) => Number((await db.admin<{ n: number }[]>(sql))[0]!.n);
const canary = () => count('SELECT count(*) AS n FROM app.canary');

function verdictOf(text: string): string {
  const ids = recorder.lines.flatMap((l) => (l.type === 'statement' && l.text === text ? [l.id] : []));
  return JSON.stringify(recorder.lines.filter((l) => l.type === 'verdict' && ids.includes(l.id)));
}

async function refused(text: string, rule: RegExp): Promise<void> {
  const c = await connect();
  try {
    await expect(c.query(text)).rejects.toThrow(rule);
  } finally {
    await c.end();
  }
}

async function runs(text: string): Promise<void> {
  const c = await connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

describe('foreign-key cascades', () => {
  it('holds a by-key DELETE that cascades to 1,500 orders as a mass change naming them; orders intact', async () => {
    const text = 'DELETE FROM customers WHERE id = 1';
    await refused(text, /mass-change\/rows/);
    expect(verdictOf(text)).toMatch(/DELETE on app\.orders: 1500 rows counted/);
    expect(await count('SELECT count(*) AS n FROM app.orders')).toBe(1504);
    expect(await count('SELECT count(*) AS n FROM app.customers')).toBe(3);
  });

  it('counts a cascade of a cascade: one customer, one order, 1,200 order lines (mariadb CLI)', async () => {
    const r = await mariadbCli(
      {
        host: gateway.host,
        port: gateway.port,
        user: gateway.user,
        password: gateway.password,
        database: 'app',
      },
      'DELETE FROM customers WHERE id = 3;\n',
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mass-change\/rows/);
    expect(verdictOf('DELETE FROM customers WHERE id = 3')).toMatch(
      /DELETE on app\.order_lines: 1200 rows counted/,
    );
    expect(await count('SELECT count(*) AS n FROM app.order_lines')).toBe(1200);
  });

  it('near miss: a DELETE cascading to 3 orders runs; InnoDB fired no trigger for the cascaded rows', async () => {
    await runs('DELETE FROM customers WHERE id = 2');
    expect(await count('SELECT count(*) AS n FROM app.orders')).toBe(1501);
    // orders_del fires for a direct DELETE only: cascaded deletes run no triggers in InnoDB.
    expect(await count('SELECT count(*) AS n FROM app.order_audit')).toBe(0);
    await runs('DELETE FROM orders WHERE id = 1');
    expect(await count('SELECT count(*) AS n FROM app.order_audit')).toBe(1);
  });

  // REPLACE needs review anyway (destructive/replace); the estimate says what its deletes cascade to.
  it('holds a REPLACE of a customer as a mass change too: its delete cascades; orders intact', async () => {
    const text = "REPLACE INTO customers VALUES (1, 'again')";
    await refused(text, /mass-change\/rows/);
    expect(verdictOf(text)).toMatch(/DELETE on app\.orders: row count unavailable/);
    expect(await count('SELECT count(*) AS n FROM app.orders')).toBe(1504);
  });

  it('near miss: a REPLACE into a table no foreign key references is no mass change', async () => {
    const c = await connect();
    try {
      const err = await c.query('REPLACE INTO order_audit VALUES (9)').catch((e: Error) => e);
      expect(String(err)).toMatch(/destructive\/replace/);
      expect(String(err)).not.toMatch(/mass-change/);
    } finally {
      await c.end();
    }
    expect(await count('SELECT count(*) AS n FROM app.order_audit')).toBe(0);
  });

  it('near miss: an UPDATE of a customer that does not set the key runs', async () => {
    await runs("UPDATE customers SET name = 'renamed' WHERE id = 1");
    expect(await count("SELECT count(*) AS n FROM app.customers WHERE name = 'renamed'")).toBe(1);
  });
});

describe('writes through views', () => {
  it.each([
    ['a view', 'INSERT INTO v_base VALUES (1)'],
    ['a view over a view', 'INSERT INTO v_over VALUES (1)'],
  ])('holds an INSERT into %s whose base table has a wiping trigger; canary intact', async (_, text) => {
    await refused(text, /destructive\/delete-without-where/);
    expect(verdictOf(text)).toMatch(/trigger base_wipe on `?app`?\.`?base_t/);
    expect(await canary()).toBe(10);
    expect(await count('SELECT count(*) AS n FROM app.base_t')).toBe(0);
  });

  it('near miss: an INSERT into a view over a table without triggers runs, and reading the view is allowed', async () => {
    await runs('INSERT INTO v_plain VALUES (1)');
    await runs('SELECT * FROM v_base');
    expect(await count('SELECT count(*) AS n FROM app.plain_t')).toBe(1);
  });
});
