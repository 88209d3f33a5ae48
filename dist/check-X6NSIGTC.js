import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  CheckBaseError,
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  spec,
  toSarif
} from "./chunk-7P4GOWG4.js";
import "./chunk-D7GJ7SEI.js";
import "./chunk-NLEYU7YH.js";
import "./chunk-7EGQWZGJ.js";
import "./chunk-FTAKKE6A.js";
import "./chunk-MIHPBBTS.js";
import "./chunk-XA3WZ7XZ.js";
import "./chunk-6MG4NLIR.js";
export {
  CheckBaseError,
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  spec,
  toSarif
};
