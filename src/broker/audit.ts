// One JSON line per issuance, revocation, refusal and sweep. Records are built from an explicit
// list of fields: passwords, tokens and revocation tokens have no field to go into.
import { appendFileSync } from 'node:fs';

/** The claims worth keeping: who, what, where, which run. */
export const AUDITED_CLAIMS = [
  'repository',
  'repository_id',
  'repository_owner_id',
  'ref',
  'environment',
  'event_name',
  'actor',
  'actor_id',
  'job_workflow_ref',
  'runner_environment',
  'run_id',
  'run_attempt',
  'sha',
  'jti',
] as const;

export type AuditEvent =
  | {
      event: 'issue';
      target: string;
      binding: string;
      role: string;
      login: string;
      lease: string;
      ttl: number;
      expires_at: string;
      claims: Record<string, string>;
    }
  | {
      event: 'refuse';
      status: number;
      reason: string;
      target?: string;
      claims?: Record<string, string>;
      detail?: unknown;
    }
  | {
      event: 'revoke';
      lease: string;
      by: 'revocation-token' | 'oidc-token';
      existed: boolean;
      sessions: number;
      notes: string[];
      claims?: Record<string, string>;
    }
  | { event: 'sweep'; target: string; lease: string; existed: boolean; sessions: number; notes: string[] }
  | { event: 'error'; operation: string; target?: string; lease?: string; message: string };

export type AuditSink = (line: string) => void;

export function auditSink(dest: string): AuditSink {
  if (dest === '-') return (line) => process.stdout.write(line);
  return (line) => appendFileSync(dest, line);
}

export class AuditLog {
  constructor(private readonly sink: AuditSink) {}

  write(e: AuditEvent): void {
    this.sink(`${JSON.stringify({ ts: new Date().toISOString(), ...e })}\n`);
  }
}

export function auditedClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of AUDITED_CLAIMS)
    if (claims[k] !== undefined && claims[k] !== null) out[k] = String(claims[k]);
  return out;
}
