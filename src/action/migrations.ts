// Batch pre-approval: the `migrations` globs are checked statically before the gateway starts,
// and every statement that needs review is put up for approval in one request. Approved hashes
// go to the gateway as pre-approved, so the migration never waits inside an open transaction.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { ApprovalChannel, ApprovalRequest, ApprovalStatement, JobInfo } from '../approvals/types.js';
import { CheckBaseError, type CheckResult, checkFiles } from '../cli/check.js';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';
import { requestId } from '../gateway/session-approval.js';
import { compileMasking } from '../masking/index.js';
import { decide } from '../policy/index.js';
import type { Policy } from '../policy/types.js';
import type { Dialect } from '../sql/types.js';

const GLOB_CHARS = /[*?[]/;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/** `**` any number of directories, `*` and `?` within one name, `[…]` a character class. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name)) walk(join(dir, e.name), out);
    } else if (e.isFile()) out.push(join(dir, e.name));
  }
}

export interface ExpandedMigrations {
  /** Files and directories, in the order the globs name them; each glob's matches sorted naturally. */
  paths: string[];
  /** Globs that matched nothing. */
  unmatched: string[];
}

export function expandMigrations(globs: string[], workspace: string): ExpandedMigrations {
  const paths: string[] = [];
  const unmatched: string[] = [];
  for (const glob of globs) {
    if (!GLOB_CHARS.test(glob)) {
      const path = resolve(workspace, glob);
      if (existsSync(path)) paths.push(path);
      else unmatched.push(glob);
      continue;
    }
    const parts = glob.split('/');
    const fixed = parts
      .slice(
        0,
        parts.findIndex((p) => GLOB_CHARS.test(p)),
      )
      .join('/');
    const base = resolve(workspace, fixed);
    const files: string[] = [];
    if (existsSync(base) && statSync(base).isDirectory()) walk(base, files);
    const re = globRegExp(glob);
    const matched = files
      .filter((f) => re.test(relative(workspace, f).split(sep).join('/')))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (matched.length === 0) unmatched.push(glob);
    paths.push(...matched);
  }
  return { paths: [...new Set(paths)], unmatched };
}

export interface PreapproveOptions {
  paths: string[];
  /** A git ref whose migration files are already applied (the pull request's base). */
  base?: string;
  dialect: Dialect;
  policy: Policy;
  /** Absent: nobody can be asked, so statements that need review will be refused at run time. */
  channel?: ApprovalChannel;
  job: JobInfo;
  database: ApprovalRequest['database'];
  timeoutMs: number;
  signal: AbortSignal;
  log: { info(m: string): void; warning(m: string): void };
}

export interface Preapproval {
  check: CheckResult;
  /** Statement hashes approved up front. */
  hashes: string[];
  request?: ApprovalRequest;
}

export class BatchNotApproved extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_BATCH_NOT_APPROVED';
}

/** Checks against the base when one is given; a base git cannot read means every file is judged. */
async function checkAgainstBase(opts: PreapproveOptions): Promise<CheckResult> {
  const common = { dialect: opts.dialect, policy: opts.policy };
  if (!opts.base) return checkFiles(opts.paths, common);
  try {
    return await checkFiles(opts.paths, { ...common, base: opts.base });
  } catch (err) {
    if (!(err instanceof CheckBaseError)) throw err;
    opts.log.warning(`migrations: cannot read the base ${opts.base} (${err.message}); every file is judged`);
    return checkFiles(opts.paths, common);
  }
}

export async function preapprove(opts: PreapproveOptions): Promise<Preapproval> {
  const check = await checkAgainstBase(opts);
  const where = (s: CheckResult['statements'][number]) => `${s.file}:${s.line}`;
  for (const p of check.problems) opts.log.warning(`${p.file}:${p.line}: ${p.message}`);
  for (const s of check.statements.filter((x) => x.verdict.action === 'deny')) {
    opts.log.warning(
      `${where(s)}: the policy denies this statement (${s.findings.map((f) => f.rule).join(', ')}); no approval can let it through`,
    );
  }
  const masking = compileMasking(opts.policy.masking);
  const byHash = new Map<string, ApprovalStatement>();
  for (const s of check.statements) {
    if (byHash.has(s.hash)) continue;
    // The gateway does not read `-- guardrail:allow` comments: a suppressed finding still holds
    // the statement at run time, so it goes to the reviewers here, with the author's reason.
    // Nor does it know the migration's history: what its analyzer alone would hold is asked too.
    const seen = new Set([...s.findings, ...s.suppressed].map((f) => `${f.rule}\0${f.message}`));
    const findings = [
      ...s.findings,
      ...s.suppressed.map(({ reason, ...f }) => ({
        ...f,
        message: `${f.message} (suppressed in the file: ${reason})`,
      })),
      ...(s.gateway ?? [])
        .filter((f) => !seen.has(`${f.rule}\0${f.message}`))
        .map((f) => ({ ...f, message: `${f.message} (as the gateway judges it alone)` })),
    ];
    const runtime = decide({ findings }, opts.policy);
    if (runtime.action !== 'review') continue;
    byHash.set(s.hash, { text: masking.redactStatement(s.text, opts.dialect), hash: s.hash, findings });
  }
  opts.log.info(
    `checked ${check.files.length} migration files, ${check.statements.length} statements: ${byHash.size} need approval`,
  );
  if (byHash.size === 0) return { check, hashes: [] };
  if (!opts.channel) {
    opts.log.warning(
      `${byHash.size} statements need approval, but there is no github-token to ask with: the gateway will refuse them`,
    );
    return { check, hashes: [] };
  }
  const request: ApprovalRequest = {
    id: requestId(),
    batch: true,
    statements: [...byHash.values()],
    database: opts.database,
    job: opts.job,
    deadline: new Date(Date.now() + opts.timeoutMs),
  };
  opts.log.info(
    `asking for approval of ${byHash.size} statements before the migration starts: ${request.id}`,
  );
  const outcome = await opts.channel.request(request, opts.signal);
  if (outcome.decision !== 'approved') {
    const by = outcome.by.length ? ` by ${outcome.by.join(', ')}` : '';
    throw new BatchNotApproved(
      `the migration's statements were not approved (${outcome.decision}${by}${outcome.reason ? `: ${outcome.reason}` : ''})${outcome.url ? `; see ${outcome.url}` : ''}`,
    );
  }
  opts.log.info(`approved by ${outcome.by.join(', ')}${outcome.url ? ` (${outcome.url})` : ''}`);
  return { check, hashes: outcome.hashes ?? [], request };
}
