import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startMysqlGateway
} from "./chunk-RXLFKFSA.js";
import "./chunk-HVEHNTJJ.js";
import "./chunk-46AX6HLE.js";
import "./chunk-WTZSGNFV.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-JEFZNAQW.js";
import "./chunk-V6SGTYVA.js";
import "./chunk-FBPDLK2K.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-PCXU5KJF.js";
import "./chunk-NLN46V2R.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startMysqlGateway
};
