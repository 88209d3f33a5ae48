// Vitest global setup: every temporary directory the suite makes (servers, runner files, bundles)
// goes under one root that is removed when the run ends, so repeated runs do not fill /tmp.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'guardrail-tests-'));
  // Servers run as unprivileged accounts (postgres, mysql) and must reach their directories.
  chmodSync(root, 0o777);
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
