// Reads a policy file for the programs that start from one (the daemon, `guardrail proxy`,
// `guardrail check`, the action). src/policy stays pure: it parses text and never touches files.
import { readFileSync } from 'node:fs';
import { PolicyError, parsePolicy } from '../policy/parse.js';
import type { Policy } from '../policy/types.js';

/** Reads and validates a policy file; an unreadable file is a PolicyError naming it. */
export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PolicyError(`${path}: cannot read the policy file: ${(err as Error).message}`, path, undefined);
  }
  return parsePolicy(text, path);
}
