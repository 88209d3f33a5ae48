// Every subcommand describes itself with a CommandSpec: the same object parses its arguments and
// writes its --help, so the help cannot list an option the parser does not know, or miss one.
import { basename, isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { GuardrailError, type GuardrailErrorCode } from '../errors/guardrail-error.js';

/** A usage error: the command prints it with the usage text and exits 2. */
export class UsageError extends GuardrailError {
  static override readonly code: GuardrailErrorCode = 'ERR_USAGE';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Name of the value in the help text: FILE, URL, DIR. */
  value?: string;
  /** The default as the help shows it; a string option's default is also its parsed value. */
  default?: string;
  description: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Lines of prose after the usage line. */
  description: string[];
  /** Positional arguments as the usage line shows them (`PATH...`); none when absent. */
  positionals?: string;
  options: O;
  /** Argument lists (without the command prefix) that show typical use. */
  examples: { args: string; note?: string }[];
}

/** Keeps the option names and types of a spec as literals, so parse() types its values. */
export function command<const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean;
};

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help and exit' };

/**
 * How this program is started where the user is: `npx guardrail` under npm (npx, npm run),
 * `guardrail` when run through the installed bin, else `node <path to the script>`.
 */
export function selfCommand(
  env: NodeJS.ProcessEnv = process.env,
  script = process.argv[1] ?? 'guardrail',
  cwd = process.cwd(),
): string {
  if (env.npm_command === 'exec' || env.npm_command === 'run-script') return 'npx guardrail';
  if (basename(script) === 'guardrail') return 'guardrail';
  const rel = relative(cwd, script);
  return `node ${rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script}`;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The nearest candidate, if it is near enough to be what was meant. */
export function nearest(word: string, candidates: string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(word, c);
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : undefined;
}

function optionNames(spec: CommandSpec): string[] {
  return [...Object.keys(spec.options), 'help'].map((n) => `--${n}`);
}

/** Turns node:util's messages into ones that say what was wrong and what was probably meant. */
function usageError(err: Error & { code?: string }, spec: CommandSpec): UsageError {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = quoted.split('=')[0]!;
      const guess = name.startsWith('--') ? nearest(name, optionNames(spec)) : undefined;
      return new UsageError(`unknown option ${name}${guess ? ` (did you mean ${guess}?)` : ''}`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = quoted.split(' ')[0]!.replace(/^-\w, /, '');
      const option = spec.options[name.replace(/^--/, '')];
      return new UsageError(
        option?.type === 'string'
          ? `${name} needs a value (${option.value ?? 'VALUE'})`
          : `${name} takes no value`,
      );
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${quoted}: ${spec.name} takes options only`);
    default:
      return new UsageError(err.message);
  }
}

/** Parses argv by the spec (strict: unknown options are usage errors). */
export function parse<O extends Record<string, OptionSpec>>(
  argv: string[],
  spec: CommandSpec<O>,
): { values: Values<O>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.type === 'string' && o.default !== undefined ? { default: o.default } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: spec.positionals !== undefined,
      strict: true,
    });
    return { values: values as Values<O>, positionals };
  } catch (err) {
    throw usageError(err as Error & { code?: string }, spec);
  }
}

/** True when the arguments ask for help (before any `--`). */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function usageLine(spec: CommandSpec, self: string): string {
  return `${self} ${spec.name} [options]${spec.positionals ? ` ${spec.positionals}` : ''}`;
}

function optionLabel(name: string, o: OptionSpec): string {
  const long = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

/** The text `guardrail CMD --help` prints. */
export function helpText(spec: CommandSpec, self: string): string {
  const rows = [...Object.entries(spec.options), ['help', HELP] as const].map(([name, o]) => ({
    label: optionLabel(name, o),
    text: `${o.description}${o.default !== undefined ? ` (default: ${o.default})` : ''}`,
  }));
  const width = Math.max(...rows.map((r) => r.label.length));
  const lines = [
    `${self} ${spec.name}: ${spec.summary}`,
    '',
    `usage: ${usageLine(spec, self)}`,
    '',
    ...spec.description,
    '',
    'options:',
    ...rows.map((r) => `  ${r.label.padEnd(width)}  ${r.text}`),
    '',
    spec.examples.length > 1 ? 'examples:' : 'example:',
    ...spec.examples.flatMap((e) => [
      ...(e.note ? [`  # ${e.note}`] : []),
      `  ${self} ${spec.name}${e.args ? ` ${e.args}` : ''}`,
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
