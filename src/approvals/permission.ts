// Repository permission levels in order, so "at least write" is a comparison.
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
