import type { Finding } from '../sql/types.js';

export type Mode = 'enforce' | 'audit' | 'dry-run';

export type Action = 'allow' | 'warn' | 'review' | 'deny';

export type Verdict =
  | { action: 'allow'; warnings?: Finding[] }
  | { action: 'review'; reasons: Finding[]; warnings?: Finding[] }
  | { action: 'deny'; reasons: Finding[]; warnings?: Finding[] };
