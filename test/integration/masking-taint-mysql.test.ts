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
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { FileRecorder } from '../../src/gateway/transcript-file.js';
import { parsePolicy } from '../../src/policy/index.js';
import { connectThrough, mysqlGatewayWithSide, type SideGateway } from '../support/gateway-with-side.js';
import { type MariaDbServer, startMariaDb } from '../support/mariadb-server.js';
import { plantedIn } from '../support/planted.js';

const EMAIL = 'zed.planted@example.org';
const SSN = 'QX7PLANT99';

let db: MariaDbServer;
let running: SideGateway;
let gw: GatewayHandle;
let recorder: FileRecorder;
const transcriptPath = join(mkdtempSync(join(tmpdir(), 'guardrail-taint-my-')), 'transcript.jsonl');

beforeAll(async () => {
  db = await startMariaDb();
  await db.admin(`
    CREATE TABLE app.users (id int PRIMARY KEY, name varchar(50), email varchar(100), ssn varchar(20));
    INSERT INTO app.users VALUES (1, 'Zed', '${EMAIL}', '${SSN}');
    CREATE TABLE app.orders (id int PRIMARY KEY, item varchar(50));
    INSERT INTO app.orders VALUES (1, 'book');
    CREATE PROCEDURE app.probe_sig() BEGIN DECLARE v VARCHAR(100); SELECT email INTO v FROM app.users LIMIT 1; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v; END;
    CREATE FUNCTION app.probe_fn() RETURNS VARCHAR(100) READS SQL DATA RETURN (SELECT ssn FROM app.users LIMIT 1);`);
  recorder = new FileRecorder(transcriptPath);
  running = await mysqlGatewayWithSide(db, {
    policy: parsePolicy(
      'masking:\n  columns: [app.users.email, "*.ssn"]\n  on-wire: true\n',
      'guardrail.yml',
    ),
    recorder,
  });
  gw = running.gateway;
}, 60_000);

afterAll(async () => {
  await running?.close();
  recorder?.close();
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
  const c = await connectThrough(db, gw, 'app');
  return new Seen(c);
}

function expectNothingOf(text: string): void {
  expect(plantedIn(text, [EMAIL, SSN])).toEqual([]);
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

  it('SIGNAL with MESSAGE_TEXT from a masked column, stored functions and := assignments let nothing out', async () => {
    const s = await session();
    await s.run(
      "BEGIN NOT ATOMIC DECLARE v VARCHAR(100); SELECT email INTO v FROM users LIMIT 1; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v; END",
    );
    await s.run('CALL probe_sig()');
    await s.run('SELECT probe_fn() AS v');
    await s.run('SELECT @x := email AS a FROM users');
    await s.run('SELECT @x AS v');
    await s.run('SELECT 1 FROM users WHERE (@z := ssn) IS NOT NULL');
    await s.run('SELECT @z AS v');
    expect(s.errors.slice(0, 2).map((e) => e.errno)).toEqual([1644, 1644]);
    for (const e of s.errors.slice(0, 2)) expect(e.message).toMatch(/masking withheld the text/);
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
