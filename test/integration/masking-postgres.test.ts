// Proposed as test/integration/masking-postgres.test.ts: masking's pure functions checked against
// a real PostgreSQL: lineage widths and origins against real RowDescriptions, and masked COPY
// output that the server itself loads back.
import { execFileSync } from 'node:child_process';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogRelation,
  compileMasking,
  type LineageCatalog,
  maskCopyCsv,
  maskCopyText,
} from '../../src/masking/index.js';
import { loadPostgresParser } from '../../src/sql/postgres/parser.js';
import { type PgServer, startPostgres } from '../support/pg-server.js';

// The Postgres parser's WebAssembly is loaded on first use, as the gateway context does.
beforeAll(loadPostgresParser);

let server: PgServer;
let client: pg.Client;
const masking = compileMasking({ columns: ['public.users.email', '*.ssn', 'billing.cards.*'] });

beforeAll(async () => {
  server = await startPostgres();
  client = await server.client();
  await client.query(`
    CREATE TABLE users (id int PRIMARY KEY, name text, email text, ssn text, data jsonb);
    CREATE TABLE orders (id int, user_id int, total numeric, note text);
    CREATE SCHEMA billing; CREATE TABLE billing.cards (id int, user_id int, number text);
    CREATE VIEW v_contacts AS SELECT id, lower(email) AS contact FROM users;
    CREATE VIEW v_nested(who, how) AS SELECT contact, id FROM v_contacts;
    CREATE MATERIALIZED VIEW m_emails AS SELECT id, email FROM users;
    INSERT INTO users VALUES (1, 'a', E'a\\tb\\nc\\\\d,"q"@x.com', '123-45-6789', '{"k":1}'), (2, 'b', NULL, NULL, NULL);
    INSERT INTO orders VALUES (1, 1, 5, E'multi\\nline, "quoted"');
  `);
});
afterAll(async () => {
  await client?.end();
  await server?.stop();
});

async function loadCatalog(): Promise<LineageCatalog> {
  const { rows } = await client.query(`
    SELECT n.nspname, c.relname, c.relkind, CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS def,
           array(SELECT attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY attnum) AS cols
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'billing') AND c.relkind IN ('r', 'v', 'm')`);
  const relations = new Map<string, CatalogRelation>();
  for (const r of rows) {
    relations.set(`${r.nspname}.${r.relname}`, {
      kind: r.relkind === 'r' ? 'table' : 'view',
      columns: r.cols,
      ...(r.def ? { definition: r.def } : {}),
    });
  }
  const { rows: path } = await client.query('SELECT current_schemas(true)::text[] AS s');
  return {
    searchPath: path[0].s,
    relation: (s, n) => relations.get(`${s}.${n}`),
    isUserFunction: () => false,
  };
}

describe('lineage against real RowDescriptions', () => {
  it.each([
    'SELECT * FROM users',
    'SELECT u.*, o.total FROM users u JOIN orders o ON o.user_id = u.id',
    'SELECT * FROM users JOIN orders USING (id)',
    'SELECT * FROM users NATURAL JOIN billing.cards',
    'SELECT j.* FROM (users JOIN orders USING (id)) AS j(a, b, c)',
    'SELECT * FROM v_contacts',
    'SELECT * FROM v_nested',
    'SELECT * FROM m_emails',
    'SELECT e.key, e.value FROM users u, jsonb_each(to_jsonb(u)) e',
    'SELECT * FROM users u, jsonb_each(u.data) e',
    'WITH d AS (SELECT email, id FROM users) SELECT * FROM d',
    'SELECT * FROM (VALUES (1)) v(x) UNION ALL SELECT id FROM users',
    'SELECT * FROM users, unnest(ARRAY[1, 2]) WITH ORDINALITY',
    "SELECT * FROM jsonb_to_record('{}') AS r(a int, b text)",
    'SELECT * FROM users u, LATERAL (SELECT u.email AS e) l',
    'SELECT to_jsonb(u), lower(email), count(*) OVER () FROM users u',
  ])('%s', async (sql) => {
    const catalog = await loadCatalog();
    const lineage = masking.maskedOutputs(sql, catalog);
    if (lineage.refuse) throw new Error(lineage.reason);
    const statement = lineage.statements[0]!;
    const result = await client.query({ text: sql, rowMode: 'array' });
    const cache = masking.resolverCache();
    let plan = masking.pgRowPlan(
      result.fields.map((f) => ({ tableOid: f.tableID, attnum: f.columnID, typeOid: f.dataTypeID })),
      statement,
      cache,
    );
    if (plan.kind === 'lookup') {
      for (const { tableOid, attnum } of plan.missing) {
        const { rows } = await client.query(
          `SELECT n.nspname, c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attrelid = $1 AND a.attnum = $2`,
          [tableOid, attnum],
        );
        cache.set(
          tableOid,
          attnum,
          rows[0] ? { schema: rows[0].nspname, table: rows[0].relname, column: rows[0].attname } : null,
        );
      }
      plan = masking.pgRowPlan(
        result.fields.map((f) => ({ tableOid: f.tableID, attnum: f.columnID, typeOid: f.dataTypeID })),
        statement,
        cache,
      );
    }
    expect(plan.kind).toBe('plan');
    expect(statement.exact).toBe(true);
    expect(statement.columns.map((c) => c.name)).toEqual(result.fields.map((f) => f.name));
    // Every column the server names as coming from a masked column, lineage masks too.
    result.fields.forEach((f, i) => {
      if (cache.masked(f.tableID, f.columnID)) expect(statement.columns[i]!.masked, f.name).toBe(true);
    });
  });
});

describe('masked COPY output is valid COPY input', () => {
  const psql = (sql: string, input?: Buffer) =>
    execFileSync('psql', [server.url(), '-X', '-q', '-A', '-t', '-c', sql], input ? { input } : {});

  it.each([
    ['text', (d: Buffer, p: Parameters<typeof maskCopyText>[1]) => maskCopyText(d, p)],
    ['csv', (d: Buffer, p: Parameters<typeof maskCopyText>[1]) => maskCopyCsv(d, p)],
  ] as const)('%s', async (format, mask) => {
    const lineage = masking.maskedOutputs('COPY users TO STDOUT', await loadCatalog());
    if (lineage.refuse) throw new Error(lineage.reason);
    const plan = masking.plan(
      lineage.statements[0]!.columns.map((c) => ({ masked: c.masked, textLike: c.name !== 'ssn' })),
    );
    const masked = mask(psql(`COPY users TO STDOUT (FORMAT ${format})`), plan);
    psql('DROP TABLE IF EXISTS back; CREATE TABLE back (LIKE users)');
    psql(`COPY back FROM STDIN (FORMAT ${format})`, masked);
    expect(
      psql(
        "SELECT string_agg(concat_ws('|', id, name, email, coalesce(ssn, 'NULL'), data), ';' ORDER BY id) FROM back",
      )
        .toString()
        .trim(),
    ).toBe('1|a|[masked]|NULL|{"k": 1};2|b|[masked]|NULL');
  });
});
