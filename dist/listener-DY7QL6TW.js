import { createRequire as __guardrailCreateRequire } from 'node:module'; import { fileURLToPath as __guardrailFileURLToPath } from 'node:url'; const require = __guardrailCreateRequire(import.meta.url); const __guardrailFilename = __guardrailFileURLToPath(import.meta.url); const __guardrailDirname = __guardrailFilename.slice(0, __guardrailFilename.lastIndexOf('/'));
import {
  startMysqlGateway
} from "./chunk-ZP252XBO.js";
import "./chunk-XVQZ634S.js";
import "./chunk-46AX6HLE.js";
import "./chunk-WTZSGNFV.js";
import "./chunk-XSTP326K.js";
import "./chunk-LLFWNX4K.js";
import "./chunk-GFDP3FVM.js";
import "./chunk-V6SGTYVA.js";
import "./chunk-UT7L3UN7.js";
import "./chunk-WLKLOQWD.js";
import "./chunk-M4FFXIZ3.js";
import "./chunk-IXGCOFTZ.js";
import "./chunk-Z25NSMXP.js";
import "./chunk-6MG4NLIR.js";
export {
  startMysqlGateway
};
