// masking.strict: a masked column may only be selected as is. Every other position — predicate,
// join condition, ORDER BY, GROUP BY, window, function argument, expression, a copy written
// elsewhere — is held for review naming the column; with no approval channel the hold ends in a
// refusal, and the server shows the statement did not run.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayHandle } from '../../src/gateway/handle.js';
import { parsePolicy } from '../../src/policy/index.js';
import type { TranscriptLine } from '../../src/transcript/events.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { pgGatewayWithSide, type SideGateway } from '../support/gateway-with-side.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

let server: PgServer;
let running: SideGateway;
let gw: GatewayHandle;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE TABLE users (id int PRIMARY KEY, name text, email text, ssn text);
    INSERT INTO users VALUES (1, 'Zed', 'zed@example.org', '123'), (2, 'Amy', 'amy@example.org', '456');
    CREATE TABLE copies (v text);
    CREATE TABLE orders (id int, user_email text);`);
  const policy = parsePolicy(
    'masking:\n  columns: [public.users.email, "*.ssn"]\n  strict: true\n',
    'guardrail.yml',
  );
  running = await pgGatewayWithSide(server, { policy, recorder });
  gw = running.gateway;
});

afterAll(async () => {
  await running?.close();
  await server?.stop();
});

async function attempt(sql: string): Promise<{ rows?: unknown[]; error?: pg.DatabaseError }> {
  const c = new pg.Client({ connectionString: gw.url });
  await c.connect();
  try {
    return { rows: (await c.query(sql)).rows };
  } catch (err) {
    return { error: err as pg.DatabaseError };
  } finally {
    await c.end();
  }
}

const HELD: [string, string, string][] = [
  ["SELECT id FROM users WHERE email LIKE 'a%'", 'public.users.email', 'a predicate'],
  ['SELECT count(*) FROM users GROUP BY ssn HAVING count(*) > 0', 'public.users.ssn', 'a GROUP BY'],
  ['SELECT id FROM users ORDER BY email', 'public.users.email', 'an ORDER BY'],
  [
    'SELECT o.id FROM orders o JOIN users u ON u.email = o.user_email',
    'public.users.email',
    'a join condition',
  ],
  ['SELECT lower(email) FROM users', 'public.users.email', 'a function argument'],
  ["SELECT email || '' FROM users", 'public.users.email', 'an expression'],
  ['SELECT id, row_number() OVER (PARTITION BY ssn) FROM users', 'public.users.ssn', 'a window'],
  [
    'SELECT id FROM users WHERE id IN (SELECT id FROM users WHERE ssn > $$1$$)',
    'public.users.ssn',
    'a predicate',
  ],
  ['SELECT x FROM (SELECT email AS x FROM users) s WHERE x > $$a$$', 'public.users.email', 'a predicate'],
  ['INSERT INTO copies SELECT email FROM users', 'public.users.email', 'a value written elsewhere'],
  [
    'UPDATE orders SET user_email = (SELECT email FROM users LIMIT 1) WHERE id = 1',
    'public.users.email',
    'a value written elsewhere',
  ],
  ['CREATE TABLE stolen AS SELECT ssn FROM users', 'public.users.ssn', 'a value written elsewhere'],
];

describe('masking strict mode (PostgreSQL)', () => {
  it.each(HELD)('holds %s for review, naming %s in %s', async (sql, column, where) => {
    const r = await attempt(sql);
    expect(r.error?.code).toBe('42501');
    expect(r.error?.message).toContain('exfiltration/masked-column-use');
    expect(r.error?.message).toContain(`masked column ${column} is used in ${where}`);
    const verdict = recorder.lines.findLast((l) => l.type === 'verdict') as Extract<
      TranscriptLine,
      { type: 'verdict' }
    >;
    expect(verdict.action).toBe('review');
    expect(verdict.findings[0]?.objects).toEqual([column]);
  });

  it('ran none of the held statements', async () => {
    expect(await server.query('SELECT count(*)::int AS n FROM copies')).toEqual([{ n: 0 }]);
    expect(await server.query("SELECT to_regclass('stolen') AS t")).toEqual([{ t: null }]);
  });

  it('lets masked columns be selected as is, and other columns be used freely', async () => {
    for (const sql of [
      'SELECT email, ssn FROM users',
      'SELECT u.email FROM users u WHERE u.id = 1 ORDER BY u.name',
      'SELECT * FROM users',
      'SELECT e FROM (SELECT email AS e FROM users) s',
      "SELECT count(*) FROM users WHERE name LIKE 'Z%'",
    ]) {
      const r = await attempt(sql);
      expect([sql, r.error?.message]).toEqual([sql, undefined]);
    }
  });
});
