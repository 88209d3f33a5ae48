import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  CheckBaseError,
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  spec
} from "./chunk-F2L3A436.js";
import "./chunk-D7GJ7SEI.js";
import "./chunk-CREFJWGC.js";
import "./chunk-NSA7BN2R.js";
import "./chunk-LKICGP52.js";
import "./chunk-AIHX2DPB.js";
import "./chunk-FTAKKE6A.js";
import "./chunk-7LIXXI5W.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  CheckBaseError,
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  spec
};
