// Who the token acts as. The gateway knows its own comments and issues by this login, never by
// author_association (MEMBER is any member of the owning organisation, COLLABORATOR includes
// read-only outside collaborators) and never by "any bot".
import { type GitHubClient, statusOf } from './octokit.js';

/** The identity of GITHUB_TOKEN, which GET /user cannot tell (it answers 403 to installation tokens). */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * GET /user for a personal or OAuth token; for an installation token, which GitHub refuses there,
 * the login the caller configured, else `github-actions[bot]`.
 */
export async function identityOf(
  octokit: GitHubClient,
  signal: AbortSignal,
  fallback: string = ACTIONS_BOT,
): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated({ request: { signal } });
    return data.login;
  } catch (err) {
    const status = statusOf(err);
    if (status === 403 || status === 404) return fallback;
    throw err;
  }
}
