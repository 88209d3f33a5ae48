import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  toSarif,
  usage
} from "./chunk-PMHPVCUL.js";
import "./chunk-E6F2STDG.js";
import "./chunk-D7K4HSHE.js";
import "./chunk-5YNDTKBO.js";
import "./chunk-JYUWKEP5.js";
export {
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  toSarif,
  usage
};
