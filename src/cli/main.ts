#!/usr/bin/env node
// The `guardrail` bin: runs the command line (cli.ts) and sets the exit code.
import { runCli } from './cli.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`guardrail: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
