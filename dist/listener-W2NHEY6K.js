import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startMysqlGateway
} from "./chunk-L3J6URLA.js";
import "./chunk-NJ6GWZA3.js";
import "./chunk-46AX6HLE.js";
import "./chunk-WTZSGNFV.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-WYZS6KHP.js";
import "./chunk-V6SGTYVA.js";
import "./chunk-7FF7FXHX.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-4UQKV5D5.js";
import "./chunk-7RPXRAQH.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startMysqlGateway
};
