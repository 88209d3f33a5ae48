// `guardrail check`: static analysis of migration files before anything connects.
// Files are analysed in migration order as one session (a table created by V1 is new for V2),
// each statement is judged by the policy, and inline `-- guardrail:allow <rule> <reason>`
// comments suppress a rule for the next statement (or the statement on the same line).
// `checkFiles` is also what the action uses to pre-approve a batch of statements.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { decide, verdictLevel } from '../policy/decide.js';
import { DEFAULT_POLICY_PATH, defaultPolicy } from '../policy/defaults.js';
import { loadPolicy, PolicyError } from '../policy/parse.js';
import type { Action, Policy, Verdict } from '../policy/types.js';
import { loadAnalyzers } from '../sql/analyze.js';
import { locationOf } from '../sql/canonical.js';
import { lex } from '../sql/digest.js';
import { analyzeMysqlScript, type MysqlAnalysisContext } from '../sql/mysql/analyze.js';
import { analyzePostgres } from '../sql/postgres/analyze.js';
import { isRuleId, RULES } from '../sql/rules.js';
import type { Analysis, AnalysisContext, Dialect, Finding, StatementAnalysis } from '../sql/types.js';
import { parse, UsageError } from './args.js';

export const usage =
  'guardrail check [--dialect postgres|mysql] [--policy FILE] [--format text|json|sarif] [--fail-on deny|review|warn|never] PATH...';

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
}

/** Read errors: the command exits 2. */
export class CheckReadError extends Error {}

// --- migration files and their order -------------------------------------------------------

/** Down/undo migrations are not part of the up run. */
function isDownFile(name: string): boolean {
  return /\.down\.sql$/i.test(name) || /^U\d/.test(name);
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

// --- suppressions ------------------------------------------------------------------------------

const SUPPRESSION = /--[ \t]*guardrail:allow\b(.*)$/gm;

function suppressionsOf(file: string, text: string, problems: CheckResult['problems']): Suppression[] {
  const out: Suppression[] = [];
  for (const m of text.matchAll(SUPPRESSION)) {
    const line = locationOf(text, m.index).line;
    const [rule = '', ...rest] = (m[1] ?? '').trim().split(/\s+/);
    const reason = rest.join(' ').trim();
    if (!rule)
      problems.push({
        file,
        line,
        severity: 'error',
        message: 'guardrail:allow needs a rule id and a reason',
      });
    else if (!isRuleId(rule))
      problems.push({
        file,
        line,
        severity: 'error',
        message: `guardrail:allow names an unknown rule id ${rule}`,
      });
    else if (!reason)
      problems.push({ file, line, severity: 'error', message: `guardrail:allow ${rule} needs a reason` });
    else out.push({ rule, reason, line });
  }
  return out;
}

// --- analysis --------------------------------------------------------------------------------

interface Located {
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

/** Checks migration files: one session across all of them, in migration order. */
export async function checkFiles(paths: string[], opts: CheckOptions = {}): Promise<CheckResult> {
  await loadAnalyzers();
  const policy = opts.policy ?? defaultPolicy();
  const dialect = opts.dialect ?? policy.dialect ?? 'postgres';
  const files = migrationFiles(paths);
  const result: CheckResult = { dialect, files, statements: [], problems: [] };
  const pgCtx: AnalysisContext = { dialect: 'postgres' };
  let myCtx: MysqlAnalysisContext = { dialect: 'mysql' };
  for (const file of files) {
    let text: string;
    try {
      text = upPart(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new CheckReadError(`cannot read ${file}: ${(err as Error).message}`);
    }
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
    const located = locate(text, statements);
    const suppressions = suppressionsOf(file, text, result.problems);
    const used = new Set<Suppression>();
    for (const l of located) {
      const mine = suppressions.filter((s) => targetOf(s, located) === l);
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

/** The statement a suppression comment on `s.line` applies to: same line, else the next one. */
function targetOf(s: Suppression, located: Located[]): Located | undefined {
  return located.find((l) => l.line <= s.line && l.endLine >= s.line) ?? located.find((l) => l.line > s.line);
}

// --- output ----------------------------------------------------------------------------------

const LEVELS: Record<Action, number> = { allow: 0, warn: 1, review: 2, deny: 3 };

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function findingAction(f: Finding, policy: Policy): Action {
  return verdictLevel(decide({ findings: [f] }, policy));
}

function position(f: Finding, s: CheckedStatement): { line: number; column: number } {
  return f.location ?? { line: s.line, column: s.column };
}

function renderText(result: CheckResult, policy: Policy, cwd: string, github: boolean): string {
  const lines: string[] = [];
  for (const s of result.statements) {
    const file = relative(cwd, s.file) || s.file;
    for (const f of s.findings) {
      const { line, column } = position(f, s);
      lines.push(`${file}:${line}:${column} ${f.rule} ${f.message}`);
      if (github) {
        const level = LEVELS[findingAction(f, policy)] >= LEVELS.review ? 'error' : 'warning';
        lines.push(
          `::${level} file=${escapeProperty(file)},line=${line},col=${column},title=${escapeProperty(f.rule)}::${escapeData(f.message)}`,
        );
      }
    }
    for (const f of s.suppressed) {
      const { line, column } = position(f, s);
      lines.push(`${file}:${line}:${column} ${f.rule} suppressed: ${f.reason}`);
    }
  }
  for (const p of result.problems) {
    const file = relative(cwd, p.file) || p.file;
    lines.push(`${file}:${p.line}:1 guardrail:allow ${p.severity}: ${p.message}`);
    if (github)
      lines.push(`::${p.severity} file=${escapeProperty(file)},line=${p.line}::${escapeData(p.message)}`);
  }
  const counts = { deny: 0, review: 0, warn: 0 };
  for (const s of result.statements) {
    const level = verdictLevel(s.verdict);
    if (level !== 'allow') counts[level]++;
  }
  const suppressed = result.statements.reduce((n, s) => n + s.suppressed.length, 0);
  lines.push(
    `${result.files.length} files, ${result.statements.length} statements: ${counts.deny} denied, ${counts.review} need review, ${counts.warn} with warnings, ${suppressed} findings suppressed`,
  );
  return lines.join('\n');
}

const SARIF_LEVEL: Record<Action, 'error' | 'warning' | 'note'> = {
  deny: 'error',
  review: 'error',
  warn: 'warning',
  allow: 'note',
};

export function toSarif(result: CheckResult, policy: Policy, cwd: string): unknown {
  const used = [
    ...new Set(result.statements.flatMap((s) => [...s.findings, ...s.suppressed].map((f) => f.rule))),
  ].sort();
  const ruleIndex = new Map(used.map((id, i) => [id, i]));
  const results = result.statements.flatMap((s) =>
    [
      ...s.findings.map((f) => ({ f, reason: undefined as string | undefined })),
      ...s.suppressed.map((f) => ({ f, reason: f.reason })),
    ].map(({ f, reason }) => {
      const { line, column } = position(f, s);
      return {
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule),
        level: SARIF_LEVEL[findingAction(f, policy)],
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: (relative(cwd, s.file) || s.file).split('\\').join('/') },
              region: { startLine: line, startColumn: column },
            },
          },
        ],
        partialFingerprints: { statementHash: s.hash },
        ...(reason !== undefined ? { suppressions: [{ kind: 'inSource', justification: reason }] } : {}),
      };
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'guardrail',
            informationUri: 'https://github.com/guardrail-action/guardrail-action',
            rules: used.map((id) => {
              const info = RULES[id as keyof typeof RULES];
              return {
                id,
                name: id,
                shortDescription: { text: info?.title ?? id },
                helpUri: `https://github.com/guardrail-action/guardrail-action/blob/main/docs/rules.md#${id.replace('/', '')}`,
                properties: { category: info?.category, severity: info?.severity },
              };
            }),
          },
        },
        results,
      },
    ],
  };
}

// --- command ---------------------------------------------------------------------------------

const FAIL_ON = ['deny', 'review', 'warn', 'never'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    dialect: { type: 'string' },
    policy: { type: 'string' },
    format: { type: 'string', default: 'text' },
    'fail-on': { type: 'string', default: 'review' },
  });
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
