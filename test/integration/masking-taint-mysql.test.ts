// MySQL routes that carry a masked value out of a statement besides its result columns: the
// warnings it leaves (SHOW WARNINGS, SHOW ERRORS, GET DIAGNOSTICS), the text of its errors (an
// XPATH error quoting the value), and user variables it writes. Real MariaDB, mysql2 as the
// client, on-wire masking; the client's output and the transcript are searched for the planted
// values and their simple transformations.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayContext } from '../../src/gateway/context.js';
import { type MysqlGateway, startMysqlGateway } from '../../src/gateway/mysql/gateway.js';
import { type MysqlSide, mysqlSide } from '../../src/gateway/side-connection.js';
import { parsePolicy } from '../../src/policy/index.js';
import { FileRecorder } from '../../src/transcript/recorder.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';

const EMAIL = 'zed.planted@example.org';
const SSN = 'QX7PLANT99';

function variants(v: string): string[] {
  return [v, v.toUpperCase(), v.toLowerCase(), v.replace(/[.@]/g, '_'), v.replace('@', '_')];
}

let db: MariaDbServer;
let side: MysqlSide;
let gw: MysqlGateway;
let recorder: FileRecorder;
const transcriptPath = join(mkdtempSync(join(tmpdir(), 'guardrail-taint-my-')), 'transcript.jsonl');

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(`
    CREATE TABLE app.users (id int PRIMARY KEY, name varchar(50), email varchar(100), ssn varchar(20));
    INSERT INTO app.users VALUES (1, 'Zed', '${EMAIL}', '${SSN}');
    CREATE TABLE app.orders (id int PRIMARY KEY, item varchar(50));
    INSERT INTO app.orders VALUES (1, 'book');`);
  recorder = new FileRecorder(transcriptPath);
  const url = `${db.url()}?ssl-mode=disable`;
  side = mysqlSide(url);
  const context = await createGatewayContext({
    dialect: 'mysql',
    policy: parsePolicy(
      'masking:\n  columns: [app.users.email, "*.ssn"]\n  on-wire: true\n',
      'guardrail.yml',
    ),
    recorder,
    side: { dialect: 'mysql', connection: side },
    database: { name: 'app', host: db.host, role: db.user },
  });
  gw = await startMysqlGateway({ upstream: url, context, catalog: side, tls: false });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  recorder?.close();
  await side?.close();
  await db?.stop();
});

/** Everything the client saw: rows and errors, in order. */
class Seen {
  readonly text: string[] = [];
  readonly errors: { errno: number; message: string }[] = [];
  constructor(private readonly c: mysql.Connection) {}
  async run(sql: string): Promise<unknown> {
    try {
      const [rows] = await this.c.query(sql);
      this.text.push(JSON.stringify(rows));
      return rows;
    } catch (err) {
      const e = err as { errno: number; message: string; sqlMessage?: string };
      this.errors.push({ errno: e.errno, message: e.message });
      this.text.push(JSON.stringify(e));
      return undefined;
    }
  }
}

async function session(): Promise<Seen> {
  const c = await db.connect({
    host: gw.host,
    port: gw.port,
    user: gw.user,
    password: gw.password,
    database: 'app',
    ssl: undefined,
  });
  return new Seen(c);
}

function expectNothingOf(text: string): void {
  const found = [...variants(EMAIL), ...variants(SSN)].filter((v) => text.includes(v));
  expect(found).toEqual([]);
}

function transcript(): string {
  recorder.flush();
  return readFileSync(transcriptPath, 'utf8');
}

describe('MySQL taint', () => {
  it('warnings left by a statement over masked columns come back masked', async () => {
    const s = await session();
    await s.run('SELECT email + 0 AS n FROM users');
    const warnings = (await s.run('SHOW WARNINGS')) as { Message: string }[];
    await s.run('SELECT ssn * 1 AS n FROM users');
    const errors = await s.run('SHOW ERRORS');
    await s.run('SELECT UPPER(ssn) + 0 AS n FROM users');
    await s.run('GET DIAGNOSTICS CONDITION 1 @m = MESSAGE_TEXT');
    await s.run('SELECT @m AS m, UPPER(@m) AS u');
    expect(warnings[0]?.Message).toBe('[masked]');
    expect(errors).toBeDefined();
    // The warning really was there (the server's own count), and an unmasked table clears the taint.
    const count = (await s.run('SHOW COUNT(*) WARNINGS')) as Record<string, unknown>[];
    expect(Object.values(count[0]!)[0]).not.toBe(0);
    await s.run('SELECT item + 0 AS n FROM orders');
    const clear = (await s.run('SHOW WARNINGS')) as { Message: string }[];
    expect(clear[0]?.Message).toBe("Truncated incorrect DOUBLE value: 'book'");
    expectNothingOf(s.text.join('\n'));
    expectNothingOf(transcript());
  });

  it('errors of a statement over masked columns keep their number and withhold their text', async () => {
    const s = await session();
    await s.run("SELECT EXTRACTVALUE(1, CONCAT(0x7e, (SELECT REPLACE(email, '@', '_') FROM users LIMIT 1)))");
    await s.run('SELECT id FROM users WHERE 1 = EXTRACTVALUE(1, CONCAT(0x7e, LOWER(ssn)))');
    expect(s.errors.map((e) => e.errno)).toEqual([1105, 1105]);
    for (const e of s.errors) expect(e.message).toMatch(/masking withheld the text/);
    expectNothingOf(s.text.join('\n'));
    expectNothingOf(transcript());
  });

  it('user variables written from masked columns are not read back in clear', async () => {
    const s = await session();
    await s.run('SET @v = (SELECT email FROM users LIMIT 1)');
    await s.run('SELECT ssn INTO @w FROM users LIMIT 1');
    await s.run('SELECT @v AS v, REPLACE(@v, "@", "_") AS r, UPPER(@w) AS w');
    await s.run('SELECT CONCAT(@v, "") AS v');
    expectNothingOf(s.text.join('\n'));
    expectNothingOf(transcript());
  });
});
