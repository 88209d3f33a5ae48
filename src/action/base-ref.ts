// The pull request's base for `check --base`: the migration files present there are applied
// history. From the event payload (`pull_request.base.sha`), else GITHUB_BASE_REF. actions/checkout
// fetches one commit by default, so a missing base commit is fetched (depth 1: only its tree is
// read). Without a base (push, schedule, or the commit cannot be had) every file is judged.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface BaseRefSource {
  env: NodeJS.ProcessEnv;
  /** Directory inside the checked-out repository. */
  cwd: string;
  log: { info(m: string): void; warning(m: string): void };
}

function payloadBaseSha(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    const sha = JSON.parse(readFileSync(path, 'utf8'))?.pull_request?.base?.sha;
    return typeof sha === 'string' && /^[0-9a-f]{40,64}$/i.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

function hasCommit(cwd: string, ref: string): boolean {
  return spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd }).status === 0;
}

/** A ref naming the pull request's base commit that git can read here, or undefined. */
export function pullRequestBase(src: BaseRefSource): string | undefined {
  const sha = payloadBaseSha(src.env.GITHUB_EVENT_PATH);
  const branch = src.env.GITHUB_BASE_REF || undefined;
  const candidates = [sha, branch && `origin/${branch}`].filter((r): r is string => !!r);
  if (candidates.length === 0) return undefined;
  for (const ref of candidates) if (hasCommit(src.cwd, ref)) return ref;
  const wanted = sha ?? branch!;
  const fetch = spawnSync('git', ['fetch', '--no-tags', '--depth=1', 'origin', wanted], {
    cwd: src.cwd,
    encoding: 'utf8',
    // Never wait for a password prompt, nor for long: without a base every file is judged.
    env: { ...src.env, GIT_TERMINAL_PROMPT: '0' },
    timeout: 60_000,
  });
  if (fetch.status === 0 && hasCommit(src.cwd, 'FETCH_HEAD')) {
    const head = spawnSync('git', ['rev-parse', 'FETCH_HEAD'], {
      cwd: src.cwd,
      encoding: 'utf8',
    }).stdout.trim();
    src.log.info(`migrations: fetched the pull request's base ${wanted} (${head})`);
    return head;
  }
  src.log.warning(
    `migrations: the pull request's base ${wanted} is not in the checkout and could not be fetched (${(fetch.stderr ?? '').trim()}); every migration file is judged`,
  );
  return undefined;
}
