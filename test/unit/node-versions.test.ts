// Which Node.js versions are supported is said in three places that must agree: package.json's
// engines (development, the tests, the CLI), the README, and action.yml (the action runs on the
// runner's Node 24). CI runs the tests on the lowest major version claimed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
const LOWEST = [20, 19, 0];

function atLeast(version: string, min: number[]): boolean {
  const v = version.split('.').map(Number);
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!;
  return true;
}

describe('supported Node.js versions', () => {
  it('engines, README, action.yml and the bundles agree', () => {
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    expect(readFileSync('README.md', 'utf8')).toContain('Node.js 20.19 or later');
    expect(readFileSync('action.yml', 'utf8')).toMatch(/^ {2}using: 'node24'$/m);
    // Bundles are built for the lowest claimed version, so the CLI runs there.
    expect(readFileSync('scripts/build.mjs', 'utf8')).toContain("target: 'node20'");
  });

  it('the tests run on a claimed version, and CI on the lowest major claimed', () => {
    const running = process.versions.node;
    const [major] = running.split('.').map(Number);
    const claimed = major === 20 ? atLeast(running, LOWEST) : atLeast(running, [22, 12, 0]);
    expect(claimed, `Node ${running} is not in ${pkg.engines.node}`).toBe(true);
    if (process.env.CI === 'true') expect(major, 'CI must test on the lowest claimed major').toBe(LOWEST[0]);
  });
});
