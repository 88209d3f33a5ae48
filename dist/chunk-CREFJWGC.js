import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  PolicyError,
  parsePolicy
} from "./chunk-NSA7BN2R.js";

// src/gateway/policy-file.ts
import { readFileSync } from "node:fs";
function loadPolicy(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PolicyError(`${path}: cannot read the policy file: ${err.message}`, path, void 0);
  }
  return parsePolicy(text, path);
}

export {
  loadPolicy
};
