import { createRequire as __guardrailCreateRequire } from 'node:module'; const require = __guardrailCreateRequire(import.meta.url);

// src/cli/args.ts
import { parseArgs } from "node:util";
var UsageError = class extends Error {
};
function parse(argv, options, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err.message);
  }
}

export {
  UsageError,
  parse
};
