import { createRequire as __guardrailCreateRequire } from 'node:module'; const require = __guardrailCreateRequire(import.meta.url);
import {
  UsageError,
  parse
} from "./chunk-UAQTYODG.js";

// src/cli/replay.ts
import { readFileSync } from "node:fs";

// src/transcript/recorder.ts
import { createHash } from "node:crypto";
var GENESIS = "0".repeat(64);
function lineHash(line) {
  return createHash("sha256").update(line).digest("hex");
}

// src/transcript/verify.ts
function verifyTranscript(text) {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let prev = GENESIS;
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      return { ok: false, lines: lines.length, brokenAt: n, reason: "not valid JSON" };
    }
    if (parsed.seq !== n) {
      return {
        ok: false,
        lines: lines.length,
        brokenAt: n,
        reason: `expected seq ${n}, found ${String(parsed.seq)}`
      };
    }
    if (parsed.prev !== prev) {
      return {
        ok: false,
        lines: lines.length,
        brokenAt: n,
        reason: "prev does not match the hash of the line before (a line was changed, removed or moved)"
      };
    }
    prev = lineHash(line);
  }
  return { ok: true, lines: lines.length };
}

// src/cli/replay.ts
var usage = "guardrail replay [--verify] FILE";
async function run(argv) {
  const { values, positionals } = parse(argv, { verify: { type: "boolean" } });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new UsageError("replay takes exactly one transcript file");
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    console.error(`guardrail replay: cannot read ${file}: ${err.message}`);
    return 2;
  }
  if (!values.verify) throw new UsageError("only --verify is available so far");
  const result = verifyTranscript(text);
  if (result.ok) {
    console.log(`${file}: ${result.lines} lines, hash chain intact`);
    return 0;
  }
  console.error(`${file}: hash chain broken at line ${result.brokenAt}: ${result.reason}`);
  return 1;
}
export {
  run,
  usage
};
