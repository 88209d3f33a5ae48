// What the broker needs from a database: create a login role, drop one, list expired ones. The
// database itself is the only state, so replicas and restarts need nothing else.
export interface LoginSpec {
  name: string;
  password: string;
  expiresAt: Date;
  /** Least-privilege group role to grant. */
  role: string;
  /** Stable role that owns what the sessions create; defaults to the group role. */
  ownerRole?: string;
}

export interface DropResult {
  /** False when the role was already gone (revoked or swept by another replica). */
  existed: boolean;
  /** Sessions that were terminated. */
  sessions: number;
  /** Notes for the audit log, e.g. objects whose DEFINER was the dropped user. */
  notes: string[];
}

export interface RoleStore {
  create(spec: LoginSpec): Promise<void>;
  drop(name: string): Promise<DropResult>;
  /** Our login roles (by prefix and name shape) whose expiry is before `cutoff`. */
  expired(cutoff: Date): Promise<string[]>;
  close(): Promise<void>;
}

/** LIKE pattern for names starting with `prefix`, with LIKE's wildcards escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
