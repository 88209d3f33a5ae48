// Judgement and execution on the same side of every catalog change, on a real PostgreSQL through
// the gateway: a trigger created in one session's open transaction, or while another session's
// statement is still on its way, must not run under a statement judged without it. Each case is
// proved from the server's state: the canary's rows, the table's rows, pg_trigger.
import type { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresGateway } from '../../src/gateway/postgres/listener.js';
import { defaultPolicy } from '../../src/policy/index.js';
import { MemoryRecorder } from '../../src/transcript/recorder.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';
import { postgresWithSide, type WithSide } from '../support/side-gateway.js';

/** How long the gateway lets a statement wait on another session's change (and the reverse). */
const WAIT_MS = 3_000;

let server: PgServer;
let gateway: PostgresGateway;
let withSide: WithSide<PostgresGateway> | undefined;
const recorder = new MemoryRecorder();

beforeAll(async () => {
  server = await startPostgres();
  await server.query(`
    CREATE TABLE canary (id int);
    -- Deletes every canary row (ON true); MERGE … DELETE is judged at the write that fires it.
    CREATE FUNCTION merge_wipe() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN MERGE INTO canary c USING (SELECT NEW.id AS id) s ON true WHEN MATCHED THEN DELETE; RETURN NEW; END $$;
    -- The same, for DELETE triggers (no NEW row).
    CREATE FUNCTION merge_wipe_any() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN MERGE INTO canary c USING (SELECT 1 AS id) s ON true WHEN MATCHED THEN DELETE; RETURN NULL; END $$;`);
  withSide = await postgresWithSide(server, recorder, {
    policy: { ...defaultPolicy(), catalogWaitMs: WAIT_MS },
  });
  gateway = withSide.gateway;
});

afterAll(async () => {
  await withSide?.close();
  await server?.stop();
});

beforeEach(async () => {
  await server.query('TRUNCATE canary; INSERT INTO canary SELECT generate_series(1, 10)');
});

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: gateway.url });
  await c.connect();
  return c;
}

const count = async (sql: string) => Number((await server.query<{ n: string }>(sql))[0]!.n);
const canary = () => count('SELECT count(*) AS n FROM canary');
const rows = (table: string) => count(`SELECT count(*) AS n FROM ${table}`);
const triggers = (name: string) => count(`SELECT count(*) AS n FROM pg_trigger WHERE tgname = '${name}'`);
const trigger = (name: string, table: string) =>
  `CREATE TRIGGER ${name} AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION merge_wipe()`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Settles to the error's message, or 'ok'. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.message,
  );

describe("a trigger created in another session's open transaction", () => {
  it('holds an INSERT sent before the COMMIT, which the server would have run after it, and the next one', async () => {
    await server.query('CREATE TABLE later_t (id int)');
    const a = await client();
    const b = await client();
    try {
      await b.query('INSERT INTO later_t VALUES (0)');
      await a.query('BEGIN');
      await a.query(trigger('later', 'later_t'));
      const insert = outcome(b.query('INSERT INTO later_t VALUES (1)'));
      await sleep(300);
      await a.query('COMMIT');
      expect(await insert).toMatch(/destructive\/merge-delete.*trigger later on later_t/);
      await expect(b.query('INSERT INTO later_t VALUES (2)')).rejects.toThrow(/destructive\/merge-delete/);
    } finally {
      await a.end();
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await rows('later_t')).toBe(1);
  });

  it('holds the INSERT when a stray quote in a comment and a trigger argument wraps the table name', async () => {
    await server.query('CREATE TABLE wrapped_t (id int)');
    const a = await client();
    const b = await client();
    try {
      await a.query('BEGIN');
      // Read as one quoted name by a scan that does not know comments and strings.
      await a.query(
        `CREATE TRIGGER wrapped AFTER INSERT /* " */ ON wrapped_t FOR EACH ROW EXECUTE FUNCTION merge_wipe('"')`,
      );
      const insert = outcome(b.query('INSERT INTO wrapped_t VALUES (1)'));
      await sleep(300);
      await a.query('COMMIT');
      expect(await insert).toMatch(/destructive\/merge-delete/);
    } finally {
      await a.end();
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await rows('wrapped_t')).toBe(0);
  });

  it('lets the waiting INSERT run once the transaction rolls back', async () => {
    await server.query('CREATE TABLE undone_t (id int)');
    const a = await client();
    const b = await client();
    try {
      await a.query('BEGIN');
      await a.query(trigger('undone', 'undone_t'));
      const insert = outcome(b.query('INSERT INTO undone_t VALUES (1)'));
      await sleep(300);
      await a.query('ROLLBACK');
      expect(await insert).toBe('ok');
    } finally {
      await a.end();
      await b.end();
    }
    expect(await rows('undone_t')).toBe(1);
    expect(await triggers('undone')).toBe(0);
    expect(await canary()).toBe(10);
  });

  it('refuses a statement that waited longer than the bound; it never ran', async () => {
    await server.query('CREATE TABLE stuck_t (id int)');
    const a = await client();
    const b = await client();
    try {
      await a.query('BEGIN');
      await a.query(trigger('stuck', 'stuck_t'));
      await expect(b.query('INSERT INTO stuck_t VALUES (1)')).rejects.toThrow(
        /guardrail: what it calls or fires cannot be read from the catalog: waited 3 s for another session's catalog change/,
      );
      await a.query('ROLLBACK');
      // Nothing is left waiting: the next statement runs.
      await b.query('INSERT INTO stuck_t VALUES (2)');
    } finally {
      await a.end();
      await b.end();
    }
    expect((await server.query<{ id: number }>('SELECT id FROM stuck_t')).map((r) => r.id)).toEqual([2]);
  });
});

describe('a statement judged before a trigger was created', () => {
  it('runs before the CREATE TRIGGER when it was pipelined behind a slow statement: the trigger waits for it', async () => {
    await server.query('CREATE TABLE piped_t (id int)');
    const a = await client();
    const b = await client();
    try {
      await b.query('INSERT INTO piped_t VALUES (0)');
      const piped = outcome(b.query('SELECT pg_sleep(1); INSERT INTO piped_t VALUES (1)'));
      await sleep(300);
      await a.query(trigger('piped', 'piped_t'));
      expect(await piped).toBe('ok');
      expect(await canary()).toBe(10);
      // The trigger exists now, and fires on the next INSERT, which is held.
      expect(await triggers('piped')).toBe(1);
      await expect(b.query('INSERT INTO piped_t VALUES (2)')).rejects.toThrow(/destructive\/merge-delete/);
    } finally {
      await a.end();
      await b.end();
    }
    expect(await rows('piped_t')).toBe(2);
    expect(await canary()).toBe(10);
  });

  it('is judged again when it was prepared: the execution after the CREATE TRIGGER is held', async () => {
    await server.query('CREATE TABLE prep_t (id int)');
    const a = await client();
    const b = await client();
    const insert = (id: number) =>
      b.query({ name: 'ins', text: 'INSERT INTO prep_t VALUES ($1)', values: [id] });
    try {
      await insert(1);
      await a.query(trigger('prep', 'prep_t'));
      await expect(insert(2)).rejects.toThrow(/destructive\/merge-delete.*trigger prep on prep_t/);
    } finally {
      await a.end();
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await rows('prep_t')).toBe(1);
    const notes = recorder.lines.filter((l) => l.type === 'notice' && l.code === 'catalog-changed');
    expect(JSON.stringify(notes)).toMatch(/is judged again before it runs/);
  });

  it('is judged as it runs when prepared in SQL (PREPARE … EXECUTE): the EXECUTE after the CREATE TRIGGER is held', async () => {
    await server.query('CREATE TABLE sqlprep_t (id int)');
    const a = await client();
    const b = await client();
    try {
      await b.query('PREPARE ins AS INSERT INTO sqlprep_t VALUES (1)');
      await b.query('EXECUTE ins');
      await a.query(trigger('sqlprep', 'sqlprep_t'));
      await expect(b.query('EXECUTE ins')).rejects.toThrow(
        /destructive\/merge-delete.*EXECUTE ins: trigger sqlprep/,
      );
    } finally {
      await a.end();
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await rows('sqlprep_t')).toBe(1);
  });

  it('is judged again when prepared before a trigger created on another connection, once the read expires', async () => {
    await server.query('CREATE TABLE direct_t (id int)');
    const b = await client();
    const insert = (id: number) =>
      b.query({ name: 'ins', text: 'INSERT INTO direct_t VALUES ($1)', values: [id] });
    try {
      await insert(1);
      await server.query(trigger('direct', 'direct_t'));
      // What fires on a table is taken as read for 2 s.
      await sleep(2_100);
      await expect(insert(2)).rejects.toThrow(/destructive\/merge-delete/);
    } finally {
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await rows('direct_t')).toBe(1);
  });

  it('makes the CREATE TRIGGER wait until a session that left with a statement unanswered has ended', async () => {
    await server.query('CREATE TABLE left_t (id int)');
    const a = await client();
    try {
      // Sends one Query and drops the connection under it, with no Terminate.
      const b = await client();
      b.on('error', () => undefined);
      b.query('SELECT pg_sleep(1) FROM canary LIMIT 1; INSERT INTO left_t VALUES (1)').catch(() => undefined);
      // Long enough for it to be judged and sent (what the catalog says of canary and left_t is read first).
      await sleep(300);
      (b as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
      await sleep(100);
      await a.query(trigger('left_trig', 'left_t'));
    } finally {
      await a.end();
    }
    // The INSERT ran before the trigger existed: it fired nothing.
    expect(await rows('left_t')).toBe(1);
    expect(await triggers('left_trig')).toBe(1);
    expect(await canary()).toBe(10);
  });

  it('refuses the CREATE TRIGGER when a statement judged without it stays unanswered past the bound', async () => {
    await server.query('CREATE TABLE slow_t (id int)');
    const a = await client();
    const b = await client();
    try {
      const slow = outcome(b.query('SELECT pg_sleep(5) FROM canary LIMIT 1; INSERT INTO slow_t VALUES (1)'));
      await sleep(300);
      await expect(a.query(trigger('slow', 'slow_t'))).rejects.toThrow(
        /guardrail: catalog change not sent: waited 3 s for other sessions' statements/,
      );
      expect(await slow).toBe('ok');
    } finally {
      await a.end();
      await b.end();
    }
    expect(await triggers('slow')).toBe(0);
    expect(await rows('slow_t')).toBe(1);
    expect(await canary()).toBe(10);
  });
});

describe('a change to a table related to the one a statement names', () => {
  it('waits for an INSERT into a partition when the trigger is created on the partitioned table (and cloned)', async () => {
    await server.query(`CREATE TABLE part_p (id int) PARTITION BY RANGE (id);
      CREATE TABLE part_c PARTITION OF part_p FOR VALUES FROM (0) TO (100)`);
    const a = await client();
    const b = await client();
    try {
      const piped = outcome(b.query('SELECT pg_sleep(1) FROM canary LIMIT 1; INSERT INTO part_c VALUES (1)'));
      await sleep(300);
      await a.query(trigger('part_wipe', 'part_p'));
      expect(await piped).toBe('ok');
      await expect(b.query('INSERT INTO part_c VALUES (2)')).rejects.toThrow(/destructive\/merge-delete/);
    } finally {
      await a.end();
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await rows('part_c')).toBe(1);
  });

  it('waits for a DELETE that cascades to the table the trigger is created on', async () => {
    await server.query(`CREATE TABLE fk_p (id int PRIMARY KEY);
      CREATE TABLE fk_c (pid int REFERENCES fk_p ON DELETE CASCADE);
      INSERT INTO fk_p VALUES (1), (2); INSERT INTO fk_c VALUES (1), (2)`);
    const a = await client();
    const b = await client();
    try {
      const piped = outcome(b.query('SELECT pg_sleep(1) FROM canary LIMIT 1; DELETE FROM fk_p WHERE id = 1'));
      await sleep(300);
      await a.query(
        'CREATE TRIGGER fk_wipe AFTER DELETE ON fk_c FOR EACH ROW EXECUTE FUNCTION merge_wipe_any()',
      );
      expect(await piped).toBe('ok');
      await expect(b.query('DELETE FROM fk_p WHERE id = 2')).rejects.toThrow(/destructive\/merge-delete/);
    } finally {
      await a.end();
      await b.end();
    }
    expect(await canary()).toBe(10);
    expect(await rows('fk_c')).toBe(1);
  });
});

describe('statements and changes that name nothing in common pass each other', () => {
  it("lets a second connection write its history table while the migration's DDL is uncommitted, and the DDL wait for nothing", async () => {
    await server.query('CREATE TABLE history (v int)');
    const m = await client();
    const h = await client();
    const order: string[] = [];
    try {
      await m.query('BEGIN');
      await m.query('CREATE TABLE migrated (id int)');
      // Reaches only `history`, which the open DDL does not name: runs at once.
      await h.query('INSERT INTO history VALUES (1)');
      const slow = h.query('SELECT pg_sleep(1) FROM history LIMIT 1').then(() => order.push('slow'));
      await sleep(200);
      // Does not wait for the slow read of `history` either.
      await m.query('ALTER TABLE migrated ADD COLUMN c int');
      order.push('alter');
      await m.query('COMMIT');
      await slow;
    } finally {
      await m.end();
      await h.end();
    }
    expect(order).toEqual(['alter', 'slow']);
    expect(await rows('history')).toBe(1);
    expect(
      await count("SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'migrated'"),
    ).toBe(2);
  });
});

describe('only enforce mode waits', () => {
  it("holds a read of a table another session's open transaction put a trigger on until it commits, in enforce mode; audit mode lets it run", async () => {
    await server.query('CREATE TABLE modes_t (id int)');
    const audit = await postgresWithSide(server, new MemoryRecorder(), {
      policy: { ...defaultPolicy(), mode: 'audit', catalogWaitMs: WAIT_MS },
    });
    const order: string[] = [];
    const run = async (url: string, name: string) => {
      const a = new pg.Client({ connectionString: url });
      const b = new pg.Client({ connectionString: url });
      await a.connect();
      await b.connect();
      try {
        await a.query('BEGIN');
        await a.query(trigger(`modes_${name}`, 'modes_t'));
        // SELECT takes no lock the trigger's creation holds: only the gateway can make it wait.
        const read = b.query('SELECT count(*) FROM modes_t').then(() => order.push(`${name} read`));
        await sleep(300);
        order.push(`${name} commit`);
        await a.query('COMMIT');
        await read;
      } finally {
        await a.end();
        await b.end();
      }
    };
    try {
      await run(gateway.url, 'enforce');
      await run(audit.gateway.url, 'audit');
    } finally {
      await audit.close();
    }
    expect(order).toEqual(['enforce commit', 'enforce read', 'audit read', 'audit commit']);
  });
});
