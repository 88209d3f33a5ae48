#!/usr/bin/env node
import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  UsageError,
  helpText,
  nearest,
  selfCommand,
  usageLine,
  wantsHelp
} from "./chunk-7LIXXI5W.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";

// package.json
var version = "0.1.0";

// src/cli/cli.ts
var commands = {
  check: () => import("./check-B6RFNW64.js"),
  proxy: () => import("./proxy-ZQVTQ4GN.js"),
  replay: () => import("./replay-ICLOPSMJ.js"),
  broker: () => import("./broker-DIINCDKE.js"),
  demo: () => import("./demo-ESQRNLMC.js")
};
var stdio = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text)
};
async function overview(self) {
  const specs = await Promise.all(Object.values(commands).map(async (load) => (await load()).spec));
  const width = Math.max(...specs.map((s) => s.name.length));
  return [
    `guardrail ${version}: a SQL gateway for CI jobs. It holds risky statements for approval, masks`,
    "confidential columns and records a hash-chained transcript (PostgreSQL and MySQL/MariaDB).",
    "",
    `usage: ${self} COMMAND [options]`,
    "",
    "commands:",
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    "",
    "options:",
    "  -h, --help     show this help; after a command, that command's help",
    "      --version  print the version",
    "",
    `Run '${self} COMMAND --help' for a command's options and an example.`,
    ""
  ].join("\n");
}
async function runCli(argv, io = stdio, self = selfCommand()) {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") {
    io.out(`${version}
`);
    return 0;
  }
  if (name === void 0 || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : void 0;
    if (topic && commands[topic]) {
      io.out(helpText((await commands[topic]()).spec, self));
      return 0;
    }
    if (name === void 0) {
      io.err(`${await overview(self)}
${self}: name a command
`);
      return 2;
    }
    io.out(await overview(self));
    return 0;
  }
  const load = commands[name];
  if (!load) {
    const names = Object.keys(commands);
    const guess = nearest(name, name.startsWith("-") ? ["--help", "--version"] : names);
    const what = name.startsWith("-") ? "unknown option" : "unknown command";
    io.err(
      `${self}: ${what} ${name}${guess ? ` (did you mean ${guess}?)` : ""}
commands: ${names.join(", ")}. Run '${self} --help' for what each does.
`
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
        `${self} ${name}: ${err.message}
usage: ${usageLine(command.spec, self)}
Run '${self} ${name} --help' for the options and an example.
`
      );
      return 2;
    }
    throw err;
  }
}

// src/cli/main.ts
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`guardrail: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
);
