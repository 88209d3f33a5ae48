// mysql2 and the mariadb connector, straight against MariaDB and through an audit-mode gateway:
// the results a driver sees must be the same.
import { connect } from 'node:net';
import mariadb, { type ConnectionConfig } from 'mariadb';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MariaCap } from '../../src/gateway/mysql/capabilities.js';
import { parseGreeting } from '../../src/gateway/mysql/handshake.js';
import { parsePolicy } from '../../src/policy/index.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { type AuditGateway, auditMysql, onBoth, type Target } from './harness.js';

let db: MariaDbServer;
let audit: AuditGateway;

beforeAll(async () => {
  db = await startMariaDb();
  audit = await auditMysql(db);
});
afterAll(async () => {
  await audit?.close();
  await db?.stop();
});

const mysql2 = (t: Target, extra: mysql.ConnectionOptions = {}) =>
  mysql.createConnection({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    ...extra,
  });
const connector = (t: Target, extra: Partial<ConnectionConfig> = {}) =>
  mariadb.createConnection({
    host: t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    ...extra,
  });

describe('insert ids of 2^53 and above (length-encoded integers in the OK packet)', () => {
  it('mysql2 gets the exact BIGINT UNSIGNED id from 2^63 and a negative id, and the connection lives on', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await mysql2(t, { supportBigNumbers: true, bigNumberStrings: true });
      const table = `big_${t.name}`;
      await c.query(
        `CREATE TABLE ${table} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, v INT) AUTO_INCREMENT = 9223372036854775808`,
      );
      const [first] = await c.query<mysql.ResultSetHeader>(`INSERT INTO ${table} (v) VALUES (1)`);
      const [second] = await c.query<mysql.ResultSetHeader>(`INSERT INTO ${table} (v) VALUES (2)`);
      await c.query(`CREATE TABLE neg_${t.name} (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)`);
      const [negative] = await c.query<mysql.ResultSetHeader>(`INSERT INTO neg_${t.name} VALUES (-5, 1)`);
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        `SELECT CAST(id AS CHAR) AS id, v FROM ${table} ORDER BY id`,
      );
      await c.end();
      return {
        ids: [first.insertId, second.insertId, negative.insertId].map(String),
        affected: [first.affectedRows, second.affectedRows, negative.affectedRows],
        rows,
      };
    });
    // The driver reads the id as signed; its 64 bits are the row's key.
    expect(r.direct.ids.map((id) => BigInt.asUintN(64, BigInt(id)))).toEqual([
      9223372036854775808n,
      9223372036854775809n,
      BigInt.asUintN(64, -5n),
    ]);
    expect(r.direct.rows).toEqual([
      { id: '9223372036854775808', v: 1 },
      { id: '9223372036854775809', v: 2 },
    ]);
    expect(r.gateway).toEqual(r.direct);
  });

  it('the mariadb connector gets the exact ids as BigInt', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await connector(t);
      const table = `bigm_${t.name}`;
      await c.query(
        `CREATE TABLE ${table} (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY) AUTO_INCREMENT = 18446744073709551614`,
      );
      const ok = await c.query(`INSERT INTO ${table} VALUES ()`);
      const count = await c.query(`SELECT COUNT(*) AS n FROM ${table}`);
      await c.end();
      return {
        insertId: ok.insertId as bigint,
        affected: ok.affectedRows as number,
        n: count[0].n as bigint,
      };
    });
    expect({ ...r.direct, insertId: BigInt.asUintN(64, r.direct.insertId) }).toEqual({
      insertId: 18446744073709551614n,
      affected: 1,
      n: 1n,
    });
    expect(r.gateway).toEqual(r.direct);
  });
});

describe('the connection id a driver is given', () => {
  it('is CONNECTION_ID() for mysql2 and the mariadb connector', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const a = await mysql2(t);
      const [rows] = await a.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      const viaMysql2 = a.threadId === Number(rows[0]!.id);
      await a.end();
      const b = await connector(t);
      const [row] = await b.query('SELECT CONNECTION_ID() AS id');
      const viaConnector = BigInt(b.threadId ?? -1) === BigInt(row.id);
      await b.end();
      return { viaMysql2, viaConnector };
    });
    expect(r.direct).toEqual({ viaMysql2: true, viaConnector: true });
    expect(r.gateway).toEqual(r.direct);
  });

  it('stops a running query with KILL QUERY from another session, and the session goes on', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const [a, b] = await Promise.all([mysql2(t), mysql2(t)]);
      const sleeping = a
        .query<mysql.RowDataPacket[]>('SELECT SLEEP(30) AS s')
        .then(([rows]) => `result ${rows[0]!.s}`)
        .catch((e: { errno: number }) => `error ${e.errno}`);
      // KILL QUERY before the SLEEP has started would find nothing to stop.
      for (;;) {
        const [running] = await db.admin<{ n: number }[]>(
          `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ${Number(a.threadId)} AND INFO LIKE 'SELECT SLEEP%'`,
        );
        if (Number(running!.n) > 0) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      await b.query(`KILL QUERY ${a.threadId}`);
      const outcome = await sleeping;
      const [after] = await a.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      await Promise.all([a.end(), b.end()]);
      return { outcome, after };
    });
    expect(r.direct.after).toEqual([{ one: 1 }]);
    expect(r.gateway).toEqual(r.direct);
  });
});

describe('a statement the server cannot parse, through a gateway in enforce mode', () => {
  let enforce: AuditGateway;
  beforeAll(async () => {
    enforce = await auditMysql(db, 'enforce');
  });
  afterAll(async () => {
    await enforce?.close();
  });

  it("gets the server's own 1064 through mysql2 (text and prepared) and the mariadb connector", async () => {
    type Failure = { errno: number; sqlState: string; sqlMessage?: string; text?: string };
    const what = (e: Failure) => ({ errno: e.errno, sqlState: e.sqlState, message: e.sqlMessage ?? e.text });
    const r = await onBoth(enforce.targets, async (t) => {
      const a = await mysql2(t);
      const text = await a.query('SELEC 1').catch(what);
      const prepared = await a.execute('SELECT * FORM compat_missing WHERE id = ?', [1]).catch(what);
      const [after] = await a.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      await a.end();
      const b = await connector(t);
      const viaConnector = await b.query('DELET FROM compat_missing').catch(what);
      await b.end();
      return { text, prepared, after, viaConnector };
    });
    expect(r.direct.text).toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(r.direct.prepared).toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(r.direct.viaConnector).toMatchObject({ errno: 1064, sqlState: '42000' });
    expect(r.direct.after).toEqual([{ one: 1 }]);
    expect(r.gateway).toEqual(r.direct);
    const statement = enforce.recorder.lines.find((l) => l.type === 'statement' && l.text === 'SELEC 1');
    const id = statement?.type === 'statement' ? statement.id : undefined;
    expect(enforce.recorder.lines.find((l) => l.type === 'verdict' && l.id === id)).toMatchObject({
      action: 'deny',
      rules: ['opaque/unparseable'],
    });
    expect(enforce.recorder.lines.find((l) => l.type === 'result' && l.id === id)).toMatchObject({
      error: { code: '42000' },
    });
  });
});

describe('a session that kills its own query or connection', () => {
  it('does so as directly, with no admin-function finding; another session’s id stays one', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const [a, other] = await Promise.all([mysql2(t), mysql2(t)]);
      a.on('error', () => {});
      const outcome = (text: string) =>
        a.query(text).then(
          () => 'ok',
          (e: { errno: number }) => `error ${e.errno}`,
        );
      const ownQuery = await outcome('KILL QUERY CONNECTION_ID()');
      const [after] = await a.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      const othersQuery = await outcome(`KILL QUERY ${other.threadId}`);
      const ownConnection = await outcome(`KILL ${a.threadId}`);
      const [alive] = await other.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
      await other.end();
      await a.end().catch(() => undefined);
      return { ownQuery, after, othersQuery, ownConnection, alive };
    });
    expect(r.direct.after).toEqual([{ one: 1 }]);
    expect(r.direct.alive).toEqual([{ one: 1 }]);
    expect(r.gateway).toEqual(r.direct);
    const verdictOf = (needle: RegExp) => {
      const s = audit.recorder.lines.find((l) => l.type === 'statement' && needle.test(l.text));
      return audit.recorder.lines.find(
        (l) => l.type === 'verdict' && s?.type === 'statement' && l.id === s.id,
      );
    };
    expect(verdictOf(/^KILL QUERY CONNECTION_ID\(\)$/)).toMatchObject({ action: 'allow' });
    expect(verdictOf(/^KILL \d+$/)).toMatchObject({ action: 'allow' });
    // Another session's id (all numeric KILL QUERY here name another session) stays a finding.
    const others = audit.recorder.lines.filter(
      (l) => l.type === 'statement' && /^KILL QUERY \d+$/.test(l.text),
    );
    expect(others.length).toBeGreaterThan(0);
    for (const s of others)
      expect(
        audit.recorder.lines.find((l) => l.type === 'verdict' && s.type === 'statement' && l.id === s.id),
      ).toMatchObject({
        rules: expect.arrayContaining(['exfiltration/admin-function']),
      });
  });
});

describe('MariaDB extended column metadata (JSON, UUID, INET4, INET6)', () => {
  const create = (table: string) =>
    `CREATE TABLE ${table} (id INT PRIMARY KEY, doc JSON, u UUID, a4 INET4, a6 INET6, plain TEXT)`;
  const insert = (table: string) =>
    `INSERT INTO ${table} VALUES (1, '{"a": 1, "b": [true, null, "x"]}', '123e4567-e89b-12d3-a456-426614174000', '192.0.2.7', '2001:db8::7', '{"not": "json"}'), (2, NULL, NULL, NULL, NULL, NULL)`;
  const row1 = {
    id: 1,
    doc: { a: 1, b: [true, null, 'x'] },
    u: '123e4567-e89b-12d3-a456-426614174000',
    a4: '192.0.2.7',
    a6: '2001:db8::7',
    plain: '{"not": "json"}',
  };
  type Meta = { name(): string; columnType: number; dataTypeName: string | undefined };
  const described = (meta: Meta[]) =>
    meta.map((m) => ({ name: m.name(), columnType: m.columnType, dataTypeName: m.dataTypeName }));

  it('the mariadb connector gets JSON as objects and the type names, in text and binary rows, also after changeUser', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await connector(t);
      const table = `ext_${t.name}`;
      await c.query(create(table));
      await c.query(insert(table));
      const select = `SELECT id, doc, u, a4, a6, plain FROM ${table} ORDER BY id`;
      const text = await c.query({ sql: select, metaAsArray: true });
      const binary = await c.execute(
        { sql: `${select.replace('ORDER', 'WHERE id > ? ORDER')}`, metaAsArray: true },
        [0],
      );
      await c.changeUser({ user: t.user, password: t.password, database: t.database });
      const [afterChange] = await c.query({ sql: select, metaAsArray: true });
      await c.end();
      return {
        text: { rows: text[0], meta: described(text[1]) },
        binary: { rows: binary[0], meta: described(binary[1]) },
        afterChange,
      };
    });
    expect(r.direct.text.rows[0]).toEqual(row1);
    expect(r.direct.binary.rows[0]).toEqual(row1);
    expect(r.direct.afterChange[0]).toEqual(row1);
    expect(r.direct.text.meta.map((m) => m.dataTypeName)).toEqual([
      undefined,
      undefined,
      'uuid',
      'inet4',
      'inet6',
      undefined,
    ]);
    expect(r.gateway).toEqual(r.direct);
    // The transcript reads the same column definitions: its row samples are the values as sent.
    const samples = audit.recorder.lines.filter(
      (l) => l.type === 'rows' && l.columns.join() === 'id,doc,u,a4,a6,plain',
    );
    expect(samples.length).toBe(3);
    for (const s of samples)
      expect(s.type === 'rows' && s.sample.map((row) => row.map(String))).toEqual([
        ['1', '{"a": 1, "b": [true, null, "x"]}', row1.u, row1.a4, row1.a6, row1.plain],
        ['2', 'null', 'null', 'null', 'null', 'null'],
      ]);
  });

  it('mysql2 gets JSON as objects and the type names, in text and binary rows, also after changeUser', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await mysql2(t);
      const table = `ext2_${t.name}`;
      await c.query(create(table));
      await c.query(insert(table));
      const select = `SELECT id, doc, u, a4, a6, plain FROM ${table} ORDER BY id`;
      const [text, fields] = await c.query<mysql.RowDataPacket[]>(select);
      const [binary] = await c.execute<mysql.RowDataPacket[]>(select);
      await c.changeUser({ user: t.user, password: t.password, database: t.database });
      const [afterChange] = await c.query<mysql.RowDataPacket[]>(select);
      await c.end();
      const types = fields.map((f) => {
        const ext = f as unknown as { extendedTypeName?: string; extendedFormat?: string };
        return { name: f.name, type: f.type, typeName: ext.extendedTypeName, format: ext.extendedFormat };
      });
      return { text, binary, afterChange, types };
    });
    expect(r.direct.text[0]).toEqual(row1);
    expect(r.direct.binary).toEqual(r.direct.text);
    expect(r.direct.afterChange).toEqual(r.direct.text);
    expect(r.direct.types.map((f) => f.typeName ?? f.format)).toEqual([
      undefined,
      'json',
      'uuid',
      'inet4',
      'inet6',
      undefined,
    ]);
    expect(r.gateway).toEqual(r.direct);
  });
});

describe('COM_CHANGE_USER with a character set (the server applies its collation id)', () => {
  const settings =
    'SELECT @@character_set_client AS client, @@character_set_connection AS connection, @@collation_connection AS collation, @@character_set_results AS results';
  // Non-ASCII text both ways, and a comparison that only utf8mb4_unicode_ci makes equal.
  const probe = "SELECT 'Straße' = 'Strasse' AS unicodeCi, CONCAT('Grüße ', v) AS greeting FROM";

  it('the mariadb connector changes user with its own default collation, as directly', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await connector(t);
      const table = `cu_${t.name}`;
      await c.query(`CREATE TABLE ${table} (v VARCHAR(20) CHARACTER SET utf8mb4)`);
      await c.query(`INSERT INTO ${table} VALUES (?)`, ['ünïcødé 縗']);
      const [before] = await c.query(settings);
      await c.changeUser({ user: t.user, password: t.password, database: t.database });
      const [after] = await c.query(settings);
      const rows = await c.query(`${probe} ${table}`);
      await c.query(`INSERT INTO ${table} VALUES ('näher')`);
      const stored = await c.query(`SELECT v, HEX(v) AS hex FROM ${table} ORDER BY v`);
      await c.end();
      return { before, after, rows: [...rows], stored: [...stored] };
    });
    // Its login asks for utf8mb4_unicode_ci (224) and then runs SET NAMES utf8mb4; its
    // COM_CHANGE_USER asks for utf8mb4_general_ci (45), the collation the session had since.
    // (mysql2's test below changes to a collation that is not its character set's default.)
    const utf8mb4 = { client: 'utf8mb4', connection: 'utf8mb4', results: 'utf8mb4' };
    expect(r.direct.before).toEqual({ ...utf8mb4, collation: 'utf8mb4_general_ci' });
    expect(r.direct.after).toEqual({ ...utf8mb4, collation: 'utf8mb4_general_ci' });
    expect(r.direct.rows).toEqual([{ unicodeCi: 0, greeting: 'Grüße ünïcødé 縗' }]);
    expect(r.direct.stored).toEqual([
      { v: 'näher', hex: '6EC3A4686572' },
      { v: 'ünïcødé 縗', hex: 'C3BC6EC3AF63C3B864C3A920E7B897' },
    ]);
    expect(r.gateway).toEqual(r.direct);
  });

  it('mysql2 changes user with a charset option (GBK), and the gateway reads later statements in it', async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await mysql2(t);
      await c.changeUser({
        user: t.user,
        password: t.password,
        database: t.database,
        charset: 'GBK_CHINESE_CI',
      });
      const [after] = await c.query<mysql.RowDataPacket[]>(settings);
      // In GBK, 縗 is 0xBF5C: read as UTF-8 its 0x5C would be a backslash escaping the quote.
      const [gbk] = await c.query<mysql.RowDataPacket[]>(
        "SELECT '縗' AS c, HEX('縗') AS hex, 'Straße' = 'Strasse' AS unicodeCi",
      );
      await c.changeUser({
        user: t.user,
        password: t.password,
        database: t.database,
        charset: 'UTF8MB4_UNICODE_CI',
      });
      const [back] = await c.query<mysql.RowDataPacket[]>(`${settings}, 'Straße' = 'Strasse' AS unicodeCi`);
      await c.end();
      return { after, gbk, back };
    });
    expect(r.direct).toEqual({
      after: [{ client: 'gbk', connection: 'gbk', collation: 'gbk_chinese_ci', results: 'gbk' }],
      gbk: [{ c: '縗', hex: 'BF5C', unicodeCi: 0 }],
      back: [
        {
          client: 'utf8mb4',
          connection: 'utf8mb4',
          collation: 'utf8mb4_unicode_ci',
          results: 'utf8mb4',
          unicodeCi: 1,
        },
      ],
    });
    expect(r.gateway).toEqual(r.direct);
  });

  it('a character set the gateway does not decode exactly (ujis) is refused and the session goes on untouched', async () => {
    const change = async (t: Target) => {
      const c = await mysql2(t);
      // The canary: a reset session would have lost it, and its character set would be ujis.
      await c.query('SET @canary = 42');
      let error: unknown;
      try {
        await c.changeUser({
          user: t.user,
          password: t.password,
          database: t.database,
          charset: 'UJIS_JAPANESE_CI',
        });
      } catch (err) {
        error = err;
      }
      const [after] = await c.query<mysql.RowDataPacket[]>(`${settings}, @canary AS canary`);
      await c.end();
      return { error, after };
    };
    const direct = await change(audit.targets.find((t) => t.name === 'direct')!);
    const gateway = await change(audit.targets.find((t) => t.name === 'gateway')!);
    // Directly the server takes it (and resets the session).
    expect(direct).toEqual({
      error: undefined,
      after: [
        { client: 'ujis', connection: 'ujis', collation: 'ujis_japanese_ci', results: 'ujis', canary: null },
      ],
    });
    expect(gateway.error).toMatchObject({
      errno: 1235,
      message: expect.stringMatching(/character set ujis, which the gateway does not decode exactly/),
    });
    expect(gateway.after).toEqual([
      {
        client: 'utf8mb4',
        connection: 'utf8mb4',
        collation: expect.stringMatching(/^utf8mb4_/),
        results: 'utf8mb4',
        canary: 42,
      },
    ]);
  });
});

describe('MariaDB extended capabilities the gateway does not proxy', () => {
  const greeting = (t: Target) =>
    new Promise<Buffer>((resolve, reject) => {
      const s = connect(t.port, t.host);
      let buf = Buffer.alloc(0);
      s.on('error', reject);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 4 || buf.length < 4 + buf.readUIntLE(0, 3)) return;
        s.destroy();
        resolve(buf.subarray(4, 4 + buf.readUIntLE(0, 3)));
      });
    });

  it('are not offered: the greeting carries the extended metadata bit alone', async () => {
    const [direct, through] = await Promise.all(
      audit.targets.map(async (t) => parseGreeting(await greeting(t))),
    );
    const offered = (g: typeof direct) => ({ mysql: g!.capabilities & 1, mariadb: g!.mariadbCapabilities });
    // MariaDB 10.11 offers progress reports, bulk execution, extended and cached metadata.
    expect(offered(direct!)).toEqual({
      mysql: 0,
      mariadb:
        MariaCap.PROGRESS |
        MariaCap.STMT_BULK_OPERATIONS |
        MariaCap.EXTENDED_METADATA |
        MariaCap.CACHE_METADATA,
    });
    expect(offered(through!)).toEqual({ mysql: 0, mariadb: MariaCap.EXTENDED_METADATA });
  });

  it("the connector's batch() goes row by row through the gateway and stores the same rows", async () => {
    const r = await onBoth(audit.targets, async (t) => {
      const c = await connector(t, { bulk: true });
      const table = `batch_${t.name}`;
      await c.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, doc JSON)`);
      const ok = await c.batch(`INSERT INTO ${table} VALUES (?, ?)`, [
        [1, '{"n": 1}'],
        [2, '{"n": 2}'],
        [3, null],
      ]);
      const rows = await c.query(`SELECT id, doc FROM ${table} ORDER BY id`);
      await c.end();
      // Bulk execution answers with one OK for all rows; row by row there is one OK each.
      const oks = (Array.isArray(ok) ? ok : [ok]) as { affectedRows: number }[];
      return { affected: oks.reduce((n, o) => n + o.affectedRows, 0), rows };
    });
    expect(r.direct).toEqual({
      affected: 3,
      rows: [
        { id: 1, doc: { n: 1 } },
        { id: 2, doc: { n: 2 } },
        { id: 3, doc: null },
      ],
    });
    expect(r.gateway).toEqual(r.direct);
    // Each row is a statement the gateway judged and recorded.
    const inserts = audit.recorder.lines.filter(
      (l) => l.type === 'statement' && l.text.startsWith('INSERT INTO batch_gateway'),
    );
    expect(inserts.length).toBeGreaterThan(0);
  });
});

describe('masking of columns the server typed (JSON, UUID) through an on-wire masking gateway', () => {
  let masked: AuditGateway;
  const SECRET_DOC = '{"card": "4000-0000-0000-0002"}';
  const SECRET_UUID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  beforeAll(async () => {
    const policy = parsePolicy(
      `masking:
  columns: ["*.mask_docs.doc", "*.mask_docs.u", "*.mask_docs.note"]
  on-wire: true
  replacement: "[withheld]"
`,
      'guardrail.yml',
    );
    masked = await auditMysql(db, 'audit', policy);
    await db.admin(`
      CREATE TABLE ${db.database}.mask_docs (id INT PRIMARY KEY, doc JSON, u UUID, note TEXT, pub JSON);
      INSERT INTO ${db.database}.mask_docs VALUES
        (1, '${SECRET_DOC}', '${SECRET_UUID}', 'call 555-0100', '{"tags": ["a", "b"]}');
    `);
  });
  afterAll(async () => {
    await masked?.close();
  });

  it('withholds the values as NULL (the marker only in text columns); drivers still decode every type', async () => {
    const direct = masked.targets[0]!;
    const through = masked.targets[1]!;
    const select = 'SELECT id, doc, u, note, pub FROM mask_docs';
    const read = async (t: Target) => {
      const a = await connector(t);
      const [text, textMeta] = await a.query({ sql: select, metaAsArray: true });
      const [binary] = await a.execute({ sql: `${select} WHERE id = ?`, metaAsArray: true }, [1]);
      await a.end();
      const b = await mysql2(t);
      const [viaMysql2] = await b.query<mysql.RowDataPacket[]>(select);
      const [viaMysql2Binary] = await b.execute<mysql.RowDataPacket[]>(`${select} WHERE id = ?`, [1]);
      await b.end();
      const typeNames = (textMeta as { dataTypeName: string | undefined }[]).map((m) => m.dataTypeName);
      return { text, binary, typeNames, viaMysql2, viaMysql2Binary };
    };
    const plain = await read(direct);
    const gated = await read(through);
    expect(plain.text).toEqual([
      {
        id: 1,
        doc: JSON.parse(SECRET_DOC),
        u: SECRET_UUID,
        note: 'call 555-0100',
        pub: { tags: ['a', 'b'] },
      },
    ]);
    const withheld = [{ id: 1, doc: null, u: null, note: '[withheld]', pub: { tags: ['a', 'b'] } }];
    expect(gated).toEqual({
      text: withheld,
      binary: withheld,
      typeNames: plain.typeNames,
      viaMysql2: withheld,
      viaMysql2Binary: withheld,
    });
    // The near miss: the same JSON column unmasked is the driver's object, as directly.
    expect(plain.viaMysql2).toEqual(plain.text);

    const lines = masked.recorder.lines;
    const rows = lines.filter((l) => l.type === 'rows');
    expect(rows.length).toBe(4);
    for (const r of rows) {
      expect(r).toMatchObject({ columns: ['id', 'doc', 'u', 'note', 'pub'], masked: ['doc', 'u', 'note'] });
      // Text rows record the id as text, binary rows as a number.
      expect(r.type === 'rows' && r.sample.map((row) => row.map(String))).toEqual([
        ['1', '[withheld]', '[withheld]', '[withheld]', '{"tags": ["a", "b"]}'],
      ]);
    }
    const transcript = JSON.stringify(lines);
    for (const secret of ['4000-0000-0000-0002', SECRET_UUID, '555-0100'])
      expect(transcript).not.toContain(secret);
  });
});
