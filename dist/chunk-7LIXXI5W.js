import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  GuardrailError
} from "./chunk-Z25NSMXP.js";

// src/cli/args.ts
import { basename, isAbsolute, relative } from "node:path";
import { parseArgs } from "node:util";
var UsageError = class extends GuardrailError {
  static code = "ERR_USAGE";
};
function command(spec) {
  return spec;
}
var HELP = { type: "boolean", short: "h", description: "show this help and exit" };
function selfCommand(env = process.env, script = process.argv[1] ?? "guardrail", cwd = process.cwd()) {
  if (env.npm_command === "exec" || env.npm_command === "run-script") return "npx guardrail";
  if (basename(script) === "guardrail") return "guardrail";
  const rel = relative(cwd, script);
  return `node ${rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : script}`;
}
function distance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
function nearest(word, candidates) {
  let best;
  for (const c of candidates) {
    const d = distance(word, c);
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? best.c : void 0;
}
function optionNames(spec) {
  return [...Object.keys(spec.options), "help"].map((n) => `--${n}`);
}
function usageError(err, spec) {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? "";
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const name = quoted.split("=")[0];
      const guess = name.startsWith("--") ? nearest(name, optionNames(spec)) : void 0;
      return new UsageError(`unknown option ${name}${guess ? ` (did you mean ${guess}?)` : ""}`);
    }
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const name = quoted.split(" ")[0].replace(/^-\w, /, "");
      const option = spec.options[name.replace(/^--/, "")];
      return new UsageError(
        option?.type === "string" ? `${name} needs a value (${option.value ?? "VALUE"})` : `${name} takes no value`
      );
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument ${quoted}: ${spec.name} takes options only`);
    default:
      return new UsageError(err.message);
  }
}
function parse(argv, spec) {
  const options = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = {
      type: o.type,
      ...o.short ? { short: o.short } : {},
      ...o.type === "string" && o.default !== void 0 ? { default: o.default } : {}
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: spec.positionals !== void 0,
      strict: true
    });
    return { values, positionals };
  } catch (err) {
    throw usageError(err, spec);
  }
}
function wantsHelp(argv) {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}
function usageLine(spec, self) {
  return `${self} ${spec.name} [options]${spec.positionals ? ` ${spec.positionals}` : ""}`;
}
function optionLabel(name, o) {
  const long = `--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}
function helpText(spec, self) {
  const rows = [...Object.entries(spec.options), ["help", HELP]].map(([name, o]) => ({
    label: optionLabel(name, o),
    text: `${o.description}${o.default !== void 0 ? ` (default: ${o.default})` : ""}`
  }));
  const width = Math.max(...rows.map((r) => r.label.length));
  const lines = [
    `${self} ${spec.name}: ${spec.summary}`,
    "",
    `usage: ${usageLine(spec, self)}`,
    "",
    ...spec.description,
    "",
    "options:",
    ...rows.map((r) => `  ${r.label.padEnd(width)}  ${r.text}`),
    "",
    spec.examples.length > 1 ? "examples:" : "example:",
    ...spec.examples.flatMap((e) => [
      ...e.note ? [`  # ${e.note}`] : [],
      `  ${self} ${spec.name}${e.args ? ` ${e.args}` : ""}`
    ])
  ];
  return `${lines.join("\n")}
`;
}

export {
  UsageError,
  command,
  selfCommand,
  nearest,
  parse,
  wantsHelp,
  usageLine,
  helpText
};
