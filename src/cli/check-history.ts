// `guardrail check --base REF`: a migration directory is history. The files present at REF (the
// pull request's base) have been applied: they define the schema the new files run against. Only
// files the change adds or edits are judged. The base versions are read from git (`git archive`
// into a temporary directory), so the working tree is never touched.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';

export class BaseRefError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_BASE_REF';
}

export interface BaseHistory {
  /** Base versions of the given paths (files and directories), to expand like the originals. */
  paths: string[];
  /** Whether a working file is new or changed relative to the base. */
  isChanged(file: string): boolean;
  /** Removes the temporary copy. */
  dispose(): void;
}

function git(cwd: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync('git', args, { cwd, maxBuffer: 1 << 30, ...(input ? { input } : {}) });
  if (r.error) throw new BaseRefError(`git ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new BaseRefError(`git ${args.join(' ')}: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

/** Reads the base versions of `paths` at `ref` (a branch, tag, commit, `origin/main`, …). */
export function readBase(paths: string[], ref: string): BaseHistory {
  const tmp = mkdtempSync(join(tmpdir(), 'guardrail-base-'));
  try {
    const mapped = new Map<string, string>();
    const out: string[] = [];
    for (const p of paths) {
      const abs = resolve(p);
      const dir = existsSync(abs) && statSync(abs).isDirectory() ? abs : dirname(abs);
      const root = git(dir, ['rev-parse', '--show-toplevel']).toString().trim();
      const found = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root });
      if (found.status !== 0) throw new BaseRefError(`--base ${ref}: no such commit in ${root}`);
      const commit = found.stdout.toString().trim();
      const rel = relative(root, abs) || '.';
      const dest = join(tmp, String(out.length));
      // Paths absent at the base (a new directory) have no history: the archive is empty then.
      const listed = git(root, ['ls-tree', '-r', '--name-only', commit, '--', rel]).toString().trim();
      if (listed !== '') {
        const tar = git(root, ['archive', '--format=tar', commit, '--', rel]);
        mkdirSync(dest, { recursive: true });
        const x = spawnSync('tar', ['-x', '-C', dest], { input: tar });
        if (x.status !== 0)
          throw new BaseRefError(`cannot unpack ${ref}:${rel}: ${x.stderr.toString().trim()}`);
      }
      const base = join(dest, rel);
      mapped.set(abs, base);
      if (existsSync(base)) out.push(base);
    }
    return {
      paths: out,
      isChanged(file: string): boolean {
        const abs = resolve(file);
        for (const [orig, base] of mapped) {
          const r = relative(orig, abs);
          if (r.startsWith('..')) continue;
          const copy = r === '' ? base : join(base, r);
          return !existsSync(copy) || !readFileSync(copy).equals(readFileSync(abs));
        }
        return true;
      },
      dispose: () => rmSync(tmp, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
