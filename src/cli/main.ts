#!/usr/bin/env node
// The `guardrail` command. Each subcommand lives in its own module and is loaded on demand,
// so `guardrail check` does not pay for the gateway and the gateway does not load Octokit.
import { UsageError } from './args.js';

interface Command {
  usage: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  replay: () => import('./replay.js'),
  check: () => import('./check.js'),
  broker: () => import('./broker.js'),
  demo: () => import('./demo.js'),
  proxy: () => import('./proxy.js'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : undefined;
  if (!load) {
    const all = await Promise.all(Object.values(commands).map((l) => l()));
    console.error(`usage:\n${all.map((c) => `  ${c.usage}`).join('\n')}`);
    return name === '--help' || name === '-h' ? 0 : 2;
  }
  const command = await load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`guardrail ${name}: ${err.message}\nusage: ${command.usage}`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`guardrail: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
