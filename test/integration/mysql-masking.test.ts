// Column masking through the MySQL gateway against a real MariaDB, with mysql2 as the client:
// text queries and prepared statements (binary rows) with on-wire masking, the transcript's row
// samples without it, expressions, views, routines and derived tables over masked columns,
// redacted error texts, and a transcript that holds none of the planted values.
import { mkdtempSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/listener.js';
import { mysqlSide } from '../../src/gateway/mysql/side-connection.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { readTranscript } from '../../src/transcript/read.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { packet, rawMysqlLogin } from '../support/mysql-clients.js';

const PLANTED = [
  'alice@example.com',
  'bob.smith@example.org',
  '123-45-6789',
  '987-65-4321',
  '4111 1111 1111 1111',
  '4111111111111111',
  '8675309',
];

const RULES = (onWire: boolean) => `rules:
  # CALL of a procedure the analyzer cannot read is opaque; masking must hold up regardless.
  opaque/dynamic-sql: allow
masking:
  columns:
    - app.users.email
    - "*.ssn"
    - app.users.salary
  on-wire: ${onWire}
`;

let db: MariaDbServer;
const dir = mkdtempSync(join(tmpdir(), 'guardrail-mysql-masking-'));
const gateways: { gw: MysqlGateway; recorder: FileRecorder }[] = [];
let onWire: MysqlGateway;
let offWire: MysqlGateway;
let noRules: MysqlGateway;

type Variant = 'on-wire' | 'off-wire' | 'no-rules';
const transcriptPath = (v: Variant) => join(dir, `transcript-${v}.jsonl`);

async function gateway(v: Variant): Promise<MysqlGateway> {
  const recorder = new FileRecorder(transcriptPath(v));
  const context = await createGatewayContext({
    dialect: 'mysql',
    policy: parsePolicy(v === 'no-rules' ? '' : RULES(v === 'on-wire'), 'guardrail.yml'),
    recorder,
    database: { name: 'app', host: db.host, role: db.user },
  });
  const gw = await startMysqlGateway({
    upstream: `${db.url()}?ssl-mode=disable`,
    context,
    tls: false,
    // The raw-protocol test logs in with mysql_native_password.
    authPlugin: 'mysql_native_password',
  });
  gateways.push({ gw, recorder });
  return gw;
}

function connect(gw: MysqlGateway): Promise<mysql.Connection> {
  return db.connect({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database: 'app',
    ssl: undefined,
  });
}

function transcript(v: Variant): TranscriptLine[] {
  return readTranscript(readFileSync(transcriptPath(v), 'utf8')).lines;
}

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(`
    CREATE TABLE app.users (id int PRIMARY KEY, name varchar(50), email varchar(100) UNIQUE,
      ssn varchar(11), salary int, note text);
    INSERT INTO app.users VALUES
      (1, 'Alice', 'alice@example.com', '123-45-6789', 8675309, 'card 4111 1111 1111 1111'),
      (2, 'Bob', 'bob.smith@example.org', '987-65-4321', 8675309, 'no card');
    CREATE TABLE app.orders (id int PRIMARY KEY, item varchar(50));
    INSERT INTO app.orders VALUES (1, 'book'), (2, 'pen');
    CREATE VIEW app.v_users AS SELECT id, name, email FROM app.users;
    CREATE VIEW app.v_orders AS SELECT id, upper(item) AS item, item AS ssn FROM app.orders;
    CREATE TABLE app.docs (id int PRIMARY KEY, ssn varchar(11), body longtext);
    SET GLOBAL max_allowed_packet = 67108864;
  `);
  // A row of more than 16 MiB spans several packets (the server needs the larger packet size).
  await db.admin("INSERT INTO app.docs VALUES (1, '123-45-6789', REPEAT('x', 17 * 1024 * 1024))");
  // Created as the gateway's database user, so the catalog may read the routine's body.
  const owner = await db.connect({ database: 'app' });
  await owner.query('CREATE PROCEDURE app.user_emails() SELECT id, email FROM app.users ORDER BY id');
  await owner.end();
  onWire = await gateway('on-wire');
  offWire = await gateway('off-wire');
  noRules = await gateway('no-rules');
}, 60_000);

afterAll(async () => {
  for (const { gw } of gateways) await gw.close();
  await db?.stop();
});

describe('on-wire masking', () => {
  let c: mysql.Connection;
  beforeAll(async () => {
    c = await connect(onWire);
  });
  afterAll(async () => {
    await c?.end();
  });

  it('masks text-protocol rows: text columns get the marker, an INT column becomes NULL', async () => {
    const [rows] = await c.query('SELECT id, name, email, ssn, salary, note FROM users ORDER BY id');
    expect(rows).toEqual([
      {
        id: 1,
        name: 'Alice',
        email: '[masked]',
        ssn: '[masked]',
        salary: null,
        note: 'card 4111 1111 1111 1111',
      },
      { id: 2, name: 'Bob', email: '[masked]', ssn: '[masked]', salary: null, note: 'no card' },
    ]);
  });

  it('masks binary-protocol rows of prepared statements', async () => {
    const [rows] = await c.execute('SELECT id, email, salary, name FROM users WHERE id = ?', [2]);
    expect(rows).toEqual([{ id: 2, email: '[masked]', salary: null, name: 'Bob' }]);
    const [all] = await c.execute('SELECT * FROM users WHERE id > ? ORDER BY id', [0]);
    expect(
      (all as { email: string; ssn: string; salary: null }[]).map((r) => [r.email, r.ssn, r.salary]),
    ).toEqual([
      ['[masked]', '[masked]', null],
      ['[masked]', '[masked]', null],
    ]);
  });

  it('leaves columns no rule names untouched, expressions over unmasked tables included', async () => {
    const [rows] = await c.query("SELECT id, CONCAT(item, '!') AS x FROM orders ORDER BY id");
    expect(rows).toEqual([
      { id: 1, x: 'book!' },
      { id: 2, x: 'pen!' },
    ]);
  });

  it.each([
    'SELECT lower(email) FROM users',
    "SELECT CONCAT(email, '') AS e FROM users",
    'SELECT email FROM users UNION SELECT email FROM users',
    'SELECT x.email FROM (SELECT email FROM users) x',
    'SELECT (SELECT email FROM users LIMIT 1) AS e',
    'WITH w AS (SELECT email FROM users) SELECT * FROM w',
    'SELECT * FROM v_users',
    'SELECT id FROM v_users',
  ])('withholds what cannot be traced to a plain column: %s', async (sql) => {
    await expect(c.query(sql)).rejects.toThrow(/guardrail: result withheld/);
    // The connection goes on after the refusal.
    const [rows] = await c.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('withholds expressions over masked columns in prepared statements too', async () => {
    await expect(c.execute('SELECT CONCAT(email, ?) AS e FROM users', ['x'])).rejects.toThrow(
      /guardrail: result withheld/,
    );
    const [rows] = await c.execute('SELECT ? AS v', [7]);
    expect(rows).toEqual([{ v: 7 }]);
  });

  it('masks the result sets of a procedure whose body reads a masked table', async () => {
    const [sets] = await c.query('CALL user_emails()');
    expect((sets as unknown[])[0]).toEqual([
      { id: 1, email: '[masked]' },
      { id: 2, email: '[masked]' },
    ]);
  });

  it('judges each result set of a multi-statement query on its own', async () => {
    const m = await db.connect({
      host: onWire.host,
      port: onWire.port,
      user: onWire.user,
      password: onWire.password,
      database: 'app',
      ssl: undefined,
      multipleStatements: true,
    });
    try {
      const [sets] = await m.query(
        'SELECT item FROM orders WHERE id = 1; SELECT id, email FROM users WHERE id = 1',
      );
      expect(sets).toEqual([[{ item: 'book' }], [{ id: 1, email: '[masked]' }]]);
      // The first result set reaches the client; the second is replaced by the refusal.
      await expect(
        m.query('SELECT item FROM orders WHERE id = 1; SELECT lower(email) FROM users'),
      ).rejects.toThrow(/guardrail: result withheld/);
      const [after] = await m.query('SELECT 2 AS two');
      expect(after).toEqual([{ two: 2 }]);
    } finally {
      await m.end();
    }
  });

  it('lets a view over tables without masked columns through', async () => {
    const [rows] = await c.query('SELECT * FROM v_orders ORDER BY id');
    // A view column whose own name a rule matches is masked all the same.
    expect(rows).toEqual([
      { id: 1, item: 'BOOK', ssn: '[masked]' },
      { id: 2, item: 'PEN', ssn: '[masked]' },
    ]);
  });

  it('follows views created after a name was first looked up', async () => {
    await expect(c.query('SELECT * FROM v_late')).rejects.toThrow(/doesn't exist/);
    await c.query('CREATE VIEW v_late AS SELECT id, email AS contact FROM users');
    await expect(c.query('SELECT * FROM v_late')).rejects.toThrow(/guardrail: result withheld/);
  });

  it('withholds rows of dynamic SQL it cannot trace', async () => {
    await c.query("PREPARE s FROM 'SELECT id, email FROM users'");
    await expect(c.query('EXECUTE s')).rejects.toThrow(/guardrail: result withheld.*dynamic SQL/);
    await c.query('DEALLOCATE PREPARE s');
  });

  it('withholds a row of 16 MiB or more that it would have to mask', async () => {
    await expect(c.query('SELECT id, ssn, body FROM docs')).rejects.toThrow(
      /guardrail: result withheld: a row of 16 MiB or more cannot be masked/,
    );
    const [rows] = await c.query('SELECT id FROM docs');
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('withholds what a user variable may carry out of a masked column', async () => {
    await c.query('SELECT email INTO @e FROM users WHERE id = 1');
    await expect(c.query('SELECT @e AS e')).rejects.toThrow(/guardrail: result withheld.*user variables/);
  });

  it('redacts values quoted in syntax errors, of queries and of prepares', async () => {
    const bad = "SELECT id FROM users WHERE email = 'bob.smith@example.org' AND";
    const q = await c.query(bad).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(q?.message).toMatch(/SQL syntax/);
    expect(q?.message).not.toContain('bob.smith@example.org');
    const p = await c.prepare(bad).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(p?.message).toMatch(/SQL syntax/);
    expect(p?.message).not.toContain('bob.smith@example.org');
  });

  it('masks the rows of a server-side cursor read with COM_STMT_FETCH', async () => {
    const { socket, early } = await rawMysqlLogin(onWire);
    const next = packetReader(socket, early);
    try {
      socket.write(packet(Buffer.from('\x16SELECT id, email, salary FROM users ORDER BY id', 'latin1'), 0));
      const ok = await next();
      expect(ok[0]).toBe(0x00);
      const id = ok.readUInt32LE(1);
      // Three column definitions and an EOF (the raw client does not ask for DEPRECATE_EOF).
      for (let i = 0; i < 4; i++) await next();
      const exec = Buffer.alloc(10);
      exec[0] = 0x17;
      exec.writeUInt32LE(id, 1);
      exec[5] = 0x01; // CURSOR_TYPE_READ_ONLY
      exec.writeUInt32LE(1, 6);
      socket.write(packet(exec, 0));
      expect((await next())[0]).toBe(3);
      for (let i = 0; i < 3; i++) await next();
      const eof = await next();
      expect(eof[0]).toBe(0xfe);
      expect(eof.readUInt16LE(3) & 0x40).toBe(0x40); // SERVER_STATUS_CURSOR_EXISTS
      const fetch = Buffer.alloc(9);
      fetch[0] = 0x1c;
      fetch.writeUInt32LE(id, 1);
      fetch.writeUInt32LE(10, 5);
      socket.write(packet(fetch, 0));
      const rows: [number, string, boolean][] = [];
      for (let p = await next(); !(p[0] === 0xfe && p.length < 9); p = await next()) {
        // 0x00, a one-byte NULL bitmap (offset 2), id INT, email lenenc, salary INT unless NULL.
        const bitmap = p[1]!;
        const len = p[6]!;
        rows.push([p.readInt32LE(2), p.toString('utf8', 7, 7 + len), (bitmap & (1 << 4)) !== 0]);
      }
      expect(rows).toEqual([
        [1, '[masked]', true],
        [2, '[masked]', true],
      ]);
    } finally {
      socket.destroy();
    }
  });

  it('redacts the value quoted in a duplicate-key error, keeping the error code', async () => {
    const err = await c
      .query("INSERT INTO users (id, name, email) VALUES (3, 'Carol', 'alice@example.com')")
      .then(
        () => undefined,
        (e: { errno: number; message: string }) => e,
      );
    expect(err?.errno).toBe(1062);
    expect(err?.message).toMatch(/Duplicate entry/);
    expect(err?.message).not.toContain('alice@example.com');
  });
});

describe('masking only in the transcript', () => {
  let c: mysql.Connection;
  beforeAll(async () => {
    c = await connect(offWire);
  });
  afterAll(async () => {
    await c?.end();
  });

  it('gives the client the real values and records a masked sample', async () => {
    const [rows] = await c.query('SELECT id, email, salary, note FROM users ORDER BY id');
    expect(rows).toEqual([
      { id: 1, email: 'alice@example.com', salary: 8675309, note: 'card 4111 1111 1111 1111' },
      { id: 2, email: 'bob.smith@example.org', salary: 8675309, note: 'no card' },
    ]);
    const [bin] = await c.execute('SELECT ssn, lower(email) AS e FROM users WHERE id = ?', [1]);
    expect(bin).toEqual([{ ssn: '123-45-6789', e: 'alice@example.com' }]);
    const [err] = await Promise.all([
      c.query("INSERT INTO users (id, email) VALUES (4, 'bob.smith@example.org')").catch((e: Error) => e),
    ]);
    expect((err as Error).message).toContain('bob.smith@example.org');
    // The recorder writes a millisecond's lines together: write them now.
    for (const { recorder } of gateways) recorder.flush();
    const samples = transcript('off-wire').filter((l) => l.type === 'rows');
    const text = samples.find((l) => l.type === 'rows' && l.columns.join() === 'id,email,salary,note');
    expect(text).toMatchObject({ masked: ['email', 'salary'], truncated: false });
    const sample = text?.type === 'rows' ? text.sample : [];
    expect(sample.map((r) => r.slice(0, 3))).toEqual([
      ['1', '[masked]', '[masked]'],
      ['2', '[masked]', '[masked]'],
    ]);
    // The credit card in an unmasked column is caught by the detectors.
    expect(String(sample[0]?.[3])).toMatch(/^card /);
    expect(String(sample[1]?.[3])).toBe('no card');
    const binary = samples.find((l) => l.type === 'rows' && l.columns.join() === 'ssn,e');
    // `e` is an expression over a masked column: masked in the sample.
    expect(binary).toMatchObject({ sample: [['[masked]', '[masked]']], masked: ['ssn', 'e'] });
  });
});

describe('when the catalog cannot be read', () => {
  it('withholds every result column rather than guess where it comes from', async () => {
    const recorder = new FileRecorder(join(dir, 'transcript-no-catalog.jsonl'));
    const context = await createGatewayContext({
      dialect: 'mysql',
      policy: parsePolicy(RULES(true), 'guardrail.yml'),
      recorder,
      database: { name: 'app', host: db.host, role: db.user },
    });
    // Nothing listens on port 1: every catalog lookup fails.
    const side = mysqlSide('mysql://nobody:nothing@127.0.0.1:1/app');
    const gw = await startMysqlGateway({
      upstream: `${db.url()}?ssl-mode=disable`,
      context,
      tls: false,
      catalog: side,
    });
    const c = await connect(gw);
    try {
      await expect(c.query('SELECT id, item FROM orders')).rejects.toThrow(
        /guardrail: result withheld.*the catalog could not be read/,
      );
      // Statements without result sets still run.
      const [ok] = await c.query('UPDATE orders SET item = item WHERE id = 1');
      expect(ok).toMatchObject({ affectedRows: 1 });
    } finally {
      await c.end();
      await gw.close();
      await side.close();
    }
  });
});

describe('without column rules', () => {
  it('records a capped sample: the first rows, long values cut, detectors applied', async () => {
    const c = await connect(noRules);
    try {
      const [rows] = await c.query(
        "SELECT seq, REPEAT('a', 500) AS r, CONCAT('mail ', 'carol', '@example.net') AS m FROM seq_1_to_1000",
      );
      expect((rows as unknown[]).length).toBe(1000);
      for (const { recorder } of gateways) recorder.flush();
      const sample = transcript('no-rules').find((l) => l.type === 'rows' && l.columns.join() === 'seq,r,m');
      expect(sample).toMatchObject({ truncated: true, masked: [] });
      const values = sample?.type === 'rows' ? sample.sample : [];
      expect(values.map((v) => v[0])).toEqual(['1', '2', '3', '4', '5']);
      expect(values[0]?.[1]).toBe(`${'a'.repeat(200)}…`);
      expect(String(values[0]?.[2])).not.toContain('carol@example.net');
    } finally {
      await c.end();
    }
  });
});

describe('repeated and near-repeated results', () => {
  const QUERIES = [
    'SELECT email AS col FROM app.users WHERE id = 1',
    'SELECT name AS col FROM app.users WHERE id = 1',
    'SELECT email AS col FROM app.users WHERE id = 1',
    "SELECT 'x' AS aa",
    "SELECT 'x' AS bb",
    "SELECT 'x' AS aa",
  ];

  it('reads each result its own way, text and binary, with and without column rules', async () => {
    for (const [gw, v, email] of [
      [onWire, 'on-wire', '[masked]'],
      [noRules, 'no-rules', 'alice@example.com'],
    ] as const) {
      const c = await connect(gw);
      try {
        for (const run of [(q: string) => c.query(q), (q: string) => c.execute(q)]) {
          const seen: unknown[] = [];
          for (const q of QUERIES) seen.push(((await run(q))[0] as unknown[])[0]);
          expect(seen).toEqual([
            { col: email },
            { col: 'Alice' },
            { col: email },
            { aa: 'x' },
            { bb: 'x' },
            { aa: 'x' },
          ]);
        }
        for (const { recorder } of gateways) recorder.flush();
        const columns = transcript(v)
          .filter((l) => l.type === 'rows')
          .slice(-3)
          .map((l) => l.type === 'rows' && l.columns);
        expect(columns).toEqual([['aa'], ['bb'], ['aa']]);
      } finally {
        await c.end();
      }
    }
  });
});

describe('the transcript', () => {
  it('holds none of the planted values, in any gateway', async () => {
    for (const { recorder } of gateways) recorder.flush();
    for (const v of ['on-wire', 'off-wire', 'no-rules'] as const) {
      const raw = readFileSync(transcriptPath(v), 'utf8');
      expect(transcript(v).some((l) => l.type === 'rows')).toBe(true);
      for (const value of PLANTED) expect(raw).not.toContain(value);
    }
  });
});

/** Hands out the payloads of the packets a raw socket receives, one at a time. */
function packetReader(socket: Socket, early: Buffer): () => Promise<Buffer> {
  let buf = early;
  let wake: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  return async () => {
    for (;;) {
      if (buf.length >= 4 && buf.length >= 4 + buf.readUIntLE(0, 3)) {
        const len = buf.readUIntLE(0, 3);
        const payload = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        return payload;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
    }
  };
}
