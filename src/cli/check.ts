// `guardrail check`: static analysis of migration files before anything connects.
// Files are analysed in migration order. With `--base REF` the files present at REF are applied
// history (they define the schema) and the files the change adds or edits are judged as one
// session on top of it; without it each file is a session of its own, earlier files its history
// (see src/sql/migration/judge.ts). Each statement is judged by the policy, and inline
// `-- guardrail:allow <rule> <reason>`
// comments suppress a rule for the next statement (or the statement on the same line).
// `checkFiles` is also what the action uses to pre-approve a batch of statements.
// Suppression comments are read in check-suppressions.ts; the text and SARIF output is made in
// check-output.ts.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import { loadPolicy } from '../gateway/policy-file.js';
import { decide, verdictLevel } from '../policy/decide.js';
import { DEFAULT_POLICY_PATH, defaultPolicy } from '../policy/defaults.js';
import { PolicyError } from '../policy/parse.js';
import type { Action, Policy, Verdict } from '../policy/types.js';
import { loadAnalyzers } from '../sql/analyze.js';
import { locationOf } from '../sql/canonical.js';
import { lex } from '../sql/digest.js';
import { MigrationJudge } from '../sql/migration/judge.js';
import type { MysqlAnalysisContext } from '../sql/mysql/analyze.js';
import { analyzeMysqlScript } from '../sql/mysql/script.js';
import { analyzePostgres } from '../sql/postgres/analyze.js';
import type { Analysis, AnalysisContext, Dialect, Finding, StatementAnalysis } from '../sql/types.js';
import { command, parse, UsageError } from './args.js';
import { BaseRefError, readBase } from './check-history.js';
import { LEVELS, renderText, toSarif } from './check-output.js';
import { suppressionsOf, targetOf } from './check-suppressions.js';

export const spec = command({
  name: 'check',
  summary: "judge migration files with the gateway's parser and policy, before anything connects",
  positionals: 'PATH...',
  description: [
    'Reads .sql files (directories are walked in migration order: Flyway V1__, numbered, then R__)',
    'and judges every statement with the policy. With --base REF the files present at REF (read',
    'from git) are applied history and only the files added or changed since are judged, as one',
    'session; without it each file is its own session, earlier files its history. A comment',
    '`-- guardrail:allow <rule> <reason>` suppresses that rule for the next statement.',
    'Exit code: 1 when a statement is at or above --fail-on or a suppression is invalid;',
    '2 when a file or the policy cannot be read.',
  ],
  options: {
    dialect: {
      type: 'string',
      value: 'postgres|mysql',
      description: "SQL dialect of the files; without it, the policy's `dialect`, else postgres",
    },
    policy: {
      type: 'string',
      value: 'FILE',
      description: 'policy file; without it, .github/guardrail.yml if it exists, else the built-in policy',
    },
    format: { type: 'string', value: 'text|json|sarif', default: 'text', description: 'output format' },
    'fail-on': {
      type: 'string',
      value: 'deny|review|warn|never',
      default: 'review',
      description: 'exit 1 when a statement gets this action or a stronger one',
    },
    base: {
      type: 'string',
      value: 'REF',
      description: 'a git ref whose migration files are already applied: they define the schema',
    },
  },
  examples: [
    { args: 'examples/migrations' },
    { args: '--base origin/main migrations/', note: 'judge only what this branch adds' },
    {
      args: '--format sarif --fail-on never migrations/ > guardrail.sarif',
      note: 'a report for code scanning',
    },
  ],
});

export interface Suppression {
  rule: string;
  reason: string;
  line: number;
}

export interface CheckedStatement {
  file: string;
  line: number;
  column: number;
  text: string;
  hash: string;
  /** Findings that count (suppressed ones removed). */
  findings: Finding[];
  suppressed: (Finding & { reason: string })[];
  verdict: Verdict;
  /**
   * What the gateway's analyzer alone reports, when the schema judgement changed it (the gateway
   * sees one statement or input at a time and may hold a statement the check let through).
   */
  gateway?: Finding[];
}

export interface CheckProblem {
  file: string;
  line: number;
  message: string;
}

export interface CheckResult {
  dialect: Dialect;
  files: string[];
  statements: CheckedStatement[];
  /** Invalid suppressions and unused ones: the check fails when any is an error. */
  problems: (CheckProblem & { severity: 'error' | 'warning' })[];
}

export interface CheckOptions {
  dialect?: Dialect;
  policy?: Policy;
  /** A git ref whose migration files are applied history: only files added or changed since are judged. */
  base?: string;
}

/** Read errors: the command exits 2. */
export class CheckReadError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_CHECK_READ';
}

/** The `--base` ref or the git history behind it cannot be read. */
export class CheckBaseError extends CheckReadError {
  static override readonly code: GuardrailErrorCode = 'ERR_BASE_REF';
}

// --- migration files and their order -------------------------------------------------------

/** Down/undo migrations are not part of the up run (diesel keeps them as `<dir>/down.sql`). */
function isDownFile(name: string): boolean {
  return /(^|\.)down\.sql$/i.test(name) || /^U\d/.test(name);
}

interface OrderKey {
  group: number;
  version: number[];
  name: string;
}

/** Flyway `V1.1__x.sql` < `V2__…` < `V10__…`; timestamps numeric; repeatable `R__` last. */
function orderKey(name: string): OrderKey {
  const flyway = /^V(\d+(?:[._]\d+)*)__/i.exec(name);
  if (flyway) return { group: 0, version: flyway[1]!.split(/[._]/).map(Number), name };
  const numbered = /^(\d+)/.exec(name);
  if (numbered) return { group: 0, version: [Number(numbered[1])], name };
  if (/^R__/i.test(name)) return { group: 2, version: [], name };
  return { group: 1, version: [], name };
}

function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a.group !== b.group) return a.group - b.group;
  for (let i = 0; i < Math.max(a.version.length, b.version.length); i++) {
    const d = (a.version[i] ?? 0) - (b.version[i] ?? 0);
    if (d !== 0) return d;
  }
  if (a.version.length !== b.version.length) return a.version.length - b.version.length;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function walkDir(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && /\.sql$/i.test(e.name) && !isDownFile(e.name))
    .map((e) => e.name)
    .sort((a, b) => compareKeys(orderKey(a), orderKey(b)))
    .map((n) => join(dir, n));
  const subdirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort();
  return [...files, ...subdirs.flatMap((d) => walkDir(join(dir, d)))];
}

/** Expands paths (files kept in the given order, directories walked in migration order). */
export function migrationFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (err) {
      throw new CheckReadError(`cannot read ${p}: ${(err as Error).message}`);
    }
    out.push(...(isDir ? walkDir(p) : [p]));
  }
  return out;
}

/** node-pg-migrate SQL files hold both directions: keep what precedes `-- Down Migration`. */
function upPart(text: string): string {
  const down = /^[ \t]*--[ \t]*Down Migration\b.*$/im.exec(text);
  return down ? text.slice(0, down.index) : text;
}

// --- analysis --------------------------------------------------------------------------------

export interface Located {
  statement: StatementAnalysis;
  line: number;
  endLine: number;
  column: number;
}

/**
 * Analyses a Postgres file. The whole file is one input when it parses; otherwise (or when it
 * is over the size cap) each
 * `;`-separated chunk is analysed on its own so one bad statement does not hide the others
 * (padded with line breaks so locations stay those of the file).
 */
function analyzePostgresFile(text: string, ctx: AnalysisContext): StatementAnalysis[] {
  const whole = analyzePostgres(text, ctx);
  const broken =
    whole.statements.length === 1 &&
    whole.findings.some((f) => f.rule === 'opaque/unparseable' || f.rule === 'opaque/oversized');
  const lexed = broken
    ? lex(text, {
        dialect: 'postgres',
        standardConformingStrings: ctx.postgres?.standardConformingStrings !== false,
      })
    : undefined;
  if (!lexed || lexed.semicolons.length === 0) return whole.statements;
  const out: StatementAnalysis[] = [];
  let from = 0;
  for (const end of [...lexed.semicolons.map((i) => lexed.ends[i]!), text.length]) {
    const chunk = text.slice(from, end);
    if (chunk.trim() !== '') {
      const at = locationOf(text, from);
      const padded = `${'\n'.repeat(at.line - 1)}${' '.repeat(at.column - 1)}${chunk}`;
      const part: Analysis = analyzePostgres(padded, ctx);
      for (const s of part.statements)
        out.push({ ...s, offset: s.offset - padded.length + chunk.length + from });
    }
    from = end;
  }
  return out;
}

function locate(text: string, statements: StatementAnalysis[]): Located[] {
  return statements.map((statement) => {
    const start = locationOf(text, statement.offset);
    return {
      statement,
      line: start.line,
      column: start.column,
      endLine: locationOf(text, statement.offset + statement.text.length).line,
    };
  });
}

function readMigration(file: string): string {
  try {
    return upPart(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CheckReadError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The files to judge; with `base`, the history files' texts are given to `learn` first. */
function judgedFiles(paths: string[], base: string | undefined, learn: (text: string) => void): string[] {
  const files = migrationFiles(paths);
  if (base === undefined) return files;
  let history: ReturnType<typeof readBase>;
  try {
    history = readBase(paths, base);
  } catch (err) {
    if (err instanceof BaseRefError) throw new CheckBaseError(err.message, { cause: err });
    throw err;
  }
  try {
    for (const file of migrationFiles(history.paths)) learn(readMigration(file));
    return files.filter((f) => history.isChanged(f));
  } finally {
    history.dispose();
  }
}

/**
 * A new session after earlier files: the functions, triggers (Postgres) and routines (MySQL) they
 * defined exist and are followed when called or fired; tables they created are not new.
 */
function nextSession(pg: AnalysisContext, my: MysqlAnalysisContext): [AnalysisContext, MysqlAnalysisContext] {
  const m = pg.memory;
  const memory = m && {
    functions: m.functions,
    prepared: new Map(),
    tables: new Set<string>(),
    temporaryTables: new Set<string>(),
    ...(m.triggers ? { triggers: m.triggers } : {}),
  };
  const routines = my.mysql?.routines;
  return [
    { dialect: 'postgres', ...(memory ? { memory } : {}) },
    { dialect: 'mysql', ...(routines ? { mysql: { routines } } : {}) },
  ];
}

/** Checks migration files in migration order (sessions: see the head of this file). */
export async function checkFiles(paths: string[], opts: CheckOptions = {}): Promise<CheckResult> {
  await loadAnalyzers();
  const policy = opts.policy ?? defaultPolicy();
  const dialect = opts.dialect ?? policy.dialect ?? 'postgres';
  const judge = new MigrationJudge({ dialect, dataChanges: true });
  let pgCtx: AnalysisContext = { dialect: 'postgres' };
  let myCtx: MysqlAnalysisContext = { dialect: 'mysql' };
  const files = judgedFiles(paths, opts.base, (text) => {
    // Applied history: its schema, functions and triggers exist; its findings are not reported.
    judge.history(text, myCtx.sqlMode);
    if (dialect === 'postgres') analyzePostgres(text, pgCtx);
    else myCtx = { ...myCtx, mysql: analyzeMysqlScript(text, myCtx).after };
  });
  if (opts.base !== undefined) [pgCtx, myCtx] = nextSession(pgCtx, myCtx);
  const result: CheckResult = { dialect, files, statements: [], problems: [] };
  for (const file of files) {
    const text = readMigration(file);
    if (opts.base === undefined) {
      // Each file its own session: what earlier files created exists, and is not new here.
      [pgCtx, myCtx] = nextSession(pgCtx, myCtx);
      judge.newChange();
    }
    const sqlMode = myCtx.sqlMode;
    let statements: StatementAnalysis[];
    if (dialect === 'postgres') statements = analyzePostgresFile(text, pgCtx);
    else {
      const a = analyzeMysqlScript(text, myCtx);
      statements = a.statements;
      myCtx = {
        ...myCtx,
        ...(a.after.sqlMode !== undefined ? { sqlMode: a.after.sqlMode } : {}),
        mysql: a.after,
      };
    }
    const analyzed = statements;
    statements = judge.judge({ text, statements, ...(sqlMode !== undefined ? { sqlMode } : {}) });
    const located = locate(text, statements);
    const suppressions = suppressionsOf(file, text, result.problems);
    const used = new Set<Suppression>();
    for (const [i, l] of located.entries()) {
      const mine = suppressions.filter((s) => targetOf(s, located) === l);
      const atRunTime = analyzed[i]!.findings;
      const findings: Finding[] = [];
      const suppressed: CheckedStatement['suppressed'] = [];
      for (const f of l.statement.findings) {
        const s = mine.find((x) => x.rule === f.rule);
        if (s) {
          used.add(s);
          suppressed.push({ ...f, reason: s.reason });
        } else findings.push(f);
      }
      result.statements.push({
        file,
        line: l.line,
        column: l.column,
        text: l.statement.text,
        hash: l.statement.hash,
        findings,
        suppressed,
        verdict: decide({ findings }, policy),
        ...(atRunTime !== l.statement.findings ? { gateway: atRunTime } : {}),
      });
    }
    for (const s of suppressions) {
      if (!used.has(s)) {
        result.problems.push({
          file,
          line: s.line,
          severity: 'warning',
          message: `guardrail:allow ${s.rule} matches no finding`,
        });
      }
    }
  }
  return result;
}

// --- command ---------------------------------------------------------------------------------

const FAIL_ON = ['deny', 'review', 'warn', 'never'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, spec);
  if (positionals.length === 0) throw new UsageError('name at least one migration file or directory');
  if (values.dialect !== undefined && values.dialect !== 'postgres' && values.dialect !== 'mysql') {
    throw new UsageError(`--dialect must be postgres or mysql, not ${values.dialect}`);
  }
  const format = values.format ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format))
    throw new UsageError(`--format must be text, json or sarif, not ${format}`);
  const failOn = values['fail-on'] ?? 'review';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) {
    throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, not ${failOn}`);
  }
  let policy: Policy;
  try {
    const path = values.policy ?? (existsSync(DEFAULT_POLICY_PATH) ? DEFAULT_POLICY_PATH : undefined);
    policy = path ? loadPolicy(path) : defaultPolicy();
  } catch (err) {
    if (err instanceof PolicyError) {
      console.error(`guardrail check: ${err.message}`);
      return 2;
    }
    throw err;
  }
  let result: CheckResult;
  try {
    result = await checkFiles(positionals, {
      policy,
      ...(values.dialect ? { dialect: values.dialect as Dialect } : {}),
      ...(values.base ? { base: values.base } : {}),
    });
  } catch (err) {
    if (err instanceof CheckReadError) {
      console.error(`guardrail check: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const cwd = process.cwd();
  if (format === 'json') console.log(JSON.stringify(result, null, 2));
  else if (format === 'sarif') console.log(JSON.stringify(toSarif(result, policy, cwd), null, 2));
  else console.log(renderText(result, policy, cwd, process.env.GITHUB_ACTIONS === 'true'));
  if (result.problems.some((p) => p.severity === 'error')) return 1;
  if (failOn === 'never') return 0;
  const threshold = LEVELS[failOn as Action];
  return result.statements.some((s) => LEVELS[verdictLevel(s.verdict)] >= threshold) ? 1 : 0;
}
