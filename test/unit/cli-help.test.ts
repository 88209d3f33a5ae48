// The command line explains itself: every command answers --help and -h with a description, its
// options with their defaults and an example; unknown commands and options say what was wrong
// and suggest the nearest valid one; --version prints the package version.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearest, selfCommand } from '../../src/cli/args.js';
import { commands, runCli } from '../../src/cli/cli.js';
import { buildCli } from '../support/cli-build.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }, 'guardrail');
  return { code, out, err };
}

/** What each command's help must say: its options with defaults, and a line of its example. */
const EXPECTED: Record<string, { lines: string[]; example: string; typo: [string, string] }> = {
  check: {
    lines: [
      'usage: guardrail check [options] PATH...',
      '--dialect postgres|mysql',
      '--policy FILE',
      '--format text|json|sarif',
      'output format (default: text)',
      '--fail-on deny|review|warn|never',
      'or a stronger one (default: review)',
      '-- guardrail:allow <rule> <reason>',
    ],
    example: 'guardrail check examples/migrations',
    typo: ['--polcy', '--policy'],
  },
  proxy: {
    lines: [
      'usage: guardrail proxy [options]',
      '--upstream URL',
      '--listen HOST:PORT',
      'port 0 picks a free one (default: 127.0.0.1:0)',
      '--socket-dir DIR',
      '--transcript FILE',
      '--policy FILE',
      'without a terminal (in the background, in CI) nobody can approve',
    ],
    example: 'guardrail proxy --upstream postgres://app@127.0.0.1:5432/app',
    typo: ['--upstrem', '--upstream'],
  },
  replay: {
    lines: [
      'usage: guardrail replay [options] FILE',
      '--verify',
      '--html OUT',
      '--against URL',
      '--color',
      '--no-color',
      '(default: when stdout is a terminal)',
    ],
    example: 'guardrail replay transcript.jsonl --verify',
    typo: ['--verfy', '--verify'],
  },
  broker: {
    lines: ['usage: guardrail broker [options]', '--config FILE', '--sweep-once', 'docs/broker.md'],
    example: 'guardrail broker --config broker.yml',
    typo: ['--confg', '--config'],
  },
  demo: {
    lines: [
      'usage: guardrail demo [options]',
      '--approve',
      '--out DIR',
      '(default: a new temporary directory)',
      '--no-color',
    ],
    example: 'guardrail demo --approve --out demo-out',
    typo: ['--aprove', '--approve'],
  },
};

describe('guardrail --help', () => {
  it('lists every command with what it does', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain(`guardrail ${VERSION}: a SQL gateway for CI jobs`);
    expect(r.out).toContain('usage: guardrail COMMAND [options]');
    for (const name of Object.keys(commands)) {
      const { spec } = await commands[name]!();
      expect(r.out).toMatch(new RegExp(`^ {2}${name} +${spec.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
    }
    expect(r.out).toContain("Run 'guardrail COMMAND --help'");
    expect((await cli('-h')).out).toBe(r.out);
  });

  it('covers every command', () => {
    expect(Object.keys(commands).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('without a command: the list, and an exit code of 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err).toContain('commands:');
    expect(r.err).toContain('guardrail: name a command');
  });
});

describe.each(Object.entries(EXPECTED))('guardrail %s', (name, expected) => {
  it('answers --help and -h with a description, the options with defaults, and an example', async () => {
    const { spec } = await commands[name]!();
    const r = await cli(name, '--help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.split('\n')[0]).toBe(`guardrail ${name}: ${spec.summary}`);
    for (const line of expected.lines) expect(r.out).toContain(line);
    for (const [option, o] of Object.entries(spec.options)) {
      expect(r.out).toContain(`--${option}`);
      expect(r.out).toContain(o.description);
    }
    expect(r.out).toContain('-h, --help');
    expect(r.out).toMatch(/^examples?:$/m);
    expect(r.out).toContain(`  ${expected.example}`);
    expect((await cli(name, '-h')).out).toBe(r.out);
    expect((await cli('help', name)).out).toBe(r.out);
  });

  it('names an unknown option and suggests the nearest one', async () => {
    const [typo, meant] = expected.typo;
    const r = await cli(name, typo, 'x');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')[0]).toBe(`guardrail ${name}: unknown option ${typo} (did you mean ${meant}?)`);
    expect(r.err).toContain(`Run 'guardrail ${name} --help' for the options and an example.`);
  });
});

describe('usage errors', () => {
  it('an unknown command is named, with the nearest command', async () => {
    const r = await cli('chek', 'migrations');
    expect(r.code).toBe(2);
    expect(r.err).toContain('guardrail: unknown command chek (did you mean check?)');
    expect(r.err).toContain('commands: check, proxy, replay, broker, demo.');
    const far = await cli('frobnicate');
    expect(far.err).toContain('guardrail: unknown command frobnicate\n');
    expect((await cli('--verison')).err).toContain('unknown option --verison (did you mean --version?)');
  });

  it('a missing value names the option and what it takes; a stray argument is named', async () => {
    expect((await cli('replay', 'f.jsonl', '--html')).err).toContain(
      'guardrail replay: --html needs a value (OUT)',
    );
    expect((await cli('replay', 'f.jsonl', '--verify=yes')).err).toContain('--verify takes no value');
    expect((await cli('demo', 'now')).err).toContain(
      'guardrail demo: unexpected argument now: demo takes options only',
    );
    expect((await cli('broker')).err).toContain('guardrail broker: --config FILE is required');
    expect((await cli('proxy')).err).toContain('guardrail proxy: --upstream URL is required');
  });

  it('an option far from every valid one gets no guess', () => {
    expect(nearest('--zzzzzz', ['--policy', '--format'])).toBeUndefined();
    expect(nearest('--fail-of', ['--policy', '--fail-on'])).toBe('--fail-on');
  });
});

describe('the command printed for the user', () => {
  it('is the one that works where they are', () => {
    expect(selfCommand({ npm_command: 'exec' }, '/repo/dist/cli.js', '/repo')).toBe('npx guardrail');
    expect(selfCommand({ npm_command: 'run-script' }, '/repo/dist/cli.js', '/repo')).toBe('npx guardrail');
    expect(selfCommand({}, '/usr/local/bin/guardrail', '/home/me')).toBe('guardrail');
    expect(selfCommand({}, '/repo/dist/cli.js', '/repo')).toBe('node dist/cli.js');
    expect(selfCommand({}, '/repo/dist/cli.js', '/tmp/x')).toBe('node /repo/dist/cli.js');
  });
});

describe('the guardrail process', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await buildCli();
  });
  afterAll(() => rmSync(dirname(bin), { recursive: true, force: true }));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });

  it('prints the version and help on stdout with exit code 0, usage errors on stderr with 2', () => {
    const version = run('--version');
    expect([version.status, version.stdout]).toEqual([0, `${VERSION}\n`]);
    const help = run('check', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain(`usage: node ${relative(process.cwd(), bin)} check [options] PATH...`);
    const typo = run('check', '--fail-of', 'warn', 'x.sql');
    expect(typo.status).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toContain('unknown option --fail-of (did you mean --fail-on?)');
  });
});
