import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  CheckBaseError,
  CheckReadError,
  checkFiles,
  migrationFiles,
  run,
  spec,
  toSarif
} from "./chunk-ELYU2O6V.js";
import "./chunk-D7GJ7SEI.js";
import "./chunk-GYYEFYUM.js";
import "./chunk-M65ND5SU.js";
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
