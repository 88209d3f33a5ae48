// Keeps docs/architecture.md's import rules true: every import and re-export specifier of every
// src/**/*.ts file is checked against the folder table below (DESIGN.md's "Layout"). A folder may
// import the folders listed for it, with values or with types only (`import type`, or every
// named specifier marked `type`). What the code does today against the design is listed in
// KNOWN_EXCEPTIONS, each with its reason; an entry that no longer occurs fails too, so the list
// only shrinks.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

type Use = 'values' | 'types';
type Folder =
  | 'action'
  | 'cli'
  | 'gateway'
  | 'approvals'
  | 'credentials'
  | 'broker'
  | 'policy'
  | 'sql'
  | 'impact'
  | 'masking'
  | 'transcript'
  | 'errors';

const BELOW_CLI: Record<string, Use> = {
  gateway: 'values',
  approvals: 'values',
  credentials: 'values',
  broker: 'values',
  policy: 'values',
  sql: 'values',
  impact: 'values',
  masking: 'values',
  transcript: 'values',
  errors: 'values',
};

/** DESIGN.md's table: what each folder of src/ may import. */
const RULES: Record<Folder, Record<string, Use>> = {
  action: { cli: 'values', ...BELOW_CLI },
  cli: BELOW_CLI,
  gateway: {
    approvals: 'values',
    policy: 'values',
    sql: 'values',
    masking: 'values',
    transcript: 'values',
    errors: 'values',
    credentials: 'types',
  },
  approvals: { policy: 'types', errors: 'values' },
  credentials: { errors: 'values' },
  broker: { credentials: 'types', errors: 'values' },
  policy: { sql: 'types', errors: 'values' },
  sql: { errors: 'values' },
  impact: { sql: 'types', errors: 'values' },
  masking: { sql: 'types', errors: 'values' },
  transcript: { errors: 'values' },
  // The error family (errors/guardrail-error.ts): every folder may throw it; it imports nothing.
  errors: {},
};

/** Folders that must stay pure: no sockets, files, processes or GitHub. */
const PURE: readonly Folder[] = ['sql', 'policy', 'masking', 'transcript'];
const IMPURE_MODULE =
  /^(node:)?(fs|fs\/promises|net|tls|http|https|http2|dgram|child_process|worker_threads|cluster)$|^@actions\/|^@octokit\/|^(pg|mysql2|mysql2\/promise|undici)$/;

/**
 * How the code differs from the design today. Key: `file -> specifier` (file relative to src/).
 * Each reason says why; docs/architecture.md lists the same differences.
 */
const KNOWN_EXCEPTIONS: Record<string, string> = {
  // The design's path has the impact estimate between the analyzer and the policy, but its table
  // gives the gateway no import of impact/: the context wires the estimator into the session.
  'gateway/context.ts -> ../impact/index.js': 'gateway wires impact estimates (table omits impact)',
  // Impact estimates rewrite statements (EXPLAIN, COUNT) and read them with the analyzer's own
  // lexer and parser, so they read the text exactly as the analyzer did.
  'impact/mysql-statements.ts -> ../sql/mysql/lexer.js': 'impact lexes MySQL like the analyzer',
  'impact/mysql-statements.ts -> ../sql/mysql/sql-mode.js': 'impact lexes MySQL like the analyzer',
  'impact/mysql-statements.ts -> ../sql/mysql/tokens.js': 'impact lexes MySQL like the analyzer',
  'impact/pg-statements.ts -> ../sql/postgres/parser.js': 'impact scans Postgres like the analyzer',
  'impact/postgres.ts -> ../sql/postgres/parser.js': 'impact parses Postgres like the analyzer',
  // An estimate runs only what the analyzer proved free of side effects (issue 14): the proof
  // is the analyzer's, so the probe and the judgement agree on which calls are safe.
  'impact/mysql.ts -> ../sql/mysql/purity.js': 'impact runs only what the analyzer proved pure',
  'impact/postgres.ts -> ../sql/postgres/purity.js': 'impact runs only what the analyzer proved pure',
  // Text the session reads with backslash escapes (standard_conforming_strings off) is other code
  // to the estimate's parser and side connection: it is told so by the analyzer's own lexer.
  'impact/postgres.ts -> ../sql/postgres/state.js': 'impact stands aside where the readings differ',
  'impact/mysql.ts -> ../sql/mysql/sql-mode.js': 'impact reads the session’s sql_mode like the analyzer',
  'impact/mysql-respell.ts -> ../sql/mysql/lexer.js': 'impact respells MySQL text with the analyzer’s lexer',
  'impact/mysql.ts -> ../sql/mysql/server.js': 'impact reads executable comments as the server does',
  // Statement redaction must find literals exactly where the analyzer does (same lexer, same
  // sql_mode reading) and shares the analyzer's cache.
  'masking/sql-tokens.ts -> ../sql/mysql/lexer.js': 'redaction lexes MySQL like the analyzer',
  'masking/statement.ts -> ../sql/mysql/sql-mode.js': 'redaction reads sql_mode like the analyzer',
  'masking/statement.ts -> ../sql/cache.js': 'redaction uses the analyzer’s LRU cache',
  'masking/statement.ts -> ../sql/postgres/state.js': 'redaction reads backslashes like the analyzer',
  // Masking reads view definitions and scans statements with the Postgres parser (its
  // WebAssembly is loaded on first use, by the parser module; test/unit/parser-load.test.ts).
  'masking/pg-wasm.ts -> ../sql/postgres/parser.js': 'masking parses Postgres through the parser module',
  // A policy file's rule ids are validated against the rule catalog (values, not just types).
  'policy/parse.ts -> ../sql/rules.js': 'policy validates rule ids against the catalog',
  // Approval comments describe statements with the transcript's wording, and name findings.
  'approvals/render.ts -> ../transcript/read.js': 'approval comments share the transcript wording',
  'approvals/types.ts -> ../sql/types.js': 'approval requests carry findings (types only)',
  // The CLI prints its version from package.json.
  'cli/cli.ts -> ../../package.json': 'the CLI reads its version from package.json',
};

const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface Import {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

/** Static imports and re-exports (`from '…'`), side-effect imports and dynamic `import('…')`. */
function importsOf(path: string): Import[] {
  const text = readFileSync(path, 'utf8');
  const file = relative(SRC, path);
  const out: Import[] = [];
  const from = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*'([^']+)'/gms;
  for (const m of text.matchAll(from)) {
    const names = m[3]!.trim();
    const allTyped =
      names.startsWith('{') &&
      names
        .slice(1, -1)
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '')
        .every((n) => n.startsWith('type '));
    out.push({ file, specifier: m[4]!, typeOnly: m[2] !== undefined || allTyped });
  }
  for (const m of text.matchAll(/^\s*import\s*'([^']+)'/gm))
    out.push({ file, specifier: m[1]!, typeOnly: false });
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g))
    out.push({ file, specifier: m[1]!, typeOnly: false });
  return out;
}

const FILES = sources(SRC);
const IMPORTS = FILES.flatMap(importsOf);

/** The rule an import breaks, or undefined when it keeps them. */
function violation(i: Import): string | undefined {
  const folder = i.file.split('/')[0] as Folder;
  if (!i.specifier.startsWith('.')) {
    return PURE.includes(folder) && IMPURE_MODULE.test(i.specifier)
      ? `${folder}/ is pure but imports ${i.specifier}`
      : undefined;
  }
  const target = relative(SRC, resolve(SRC, dirname(i.file), i.specifier));
  if (target.startsWith('..')) return `imports ${target} from outside src/`;
  const to = target.split('/')[0]!;
  if (to === folder) return undefined;
  const allowed = RULES[folder]?.[to];
  if (allowed === undefined) return `${folder}/ may not import ${to}/`;
  if (allowed === 'types' && !i.typeOnly) return `${folder}/ may import only types from ${to}/`;
  return undefined;
}

/**
 * The engines (gateway/postgres, gateway/mysql) talk to one thing besides the wire, their
 * session, through its contract (gateway/session-contract.ts, gateway/lifecycle.ts): the
 * transcript, the policy, impact estimates and approvals sit behind it, as do the Session
 * class itself and the modules it is split into (gateway/session-*.ts but the contract).
 */
const ENGINE = /^gateway\/(postgres|mysql)\//;
const BEHIND_SESSION =
  /^(transcript|policy|impact|approvals)\/|^gateway\/session(-(?!contract\.)[a-z-]+)?\.ts$/;

/** What an engine file imports past its session, or undefined. */
function pastSession(i: Import): string | undefined {
  if (!ENGINE.test(i.file) || !i.specifier.startsWith('.')) return undefined;
  const target = relative(SRC, resolve(SRC, dirname(i.file), i.specifier)).replace(/\.js$/, '.ts');
  return BEHIND_SESSION.test(target) ? `${i.file} imports ${target}` : undefined;
}

describe('import rules (docs/architecture.md)', () => {
  it('reads every source file and finds its imports', () => {
    expect(FILES.length).toBeGreaterThan(100);
    // Every file sits in a folder of the table ('.' would be a file directly in src/).
    const folders = new Set(FILES.map((f) => dirname(relative(SRC, f)).split('/')[0]));
    expect([...folders].sort()).toEqual(Object.keys(RULES).sort());
    // The parser of this test sees both kinds it must tell apart.
    expect(IMPORTS.some((i) => i.file === 'policy/types.ts' && i.typeOnly)).toBe(true);
    expect(IMPORTS.some((i) => i.file === 'gateway/context.ts' && !i.typeOnly)).toBe(true);
  });

  it('every import keeps the folder rules, apart from the listed known exceptions', () => {
    const broken = IMPORTS.map((i) => ({ key: `${i.file} -> ${i.specifier}`, why: violation(i) }))
      .filter((v) => v.why !== undefined && !(v.key in KNOWN_EXCEPTIONS))
      .map((v) => `${v.key}: ${v.why}`);
    expect(broken).toEqual([]);
  });

  it('lists only exceptions that still occur and still break a rule', () => {
    const occurring = new Set(IMPORTS.filter((i) => violation(i)).map((i) => `${i.file} -> ${i.specifier}`));
    expect(Object.keys(KNOWN_EXCEPTIONS).filter((k) => !occurring.has(k))).toEqual([]);
  });

  it('reaches libpg-query through one module, sql/postgres/parser.ts', () => {
    const importers = IMPORTS.filter((i) => i.specifier === 'libpg-query' && !i.typeOnly).map((i) => i.file);
    expect([...new Set(importers)]).toEqual(['sql/postgres/parser.ts']);
  });

  it('engines reach the transcript, policy, impact and approvals only through the session contract', () => {
    expect(IMPORTS.some((i) => ENGINE.test(i.file) && i.specifier === '../session-contract.js')).toBe(true);
    expect(IMPORTS.map(pastSession).filter((v) => v !== undefined)).toEqual([]);
  });

  it('tells an engine import past the session from one through its contract', () => {
    const engine = (specifier: string): Import => ({ file: 'gateway/mysql/x.ts', specifier, typeOnly: true });
    expect(pastSession(engine('../../transcript/events.js'))).toBe(
      'gateway/mysql/x.ts imports transcript/events.ts',
    );
    expect(pastSession(engine('../../policy/types.js'))).toBe('gateway/mysql/x.ts imports policy/types.ts');
    expect(pastSession(engine('../session.js'))).toBe('gateway/mysql/x.ts imports gateway/session.ts');
    expect(pastSession(engine('../session-approval.js'))).toBe(
      'gateway/mysql/x.ts imports gateway/session-approval.ts',
    );
    expect(pastSession(engine('../refusal.js'))).toBeUndefined();
    expect(pastSession(engine('../session-contract.js'))).toBeUndefined();
    expect(pastSession(engine('../../masking/index.js'))).toBeUndefined();
    // The session itself and the contract may import what sits behind them.
    expect(
      pastSession({ file: 'gateway/session.ts', specifier: '../transcript/events.js', typeOnly: true }),
    ).toBe(undefined);
  });

  it('tells a forbidden import from an allowed one', () => {
    expect(violation({ file: 'sql/x.ts', specifier: '../policy/index.js', typeOnly: true })).toBe(
      'sql/ may not import policy/',
    );
    expect(violation({ file: 'policy/x.ts', specifier: '../sql/rules.js', typeOnly: false })).toBe(
      'policy/ may import only types from sql/',
    );
    expect(violation({ file: 'policy/x.ts', specifier: '../sql/types.js', typeOnly: true })).toBeUndefined();
    expect(violation({ file: 'masking/x.ts', specifier: 'node:net', typeOnly: false })).toBe(
      'masking/ is pure but imports node:net',
    );
    expect(violation({ file: 'gateway/x.ts', specifier: 'node:net', typeOnly: false })).toBeUndefined();
  });
});
