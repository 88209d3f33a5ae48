import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));

// src/transcript/events.ts
var SKIPPED_TAG = "SKIPPED (dry run)";
var SKIPPED_CODE = "dry-run-skipped";

export {
  SKIPPED_TAG,
  SKIPPED_CODE
};
