// The cost of following what a statement sets in motion (issue 14): the calls it reaches and what
// fires on the relations it touches, read from a real PostgreSQL's catalog the way the gateway
// reads it (src/gateway/resolve.ts), then the analysis with that knowledge. Cold: the caches are
// dropped before every statement, so each pays its catalog round trips (a local server, over
// TCP). Warm: the facts are cached (as for the thousands of writes of a backfill), so the cost
// is the analyzer's walk over them. The plain analysis, with no catalog, is the baseline.
import { PostgresFiredCatalog } from '../src/gateway/postgres/fired-catalog.js';
import { PostgresFunctionCatalog } from '../src/gateway/postgres/function-catalog.js';
import { resolveReached } from '../src/gateway/resolve.js';
import { analyze, reachedPostgres } from '../src/sql/analyze.js';
import type { AnalysisContext } from '../src/sql/types.js';
import { startPostgres } from '../test/support/pg-server.js';

export interface ResolutionRow {
  statement: string;
  /** Median µs: analysis without any catalog. */
  plainUs: number;
  /** Median µs: resolution with empty caches (round trips included) and analysis. */
  coldUs: number;
  /** Catalog round trips a cold resolution took. */
  roundTrips: number;
  /** Median µs: resolution from warm caches and analysis. */
  warmUs: number;
}

const SETUP = `
CREATE TABLE audit (id int, at timestamptz DEFAULT now());
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN INSERT INTO audit (id) VALUES (NEW.id); RETURN NEW; END $$;
CREATE FUNCTION positive(x int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x > 0 $$;
CREATE TABLE orders (id serial PRIMARY KEY, total int CHECK (positive(total)), at timestamptz DEFAULT now());
CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE RULE orders_keep AS ON DELETE TO orders WHERE old.total > 1000 DO INSTEAD NOTHING;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY visible ON orders USING (positive(total));
CREATE FUNCTION c3() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION c2() RETURNS int LANGUAGE sql AS $$ SELECT c3() $$;
CREATE FUNCTION c1() RETURNS int LANGUAGE sql AS $$ SELECT c2() $$;
CREATE VIEW big_orders AS SELECT id, total, c1() AS c FROM orders WHERE positive(total - 100);`;

const STATEMENTS = [
  'INSERT INTO orders (total) VALUES (42)',
  'DELETE FROM orders WHERE id = 7',
  'SELECT * FROM big_orders WHERE id = 7',
  'SELECT c1()',
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function timed(run: () => unknown, rounds: number, before: () => void = () => {}): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    before();
    const t0 = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(times);
}

export async function benchResolution(opts: { rounds?: number } = {}): Promise<ResolutionRow[]> {
  const rounds = opts.rounds ?? 200;
  const server = await startPostgres();
  const db = await server.client();
  let trips = 0;
  const counted = {
    query: (text: string, values?: unknown[]) => {
      trips++;
      return db.query(text, values);
    },
  };
  try {
    await server.query(SETUP);
    const functions = new PostgresFunctionCatalog(counted);
    const fired = new PostgresFiredCatalog(counted, { ttlMs: 3_600_000 });
    const ctx: AnalysisContext = { dialect: 'postgres', functions, fired };
    const catalogs = { functions, fired, reach: reachedPostgres };
    const resolveAndAnalyze = async (text: string) => {
      await resolveReached(catalogs, text, ctx);
      const a = analyze(text, ctx);
      if (a.findings.length > 0)
        throw new Error(`${text}: unexpected findings ${a.findings.map((f) => f.rule)}`);
    };
    const drop = () => {
      functions.invalidate();
      fired.invalidate();
    };
    const rows: ResolutionRow[] = [];
    for (const statement of STATEMENTS) {
      const plainUs = await timed(() => analyze(statement, { dialect: 'postgres' }), rounds);
      drop();
      trips = 0;
      await resolveAndAnalyze(statement);
      const roundTrips = trips;
      const coldUs = await timed(() => resolveAndAnalyze(statement), rounds, drop);
      const warmUs = await timed(() => resolveAndAnalyze(statement), rounds * 10);
      rows.push({ statement, plainUs, coldUs, roundTrips, warmUs });
    }
    return rows;
  } finally {
    await db.end();
    await server.stop();
  }
}

export function renderResolution(rows: ResolutionRow[]): string {
  return [
    '',
    'Following what a statement sets in motion (calls, and the triggers, rules, policies, defaults, checks and views it fires), against a local PostgreSQL catalog (`bench/resolution.ts`): a table with a trigger writing an audit table, a rule, a check and a policy calling a function; a view calling a chain of three functions.',
    '',
    '| statement | analysis alone (µs, median) | cold: catalog read + analysis (µs, median) | round trips (cold) | warm cache + analysis (µs, median) |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| \`${r.statement}\` | ${r.plainUs.toFixed(1)} | ${r.coldUs.toFixed(0)} | ${r.roundTrips} | ${r.warmUs.toFixed(1)} |`,
    ),
  ].join('\n');
}
