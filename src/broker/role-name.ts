// Login role names carry what a stateless broker needs to find and judge them later: the prefix
// (ours), the run and attempt (who may revoke with an OIDC token), and the expiry (MariaDB has no
// VALID UNTIL, so the sweeper reads it from the name). 32 characters at most, MySQL's limit.
import { randomBytes } from 'node:crypto';
import { BrokerSetupError } from '../errors/guardrail-error.js';

export interface RoleName {
  name: string;
  runId: string;
  runAttempt: string;
  expiresAt: Date;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newRoleName(prefix: string, runId: string, runAttempt: string, expiresAt: Date): string {
  if (!/^\d{1,20}$/.test(runId) || !/^\d{1,4}$/.test(runAttempt)) {
    throw new BrokerSetupError('run_id and run_attempt must be decimal numbers');
  }
  const exp = Math.ceil(expiresAt.getTime() / 1000).toString(36);
  const rand = Array.from(randomBytes(6), (b) => ALPHABET[b % 36]).join('');
  const name = `${prefix}${runId}_${runAttempt}_${exp}_${rand}`;
  if (name.length > 32)
    throw new BrokerSetupError(`role name ${name} would exceed 32 characters; shorten role-prefix`);
  return name;
}

export function parseRoleName(prefix: string, name: string): RoleName | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d{1,20})_(\d{1,4})_([0-9a-z]{1,10})_([0-9a-z]{6})$/.exec(name.slice(prefix.length));
  if (!m) return undefined;
  return { name, runId: m[1]!, runAttempt: m[2]!, expiresAt: new Date(Number.parseInt(m[3]!, 36) * 1000) };
}
