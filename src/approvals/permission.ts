// Repository permission levels in order, so "at least write" is a comparison, and the level a
// collaborator-permission answer grants.
import type { RepoPermission } from '../policy/types.js';

const rank: Record<RepoPermission | 'none', number> = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5,
};

export function permissionRank(p: RepoPermission | 'none'): number {
  return rank[p];
}

const BASE_ROLES = new Set<string>(['read', 'triage', 'write', 'maintain', 'admin']);
const isRole = (r: unknown): r is RepoPermission => typeof r === 'string' && BASE_ROLES.has(r);

/** What GitHub's `GET …/collaborators/{user}/permission` answers, as far as it is read here. */
export interface PermissionAnswer {
  permission?: string;
  role_name?: string;
  user?: { permissions?: Record<string, boolean | undefined> } | null;
}

/**
 * The level a permission answer grants. GitHub's description requires only `pull`, `push` and
 * `admin` among the flags, so `maintain` and `triage` come from `role_name` when the flags leave
 * them out. A custom role's `role_name` is its own name: it counts as its base role, which the
 * flags and the legacy `permission` (admin, write, read; maintain shows as write) report.
 */
export function levelOf(data: PermissionAnswer): RepoPermission | 'none' {
  const p = data.user?.permissions;
  const role = isRole(data.role_name) ? data.role_name : undefined;
  const legacy = isRole(data.permission) ? data.permission : 'none';
  if (!p) return role ?? legacy;
  const flags: RepoPermission | 'none' = p.admin
    ? 'admin'
    : p.maintain
      ? 'maintain'
      : p.push
        ? 'write'
        : p.triage
          ? 'triage'
          : p.pull
            ? 'read'
            : 'none';
  // role_name refines the flags only within what they grant: between write and admin it can
  // name maintain, between read and write triage.
  if (role === 'maintain' && flags === 'write' && p.maintain === undefined) return 'maintain';
  if (role === 'triage' && flags === 'read' && p.triage === undefined) return 'triage';
  return flags;
}
