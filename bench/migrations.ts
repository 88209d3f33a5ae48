// "Real migrations": `guardrail check` over a directory of generated migration files, in one
// process, per dialect. The files mimic long-lived service schemas (Go `*.up.sql` / `*.down.sql`
// pairs): tables created early and altered for years, indexes and views rebuilt, type changes
// (mostly no-op or widening, some narrowing), data fixes before a narrowing, trigger functions.
// Reports statements per CPU-second of the whole check (reading files, both analyses, schema
// judgement, policy) and the share of statements flagged per rule. Target: ≥ 2,000 statements/s.
// Standalone smoke run: `node scripts/run-ts.mjs bench/migrations.ts 40` (files per dialect).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFiles } from '../src/cli/check.js';
import { actionFor, defaultPolicy } from '../src/policy/index.js';
import { clearAnalysisCaches } from '../src/sql/analyze.js';
import type { Dialect } from '../src/sql/types.js';

/** A small deterministic generator (the same files every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Shapes {
  createTable(t: string): string;
  statements(t: string, i: number, pick: () => number): string[];
}

const PG: Shapes = {
  createTable: (t) =>
    `CREATE TABLE ${t} (\n    id bigserial PRIMARY KEY,\n    account_id bigint NOT NULL,\n    name varchar(255) NOT NULL,\n    note text,\n    amount numeric(12, 2),\n    payload jsonb NOT NULL DEFAULT '{}',\n    created_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX ${t}_account_idx ON ${t} (account_id);\nCREATE VIEW ${t}_recent AS SELECT id, name FROM ${t} WHERE created_at > now() - interval '7 days';`,
  statements: (t, i, pick) => {
    const r = pick();
    if (r < 0.15) return [`ALTER TABLE ${t} ADD COLUMN extra_${i} varchar(64);`];
    if (r < 0.25) return [`ALTER TABLE ${t} ALTER COLUMN payload TYPE jsonb;`];
    if (r < 0.3) return [`ALTER TABLE ${t} ALTER COLUMN name TYPE text;`];
    if (r < 0.34)
      return [
        `DELETE FROM ${t} WHERE length(name) > 40;`,
        `ALTER TABLE ${t} ALTER COLUMN name TYPE varchar(40);`,
      ];
    if (r < 0.45)
      return [
        `DROP VIEW IF EXISTS ${t}_recent;`,
        `CREATE VIEW ${t}_recent AS SELECT id, name, created_at FROM ${t} WHERE created_at > now() - interval '30 days';`,
      ];
    if (r < 0.55)
      return [
        `DROP INDEX IF EXISTS ${t}_account_idx;`,
        `CREATE INDEX CONCURRENTLY ${t}_account_idx ON ${t} (account_id, created_at);`,
      ];
    if (r < 0.62)
      return [
        `CREATE OR REPLACE FUNCTION ${t}_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    NEW.created_at := now();\n    UPDATE ${t}_stats SET n = n + 1 WHERE table_name = '${t}';\n    RETURN NEW;\nEND\n$$;`,
        `DROP TRIGGER IF EXISTS ${t}_touch ON ${t};`,
        `CREATE TRIGGER ${t}_touch BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${t}_touch();`,
      ];
    if (r < 0.7) return [`ALTER TABLE ${t} ALTER COLUMN note DROP NOT NULL;`];
    if (r < 0.78)
      return [
        `UPDATE ${t} SET note = '' WHERE note IS NULL;`,
        `ALTER TABLE ${t} ALTER COLUMN note SET NOT NULL;`,
      ];
    if (r < 0.86)
      return [
        `ALTER TABLE ${t} ADD CONSTRAINT ${t}_amount_${i} CHECK (amount >= 0) NOT VALID;`,
        `ALTER TABLE ${t} VALIDATE CONSTRAINT ${t}_amount_${i};`,
      ];
    if (r < 0.92) return [`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${t}_name_${i}_idx ON ${t} (name);`];
    if (r < 0.96) return [`INSERT INTO ${t} (account_id, name) VALUES (1, 'seed ${i}');`];
    return [`DROP VIEW IF EXISTS ${t}_legacy_${i};`];
  },
};

const MY: Shapes = {
  createTable: (t) =>
    `CREATE TABLE ${t} (\n  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n  account_id BIGINT UNSIGNED NOT NULL,\n  name VARCHAR(255) NOT NULL,\n  note TEXT,\n  amount DECIMAL(12,2),\n  status ENUM('new','active','closed') NOT NULL DEFAULT 'new',\n  created_at DATETIME NOT NULL,\n  PRIMARY KEY (id),\n  KEY ${t}_account_idx (account_id)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nCREATE VIEW ${t}_recent AS SELECT id, name FROM ${t} WHERE created_at > NOW() - INTERVAL 7 DAY;`,
  statements: (t, i, pick) => {
    const r = pick();
    if (r < 0.15) return [`ALTER TABLE ${t} ADD COLUMN extra_${i} VARCHAR(64) NULL;`];
    if (r < 0.25) return [`ALTER TABLE ${t} MODIFY COLUMN name VARCHAR(255) NOT NULL;`];
    if (r < 0.3) return [`ALTER TABLE ${t} MODIFY COLUMN amount DECIMAL(14,2);`];
    if (r < 0.34)
      return [
        `DELETE FROM ${t} WHERE CHAR_LENGTH(name) > 40;`,
        `ALTER TABLE ${t} MODIFY COLUMN name VARCHAR(40) NOT NULL;`,
      ];
    if (r < 0.45)
      return [
        `DROP VIEW IF EXISTS ${t}_recent;`,
        `CREATE VIEW ${t}_recent AS SELECT id, name, created_at FROM ${t} WHERE created_at > NOW() - INTERVAL 30 DAY;`,
      ];
    if (r < 0.55)
      return [
        `DROP INDEX IF EXISTS ${t}_account_idx ON ${t};`,
        `CREATE INDEX IF NOT EXISTS ${t}_account_idx ON ${t} (account_id, created_at);`,
      ];
    if (r < 0.62)
      return [
        `DROP TRIGGER IF EXISTS ${t}_bi;`,
        `CREATE TRIGGER ${t}_bi BEFORE INSERT ON ${t} FOR EACH ROW SET NEW.created_at = NOW();`,
      ];
    if (r < 0.7)
      return [
        `ALTER TABLE ${t} MODIFY COLUMN status ENUM('new','active','closed','archived') NOT NULL DEFAULT 'new';`,
      ];
    if (r < 0.78) return [`UPDATE ${t} SET note = '' WHERE note IS NULL;`];
    if (r < 0.86) return [`ALTER TABLE ${t} ADD INDEX IF NOT EXISTS ${t}_name_${i}_idx (name);`];
    if (r < 0.92) return [`ALTER TABLE ${t} ADD CONSTRAINT ${t}_amount_${i} CHECK (amount >= 0);`];
    if (r < 0.96) return [`INSERT INTO ${t} (account_id, name, created_at) VALUES (1, 'seed ${i}', NOW());`];
    return [`DROP VIEW IF EXISTS ${t}_legacy_${i};`];
  },
};

/** Writes `files` migrations (plus their down files) for `dialect` into a new directory. */
export function generateMigrations(dialect: Dialect, files: number): string {
  const dir = mkdtempSync(join(tmpdir(), `guardrail-bench-migrations-${dialect}-`));
  const shapes = dialect === 'postgres' ? PG : MY;
  const pick = rng(dialect === 'postgres' ? 7 : 11);
  const tables: string[] = [];
  for (let i = 0; i < files; i++) {
    const name = `${String(20200101000000 + i * 100)}_step_${i}`;
    let up: string[];
    // Every eighth file (and the first) creates a table; the others change existing ones.
    if (i % 8 === 0 || tables.length === 0) {
      const t = `t${tables.length}`;
      tables.push(t);
      up = [shapes.createTable(t)];
    } else {
      const t = tables[Math.floor(pick() * tables.length)]!;
      up = [...shapes.statements(t, i, pick), ...shapes.statements(t, i + 1, pick)];
    }
    writeFileSync(join(dir, `${name}.up.sql`), `${up.join('\n')}\n`);
    writeFileSync(join(dir, `${name}.down.sql`), '-- irreversible\n');
  }
  return dir;
}

export interface MigrationsBench {
  dialect: Dialect;
  files: number;
  statements: number;
  perSec: number;
  /** rule → [statements with it, level under the default policy]. */
  rules: [string, number, string][];
  flaggedShare: number;
}

async function benchDialect(dialect: Dialect, files: number): Promise<MigrationsBench> {
  const dir = generateMigrations(dialect, files);
  try {
    const policy = defaultPolicy();
    // Warm-up (libpg-query's wasm compiles on first use), then a cold-cache measured run.
    await checkFiles([dir], { dialect, policy });
    clearAnalysisCaches();
    const before = process.cpuUsage();
    const r = await checkFiles([dir], { dialect, policy });
    const used = process.cpuUsage(before);
    const seconds = (used.user + used.system) / 1e6;
    const perRule = new Map<string, { n: number; level: string }>();
    for (const s of r.statements)
      for (const rule of new Set(s.findings.map((f) => f.rule))) {
        const f = s.findings.find((x) => x.rule === rule)!;
        const e = perRule.get(rule) ?? { n: 0, level: actionFor(f, policy) };
        e.n++;
        perRule.set(rule, e);
      }
    const n = r.statements.length;
    return {
      dialect,
      files: r.files.length,
      statements: n,
      perSec: Math.round(n / seconds),
      rules: [...perRule].sort((a, b) => b[1].n - a[1].n).map(([rule, e]) => [rule, e.n, e.level]),
      flaggedShare: r.statements.filter((s) => s.findings.length > 0).length / n,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchMigrations(opts: { files?: number } = {}): Promise<MigrationsBench[]> {
  const files = opts.files ?? 400;
  return [await benchDialect('postgres', files), await benchDialect('mysql', files)];
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** A Markdown section body for BENCHMARKS.md. */
export function renderMigrationsBench(results: MigrationsBench[]): string {
  const lines = [
    '| dialect | files | statements | statements/s (CPU) | flagged |',
    '|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.dialect} | ${r.files} | ${r.statements} | ${r.perSec.toLocaleString('en')} | ${pct(r.flaggedShare)} |`,
    ),
    '',
    '| dialect | rule | level | share of statements |',
    '|---|---|---|---|',
  ];
  for (const r of results)
    for (const [rule, n, level] of r.rules)
      lines.push(`| ${r.dialect} | \`${rule}\` | ${level} | ${pct(n / r.statements)} |`);
  lines.push(
    '',
    'One `guardrail check` of a generated directory per dialect (each file its own session, earlier files its history), caches cleared first; statements per CPU-second of the process. Target: ≥ 2,000 statements/s.',
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = Number(process.argv[2] ?? 400);
  console.log(renderMigrationsBench(await benchMigrations({ files })));
}
