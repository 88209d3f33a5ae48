// The `guardrail` command line: finds the subcommand, answers --help and --version, and turns
// usage errors into a message that says what was wrong, a suggestion, and where help is.
// Subcommands are loaded on demand, so `guardrail check` does not pay for the gateway and the
// gateway does not load Octokit.
import { version } from '../../package.json';
import {
  type CommandSpec,
  helpText,
  nearest,
  selfCommand,
  UsageError,
  usageLine,
  wantsHelp,
} from './args.js';

export interface Command {
  spec: CommandSpec;
  run(argv: string[]): Promise<number>;
}

export const commands: Record<string, () => Promise<Command>> = {
  check: () => import('./check.js'),
  proxy: () => import('./proxy.js'),
  replay: () => import('./replay.js'),
  broker: () => import('./broker.js'),
  demo: () => import('./demo.js'),
};

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

async function overview(self: string): Promise<string> {
  const specs = await Promise.all(Object.values(commands).map(async (load) => (await load()).spec));
  const width = Math.max(...specs.map((s) => s.name.length));
  return [
    `guardrail ${version}: a SQL gateway for CI jobs. It holds risky statements for approval, masks`,
    'confidential columns and records a hash-chained transcript (PostgreSQL and MySQL/MariaDB).',
    '',
    `usage: ${self} COMMAND [options]`,
    '',
    'commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    'options:',
    "  -h, --help     show this help; after a command, that command's help",
    '      --version  print the version',
    '',
    `Run '${self} COMMAND --help' for a command's options and an example.`,
    '',
  ].join('\n');
}

export async function runCli(argv: string[], io: Io = stdio, self = selfCommand()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    io.out(`${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && commands[topic]) {
      io.out(helpText((await commands[topic]()).spec, self));
      return 0;
    }
    if (name === undefined) {
      io.err(`${await overview(self)}\n${self}: name a command\n`);
      return 2;
    }
    io.out(await overview(self));
    return 0;
  }
  const load = commands[name];
  if (!load) {
    const names = Object.keys(commands);
    const guess = nearest(name, name.startsWith('-') ? ['--help', '--version'] : names);
    const what = name.startsWith('-') ? 'unknown option' : 'unknown command';
    io.err(
      `${self}: ${what} ${name}${guess ? ` (did you mean ${guess}?)` : ''}\n` +
        `commands: ${names.join(', ')}. Run '${self} --help' for what each does.\n`,
    );
    return 2;
  }
  const command = await load();
  if (wantsHelp(rest)) {
    io.out(helpText(command.spec, self));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(
        `${self} ${name}: ${err.message}\nusage: ${usageLine(command.spec, self)}\n` +
          `Run '${self} ${name} --help' for the options and an example.\n`,
      );
      return 2;
    }
    throw err;
  }
}
