// Structure checks of action.yml and the example workflows, with the yaml package. actionlint
// would check more (expression syntax, runner labels, shellcheck) but is not available offline.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readInputs } from '../../src/action/inputs.js';

interface ActionInput {
  description?: string;
  required?: boolean;
  default?: string;
}
interface ActionMeta {
  name?: string;
  description?: string;
  branding?: { icon?: string; color?: string };
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description?: string }>;
  runs: { using?: string; main?: string; post?: string; 'post-if'?: string };
}
type Step = {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
};
type Job = { 'runs-on'?: unknown; steps?: Step[]; permissions?: Record<string, string> };
type Workflow = {
  name?: string;
  on?: unknown;
  permissions?: Record<string, string>;
  jobs?: Record<string, Job>;
};

const action = parse(readFileSync('action.yml', 'utf8')) as ActionMeta;
const examples = readdirSync('examples/workflows')
  .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
  .map((f) => ({ file: f, text: readFileSync(join('examples/workflows', f), 'utf8') }));

/** The runner's view of an input: the workflow's value, else the action.yml default. */
function withDefaults(given: Record<string, string>): (name: string) => string {
  return (name) => {
    if (given[name] !== undefined) return given[name];
    const d = action.inputs[name]?.default ?? '';
    return d.replace(/\$\{\{\s*github\.token\s*\}\}/, 'ghs_default_token');
  };
}

describe('action.yml', () => {
  it('declares a node24 action with main and post bundles, name, description and branding', () => {
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
    expect(action.branding?.icon).toBeTruthy();
    expect(action.branding?.color).toBeTruthy();
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main.js', post: 'dist/post.js' });
  });

  it('describes every input and output, and names them in kebab-case', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(input.description, name).toBeTruthy();
    }
    expect(Object.keys(action.outputs).sort()).toEqual([
      'ca-cert',
      'host',
      'password',
      'port',
      'transcript-head',
      'transcript-lines',
      'transcript-path',
      'url',
      'user',
    ]);
    for (const [name, output] of Object.entries(action.outputs))
      expect(output.description, name).toBeTruthy();
  });

  it('declares exactly the inputs the action reads', () => {
    const asked = new Set<string>();
    readInputs({
      get: (name) => {
        asked.add(name);
        return withDefaults({
          database: 'postgres',
          upstream: 'db:5432/app',
          credentials: 'broker',
          'broker-url': 'https://b',
        })(name);
      },
      mask: () => {},
      workspace: mkdtempSync(join(tmpdir(), 'gr-meta-')),
    });
    expect([...asked].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('has defaults that are valid for each credentials kind', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'gr-meta-'));
    const base = { database: 'postgres', upstream: 'db:5432/app' };
    const kinds: Record<string, string>[] = [
      { ...base, credentials: 'broker', 'broker-url': 'https://broker' },
      { ...base, credentials: 'vault', 'vault-url': 'https://vault', 'vault-role': 'r' },
      { ...base, credentials: 'static', 'static-dsn': 'postgres://u:p@db:5432/app' },
    ];
    for (const given of kinds) {
      const get = withDefaults(given);
      expect(() => readInputs({ get, mask: () => {}, workspace }), given.credentials).not.toThrow();
    }
  });
});

describe('example workflows', () => {
  it('exist: nightly migrations, a pull-request check, an ad-hoc data fix', () => {
    expect(examples.map((e) => e.file).sort()).toEqual([
      'data-fix.yml',
      'nightly-migrations.yml',
      'pr-migration-check.yml',
    ]);
  });

  for (const { file, text } of examples) {
    describe(file, () => {
      const wf = parse(text) as Workflow;
      const jobs = Object.entries(wf.jobs ?? {});
      const steps = jobs.flatMap(([, j]) => j.steps ?? []);
      const guards = steps.filter((s) => s.uses?.startsWith('org/guardrail-action@'));

      it('has a name, triggers and jobs whose steps each use or run something', () => {
        expect(wf.name).toBeTruthy();
        expect(wf.on).toBeTruthy();
        expect(jobs.length).toBeGreaterThan(0);
        for (const [name, job] of jobs) {
          expect(job['runs-on'], name).toBeTruthy();
          expect(job.steps?.length, name).toBeGreaterThan(0);
          for (const step of job.steps ?? [])
            expect(Boolean(step.uses) !== Boolean(step.run), JSON.stringify(step)).toBe(true);
        }
      });

      it('passes the action only inputs it declares, including the required ones', () => {
        for (const step of guards) {
          const given = Object.keys(step.with ?? {});
          for (const name of given) expect(Object.keys(action.inputs), `${file}: ${name}`).toContain(name);
          for (const [name, input] of Object.entries(action.inputs)) {
            if (input.required) expect(given, `${file} lacks ${name}`).toContain(name);
          }
        }
      });

      it('gives the action inputs that pass validation', () => {
        for (const step of guards) {
          const given = Object.fromEntries(
            Object.entries(step.with ?? {}).map(([k, v]) => [k, String(v).trim()]),
          );
          const workspace = mkdtempSync(join(tmpdir(), 'gr-ex-'));
          // Files the examples name live in the user's repository; only their syntax is checked here.
          delete given['broker-ca'];
          delete given.policy;
          expect(() => readInputs({ get: withDefaults(given), mask: () => {}, workspace })).not.toThrow();
        }
      });

      it('reads only outputs the action declares', () => {
        const ids = new Set(guards.map((s) => s.id));
        for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          if (ids.has(m[1])) expect(Object.keys(action.outputs), m[0]).toContain(m[2]);
        }
      });

      it('grants id-token: write where credentials come from OIDC', () => {
        for (const [name, job] of jobs) {
          const oidc = (job.steps ?? []).some(
            (s) =>
              s.uses?.startsWith('org/guardrail-action@') &&
              ['broker', 'vault'].includes(String(s.with?.credentials)),
          );
          if (oidc) expect((job.permissions ?? wf.permissions)?.['id-token'], name).toBe('write');
        }
      });

      it('grants what approvals need where the action runs: comments, pull requests, tracking issue', () => {
        for (const [name, job] of jobs) {
          if (!(job.steps ?? []).some((s) => s.uses?.startsWith('org/guardrail-action@'))) continue;
          const granted = job.permissions ?? wf.permissions;
          // Requests go on the run's pull request (also a merged one) or on a tracking issue.
          expect(granted?.['pull-requests'], `${file} ${name}`).toBe('write');
          expect(granted?.issues, `${file} ${name}`).toBe('write');
        }
      });

      it('never expands event or dispatch inputs inside a run script', () => {
        for (const step of steps) {
          if (step.run) expect(step.run, file).not.toMatch(/\$\{\{\s*(inputs|github\.event)\./);
        }
      });
    });
  }
});
