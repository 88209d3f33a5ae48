import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  CheckBaseError,
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  spec
} from "./chunk-LZVBUNTM.js";
import "./chunk-D7GJ7SEI.js";
import "./chunk-6JGO3IS6.js";
import "./chunk-PRT4XJOU.js";
import "./chunk-5BA3Y73S.js";
import "./chunk-7RPXRAQH.js";
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
