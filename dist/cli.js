#!/usr/bin/env node
import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  UsageError
} from "./chunk-5YNDTKBO.js";
import "./chunk-JYUWKEP5.js";

// src/cli/main.ts
var commands = {
  replay: () => import("./replay-3P3GGS5V.js"),
  check: () => import("./check-S5DGOMB4.js"),
  broker: () => import("./broker-OLXSXYTN.js"),
  demo: () => import("./demo-B5B6IN3C.js"),
  proxy: () => import("./proxy-LPZ4MM34.js")
};
async function main(argv) {
  const [name, ...rest] = argv;
  const load = name ? commands[name] : void 0;
  if (!load) {
    const all = await Promise.all(Object.values(commands).map((l) => l()));
    console.error(`usage:
${all.map((c) => `  ${c.usage}`).join("\n")}`);
    return name === "--help" || name === "-h" ? 0 : 2;
  }
  const command = await load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`guardrail ${name}: ${err.message}
usage: ${command.usage}`);
      return 2;
    }
    throw err;
  }
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`guardrail: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
);
